"""Face photo dataset, split, crops, guide cache, sampler (model/training/dataset.py, sampler.py)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

import model.training.dataset as dataset_module
from model.errors import ScfeganError
from model.training.dataset import (FaceDataset, GuideOptions, collate, cut_square, face_box,
                                    is_validation, list_photos, split_photos)
from model.training.masks import MaskSampler
from model.training.sampler import ResumableSampler
from model.training.synthetic import write_synthetic_faces

CELEBA = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces-celeba-aligned"


@pytest.fixture
def photos(tmp_path) -> list[Path]:
    return write_synthetic_faces(tmp_path / "faces", 6, seed=1)


def make_dataset(photos, cache=None, guides=GuideOptions(), size=128, **kw) -> FaceDataset:
    return FaceDataset(photos, size, MaskSampler(size), seed=5, cache_dir=cache, guides=guides, **kw)


def test_split_is_stable_disjoint_and_by_name(tmp_path):
    write_synthetic_faces(tmp_path / "a", 60)
    train, val = split_photos(tmp_path / "a", 20.0)
    assert len(train) + len(val) == 60 and not set(train) & set(val)
    assert 3 <= len(val) <= 25
    assert all(is_validation(p.name, 20.0) for p in val)
    # The rule depends on the name only: a copy elsewhere splits the same way.
    write_synthetic_faces(tmp_path / "b", 60)
    assert [p.name for p in split_photos(tmp_path / "b", 20.0)[1]] == [p.name for p in val]
    assert split_photos(tmp_path / "a", 0.0)[1] == []


def test_photo_listing_errors(tmp_path):
    with pytest.raises(ScfeganError, match="not found"):
        list_photos(tmp_path / "none")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScfeganError, match="no photos"):
        list_photos(tmp_path / "empty")


def test_sample_tensors_are_ready_for_pack_input(photos):
    sample = make_dataset(photos)[(0, 0)]
    size = 128
    assert sample["image"].shape == (3, size, size) and sample["colour"].shape == (3, size, size)
    for key in ("mask", "sketch", "noise"):
        assert sample[key].shape == (1, size, size) and set(sample[key].unique().tolist()) <= {0.0, 1.0}
    assert sample["image"].min() >= -1 and sample["image"].max() <= 1
    hole = sample["mask"][0] > 0
    assert hole.any()
    # Guides live in the hole only; the colour is −1 (not given) everywhere else.
    assert not sample["sketch"][0][~hole].any()
    assert (sample["colour"][:, ~hole] == -1).all()
    assert 0 <= float(sample["mix"]) < 1


def test_full_guides_give_the_photos_colour_map_in_the_hole(photos):
    data = make_dataset(photos, guides=GuideOptions(0.0, 0.0, 0.0))
    sample = data[0]
    face, sketch, colour = data.prepared(0)
    hole = sample["mask"][0].numpy() > 0
    expected = torch.from_numpy(colour.astype(np.float32) / 127.5 - 1).permute(2, 0, 1)
    assert torch.allclose(sample["colour"][:, torch.from_numpy(hole)], expected[:, torch.from_numpy(hole)])
    assert np.array_equal(sample["sketch"][0].numpy() > 0, sketch & hole)


def test_guide_dropout_odds(photos):
    data = make_dataset(photos, guides=GuideOptions(1.0, 1.0, 0.0))
    sample = data[(1, 3)]
    assert not sample["sketch"].any() and (sample["colour"] == -1).all()


def test_samples_depend_only_on_their_key(photos):
    a, b = make_dataset(photos), make_dataset(photos)
    for key in [(2, 0), (2, 1), 3]:
        sa, sb = a[key], b[key]
        assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not torch.equal(a[(2, 0)]["mask"], a[(2, 1)]["mask"])


def test_flip_mirrors_photo_and_guides_together(photos):
    data = make_dataset(photos, guides=GuideOptions(0.0, 0.0, 0.0))
    plain = data[0]["image"]
    flips = [torch.equal(data[(0, draw)]["image"], plain.flip(-1)) for draw in range(12)]
    same = [torch.equal(data[(0, draw)]["image"], plain) for draw in range(12)]
    assert any(flips) and any(same) and all(f or s for f, s in zip(flips, same))
    unflipped = make_dataset(photos, flip=False)
    assert all(torch.equal(unflipped[(0, d)]["image"], plain) for d in range(6))


def test_guides_are_cached_on_disk(photos, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = make_dataset(photos, cache)[(1, 0)]
    assert len(list(cache.rglob("*.npz"))) == 1

    def fail(*_):
        raise AssertionError("guides recomputed despite the cache")

    monkeypatch.setattr(dataset_module, "extract_sketch", fail)
    monkeypatch.setattr(dataset_module, "extract_colour_map", fail)
    again = make_dataset(photos, cache)[(1, 0)]
    assert all(torch.equal(first[k], again[k]) for k in first)
    # The data folder copied afresh (new times, same bytes) keeps its cache.
    os.utime(photos[1], (1_000_000_000, 1_000_000_000))
    make_dataset(photos, cache)[(1, 0)]


def test_a_changed_photo_is_traced_again(photos, tmp_path):
    photo = tmp_path / "photo.png"
    shutil.copy(photos[1], photo)
    cache = tmp_path / "cache"
    first = make_dataset([photo], cache)[(0, 0)]
    times = photo.stat()
    cv2.imwrite(str(photo), 255 - cv2.imread(str(photo)))
    os.utime(photo, ns=(times.st_atime_ns, times.st_mtime_ns))  # even with its old time
    again = make_dataset([photo], cache)[(0, 0)]
    assert len(list(cache.rglob("*.npz"))) == 2
    assert not torch.equal(first["image"], again["image"])


def test_crop_rules():
    celeba = np.zeros((218, 178, 3), np.uint8)
    assert face_box(celeba, "auto") == (0, 20, 178)
    assert face_box(np.zeros((300, 400, 3), np.uint8), "centre") == (50, 0, 300)


def test_face_crop_frames_the_detected_face(monkeypatch):
    monkeypatch.setattr(dataset_module, "detect_faces", lambda image: [(100, 50, 80, 100)])
    x, y, side = face_box(np.zeros((480, 640, 3), np.uint8), "auto")
    assert side == round(100 * (1 + dataset_module.FACE_CROP_MARGIN)) and (x + side // 2, y + side // 2) == (140, 100)
    monkeypatch.setattr(dataset_module, "detect_faces", lambda image: [])
    assert face_box(np.zeros((480, 640, 3), np.uint8), "face") == (80, 0, 480)


def test_cut_square_pads_past_the_edges():
    image = np.arange(16, dtype=np.uint8).reshape(4, 4, 1).repeat(3, 2)
    square = cut_square(image, (-2, -2, 8), 8)
    assert square.shape == (8, 8, 3) and square[0, 0, 0] == image[0, 0, 0] and square[7, 7, 0] == image[3, 3, 0]


def test_unreadable_photos_are_skipped_with_a_warning(photos, tmp_path):
    bad = tmp_path / "faces" / "broken.jpg"
    bad.write_bytes(b"not a jpeg")
    data = make_dataset([bad] + photos)
    with pytest.warns(UserWarning, match="unreadable"):
        sample = data[(0, 0)]
    assert sample["image"].shape == (3, 128, 128)


def test_sampler_resumes_mid_epoch_and_splits_between_processes(photos):
    data = make_dataset(photos)
    whole = ResumableSampler(data, seed=3)
    whole.set_position(2, 0)
    order = list(whole)
    assert sorted(i for i, _ in order) == list(range(6)) and {e for _, e in order} == {2}
    whole.set_position(2, 4)
    assert list(whole) == order[4:] and len(whole) == 2
    halves = [ResumableSampler(data, num_replicas=2, rank=r, seed=3) for r in (0, 1)]
    for h in halves:
        h.set_position(2, 0)
    assert [x for pair in zip(*halves) for x in pair] == order


def test_collate_stacks(photos):
    data = make_dataset(photos)
    batch = collate([data[(0, 0)], data[(1, 0)]])
    assert batch["image"].shape == (2, 3, 128, 128) and batch["mix"].shape == (2,)


@pytest.mark.skipif(not CELEBA.is_dir(), reason="shared CelebA sample not present")
def test_celeba_photos_are_centre_cropped():
    paths = sorted(CELEBA.glob("*.jpg"))[:2]
    data = make_dataset(paths)
    face, sketch, colour = data.prepared(0)
    photo = cv2.cvtColor(cv2.imread(str(paths[0])), cv2.COLOR_BGR2RGB)
    expected = cv2.resize(photo[20:198], (128, 128), interpolation=cv2.INTER_AREA)
    assert np.array_equal(face, expected) and sketch.any()
