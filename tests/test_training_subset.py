"""The compact training set for a borrowed accelerator (model/training/subset.py): only
training photos, within its byte budget, portraits cropped about the face and never
scaled up."""
from __future__ import annotations

import cv2
import numpy as np

import model.training.subset as subset
from model.imageio import load_photo
from model.training.dataset import is_validation
from model.training.portraits import split_portraits
from model.training.synthetic import write_synthetic_faces


def fake_faces(photo):
    """A face box in the middle of any photo (the synthetic faces are not Haar faces)."""
    h, w = photo.shape[:2]
    return [(w // 4, h // 4, w // 2, w // 2)]


def test_a_subset_holds_training_photos_only_within_its_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(subset, "detect_faces", fake_faces)
    portraits, faces, masks = tmp_path / "hq", tmp_path / "celeba", tmp_path / "masks"
    write_synthetic_faces(portraits / "big", 30, seed=1, shape=(900, 700))
    write_synthetic_faces(portraits / "small", 6, seed=2, shape=(200, 160))
    write_synthetic_faces(faces, 60, seed=3)
    masks.mkdir()
    for i in range(40):
        cv2.imwrite(str(masks / f"{i:05d}.png"), np.random.default_rng(i).integers(0, 2, (64, 64), np.uint8) * 255)
    out = tmp_path / "subset"
    counts = subset.make_subset(out, portraits, faces, masks, budget_mb=0.6, frame=200, val_percent=20.0)
    written = {kind: sorted((out / kind).rglob("*.*")) for kind in ("portraits", "faces", "masks")}
    assert all(counts[kind] == len(written[kind]) > 0 for kind in written)
    for kind, share in subset.SHARES.items():
        assert sum(p.stat().st_size for p in written[kind]) <= 0.6e6 * share
    # No photo the evaluation holds out, by its own name.
    _, held = split_portraits(portraits, 20.0)
    held = {p.relative_to(portraits).with_suffix(".jpg").as_posix() for p in held}
    assert held and not held & {p.relative_to(out / "portraits").as_posix() for p in written["portraits"]}
    assert not any(is_validation(p.name, 20.0) for p in written["faces"])
    # Cropped about the face, scaled down to a 200-px face frame, never up.
    for path in written["portraits"]:
        h, w = load_photo(path).pixels.shape[:2]
        if "big" in path.parts:
            assert max(h, w) <= round(200 * subset.CONTEXT) + 2
        else:
            assert max(h, w) <= 200 and min(h, w) >= 100          # its own size: 200×160 photos


def test_the_command_reports_what_it_wrote(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(subset, "detect_faces", fake_faces)
    write_synthetic_faces(tmp_path / "celeba", 10, seed=3)
    assert subset.main([str(tmp_path / "out"), "--faces", str(tmp_path / "celeba"), "--budget-mb", "1"]) == 0
    assert "faces: " in capsys.readouterr().out
    assert subset.main([str(tmp_path / "out2"), "--faces", str(tmp_path / "nowhere")]) == 2
    assert "not found" in capsys.readouterr().err
