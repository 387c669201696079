"""Detail at the photo's resolution: contextual residual aggregation, training-free.

After Yi et al., CVPR 2020 ("Contextual Residual Aggregation for Ultra High-Resolution
Image Inpainting"). The network fills a crop at its native size; scaled back up, the
fill lacks the photo's high frequencies. Attention between hole cells and known cells
is computed at the network's resolution (on the low-resolution composite), then the
same attention aggregates the photo's own high-frequency residual (photo − up(down(
photo))) of the known cells, at full resolution, into the hole. numpy only; cost grows
with the number of hole cells, not with the photo.
"""
from __future__ import annotations

import cv2
import numpy as np

CELLS = 32            # attention grid per crop side (CRA: 32×32 at the coarsest level)
TOP_K = 3             # known cells each hole cell borrows from
TEMPERATURE = 0.05    # softmax temperature on the normalised patch distance
DISTANCE_WEIGHT = 0.5  # score penalty per crop side of distance: nearby texture is likelier
NEAR_SOURCES = 0.3    # the nearest fraction of known cells sets the texture's typical strength ...
MAX_STRENGTH = 1.6    # ... and a source stronger than this × that (lashes, hair strands, edges)
                      # is left out: transplanted, its structure would show as scratches


def _up(image: np.ndarray, side: int) -> np.ndarray:
    return cv2.resize(image, (side, side), interpolation=cv2.INTER_CUBIC)


def _down(image: np.ndarray, side: int) -> np.ndarray:
    return cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA)


def high_frequency(image: np.ndarray, native: int) -> np.ndarray:
    """What scaling `image` (square, float32) down to `native` and back up loses."""
    return image - _up(_down(image, native), image.shape[0])


def _cell_features(lowres: np.ndarray, g: int) -> np.ndarray:
    """Per cell of a g×g grid over the network-size composite: its 3×3 neighbourhood of
    cell colours, in units of the crop's colour spread; → g·g × 27."""
    small = _down(lowres, g)
    spread = small.reshape(-1, 3).std(0).mean() + 1.0
    centred = (small - small.reshape(-1, 3).mean(0)) / spread
    padded = cv2.copyMakeBorder(centred, 1, 1, 1, 1, cv2.BORDER_REFLECT)
    colours = np.concatenate([padded[dy:dy + g, dx:dx + g] for dy in range(3) for dx in range(3)], axis=-1)
    return colours.reshape(g * g, -1)


def _window_strength(residual: np.ndarray, ys: np.ndarray, xs: np.ndarray, span: int) -> np.ndarray:
    """Mean |residual| (grey) of the span×span windows starting at (ys, xs)."""
    grey = np.abs(residual).mean(-1)
    integral = cv2.integral(grey)
    total = (integral[ys + span, xs + span] - integral[ys, xs + span]
             - integral[ys + span, xs] + integral[ys, xs])
    return total / (span * span)


def _window(size: int) -> np.ndarray:
    """A periodic Hann window: copies of it `size // 2` apart sum to exactly 1."""
    w = 0.5 - 0.5 * np.cos(2 * np.pi * (np.arange(size) + 0.5) / size)
    return np.outer(w, w).astype(np.float32)[..., None]


