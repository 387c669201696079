"""The PyTorch generator reproduces the original TF graph (fixtures from shared/reference)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from model.convert import tf_to_state_dict
from model.cpu_kernels import packed_kernels_available, prepare_cpu_inference
from model.generator import Generator
from model.layers import conv_same, deconv_same, tf_lrn
from tests.conftest import REFERENCE, require
from tests.reference_vars import regenerate_variables

ATOL = 1e-5


def nchw(a):
    return torch.from_numpy(np.ascontiguousarray(np.asarray(a, np.float32).transpose(0, 3, 1, 2)))


def nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def fixture_generator(fixture_dir, path="eager"):
    state, cnum = tf_to_state_dict(regenerate_variables(fixture_dir))
    net = Generator(cnum)
    net.load_state_dict(state)
    if path == "packed":
        if not packed_kernels_available():
            pytest.skip("this PyTorch build has no oneDNN packed convolutions")
        assert prepare_cpu_inference(net, torch.float32)
    return net.eval()


# The app's CPU inference path (oneDNN, packed weights, polyphase deconvolutions) must
# reproduce the TF graph as exactly as the plain port does.
PATHS = pytest.mark.parametrize("path", ["eager", "packed"])


def fixture_input(fixture_dir):
    inp = np.load(fixture_dir / "inputs.npz")
    image, sketch, color, mask, noise = (inp[k] for k in ("image", "sketch", "color", "mask", "noise"))
    return nchw(np.concatenate([image * (1 - mask), sketch, color, mask, noise], axis=3))


@PATHS
def test_public_fixture_raw_output_and_every_intermediate(public_fixture, path):
    net = fixture_generator(public_fixture, path)
    inters = {}
    with torch.no_grad():
        raw = net(fixture_input(public_fixture), inters)
    expected = np.load(public_fixture / "intermediates.npz")
    order = [str(k) for k in expected["_order"]]
    assert set(order) <= set(inters), "a gate layer has no intermediate"
    for name in order:
        np.testing.assert_allclose(nhwc(inters[name]), expected[name], rtol=0, atol=ATOL, err_msg=name)
    np.testing.assert_allclose(nhwc(raw), np.load(public_fixture / "outputs.npz")["raw"], rtol=0, atol=ATOL)


@PATHS
def test_composite_matches_demo_output(public_fixture, path):
    net = fixture_generator(public_fixture, path)
    inp = np.load(public_fixture / "inputs.npz")
    with torch.no_grad():
        raw = nhwc(net(fixture_input(public_fixture)))
    mask = inp["mask"]
    composite = raw * mask + inp["image"] * (1 - mask)
    np.testing.assert_allclose(composite, np.load(public_fixture / "outputs.npz")["composite"], rtol=0, atol=ATOL)


OPS = REFERENCE / "ops" / "ops_golden.npz"


def op_cases(prefix):
    if not OPS.exists():
        return []
    keys = {k.split("/")[0] for k in np.load(OPS).files}
    return sorted(k for k in keys if k.startswith(prefix))


@pytest.mark.parametrize("case", op_cases("conv_") + op_cases("dilconv_"))
def test_conv_same_matches_tf(case):
    g = np.load(require(OPS))
    stride = 2 if case.startswith("conv_") else 1
    rate = int(case.split("_r")[1].split("_")[0]) if case.startswith("dilconv") else 1
    weight = torch.from_numpy(g[f"{case}/kernel"]).permute(3, 2, 0, 1)
    y = conv_same(nchw(g[f"{case}/x"]), weight, torch.from_numpy(g[f"{case}/bias"]), stride, rate)
    np.testing.assert_allclose(nhwc(y), g[f"{case}/y"], rtol=0, atol=ATOL)


@pytest.mark.parametrize("case", op_cases("deconv_"))
def test_deconv_same_matches_tf(case):
    g = np.load(require(OPS))
    weight = torch.from_numpy(g[f"{case}/w"]).permute(3, 2, 0, 1)
    y = deconv_same(nchw(g[f"{case}/x"]), weight)
    np.testing.assert_allclose(nhwc(y), g[f"{case}/y"], rtol=0, atol=ATOL)


@pytest.mark.parametrize("case", op_cases("lrn_"))
def test_lrn_matches_tf(case):
    g = np.load(require(OPS))
    np.testing.assert_allclose(nhwc(tf_lrn(nchw(g[f"{case}/x"]))), g[f"{case}/y"], rtol=0, atol=ATOL)


# Autograd on: the banded matmul; inference on wide layers: shifted adds.
LRN_MODES = pytest.mark.parametrize("grad", [True, False], ids=["autograd", "inference"])


@LRN_MODES
@pytest.mark.parametrize("channels", [70, 200])
def test_lrn_matches_window_sum_definition_on_many_channels(grad, channels):
    torch.manual_seed(0)
    x = torch.randn(2, channels, 3, 5) * 3
    sq = x.square()
    window = torch.stack([sq[:, max(0, c - 5):c + 6].sum(1) for c in range(channels)], dim=1)
    expected = x / (5e-5 + window).sqrt()
    with torch.set_grad_enabled(grad):
        torch.testing.assert_close(tf_lrn(x), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size", [128, 256])
def test_output_shape_and_range_for_multiples_of_128(size):
    net = Generator(4).eval()
    with torch.no_grad():
        y = net(torch.randn(2, 9, size, size))
    assert y.shape == (2, 3, size, size)
    assert y.abs().max() <= 1


def test_non_multiple_of_128_is_refused():
    with pytest.raises(ValueError, match="multiple of 128"):
        Generator(4)(torch.zeros(1, 9, 100, 128))


def test_every_layer_matters(public_fixture):
    """Guard against a port that silently skips a layer: zeroing any weight changes the output."""
    net = fixture_generator(public_fixture)
    x = fixture_input(public_fixture)
    with torch.no_grad():
        base = net(x)
        for name, module in net.named_children():
            weight = next(module.parameters())
            saved = weight.clone()
            weight.zero_()
            assert (net(x) - base).abs().mean() > 1e-4, name
            weight.copy_(saved)


@LRN_MODES
def test_lrn_exact_when_channel_magnitudes_differ_widely(grad):
    """Small channels beside large ones (a cumulative-sum shortcut fails this)."""
    torch.manual_seed(1)
    x = torch.randn(1, 512, 6, 6)
    x[:, :256] *= 50
    x[:, 300:310] *= 1e-3
    reference = torch.nn.LocalResponseNorm(11, alpha=11.0, beta=0.5, k=5e-5)(x.double())
    with torch.set_grad_enabled(grad):
        assert (tf_lrn(x).double() - reference).abs().max() < 1e-6
