"""Training checkpoints: one file per run, replaced atomically.

A checkpoint holds everything a resumed run needs to continue the same trajectory:
models, EMA, optimisers, loss scalers, step, epoch and position in the epoch, the
config, and the global RNG states (the run draws its randomness from keyed
generators, so these are a safeguard rather than the mechanism).
"""
from __future__ import annotations

import io
import os
import random
from pathlib import Path

import numpy as np
import torch

from ..errors import ScfeganError
from ..weights import atomic_write_bytes

CHECKPOINT_NAME = "checkpoint.pt"


def checkpoint_path(run_dir: str | os.PathLike) -> Path:
    """Where a run keeps its checkpoint."""
    return Path(run_dir) / CHECKPOINT_NAME


def capture_rng() -> dict:
    """The global RNG states (python, numpy, torch CPU and CUDA) as plain data."""
    version, mt, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    state = {
        "python": {"version": version, "state": torch.tensor(mt, dtype=torch.int64), "gauss": gauss},
        "numpy": {"name": name, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached": float(cached)},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict) -> None:
    """Put back the RNG states from `capture_rng`."""
    py = state["python"]
    random.setstate((py["version"], tuple(int(v) for v in py["state"].tolist()), py["gauss"]))
    npy = state["numpy"]
    np.random.set_state((npy["name"], npy["keys"].numpy().astype(np.uint32), npy["pos"],
                         npy["has_gauss"], npy["cached"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path: str | os.PathLike, state: dict) -> None:
    """Write `state` with torch.save to a temporary file, then rename it over `path`."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buffer.getvalue())


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read a checkpoint (tensors on the CPU; no pickled code is run)."""
    path = Path(path)
    if not path.is_file():
        raise ScfeganError(f"no checkpoint at {path}")
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as e:  # truncated or foreign files raise many types
        raise ScfeganError(f"{path}: unreadable checkpoint ({str(e).splitlines()[0][:160]})") from None
    if not isinstance(state, dict) or "generator" not in state or "config" not in state:
        raise ScfeganError(f"{path}: not a training checkpoint of this program")
    return state
