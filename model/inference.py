"""Loading a generator from a weights file, ready to run on a device."""
from __future__ import annotations

import os
import warnings

import torch

from .device import resolve_device
from .errors import WeightsError
from .generator import Generator
from .weights import WeightsInfo, read_weights


class LoadedGenerator(Generator):
    """A Generator that knows the conventions of the weights it was loaded from."""

    info: WeightsInfo


def load_generator(path: str | os.PathLike, device: str | torch.device = "cpu") -> LoadedGenerator:
    """Load our weights file into an eval-mode generator on `device` ("auto" allowed).

    `forward(x)` takes the 9-channel NCHW input in the checkpoint's own convention
    (`info.channel_order`, values in [-1, 1]) and returns the raw tanh output.
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
    return move_to(net, dev)


def move_to(net: LoadedGenerator, device: torch.device) -> LoadedGenerator:
    """Move the generator; on a device failure fall back to CPU with a warning."""
    try:
        return net.to(device)
    except RuntimeError as e:
        if device.type == "cpu":
            raise
        warnings.warn(f"could not use {device.type} ({str(e).splitlines()[0]}); running on the CPU instead")
        return net.to("cpu")


def generator_device(net: torch.nn.Module) -> torch.device:
    """The device the generator's weights live on."""
    return next(net.parameters()).device
