"""Where this training process runs: device, precision, and its place in a
torchrun / DistributedDataParallel job (rank 0 alone logs and writes checkpoints).

torchrun sets WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR and MASTER_PORT; without
them the run is a single process. NCCL joins CUDA processes, gloo CPU ones.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from ..device import resolve_device
from ..errors import ScfeganError


@dataclass(frozen=True)
class Placement:
    """This process's device, mixed-precision type and rank within the job."""

    device: torch.device
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    amp_dtype: torch.dtype | None = None  # autocast dtype (CUDA only), None = fp32

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def autocast(self):
        """Autocast context for forward passes (a no-op in fp32)."""
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)


def _amp_dtype(device: torch.device, precision: str) -> torch.dtype | None:
    if precision == "fp32" or device.type != "cuda":
        if precision in ("bf16", "fp16") and device.type != "cuda":
            raise ScfeganError(f"--precision {precision} needs a CUDA device (this run is on {device.type})")
        return None
    if precision == "fp16":
        return torch.float16
    if precision == "bf16" or torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float16


def setup(device_name: str = "auto", precision: str = "auto") -> Placement:
    """Pick the device and, under torchrun, join the process group."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = resolve_device(device_name)
    if device.type == "cuda":
        if world_size > 1:
            if local_rank >= torch.cuda.device_count():
                raise ScfeganError(f"process {rank} wants GPU {local_rank} but this node has "
                                   f"{torch.cuda.device_count()}; lower --nproc_per_node")
            device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    if world_size > 1:
        if device.type == "mps":
            raise ScfeganError("distributed training does not support mps; use --device cpu or cuda")
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo", init_method="env://")
    return Placement(device, rank, local_rank, world_size, _amp_dtype(device, precision))


def teardown(placement: Placement) -> None:
    """Leave the process group (if this process joined one)."""
    if placement.distributed and dist.is_initialized():
        dist.destroy_process_group()

