"""`scfegan eval`: our model (unguided and guided) against OpenCV's Telea inpainting.

Every method fills the same hole of the same photo at the photo's own resolution,
through the same path a user's edit takes (model.editor.edit_photo), given the
photo with the hole greyed out. Guidance is derived from the ground truth as in
training (model.guides, restricted to the hole).
Measures per image (model.metrics): hole L1 (0..1), hole PSNR (dB, over the hole's
pixels only), SSIM (luma, over the hole's bounding box), the sharpness ratio (hole
detail over the true photo's) and the seam index (about 1 for real photos).
"""
from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .editor import EditLayers, edit_photo
from .errors import ScfeganError
from .guides import extract_colour_map, extract_sketch
from .imageio import load_photo, save_photo
from .metrics import hole_l1, hole_psnr, seam_index, sharpness_ratio, ssim

METHODS = ("telea", "ours_unguided", "ours_guided")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
TELEA_RADIUS = 3
GRID_ROWS = 8
GRID_CELL = 160
MASK_STRIDE = 997  # prime: walks the whole mask folder in a scattered order


@dataclass
class MethodScores:
    """Per-image scores of one method."""

    hole_l1: list[float] = field(default_factory=list)
    psnr: list[float] = field(default_factory=list)
    ssim: list[float] = field(default_factory=list)
    sharpness: list[float] = field(default_factory=list)
    seam: list[float] = field(default_factory=list)

    def add(self, truth, result, mask) -> None:
        self.hole_l1.append(hole_l1(truth, result, mask))
        self.psnr.append(min(hole_psnr(truth, result, mask), 100.0))
        self.ssim.append(ssim(truth, result, mask))
        self.sharpness.append(sharpness_ratio(truth, result, mask))
        self.seam.append(seam_index(result, mask))

    def extend(self, other: "MethodScores") -> None:
        """Append another set's scores (one result scored once, counted in two tables)."""
        for name in ("hole_l1", "psnr", "ssim", "sharpness", "seam"):
            getattr(self, name).extend(getattr(other, name))

    def summary(self, l1_scale: float = 1.0) -> dict:
        """Mean, standard deviation, median and 90th percentile of each measure
        (NaNs, e.g. the sharpness of a hole too thin to erode, left out)."""
        def stats(values, scale=1.0):
            v = np.asarray(values, np.float64) * scale
            v = v[np.isfinite(v)]
            if v.size == 0:
                return {"mean": float("nan"), "std": float("nan"), "median": float("nan"), "p90": float("nan")}
            return {"mean": float(v.mean()), "std": float(v.std()), "median": float(np.median(v)),
                    "p90": float(np.percentile(v, 90))}

        return {"hole_l1": stats(self.hole_l1, l1_scale), "psnr": stats(self.psnr), "ssim": stats(self.ssim),
                "sharpness": stats(self.sharpness), "seam": stats(self.seam)}


def list_images(folder: str | Path, what: str) -> list[Path]:
    """Image files directly in `folder`, sorted; ScfeganError if none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScfeganError(f"{what} folder not found: {folder}")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES)
    if not files:
        raise ScfeganError(f"no images in {what} folder {folder}")
    return files


def mask_for(photo_shape, index: int, mask_files: list[Path] | None, rng: np.random.Generator) -> np.ndarray:
    """The hole for photo `index`: a folder mask resized to the photo
    (nearest neighbour), or a free-form stroke mask drawn from `rng`."""
    h, w = photo_shape[:2]
    if mask_files:
        # A fixed stride through the folder, so a few photos still get a spread of hole sizes.
        path = mask_files[(index * MASK_STRIDE) % len(mask_files)]
        raw = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if raw is None:
            raise ScfeganError(f"cannot read mask {path}")
        return cv2.resize(raw, (w, h), interpolation=cv2.INTER_NEAREST) > 127
    from .training.masks import free_form_mask

    side = max(h, w)
    return free_form_mask(side, rng)[:h, :w] > 0


def trace_truth(truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The true photo's sketch (bool) and colour map (uint8 RGB), which guides are cut from."""
    return extract_sketch(truth), extract_colour_map(truth)


def guides_from_truth(truth: np.ndarray, mask: np.ndarray, traced=None) -> EditLayers:
    """Sketch and colour layers a user might draw, derived from the true photo
    (`traced`: its `trace_truth`, if already at hand)."""
    lines, colour_map = traced if traced is not None else trace_truth(truth)
    sketch = lines & mask
    colour = np.zeros(truth.shape[:2] + (4,), np.uint8)
    colour[..., :3] = colour_map
    colour[..., 3] = np.where(mask, 255, 0)
    return EditLayers(mask, sketch, colour)


