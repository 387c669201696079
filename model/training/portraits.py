"""Zoom-aware training samples from portraits at their own resolution.

Each sample is a square window of a photo, cut at the photo's real resolution and
scaled down (never up) to the training size: either the whole face, framed as the
editor frames it (the Haar face box grown by `FACE_CROP_MARGIN`), or a tighter
window, down to `zoom_min` of that frame, centred on a face part (an eye, the nose,
the mouth) or on a random point of the face. A model trained so can repaint an eye
from a tight crop at several times the resolution of a whole-face crop.

The face box and a colour map of the whole photo are computed once per photo and
cached; the sketch is extracted per window at the network's size, so its lines stay
one network pixel wide, but at the whole face's scale (`window_sketch_scale`): a
zoomed window gets the outline of the lips, as the face's sketch and a user's
strokes have it, not the gaps between the teeth. Outlines (`--sketch-outlines`) are
traced at that scale too (`window_outlines`). The split keeps every photo of a person on one side.
"""
from __future__ import annotations

import json
import math
import re
import zlib
from pathlib import Path

import cv2
import numpy as np
import torch

from ..errors import ScfeganError
from ..faces import detect_faces
from ..guides import (LINE_SIGMA, MIN_LINE_SIGMA, OUTLINE_SIDE, REFERENCE_SIDE, extract_colour_map,
                      extract_outlines, extract_sketch, thin)
from .dataset import (FACE_CROP_MARGIN, GUIDES_VERSION, VALIDATION_DRAW, GuideOptions, PhotoSamples,
                      build_sample, cut_square, first_readable, list_photos, photo_fingerprint,
                      write_cache_entry)
from .masks import FACE_PARTS, MaskSampler

WHOLE_FACE_ODDS = 0.35     # share of samples framing the whole face (the editor's large edits)
PART_CENTRE_ODDS = 0.6     # of the zoomed ones: centred on a face part (else a random point of the face)
COLOUR_MAP_SIDE = 512      # the cached colour map's long side
# The London set names a person's photos NNN_03 (neutral) and NNN_08 (smiling).
LONDON_NAME = re.compile(r"^(\d{3})_\d{2}$")


def person_key(path: Path, root: Path) -> str:
    """Who a photo shows, as far as file names tell: the London set's person number
    (the same person appears neutral and smiling), else the photo itself."""
    rel = path.relative_to(root).as_posix()
    match = LONDON_NAME.match(path.stem)
    if match and ("neutral_front" in rel or "smiling_front" in rel):
        return f"london/{match.group(1)}"
    return rel


def is_validation_person(key: str, val_percent: float) -> bool:
    """The held-out rule, by person: a stable hash of the person key."""
    return zlib.crc32(key.encode("utf-8")) % 10000 < val_percent * 100


def split_portraits(folder: str | Path, val_percent: float) -> tuple[list[Path], list[Path]]:
    """(training, validation) photos under `folder`, split by person."""
    root = Path(folder)
    photos = list_photos(root)
    val = [p for p in photos if is_validation_person(person_key(p, root), val_percent)]
    held = set(val)
    train = [p for p in photos if p not in held]
    if not train:
        raise ScfeganError(f"all {len(photos)} photos under {folder} fell into the validation split")
    return train, val


def face_frame(image_shape, faces) -> tuple[float, float, float, tuple | None]:
    """(centre x, centre y, side, face box) of the editor's face framing; without a
    face, the largest centred square and no box."""
    h, w = image_shape[:2]
    if not faces:
        return w / 2, h / 2, float(min(h, w)), None
    x, y, fw, fh = faces[0]
    return x + fw / 2, y + fh / 2, max(fw, fh) * (1 + FACE_CROP_MARGIN), (x, y, fw, fh)