def aggregate_residual(photo: np.ndarray, hole: np.ndarray, lowres: np.ndarray,
                       guard: np.ndarray | None = None, cells: int = CELLS) -> np.ndarray:
    """The high-frequency detail to add to an upscaled fill (S×S×3 float32, zero
    outside `hole`).

    photo: the crop at full resolution (S×S×3; what is under the hole is ignored).
    hole: S×S bool. lowres: the network-resolution composite of the crop (n×n×3:
    the photo's known pixels and the network's fill). guard: S×S float in [0, 1]
    scaling the detail per pixel (0 near sketch lines), or None.
    """
    side, native = hole.shape[0], lowres.shape[0]
    out = np.zeros((side, side, 3), np.float32)
    if side <= native or not hole.any():
        return out
    g = max(4, min(cells, native // 2))
    block = -(-side // g)                    # cell side at full resolution
    # Each cell's detail is a window two cells wide centred on it (Hann-weighted, so
    # neighbouring windows blend without a grid); `half` is its overhang per side.
    half, span = block // 2, 2 * block
    cell_hole = cv2.resize(cv2.copyMakeBorder(hole.astype(np.float32), 0, g * block - side, 0, g * block - side,
                                              cv2.BORDER_CONSTANT, value=0), (g, g), interpolation=cv2.INTER_AREA) > 0
    # Sources: windows wholly inside the crop and clear of the hole by the cubic
    # kernel's reach (2 network pixels), where the residual is the photo's own.
    reach = 2 * -(-side // native)
    rings = -(-(block // 2 + reach) // block)
    near = cv2.dilate(cell_hole.astype(np.uint8), np.ones((2 * rings + 1,) * 2, np.uint8)) > 0
    starts = np.arange(g) * block - half
    fits = (starts >= 0) & (starts + span <= side)
    known = ~near & fits[:, None] & fits[None, :]
    targets = np.flatnonzero(cv2.dilate(cell_hole.astype(np.uint8), np.ones((3, 3), np.uint8)).ravel())
    sources = np.flatnonzero(known.ravel())
    if sources.size == 0:
        return out
    residual = high_frequency(photo.astype(np.float32), native)
    yx = np.stack(np.divmod(np.arange(g * g), g), 1).astype(np.float32) / g
    spatial = np.sqrt(((yx[targets][:, None] - yx[sources][None]) ** 2).sum(-1))
    strength = _window_strength(residual, starts[sources // g], starts[sources % g], span)
    nearest = spatial.min(0)
    typical = np.median(strength[nearest <= np.quantile(nearest, NEAR_SOURCES)])
    keep = strength <= MAX_STRENGTH * typical
    sources, spatial = sources[keep], spatial[:, keep]
    feats = _cell_features(lowres.astype(np.float32), g)
    fh, fk = feats[targets], feats[sources]
    dist2 = np.maximum((fh * fh).sum(1)[:, None] + (fk * fk).sum(1)[None, :] - 2 * fh @ fk.T, 0) / feats.shape[1]
    scores = -(dist2 + DISTANCE_WEIGHT * spatial) / TEMPERATURE
    k = min(TOP_K, sources.size)
    best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    top = np.take_along_axis(scores, best, 1)
    weights = np.exp(top - top.max(1, keepdims=True))
    weights /= weights.sum(1, keepdims=True)
    # Averaging k unrelated textures lowers their contrast by √Σw²; undo that.
    weights /= np.sqrt((weights ** 2).sum(1, keepdims=True))
    window = _window(span)
    acc = np.zeros((g * block + span, g * block + span, 3), np.float32)  # offset by `half`
    for row, cell in enumerate(targets):
        cy, cx = divmod(int(cell), g)
        patch = np.zeros((span, span, 3), np.float32)
        for j, w in zip(best[row], weights[row]):
            sy, sx = divmod(int(sources[j]), g)
            y, x = starts[sy], starts[sx]
            patch += w * residual[y:y + span, x:x + span]
        acc[cy * block:cy * block + span, cx * block:cx * block + span] += patch * window
    scale = hole.astype(np.float32)
    if guard is not None:
        scale *= guard
    return acc[half:half + side, half:half + side] * scale[..., None]


def structure_guard(sketch: np.ndarray, scale: float) -> np.ndarray | None:
    """Per-pixel weight of borrowed detail near sketch lines (S×S float, 0 on and next to
    a line, 1 from 1.5 network pixels away), so detail never fights a line;
    None without lines."""
    if sketch is None or not sketch.any():
        return None
    distance = cv2.distanceTransform((~sketch.astype(bool)).astype(np.uint8), cv2.DIST_L2, 3)
    near, far = scale / 2, 1.5 * scale
    return np.clip((distance - near) / (far - near), 0, 1).astype(np.float32)
