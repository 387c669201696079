"""The fast inference path stays exact, precision modes resolve sensibly, FLOPs are counted right."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from model.bench import generator_gflop
from model.device import autocast, interactive_thread_count, resolve_precision
from model.errors import ScfeganError
from model.generator import Generator
from model.inference import load_generator


def test_full_size_flop_count_matches_the_known_152_gflop():
    # FLOPs scale with the area exactly, so 128² × 16 = 512².
    assert generator_gflop(Generator(64).eval(), 128) * 16 == pytest.approx(151.7, abs=0.5)


def test_channels_last_model_gives_the_same_numbers(tiny_weights):
    net = load_generator(tiny_weights)
    plain = Generator(4).eval()
    plain.load_state_dict(net.state_dict())
    x = torch.randn(2, 9, 128, 128)
    with torch.inference_mode():
        a = net(x.contiguous(memory_format=torch.channels_last))
        b = plain(x)
    torch.testing.assert_close(a, b, rtol=0, atol=1e-5)


def test_precision_resolution():
    cpu = torch.device("cpu")
    assert resolve_precision("fp32", cpu) == "fp32"
    assert resolve_precision("fp16", cpu) == "bf16"
    assert resolve_precision("auto", cpu) in ("fp32", "bf16")
    with pytest.raises(ScfeganError, match="unknown precision"):
        resolve_precision("int4", cpu)


def test_bf16_autocast_keeps_lrn_in_fp32_and_output_close(tiny_weights):
    net = load_generator(tiny_weights)
    x = torch.rand(1, 9, 128, 128) * 2 - 1
    with torch.inference_mode():
        exact = net(x)
        with autocast(torch.device("cpu"), "bf16"):
            fast = net(x).float()
    assert (fast - exact).abs().mean() < 0.05


def test_interactive_inference_leaves_the_gui_a_core():
    assert [interactive_thread_count(c) for c in (1, 2, 4, 16)] == [1, 1, 3, 15]
