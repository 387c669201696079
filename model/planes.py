"""Per-pixel planes (masks, weights) applied to colour images at full speed.

numpy broadcasting an H×W plane over an image's trailing 3-channel axis runs its
inner loop three elements long: masking or weighting a megapixel that way took
20-30 ms, where OpenCV's masked copy or a plane repeated per channel takes 1-7 ms;
reducing over that axis (a mean, a length) is ten times slower than adding the
planes. The values are the same to the bit. No Qt, no torch.
"""
from __future__ import annotations

import cv2
import numpy as np

_MERGED = (np.uint8, np.int8, np.uint16, np.int16, np.int32, np.float32, np.float64)


def per_channel(plane: np.ndarray, channels: int = 3) -> np.ndarray:
    """`plane` (H×W) repeated as a contiguous H×W×`channels` array of its dtype."""
    if plane.dtype == bool:
        return per_channel(plane.view(np.uint8), channels).view(bool)
    if plane.dtype.type in _MERGED and plane.size and 1 < channels <= 4:
        return cv2.merge([np.ascontiguousarray(plane)] * channels).reshape(plane.shape + (channels,))
    return np.repeat(plane[..., None], channels, -1)


def copy_where(dst: np.ndarray, src: np.ndarray, mask: np.ndarray) -> None:
    """dst[mask] = src[mask] in place, for H×W×C images (C ≤ 4) of one dtype and an
    H×W bool `mask`; `dst` may be a window of a larger image."""
    if dst.shape != src.shape or dst.dtype != src.dtype or mask.shape != dst.shape[:2]:
        raise ValueError(f"copy_where: {dst.shape} {dst.dtype} ← {src.shape} {src.dtype} under {mask.shape}")
    if not mask.size:
        return
    if (dst.dtype.type in _MERGED and dst.ndim == 3 and dst.shape[2] <= 4
            and dst.strides[1:] == (dst.shape[2] * dst.itemsize, dst.itemsize)):
        out = cv2.copyTo(np.ascontiguousarray(src), np.ascontiguousarray(mask).view(np.uint8), dst)
        if out is not dst and not np.shares_memory(out, dst):  # OpenCV made a copy: write it back
            dst[...] = out
        return
    np.copyto(dst, src, where=mask[..., None] if dst.ndim == 3 else mask)


def channel_mean(image: np.ndarray) -> np.ndarray:
    """image.mean(-1) of an H×W×C float image, summed plane by plane in the same order."""
    total = image[..., 0]
    for c in range(1, image.shape[-1]):
        total = total + image[..., c]
    return total / image.dtype.type(image.shape[-1])


def channel_norm(image: np.ndarray) -> np.ndarray:
    """np.linalg.norm(image, axis=-1) of an H×W×C float image, plane by plane."""
    total = image[..., 0] * image[..., 0]
    for c in range(1, image.shape[-1]):
        total = total + image[..., c] * image[..., c]
    return np.sqrt(total)
