"""A real 2-process DistributedDataParallel run (gloo, CPU) started by torchrun."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist

from model.generator import Generator
from model.training.checkpoint import checkpoint_path, load_checkpoint
from model.training.config import TrainConfig
from model.training.discriminator import PatchDiscriminator
from model.training.loop import train
from model.training.synthetic import write_synthetic_faces

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(), reason="no gloo backend")
def test_two_gloo_processes_train_like_one_with_the_same_total_batch(tmp_path):
    faces = tmp_path / "faces"
    write_synthetic_faces(faces, 8, seed=6)
    options = ["--steps", "3", "--size", "128", "--cnum", "4", "--d-cnum", "4", "--d-layers", "3",
               "--device", "cpu", "--workers", "0", "--val-percent", "0", "--threads", "1",
               "--progress-seconds", "0", "--log-every", "1", "--perceptual", "0", "--style", "0"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "model.training.cli", "train", "lite", "--data", str(faces), "--out", str(tmp_path / "ddp"),
               "--batch-size", "1", *options]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-4000:]
    # Rank 0 alone reports and logs.
    assert proc.stdout.count("trained ") == 1
    assert proc.stderr.count("step 3/3") == 1 and "2 process(es)" in proc.stderr

    # One process with batch 2 sees the same two photos per step as the two ranks
    # together; DDP's averaged gradients make the updates the same up to rounding.
    overrides = dict(data=str(faces), steps=3, size=128, cnum=4, d_cnum=4, d_layers=3, device="cpu",
                     workers=0, val_percent=0.0, threads=1, batch_size=2, progress_seconds=0.0,
                     perceptual=0.0, style=0.0)
    train(tmp_path / "one", TrainConfig(), overrides, stream=io.StringIO())
    both = load_checkpoint(checkpoint_path(tmp_path / "ddp"))
    one = load_checkpoint(checkpoint_path(tmp_path / "one"))
    assert both["step"] == one["step"] == 3
    torch.manual_seed(0)  # the run's seed: rebuild the initial weights
    initial = {"generator": Generator(4).state_dict(), "discriminator": PatchDiscriminator(4, 3).state_dict()}
    for net in ("generator", "discriminator"):
        moved = 0.0
        for name, value in one[net].items():
            assert torch.allclose(both[net][name], value, atol=2e-5, rtol=1e-4), (net, name)
            if name.endswith(("weight", "original")):
                moved = max(moved, float((value - initial[net][name]).abs().max()))
        assert moved > 2e-4  # three Adam steps of 1e-4: far beyond the tolerance
