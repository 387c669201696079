"""Image-quality measures shared by tests, evaluation and benchmarks (numpy only)."""
from __future__ import annotations

import cv2
import numpy as np


def boundary_pairs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays (inside, outside) of 4-neighbour pixel pairs straddling the mask edge."""
    mask = mask.astype(bool)
    inside, outside = [], []
    h, w = mask.shape
    flat = np.arange(h * w).reshape(h, w)
    for a, b in (((slice(None), slice(1, None)), (slice(None), slice(None, -1))),
                 ((slice(1, None), slice(None)), (slice(None, -1), slice(None)))):
        ma, mb = mask[a], mask[b]
        for src, dst, sel in ((a, b, ma & ~mb), (b, a, mb & ~ma)):
            inside.append(flat[src][sel])
            outside.append(flat[dst][sel])
    return np.concatenate(inside), np.concatenate(outside)


def seam_score(photo: np.ndarray, result: np.ndarray, mask: np.ndarray) -> float:
    """Extra step across the mask edge that the edit added, in grey levels (0..255).

    Mean |result(inside) − result(outside)| over neighbouring pixel pairs that straddle
    the mask boundary, minus the same for the untouched photo (its own edges are not a
    seam). 0 = no visible seam.
    """
    inside, outside = boundary_pairs(mask)
    if inside.size == 0:
        return 0.0

    def step(img):
        flat = img.reshape(-1, img.shape[-1]).astype(np.float32)
        return float(np.abs(flat[inside] - flat[outside]).mean())

    return step(result) - step(photo)


def hole_l1(truth: np.ndarray, result: np.ndarray, mask: np.ndarray) -> float:
    """Mean absolute error inside the mask, on a 0..1 scale."""
    m = mask.astype(bool)
    return float(np.abs(truth[m].astype(np.float32) - result[m].astype(np.float32)).mean() / 255.0)


def hole_psnr(truth: np.ndarray, result: np.ndarray, mask: np.ndarray) -> float:
    """PSNR (dB) over the pixels inside the mask, peak 255."""
    m = mask.astype(bool)
    mse = float(np.square(truth[m].astype(np.float64) - result[m].astype(np.float64)).mean())
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0 ** 2 / mse)


def ssim(truth: np.ndarray, result: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean SSIM (Gaussian window σ=1.5, on luma), over the mask's bounding box if given."""
    def luma(img):
        img = img.astype(np.float64)
        return img @ np.array([0.299, 0.587, 0.114]) if img.ndim == 3 else img

    a, b = luma(truth), luma(result)
    if mask is not None and mask.any():
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        a = a[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
        b = b[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(x):
        return cv2.GaussianBlur(x, (11, 11), 1.5)

    mu_a, mu_b = blur(a), blur(b)
    var_a, var_b = blur(a * a) - mu_a ** 2, blur(b * b) - mu_b ** 2
    cov = blur(a * b) - mu_a * mu_b
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return float(ssim_map.mean())


def _grey(image: np.ndarray) -> np.ndarray:
    image = np.ascontiguousarray(image)
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.dtype == np.uint8 else \
            image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return image.astype(np.float32)


def _distances(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chessboard distance of each pixel to the nearest pixel of the other side:
    (inside the mask, outside it); 1 = touching the boundary."""
    m = mask.astype(np.uint8)
    return (cv2.distanceTransform(m, cv2.DIST_C, 3),
            cv2.distanceTransform(1 - m, cv2.DIST_C, 3))


def sharpness_ratio(truth: np.ndarray, result: np.ndarray, mask: np.ndarray, erode: int = 3) -> float:
    """Mean |Laplacian| (3×3, grey) inside the hole eroded by `erode` px, over the
    same for the true photo: 1.0 = as detailed as the photo (nan if nothing is left)."""
    inner = _distances(mask)[0] > erode
    if not inner.any():
        return float("nan")

    def detail(img):
        return float(np.abs(cv2.Laplacian(_grey(img), cv2.CV_32F, ksize=1))[inner].mean())

    reference = detail(truth)
    return detail(result) / reference if reference > 0 else float("nan")


def seam_index(result: np.ndarray, mask: np.ndarray, band: tuple[int, int] = (2, 6)) -> float:
    """Mean Sobel magnitude (grey) on the mask's 1-px boundary ring (its pixels that
    touch the outside), over the mean on the bands `band` px inside and outside it.
    About 1 for real photos; a step or a texture change at the edge raises it."""
    inside, outside = _distances(mask)
    ring = (inside == 1)
    bands = ((inside >= band[0]) & (inside <= band[1])) | ((outside >= band[0]) & (outside <= band[1]))
    if not ring.any() or not bands.any():
        return float("nan")
    grey = _grey(result)
    magnitude = cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3))
    reference = float(magnitude[bands].mean())
    return float(magnitude[ring].mean()) / reference if reference > 0 else float("nan")
