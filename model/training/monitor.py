"""TensorBoard output of a run (scalars and image grids), if TensorBoard is installed.

Without it the run says so once and goes on; nothing else depends on it.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import torch


class Monitor:
    """Writes TensorBoard event files under `log_dir`, or nothing if unavailable/disabled."""

    def __init__(self, log_dir: str | Path | None):
        self.writer = None
        if log_dir is None:
            return
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            warnings.warn("TensorBoard is not installed (pip install tensorboard): "
                          "no loss curves or image grids will be written")
            return
        self.writer = SummaryWriter(str(log_dir))

    def scalars(self, step: int, values: dict[str, float], prefix: str = "") -> None:
        if self.writer is not None:
            for name, value in values.items():
                self.writer.add_scalar(f"{prefix}{name}", value, step)

    def image(self, step: int, tag: str, grid: torch.Tensor) -> None:
        """Log a 3×H×W image in [0, 1]."""
        if self.writer is not None:
            self.writer.add_image(tag, grid.clamp(0, 1), step)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def sample_grid(image: torch.Tensor, mask: torch.Tensor, sketch: torch.Tensor, colour: torch.Tensor,
                output: torch.Tensor, rows: int = 4) -> torch.Tensor:
    """3×(rows·S)×(5·S) grid, one sample per row: photo | mask | sketch | colour | output.

    Images and colour in [-1, 1]; the colour column shows grey where none was given;
    the sketch column draws lines black on white.
    """
    n = min(rows, image.shape[0])
    to01 = lambda t: ((t[:n].detach().float().cpu()) + 1) / 2  # noqa: E731
    m = mask[:n].detach().float().cpu()
    given = (colour[:n].detach().cpu() > -1).any(1, keepdim=True).float() * m
    colour_view = to01(colour) * given + 0.5 * (1 - given)
    sketch_view = 1 - (sketch[:n].detach().float().cpu() * m)
    columns = [to01(image), m.expand(-1, 3, -1, -1), sketch_view.expand(-1, 3, -1, -1),
               colour_view, to01(output)]
    rows_ = [torch.cat([c[i] for c in columns], dim=2) for i in range(n)]
    return torch.cat(rows_, dim=1)
