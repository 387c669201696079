"""Zoom-aware portrait samples, person split, rough colour, diversity and feature
matching terms, warm start and the exported zoom range (model/training/portraits.py,
losses.py, loop.py, export.py)."""
from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from model.errors import ScfeganError
from model.faces import detect_faces
from model.guides import extract_outlines, extract_sketch
from model.imageio import load_photo
from model.generator import Generator
from model.inference import load_generator
from model.training.config import TrainConfig
from model.training.dataset import FaceDataset, GuideOptions, cut_square, roughen_colour
from model.training.export import export_run
from model.training.loop import Trainer
from model.training.losses import diversity_hinge, feature_matching, fine_difference
from model.training.masks import MaskSampler
from model.training.portraits import (PortraitDataset, face_frame, parts_in_window, person_key,
                                      sample_window, split_portraits, window_outlines, window_sketch_scale)
from model.training.synthetic import write_synthetic_faces
from model.weights import WeightsInfo, read_weights, save_weights


@pytest.fixture(scope="module")
def portraits(tmp_path_factory) -> Path:
    """Synthetic 'portraits' larger than the training size, as a faces-hq-like tree."""
    root = tmp_path_factory.mktemp("hq")
    write_synthetic_faces(root / "big", 6, seed=3, shape=(400, 330))
    write_synthetic_faces(root / "small", 2, seed=4, shape=(100, 90))  # below 128: never upscaled
    return root


def test_person_split_keeps_a_persons_photos_together(tmp_path):
    write_synthetic_faces(tmp_path / "one", 1, seed=0)
    data = (tmp_path / "one" / "face0000.png").read_bytes()
    for mood, take in (("neutral_front", "03"), ("smiling_front", "08")):
        folder = tmp_path / "set" / "inst" / mood
        folder.mkdir(parents=True)
        for i in range(40):
            (folder / f"{i:03d}_{take}.png").write_bytes(data)
    tmp_path = tmp_path / "set"
    assert person_key(tmp_path / "inst" / "smiling_front" / "007_08.png", tmp_path) == "london/007"
    train, val = split_portraits(tmp_path, 30.0)
    assert val and train
    val_people = {p.stem[:3] for p in val}
    train_people = {p.stem[:3] for p in train}
    assert not val_people & train_people
    assert all(len([p for p in val if p.stem[:3] == who]) == 2 for who in val_people)


def test_windows_are_never_upscaled_and_stay_in_the_photo():
    rng = np.random.default_rng(0)
    shape = (1000, 800)
    frame = face_frame(shape, [(300, 350, 250, 250)])
    sides = []
    for _ in range(300):
        x, y, side = sample_window(shape, frame, 64, 0.25, rng)
        assert 64 <= side <= 800
        assert 0 <= x <= 800 - side and 0 <= y <= 1000 - side
        sides.append(side)
    whole = frame[2]
    # Both the whole framed face and windows near a quarter of it are drawn.
    assert max(sides) >= 0.9 * whole and min(sides) <= 0.3 * whole
    # A face too small to zoom into gives whole-face windows, at least the training size.
    small = face_frame((300, 300), [(120, 120, 60, 60)])
    assert all(sample_window((300, 300), small, 256, 0.25, rng)[2] == 256 for _ in range(20))


SAMPLE_PORTRAIT = Path(__file__).resolve().parents[1] / "resources" / "samples" / "portrait.jpg"


