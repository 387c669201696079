"""`scfegan eval` and the measures it reports, on hand-made cases."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from PIL import Image

from app.cli import main
from model.evaluate import guides_from_truth, telea
from model.metrics import hole_l1, hole_psnr, seam_index, seam_score, sharpness_ratio, ssim


def test_hole_l1_counts_only_the_hole():
    truth = np.zeros((4, 4, 3), np.uint8)
    result = truth.copy()
    result[:2] = 51          # error 0.2 in the top half
    mask = np.zeros((4, 4), bool)
    mask[:1] = True          # hole = the first row only
    assert hole_l1(truth, result, mask) == pytest.approx(0.2)
    mask[:] = True
    assert hole_l1(truth, result, mask) == pytest.approx(0.1)


def test_hole_psnr_known_value():
    truth = np.full((10, 10, 3), 100, np.uint8)
    result = truth.copy()
    result[:5] = 110         # squared error 100 on half the hole
    mask = np.ones((10, 10), bool)
    assert hole_psnr(truth, result, mask) == pytest.approx(10 * math.log10(255 ** 2 / 50))
    assert hole_psnr(truth, truth, mask) == math.inf


def test_ssim_is_one_for_identical_and_lower_for_noise():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:64, 0:64]
    img = np.stack([xx * 3, yy * 3, xx + yy], -1).astype(np.uint8)  # smooth: noise shows
    assert ssim(img, img) == pytest.approx(1.0)
    noisy = np.clip(img + rng.normal(0, 40, img.shape), 0, 255).astype(np.uint8)
    assert ssim(img, noisy) < 0.8


def test_seam_score_sees_a_step_at_the_edge():
    img = np.full((20, 20, 3), 100, np.uint8)
    mask = np.zeros((20, 20), bool)
    mask[5:15, 5:15] = True
    stepped = img.copy()
    stepped[mask] = 130
    assert seam_score(img, stepped, mask) == pytest.approx(30)


def _texture(side=200, seed=0):
    """Fine photo-like texture: blurred noise around mid grey."""
    import cv2

    noise = np.random.default_rng(seed).normal(128, 30, (side, side, 3)).astype(np.float32)
    return np.clip(cv2.GaussianBlur(noise, (0, 0), 0.8), 0, 255).astype(np.uint8)


def _disc(side=200, radius=50):
    yy, xx = np.mgrid[0:side, 0:side]
    return (yy - side // 2) ** 2 + (xx - side // 2) ** 2 <= radius ** 2


def test_seam_index_is_one_for_the_photo_and_high_for_a_visible_seam():
    truth, mask = _texture(), _disc()
    assert seam_index(truth, mask) == pytest.approx(1.0, abs=0.05)
    stepped = truth.astype(int)
    stepped[mask] += 10           # the right texture, 10 grey levels too bright: a visible seam
    assert seam_index(np.clip(stepped, 0, 255).astype(np.uint8), mask) > 1.2


def test_sharpness_ratio_one_for_the_photo_low_for_a_blurred_fill():
    import cv2

    truth, mask = _texture(), _disc()
    assert sharpness_ratio(truth, truth, mask) == pytest.approx(1.0)
    blurred = truth.copy()
    blurred[mask] = cv2.GaussianBlur(truth, (0, 0), 3)[mask]
    assert sharpness_ratio(truth, blurred, mask) < 0.3
    assert math.isnan(sharpness_ratio(truth, truth, _disc(radius=2)))  # nothing left after erosion


def test_guides_from_truth_stay_inside_the_hole():
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 256, (96, 96, 3), dtype=np.uint8)
    mask = np.zeros((96, 96), bool)
    mask[20:60, 30:70] = True
    layers = guides_from_truth(truth, mask)
    assert not layers.sketch[~mask].any()
    assert (layers.colour[..., 3][~mask] == 0).all() and (layers.colour[..., 3][mask] == 255).all()
    from model.evaluate import trace_truth

    traced = guides_from_truth(truth, mask, trace_truth(truth))   # traced once per photo: the same layers
    assert np.array_equal(traced.sketch, layers.sketch) and np.array_equal(traced.colour, layers.colour)


def test_eval_command_writes_report_with_correct_telea_numbers(tmp_path, tiny_weights):
    photos, masks = tmp_path / "photos", tmp_path / "masks"
    photos.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(2)
    truths = []
    for i in range(3):
        yy, xx = np.mgrid[0:120, 0:100]
        img = np.stack([xx * 2, yy * 2, (xx + yy)], -1) + rng.integers(0, 20, (120, 100, 3))
        img = np.clip(img, 0, 255).astype(np.uint8)
        Image.fromarray(img).save(photos / f"p{i}.png")
        truths.append(img)
    hole = np.zeros((240, 200), np.uint8)
    hole[80:160, 60:140] = 255
    Image.fromarray(hole).save(masks / "m.png")
    out = tmp_path / "report"
    assert main(["eval", "--data", str(photos), "--masks", str(masks), "--weights", str(tiny_weights),
                 "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["photos"] == 3 and set(report["methods"]) == {"telea", "ours_unguided", "ours_guided"}
    mask = np.zeros((120, 100), bool)
    mask[40:80, 30:70] = True
    expected = np.mean([hole_l1(t, telea(t, mask), mask) for t in truths])
    assert report["methods"]["telea"]["hole_l1"]["mean"] == pytest.approx(expected, rel=1e-6)
    grid = np.asarray(Image.open(out / "grid.png"))
    assert grid.shape[0] == 3 * 160 and grid.shape[1] == 5 * 160
    assert "| telea |" in (out / "report.md").read_text()


def test_eval_missing_folder_is_one_line_error(tmp_path, tiny_weights, capsys):
    assert main(["eval", "--data", str(tmp_path / "nope"), "--weights", str(tiny_weights), "--out", str(tmp_path / "o")]) == 2
    assert "photo folder not found" in capsys.readouterr().err


def test_portrait_holes_sit_on_the_face_and_irregular_masks_stay_in_its_frame(tmp_path):
    import cv2

    from model.portrait_eval import face_frame, irregular_mask, part_mask

    face = (300, 200, 400, 400)
    mouth = part_mask((1000, 1000, 3), face, "mouth")
    ys, xs = np.nonzero(mouth)
    assert 300 < xs.min() and xs.max() < 700 and 500 < ys.mean() < 600    # lower third, centred
    left, right = part_mask((1000, 1000), face, "eye"), part_mask((1000, 1000), face, "eye", flip=True)
    assert np.nonzero(left)[1].mean() < 500 < np.nonzero(right)[1].mean()
    full = np.full((64, 64), 255, np.uint8)
    cv2.imwrite(str(tmp_path / "m.png"), full)
    hole = irregular_mask((1000, 1000), face, tmp_path / "m.png")
    x0, y0, x1, y1 = face_frame((1000, 1000), face)
    assert hole[y0:y1, x0:x1].all() and hole.sum() == (x1 - x0) * (y1 - y0)


def test_photo_list_is_relative_to_the_data_folder(tmp_path):
    from model.errors import ScfeganError
    from model.portrait_eval import list_photos

    (tmp_path / "a").mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "a" / "x.png")
    (tmp_path / "list.txt").write_text("# validation\na/x.png\n\n")
    assert list_photos(tmp_path, tmp_path / "list.txt") == [tmp_path / "a" / "x.png"]
    (tmp_path / "bad.txt").write_text("a/missing.png\n")
    with pytest.raises(ScfeganError, match="not found"):
        list_photos(tmp_path, tmp_path / "bad.txt")


def test_portrait_stroke_guides_paint_part_of_the_hole_with_the_truths_colours():
    from model.evaluate import guides_from_truth
    from model.portrait_eval import part_mask, stroke_guides

    rng = np.random.default_rng(3)
    truth = rng.integers(0, 256, (600, 600, 3), dtype=np.uint8)
    face = (150, 150, 300, 300)
    mask = part_mask(truth.shape, face, "nose_mouth")
    full = guides_from_truth(truth, mask)
    layers = stroke_guides(full, face, np.random.default_rng(0))
    painted = layers.colour[..., 3] > 0
    assert not painted[~mask].any() and 0.05 < painted[mask].mean() < 0.9   # strokes, not the whole hole
    assert np.array_equal(layers.colour[..., :3], full.colour[..., :3]) and np.array_equal(layers.sketch, full.sketch)
    again = stroke_guides(full, face, np.random.default_rng(0))
    assert np.array_equal(again.colour, layers.colour)                          # the same hints for every model
    assert (full.colour[..., 3][mask] == 255).all()                             # the guided layers untouched

    flat = stroke_guides(full, face, np.random.default_rng(0), flat=True)     # as a brush paints
    assert np.array_equal(flat.colour[..., 3], layers.colour[..., 3])           # the same strokes
    colours = flat.colour[..., :3][painted]
    assert 1 <= len(np.unique(colours, axis=0)) <= 3                            # one colour a stroke
    assert not np.array_equal(flat.colour[..., :3][painted], full.colour[..., :3][painted])


def test_portrait_eval_on_a_sample_reports_every_measure_and_crops_at_full_size(tmp_path, tiny_weights):
    from conftest import SHARED, require

    photo = require(SHARED / "samples" / "cc0" / "interfaces_001.jpg")
    data = tmp_path / "data"
    data.mkdir()
    (data / "p.jpg").write_bytes(photo.read_bytes())
    Image.fromarray(np.zeros((300, 300, 3), np.uint8)).save(data / "small.png")   # under 512 px: skipped
    out = tmp_path / "report"
    assert main(["eval", "--portrait", "--data", str(data), "--weights", str(tiny_weights), "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["mode"] == "portrait" and report["skipped"]["small"] == 1
    assert report["kinds"] == {"mouth": 1, "eye": 1, "nose_mouth": 1}
    for method in ("telea", "ours_unguided", "ours_guided", "ours_strokes", "ours_lines", "ours_outlines"):
        assert set(report["methods"][method]) >= {"hole_l1", "psnr", "ssim", "sharpness", "seam"}
        assert report["methods"][method]["seam"]["p90"] >= report["methods"][method]["seam"]["median"]
    assert report["seed_difference"] >= 0 and 0.8 < report["real_photo_seam"]["median"] < 1.2
    assert set(report["next_seed_unguided"]) >= {"hole_l1", "psnr", "sharpness"}   # the variations' quality
    assert "Unguided with seed 1: hole L1" in (out / "report.md").read_text()
    grid = np.asarray(Image.open(out / "grid.png"))
    assert grid.shape[0] > 3 * 100          # crops at 100 %: a mouth of a 420-px face is > 100 px
    assert all(set(report["by_kind"][kind]) >= {"telea", "ours_unguided", "ours_guided", "ours_strokes", "ours_lines"}
               for kind in ("mouth", "eye", "nose_mouth"))
    assert "sharpness median" in (out / "report.md").read_text()
    assert "strokes sharpness" in (out / "report.md").read_text()
    assert "lines sharpness" in (out / "report.md").read_text()
    assert "outlines sharpness" in (out / "report.md").read_text()
