"""Shared fixtures: the reference data beside the project, and small weights files."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHARED = Path(__file__).resolve().parents[2] / "shared"
REFERENCE = SHARED / "reference"
PUBLIC = REFERENCE / "public"


def require(path: Path) -> Path:
    """Skip the test when shared reference data is not beside the project."""
    if not path.exists():
        pytest.skip(f"reference data not found: {path}")
    return path


@pytest.fixture(scope="session")
def public_fixture() -> Path:
    return require(PUBLIC)


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory) -> Path:
    """A random-weight width-4 generator at native size 128, RGB, as our weights file."""
    import torch

    from model.generator import Generator
    from model.weights import WeightsInfo, save_weights

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    save_weights(path, Generator(4).state_dict(),
                 WeightsInfo(cnum=4, native_size=128, channel_order="RGB",
                             provenance="random test weights", licence="test"))
    return path


@pytest.fixture(scope="session")
def grey_generator():
    """Stands in for the generator in edit_photo: fills every hole flat grey."""
    import torch

    from model.weights import WeightsInfo

    class Flat(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(1))
            self.info = WeightsInfo(native_size=128, cnum=4, channel_order="RGB", provenance="test")

        def forward(self, x):
            return torch.zeros(x.shape[0], 3, x.shape[2], x.shape[3]) + self.weight

    return Flat()
