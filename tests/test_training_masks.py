"""Training hole masks (model/training/masks.py)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from model.errors import ScfeganError
from model.training.masks import MaskSampler, face_part_mask, free_form_mask

IRREGULAR = Path(__file__).resolve().parents[2] / "shared" / "data" / "masks-irregular"


def ratios(draw, n: int = 300, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([draw(rng).mean() for _ in range(n)])


def test_free_form_hole_ratio_statistics():
    r = ratios(lambda rng: free_form_mask(128, rng))
    assert r.min() > 0 and r.max() < 0.7
    assert 0.08 < r.mean() < 0.35 and r.std() > 0.03  # varied, neither tiny nor overwhelming


def test_free_form_masks_are_binary_and_sized():
    mask = free_form_mask(256, np.random.default_rng(1))
    assert mask.shape == (256, 256) and set(np.unique(mask)) <= {0, 1}


def test_face_part_masks_cover_the_face_centre():
    rng = np.random.default_rng(2)
    masks = np.stack([face_part_mask(128, rng) for _ in range(300)]).astype(np.float64)
    r = masks.mean((1, 2))
    assert r.min() > 0 and 0.03 < r.mean() < 0.3
    coverage = masks.mean(0)
    centre, corners = coverage[40:100, 35:93].mean(), coverage[110:, :20].mean() + coverage[110:, -20:].mean()
    assert centre > 5 * corners


def test_part_blob_odds_erase_whole_parts():
    mouth = {"mouth": (0.5, 0.75, 0.1)}
    whole = [face_part_mask(128, np.random.default_rng(i), mouth, blob=1.0) for i in range(40)]
    strokes = [face_part_mask(128, np.random.default_rng(i), mouth, blob=0.0) for i in range(40)]
    smallest_blob = np.pi * (0.8 * 12.8) * (0.5 * 12.8)   # the ellipse's least axes, in pixels
    for mask in whole:  # a filled ellipse over the mouth, strokes or not
        _, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        assert stats[1:, cv2.CC_STAT_AREA].max() >= 0.9 * smallest_blob
    assert np.mean([m.sum() for m in whole]) > 1.3 * np.mean([m.sum() for m in strokes])
    sampler = MaskSampler(128, None, odds=(0, 1, 0), part_blob=1.0)
    assert sampler(np.random.default_rng(0), mouth).sum() >= 0.9 * smallest_blob


def test_masks_are_deterministic_per_generator():
    sampler = MaskSampler(128)
    a = sampler(np.random.default_rng(7))
    assert np.array_equal(a, sampler(np.random.default_rng(7)))
    assert not np.array_equal(a, sampler(np.random.default_rng(8)))
    assert a.dtype == np.float32


def write_quarter_masks(folder: Path, count: int = 4) -> None:
    folder.mkdir()
    for i in range(count):
        mask = np.zeros((512, 512), np.uint8)
        mask[:256, :256] = 255  # hole ratio exactly 1/4, in a corner
        cv2.imwrite(str(folder / f"{i:05d}.png"), mask)


def test_folder_masks_are_resized_rotated_and_keep_their_ratio(tmp_path):
    write_quarter_masks(tmp_path / "masks")
    sampler = MaskSampler(128, tmp_path / "masks", odds=(0, 0, 1))
    rng = np.random.default_rng(0)
    corners = set()
    for _ in range(40):
        mask = sampler(rng)
        assert mask.shape == (128, 128) and mask.mean() == 0.25
        corners.add((mask[0, 0], mask[0, -1], mask[-1, 0], mask[-1, -1]))
    assert len(corners) == 4  # flips/rotations put the hole in every corner


def test_mask_kinds_follow_the_odds(tmp_path):
    write_quarter_masks(tmp_path / "masks")
    sampler = MaskSampler(128, tmp_path / "masks", odds=(1, 1, 2))
    r = ratios(sampler, n=400, seed=3)
    assert 0.4 < (r == 0.25).mean() < 0.6


def test_folder_odds_are_ignored_without_a_folder():
    sampler = MaskSampler(64, None, odds=(1, 0, 5))
    assert sampler.probabilities.tolist() == [1.0, 0.0, 0.0]
    with pytest.raises(ScfeganError):
        MaskSampler(64, None, odds=(0, 0, 1))


def test_mask_folder_errors(tmp_path):
    with pytest.raises(ScfeganError, match="not found"):
        MaskSampler(64, tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScfeganError, match="no mask images"):
        MaskSampler(64, tmp_path / "empty")


def test_an_empty_mask_file_still_yields_a_hole(tmp_path):
    (tmp_path / "m").mkdir()
    cv2.imwrite(str(tmp_path / "m" / "blank.png"), np.zeros((512, 512), np.uint8))
    mask = MaskSampler(128, tmp_path / "m", odds=(0, 0, 1))(np.random.default_rng(0))
    assert mask.sum() > 0


@pytest.mark.skipif(not IRREGULAR.is_dir(), reason="shared irregular masks not present")
def test_real_irregular_masks_hole_ratios():
    sampler = MaskSampler(128, IRREGULAR, odds=(0, 0, 1))
    r = ratios(sampler, n=60, seed=4)
    assert r.min() > 0.003 and r.max() < 0.65 and 0.15 < r.mean() < 0.5
