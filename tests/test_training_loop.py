"""Training runs end to end: learning, resume equivalence, logs, export, CLI (model/training/loop.py)."""
from __future__ import annotations

import copy
import io
import json

import cv2
import numpy as np
import pytest
import torch

from model.errors import ScfeganError
from model.generator import Generator
from model.inference import load_generator
from model.packing import pack_input
from model.training.checkpoint import checkpoint_path, load_checkpoint
from model.training.cli import main as cli_main
from model.training.config import TrainConfig
from model.training.dataset import collate
from model.metrics import hole_l1, hole_psnr, sharpness_ratio
from model.training.evaluation import generator_scores, score_images, telea_scores
from model.training.export import CELEBA_LICENCE, OTHER_LICENCE, export_run
from model.training.loop import Trainer, looks_like_celeba, train
from model.training.synthetic import write_synthetic_faces


def tiny(data, **changes) -> dict:
    """Overrides for a run that takes well under a second per step on a CPU."""
    options = dict(data=str(data), size=128, cnum=4, d_cnum=4, d_layers=3, batch_size=2, workers=0,
                   steps=4, val_percent=0.0, log_every=1, image_every=1000, val_every=1000,
                   checkpoint_every=1000, threads=2, progress_seconds=0.0,
                   perceptual=0.0, style=0.0)  # no VGG here: leave its terms out rather than warn
    options.update(changes)
    return options


