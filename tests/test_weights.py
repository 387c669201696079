"""Our weights file: metadata round trip, and one clear error for bad files."""
from __future__ import annotations

import pytest
import torch

from model.errors import WeightsError
from model.generator import Generator
from model.inference import load_generator
from model.weights import WeightsInfo, read_weights, save_weights


def test_round_trip_keeps_tensors_and_metadata(tmp_path):
    net = Generator(4)
    info = WeightsInfo(cnum=4, native_size=256, channel_order="BGR", provenance="p", licence="l",
                       extra={"steps": "12"})
    path = tmp_path / "w.safetensors"
    save_weights(path, net.state_dict(), info)
    state, read = read_weights(path)
    assert read == info
    for k, v in net.state_dict().items():
        assert torch.equal(state[k], v)


def test_load_generator_gives_eval_module_with_info(tiny_weights):
    net = load_generator(tiny_weights, device="cpu")
    assert not net.training and net.info.cnum == 4 and net.info.native_size == 128
    with torch.no_grad():
        assert net(torch.zeros(1, 9, 128, 128)).shape == (1, 3, 128, 128)


def test_load_generator_auto_device_runs_here(tiny_weights):
    net = load_generator(tiny_weights, device="auto")
    assert next(net.parameters()).device.type in ("cpu", "cuda", "mps")


@pytest.mark.parametrize("content", [b"", b"garbage" * 10, b"\xff" * 8 + b"{}", b"PK\x03\x04" + bytes(100)])
def test_garbage_file_is_one_line_weights_error(tmp_path, content):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(WeightsError) as err:
        read_weights(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_truncated_file_is_refused(tiny_weights, tmp_path):
    data = tiny_weights.read_bytes()
    path = tmp_path / "cut.safetensors"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(WeightsError, match="corrupt or truncated"):
        read_weights(path)


def test_foreign_safetensors_file_is_refused(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "other.safetensors"
    save_file({"x": torch.zeros(3)}, str(path), metadata={"hello": "world"})
    with pytest.raises(WeightsError, match="not an SC-FEGAN Studio weights file"):
        read_weights(path)


def test_wrong_width_in_metadata_is_refused(tmp_path):
    path = tmp_path / "w.safetensors"
    save_weights(path, Generator(4).state_dict(), WeightsInfo(cnum=8, native_size=128, channel_order="RGB"))
    with pytest.raises(WeightsError, match="width 8"):
        load_generator(path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(WeightsError, match="not found"):
        read_weights(tmp_path / "nope.safetensors")


def test_failed_write_keeps_previous_file(tiny_weights, tmp_path, monkeypatch):
    path = tmp_path / "w.safetensors"
    path.write_bytes(tiny_weights.read_bytes())
    before = path.read_bytes()
    bad_state = {"a": object()}  # not a tensor: saving fails
    with pytest.raises(Exception):
        save_weights(path, bad_state, WeightsInfo(cnum=4, native_size=128, channel_order="RGB"))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["w.safetensors"]