def sample_window(image_shape, frame, size: int, zoom_min: float, rng: np.random.Generator,
                  whole: bool | None = None) -> tuple[int, int, int]:
    """A square window (x, y, side) of the photo: the whole face frame, or a zoomed
    one (side ≥ `zoom_min` of the frame, log-uniform) centred on a face part or a
    random point of the face. Never smaller than `size` (no upscaling), never larger
    than the photo, and kept inside it."""
    h, w = image_shape[:2]
    cx, cy, side, box = frame
    whole = rng.random() < WHOLE_FACE_ODDS if whole is None else whole
    lowest = max(zoom_min, size / side)
    if whole or lowest >= 1.0:
        zoom = max(lowest, rng.uniform(0.92, 1.08))
        centre = np.array([cx, cy]) + rng.normal(0, 0.03 * side, 2)
    else:
        zoom = math.exp(rng.uniform(math.log(lowest), 0.0))
        if rng.random() < PART_CENTRE_ODDS:
            px, py, _ = FACE_PARTS[str(rng.choice([k for k in FACE_PARTS if k != "hairline"]))]
            centre = np.array([cx + (px - 0.5) * side, cy + (py - 0.5) * side])
            centre += rng.normal(0, 0.1 * zoom * side, 2)
        else:
            fw = (box[2] if box else side) / 2
            centre = np.array([cx, cy]) + rng.uniform(-fw, fw, 2)
    # Larger than the photo, a window would be padded with smeared edge pixels.
    win = int(round(max(size, min(zoom * side, h, w))))
    x, y = int(round(centre[0] - win / 2)), int(round(centre[1] - win / 2))
    if win <= w:
        x = min(max(x, 0), w - win)
    if win <= h:
        y = min(max(y, 0), h - win)
    return x, y, win


def window_sketch_scale(size: int, frame_side: float, window_side: float) -> float:
    """`extract_sketch`'s scale for a window of `window_side` photo pixels shown at
    `size`: the whole face frame's scale at `size`, times the zoom."""
    whole = max(MIN_LINE_SIGMA / LINE_SIGMA, size / REFERENCE_SIDE)
    return whole * frame_side / window_side


