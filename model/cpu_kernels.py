"""oneDNN convolutions with their weights packed once, for inference on the CPU.

PyTorch's eager convolution lays the weights out again in oneDNN's blocked format on
every call. In the generator's bottleneck (4²–16² pixels at a 512 input, 4–18 MB of
weights per layer) that reorder costs several times the arithmetic, so
`prepare_cpu_inference` packs every gated layer's weights once, in the precision the
network will run at (fp32, or bf16 on CPUs with native bf16), and the layers call
oneDNN directly. The arithmetic is the same convolution: fp32 results agree with the
eager path to float rounding. Where the packed operators are missing (a PyTorch
build without oneDNN), nothing is prepared and the eager path runs; so it does on CPUs
without AVX-512, where the packed path measured slower (`packing_pays`).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .layers import LEAKY_SLOPE, GatedConv2d, GatedDeconv2d, same_padding


def packed_kernels_available() -> bool:
    """True when this PyTorch build has oneDNN's packed-weight convolution operators."""
    if not (torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled):
        return False
    try:
        ops = torch.ops.mkldnn
        for name in ("_reorder_convolution_weight", "_convolution_pointwise"):
            getattr(ops, name)
    except (AttributeError, RuntimeError):
        return False
    return True


def packing_pays() -> bool:
    """Whether packed weights run faster than the eager path on this CPU: on x86 CPUs
    with AVX-512 (a Zen 4 EPYC: full size at 512² 0.78 s fp32 against 0.93 eager, and
    bf16 packed at all). On an AVX2 EPYC oneDNN's packed path ran 2-7 times slower than
    the eager convolution (the shipped model at 128² 30 ms against 16, full size at 128²
    1.39 s against 0.19, at 512² 3.03 s against 1.07), and on other CPUs (Apple's, ARM)
    it was never measured: the eager path runs there."""
    return torch.backends.cpu.get_cpu_capability().startswith("AVX512")


