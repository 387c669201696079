"""A hard round brush on numpy layers: no Qt and no antialiasing, so masks stay binary.

A stroke is a chain of segments between pointer positions; each segment marks every
pixel whose centre lies within half the brush diameter of it. That is a capsule, so
consecutive segments join with round caps and a fast pointer leaves no gaps at any
zoom. Positions are in image pixels (the pixel (x, y) spans [x, x+1) × [y, y+1)).
"""
from __future__ import annotations

import math

import numpy as np

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive), in image pixels


def snap(x: float, y: float, diameter: int) -> tuple[float, float]:
    """Put a brush centre where its footprint is exactly `diameter` pixels across:
    on a pixel centre for odd diameters, on a pixel corner for even ones."""
    if diameter % 2:
        return math.floor(x) + 0.5, math.floor(y) + 0.5
    return float(round(x)), float(round(y))


def segment_box(p0, p1, diameter: float, shape) -> Box | None:
    """Pixels a segment's capsule can touch, clipped to a layer of `shape`; None if outside."""
    r = diameter / 2
    height, width = shape[:2]
    x0 = max(math.floor(min(p0[0], p1[0]) - r), 0)
    y0 = max(math.floor(min(p0[1], p1[1]) - r), 0)
    x1 = min(math.ceil(max(p0[0], p1[0]) + r) + 1, width)
    y1 = min(math.ceil(max(p0[1], p1[1]) + r) + 1, height)
    if x0 >= x1 or y0 >= y1:
        return None
    return x0, y0, x1, y1


def capsule_coverage(p0, p1, diameter: float, box: Box) -> np.ndarray:
    """bool array over `box`: pixel centres within diameter/2 of the segment p0–p1."""
    x0, y0, x1, y1 = box
    px = np.arange(x0, x1, dtype=np.float32) + 0.5 - np.float32(p0[0])
    py = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5 - np.float32(p0[1])
    dx, dy = np.float32(p1[0] - p0[0]), np.float32(p1[1] - p0[1])
    length2 = dx * dx + dy * dy
    if length2 > 0:
        t = np.clip((px * dx + py * dy) / length2, 0.0, 1.0)
        ex, ey = px - t * dx, py - t * dy
    else:
        ex, ey = px + np.zeros_like(py), py + np.zeros_like(px)
    r = np.float32(diameter / 2)
    # A hair of tolerance so float rounding never drops a pixel exactly on the rim.
    return ex * ex + ey * ey <= r * r + np.float32(1e-4)


def split_segment(p0, p1, diameter: float) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Cut a long segment into pieces so each piece's box stays close to the capsule."""
    length = math.dist(p0, p1)
    step = max(2.0 * diameter, 32.0)
    pieces = max(1, math.ceil(length / step))
    points = [(p0[0] + (p1[0] - p0[0]) * i / pieces, p0[1] + (p1[1] - p0[1]) * i / pieces)
              for i in range(pieces + 1)]
    return list(zip(points[:-1], points[1:]))


def paint_capsule(layer: np.ndarray, p0, p1, diameter: float, value, box: Box) -> None:
    """Set `value` on the capsule's pixels inside `box` (from `segment_box`)."""
    x0, y0, x1, y1 = box
    cover = capsule_coverage(p0, p1, diameter, box)
    layer[y0:y1, x0:x1][cover] = value


def union(a: Box | None, b: Box | None) -> Box | None:
    """The smallest box holding both (None stands for empty)."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])
