"""The `scfegan` command: convert and edit, with one-line errors and exit code 2."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from app.cli import main
from model.inference import load_generator
from tests.conftest import PUBLIC, require

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, env_weights=None):
    """Run the real console entry in a subprocess; returns (code, stdout, stderr)."""
    import os

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if env_weights is not None:
        env["SCFEGAN_WEIGHTS"] = str(env_weights)
    proc = subprocess.run([sys.executable, "-m", "app.cli", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture()
def photo_and_mask(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (150, 200, 3), dtype=np.uint8)
    photo = tmp_path / "face.png"
    Image.fromarray(pixels).save(photo)
    mask = np.zeros((150, 200), np.uint8)
    mask[40:90, 60:140] = 255
    mask_path = tmp_path / "mask.png"
    Image.fromarray(mask).save(mask_path)
    return photo, mask_path, pixels, mask > 0


def test_convert_round_trip_on_public_fixture(tmp_path):
    src = require(PUBLIC)
    dst = tmp_path / "conv.safetensors"
    assert main(["convert", str(src / "SC-FEGAN.ckpt"), str(dst)]) == 0
    net = load_generator(dst)
    assert net.info.cnum == 8 and net.info.channel_order == "BGR"
    inp = np.load(src / "inputs.npz")
    x = np.concatenate([inp["image"] * (1 - inp["mask"]), inp["sketch"], inp["color"], inp["mask"], inp["noise"]], axis=3)
    with torch.no_grad():
        raw = net(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))))
    np.testing.assert_allclose(raw.numpy().transpose(0, 2, 3, 1), np.load(src / "outputs.npz")["raw"], atol=1e-5, rtol=0)


def test_convert_accepts_folder_and_index_file(tmp_path):
    src = require(PUBLIC)
    assert main(["convert", str(src), str(tmp_path / "a.safetensors")]) == 0
    assert main(["convert", str(src / "SC-FEGAN.ckpt.index"), str(tmp_path / "b.safetensors")]) == 0
    from model.weights import read_weights

    (state_a, info_a), (state_b, info_b) = (read_weights(tmp_path / n) for n in ("a.safetensors", "b.safetensors"))
    assert info_a == info_b and state_a.keys() == state_b.keys()
    assert all(torch.equal(state_a[k], state_b[k]) for k in state_a)


def test_convert_corrupted_index_is_one_line_exit_2(tmp_path):
    src = require(PUBLIC)
    for name in ("SC-FEGAN.ckpt.index", "SC-FEGAN.ckpt.data-00000-of-00001"):
        shutil.copy(src / name, tmp_path / name)
    index = tmp_path / "SC-FEGAN.ckpt.index"
    data = bytearray(index.read_bytes())
    data[100:140] = bytes(40)
    index.write_bytes(bytes(data))
    code, out, err = run_cli("convert", tmp_path / "SC-FEGAN.ckpt", tmp_path / "out.safetensors")
    assert code == 2 and err.count("\n") == 1 and err.startswith("error:")
    assert not (tmp_path / "out.safetensors").exists()


def test_edit_keeps_size_and_outside_pixels(tmp_path, tiny_weights, photo_and_mask):
    photo, mask, pixels, mask_bool = photo_and_mask
    out = tmp_path / "out.png"
    code, _, err = run_cli("edit", photo, "--mask", mask, "--weights", tiny_weights, "-o", out)
    assert code == 0, err
    result = np.asarray(Image.open(out).convert("RGB"))
    assert result.shape == pixels.shape
    assert np.array_equal(result[~mask_bool], pixels[~mask_bool])
    assert not np.array_equal(result[mask_bool], pixels[mask_bool])


def test_edit_with_sketch_and_colour_layers(tmp_path, tiny_weights, photo_and_mask):
    photo, mask, pixels, mask_bool = photo_and_mask
    sketch = np.zeros((150, 200, 4), np.uint8)
    sketch[60, 60:140] = (255, 255, 255, 255)
    colour = np.zeros((150, 200, 4), np.uint8)
    colour[70:80, 70:100] = (250, 10, 10, 255)
    Image.fromarray(sketch, "RGBA").save(tmp_path / "s.png")
    Image.fromarray(colour, "RGBA").save(tmp_path / "c.png")
    out = tmp_path / "out.png"
    assert main(["edit", str(photo), "--mask", str(mask), "--sketch", str(tmp_path / "s.png"),
                 "--color", str(tmp_path / "c.png"), "--weights", str(tiny_weights), "-o", str(out)]) == 0
    result = np.asarray(Image.open(out).convert("RGB"))
    assert np.array_equal(result[~mask_bool], pixels[~mask_bool])


def test_edit_empty_mask_writes_photo_unchanged(tmp_path, tiny_weights, photo_and_mask, capsys):
    photo, _, pixels, _ = photo_and_mask
    Image.fromarray(np.zeros((150, 200), np.uint8)).save(tmp_path / "empty.png")
    out = tmp_path / "out.png"
    assert main(["edit", str(photo), "--mask", str(tmp_path / "empty.png"), "--weights", str(tiny_weights), "-o", str(out)]) == 0
    assert "mask is empty" in capsys.readouterr().err
    assert np.array_equal(np.asarray(Image.open(out).convert("RGB")), pixels)


def test_edit_layer_of_other_size_is_scaled_with_warning(tmp_path, tiny_weights, photo_and_mask, capsys):
    photo, _, pixels, _ = photo_and_mask
    small = np.zeros((75, 100), np.uint8)
    small[20:45, 30:70] = 255
    Image.fromarray(small).save(tmp_path / "small.png")
    out = tmp_path / "out.png"
    assert main(["edit", str(photo), "--mask", str(tmp_path / "small.png"), "--weights", str(tiny_weights), "-o", str(out)]) == 0
    assert "nearest" in capsys.readouterr().err
    result = np.asarray(Image.open(out).convert("RGB"))
    assert np.array_equal(result[:40], pixels[:40]) and not np.array_equal(result[40:90], pixels[40:90])


def test_edit_refuses_to_overwrite_photo(tmp_path, tiny_weights, photo_and_mask):
    photo, mask, _, _ = photo_and_mask
    before = photo.read_bytes()
    code, _, err = run_cli("edit", photo, "--mask", mask, "--weights", tiny_weights, "-o", photo)
    assert code == 2 and "--overwrite" in err and photo.read_bytes() == before
    code, _, err = run_cli("edit", photo, "--mask", mask, "--weights", tiny_weights, "-o", photo, "--overwrite")
    assert code == 0, err
    assert photo.read_bytes() != before


@pytest.mark.parametrize("weights_content", [b"", b"not weights at all", None])
def test_edit_bad_weights_is_one_line_exit_2(tmp_path, photo_and_mask, weights_content, tiny_weights):
    photo, mask, _, _ = photo_and_mask
    weights = tmp_path / "w.safetensors"
    if weights_content is None:  # truncated real file
        weights.write_bytes(tiny_weights.read_bytes()[:5000])
    else:
        weights.write_bytes(weights_content)
    code, out, err = run_cli("edit", photo, "--mask", mask, "--weights", weights, "-o", tmp_path / "o.png")
    assert code == 2 and err.startswith("error:") and err.count("\n") == 1, err
    assert "Traceback" not in err and not (tmp_path / "o.png").exists()


@pytest.mark.parametrize("case", ["missing photo", "garbage photo", "missing mask"])
def test_edit_bad_inputs_are_one_line_exit_2(tmp_path, tiny_weights, photo_and_mask, case):
    photo, mask, _, _ = photo_and_mask
    if case == "missing photo":
        photo = tmp_path / "nope.jpg"
    elif case == "garbage photo":
        photo = tmp_path / "garbage.jpg"
        photo.write_bytes(b"\xff\xd8garbage")
    else:
        mask = tmp_path / "nomask.png"
    code, _, err = run_cli("edit", photo, "--mask", mask, "--weights", tiny_weights, "-o", tmp_path / "o.png")
    assert code == 2 and err.startswith("error:") and err.count("\n") == 1, err


def test_help_lists_subcommands():
    code, out, _ = run_cli("--help")
    assert code == 0 and "convert" in out and "edit" in out


@pytest.mark.parametrize("argv,expected", [
    (["portrait.jpg"], ("portrait.jpg", None)),             # how a file association calls it
    (["portrait.jpg", "--weights", "w.safetensors"], ("portrait.jpg", "w.safetensors")),
    ([], (None, None)),
    (["gui", "s.scfs"], ("s.scfs", None))])
def test_a_bare_file_argument_opens_it_in_the_editor(monkeypatch, argv, expected):
    import app.main
    from app.cli import main

    opened = []
    monkeypatch.setattr(app.main, "run_gui", lambda photo, weights=None: opened.append((photo, weights)) or 0)
    assert main(argv) == 0
    assert opened == [expected]


def test_negative_seed_is_one_line_exit_2(tmp_path, tiny_weights, photo_and_mask):
    photo, mask, _, _ = photo_and_mask
    code, _, err = run_cli("edit", photo, "--mask", mask, "--weights", tiny_weights, "--seed", "-5",
                           "-o", tmp_path / "o.png")
    assert code == 2 and err.startswith("error:") and err.count("\n") == 1, err
    assert "--seed" in err and "-5" in err and not (tmp_path / "o.png").exists()


@pytest.mark.parametrize("argv,option", [
    (["edit", "p.jpg", "--mask", "m.png", "-o", "o.png", "--seed", "-1"], "--seed"),
    (["edit", "p.jpg", "--mask", "m.png", "-o", "o.png", "--seed", "99999999999"], "--seed"),
    (["edit", "p.jpg", "--mask", "m.png", "-o", "o.png", "--seed", "x"], "--seed"),
    (["edit", "p.jpg", "--mask", "m.png", "-o", "o.png", "--device", "tpu"], "--device"),
    (["edit", "p.jpg", "--mask", "m.png"], "--output"),
    (["convert", "a", "b", "--native-size", "0"], "--native-size"),
    (["convert", "a", "b", "--native-size", "300"], "--native-size"),
    (["eval", "--data", "d", "--out", "o", "--limit", "0"], "--limit"),
    (["eval", "--data", "d", "--out", "o", "--seed", "-3"], "--seed"),
    (["bench", "--repeats", "0"], "--repeats"),
    (["frobnicate", "--x"], "--x")])
def test_every_option_out_of_range_is_one_line_exit_2(capsys, argv, option):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.startswith("error:") and err.count("\n") == 1 and option in err, err
