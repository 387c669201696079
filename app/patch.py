"""One undo step's worth of change to one array: which pixels changed, from what, to what.

Only pixels that really changed are stored — the changed pixels' box, a bit-packed map
of them inside it, and their old and new values — so undo memory follows the size of
the edit, not of the photo (a long brush stroke across a 24 MP colour layer keeps a
few MB, not its whole bounding box).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .brush import Box


def _pack_values(values: np.ndarray) -> np.ndarray:
    return np.packbits(values) if values.dtype == bool else values


def _unpack_values(stored: np.ndarray, count: int, dtype) -> np.ndarray:
    return np.unpackbits(stored, count=count).astype(bool) if dtype == bool else stored


@dataclass(frozen=True, eq=False)
class Patch:
    """The change of `target` ("photo", "mask", "sketch" or "colour") inside `box`."""

    target: str
    box: Box
    _changed: np.ndarray   # bit-packed bool map of the box: pixels that differ
    _count: int            # how many pixels differ
    _before: np.ndarray    # their old values, (count,) or (count, channels); bools packed
    _after: np.ndarray
    dtype: np.dtype

    @classmethod
    def trimmed(cls, target: str, box: Box, before: np.ndarray, after: np.ndarray) -> "Patch | None":
        """The patch turning `before` into `after` (the box's old and new content),
        shrunk to the pixels that differ; None if none do."""
        if before.shape != after.shape or before.dtype != after.dtype:
            raise ValueError("before and after of a patch must match in shape and type")
        differs = before != after
        if differs.ndim == 3:
            differs = differs.any(axis=2)
        rows, cols = np.flatnonzero(differs.any(axis=1)), np.flatnonzero(differs.any(axis=0))
        if rows.size == 0:
            return None
        r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        changed = differs[r0:r1, c0:c1]
        inner = (box[0] + c0, box[1] + r0, box[0] + c1, box[1] + r1)
        old = before[r0:r1, c0:c1][changed]
        new = after[r0:r1, c0:c1][changed]
        return cls(target, inner, np.packbits(changed), int(changed.sum()),
                   _pack_values(old), _pack_values(new), before.dtype)

    capture = trimmed  # a patch is always stored trimmed

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the box."""
        x0, y0, x1, y1 = self.box
        return y1 - y0, x1 - x0

    def changed(self) -> np.ndarray:
        """bool map of the box: True where the patch changes a pixel."""
        height, width = self.shape
        return np.unpackbits(self._changed, count=height * width).astype(bool).reshape(height, width)

    def write(self, array: np.ndarray, forward: bool) -> None:
        """Put the new (forward) or old values of the changed pixels into `array`."""
        x0, y0, x1, y1 = self.box
        values = _unpack_values(self._after if forward else self._before, self._count, self.dtype)
        array[y0:y1, x0:x1][self.changed()] = values

    @property
    def nbytes(self) -> int:
        """Memory held by this patch."""
        return self._changed.nbytes + self._before.nbytes + self._after.nbytes
