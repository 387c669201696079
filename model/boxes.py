"""Masks: bounding boxes, byte copies and grown masks (shared by the editor, the mirror
search and the example mouths; no Qt, no torch)."""
from __future__ import annotations

import cv2
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


def grown(mask: np.ndarray, radius: int) -> np.ndarray:
    """`mask` (bool) and every pixel within `radius` px of it (Euclidean distance, up
    to `radius` + 0.5: as OpenCV's elliptic element but for its one-pixel tips); a
    distance transform, where dilating by a disc a hundred pixels wide took 0.1 s."""
    out = np.zeros(mask.shape, bool)
    box = mask_box(mask)
    if box is None:
        return out
    height, width = mask.shape
    y0, y1 = max(0, box[0] - radius), min(height, box[1] + radius)
    x0, x1 = max(0, box[2] - radius), min(width, box[3] + radius)
    outside = np.ascontiguousarray(~mask[y0:y1, x0:x1]).view(np.uint8)
    out[y0:y1, x0:x1] = cv2.distanceTransform(outside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE) <= radius + 0.5
    return out
