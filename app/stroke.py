"""Recording what one brush stroke changes, so it becomes one bounded undo patch.

The layer's old content is saved tile by tile just before the brush first touches a
tile; at the end the saved tiles are stitched into the "before" of the stroke's box.
Starting a stroke therefore costs nothing even on a 24 MP layer.
"""
from __future__ import annotations

import numpy as np

from .brush import Box, union
from .patch import Patch

TILE = 128


class StrokeRecorder:
    """Collects the before-state of a layer under a stroke in progress."""

    def __init__(self, target: str, layer: np.ndarray):
        self.target = target
        self.layer = layer
        self.box: Box | None = None
        self._saved: dict[tuple[int, int], np.ndarray] = {}

    def protect(self, box: Box) -> None:
        """Call before writing inside `box`: saves the tiles not yet saved."""
        x0, y0, x1, y1 = box
        for ty in range(y0 // TILE, (y1 - 1) // TILE + 1):
            for tx in range(x0 // TILE, (x1 - 1) // TILE + 1):
                if (ty, tx) not in self._saved:
                    self._saved[ty, tx] = self.layer[ty * TILE:(ty + 1) * TILE,
                                                     tx * TILE:(tx + 1) * TILE].copy()
        self.box = union(self.box, box)

    def finish(self) -> Patch | None:
        """The stroke's patch, trimmed to the pixels that changed; None if none did."""
        if self.box is None:
            return None
        x0, y0, x1, y1 = self.box
        after = self.layer[y0:y1, x0:x1]
        before = after.copy()
        for (ty, tx), tile in self._saved.items():
            # The saved tile's overlap with the box, in box coordinates.
            ty0, tx0 = ty * TILE, tx * TILE
            oy0, ox0 = max(ty0, y0), max(tx0, x0)
            oy1, ox1 = min(ty0 + tile.shape[0], y1), min(tx0 + tile.shape[1], x1)
            if oy0 < oy1 and ox0 < ox1:
                before[oy0 - y0:oy1 - y0, ox0 - x0:ox1 - x0] = tile[oy0 - ty0:oy1 - ty0, ox0 - tx0:ox1 - tx0]
        self._saved.clear()
        return Patch.trimmed(self.target, self.box, before, after)

    def revert(self) -> None:
        """Put back everything the stroke changed (a cancelled stroke)."""
        patch = self.finish()
        if patch is not None:
            patch.write(self.layer, forward=False)
