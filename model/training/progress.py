"""A one-line training progress report on stderr, at most every few seconds.

On a terminal the line is rewritten in place; otherwise (logs, CI) each report is
its own line. Images per second count only time spent training, not validating.
"""
from __future__ import annotations

import sys
import time


def format_duration(seconds: float) -> str:
    """'1h02m', '4m05s' or '12s'."""
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


class Progress:
    """Rate-limited progress line: step, bar, losses, images/s, time left."""

    def __init__(self, total_steps: int, first_step: int, images_per_step: int,
                 every_seconds: float = 10.0, stream=None, clock=time.monotonic):
        self.total, self.every = total_steps, every_seconds
        self.images_per_step = images_per_step
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_print = clock()
        self._busy = 0.0          # training seconds since the last report
        self._images = 0
        self._rate = 0.0
        self._step = first_step
        self._open_line = False

    def add(self, step: int, images: int, seconds: float) -> None:
        """Record a finished step: `images` trained in `seconds`."""
        self._step, self._images, self._busy = step, self._images + images, self._busy + seconds

    @property
    def rate(self) -> float:
        """Images per second over the last report interval."""
        return self._rate

    def maybe_report(self, losses: dict[str, float], force: bool = False) -> bool:
        """Print the line if the interval has passed (or `force`); True if printed."""
        now = self.clock()
        if not force and now - self._last_print < self.every:
            return False
        if self._busy > 0:
            self._rate = self._images / self._busy
        self._last_print, self._busy, self._images = now, 0.0, 0
        fraction = self._step / self.total if self.total else 1.0
        filled = int(round(20 * fraction))
        left = (self.total - self._step) * self.images_per_step / self._rate if self._rate else 0.0
        shown = " ".join(f"{k} {v:.4g}" for k, v in losses.items())
        line = (f"step {self._step}/{self.total} [{'#' * filled}{'.' * (20 - filled)}] {100 * fraction:5.1f}% "
                f"| {shown} | {self._rate:.1f} img/s | {format_duration(left)} left")
        if self.interactive:
            self.stream.write("\r\x1b[2K" + line)
            self._open_line = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        return True

    def message(self, text: str) -> None:
        """Print a full line (e.g. validation results) without breaking the progress line."""
        if self._open_line:
            self.stream.write("\n")
            self._open_line = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._open_line:
            self.stream.write("\n")
            self.stream.flush()
            self._open_line = False
