"""The packed oneDNN CPU path computes the same network as the plain port, and bf16
stays visually identical to fp32 on real photos."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from model.cpu_kernels import (PackedConv, PackedGatedDeconv, packed_kernels_available,
                               deconv_phase_weights, polyphase_deconv_weight,
                               prepare_cpu_inference)
from model.editor import EditLayers, edit_photo
from model.generator import Generator
from model.imageio import load_photo
from model.inference import load_generator, running, set_precision
from model.layers import LEAKY_SLOPE, conv_same, deconv_same
from model.metrics import hole_psnr
from model.paths import default_weights_path, project_root

needs_packed = pytest.mark.skipif(not packed_kernels_available(),
                                  reason="this PyTorch build has no oneDNN packed convolutions")


@pytest.mark.parametrize("shape", [(4, 4), (6, 10), (1, 3)])
def test_phase_form_is_the_tf_deconvolution(shape):
    torch.manual_seed(1)
    weight, x = torch.randn(7, 5, 5, 5), torch.randn(2, 7, *shape)
    h, w = shape
    y = torch.empty(2, 5, 2 * h, 2 * w)
    for (a, b), phase in deconv_phase_weights(weight).items():
        y[:, :, a::2, b::2] = F.conv2d(x, phase, padding=1)[:, :, :h, :w]
    torch.testing.assert_close(y, deconv_same(x, weight), rtol=1e-5, atol=1e-5)
    polyphase = F.pixel_shuffle(F.conv2d(x, polyphase_deconv_weight(weight), padding=1), 2)
    torch.testing.assert_close(polyphase, deconv_same(x, weight), rtol=1e-5, atol=1e-5)


@needs_packed
@pytest.mark.parametrize("stride,dilation,shape", [
    (1, 1, (8, 8)), (2, 1, (8, 8)), (2, 1, (9, 7)), (1, 2, (6, 6)),
    (1, 4, (4, 4)),  # dilation ≥ side: the centre-tap shortcut
    (1, 16, (4, 6)), (1, 4, (8, 3))])
def test_packed_conv_is_tf_same_conv(stride, dilation, shape):
    torch.manual_seed(2)
    weight, bias, x = torch.randn(6, 5, 3, 3), torch.randn(6), torch.randn(2, 5, *shape)
    with torch.inference_mode():
        packed = PackedConv(weight, bias, stride, dilation, torch.float32)(x)
    torch.testing.assert_close(packed, conv_same(x, weight, bias, stride, dilation), rtol=1e-5, atol=1e-5)


@needs_packed
@pytest.mark.parametrize("out_ch", [4, 20], ids=["narrow-polyphase", "four-phases"])
def test_packed_deconv_is_leaky_tf_deconvolution(out_ch):
    torch.manual_seed(3)
    weight, bias = torch.randn(8, out_ch, 5, 5), torch.randn(out_ch)
    x = torch.randn(1, 8, 5, 7).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        packed = PackedGatedDeconv(weight, bias, torch.float32)(x)
    expected = F.leaky_relu(deconv_same(x, weight, bias), LEAKY_SLOPE)
    assert packed.shape == expected.shape == (1, out_ch, 10, 14)
    torch.testing.assert_close(packed, expected, rtol=1e-5, atol=1e-5)


@needs_packed
def test_loaded_generator_runs_packed_and_matches_the_plain_port(tiny_weights, monkeypatch):
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    net = load_generator(tiny_weights, precision="fp32")
    assert net.packed
    plain = Generator(4).eval()
    plain.load_state_dict(net.state_dict())
    x = torch.rand(2, 9, 256, 128) * 2 - 1
    with torch.inference_mode():
        torch.testing.assert_close(net(x.contiguous(memory_format=torch.channels_last)), plain(x),
                                   rtol=0, atol=1e-5)


@needs_packed
def test_autograd_uses_the_parameters_not_the_packed_copies():
    torch.manual_seed(4)
    net = Generator(4)
    assert prepare_cpu_inference(net)
    x = torch.rand(1, 9, 128, 128)
    out = net(x)
    out.square().mean().backward()
    assert net.gconv1_ds.conv.weight.grad.abs().sum() > 0 and net.deconv7.deconv.weight.grad.abs().sum() > 0
    with torch.no_grad():
        torch.testing.assert_close(net(x), out.detach(), rtol=0, atol=1e-5)


@pytest.mark.parametrize("capability", ["AVX2", "DEFAULT", "SVE256"])
def test_cpus_without_avx512_run_the_eager_path(tiny_weights, monkeypatch, capability):
    """There oneDNN's packed path measured slower (an AVX2 EPYC: 2-7 times) or was never
    measured; the eager path computes the same network."""
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
    net = load_generator(tiny_weights, precision="fp32")
    assert not net.packed and all(m.kernel is None for m in net.modules() if hasattr(m, "kernel"))
    plain = Generator(4).eval()
    plain.load_state_dict(net.state_dict())
    x = torch.rand(1, 9, 128, 128) * 2 - 1
    with torch.inference_mode():
        torch.testing.assert_close(net(x.contiguous(memory_format=torch.channels_last)), plain(x),
                                   rtol=0, atol=1e-5)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512_BF16")  # moved to such a CPU
    assert set_precision(net, "fp32").packed == packed_kernels_available()


@pytest.mark.parametrize("capability", ["AVX512", "AVX2"])
def test_set_precision_repacks_and_bf16_stays_close(tiny_weights, monkeypatch, capability):
    """bf16 from packed weights where packing pays, else from autocast (as the editor runs it)."""
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
    net = load_generator(tiny_weights, precision="fp32")
    x = (torch.rand(1, 9, 128, 128) * 2 - 1).contiguous(memory_format=torch.channels_last)
    with running(net):
        exact = net(x)
    set_precision(net, "bf16")
    with running(net):
        fast = net(x)
    assert fast.dtype == torch.float32
    assert 0 < (fast - exact).abs().max() < 0.05


def test_bf16_is_within_40_db_of_fp32_on_real_photos():
    """Issue #7's quality guard: the shipped model at bf16 vs fp32 on the bundled photos."""
    weights = default_weights_path()
    if weights is None:
        pytest.skip("no shipped weights")
    net = load_generator(weights, precision="fp32")
    for name in ("portrait.jpg", "grace_hopper.jpg"):
        pixels = load_photo(project_root() / "resources" / "samples" / name).pixels
        h, w = pixels.shape[:2]
        mask = np.zeros((h, w), bool)
        mask[h * 2 // 5: h * 3 // 4, w // 3: w * 2 // 3] = True  # nose, mouth and chin
        set_precision(net, "fp32")
        exact = edit_photo(net, pixels, EditLayers(mask), seed=0)
        set_precision(net, "bf16")
        fast = edit_photo(net, pixels, EditLayers(mask), seed=0)
        assert not np.array_equal(exact, fast), "bf16 did not run"
        assert hole_psnr(exact, fast, mask) >= 40.0, name
