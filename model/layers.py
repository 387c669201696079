"""Building blocks of the SC-FEGAN generator, numerically faithful to the TF original.

Facts ported from the TF graph (see shared/reference/README.txt):
TF 'SAME' padding puts the odd extra pixel at the bottom/right; tf.nn.lrn with
bias 5e-5, radius 5, alpha 1 (not divided by the window), beta 0.5; leaky ReLU 0.2.
"""
from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F
from torch import nn

LRN_BIAS = 5e-5
LRN_RADIUS = 5
LEAKY_SLOPE = 0.2


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TF 'SAME' padding (before, after) along one axis."""
    effective = (kernel - 1) * dilation + 1
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def pad_same(x: torch.Tensor, kernel: int, stride: int, dilation: int = 1) -> torch.Tensor:
    """Zero-pad an NCHW tensor the way TF's 'SAME' convolution does."""
    top, bottom = same_padding(x.shape[-2], kernel, stride, dilation)
    left, right = same_padding(x.shape[-1], kernel, stride, dilation)
    if top == bottom == left == right == 0:
        return x
    return F.pad(x, (left, right, top, bottom))


def conv_same(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
              stride: int = 1, dilation: int = 1) -> torch.Tensor:
    """tf.nn.conv2d(..., padding='SAME') for an NCHW input and [out, in, k, k] weight."""
    return F.conv2d(pad_same(x, weight.shape[-1], stride, dilation), weight, bias,
                    stride=stride, dilation=dilation)


def deconv_same(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """tf.nn.conv2d_transpose 5×5 stride 2 'SAME' (output 2H×2W); weight [in, out, k, k].

    TF's result is the full transposed conv cropped to [1 : 1 + 2H]: padding=1 drops
    the first row/column, the slice drops the extra ones at the end.
    """
    h, w = x.shape[-2:]
    return F.conv_transpose2d(x, weight, bias, stride=2, padding=1)[..., : 2 * h, : 2 * w]


@functools.lru_cache(maxsize=32)
def _lrn_band(channels: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """C×C 0/1 matrix selecting channels within LRN_RADIUS of each other."""
    # Built outside inference mode: a cached inference tensor could not be used later
    # by a training step in the same process.
    with torch.inference_mode(False):
        index = torch.arange(channels, device=device)
        return ((index[:, None] - index[None, :]).abs() <= LRN_RADIUS).to(dtype)


# From this many channels on, 2·LRN_RADIUS shifted adds beat the banded matmul.
LRN_SHIFTS_FROM_CHANNELS = 128


def tf_lrn(x: torch.Tensor) -> torch.Tensor:
    """tf.nn.lrn(x, depth_radius=5, bias=5e-5, alpha=1, beta=0.5) over NCHW channels.

    Each window sum adds exactly its 11 neighbouring squares (unlike a cumulative-sum
    difference, which loses small channels next to large ones): as one matmul with a
    banded 0/1 matrix, or, for wide layers at inference, as ten shifted adds.
    Computed in float32 at least, so half-precision inputs keep an accurate norm.
    """
    compute_dtype = torch.float32 if x.dtype in (torch.float16, torch.bfloat16) else x.dtype
    xc = x.to(compute_dtype)
    channels = x.shape[1]
    with torch.autocast(x.device.type, enabled=False):  # autocast would run the matmul in half
        squares = xc.square().permute(0, 2, 3, 1)
        if torch.is_grad_enabled() or channels < LRN_SHIFTS_FROM_CHANNELS:
            window = torch.matmul(squares, _lrn_band(channels, x.device, compute_dtype))
        else:
            window = squares.clone()
            for d in range(1, LRN_RADIUS + 1):
                window[..., d:] += squares[..., :-d]
                window[..., :-d] += squares[..., d:]
        window = window.permute(0, 3, 1, 2)
    if torch.is_grad_enabled():
        return (xc * torch.rsqrt(window + LRN_BIAS)).to(x.dtype)
    return window.add_(LRN_BIAS).rsqrt_().mul_(xc).to(x.dtype)  # inference: no new buffers


class GatedConv2d(nn.Module):
    """SC-FEGAN's gate_conv: (LRN→)leaky-ReLU feature times sigmoid gate.

    The feature and gate convolutions are stored as one convolution with twice the
    output channels (feature first, then gate) so that both run as a single kernel.
    `kernel`, when set (model.cpu_kernels), runs the two halves with packed weights and
    fused activations whenever autograd is off; with autograd on the parameters are
    used, so training is never fed stale packed copies.
    """

    kernel = None

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int = 1,
                 dilation: int = 1, use_lrn: bool = True, activation: bool = True):
        super().__init__()
        self.stride, self.dilation = stride, dilation
        self.out_ch = out_ch
        self.use_lrn, self.activation = use_lrn, activation
        self.conv = nn.Conv2d(in_ch, 2 * out_ch, kernel, stride=stride, dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kernel is not None and not torch.is_grad_enabled():
            feature, gate = self.kernel(x)  # gate through its sigmoid; both fresh tensors
            if self.use_lrn:
                feature = tf_lrn(feature)
            if self.activation and not self.kernel.activation_fused:
                feature = F.leaky_relu(feature, LEAKY_SLOPE, inplace=True)
            return feature.mul_(gate)
        y = conv_same(x, self.conv.weight, self.conv.bias, self.stride, self.dilation)
        feature, gate = y[:, : self.out_ch], y[:, self.out_ch:]
        if self.use_lrn:
            feature = tf_lrn(feature)
        if self.activation:
            feature = F.leaky_relu(feature, LEAKY_SLOPE)
        return feature * torch.sigmoid(gate)


class GatedDeconv2d(nn.Module):
    """SC-FEGAN's gate_deconv: a 5×5 stride-2 'SAME' transposed conv, then d·sigmoid(d).

    The original builds a second transposed conv for the gate but multiplies the
    feature by sigmoid of itself; the dead gate (and its `biases2`) is not built here.
    d·sigmoid(d) is SiLU. `kernel`, when set, runs the leaky-ReLU deconvolution.
    """

    kernel = None

    def __init__(self, in_ch: int, out_ch: int, kernel: int = 5):
        super().__init__()
        self.deconv = nn.ConvTranspose2d(in_ch, out_ch, kernel, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kernel is not None and not torch.is_grad_enabled():
            d = self.kernel(x)
        else:
            d = F.leaky_relu(deconv_same(x, self.deconv.weight, self.deconv.bias), LEAKY_SLOPE)
        return F.silu(d, inplace=not torch.is_grad_enabled())
