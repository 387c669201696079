"""Training config, presets and command-line flags (model/training/config.py, cli.py)."""
from __future__ import annotations

import argparse
import json

import pytest

from model.errors import ScfeganError
from model.generator import Generator
from model.training.cli import register
from model.training.config import FIELDS, TrainConfig, load_config, preset_names

LITE_LIMIT_BYTES = 50_000_000


def test_presets():
    assert {"lite", "paper"} <= set(preset_names())
    paper = load_config("paper").validate()
    assert (paper.size, paper.cnum, paper.d_cnum) == (512, 64, 64)
    assert (paper.perceptual, paper.adversarial, paper.style, paper.tv, paper.gp, paper.drift) == (
        0.05, 0.001, 120.0, 0.1, 10.0, 0.001)
    lite = load_config("lite").validate()
    assert lite.size == 128 and load_config(None) == lite


def test_lite_generator_fits_the_size_budget():
    cnum = load_config("lite").cnum
    params = sum(p.numel() for p in Generator(cnum).parameters())
    assert params * 4 <= LITE_LIMIT_BYTES


def test_toml_with_base_and_overrides(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('base = "lite"\n[model]\ncnum = 12\n[optim]\nlr_g = 2e-4\nsteps = 5\n')
    cfg = load_config(str(path))
    assert (cfg.cnum, cfg.lr_g, cfg.steps, cfg.size) == (12, 2e-4, 5, 128)


@pytest.mark.parametrize("text, message", [
    ("[model]\nwidth = 3\n", "unknown option 'width'"),
    ("[optim]\ncnum = 3\n", "belongs in \\[model\\]"),
    ("[model]\ncnum = 'big'\n", "must be int"),
    ("[nope]\nx = 1\n", "unknown table"),
    ("[model\n", "not valid TOML"),
    ('base = "mine"\n', "loop"),
])
def test_bad_config_files(tmp_path, text, message):
    path = tmp_path / "mine.toml"
    path.write_text(text.replace('"mine"', json.dumps(str(path))))
    with pytest.raises(ScfeganError, match=message):
        load_config(str(path))


def test_unknown_preset():
    with pytest.raises(ScfeganError, match="presets"):
        load_config("huge")


@pytest.mark.parametrize("change, message", [
    ({"size": 100}, "multiple of 128"), ({"batch_size": 0}, "batch-size"), ({"crop": "x"}, "crop"),
    ({"ema_decay": 1.0}, "ema-decay"), ({"mask_strokes": 0, "mask_face": 0, "mask_folder": 0}, "mask odds"),
    ({"sketch_drop": 2.0}, "sketch-drop"), ({"seed": -1}, "seed"),
])
def test_validate_names_the_bad_option(change, message):
    cfg = TrainConfig(**change)
    with pytest.raises(ScfeganError, match=message):
        cfg.validate()


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_every_option_has_a_flag_and_only_given_ones_override():
    args = parse(["train", "paper", "--data", "d", "--out", "r", "--steps", "7", "--batch-size", "3",
                  "--size", "256", "--cnum", "8", "--device", "cpu", "--resume", "--lr-g", "0.5",
                  "--no-cache", "--masks", "m", "--vgg", "v.pth", "--workers", "0"])
    given = {name: getattr(args, name) for name in FIELDS if hasattr(args, name)}
    assert given == {"data": "d", "steps": 7, "batch_size": 3, "size": 256, "cnum": 8, "device": "cpu",
                     "lr_g": 0.5, "cache": False, "masks": "m", "vgg": "v.pth", "workers": 0}
    assert args.config == "paper" and args.resume and args.out == "r"
    sub = argparse.ArgumentParser().add_subparsers()
    register(sub)
    usage = sub.choices["train"].format_help()
    assert all("--" + name.replace("_", "-") in usage for name in FIELDS)


def test_export_arguments():
    args = parse(["export", "runs/a", "w.safetensors", "--raw"])
    assert (args.run, args.dst, args.raw) == ("runs/a", "w.safetensors", True)
    with pytest.raises(SystemExit):
        parse(["train", "--data", "d"])  # --out is required