class PackedConv:
    """tf 'SAME' conv2d (any stride, dilation) with weights packed for oneDNN.

    oneDNN takes symmetric padding only; TF's extra bottom/right row of a stride-2
    layer is added to the input explicitly.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None, stride: int,
                 dilation: int, dtype: torch.dtype, activation: str = "none", scalars=()):
        self.kernel = weight.shape[-1]
        self.stride, self.dilation, self.dtype = stride, dilation, dtype
        self.activation, self.scalars = activation, list(scalars)  # fused by oneDNN
        self.bias = None if bias is None else bias.detach().to(dtype)
        self.weight = self._pack(weight, dilation)
        # With a dilation at least the feature map's side every off-centre tap reads
        # padding, so the layer is exactly its centre tap: a 1×1 conv, 9× less work.
        self.centre = (self._pack(weight[:, :, self.kernel // 2: self.kernel // 2 + 1,
                                         self.kernel // 2: self.kernel // 2 + 1], 1)
                       if dilation > 1 and stride == 1 else None)

    def _pack(self, weight: torch.Tensor, dilation: int) -> torch.Tensor:
        k = weight.shape[-1]
        pad = (k - 1) * dilation // 2
        dense = weight.detach().to(self.dtype).contiguous(memory_format=torch.channels_last)
        return torch.ops.mkldnn._reorder_convolution_weight(
            dense, [pad, pad], [self.stride] * 2, [dilation] * 2, 1, None)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.run(*self.prepare(x))

    def prepare(self, x: torch.Tensor) -> tuple[torch.Tensor, int, int]:
        """(input in this conv's dtype with TF's extra bottom/right row added, symmetric
        padding top, left): computed once when two convs read the same input."""
        x = x.to(self.dtype)
        h, w = x.shape[-2:]
        if self.centre is not None and self.dilation >= h and self.dilation >= w:
            return x, -1, -1  # centre tap only
        top, bottom = same_padding(h, self.kernel, self.stride, self.dilation)
        left, right = same_padding(w, self.kernel, self.stride, self.dilation)
        if bottom != top or right != left:
            x = F.pad(x, (0, right - left, 0, bottom - top))
        return x, top, left

    def run(self, x: torch.Tensor, top: int, left: int) -> torch.Tensor:
        if top < 0:
            return torch.ops.mkldnn._convolution_pointwise(
                x, self.centre, self.bias, [0, 0], [1, 1], [1, 1], 1, self.activation, self.scalars, "")
        return torch.ops.mkldnn._convolution_pointwise(
            x, self.weight, self.bias, [top, left], [self.stride] * 2, [self.dilation] * 2,
            1, self.activation, self.scalars, "")


class PackedGatedConv:
    """GatedConv2d's convolution as two packed convs: the feature half (with the
    leaky ReLU fused when no LRN comes between) and the gate half with its sigmoid
    fused. Returns (feature, sigmoid(gate)), each contiguous, which also makes the
    LRN that follows cheaper than on a strided half of one output."""

    def __init__(self, layer: GatedConv2d, dtype: torch.dtype):
        w, b, n = layer.conv.weight, layer.conv.bias, layer.out_ch
        self.activation_fused = layer.activation and not layer.use_lrn
        leaky = ("leaky_relu", [LEAKY_SLOPE]) if self.activation_fused else ("none", [])
        self.feature = PackedConv(w[:n], None if b is None else b[:n], layer.stride, layer.dilation,
                                  dtype, *leaky)
        self.gate = PackedConv(w[n:], None if b is None else b[n:], layer.stride, layer.dilation,
                               dtype, "sigmoid")

    def __call__(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        prepared = self.feature.prepare(x)
        return self.feature.run(*prepared), self.gate.run(*prepared)


def deconv_phase_weights(weight: torch.Tensor) -> dict[tuple[int, int], torch.Tensor]:
    """The 5×5 stride-2 transposed conv of `deconv_same` split by output pixel phase:
    {(a, b): conv weight} such that output pixel (2m+a, 2n+b) is that phase's 'padding
    1' correlation at (m, n). weight: [in, out, 5, 5] → [out, in, 2|3, 2|3].

    Output row 2m+a of the transposed conv (padding 1) adds input row m+t−1 times
    kernel row 3+a−2t, for the t that keep the kernel row inside 0..4: t = 0, 1 for
    even rows (2 taps), t = 0, 1, 2 for odd rows (3 taps); likewise for columns. All
    25 taps, none wasted; an even phase's conv yields one extra row/column at the end.
    """
    if weight.shape[-1] != 5:
        raise ValueError(f"phase form is for 5×5 deconvolutions, got {tuple(weight.shape[-2:])}")
    rows = {0: [3, 1], 1: [4, 2, 0]}  # kernel row for t = 0, 1(, 2)
    return {(a, b): weight[:, :, rows[a]][:, :, :, rows[b]].transpose(0, 1)
            for a in (0, 1) for b in (0, 1)}


def polyphase_deconv_weight(weight: torch.Tensor) -> torch.Tensor:
    """All four phases of `deconv_phase_weights` as one 3×3 'padding 1' conv with 4×
    the output channels (ordered for pixel_shuffle(2)), the missing taps zero:
    [in, out, 5, 5] → [out·4, in, 3, 3]. 44 % more arithmetic, but one wide conv
    instead of four very narrow ones when the layer has few output channels."""
    cin, cout = weight.shape[:2]
    full = weight.new_zeros(cout, 2, 2, cin, 3, 3)
    for (a, b), w in deconv_phase_weights(weight).items():
        full[:, a, b, :, : w.shape[2], : w.shape[3]] = w  # even phases: taps t = 0, 1
    return full.reshape(cout * 4, cin, 3, 3)


# Below this many output channels a deconvolution runs as one polyphase conv.
NARROW_DECONV_CHANNELS = 16


class PackedGatedDeconv:
    """GatedDeconv2d's leaky-ReLU transposed conv as four packed convs, one per output
    pixel phase (leaky ReLU fused in oneDNN), interleaved into a channels-last map;
    for a narrow layer, one polyphase conv and a pixel shuffle.

    oneDNN's own transposed convolution writes a (2H+1)² map that TF's crop then
    slices, and the strided slice slows every later layer; the phases do exactly the
    transposed conv's arithmetic and land on 2H × 2W, channels-last.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None, dtype: torch.dtype):
        self.dtype, self.out_ch = dtype, weight.shape[1]
        self.bias = None if bias is None else bias.detach().to(dtype)
        pack = lambda w: torch.ops.mkldnn._reorder_convolution_weight(  # noqa: E731
            w.detach().to(dtype).contiguous(memory_format=torch.channels_last), [1, 1], [1, 1], [1, 1], 1, None)
        self.narrow = self.out_ch < NARROW_DECONV_CHANNELS
        if self.narrow:
            self.polyphase = pack(polyphase_deconv_weight(weight))
            self.polyphase_bias = None if bias is None else self.bias.repeat_interleave(4)
        else:
            self.phases = {phase: pack(w) for phase, w in deconv_phase_weights(weight).items()}

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(self.dtype)
        if self.narrow:
            y = torch.ops.mkldnn._convolution_pointwise(
                x, self.polyphase, self.polyphase_bias, [1, 1], [1, 1], [1, 1], 1,
                "leaky_relu", [LEAKY_SLOPE], "")
            return F.pixel_shuffle(y, 2)
        n, _, h, w = x.shape
        out = torch.empty(n, self.out_ch, 2 * h, 2 * w, dtype=self.dtype,
                          memory_format=torch.channels_last)
        for (a, b), packed in self.phases.items():
            y = torch.ops.mkldnn._convolution_pointwise(
                x, packed, self.bias, [1, 1], [1, 1], [1, 1], 1, "leaky_relu", [LEAKY_SLOPE], "")
            out[:, :, a::2, b::2] = y[:, :, :h, :w]
        return out


def prepare_cpu_inference(net: torch.nn.Module, dtype: torch.dtype = torch.float32) -> bool:
    """Pack the weights of every gated layer of a CPU generator for inference at
    `dtype`; returns False (and changes nothing) where packed kernels are unavailable.

    Call again after loading new weights or changing the dtype; `release_cpu_inference`
    returns the layers to the eager path (e.g. before training).
    """
    if not packed_kernels_available():
        return False
    layers = [m for m in net.modules() if isinstance(m, (GatedConv2d, GatedDeconv2d))]
    if any(p.device.type != "cpu" for m in layers for p in m.parameters()):
        return False
    try:
        for m in layers:
            if isinstance(m, GatedConv2d):
                m.kernel = PackedGatedConv(m, dtype)
            else:
                m.kernel = PackedGatedDeconv(m.deconv.weight, m.deconv.bias, dtype)
    except RuntimeError:  # e.g. a oneDNN build without this dtype: the eager path still works
        release_cpu_inference(net)
        return False
    return True


def release_cpu_inference(net: torch.nn.Module) -> None:
    """Drop packed weights; the layers use their parameters directly again."""
    for m in net.modules():
        if isinstance(m, (GatedConv2d, GatedDeconv2d)):
            m.kernel = None