def telea(truth: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """OpenCV's Telea inpainting of the hole (outside the hole untouched)."""
    return cv2.inpaint(np.ascontiguousarray(truth), mask.astype(np.uint8), TELEA_RADIUS, cv2.INPAINT_TELEA)


def _cell(image: np.ndarray, hole: np.ndarray | None = None) -> np.ndarray:
    if hole is not None:
        image = image.copy()
        image[hole] = (255, 255, 255)
    h, w = image.shape[:2]
    scale = GRID_CELL / max(h, w)
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    cell = np.full((GRID_CELL, GRID_CELL, 3), 24, np.uint8)
    y, x = (GRID_CELL - small.shape[0]) // 2, (GRID_CELL - small.shape[1]) // 2
    cell[y:y + small.shape[0], x:x + small.shape[1]] = small
    return cell


def _progress(done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    left = (total - done) / rate if rate else 0
    bar = "#" * int(24 * done / total)
    end = "\n" if done == total else ""
    print(f"\reval [{bar:<24}] {done}/{total} photos, {rate:.1f}/s, {left:.0f}s left", end=end,
          file=sys.stderr, flush=True)


def evaluate(net, photos: list[Path], mask_files: list[Path] | None, out_dir: Path,
             seed: int = 0, progress: bool = True, mirror: bool = True, mouths: bool = True) -> dict:
    """Run every method on every photo; writes report.json, report.md and grid.png
    into `out_dir` and returns the report dict."""
    out_dir.mkdir(parents=True, exist_ok=True)
    scores = {m: MethodScores() for m in METHODS}
    rows = []
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for index, path in enumerate(photos):
        truth = np.ascontiguousarray(load_photo(path).pixels)
        mask = mask_for(truth.shape, index, mask_files, rng)
        if not mask.any():
            continue
        # Every method gets the photo with the hole greyed out, so nothing of the truth
        # under it can leak into a result (face framing included).
        hidden = truth.copy()
        hidden[mask] = 127
        results = {
            "telea": telea(hidden, mask),
            "ours_unguided": edit_photo(net, hidden, EditLayers(mask), seed=seed, mirror=mirror, mouths=mouths),
            "ours_guided": edit_photo(net, hidden, guides_from_truth(truth, mask), seed=seed, mirror=mirror,
                                      mouths=mouths),
        }
        for method, result in results.items():
            scores[method].add(truth, result, mask)
        if len(rows) < GRID_ROWS:
            rows.append(np.hstack([_cell(truth, mask)] + [_cell(results[m]) for m in METHODS] + [_cell(truth)]))
        if progress:
            _progress(index + 1, len(photos), started)
    if not rows:
        raise ScfeganError("no photo had a non-empty hole to evaluate")
    report = {"photos": len(scores["telea"].hole_l1), "seed": seed, "mirror": mirror, "mouths": mouths,
              "masks": "folder" if mask_files else "free-form strokes",
              "weights": {"cnum": net.info.cnum, "native_size": net.info.native_size,
                          "provenance": net.info.provenance},
              "methods": {m: s.summary() for m, s in scores.items()}}
    (out_dir / "report.json").write_text(json.dumps(report, indent=2))
    (out_dir / "report.md").write_text(format_table(report))
    save_photo(out_dir / "grid.png", np.vstack(rows))
    return report


def format_table(report: dict) -> str:
    """The report's scores as a Markdown table (mean ± std)."""
    if report.get("mode") == "portrait":
        from .portrait_eval import format_portrait_table

        return format_portrait_table(report)
    lines = [f"{report['photos']} photos, masks: {report['masks']}. Columns of grid.png: "
             "photo with hole | Telea | ours unguided | ours guided | truth.", "",
             "| method | hole L1 ↓ | hole PSNR (dB) ↑ | SSIM ↑ | sharpness (median) | seam (median / p90) |",
             "|---|---|---|---|---|---|"]
    for method, s in report["methods"].items():
        cells = [f"{s[k]['mean']:.4f} ± {s[k]['std']:.4f}" if k != "psnr" else f"{s[k]['mean']:.2f} ± {s[k]['std']:.2f}"
                 for k in ("hole_l1", "psnr", "ssim")]
        cells += [f"{s['sharpness']['median']:.2f}", f"{s['seam']['median']:.3f} / {s['seam']['p90']:.3f}"]
        lines.append(f"| {method.replace('_', ' ')} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def run_eval(data: str | None, masks: str | None, weights, out: str, limit: int | None, seed: int,
             portrait: bool = False, list_file: str | None = None, mirror: bool = True,
             mouths: bool = True) -> dict:
    """The `scfegan eval` command's work (`portrait`: model.portrait_eval; `mirror`:
    the editor's mirrored faces, see edit_photo)."""
    from .inference import load_generator

    if portrait:
        from .portrait_eval import default_portrait_data, list_photos

        photos = list_photos(data or default_portrait_data(), list_file)
    elif data is None:
        raise ScfeganError("pass --data DIR (a folder of photos)")
    else:
        photos = list_images(data, "photo")
    if limit:
        photos = photos[:limit]
    mask_files = list_images(masks, "mask") if masks else None
    net = load_generator(weights, device="auto")
    if not math.isfinite(float(net.info.native_size)):
        raise ScfeganError("bad weights metadata")
    if portrait:
        from .portrait_eval import evaluate_portraits

        return evaluate_portraits(net, photos, mask_files, Path(out), seed=seed, mirror=mirror, mouths=mouths)
    return evaluate(net, photos, mask_files, Path(out), seed=seed, mirror=mirror, mouths=mouths)