def window_outlines(image: np.ndarray, frame, window, size: int) -> np.ndarray:
    """The outlines (`extract_outlines`) of a window shown at `size`, traced at the whole
    face's scale as people draw them: on the face frame OUTLINE_SIDE px wide, then cut
    to the window, resized as the editor resizes a user's lines (any coverage marks a
    pixel) and thinned to one pixel, as the editor gives lines without colour to the
    network. A zoomed window so gets the lips' outline, not the edges of each tooth."""
    cx, cy, side, _ = frame
    frame_box = (int(round(cx - side / 2)), int(round(cy - side / 2)), int(round(side)))
    lines = extract_outlines(cut_square(image, frame_box, OUTLINE_SIDE)).astype(np.float32)
    f = OUTLINE_SIDE / frame_box[2]
    x, y, win = window
    x0, y0 = int(round((x - frame_box[0]) * f)), int(round((y - frame_box[1]) * f))
    cut = max(1, int(round(win * f)))
    pad = max(0, -x0, -y0, x0 + cut - OUTLINE_SIDE, y0 + cut - OUTLINE_SIDE)
    if pad:  # the window reaches past the frame: no lines traced there
        lines = cv2.copyMakeBorder(lines, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    part = lines[y0 + pad:y0 + pad + cut, x0 + pad:x0 + pad + cut]
    interpolation = cv2.INTER_AREA if cut > size else cv2.INTER_NEAREST
    return thin(cv2.resize(part, (size, size), interpolation=interpolation) > 0)


def parts_in_window(frame, window) -> dict[str, tuple[float, float, float]]:
    """The face parts (FACE_PARTS, placed on the face frame) that lie in `window`,
    as (centre x, centre y, radius) in units of the window side."""
    cx, cy, side, _ = frame
    x, y, win = window
    parts = {}
    for name, (px, py, radius) in FACE_PARTS.items():
        u = (cx + (px - 0.5) * side - x) / win
        v = (cy + (py - 0.5) * side - y) / win
        if 0.05 < u < 0.95 and 0.05 < v < 0.95:
            parts[name] = (u, v, radius * side / win)
    return parts


class PortraitDataset(PhotoSamples):
    """Zoom-aware samples (see the module) from a list of portrait photos; items as
    `FaceDataset`'s. Photos smaller than the training size are skipped."""

    def __init__(self, photos: list[Path], size: int, masks: MaskSampler, seed: int = 0,
                 zoom_min: float = 0.25, cache_dir: str | Path | None = None,
                 guides: GuideOptions = GuideOptions(), flip: bool = True):
        super().__init__(photos, size, masks, seed, cache_dir, guides, flip)
        self.zoom_min = zoom_min

    def __getitem__(self, key) -> dict[str, torch.Tensor]:
        index, draw, rng = self.draw(key)
        index, image, frame, colour_map = self._photo(index)
        window = sample_window(image.shape, frame, self.size, self.zoom_min, rng)
        face = cut_square(image, window, self.size)
        colour = self._cut_colour(colour_map, image.shape, window)
        parts = parts_in_window(frame, window)
        flipped = self.flip and draw != VALIDATION_DRAW and rng.random() < 0.5
        if flipped:
            face, colour = face[:, ::-1].copy(), colour[:, ::-1].copy()
            parts = {k: (1 - u, v, r) for k, (u, v, r) in parts.items()}
        sketch = extract_sketch(face, scale=window_sketch_scale(self.size, frame[2], window[2]))
        if not parts:  # a window between parts: holes around its centre instead
            parts = {"centre": (0.5, 0.5, 0.15)}

        def outlines():
            lines = window_outlines(image, frame, window, self.size)
            return lines[:, ::-1].copy() if flipped else lines

        return build_sample(face, sketch, colour, self.masks(rng, parts), self.guides, rng, outlines)

    def _cut_colour(self, colour_map: np.ndarray, image_shape, window) -> np.ndarray:
        scale = colour_map.shape[0] / image_shape[0]
        x, y, side = window
        small = (int(math.floor(x * scale)), int(math.floor(y * scale)), max(1, int(math.ceil(side * scale))))
        cut = cut_square(colour_map, small, max(1, small[2]))
        # The map is flat regions: nearest keeps their colours pure at any zoom.
        return cv2.resize(cut, (self.size, self.size), interpolation=cv2.INTER_NEAREST)

    def _photo(self, index: int):
        """(index used, RGB pixels, face frame, colour map) of a readable photo."""
        i, image = first_readable(self.photos, index, self._bad, self.size)
        frame, colour_map = self._prepared(i, image)
        return i, image, frame, colour_map

    def _prepared(self, index: int, image: np.ndarray):
        path = self._cache_path(index)
        if path is not None and path.is_file():
            try:
                with np.load(path) as data:
                    meta = json.loads(str(data["meta"]))
                    faces = [tuple(meta["face"])] if meta["face"] else []
                    return face_frame(image.shape, faces), data["colour"]
            except (OSError, ValueError, KeyError, zlib.error):
                pass  # recomputed below
        faces = detect_faces(image)
        h, w = image.shape[:2]
        scale = min(1.0, COLOUR_MAP_SIDE / max(h, w))
        small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        colour_map = extract_colour_map(small)
        if path is not None:
            self._store(path, faces[0] if faces else None, colour_map)
        return face_frame(image.shape, faces[:1]), colour_map

    def _cache_path(self, index: int) -> Path | None:
        if self.cache_dir is None:
            return None
        path = self.photos[index]
        ident = f"portrait|{path.resolve()}|{photo_fingerprint(path)}|{COLOUR_MAP_SIDE}|{GUIDES_VERSION}"
        digest = zlib.crc32(ident.encode()) & 0xFFFFFFFF
        return self.cache_dir / "portraits" / f"{digest:08x}-{path.stem[:40]}.npz"

    def _store(self, path: Path, face, colour_map: np.ndarray) -> None:
        meta = json.dumps({"face": [int(v) for v in face] if face is not None else None})
        if not write_cache_entry(path, meta=np.array(meta), colour=colour_map):
            self.cache_dir = None
