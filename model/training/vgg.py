"""VGG-16 feature extractor for the perceptual and style losses (no torchvision).

Only the part up to pool3 is built, laid out exactly like torchvision's
`vgg16().features` (same indices), so its state dict keys `features.0.weight` ...
`features.14.bias` load directly from a torchvision checkpoint.
"""
from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from ..errors import ScfeganError

# torchvision's VGG-16 configuration "D", cut after the third pooling layer.
LAYOUT = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M"]
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class VGG16Features(nn.Module):
    """Frozen VGG-16 trunk: RGB images in [-1, 1] → [pool1, pool2, pool3] features."""

    def __init__(self):
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for item in LAYOUT:
            if item == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(channels, item, 3, padding=1), nn.ReLU(inplace=True)]
                channels = item
        self.features = nn.Sequential(*layers)
        self.pool_indices = [i for i, m in enumerate(layers) if isinstance(m, nn.MaxPool2d)]
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "VGG16Features":
        return super().train(False)  # always in inference mode

    def forward(self, image: torch.Tensor) -> list[torch.Tensor]:
        x = ((image + 1) / 2 - self.mean) / self.std
        pools = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in self.pool_indices:
                pools.append(x)
        return pools


def _read_state_dict(path: Path) -> dict:
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    state = torch.load(str(path), map_location="cpu", weights_only=True)
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise ScfeganError(f"{path}: holds no state dict")
    return state


def load_vgg16_features(path: str | os.PathLike) -> VGG16Features:
    """A VGG16Features with weights from a torchvision-format VGG-16 state dict file."""
    path = Path(path)
    if not path.is_file():
        raise ScfeganError(f"VGG-16 weights not found: {path}")
    try:
        state = _read_state_dict(path)
    except ScfeganError:
        raise
    except Exception as e:  # torch.load / safetensors raise many types for bad files
        raise ScfeganError(f"{path}: not a readable VGG-16 state dict ({str(e).splitlines()[0][:160]})") from None
    net = VGG16Features()
    wanted = net.state_dict().keys()
    missing = [k for k in wanted if k not in state]
    if missing:
        raise ScfeganError(f"{path}: not a torchvision VGG-16 state dict (lacks {', '.join(missing[:3])})")
    try:
        net.load_state_dict({k: state[k] for k in wanted})
    except RuntimeError:
        raise ScfeganError(f"{path}: tensor shapes do not match VGG-16 (is it a different VGG?)") from None
    return net
