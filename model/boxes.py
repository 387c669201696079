"""Masks: bounding boxes and byte copies (shared by the editor, the mirror search and the
example mouths; no Qt, no torch)."""
from __future__ import annotations

import numpy as np


def mask_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) bounding the True pixels of a 2-D array, None if there are none.
    Columns are scanned in the rows that hold it only (small edits on 24 MP photos)."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask[rows[0]:rows[-1] + 1].any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def mask_bytes(mask: np.ndarray) -> np.ndarray:
    """A bool mask as uint8 0/255, so area reduction keeps partial coverage."""
    return mask.view(np.uint8) * np.uint8(255)
