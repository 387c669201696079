"""Random hole masks for training: float32 size×size, 1 = hole.

Three kinds, mixed with configurable odds, all drawn from a passed numpy Generator:
- free-form strokes as in DeepFill v2 (random vertices, turning angles, segment
  lengths and brush widths, drawn as thick polylines with round joints);
- face-part strokes, the paper's face-specific masks: shorter strokes around the
  eyes, nose, mouth or hairline of an aligned face crop;
- masks read from a folder (PNG, white = hole), randomly flipped and rotated.
"""
from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from ..errors import ScfeganError

# DeepFill v2's free-form parameters, for 256-pixel images (widths scale with size).
STROKES = (1, 4)                 # strokes per mask: [low, high)
VERTICES = (4, 13)               # vertices per stroke: [low, high)
MEAN_ANGLE = 2 * math.pi / 5
ANGLE_RANGE = 2 * math.pi / 15
WIDTH = (12, 40)                 # brush width in pixels at 256
REFERENCE_SIDE = 256

# Face parts of an aligned square crop (CelebA aligned, rows 20..198), as
# (centre x, centre y, radius) in units of the side.
FACE_PARTS = {
    "left_eye": (0.39, 0.51, 0.09),
    "right_eye": (0.61, 0.51, 0.09),
    "eyes": (0.50, 0.50, 0.16),
    "nose": (0.50, 0.63, 0.08),
    "mouth": (0.50, 0.75, 0.10),
    "hairline": (0.50, 0.22, 0.22),
}
PART_BLOB = 0.3                  # odds that a face part is erased whole (an ellipse over it)
MASK_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
FOLDER_CACHE_BYTES = 256 << 20


def free_form_mask(size: int, rng: np.random.Generator) -> np.ndarray:
    """DeepFill v2-style free-form strokes over the whole image (uint8 0/1)."""
    mask = np.zeros((size, size), np.uint8)
    scale = size / REFERENCE_SIDE
    average_radius = math.hypot(size, size) / 8
    for _ in range(rng.integers(*STROKES)):
        start = rng.uniform(0, size, 2)
        _draw_stroke(mask, start, average_radius, scale, rng)
    return _random_flip(mask, rng)


def face_part_mask(size: int, rng: np.random.Generator, parts: dict | None = None,
                   blob: float = PART_BLOB) -> np.ndarray:
    """Strokes around one or two face parts (uint8 0/1), each part with odds `blob` also
    erased whole. `parts` maps names to (centre x, centre y, radius) in units of the
    side; default: an aligned crop's."""
    mask = np.zeros((size, size), np.uint8)
    parts = parts or FACE_PARTS
    names = list(parts)
    for name in rng.choice(names, size=rng.integers(1, min(3, len(names) + 1)), replace=False):
        cx, cy, radius = parts[str(name)]
        centre = np.array([cx, cy]) * size + rng.normal(0, 0.03 * size, 2)
        part_radius = radius * size
        if rng.random() < blob:
            # A filled blob over the whole part: the "replace this eye" edit.
            axes = (max(1, int(part_radius * rng.uniform(0.8, 1.3))),
                    max(1, int(part_radius * rng.uniform(0.5, 0.9))))
            cv2.ellipse(mask, _point(centre), axes, float(rng.uniform(-20, 20)), 0, 360, 1, -1)
        for _ in range(rng.integers(1, 3)):
            start = centre + rng.uniform(-0.5, 0.5, 2) * part_radius
            _draw_stroke(mask, start, part_radius, size / REFERENCE_SIDE * 0.6, rng)
    return mask


def _draw_stroke(mask: np.ndarray, start: np.ndarray, average_radius: float, width_scale: float,
                 rng: np.random.Generator) -> None:
    size = mask.shape[0]
    vertices = rng.integers(*VERTICES)
    angle_low = MEAN_ANGLE - rng.uniform(0, ANGLE_RANGE)
    angle_high = MEAN_ANGLE + rng.uniform(0, ANGLE_RANGE)
    width = max(1, int(round(rng.uniform(*WIDTH) * width_scale)))
    points = [start]
    for i in range(vertices):
        angle = rng.uniform(angle_low, angle_high)
        if i % 2 == 0:
            angle = 2 * math.pi - angle  # alternate turning direction, as DeepFill v2 does
        length = float(np.clip(rng.normal(average_radius, average_radius / 2), 0, 2 * average_radius))
        step = np.array([math.cos(angle), math.sin(angle)]) * length
        points.append(np.clip(points[-1] + step, 0, size - 1))
    for a, b in zip(points, points[1:]):
        cv2.line(mask, _point(a), _point(b), 1, width)
    for p in points:
        cv2.circle(mask, _point(p), width // 2, 1, -1)


def _point(p) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def _random_flip(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if rng.random() < 0.5:
        mask = mask[:, ::-1]
    if rng.random() < 0.5:
        mask = mask[::-1, :]
    return np.ascontiguousarray(mask)


def list_mask_files(folder: str | Path) -> list[Path]:
    """The mask images in `folder` (not recursive), sorted; ScfeganError if none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScfeganError(f"mask folder not found: {folder}")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in MASK_SUFFIXES)
    if not files:
        raise ScfeganError(f"no mask images (PNG/JPEG/BMP) in {folder}")
    return files


class MaskSampler:
    """Draws a training mask of one kind, chosen with the given odds.

    `odds` are relative weights of (strokes, face parts, folder); the folder's odds
    are ignored when no folder is given. Folder masks are cached at training size.
    """

    def __init__(self, size: int, folder: str | Path | None = None,
                 odds: tuple[float, float, float] = (0.5, 0.25, 0.25), part_blob: float = PART_BLOB):
        self.size = size
        self.part_blob = part_blob
        self.files = list_mask_files(folder) if folder else []
        weights = np.array([odds[0], odds[1], odds[2] if self.files else 0.0], np.float64)
        if weights.sum() <= 0:
            raise ScfeganError("mask odds leave no kind of mask to draw (give --masks or other odds)")
        self.probabilities = weights / weights.sum()
        self._cache: dict[int, np.ndarray] = {}
        self._cache_limit = max(1, FOLDER_CACHE_BYTES // (size * size))

    def __call__(self, rng: np.random.Generator, parts: dict | None = None) -> np.ndarray:
        """A float32 size×size mask with at least one hole pixel. `parts`: where the
        face parts lie in this sample (see `face_part_mask`), if not an aligned crop."""
        kind = rng.choice(3, p=self.probabilities)
        if kind == 0:
            mask = free_form_mask(self.size, rng)
        elif kind == 1:
            mask = face_part_mask(self.size, rng, parts, self.part_blob)
        else:
            mask = self._folder_mask(rng)
        if not mask.any():  # e.g. an empty file: never train on a hole-less sample
            c = self.size // 2
            cv2.circle(mask, (c, c), max(2, self.size // 16), 1, -1)
        return mask.astype(np.float32)

    def _folder_mask(self, rng: np.random.Generator) -> np.ndarray:
        index = int(rng.integers(len(self.files)))
        mask = self._cache.get(index)
        if mask is None:
            mask = self._read(self.files[index])
            if len(self._cache) < self._cache_limit:
                self._cache[index] = mask
        mask = np.rot90(mask, int(rng.integers(4)))
        return _random_flip(mask, rng)

    def _read(self, path: Path) -> np.ndarray:
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise ScfeganError(f"cannot read mask image {path}")
        # Area averaging then a 50 % threshold keeps the hole ratio when shrinking.
        small = cv2.resize(image, (self.size, self.size), interpolation=cv2.INTER_AREA)
        return (small >= 128).astype(np.uint8)
