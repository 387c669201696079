"""Choosing where the generator runs: CUDA, then MPS, then CPU."""
from __future__ import annotations

import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def available_devices() -> list[str]:
    """The devices this machine can run on, best first."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        found.append("mps")
    return found + ["cpu"]


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' → the best available device; a named device must be available."""
    from .errors import ScfeganError

    name = (name or "auto").lower()
    if name not in DEVICE_CHOICES:
        raise ScfeganError(f"unknown device '{name}' (choose from {', '.join(DEVICE_CHOICES)})")
    if name == "auto":
        return torch.device(available_devices()[0])
    if name not in available_devices():
        raise ScfeganError(f"device '{name}' is not available on this machine "
                           f"(available: {', '.join(available_devices())})")
    return torch.device(name)
