"""Live-fill previews, made in the worker: the edit runs on a reduced copy of the photo
when the erased region is much larger than the network's own input (the fill cannot
hold more detail than the network gives it), and only the repainted box comes back.
numpy and OpenCV only.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True, eq=False)
class LivePreview:
    """The repainted box of a live fill, at `scale` times the photo's size."""

    box: tuple[int, int, int, int]   # x0, y0, x1, y1 in the reduced photo
    rgba: np.ndarray                 # box-sized RGBA, alpha = repainted
    size: tuple[int, int]            # the reduced photo's width and height


def preview_scale(box, native_size: int) -> float:
    """How much to reduce the photo so the erased region's longer side is about the
    network's input size (never enlarged)."""
    x0, y0, x1, y1 = box
    return min(1.0, native_size / max(x1 - x0, y1 - y0, 1))


class Reducer:
    """Reduces a job's photo (cached while the photo is the same object) and layers."""

    def __init__(self):
        self._photo = None   # (source photo, scale, reduced)

    def reduce(self, scale: float, photo, mask, sketch, colour):
        """(photo, mask, sketch, colour) at `scale`: the mask by majority, sketch lines
        kept however thin, colour strokes by nearest pixel."""
        if scale >= 1.0:
            return photo, mask, sketch, colour
        h, w = photo.shape[:2]
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        if self._photo is None or self._photo[0] is not photo or self._photo[1] != scale:
            self._photo = (photo, scale, cv2.resize(photo, size, interpolation=cv2.INTER_AREA))
        small = self._photo[2]

        def area(layer):
            return cv2.resize(layer.view(np.uint8) * np.uint8(255), size, interpolation=cv2.INTER_AREA)

        return (small, area(mask) >= 128,
                None if sketch is None else area(sketch) > 0,
                None if colour is None else cv2.resize(colour, size, interpolation=cv2.INTER_NEAREST))


def live_preview(result: np.ndarray, mask: np.ndarray) -> LivePreview | None:
    """The repainted box of `result` (same size as `mask`), or None if nothing was."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    rgba = np.dstack([result[y0:y1, x0:x1], mask[y0:y1, x0:x1].view(np.uint8) * np.uint8(255)])
    return LivePreview((x0, y0, x1, y1), rgba, (mask.shape[1], mask.shape[0]))
