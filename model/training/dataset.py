"""Face photos → training samples ready for `pack_input`.

Each photo is cropped to a square around the face (centre crop for aligned sets,
OpenCV's Haar face detector otherwise), resized to the training size, and given a
sketch and colour map (model.guides) which are cached on disk, so later epochs only
decode the photo. Per sample, a random flip, a hole mask, guide dropout and the
binary noise are drawn from a numpy Generator seeded by (seed, photo, draw), so a
sample depends only on its key, never on worker processes or on what came before:
that is what lets a resumed or distributed run see exactly the same data.
"""
from __future__ import annotations

import hashlib
import io
import os
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from ..errors import ScfeganError
from ..faces import detect_faces
from ..guides import extract_colour_map, extract_outlines, extract_sketch
from ..packing import binary_noise
from ..weights import atomic_write_bytes
from .masks import MaskSampler, free_form_mask

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
CELEBA_ALIGNED_SIZE = (218, 178)   # (height, width) of CelebA's img_align_celeba
FACE_CROP_MARGIN = 0.68            # a detected face box grows by this (half per side), as in model.editor
GUIDES_VERSION = "1"               # bump when model.guides changes, to invalidate caches
VALIDATION_DRAW = -1               # the draw number of the fixed validation samples


@dataclass(frozen=True)
class GuideOptions:
    """How guides are handed to the generator, per sample."""

    sketch_drop: float = 0.3     # odds of no sketch at all
    colour_drop: float = 0.4     # odds of no colour at all
    colour_partial: float = 0.3  # odds of colour under random strokes only
    colour_rough: float = 0.0    # odds of a blurred, colour-jittered map: colour as a hint, not paint
    sketch_outlines: float = 0.0  # odds that the sketch is the face's outlines (where regions meet, as
                                  # people draw) instead of its dark lines


def list_photos(folder: str | Path) -> list[Path]:
    """Photos under `folder` (recursive), sorted by relative path; ScfeganError if none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScfeganError(f"photo folder not found: {folder}")
    photos = sorted((p for p in folder.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES and p.is_file()),
                    key=lambda p: p.relative_to(folder).as_posix())
    if not photos:
        raise ScfeganError(f"no photos ({', '.join(PHOTO_SUFFIXES)}) under {folder}")
    return photos


def is_validation(name: str, val_percent: float) -> bool:
    """The held-out rule: a stable hash of the file name, so the split never moves."""
    return zlib.crc32(name.encode("utf-8")) % 10000 < val_percent * 100


def split_photos(folder: str | Path, val_percent: float) -> tuple[list[Path], list[Path]]:
    """(training photos, validation photos) of a folder, split by `is_validation`."""
    photos = list_photos(folder)
    val = [p for p in photos if is_validation(p.name, val_percent)]
    train = [p for p in photos if not is_validation(p.name, val_percent)]
    if not train:
        raise ScfeganError(f"all {len(photos)} photos under {folder} fell into the validation split")
    return train, val


def face_box(image_rgb: np.ndarray, crop: str) -> tuple[int, int, int]:
    """Square crop (x, y, side) holding the face; may extend past the image edges."""
    h, w = image_rgb.shape[:2]
    centre = ((w - min(h, w)) // 2, (h - min(h, w)) // 2, min(h, w))
    if crop == "centre" or (crop == "auto" and ((h, w) == CELEBA_ALIGNED_SIZE or h == w)):
        return centre
    faces = detect_faces(image_rgb)
    if not faces:
        return centre
    x, y, fw, fh = faces[0]
    side = int(round(max(fw, fh) * (1 + FACE_CROP_MARGIN)))
    return x + fw // 2 - side // 2, y + fh // 2 - side // 2, side


def cut_square(image: np.ndarray, box: tuple[int, int, int], size: int) -> np.ndarray:
    """The box's pixels (edges replicated where it leaves the image), resized to size²."""
    x, y, side = box
    h, w = image.shape[:2]
    pad = max(0, -x, -y, x + side - w, y + side - h)
    if pad:
        image = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        x, y = x + pad, y + pad
    square = image[y:y + side, x:x + side]
    interpolation = cv2.INTER_AREA if side > size else cv2.INTER_CUBIC
    return cv2.resize(square, (size, size), interpolation=interpolation)


