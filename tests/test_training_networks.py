"""VGG-16 features and the SN-PatchGAN discriminator (model/training/vgg.py, discriminator.py)."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from model.errors import ScfeganError
from model.training.discriminator import PatchDiscriminator, layer_widths
from model.training.vgg import IMAGENET_MEAN, IMAGENET_STD, VGG16Features, load_vgg16_features

CONV_INDICES = (0, 2, 5, 7, 10, 12, 14)


def torchvision_like_state(seed: int = 0) -> dict[str, torch.Tensor]:
    """Random tensors under torchvision's vgg16 key names (features to the end + classifier)."""
    g = torch.Generator().manual_seed(seed)
    shapes = {0: (64, 3), 2: (64, 64), 5: (128, 64), 7: (128, 128), 10: (256, 128), 12: (256, 256),
              14: (256, 256), 17: (512, 256)}
    state = {}
    for i, (out_ch, in_ch) in shapes.items():
        state[f"features.{i}.weight"] = torch.randn(out_ch, in_ch, 3, 3, generator=g) * 0.05
        state[f"features.{i}.bias"] = torch.randn(out_ch, generator=g) * 0.01
    state["classifier.0.weight"] = torch.zeros(4, 4)
    return state


def test_vgg_keys_follow_torchvision_layout():
    keys = set(VGG16Features().state_dict())
    assert keys == {f"features.{i}.{p}" for i in CONV_INDICES for p in ("weight", "bias")}


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_vgg_loads_torchvision_weights_and_gives_three_pools(tmp_path, suffix):
    state = torchvision_like_state()
    path = tmp_path / f"vgg16{suffix}"
    if suffix == ".pth":
        torch.save(state, path)
    else:
        from safetensors.torch import save_file
        save_file(state, str(path))
    net = load_vgg16_features(path)
    assert torch.equal(net.features[14].weight, state["features.14.weight"])
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    pools = net(x)
    assert [tuple(p.shape) for p in pools] == [(2, 64, 32, 32), (2, 128, 16, 16), (2, 256, 8, 8)]
    # pool1 by hand: ImageNet normalisation of [0, 1] RGB, two conv+ReLU, max-pool.
    mean, std = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    y = ((x + 1) / 2 - mean) / std
    y = F.relu(F.conv2d(y, state["features.0.weight"], state["features.0.bias"], padding=1))
    y = F.relu(F.conv2d(y, state["features.2.weight"], state["features.2.bias"], padding=1))
    assert torch.allclose(pools[0], F.max_pool2d(y, 2), atol=1e-5)


def test_vgg_is_frozen_but_passes_gradients():
    net = VGG16Features()
    net.train()
    assert not net.training and not any(p.requires_grad for p in net.parameters())
    x = torch.rand(1, 3, 32, 32, requires_grad=True)
    net(x)[2].sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_vgg_file_errors(tmp_path):
    with pytest.raises(ScfeganError, match="not found"):
        load_vgg16_features(tmp_path / "none.pth")
    (tmp_path / "junk.pth").write_bytes(b"junk")
    with pytest.raises(ScfeganError, match="not a readable"):
        load_vgg16_features(tmp_path / "junk.pth")
    state = torchvision_like_state()
    del state["features.12.weight"]
    torch.save(state, tmp_path / "partial.pth")
    with pytest.raises(ScfeganError, match="lacks"):
        load_vgg16_features(tmp_path / "partial.pth")
    state = torchvision_like_state()
    state["features.5.weight"] = torch.zeros(128, 32, 3, 3)
    torch.save(state, tmp_path / "shape.pth")
    with pytest.raises(ScfeganError, match="shapes"):
        load_vgg16_features(tmp_path / "shape.pth")


def test_discriminator_shapes_and_widths():
    assert layer_widths(64, 6) == [64, 128, 256, 256, 256, 256]
    d = PatchDiscriminator(cnum=8, layers=5)
    n, s = 2, 128
    out = d(torch.zeros(n, 3, s, s), torch.zeros(n, 1, s, s), torch.zeros(n, 1, s, s), torch.zeros(n, 3, s, s))
    assert out.shape == (n, 32, s // 32, s // 32)
    assert d.convs[0].weight.shape == (8, 8, 5, 5)  # 8 input channels: image, mask, sketch, colour


def test_discriminator_layers_are_spectrally_normalised():
    torch.manual_seed(0)
    d = PatchDiscriminator(cnum=4, layers=3)
    x = [torch.randn(1, c, 32, 32) for c in (3, 1, 1, 3)]
    for _ in range(30):  # power iterations run in training-mode forwards
        d(*x)
    for conv in d.convs:
        sigma = torch.linalg.matrix_norm(conv.weight.detach().flatten(1), ord=2)
        assert sigma.item() == pytest.approx(1.0, abs=0.05)