@pytest.mark.parametrize("zoom", [0.3, 0.5])
@pytest.mark.parametrize("part", [(0.0, 0.22), (-0.17, -0.08)], ids=["mouth", "eye"])
def test_a_zoomed_windows_sketch_has_the_faces_lines(zoom, part):
    """Users draw a lip's outline at any zoom: a window zoomed into a real face must
    be traced with the lines the whole face gets (here: within 2 network pixels of
    them, upsampled), not the finer ones (teeth, lashes) its own scale would give."""
    photo = np.ascontiguousarray(load_photo(SAMPLE_PORTRAIT).pixels)
    cx, cy, side, _ = frame = face_frame(photo.shape, detect_faces(photo)[:1])
    size = 128
    whole = (round(cx - side / 2), round(cy - side / 2), round(side))
    face_lines = extract_sketch(cut_square(photo, whole, size),
                                scale=window_sketch_scale(size, side, whole[2]))
    win = round(zoom * side)
    x0, y0 = round(cx + part[0] * side - win / 2), round(cy + part[1] * side - win / 2)
    lines = extract_sketch(cut_square(photo, (x0, y0, win), size), scale=window_sketch_scale(size, side, win))
    assert lines.sum() > 100  # the window has lines at all
    z = win / whole[2]
    to_window = np.float32([[1 / z, 0, -(x0 - whole[0]) / whole[2] * size / z],
                            [0, 1 / z, -(y0 - whole[1]) / whole[2] * size / z]])
    zoomed = cv2.warpAffine(face_lines.astype(np.uint8) * 255, to_window, (size, size)) > 60
    near = cv2.dilate(zoomed.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert near[lines].mean() >= 0.75


def test_a_zoomed_windows_outlines_are_the_whole_faces():
    """--sketch-outlines: people draw a lip's outline, not each tooth, however far they
    zoom in. A dark lip ellipse on skin, striped inside like teeth: a window zoomed onto
    it gets the ellipse's edge all the way round (one-pixel lines, as the editor gives a
    person's pen to the network) and no stripes, which tracing the window at its own
    scale would give."""
    photo = np.full((1000, 1000, 3), (200, 160, 140), np.uint8)
    frame = face_frame(photo.shape, [(250, 250, 500, 500)])
    cv2.ellipse(photo, (500, 650), (110, 45), 0, 0, 360, (110, 40, 50), -1)
    inside = np.zeros(photo.shape[:2], np.uint8)
    cv2.ellipse(inside, (500, 650), (80, 25), 0, 0, 360, 1, -1)
    stripes = ((np.arange(1000) // 4) % 2).astype(bool)[None, :] & (inside > 0)
    photo[stripes], photo[~stripes & (inside > 0)] = (170, 100, 110), (50, 0, 0)  # the lips' shade on average
    window = (380, 530, 240)
    lines = window_outlines(photo, frame, window, 128)
    assert lines.shape == (128, 128) and lines.dtype == bool
    edge = np.zeros((128, 128), np.uint8)
    cv2.ellipse(edge, (64, 64), (round(110 * 128 / 240), round(45 * 128 / 240)), 0, 0, 360, 1, 1)
    near_edge = cv2.dilate(edge, np.ones((7, 7), np.uint8)) > 0
    assert (cv2.dilate(lines.astype(np.uint8), np.ones((5, 5), np.uint8))[edge > 0] > 0).mean() > 0.9
    assert not (lines & ~near_edge).any()             # nothing across the striped middle
    assert lines.sum(axis=0)[64] == 2                  # the lips' two edges, one pixel each
    own_scale = extract_outlines(cut_square(photo, window, 128))
    assert (own_scale & ~near_edge).sum() > 100        # the window's own scale traces the stripes


def test_face_parts_follow_the_window():
    frame = face_frame((1000, 1000), [(400, 400, 200, 200)])
    cx, cy, side, _ = frame
    # A tight window centred on where the mouth lies (FACE_PARTS: 0.5, 0.75 of the frame).
    mx, my = cx, cy + 0.25 * side
    window = (int(mx - 60), int(my - 60), 120)
    parts = parts_in_window(frame, window)
    assert "mouth" in parts and "left_eye" not in parts
    u, v, r = parts["mouth"]
    assert abs(u - 0.5) < 0.02 and abs(v - 0.5) < 0.02 and r > 0.2


def test_portrait_samples_are_real_resolution_windows(portraits, tmp_path):
    photos = sorted(portraits.rglob("*.png"))
    ds = PortraitDataset(photos, 128, MaskSampler(128), seed=1, zoom_min=0.3, cache_dir=tmp_path / "c")
    sample = ds[(0, 0)]
    assert sample["image"].shape == (3, 128, 128) and sample["mask"].sum() > 0
    assert torch.all(sample["sketch"] <= sample["mask"])
    # Same key, same sample (also once the per-photo cache exists): resumable runs.
    again = ds[(0, 0)]
    assert all(torch.equal(sample[k], again[k]) for k in sample)
    assert list((tmp_path / "c" / "portraits").glob("*.npz"))
    # Photos smaller than the training size are skipped, not upscaled.
    small = [p for p in photos if p.parent.name == "small"]
    only_small = PortraitDataset(small, 128, MaskSampler(128))
    with pytest.raises(ScfeganError, match="128 px or more"):
        only_small[(0, 0)]


def test_rough_colour_is_blurred_and_shifted_but_keeps_the_hue():
    rng = np.random.default_rng(1)
    colour = np.zeros((128, 128, 3), np.uint8)
    colour[:, :64] = (200, 60, 40)
    colour[:, 64:] = (40, 80, 200)
    rough = roughen_colour(colour, rng)
    edge = rough[64, 58:70].astype(int)
    assert len({tuple(v) for v in edge}) > 4  # the sharp boundary became a ramp
    assert rough[64, 10, 0] > rough[64, 10, 2] and rough[64, 120, 2] > rough[64, 120, 0]
    assert not np.array_equal(rough[64, 10], colour[64, 10])


def test_diversity_hinge_rewards_different_fills_in_the_hole_only():
    mask = torch.zeros(2, 1, 8, 8)
    mask[:, :, 2:6, 2:6] = 1
    a = torch.zeros(2, 3, 8, 8)
    same = diversity_hinge(a, a.clone(), mask, 0.1)
    assert same == pytest.approx(0.1)
    outside = a.clone()
    outside[:, :, 0, :] = 1.0  # differs only outside the hole: no credit
    assert diversity_hinge(a, outside, mask, 0.1) == pytest.approx(0.1)
    inside = a + 0.5 * mask
    assert diversity_hinge(a, inside, mask, 0.1) == 0


def test_diversity_of_specks_alone_earns_nothing_when_pooled():
    mask = torch.ones(1, 1, 16, 16)
    a = torch.zeros(1, 3, 16, 16)
    specks = a.clone()
    specks[:, :, ::2, ::2] = 1.0
    specks[:, :, 1::2, 1::2] = -1.0  # blocks of 2×2 average to 0
    assert diversity_hinge(a, specks, mask, 0.1) == 0
    assert diversity_hinge(a, specks, mask, 0.1, pool=2) == pytest.approx(0.1)
    assert diversity_hinge(a, a + 0.5, mask, 0.1, pool=2) == 0


def test_fine_difference_penalises_specks_not_a_change_of_layout():
    mask = torch.zeros(1, 1, 32, 32)
    mask[:, :, 4:28, 4:28] = 1
    a = torch.zeros(1, 3, 32, 32)
    specks = a.clone()
    specks[:, :, ::2, ::2] = 0.5
    brighter_left = a.clone()
    brighter_left[:, :, :, :16] = 0.5  # a different layout: one side lit, not the other
    assert fine_difference(a, specks, mask, 4) > 0.1
    assert fine_difference(a, a + 0.5, mask, 4) == pytest.approx(0.0, abs=1e-6)
    assert fine_difference(a, brighter_left, mask, 4) < 0.3 * fine_difference(a, specks, mask, 4)
    outside = a.clone()
    outside[:, :, :2] = 1.0  # specks outside the hole are not counted
    assert fine_difference(a, outside, mask, 4) == pytest.approx(0.0, abs=1e-6)


def test_feature_matching_is_zero_for_equal_features_and_differentiable():
    real = [torch.randn(2, 4, 8, 8), torch.randn(2, 8, 4, 4)]
    fake = [r.clone().requires_grad_(True) for r in real]
    assert feature_matching(fake, real).item() == 0
    moved = [f + 1 for f in fake]
    loss = feature_matching(moved, real)
    loss.backward()
    assert loss.item() == pytest.approx(1.0) and fake[0].grad is not None


def tiny_zoom(data, **changes) -> dict:
    options = dict(data=str(data), sampling="zoom", zoom_min=0.3, size=128, cnum=4, d_cnum=4, d_layers=3,
                   batch_size=4, workers=0, steps=2, val_percent=0.0, log_every=1, image_every=1000,
                   val_every=1000, checkpoint_every=1000, threads=2, progress_seconds=0.0,
                   perceptual=0.0, style=0.0, feature_match=1.0, diversity=1.0, colour_rough=0.5)
    options.update(changes)
    return options


def test_zoom_run_warm_starts_trains_and_exports_its_zoom_range(portraits, tmp_path):
    start = Generator(4)
    save_weights(tmp_path / "start.safetensors", start.state_dict(),
                 WeightsInfo(cnum=4, native_size=128, channel_order="RGB"))
    trainer = Trainer(tmp_path / "run", TrainConfig(),
                      tiny_zoom(portraits, init=str(tmp_path / "start.safetensors")), stream=io.StringIO())
    for name, value in start.state_dict().items():  # started from the file, not at random
        assert torch.equal(trainer.generator.state_dict()[name], value)
    result = trainer.run()
    assert result.step == 2
    assert {"feature_match", "diversity"} <= set(result.losses)
    info = export_run(tmp_path / "run", tmp_path / "out.safetensors")
    assert json.loads(info.extra["zoom_range"]) == [0.3, 1.0]
    _, read = read_weights(tmp_path / "out.safetensors")
    assert json.loads(read.extra["zoom_range"]) == [0.3, 1.0]
    assert json.loads(read.extra["data"])["split"] == "person"
    assert load_generator(tmp_path / "out.safetensors", device="cpu").info.native_size == 128


def test_a_mixed_run_sees_every_photo_of_both_folders_and_says_so(portraits, tmp_path):
    """--mix: whole aligned faces (CelebA) beside zoomed portraits, so a zoom-aware
    fine-tune keeps what the model could do on small faces."""
    celeba = tmp_path / "faces-celeba-aligned"
    write_synthetic_faces(celeba, 12, seed=9)           # 178×218, aligned like CelebA
    trainer = Trainer(tmp_path / "run", TrainConfig(),
                      tiny_zoom(portraits, mix=str(celeba), val_percent=40.0, val_images=4), stream=io.StringIO())
    portrait_count = len(trainer.dataset.first)
    assert isinstance(trainer.dataset.first, PortraitDataset) and isinstance(trainer.dataset.second, FaceDataset)
    assert len(trainer.dataset) == portrait_count + len(trainer.dataset.second) > portrait_count
    seen = [trainer.dataset[(i, 0)]["image"] for i in range(len(trainer.dataset))]
    assert all(image.shape == (3, 128, 128) for image in seen)
    # One epoch of the shuffle covers every photo of both once.
    assert sorted(i for i, _ in trainer.sampler) == list(range(len(trainer.dataset)))
    # Validation takes photos from both folders.
    assert len(trainer.val_dataset.first) >= 1 and len(trainer.val_dataset.second) >= 1
    assert trainer.run().step == 2
    info = export_run(tmp_path / "run", tmp_path / "out.safetensors")
    assert "faces-celeba-aligned" in info.provenance and "whole faces" in info.provenance
    assert "non-commercial" in info.licence


def test_diversity_pairs_copy_unguided_samples_with_other_noise_and_keep_the_guided(portraits, tmp_path):
    trainer = Trainer(tmp_path / "run", TrainConfig(),
                      tiny_zoom(portraits, batch_size=8, sketch_drop=0.5, colour_drop=0.5), stream=io.StringIO())
    batch = next(iter(trainer._loader()))
    given = lambda b, i: bool(b["sketch"][i].any() or torch.any(b["colour"][i] != -1))  # noqa: E731
    guided_before = sum(given(batch, i) for i in range(8))
    assert 0 < guided_before < 8  # the batch drawn has both kinds
    images_before = batch["image"].clone()
    pairs = trainer._diversity_pairs(batch)
    assert 1 <= pairs <= 2 and batch["image"].shape[0] == 8 + pairs
    for key in ("image", "mask", "sketch", "colour"):
        assert torch.equal(batch[key][:pairs], batch[key][-pairs:])
    assert not torch.equal(batch["noise"][:pairs], batch["noise"][-pairs:])
    # The pairs are samples without guides; every sample of the batch is still there.
    assert not any(given(batch, i) for i in range(pairs))
    assert sum(given(batch, i) for i in range(8)) == guided_before
    assert sorted(batch["image"][:8].sum(dim=(1, 2, 3)).tolist()) == sorted(images_before.sum(dim=(1, 2, 3)).tolist())


def test_a_run_with_coarse_diversity_blocks_logs_the_fine_difference(portraits, tmp_path):
    trainer = Trainer(tmp_path / "run", TrainConfig(),
                      tiny_zoom(portraits, batch_size=8, diversity_blocks=8, diversity_smooth=1.0),
                      stream=io.StringIO())
    result = trainer.run()
    assert {"diversity", "diversity_fine"} <= set(result.losses)
    assert result.losses["diversity_fine"] >= 0
    with pytest.raises(ScfeganError, match="--diversity-blocks"):
        TrainConfig(diversity_blocks=0).validate()


def test_anchored_noise_keeps_noiseless_fills_at_the_init_models_and_says_so(portraits, tmp_path):
    """--anchor-noise: samples without noise (every pair's first half, some others) and
    guided samples are held to the --init model's fills; only unguided noisy copies are
    pushed to vary; the weights tell the editor that seed 0 is the noiseless best guess."""
    start = Generator(4)
    save_weights(tmp_path / "start.safetensors", start.state_dict(),
                 WeightsInfo(cnum=4, native_size=128, channel_order="RGB"))
    options = tiny_zoom(portraits, batch_size=8, sketch_drop=0.5, colour_drop=0.5,
                        init=str(tmp_path / "start.safetensors"), anchor_noise=5.0)
    trainer = Trainer(tmp_path / "run", TrainConfig(), options, stream=io.StringIO())
    batch = next(iter(trainer._loader()))
    pairs = trainer._diversity_pairs(batch)
    held = trainer._held_samples(batch, pairs)
    assert pairs >= 1 and held[:pairs].all() and not held[-pairs:].any()
    noisy = torch.tensor([bool(n.any()) for n in batch["noise"]])
    assert noisy[-pairs:].all() and not noisy[:pairs].any()  # the pairs' first halves lose theirs
    guided = torch.tensor([bool(s.any() or (c != -1).any()) for s, c in zip(batch["sketch"], batch["colour"])])
    assert guided.any() and not guided[:pairs].any()
    assert (held == (guided | ~noisy)).all()  # guided ones held whatever their noise
    result = trainer.run()
    assert {"anchor", "diversity"} <= set(result.losses) and result.losses["anchor"] >= 0
    for name, value in start.state_dict().items():  # the anchor stays the start model
        assert torch.equal(trainer.anchor.state_dict()[name], value)
    assert any(not torch.equal(trainer.generator.state_dict()[n], v) for n, v in start.state_dict().items())
    info = export_run(tmp_path / "run", tmp_path / "out.safetensors")
    assert info.extra["seed_zero_noise"] == "true"
    # Resumed, it holds to the same start model (read again from --init).
    resumed = Trainer(tmp_path / "run", None, {"steps": 3}, resume=True, stream=io.StringIO())
    for name, value in start.state_dict().items():
        assert torch.equal(resumed.anchor.state_dict()[name], value)
    with pytest.raises(ScfeganError, match="--init"):
        TrainConfig(anchor_noise=1.0).validate()


def test_samples_drawn_in_outlines_are_not_held_to_the_init_model(portraits, tmp_path):
    """--sketch-outlines: a share of the samples get their face's outlines as the sketch
    (inside the hole), and --anchor-noise leaves those free, since the start model
    never learnt them (held to it, they would learn its dark pencil strokes)."""
    start = Generator(4)
    save_weights(tmp_path / "start.safetensors", start.state_dict(),
                 WeightsInfo(cnum=4, native_size=128, channel_order="RGB"))
    options = tiny_zoom(portraits, batch_size=8, sketch_drop=0.0, colour_drop=1.0, sketch_outlines=0.5,
                        init=str(tmp_path / "start.safetensors"), anchor_noise=5.0)
    trainer = Trainer(tmp_path / "run", TrainConfig(), options, stream=io.StringIO())
    batch = next(iter(trainer._loader()))
    outlines = batch["outlines"].bool()
    assert outlines.any() and not outlines.all()
    assert ((batch["sketch"][:, 0] > 0) <= (batch["mask"][:, 0] > 0)).all()   # inside the hole
    held = trainer._held_samples(batch, 0)
    assert not held[outlines].any() and held[~outlines & batch["sketch"].flatten(1).any(1)].all()
    assert trainer.run().step == trainer.cfg.steps
    with pytest.raises(ScfeganError, match="--sketch-outlines"):
        TrainConfig(sketch_outlines=1.5).validate()


def test_runs_without_anchored_noise_do_not_mark_their_weights(portraits, tmp_path):
    Trainer(tmp_path / "run", TrainConfig(), tiny_zoom(portraits), stream=io.StringIO()).run()
    assert "seed_zero_noise" not in export_run(tmp_path / "run", tmp_path / "out.safetensors").extra


def test_init_of_another_width_is_refused(portraits, tmp_path):
    save_weights(tmp_path / "wide.safetensors", Generator(8).state_dict(),
                 WeightsInfo(cnum=8, native_size=128, channel_order="RGB"))
    with pytest.raises(ScfeganError, match="width 8"):
        Trainer(tmp_path / "run", TrainConfig(), tiny_zoom(portraits, init=str(tmp_path / "wide.safetensors")),
                stream=io.StringIO())


def test_zoom_options_are_checked():
    with pytest.raises(ScfeganError, match="--sampling"):
        TrainConfig(sampling="tiles").validate()
    with pytest.raises(ScfeganError, match="--zoom-min"):
        TrainConfig(zoom_min=0.0).validate()
    with pytest.raises(ScfeganError, match="colour-rough"):
        TrainConfig(colour_rough=2.0).validate()


def test_learning_rates_given_on_resume_take_effect(portraits, tmp_path):
    train_run = Trainer(tmp_path / "run", TrainConfig(), tiny_zoom(portraits, steps=1), stream=io.StringIO())
    train_run.run()
    resumed = Trainer(tmp_path / "run", None, {"steps": 2, "lr_d": 4e-4}, resume=True, stream=io.StringIO())
    assert [g["lr"] for g in resumed.opt_d.param_groups] == [4e-4]
    assert [g["lr"] for g in resumed.opt_g.param_groups] == [1e-4]
