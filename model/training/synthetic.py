"""Synthetic face-like photos for smoke runs and tests (no real data needed).

Each photo is a CelebA-aligned-sized (178×218) drawing: a background, hair, a face
ellipse, eyes, brows, nose and mouth in random colours and slightly random places.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

ALIGNED_SHAPE = (218, 178)  # height, width


def synthetic_face(rng: np.random.Generator, shape: tuple[int, int] = ALIGNED_SHAPE) -> np.ndarray:
    """One RGB uint8 face-like drawing."""
    h, w = shape
    colour = lambda low, high: tuple(int(v) for v in rng.integers(low, high, 3))  # noqa: E731
    image = np.empty((h, w, 3), np.uint8)
    image[:] = colour(40, 220)
    cx, cy = w // 2 + int(rng.integers(-6, 7)), h // 2 + int(rng.integers(-6, 7))
    fw, fh = int(w * rng.uniform(0.26, 0.32)), int(h * rng.uniform(0.28, 0.34))
    cv2.ellipse(image, (cx, cy - fh // 3), (fw + 10, fh), 0, 0, 360, colour(10, 120), -1)  # hair
    cv2.ellipse(image, (cx, cy), (fw, fh), 0, 0, 360, colour(120, 250), -1)  # face
    eye_y, eye_dx = cy - fh // 5, fw // 2
    for side in (-1, 1):
        ex = cx + side * eye_dx
        cv2.ellipse(image, (ex, eye_y), (fw // 5, fh // 10), 0, 0, 360, (245, 245, 245), -1)
        cv2.circle(image, (ex, eye_y), max(2, fh // 14), colour(0, 90), -1)
        cv2.line(image, (ex - fw // 5, eye_y - fh // 5), (ex + fw // 5, eye_y - fh // 5 - 2), colour(0, 80), 2)
    cv2.line(image, (cx, eye_y + 4), (cx - 3, cy + fh // 4), colour(60, 140), 2)
    cv2.ellipse(image, (cx, cy + fh // 2), (fw // 3, fh // 10), 0, 0, 180, colour(100, 200), -1)
    noise = rng.normal(0, 4, image.shape)
    return np.clip(image.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def write_synthetic_faces(folder: str | Path, count: int, seed: int = 0,
                          shape: tuple[int, int] = ALIGNED_SHAPE) -> list[Path]:
    """Write `count` synthetic photos as face0000.png, face0001.png, ... into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        path = folder / f"face{i:04d}.png"
        cv2.imwrite(str(path), cv2.cvtColor(synthetic_face(rng, shape), cv2.COLOR_RGB2BGR))
        paths.append(path)
    return paths
