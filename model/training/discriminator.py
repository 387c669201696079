"""SN-PatchGAN discriminator (Yu et al., DeepFill v2), as SC-FEGAN uses it.

A stack of spectral-normalised 5×5 stride-2 convolutions with leaky ReLU between
them; every element of the last feature map is one patch score. It sees the
image together with the guides the generator got: mask, sketch and colour.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

INPUT_CHANNELS = 3 + 1 + 1 + 3  # image, mask, sketch, colour
LEAKY_SLOPE = 0.2


def layer_widths(cnum: int, layers: int) -> list[int]:
    """Output channels of each layer: cnum, 2·cnum, then 4·cnum (DeepFill v2's plan)."""
    return [cnum * min(4, 2 ** i) for i in range(layers)]


class PatchDiscriminator(nn.Module):
    """SN-PatchGAN of width `cnum` with `layers` stride-2 convolutions."""

    def __init__(self, cnum: int = 64, layers: int = 6):
        super().__init__()
        convs = []
        channels = INPUT_CHANNELS
        for width in layer_widths(cnum, layers):
            convs.append(spectral_norm(nn.Conv2d(channels, width, 5, stride=2, padding=2)))
            channels = width
        self.convs = nn.ModuleList(convs)

    def forward(self, image: torch.Tensor, mask: torch.Tensor, sketch: torch.Tensor,
                colour: torch.Tensor, features: bool = False):
        """Patch scores N×C×h×w; the last layer is linear (scores may be any sign).
        With `features`, (scores, [activations of the hidden layers]) instead."""
        x = torch.cat([image, mask, sketch, colour], dim=1)
        hidden = []
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i < len(self.convs) - 1:
                x = nn.functional.leaky_relu(x, LEAKY_SLOPE)
                hidden.append(x)
        return (x, hidden) if features else x
