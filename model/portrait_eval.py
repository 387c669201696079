"""`scfegan eval --portrait`: face-part holes in portraits at their own resolution.

Photos whose long side is below MIN_SIDE are skipped; the largest Haar face box
(model.faces) places a mouth, an eye and a nose+mouth ellipse at fixed fractions of
the box, plus (with --masks) an irregular mask scaled to the face frame (the box
grown as the editor frames faces) and clipped to it. Telea, ours unguided (two
seeds), ours guided (the truth's sketch and colours over the whole hole), ours
with strokes (its sketch, and its colours under a few strokes only, as users paint
hints; again with each stroke in one flat colour, as a brush paints), ours with
lines (its sketch alone, no colour) and ours with outlines (the lines where its regions
meet, as people draw them: `outline_face`, no colour) fill each hole; the report gives hole L1
(0..255), PSNR, SSIM, the sharpness ratio and the seam index (median and 90th
percentile), and the mean hole difference between the two unguided seeds.
grid.png shows crops at 100 %.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np

from .editor import FACE_MARGIN, EditLayers, edit_photo
from .errors import ScfeganError
from .evaluate import MASK_STRIDE, PHOTO_SUFFIXES, MethodScores, _progress, guides_from_truth, telea, trace_truth
from .faces import detect_faces
from .guides import OUTLINE_SIDE, extract_outlines
from .imageio import load_photo, save_photo
from .metrics import seam_index

MIN_SIDE = 512
METHODS = ("telea", "ours_unguided", "ours_guided", "ours_strokes", "ours_flat_strokes", "ours_lines",
           "ours_outlines")
# (centre x, centre y, half-width, half-height) as fractions of the Haar face box.
PARTS = {
    "mouth": (0.50, 0.80, 0.22, 0.10),
    "eye": (0.31, 0.40, 0.13, 0.08),
    "nose_mouth": (0.50, 0.68, 0.22, 0.24),
}
STROKES = 3           # colour strokes per hole in "ours strokes" ...
STROKE_WIDTH = 0.05   # ... this wide, as a fraction of the face box
GRID_ROWS = 8
GRID_MARGIN = 0.25   # context around a hole's box in the grid, as a fraction of its size
GRID_MAX_CELL = 480  # a cell larger than this is cut (never scaled) around the hole's centre


def part_mask(shape, face, part: str, flip: bool = False) -> np.ndarray:
    """An ellipse hole for a face part, placed from the face box (x, y, w, h)."""
    x, y, w, h = face
    cx, cy, rx, ry = PARTS[part]
    if flip:
        cx = 1.0 - cx
    mask = np.zeros(shape[:2], np.uint8)
    cv2.ellipse(mask, (round(x + cx * w), round(y + cy * h)), (max(1, round(rx * w)), max(1, round(ry * h))),
                0, 0, 360, 1, -1)
    return mask > 0


def stroke_guides(guides: EditLayers, face, rng: np.random.Generator, flat: bool = False) -> EditLayers:
    """`guides_from_truth`'s layers with the colours kept under STROKES straight strokes
    between random hole pixels only: hints as users paint them. `flat`: each stroke in
    one colour, the median of the colours under it, as a brush paints (the same strokes
    for the same `rng`)."""
    mask = guides.mask
    layers = EditLayers(mask, guides.sketch, guides.colour.copy())
    ys, xs = np.nonzero(mask)
    strokes = np.zeros(mask.shape, bool)
    width = max(3, round(STROKE_WIDTH * face[2]))
    for _ in range(STROKES):
        a, b = rng.integers(len(ys), size=2)
        stroke = np.zeros(mask.shape, np.uint8)
        cv2.line(stroke, (int(xs[a]), int(ys[a])), (int(xs[b]), int(ys[b])), 1, width)
        stroke = (stroke > 0) & mask
        if flat and stroke.any():  # painted in order: a later stroke covers an earlier one
            layers.colour[stroke, :3] = np.median(guides.colour[stroke, :3], axis=0)
        strokes |= stroke
    layers.colour[..., 3] = np.where(strokes, 255, 0)
    return layers


def face_frame(shape, face) -> tuple[int, int, int, int]:
    """The face box grown as the editor frames a face, clipped to the photo (x0, y0, x1, y1)."""
    x, y, w, h = face
    side = w * (1 + FACE_MARGIN)
    cx, cy = x + w / 2, y + h / 2
    return (max(0, round(cx - side / 2)), max(0, round(cy - side / 2)),
            min(shape[1], round(cx + side / 2)), min(shape[0], round(cy + side / 2)))


def outline_face(photo: np.ndarray, face) -> np.ndarray:
    """The face frame's outlines (guides.extract_outlines), traced with the frame
    OUTLINE_SIDE px wide and drawn back at the photo's size as a pen that wide would
    draw them (bool, photo-sized; nothing outside the frame)."""
    x0, y0, x1, y1 = face_frame(photo.shape, face)
    lines = np.zeros(photo.shape[:2], bool)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return lines
    f = OUTLINE_SIDE / max(x1 - x0, y1 - y0)
    small = cv2.resize(np.ascontiguousarray(photo[y0:y1, x0:x1]), (max(1, round((x1 - x0) * f)),
                       max(1, round((y1 - y0) * f))), interpolation=cv2.INTER_AREA)
    drawn = extract_outlines(small).astype(np.uint8)
    lines[y0:y1, x0:x1] = cv2.resize(drawn, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST) > 0
    return lines


def irregular_mask(shape, face, path: Path) -> np.ndarray:
    """A mask file (white = hole) scaled onto the face frame and clipped to it."""
    raw = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if raw is None:
        raise ScfeganError(f"cannot read mask {path}")
    x0, y0, x1, y1 = face_frame(shape, face)
    mask = np.zeros(shape[:2], bool)
    mask[y0:y1, x0:x1] = cv2.resize(raw, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST) > 127
    return mask


def list_photos(data: str | Path, list_file: str | Path | None = None) -> list[Path]:
    """Photos directly in `data`, or the paths (relative to `data`) listed in `list_file`."""
    data = Path(data)
    if not data.is_dir():
        raise ScfeganError(f"photo folder not found: {data}")
    if list_file is None:
        photos = sorted(p for p in data.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES)
    else:
        try:
            lines = Path(list_file).read_text().splitlines()
        except OSError as e:
            raise ScfeganError(f"cannot read the photo list {list_file}: {e.strerror}") from None
        photos = [data / line.strip() for line in lines if line.strip() and not line.startswith("#")]
        missing = [p for p in photos if not p.is_file()]
        if missing:
            raise ScfeganError(f"{len(missing)} listed photos not found, e.g. {missing[0]}")
    if not photos:
        raise ScfeganError(f"no photos in {data}")
    return photos


def _crop_at_100(images, hole: np.ndarray) -> list[np.ndarray]:
    """The same window of each image around the hole, at full resolution."""
    rows, cols = np.flatnonzero(hole.any(1)), np.flatnonzero(hole.any(0))
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    pad_y, pad_x = round((y1 - y0) * GRID_MARGIN) + 8, round((x1 - x0) * GRID_MARGIN) + 8
    h, w = hole.shape
    y0, y1, x0, x1 = max(0, y0 - pad_y), min(h, y1 + pad_y), max(0, x0 - pad_x), min(w, x1 + pad_x)
    if y1 - y0 > GRID_MAX_CELL:
        y0 = (y0 + y1 - GRID_MAX_CELL) // 2
        y1 = y0 + GRID_MAX_CELL
    if x1 - x0 > GRID_MAX_CELL:
        x0 = (x0 + x1 - GRID_MAX_CELL) // 2
        x1 = x0 + GRID_MAX_CELL
    return [image[y0:y1, x0:x1] for image in images]


def _grid(rows: list[list[np.ndarray]]) -> np.ndarray:
    cell_h = [max(c.shape[0] for c in row) for row in rows]
    cell_w = max(c.shape[1] for row in rows for c in row)
    columns = len(rows[0])
    grid = np.full((sum(cell_h) + 4 * len(rows), columns * (cell_w + 4), 3), 24, np.uint8)
    top = 0
    for row, height in zip(rows, cell_h):
        for i, cell in enumerate(row):
            grid[top:top + cell.shape[0], i * (cell_w + 4):i * (cell_w + 4) + cell.shape[1]] = cell
        top += height + 4
    return grid


def evaluate_portraits(net, photos: list[Path], mask_files: list[Path] | None, out_dir: Path,
                       seed: int = 0, progress: bool = True, mirror: bool = True, mouths: bool = True) -> dict:
    """Every method on every face-part hole of every large-enough photo; writes
    report.json, report.md and grid.png into `out_dir` and returns the report."""
    out_dir.mkdir(parents=True, exist_ok=True)
    scores = {m: MethodScores() for m in METHODS}
    by_kind: dict[str, dict[str, MethodScores]] = {}  # every method per kind of hole
    kind_seed_diff: dict[str, list[float]] = {}
    real = MethodScores()  # the true photo scored against itself: reference seam index
    next_seed = MethodScores()  # unguided with the next seed: how good the variations are
    seed_diff, kinds, skipped, grid_rows = [], {}, {"small": 0, "no_face": 0}, []
    started = time.perf_counter()
    for index, path in enumerate(photos):
        truth = np.ascontiguousarray(load_photo(path).pixels)
        if max(truth.shape[:2]) < MIN_SIDE:
            skipped["small"] += 1
            continue
        faces = detect_faces(truth)
        if not faces:
            skipped["no_face"] += 1
            continue
        face = faces[0]
        traced = trace_truth(truth)  # the guides of every hole are cut from it
        outlines = outline_face(truth, face)  # lines as people draw them: where regions meet
        holes = [("mouth", part_mask(truth.shape, face, "mouth")),
                 ("eye", part_mask(truth.shape, face, "eye", flip=index % 2 == 1)),
                 ("nose_mouth", part_mask(truth.shape, face, "nose_mouth"))]
        if mask_files:
            mask_path = mask_files[(index * MASK_STRIDE) % len(mask_files)]
            holes.append(("irregular", irregular_mask(truth.shape, face, mask_path)))
        for number, (kind, mask) in enumerate(holes):
            if not mask.any():
                continue
            kinds[kind] = kinds.get(kind, 0) + 1
            hidden = truth.copy()
            hidden[mask] = 127
            guides = guides_from_truth(truth, mask, traced)
            # The faces of the true photo: a hole over the face must not move the framing.
            results = {
                "telea": telea(hidden, mask),
                "ours_unguided": edit_photo(net, hidden, EditLayers(mask), seed=seed, faces=faces, mirror=mirror,
                                            mouths=mouths),
                "ours_guided": edit_photo(net, hidden, guides, seed=seed, faces=faces, mirror=mirror,
                                          mouths=mouths),
                "ours_strokes": edit_photo(net, hidden,
                                           stroke_guides(guides, face, np.random.default_rng((seed, index, number))),
                                           seed=seed, faces=faces, mirror=mirror, mouths=mouths),
                "ours_flat_strokes": edit_photo(net, hidden, stroke_guides(
                    guides, face, np.random.default_rng((seed, index, number)), flat=True),
                    seed=seed, faces=faces, mirror=mirror, mouths=mouths),
                "ours_lines": edit_photo(net, hidden, EditLayers(mask, guides.sketch), seed=seed, faces=faces,
                                         mirror=mirror, mouths=mouths),
                "ours_outlines": edit_photo(net, hidden, EditLayers(mask, outlines & mask), seed=seed, faces=faces,
                                            mirror=mirror, mouths=mouths),
            }
            other = edit_photo(net, hidden, EditLayers(mask), seed=seed + 1, faces=faces, mirror=mirror,
                               mouths=mouths)
            seed_diff.append(float(np.abs(other[mask].astype(np.float32)
                                          - results["ours_unguided"][mask].astype(np.float32)).mean()))
            kind_seed_diff.setdefault(kind, []).append(seed_diff[-1])
            next_seed.add(truth, other, mask)
            for method, result in results.items():
                one = MethodScores()
                one.add(truth, result, mask)
                scores[method].extend(one)
                by_kind.setdefault(kind, {}).setdefault(method, MethodScores()).extend(one)
            real.seam.append(seam_index(truth, mask))
            if len(grid_rows) < GRID_ROWS and (len(grid_rows) < 3 or kind != grid_rows[-1][0]):
                shown = hidden.copy()
                shown[mask] = (255, 255, 255)
                grid_rows.append((kind, _crop_at_100([shown] + [results[m] for m in METHODS] + [truth], mask)))
        if progress:
            _progress(index + 1, len(photos), started)
    if not grid_rows:
        raise ScfeganError(f"no photo of at least {MIN_SIDE} px with a detectable face")
    report = {"mode": "portrait", "holes": len(seed_diff), "kinds": kinds, "skipped": skipped, "seed": seed,
              "mirror": mirror, "mouths": mouths,
              "masks": "face parts" + (" + irregular (folder)" if mask_files else ""),
              "weights": {"cnum": net.info.cnum, "native_size": net.info.native_size,
                          "provenance": net.info.provenance},
              "methods": {m: s.summary(l1_scale=255.0) for m, s in scores.items()},
              "real_photo_seam": {"median": float(np.nanmedian(real.seam)),
                                  "p90": float(np.nanpercentile(real.seam, 90))},
              "seed_difference": float(np.mean(seed_diff)),
              "next_seed_unguided": next_seed.summary(l1_scale=255.0),
              "by_kind": {kind: {**{m: s.summary(l1_scale=255.0) for m, s in methods.items()},
                                 "seed_difference": float(np.mean(kind_seed_diff[kind]))}
                          for kind, methods in by_kind.items()}}
    (out_dir / "report.json").write_text(json.dumps(report, indent=2))
    (out_dir / "report.md").write_text(format_portrait_table(report))
    save_photo(out_dir / "grid.png", _grid([cells for _, cells in grid_rows]))
    return report


def format_portrait_table(report: dict) -> str:
    """The portrait report as a Markdown table."""
    kinds = ", ".join(f"{n} {k}" for k, n in report["kinds"].items())
    mirror = "on" if report.get("mirror", True) else "off"
    mouths = "on" if report.get("mouths", True) else "off"
    lines = [f"{report['holes']} holes ({kinds}); mirrored faces {mirror}, example mouths {mouths}; "
             f"skipped photos: {report['skipped']['small']} under "
             f"{MIN_SIDE} px, {report['skipped']['no_face']} without a face. Columns of grid.png (crops at "
             "100 %): photo with hole | Telea | ours unguided | ours guided | ours strokes | ours flat strokes | "
             "ours lines | ours outlines | truth.", "",
             "| method | hole L1 (0-255) ↓ | hole PSNR (dB) ↑ | SSIM ↑ | sharpness median | seam median | seam p90 |",
             "|---|---|---|---|---|---|---|"]
    for method, s in report["methods"].items():
        lines.append(f"| {method.replace('_', ' ')} | {s['hole_l1']['mean']:.2f} | {s['psnr']['mean']:.2f} | "
                     f"{s['ssim']['mean']:.4f} | {s['sharpness']['median']:.2f} | {s['seam']['median']:.3f} | "
                     f"{s['seam']['p90']:.3f} |")
    seam = report["real_photo_seam"]
    lines += ["", f"Real photos, same holes: seam median {seam['median']:.3f}, p90 {seam['p90']:.3f}. "
              f"Two seeds unguided differ by {report['seed_difference']:.2f}/255 in the hole (mean)."]
    if report.get("next_seed_unguided"):
        s = report["next_seed_unguided"]
        lines[-1] += (f" Unguided with seed {report.get('seed', 0) + 1}: hole L1 {s['hole_l1']['mean']:.2f}, "
                      f"PSNR {s['psnr']['mean']:.2f} dB, sharpness median {s['sharpness']['median']:.2f}.")
    if report.get("by_kind"):
        lines += ["", "| hole | Telea L1 | Telea PSNR | unguided L1 | unguided PSNR | unguided sharpness "
                  "| seeds differ | guided PSNR | guided sharpness | strokes PSNR | strokes sharpness "
                  "| lines PSNR | lines sharpness | outlines PSNR | outlines sharpness |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for kind, k in report["by_kind"].items():
            t, u = k["telea"], k["ours_unguided"]
            line = (f"| {kind} | {t['hole_l1']['mean']:.2f} | {t['psnr']['mean']:.2f} | "
                    f"{u['hole_l1']['mean']:.2f} | {u['psnr']['mean']:.2f} | {u['sharpness']['median']:.2f} | "
                    f"{k['seed_difference']:.2f} |")
            for method in ("ours_guided", "ours_strokes", "ours_lines", "ours_outlines"):
                g = k.get(method)
                line += f" {g['psnr']['mean']:.2f} | {g['sharpness']['median']:.2f} |" if g else " - | - |"
            lines.append(line)
    return "\n".join(lines) + "\n"


def default_portrait_data() -> Path:
    """The CC0 sample portraits beside the project (the quick default)."""
    return Path(__file__).resolve().parents[2] / "shared" / "samples" / "cc0"