def read_photo(path: Path) -> np.ndarray | None:
    """RGB uint8 pixels of a photo, or None if it cannot be decoded."""
    data = np.fromfile(str(path), np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    return None if image is None else cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class PhotoSamples(Dataset):
    """What every training dataset of photos holds: the photos, the sample size, the
    mask sampler, the seed its draws are keyed by, guide options, flipping, a cache
    folder, and the photos found unreadable."""

    def __init__(self, photos: list[Path], size: int, masks: MaskSampler, seed: int,
                 cache_dir: str | Path | None, guides: GuideOptions, flip: bool):
        self.photos = list(photos)
        self.size, self.masks, self.seed = size, masks, seed
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.guides, self.flip = guides, flip
        self._bad: set[int] = set()

    def __len__(self) -> int:
        return len(self.photos)

    def draw(self, key) -> tuple[int, int, np.random.Generator]:
        """(photo index, draw, the sample's own random generator) of a dataset key."""
        index, draw = sample_key(key)
        return index, draw, np.random.default_rng([self.seed, index, draw + 1])  # entropy must be ≥ 0


class FaceDataset(PhotoSamples):
    """Training or validation samples from a list of photos.

    An item key is `(photo index, draw)`: the draw (the epoch, in training) selects
    a fresh flip/mask/noise for the same photo. A plain index means the photo's fixed
    validation draw (no flip). Items are dicts of float32 tensors: image 3×S×S and
    colour 3×S×S in [-1, 1] (colour −1 where not given), mask, sketch, noise 1×S×S in
    {0, 1}, and `mix`, a number in [0, 1) for the gradient penalty's interpolation.
    """

    def __init__(self, photos: list[Path], size: int, masks: MaskSampler, seed: int = 0,
                 crop: str = "auto", cache_dir: str | Path | None = None,
                 guides: GuideOptions = GuideOptions(), flip: bool = True):
        super().__init__(photos, size, masks, seed, cache_dir, guides, flip)
        self.crop = crop

    def __getitem__(self, key) -> dict[str, torch.Tensor]:
        index, draw, rng = self.draw(key)
        face, sketch, colour = self.prepared(index)
        if self.flip and draw != VALIDATION_DRAW and rng.random() < 0.5:
            face, sketch, colour = face[:, ::-1], sketch[:, ::-1], colour[:, ::-1]
        return build_sample(face, sketch, colour, self.masks(rng), self.guides, rng)

    def prepared(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(face crop uint8 S×S×3, sketch bool S×S, colour map uint8 S×S×3) of a photo.

        An unreadable photo is reported once and replaced by the next one.
        """
        i, image = first_readable(self.photos, index, self._bad, 8)
        return self._with_guides(i, image)

    def _with_guides(self, index: int, image: np.ndarray):
        cached = self._load_cache(index)
        if cached is not None:
            box, sketch, colour = cached
            return cut_square(image, box, self.size), sketch, colour
        box = face_box(image, self.crop)
        face = cut_square(image, box, self.size)
        sketch, colour = extract_sketch(face), extract_colour_map(face)
        self._store_cache(index, box, sketch, colour)
        return face, sketch, colour

    def _cache_path(self, index: int) -> Path | None:
        if self.cache_dir is None:
            return None
        path = self.photos[index]
        ident = f"{path.resolve()}|{photo_fingerprint(path)}|{self.size}|{self.crop}|{GUIDES_VERSION}"
        digest = hashlib.sha1(ident.encode()).hexdigest()
        return self.cache_dir / digest[:2] / f"{digest}.npz"

    def _load_cache(self, index: int):
        path = self._cache_path(index)
        if path is None or not path.is_file():
            return None
        try:
            with np.load(path) as data:
                box = tuple(int(v) for v in data["box"])
                sketch = np.unpackbits(data["sketch"])[: self.size * self.size].reshape(self.size, self.size)
                return box, sketch.astype(bool), data["colour"]
        except (OSError, ValueError, KeyError, zlib.error):
            return None  # a damaged entry is simply recomputed

    def _store_cache(self, index: int, box, sketch: np.ndarray, colour: np.ndarray) -> None:
        path = self._cache_path(index)
        if path is None:
            return
        if not write_cache_entry(path, box=np.array(box, np.int64), sketch=np.packbits(sketch), colour=colour):
            self.cache_dir = None


def first_readable(photos: list[Path], index: int, bad: set[int], min_side: int) -> tuple[int, np.ndarray]:
    """(index, RGB pixels) of the first photo from `index` on (wrapping round) that
    decodes with both sides ≥ `min_side`. Others are added to `bad` (skipped from then
    on; an undecodable one is reported once)."""
    for attempt in range(len(photos)):
        i = (index + attempt) % len(photos)
        if i in bad:
            continue
        image = read_photo(photos[i])
        if image is None or min(image.shape[:2]) < min_side:
            bad.add(i)
            if image is None:
                warnings.warn(f"skipping unreadable photo {photos[i]}")
            continue
        return i, image
    raise ScfeganError(f"none of the photos can be read at {min_side} px or more")


FINGERPRINT_BYTES = 65536  # read from each end of a photo for its cache key


def photo_fingerprint(path: Path) -> str:
    """A photo file's identity for the guide cache: its size and checksums of its
    first and last bytes. Not its modification time: a data folder copied afresh (a
    new session, a restored backup) would otherwise lose its whole cache."""
    with open(path, "rb") as f:
        head = f.read(FINGERPRINT_BYTES)
        size = f.seek(0, os.SEEK_END)
        f.seek(max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES))
        tail = f.read(FINGERPRINT_BYTES)
    return f"{size}-{zlib.crc32(head):08x}-{zlib.crc32(tail):08x}"


def write_cache_entry(path: Path, **arrays) -> bool:
    """Store arrays as a compressed .npz cache entry (atomically); False, with a
    warning, when the cache cannot be written (training goes on without it)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    try:
        os.makedirs(path.parent, exist_ok=True)
        atomic_write_bytes(path, buffer.getvalue())
    except OSError as e:
        warnings.warn(f"cannot write the training cache ({e}); continuing without it")
        return False
    return True


def sample_key(key) -> tuple[int, int]:
    """(photo index, draw) of a dataset key: a (index, draw) pair or a plain index
    (the photo's fixed validation draw)."""
    return (int(key), VALIDATION_DRAW) if np.isscalar(key) else (int(key[0]), int(key[1]))


def roughen_colour(colour: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A colour map as a user's rough stroke would give it: blurred over a few
    percent of the side (1–5 %), each channel's gain and offset jittered (uint8 in, uint8 out)."""
    size = colour.shape[0]
    sigma = rng.uniform(0.01, 0.05) * size
    rough = cv2.GaussianBlur(colour.astype(np.float32), (0, 0), sigma)
    gain = 1.0 + rng.normal(0.0, 0.08, 3)
    offset = rng.normal(0.0, 8.0, 3)
    return np.clip(rough * gain + offset, 0, 255).astype(np.uint8)


def build_sample(face: np.ndarray, sketch: np.ndarray, colour: np.ndarray, mask: np.ndarray,
                 guides: GuideOptions, rng: np.random.Generator,
                 outlines_of: Callable[[], np.ndarray] | None = None) -> dict[str, torch.Tensor]:
    """One training sample from a face crop (uint8 S×S×3), its sketch (bool) and
    colour map (uint8), and a hole mask (float32 0/1): guide dropout, partial or rough
    colour, and the noise are drawn from `rng`. `outlines_of` gives the crop's outlines
    (bool S×S) when the sample is drawn in them; None: traced on the crop itself (a
    whole face). Keys as `FaceDataset` documents."""
    size = face.shape[0]
    hole = mask > 0
    sketch = sketch & hole
    given = hole.copy()
    if rng.random() < guides.colour_drop:
        given[:] = False
    elif rng.random() < guides.colour_partial:
        given &= free_form_mask(size, rng) > 0
    if guides.colour_rough and rng.random() < guides.colour_rough:
        colour = roughen_colour(np.ascontiguousarray(colour), rng)
    outlines = bool(guides.sketch_outlines and rng.random() < guides.sketch_outlines)
    if outlines:
        traced = outlines_of() if outlines_of is not None else extract_outlines(np.ascontiguousarray(face))
        sketch = traced & hole
    if rng.random() < guides.sketch_drop:
        sketch = np.zeros_like(sketch)
    noise = binary_noise(size, size, rng)
    colour = np.where(given[..., None], colour.astype(np.float32) / 127.5 - 1.0, -1.0)
    return {
        "image": _chw(face.astype(np.float32) / 127.5 - 1.0),
        "mask": torch.from_numpy(mask[None].copy()),
        "sketch": torch.from_numpy(sketch[None].astype(np.float32)),
        "colour": _chw(colour.astype(np.float32)),
        "noise": torch.from_numpy(noise[None]),
        "mix": torch.tensor(rng.random(), dtype=torch.float32),
        "outlines": torch.tensor(outlines and bool(sketch.any())),
    }


def _chw(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


def collate(samples: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Stack a list of samples into a batch dict."""
    return {k: torch.stack([s[k] for s in samples]) for k in samples[0]}
