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
# Generation sizes, estimated from the allocation counts and what each collection
# found (gc.get_objects would be exact but is not safe while workers free objects).
_middle = 0       # objects in the middle generation
_promoted = 0     # objects moved into the oldest generation since its last collection
_long_lived = 0   # objects the oldest generation kept at its last collection


def _collect() -> None:
    global _middle, _promoted, _long_lived
    counts, thresholds = gc.get_count(), gc.get_threshold()
    if counts[0] <= thresholds[0]:
        return
    if counts[1] <= thresholds[1]:
        _middle += max(counts[0] - gc.collect(0), 0)
    elif counts[2] > thresholds[2] and _promoted > _long_lived // 4:
        # CPython's own rule: a full collection (every object: 100-300 ms of GUI time
        # with torch loaded) only once the oldest generation has grown by a quarter.
        _long_lived = max(_long_lived + _promoted + _middle + counts[0] - gc.collect(2), 0)
        _middle = _promoted = 0
    else:
        _promoted += max(_middle + counts[0] - gc.collect(1), 0)
        _middle = 0


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
