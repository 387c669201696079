"""Validation scores: hole L1, hole PSNR and sharpness of the generator and of OpenCV's
Telea inpainting (the baseline to beat) on the same photos and masks.

Results are compared as the user gets them: composited (outside the hole = photo) and
quantised to 8 bits, with the measures of model.metrics, so the numbers are the ones
`scfegan eval` reports. Scores are averaged over images.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from ..metrics import hole_l1, hole_psnr, sharpness_ratio
from ..packing import pack_input

PSNR_CAP = 100.0  # dB, standing in for an exact fill (infinite PSNR) in averages
TELEA_RADIUS = 3


@dataclass(frozen=True)
class Scores:
    """Mean hole L1 (0..1 scale) and hole PSNR (dB) over a set of images, and the median
    sharpness ratio (hole detail over the photo's: PSNR alone rewards a blur)."""

    hole_l1: float
    psnr: float
    images: int
    sharpness: float = math.nan


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """N×3×H×W tensors in [-1, 1] → N×H×W×3 uint8."""
    return ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()


def score_images(truths: np.ndarray, results: np.ndarray, holes: np.ndarray) -> Scores:
    """Average hole L1 and hole PSNR, median sharpness ratio, of uint8 results against
    truths (N×H×W×3, holes N×H×W)."""
    l1, psnr, sharp = [], [], []
    for truth, result, hole in zip(truths, results, holes):
        if hole.any():
            l1.append(hole_l1(truth, result, hole))
            psnr.append(min(hole_psnr(truth, result, hole), PSNR_CAP))
            sharp.append(sharpness_ratio(truth, result, hole))
    if not l1:
        return Scores(math.nan, math.nan, 0)
    sharp = [v for v in sharp if math.isfinite(v)]
    return Scores(float(np.mean(l1)), float(np.mean(psnr)), len(l1),
                  float(np.median(sharp)) if sharp else math.nan)


def _holes(batch: dict[str, torch.Tensor]) -> np.ndarray:
    return batch["mask"][:, 0].cpu().numpy() > 0


@torch.no_grad()
def generator_scores(net: torch.nn.Module, batches: list[dict[str, torch.Tensor]], device: torch.device,
                     guided: bool) -> Scores:
    """Scores of `net` on validation batches, with the true guides or with none."""
    was_training = net.training
    net.eval()
    truths, results, holes = [], [], []
    try:
        for batch in batches:
            b = {k: v.to(device) for k, v in batch.items()}
            sketch = b["sketch"] if guided else torch.zeros_like(b["sketch"])
            colour = b["colour"] if guided else torch.full_like(b["colour"], -1.0)
            out = net(pack_input(b["image"], b["mask"], sketch, colour, b["noise"])).float()
            composite = out * b["mask"] + b["image"] * (1 - b["mask"])
            truths.append(to_uint8(b["image"]))
            results.append(to_uint8(composite))
            holes.append(_holes(batch))
    finally:
        net.train(was_training)
    if not truths:
        return Scores(math.nan, math.nan, 0)
    return score_images(np.concatenate(truths), np.concatenate(results), np.concatenate(holes))


def telea_scores(batches: list[dict[str, torch.Tensor]]) -> Scores:
    """Scores of OpenCV's Telea inpainting (cv2.INPAINT_TELEA) on the same batches."""
    if not batches:
        return Scores(math.nan, math.nan, 0)
    truths = np.concatenate([to_uint8(b["image"]) for b in batches])
    holes = np.concatenate([_holes(b) for b in batches])
    filled = np.stack([cv2.inpaint(np.ascontiguousarray(t), h.astype(np.uint8), TELEA_RADIUS, cv2.INPAINT_TELEA)
                       for t, h in zip(truths, holes)])
    return score_images(truths, filled, holes)
