"""Loading a generator from a weights file, ready to run on a device."""
from __future__ import annotations

import contextlib
import os
import warnings

import torch

from .cpu_kernels import packing_pays, prepare_cpu_inference, release_cpu_inference
from .device import autocast, resolve_device, resolve_precision
from .errors import WeightsError
from .generator import Generator
from .weights import WeightsInfo, read_weights


class LoadedGenerator(Generator):
    """A Generator that knows the conventions of the weights it was loaded from."""

    info: WeightsInfo
    precision: str = "fp32"  # what the editor runs it at: fp32, bf16 or fp16
    packed: bool = False  # CPU layers run oneDNN with weights packed at `precision`


def load_generator(path: str | os.PathLike, device: str | torch.device = "cpu",
                   precision: str = "fp32") -> LoadedGenerator:
    """Load our weights file into an eval-mode generator on `device` ("auto" allowed).

    `forward(x)` takes the 9-channel NCHW input in the checkpoint's own convention
    (`info.channel_order`, values in [-1, 1]) and returns the raw tanh output, in
    float32. `precision` ("auto", "fp32", "bf16", "fp16") is what the editor API runs it
    at (`editor.warm_up` runs it once at each size the editor uses, so that no first
    edit is slow).
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
    net.precision = resolve_precision(precision, dev)
    net = move_to(net, dev)
    dev = generator_device(net)
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True  # crops come in one or two sizes (editor.run_sizes)
    return net


def move_to(net: LoadedGenerator, device: torch.device) -> LoadedGenerator:
    """Move the generator (channels-last; on the CPU with packed weights at its
    precision); on a device failure fall back to the CPU with a warning."""
    try:
        net = net.to(device, memory_format=torch.channels_last)
    except RuntimeError as e:
        if device.type == "cpu":
            raise
        warnings.warn(f"could not use {device.type} ({str(e).splitlines()[0]}); running on the CPU instead")
        net.precision = resolve_precision("auto", torch.device("cpu")) if net.precision != "fp32" else "fp32"
        net = net.to("cpu", memory_format=torch.channels_last)
    return set_precision(net, net.precision)


def set_precision(net: torch.nn.Module, precision: str) -> torch.nn.Module:
    """Make `net` run at `precision` ("fp32", "bf16", "fp16") on its device: on a CPU
    where it pays (`packing_pays`) its gated layers get oneDNN weights packed at that
    precision."""
    net.precision = precision
    if generator_device(net).type == "cpu" and packing_pays():
        dtype = torch.bfloat16 if precision in ("bf16", "fp16") else torch.float32
        net.packed = prepare_cpu_inference(net, dtype)
    else:
        release_cpu_inference(net)
        net.packed = False
    return net


def generator_device(net: torch.nn.Module) -> torch.device:
    """The device the generator's weights live on."""
    return next(net.parameters()).device


def running(net: torch.nn.Module) -> contextlib.ExitStack:
    """Context for forward passes of `net`: no autograd, and autocast at its
    `precision` unless its packed CPU kernels already run at that precision."""
    stack = contextlib.ExitStack()
    stack.enter_context(torch.inference_mode())
    if not getattr(net, "packed", False):
        stack.enter_context(autocast(generator_device(net), getattr(net, "precision", "fp32")))
    return stack
