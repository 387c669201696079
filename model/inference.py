"""Loading a generator from a weights file, ready to run on a device."""
from __future__ import annotations

import os
import warnings

import torch

from .device import autocast, resolve_device, resolve_precision
from .errors import WeightsError
from .generator import Generator
from .weights import WeightsInfo, read_weights


class LoadedGenerator(Generator):
    """A Generator that knows the conventions of the weights it was loaded from."""

    info: WeightsInfo
    precision: str = "fp32"  # what the editor runs it at: fp32, bf16 or fp16 (autocast)


def load_generator(path: str | os.PathLike, device: str | torch.device = "cpu",
                   precision: str = "fp32", warmup: bool = False) -> LoadedGenerator:
    """Load our weights file into an eval-mode generator on `device` ("auto" allowed).

    `forward(x)` takes the 9-channel NCHW input in the checkpoint's own convention
    (`info.channel_order`, values in [-1, 1]) and returns the raw tanh output, in
    float32. `precision` ("auto", "fp32", "bf16", "fp16") is what the editor API runs it
    at; `warmup` runs one pass at the native size so the first edit is not slow.
    """
    state, info = read_weights(path)
    net = LoadedGenerator(info.cnum)
    try:
        result = net.load_state_dict(state, strict=False)
    except RuntimeError as e:  # shape mismatch
        detail = " ".join(str(e).split())[:300]
        raise WeightsError(f"{path}: tensors do not fit an SC-FEGAN generator of width {info.cnum} ({detail})") from None
    if result.missing_keys or result.unexpected_keys:
        parts = []
        if result.missing_keys:
            parts.append("missing " + ", ".join(result.missing_keys[:5]))
        if result.unexpected_keys:
            parts.append("unexpected " + ", ".join(result.unexpected_keys[:5]))
        raise WeightsError(f"{path}: tensors do not match an SC-FEGAN generator of width {info.cnum} ({'; '.join(parts)})")
    net.info = info
    net.eval().requires_grad_(False)
    dev = device if isinstance(device, torch.device) else resolve_device(device)
    net = move_to(net, dev)
    dev = generator_device(net)
    net.precision = resolve_precision(precision, dev)
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True  # crops are always the native size
    if warmup:
        size = info.native_size
        with torch.inference_mode(), autocast(dev, net.precision):
            net(torch.zeros(1, 9, size, size, device=dev).contiguous(memory_format=torch.channels_last))
    return net


def move_to(net: LoadedGenerator, device: torch.device) -> LoadedGenerator:
    """Move the generator; on a device failure fall back to CPU with a warning."""
    try:
        return net.to(device, memory_format=torch.channels_last)
    except RuntimeError as e:
        if device.type == "cpu":
            raise
        warnings.warn(f"could not use {device.type} ({str(e).splitlines()[0]}); running on the CPU instead")
        net.precision = resolve_precision("auto", torch.device("cpu")) if net.precision != "fp32" else "fp32"
        return net.to("cpu", memory_format=torch.channels_last)


def generator_device(net: torch.nn.Module) -> torch.device:
    """The device the generator's weights live on."""
    return next(net.parameters()).device
