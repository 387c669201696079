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

from .planes import per_channel

CELLS = 32            # attention grid per crop side (CRA: 32×32 at the coarsest level)
TOP_K = 2             # known cells each hole cell borrows from
TEMPERATURE = 0.05    # softmax temperature on the normalised patch distance
DISTANCE_WEIGHT = 0.5  # score penalty per crop side of distance: nearby texture is likelier
NEAR_SOURCES = 0.3    # the nearest fraction of known cells sets the texture's typical strength ...
MAX_STRENGTH = 2.5    # ... and a source stronger than this × that on average (lashes, hair), or
MAX_PEAK = 2.5        # with a peak this × the typical peak (a single strand or edge), or
MAX_COHERENCE = 0.5   # more oriented than this (strands, stubble, frames: see _coherence), is
                      # left out: transplanted, its structure would show as scratches
CLIP_SPREAD = 3.0     # detail is clipped to this many robust standard deviations of the sources'
LUMA = np.array([0.299, 0.587, 0.114], np.float32)
CHUNK = 64            # hole cells combined at a time (bounds the memory of gathered windows)


def _down(image: np.ndarray, side: int) -> np.ndarray:
    return cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA)


def upscale(lowres: np.ndarray, side: int, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    """Rows y0:y1, columns x0:x1 of `lowres` (n×n, float32) scaled up to side×side
    by cubic interpolation, computing those pixels only."""
    s = lowres.shape[0] / side
    warp = np.array([[s, 0, (x0 + 0.5) * s - 0.5], [0, s, (y0 + 0.5) * s - 0.5]])
    out = cv2.warpAffine(lowres, warp, (x1 - x0, y1 - y0), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                         borderMode=cv2.BORDER_REPLICATE)
    return out.reshape(y1 - y0, x1 - x0, -1) if lowres.ndim == 3 else out


def high_frequency(image: np.ndarray, native: int) -> np.ndarray:
    """What scaling `image` (square, float32) down to `native` and back up loses."""
    side = image.shape[0]
    return image - upscale(_down(image, native), side, 0, side, 0, side)


def _cell_features(lowres: np.ndarray, g: int) -> np.ndarray:
    """Per cell of a g×g grid over the network-size composite: its 3×3 neighbourhood of
    cell colours, in units of the crop's colour spread; → g·g × 27."""
    small = _down(lowres, g)
    spread = small.reshape(-1, 3).std(0).mean() + 1.0
    centred = (small - small.reshape(-1, 3).mean(0)) / spread
    padded = cv2.copyMakeBorder(centred, 1, 1, 1, 1, cv2.BORDER_REFLECT)
    colours = np.concatenate([padded[dy:dy + g, dx:dx + g] for dy in range(3) for dx in range(3)], axis=-1)
    return colours.reshape(g * g, -1)


def _ramps(block: int, ramp: int) -> np.ndarray:
    """A window `block + ramp` long, flat with linear ramps `ramp` long at both ends:
    copies of it `block` apart sum to exactly 1 (so neighbouring cells blend)."""
    t = np.arange(block + ramp, dtype=np.float32) + 0.5
    w = np.minimum(1.0, np.minimum(t / ramp, (block + ramp - t) / ramp))
    return np.outer(w, w)


def aggregate_residual(photo: np.ndarray, hole: np.ndarray, lowres: np.ndarray,
                       guard: np.ndarray | None = None, cells: int = CELLS,
                       lowres_photo: np.ndarray | None = None, into: np.ndarray | None = None) -> np.ndarray:
    """The high-frequency detail to add to an upscaled fill (S×S×3 float32, zero
    outside `hole`).

    photo: the crop at full resolution (S×S×3; what is under the hole is ignored).
    hole: S×S bool. lowres: the network-resolution composite of the crop (n×n×3:
    the photo's known pixels and the network's fill). guard: S×S float in [0, 1]
    scaling the detail per pixel (0 near sketch lines), or None. lowres_photo: the
    photo already scaled down to n×n (area averaging), if at hand. into: an S×S×3
    float32 array to add the detail to (in place) and return instead.
    """
    side, native = hole.shape[0], lowres.shape[0]
    out = np.zeros((side, side, 3), np.float32) if into is None else into
    if side <= native or not hole.any():
        return out
    g = max(4, min(cells, native // 2))
    block = -(-side // g)                    # cell side at full resolution
    # Each cell's detail is a window a little wider than the cell, with ramps where
    # neighbours overlap, so they blend without a grid.
    ramp = max(1, block // 2)
    half, span = ramp // 2, block + ramp
    padded = g * block - side
    cell_hole = cv2.resize(cv2.copyMakeBorder(hole.astype(np.float32), 0, padded, 0, padded,
                                              cv2.BORDER_CONSTANT, value=0), (g, g), interpolation=cv2.INTER_AREA) > 0
    # Sources: windows wholly inside the crop and clear of the hole by the cubic
    # kernel's reach (2 network pixels) beyond the network pixels the hole touches
    # (greyed there), so the residual is the photo's own.
    reach = 4 * -(-side // native)
    rings = -(-(span - block + reach) // block)
    near = cv2.dilate(cell_hole.astype(np.uint8), np.ones((2 * rings + 1,) * 2, np.uint8)) > 0
    starts = np.arange(g) * block - half
    fits = (starts >= 0) & (starts + span <= side)
    known = ~near & fits[:, None] & fits[None, :]
    targets = np.flatnonzero(cv2.dilate(cell_hole.astype(np.uint8), np.ones((3, 3), np.uint8)).ravel())
    sources = np.flatnonzero(known.ravel())
    if sources.size == 0:
        return out
    yx = np.stack(np.divmod(np.arange(g * g), g), 1).astype(np.float32) / g
    # Per axis: numpy's arithmetic over a trailing axis two long ran at a quarter speed.
    dy, dx = (yx[targets, k][:, None] - yx[sources, k][None] for k in (0, 1))
    spatial = np.sqrt(dy * dy + dx * dx)
    # What is borrowed is the photo's own residual: its luma minus that luma scaled to the
    # network's size and back (as the fill was). Texture strength per cell is measured on
    # that same residual: mean and peak |residual| (a strand or a frame edge shows there
    # at full strength, where a 3×3 Laplacian mostly sees pixel noise).
    if lowres_photo is None:
        lowres_photo = _down(photo.astype(np.float32), native)
    lowres_luma = np.ascontiguousarray(np.asarray(lowres_photo, np.float32) @ LUMA)
    luma = cv2.cvtColor(np.ascontiguousarray(photo), cv2.COLOR_RGB2GRAY)
    detail = np.subtract(luma, upscale(lowres_luma, side, 0, side, 0, side), dtype=np.float32)
    strength = cv2.copyMakeBorder(np.abs(detail), 0, padded, 0, padded, cv2.BORDER_CONSTANT, value=0)
    mean = cv2.resize(strength, (g, g), interpolation=cv2.INTER_AREA)
    peak = cv2.blur(strength, (3, 3)).reshape(g, block, g, block).max((1, 3))
    nearest = spatial.min(0)
    close = nearest <= np.quantile(nearest, NEAR_SOURCES)
    typical_mean, typical_peak = np.median(mean.ravel()[sources][close]), np.median(peak.ravel()[sources][close])
    # A source window reaches half a ramp into its neighbour cells: it is judged by the
    # strongest of the cells it touches (a strand or a frame edge beside a clean cell
    # otherwise came along and, borrowed by many cells, showed as parallel streaks).
    around = np.ones((3, 3), np.uint8)
    mean, peak = cv2.dilate(mean, around).ravel()[sources], cv2.dilate(peak, around).ravel()[sources]
    keep = (mean <= MAX_STRENGTH * typical_mean) & (peak <= MAX_PEAK * typical_peak)
    # Hair beside a textured cheek is hardly stronger than the skin, but it is oriented:
    # sources whose residual runs in one direction are left out as well.
    keep &= cv2.dilate(_coherence(detail, g, block), around).ravel()[sources] <= MAX_COHERENCE
    sources, spatial = sources[keep], spatial[:, keep]
    if sources.size == 0:
        return out
    # Similarity: squared distance of normalised 3×3 cell patches (with raw colours a
    # cosine is ~1 for any two skin cells), minus a penalty for distance; softmax over
    # the top k with a temperature.
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
    weights = (weights / np.sqrt((weights ** 2).sum(1, keepdims=True))).astype(np.float32)
    window = _ramps(block, ramp)
    # Detail is borrowed as luma only: skin grain is light and shade, and a source's own
    # colour (a strand of hair beside the cheek) must not tint the fill.
    used, slot = np.unique(best, return_inverse=True)
    slot = slot.reshape(best.shape)
    residual = np.empty((len(used), span, span), np.float32)
    for i, j in enumerate(used):
        y, x = starts[sources[j] // g], starts[sources[j] % g]
        residual[i] = detail[y:y + span, x:x + span]
    # Accumulated over the target cells' box only; acc[0, 0] is crop pixel (top, left).
    cy0, cx0 = targets.min() // g, (targets % g).min()
    cy1, cx1 = targets.max() // g + 1, (targets % g).max() + 1
    top, left = cy0 * block - half, cx0 * block - half
    acc = np.zeros(((cy1 - cy0) * block + span, (cx1 - cx0) * block + span), np.float32)
    flat = residual.reshape(len(used), -1)
    for first in range(0, len(targets), CHUNK):
        rows = slice(first, first + CHUNK)
        # Each target's weighted sum of its sources, as one batched product.
        patches = np.matmul(weights[rows][:, None, :], flat[slot[rows]])[:, 0].reshape(-1, span, span)
        patches *= window
        for cell, patch in zip(targets[rows], patches):
            cy, cx = divmod(int(cell), g)
            y, x = (cy - cy0) * block, (cx - cx0) * block
            acc[y:y + span, x:x + span] += patch
    # Rare strong spots (a highlight, a mole) would repeat wherever their window is
    # borrowed: the detail is limited to a few times the borrowed texture's spread.
    limit = CLIP_SPREAD * 1.4826 * float(np.median(np.abs(residual))) + 1e-3
    np.clip(acc, -limit, limit, out=acc)
    # Into the crop, inside the hole only.
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + acc.shape[0], side), min(left + acc.shape[1], side)
    scale = hole[y0:y1, x0:x1].astype(np.float32)
    if guard is not None:
        scale *= guard[y0:y1, x0:x1]
    out[y0:y1, x0:x1] += per_channel(acc[y0 - top:y1 - top, x0 - left:x1 - left] * scale)
    return out


def _coherence(detail: np.ndarray, g: int, block: int) -> np.ndarray:
    """How oriented each cell's residual is (g×g, 0 = isotropic grain such as pores,
    1 = parallel strands): the coherence of its structure tensor, on every other pixel."""
    fine = np.ascontiguousarray(detail[::2, ::2])
    gx, gy = cv2.Sobel(fine, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(fine, cv2.CV_32F, 0, 1, ksize=3)
    half = -(-g * block // 2)
    cells = []
    for product in (gx * gx, gy * gy, gx * gy):
        product = cv2.copyMakeBorder(product, 0, half - product.shape[0], 0, half - product.shape[1],
                                     cv2.BORDER_CONSTANT, value=0)
        cells.append(cv2.resize(product, (g, g), interpolation=cv2.INTER_AREA))
    xx, yy, xy = cells
    return np.sqrt((xx - yy) ** 2 + 4 * xy ** 2) / (xx + yy + 1e-6)


def structure_guard(sketch: np.ndarray, scale: float) -> np.ndarray | None:
    """Per-pixel weight of borrowed detail near sketch lines (S×S float, 0 on a line,
    rising to 1 a quarter of a network pixel (`scale` px) away), so detail never fights a
    line; None without lines. (A margin of a whole network pixel left guided fills with
    less detail than unguided ones: sharpness 0.52 vs 0.62 on portraits.)"""
    if sketch is None or not sketch.any():
        return None
    near, far = 0.0, scale / 4
    # Only pixels within `far` of a line are below 1: the distances are taken in the
    # lines' box widened by that much, not over the whole crop.
    rows, cols = np.flatnonzero(sketch.any(1)), np.flatnonzero(sketch.any(0))
    reach = int(np.ceil(far)) + 1
    y0, y1 = max(rows[0] - reach, 0), min(rows[-1] + 1 + reach, sketch.shape[0])
    x0, x1 = max(cols[0] - reach, 0), min(cols[-1] + 1 + reach, sketch.shape[1])
    lines = sketch[y0:y1, x0:x1].astype(bool)
    distance = cv2.distanceTransform((~lines).astype(np.uint8), cv2.DIST_L2, 3)
    guard = np.ones(sketch.shape, np.float32)
    guard[y0:y1, x0:x1] = np.clip((distance - near) / (far - near), 0, 1)
    return guard
