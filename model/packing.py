"""The generator's 9-channel input: the one place it is assembled.

Editor, training and evaluation all call `pack_input`, so the model always sees the
same convention: [image·(1−mask), sketch, colour, mask, noise], image and colour in
[-1, 1], the other channels 0/1, every guide restricted to the mask.
"""
from __future__ import annotations

import numpy as np
import torch

# demo.py's noise: cv2.randn(uint8, mean 0, std 255) saturates; only values rounded to
# 255 survive uint8(noise / 255), i.e. normal draws ≥ 254.5 / 255 (about 16 % ones).
NOISE_THRESHOLD = 254.5 / 255.0


def binary_noise(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """The original demo's sparse 0/1 noise (float32 H×W), drawn from `rng`."""
    return (rng.standard_normal((height, width)) >= NOISE_THRESHOLD).astype(np.float32)


def pack_input(image: torch.Tensor, mask: torch.Tensor, sketch: torch.Tensor,
               colour: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Assemble the N×9×H×W generator input.

    image, colour: N×3×H×W in [-1, 1] (colour is -1, black, where nothing is painted);
    mask, sketch, noise: N×1×H×W in {0, 1}, mask 1 = region to fill.
    """
    return torch.cat([image * (1 - mask), sketch * mask, colour * mask, mask, noise * mask], dim=1)
