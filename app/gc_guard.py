"""Python's cyclic garbage collector, run on the GUI thread only while editors are open.

Automatic collection runs in whichever thread happens to allocate, and the worker
threads allocate a lot (numpy, torch). If such a collection frees a Qt object left
in a reference cycle (a closed window, a pixmap), its C++ destructor runs off the GUI
thread and crashes. So while a window is open, automatic collection is off and a
timer on the GUI thread collects, generation by generation, as the automatic
collector would.
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QTimer

INTERVAL_MS = 500

_users = 0
_timer: QTimer | None = None
_was_enabled = True


def _collect() -> None:
    counts, thresholds = gc.get_count(), gc.get_threshold()
    if counts[0] <= thresholds[0]:
        return
    generation = 2 if counts[2] > thresholds[2] else 1 if counts[1] > thresholds[1] else 0
    gc.collect(generation)


def acquire() -> None:
    """A window opened (call on the GUI thread)."""
    global _users, _timer, _was_enabled
    _users += 1
    if _users == 1:
        _was_enabled = gc.isenabled()
        gc.disable()
        _timer = QTimer()
        _timer.setInterval(INTERVAL_MS)
        _timer.timeout.connect(_collect)
        _timer.start()


def release() -> None:
    """A window closed (its worker threads have stopped)."""
    global _users, _timer
    if _users == 0:
        return
    _users -= 1
    if _users == 0:
        _timer.stop()
        _timer = None
        gc.collect()
        if _was_enabled:
            gc.enable()