@pytest.fixture(scope="module")
def faces(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faces")
    write_synthetic_faces(folder, 8, seed=4)
    return folder


def test_tiny_overfit_lowers_the_losses(tmp_path):
    write_synthetic_faces(tmp_path / "four", 4, seed=2)
    trainer = Trainer(tmp_path / "run", TrainConfig(), tiny(tmp_path / "four", batch_size=4, steps=30, lr_g=3e-3,
                                                           lr_d=3e-3, ema_decay=0.0), stream=io.StringIO())
    fixed = [collate([trainer.dataset[i] for i in range(4)])]  # fixed masks: the validation draw
    before = generator_scores(trainer.generator, fixed, torch.device("cpu"), guided=True)
    result = trainer.run()
    after = generator_scores(trainer.generator, fixed, torch.device("cpu"), guided=True)
    g = np.array([h["g_total"] for h in result.history])
    assert g[-5:].mean() < 0.6 * g[:5].mean()
    assert after.hole_l1 < 0.8 * before.hole_l1 and after.psnr > before.psnr


def state_equal(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(state_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(state_equal(x, y) for x, y in zip(a, b))
    return a == b


def test_resumed_run_continues_the_same_trajectory(faces, tmp_path):
    # 8 photos at batch 2 = 4 steps per epoch: the split at step 3 is mid-epoch and
    # the run crosses into the next epoch after it.
    straight = train(tmp_path / "a", TrainConfig(), tiny(faces, steps=6), stream=io.StringIO())
    first = train(tmp_path / "b", TrainConfig(), tiny(faces, steps=3), stream=io.StringIO())
    # Resume with a data-loading worker: samples are keyed, so workers cannot change them.
    second = train(tmp_path / "b", None, {"steps": 6, "workers": 1}, resume=True, stream=io.StringIO())
    assert straight.history == first.history + second.history
    a, b = load_checkpoint(checkpoint_path(tmp_path / "a")), load_checkpoint(checkpoint_path(tmp_path / "b"))
    assert (a["step"], a["epoch"], a["position"]) == (b["step"], b["epoch"], b["position"]) == (6, 1, 4)
    for key in ("generator", "discriminator", "ema", "opt_g", "opt_d"):
        assert state_equal(a[key], b[key]), key


def test_run_refuses_to_clobber_or_to_resume_nothing(faces, tmp_path):
    with pytest.raises(ScfeganError, match="nothing to resume"):
        train(tmp_path / "r", None, {}, resume=True)
    train(tmp_path / "r", TrainConfig(), tiny(faces, steps=1), stream=io.StringIO())
    with pytest.raises(ScfeganError, match="already holds a run"):
        train(tmp_path / "r", TrainConfig(), tiny(faces, steps=2))
    with pytest.raises(ScfeganError, match="cannot change when resuming"):
        train(tmp_path / "r", None, {"cnum": 8}, resume=True)
    with pytest.raises(ScfeganError, match="training photos"):
        train(tmp_path / "s", TrainConfig(), tiny(faces, batch_size=64))


def test_validation_logging_and_export(faces, tmp_path):
    stream = io.StringIO()
    result = train(tmp_path / "run", TrainConfig(), tiny(faces, steps=3, val_percent=40.0, val_every=3,
                                                         image_every=2), stream=stream)
    text = stream.getvalue()
    assert "img/s" in text and "step 3/3" in text and "validation at step 3" in text
    v = result.validation
    assert v["images"] >= 1 and 0 < v["hole_l1"] < 1 and v["psnr"] > 5
    assert {"blind_hole_l1", "blind_psnr", "telea_hole_l1", "telea_psnr"} <= set(v)
    pytest.importorskip("tensorboard")
    assert list((tmp_path / "run" / "tb").glob("events.out.tfevents.*"))

    weights = tmp_path / "w.safetensors"
    info = export_run(tmp_path / "run", weights)
    assert info.licence == OTHER_LICENCE and info.extra["steps"] == "3"
    assert json.loads(info.extra["config"])["cnum"] == 4
    net = load_generator(weights)
    assert (net.info.cnum, net.info.native_size, net.info.channel_order) == (4, 128, "RGB")
    # The exported network is the run's weight average.
    ckpt = load_checkpoint(checkpoint_path(tmp_path / "run"))
    assert all(torch.equal(net.state_dict()[k], v) for k, v in ckpt["ema"].items())
    assert not all(torch.equal(ckpt["generator"][k], v) for k, v in ckpt["ema"].items())


def test_celeba_runs_carry_the_non_commercial_licence(tmp_path):
    write_synthetic_faces(tmp_path / "celeba-aligned", 4)
    train(tmp_path / "run", TrainConfig(), tiny(tmp_path / "celeba-aligned", steps=1), stream=io.StringIO())
    assert export_run(tmp_path / "run", tmp_path / "w.safetensors").licence == CELEBA_LICENCE
    assert looks_like_celeba("faces", ["000001.jpg", "000002.jpg"]) and not looks_like_celeba("faces", ["a.jpg"])


def test_cli_train_and_export(faces, tmp_path, capsys):
    run = tmp_path / "run"
    args = ["train", "lite", "--data", str(faces), "--out", str(run), "--steps", "2", "--batch-size", "2",
            "--size", "128", "--cnum", "4", "--d-cnum", "4", "--device", "cpu", "--workers", "0",
            "--val-percent", "0", "--progress-seconds", "0", "--perceptual", "0", "--style", "0"]
    assert cli_main(args) == 0
    assert cli_main(["export", str(run), str(tmp_path / "w.safetensors")]) == 0
    assert "wrote" in capsys.readouterr().out
    assert cli_main(args) == 2  # the run exists: a one-line user error
    assert cli_main(["export", str(tmp_path / "nothing"), str(tmp_path / "x.safetensors")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-2].startswith("error: ") and "already holds a run" in err[-2]
    assert err[-1].startswith("error: no training run")


def test_scores_average_the_shared_metrics():
    rng = np.random.default_rng(0)
    truths = rng.integers(0, 256, (3, 16, 16, 3)).astype(np.uint8)
    results = truths.copy()
    holes = np.zeros((3, 16, 16), bool)
    holes[0, :4] = holes[1, 8:] = True  # image 2 has no hole and is left out
    results[0, :4] = 0
    results[1, 8:] = np.clip(results[1, 8:].astype(int) + 10, 0, 255)
    scores = score_images(truths, results, holes)
    assert scores.images == 2
    assert scores.hole_l1 == pytest.approx(np.mean([hole_l1(truths[i], results[i], holes[i]) for i in (0, 1)]))
    assert scores.psnr == pytest.approx(np.mean([hole_psnr(truths[i], results[i], holes[i]) for i in (0, 1)]))
    assert score_images(truths, truths, holes).psnr == 100.0  # exact fills are capped, not infinite
    assert scores.sharpness == pytest.approx(np.median([sharpness_ratio(truths[i], results[i], holes[i])
                                                         for i in (0, 1)]))
    assert score_images(truths, truths, holes).sharpness == 1.0


def test_telea_baseline_scores_cv2_inpaint():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (2, 32, 32, 3)).astype(np.uint8)
    image = torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 127.5 - 1
    mask = torch.zeros(2, 1, 32, 32)
    mask[0, :, 10:20, 10:20] = 1
    mask[1, :, :5, :] = 1
    holes = mask[:, 0].numpy() > 0
    filled = np.stack([cv2.inpaint(p, h.astype(np.uint8), 3, cv2.INPAINT_TELEA) for p, h in zip(pixels, holes)])
    assert telea_scores([{"image": image, "mask": mask}]) == score_images(pixels, filled, holes)


def test_export_matches_generator_output(faces, tmp_path):
    train(tmp_path / "run", TrainConfig(), tiny(faces, steps=1), stream=io.StringIO())
    export_run(tmp_path / "run", tmp_path / "raw.safetensors", use_ema=False)
    net = load_generator(tmp_path / "raw.safetensors")
    ref = Generator(4)
    ref.load_state_dict(load_checkpoint(checkpoint_path(tmp_path / "run"))["generator"])
    x = pack_input(torch.zeros(1, 3, 128, 128), torch.ones(1, 1, 128, 128), torch.zeros(1, 1, 128, 128),
                   -torch.ones(1, 3, 128, 128), torch.zeros(1, 1, 128, 128))
    assert all(torch.equal(net.state_dict()[k], v) for k, v in ref.state_dict().items())
    with torch.no_grad():
        assert torch.allclose(net(x), ref(x), atol=1e-5)
    # Half-precision storage: half the file, float32 on loading, the same fill within rounding.
    export_run(tmp_path / "run", tmp_path / "half.safetensors", use_ema=False, half=True)
    full, half = (tmp_path / "raw.safetensors").stat().st_size, (tmp_path / "half.safetensors").stat().st_size
    assert half < 0.6 * full
    net16 = load_generator(tmp_path / "half.safetensors")
    assert all(v.dtype == torch.float32 for v in net16.state_dict().values() if v.is_floating_point())
    with torch.no_grad():
        assert torch.allclose(net16(x), ref(x), atol=1e-2) and not torch.equal(net16(x), ref(x))


def test_without_adversarial_terms_the_discriminator_is_skipped(tmp_path):
    # Nothing reads the discriminator: its step would be half the cost for nothing.
    write_synthetic_faces(tmp_path / "four", 4, seed=2)
    trainer = Trainer(tmp_path / "run", TrainConfig(), tiny(tmp_path / "four", batch_size=4, steps=20, lr_g=3e-3,
                                                           adversarial=0.0, feature_match=0.0, ema_decay=0.0),
                      stream=io.StringIO())
    before = copy.deepcopy(trainer.discriminator.state_dict())
    result = trainer.run()
    assert state_equal(trainer.discriminator.state_dict(), before)
    assert all("d_total" not in h for h in result.history)
    g = np.array([h["g_total"] for h in result.history])
    assert g[-5:].mean() < 0.8 * g[:5].mean()
