"""A compact training set for a borrowed accelerator: `python -m model.training.subset`.

A device machine takes the working tree and at most 64 MiB in all (the tracked tree is
about 35 MB of it), so a run there needs the training photos cut down to a byte budget:
portraits cropped about the face, scaled down (never up) so the face frame is at most
`frame` px, CelebA faces and hole masks copied as they are, each kind to its share of
the budget. Only training photos go in: the photos the evaluation holds out
(`split_portraits`, `is_validation`, by their own names) never do, so the subset cannot
leak them into a run. The data stays non-commercial research data: write the subset to
an ignored folder, never commit it.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np

from ..errors import ScfeganError
from ..faces import detect_faces
from ..imageio import load_photo, save_photo
from .dataset import FACE_CROP_MARGIN, is_validation, list_photos
from .portraits import split_portraits

CONTEXT = 1.3       # a portrait is cropped to its face frame grown by this (the zoomed windows stay inside)
QUALITY = 90        # JPEG quality of the cropped portraits
SHARES = {"portraits": 0.6, "faces": 0.3, "masks": 0.1}  # the budget, by kind


def portrait_crop(photo: np.ndarray, frame: int) -> np.ndarray | None:
    """The photo's largest face with CONTEXT of its frame about it, scaled down so the
    face frame is at most `frame` px (never up); None without a face."""
    faces = detect_faces(photo)
    if not faces:
        return None
    x, y, w, h = faces[0]
    side = max(w, h) * (1 + FACE_CROP_MARGIN)
    half = side * CONTEXT / 2
    cx, cy = x + w / 2, y + h / 2
    height, width = photo.shape[:2]
    x0, x1 = max(0, round(cx - half)), min(width, round(cx + half))
    y0, y1 = max(0, round(cy - half)), min(height, round(cy + half))
    crop = photo[y0:y1, x0:x1]
    scale = min(1.0, frame / side)
    if scale < 1.0:
        size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(crop)


def _shuffled(paths: list[Path], seed: int) -> list[Path]:
    order = np.random.default_rng(seed).permutation(len(paths))
    return [paths[i] for i in order]


def make_subset(out: Path, portraits: Path | None, faces: Path | None, masks: Path | None,
                budget_mb: float, frame: int = 384, val_percent: float = 3.0, seed: int = 0) -> dict[str, int]:
    """Write the subset into `out` (portraits/, faces/, masks/, keeping each photo's path
    below its folder); returns how many files each kind got. Each kind fills its share
    of `budget_mb` (SHARES; a kind not given leaves its share unused)."""
    budget = budget_mb * 1e6
    counts = {}
    if portraits is not None:
        train, _ = split_portraits(portraits, val_percent)
        used = written = 0
        for path in _shuffled(train, seed):
            crop = portrait_crop(np.ascontiguousarray(load_photo(path).pixels), frame)
            if crop is None:
                continue
            target = (out / "portraits" / path.relative_to(portraits)).with_suffix(".jpg")
            target.parent.mkdir(parents=True, exist_ok=True)
            save_photo(target, crop, quality=QUALITY)
            size = target.stat().st_size
            if used + size > budget * SHARES["portraits"]:
                target.unlink()
                break
            used, written = used + size, written + 1
        counts["portraits"] = written
    for kind, folder, files in (("faces", faces, lambda f: [p for p in list_photos(f)
                                                             if not is_validation(p.name, val_percent)]),
                                ("masks", masks, lambda f: sorted(f.glob("*.png")))):
        if folder is None:
            continue
        used = written = 0
        for path in _shuffled(files(folder), seed):
            size = path.stat().st_size
            if used + size > budget * SHARES[kind]:
                break
            target = out / kind / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            used, written = used + size, written + 1
        counts[kind] = written
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.training.subset", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write (an ignored one: the data is not to be committed)")
    parser.add_argument("--portraits", type=Path, help="portraits at their own resolution (faces-hq)")
    parser.add_argument("--faces", type=Path, help="aligned faces, copied as they are (CelebA)")
    parser.add_argument("--masks", type=Path, help="hole masks (PNG)")
    parser.add_argument("--budget-mb", type=float, default=28.0, help="size of the whole subset (default 28)")
    parser.add_argument("--frame", type=int, default=384, help="a portrait's face frame at most this (default 384)")
    parser.add_argument("--val-percent", type=float, default=3.0, help="the held-out share, as training uses")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        counts = make_subset(args.out, args.portraits, args.faces, args.masks, args.budget_mb, args.frame,
                             args.val_percent, args.seed)
    except ScfeganError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    total = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(", ".join(f"{kind}: {n}" for kind, n in counts.items()) + f"; {total / 1e6:.1f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
