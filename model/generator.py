"""The SC-FEGAN generator: a gated-convolution U-net (Jo & Park, ICCV 2019).

Input: 9 channels [image·(1−mask), sketch, colour, mask, noise], NCHW, side a
multiple of 128. Output: 3 channels through tanh, same channel order as the image.
"""
from __future__ import annotations

import torch
from torch import nn

from .layers import GatedConv2d, GatedDeconv2d

INPUT_CHANNELS = 9
SIZE_MULTIPLE = 128

# (name, in, out, kernel) of the seven stride-2 encoder stages, widths in units of cnum.
ENCODER = [("gconv1_ds", None, 1, 7), ("gconv2_ds", 1, 2, 5), ("gconv3_ds", 2, 4, 5),
           ("gconv4_ds", 4, 8, 3), ("gconv5_ds", 8, 8, 3), ("gconv6_ds", 8, 8, 3),
           ("gconv7_ds", 8, 8, 3)]
DILATED = [("co_conv1_dlt", 2), ("co_conv2_dlt", 4), ("co_conv3_dlt", 8), ("co_conv4_dlt", 16)]
# (deconv name, in, out, gconv name consuming [skip, deconv]), widths in cnum units.
DECODER = [("deconv1", 8, 8, "gconv8"), ("deconv2", 8, 8, "gconv9"),
           ("deconv3", 8, 8, "gconv10"), ("deconv4", 8, 4, "gconv11"),
           ("deconv5", 4, 2, "gconv12"), ("deconv6", 2, 1, "gconv13")]


class Generator(nn.Module):
    """SC-FEGAN generator of width `cnum` (64 in the paper)."""

    def __init__(self, cnum: int = 64):
        super().__init__()
        self.cnum = cnum
        for name, cin, cout, k in ENCODER:
            in_ch = INPUT_CHANNELS if cin is None else cin * cnum
            use_lrn = name != "gconv1_ds"
            self.add_module(name, GatedConv2d(in_ch, cout * cnum, k, stride=2, use_lrn=use_lrn))
        for name, rate in DILATED:
            self.add_module(name, GatedConv2d(8 * cnum, 8 * cnum, 3, dilation=rate))
        for dname, cin, cout, gname in DECODER:
            self.add_module(dname, GatedDeconv2d(cin * cnum, cout * cnum))
            self.add_module(gname, GatedConv2d(2 * cout * cnum, cout * cnum, 3))
        self.deconv7 = GatedDeconv2d(cnum, 3)
        self.gconv14 = GatedConv2d(INPUT_CHANNELS + 3, 3, 3, use_lrn=False, activation=False)

    def forward(self, x: torch.Tensor, intermediates: dict | None = None) -> torch.Tensor:
        """Raw tanh output for the packed 9-channel input.

        If `intermediates` is a dict, every gate layer's output is stored in it by its
        TF name (gconv14 before tanh), for debugging a port layer by layer.
        """
        def keep(name, value):
            if intermediates is not None:
                intermediates[name] = value
            return value

        h, w = x.shape[-2:]
        if h % SIZE_MULTIPLE or w % SIZE_MULTIPLE:
            raise ValueError(f"generator input must be a multiple of {SIZE_MULTIPLE} pixels, got {w}x{h}")
        skips = []
        y = x
        for name, *_ in ENCODER:
            y = keep(name, getattr(self, name)(y))
            skips.append(y)
        for name, _ in DILATED:
            y = keep(name, getattr(self, name)(y))
        # Decoder stage i joins the encoder output two levels above the bottleneck
        # first: deconv1 meets gconv6_ds, ..., deconv6 meets gconv1_ds.
        for i, (dname, _, _, gname) in enumerate(DECODER):
            up = keep(dname, getattr(self, dname)(y))
            y = keep(gname, getattr(self, gname)(torch.cat([skips[-2 - i], up], dim=1)))
        up = keep("deconv7", self.deconv7(y))
        y = keep("gconv14", self.gconv14(torch.cat([x.to(up.dtype), up], dim=1)))
        return torch.tanh(y.float())
