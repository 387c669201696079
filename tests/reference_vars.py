"""Regenerates the reference fixtures' random weights from their recipe (README.txt)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def regenerate_variables(fixture_dir: Path) -> dict[str, np.ndarray]:
    """The TF variables of a reference fixture, drawn as its README describes."""
    meta = json.loads((fixture_dir / "variables.json").read_text())
    rng = np.random.RandomState(meta["seed"])
    out = {}
    for var in meta["variables"]:
        shape, name = var["shape"], var["name"]
        if name.endswith("/kernel"):
            std = 3 / np.sqrt(shape[0] * shape[1] * shape[2])
        elif name.endswith("/w"):
            std = 8 / np.sqrt(shape[0] * shape[1] * shape[3])
        else:
            std = 0.1
        out[name] = (rng.standard_normal(shape) * std).astype(np.float32)
    return out
