"""Choosing where the generator runs: CUDA, then MPS, then CPU."""
from __future__ import annotations

import contextlib
import os

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


PRECISION_CHOICES = ("auto", "fp32", "bf16", "fp16")


def cpu_has_fast_bf16() -> bool:
    """True when this CPU runs bf16 convolutions natively (AVX512-BF16 or AMX)."""
    probe = getattr(torch.cpu, "_is_avx512_bf16_supported", None)
    return bool(probe and probe()) and torch.backends.mkldnn.is_available()


def resolve_precision(precision: str, device: torch.device) -> str:
    """'auto' → bf16 on CPUs with native bf16, fp16 on CUDA (bf16 where supported),
    fp32 elsewhere (MPS, older CPUs). An explicit choice is honoured when possible."""
    from .errors import ScfeganError

    precision = (precision or "auto").lower()
    if precision not in PRECISION_CHOICES:
        raise ScfeganError(f"unknown precision '{precision}' (choose from {', '.join(PRECISION_CHOICES)})")
    if precision == "auto":
        if device.type == "cuda":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        if device.type == "cpu" and cpu_has_fast_bf16():
            return "bf16"
        return "fp32"
    if precision == "fp16" and device.type == "cpu":
        return "bf16"  # CPU autocast has no fast fp16 convolutions
    return precision


def autocast(device: torch.device, precision: str):
    """Context manager running the network at `precision` (a no-op for fp32)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def interactive_thread_count(cores: int | None = None) -> int:
    """Threads for inference while a GUI is up: every core but one, so painting,
    panning and zooming never wait for the network (on 2 cores the shipped model
    still previews in tens of milliseconds on one)."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores - 1)
