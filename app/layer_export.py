"""Writing the layers as the image files `scfegan edit --mask/--sketch/--color` reads:
mask and sketch white on black (8-bit grey), colour as RGBA (alpha 255 = painted)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from model.imageio import atomic_write

from .document import LAYER_NAMES
from .session import encode_png

FILE_SUFFIX = {"mask": "mask", "sketch": "sketch", "colour": "colour"}


def layer_paths(folder: Path, stem: str) -> dict[str, Path]:
    """Where each layer of `stem` is exported in `folder`."""
    return {name: Path(folder) / f"{stem}-{FILE_SUFFIX[name]}.png" for name in LAYER_NAMES}


def existing_layer_files(folder: Path, stem: str) -> list[Path]:
    """The layer files of `stem` already in `folder`."""
    return [path for path in layer_paths(folder, stem).values() if path.exists()]


def free_stem(folder: Path, stem: str) -> str:
    """`stem`, else `stem-2`, `stem-3`, …: the first whose layer files are all new."""
    candidate, n = stem, 1
    while existing_layer_files(folder, candidate):
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def export_layers(folder: Path, stem: str, layers: dict[str, np.ndarray]) -> list[Path]:
    """Write the three layer PNGs atomically; returns their paths."""
    written = []
    for name, path in layer_paths(folder, stem).items():
        data = encode_png(layers[name])
        atomic_write(path, lambda tmp, data=data: tmp.write_bytes(data))
        written.append(path)
    return written
