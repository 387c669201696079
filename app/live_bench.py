"""`scfegan bench`'s live-fill figures, measured in the real editor, headless.

The bundled 1000×1000 portrait gets an erased region; a sketch stroke is then drawn
through it with real mouse events at 120 Hz for a few seconds while live fill is on.
Reported: live fills shown per second, and the longest the GUI event loop went
without running (a 2 ms probe timer's longest gap, minus the 2 ms). Start-up garbage is
collected first; the editor's periodic full collection (app/gc_guard.py, about once a
minute of heavy allocation) can still land in a stroke and is not part of the figure
unless it does.
"""
from __future__ import annotations

import gc
import math
import os
import statistics
import tempfile
import time
from typing import Callable

PEN_MS = 8          # ~120 Hz pointer events
PROBE_MS = 2
STROKE_SECONDS = 4.0


def measure_live_fill(weights: str | None = None, seconds: float = STROKE_SECONDS,
                      log: Callable[[str], None] = lambda m: None) -> dict:
    """Live-fill figures as a dict (keys start with "live_")."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["scfegan-bench"])
    saved = os.environ.get("SCFEGAN_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="scfegan-bench-") as folder:
        os.environ["SCFEGAN_DATA_DIR"] = folder   # the user's settings and autosaves stay untouched
        try:
            return _measure(app, weights, seconds, log)
        finally:
            if saved is None:
                os.environ.pop("SCFEGAN_DATA_DIR", None)
            else:
                os.environ["SCFEGAN_DATA_DIR"] = saved


def _wait(app, condition, timeout: float) -> bool:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            return False
        app.processEvents()
        time.sleep(0.001)
    return True


def _measure(app, weights, seconds, log) -> dict:
    from PySide6.QtCore import QPointF, Qt, QTimer
    from PySide6.QtTest import QTest

    from model.imageio import load_photo
    from model.paths import default_weights_path, sample_photo_path

    from .main_window import MainWindow

    path = weights or default_weights_path()
    if path is None:
        return {"live_fills_per_s": None, "live_stall_max_ms": None}
    log("live fill: editor with the 1000×1000 portrait, a sketch stroke at 120 Hz")
    window = MainWindow(weights=str(path))
    window.resize(1200, 900)
    window.show()
    if not _wait(app, lambda: window.generation.ready, 300):
        raise RuntimeError("the generator did not load")
    photo = load_photo(sample_photo_path())
    window.load_photo(photo)
    doc = window.document
    h, w = doc.height, doc.width
    # The lower face (nose to chin), where a user would redraw a mouth.
    y0, y1, x0, x1 = int(h * 0.55), int(h * 0.8), int(w * 0.35), int(w * 0.65)
    doc.layers["mask"][y0:y1, x0:x1] = True
    doc.changed("mask")
    window.live_action.setChecked(True)
    window.paint.set_tool("sketch")
    window.paint.set_size(3)
    app.processEvents()
    # Collect what loading left (tens of thousands of torch objects) as a running
    # editor long has, so the figure is about drawing, not start-up.
    gc.collect()

    viewport = window.canvas.viewport()

    def at(t: float):
        # A wavy line back and forth across the erased region.
        phase = (t / 1.5) % 2
        u = phase if phase <= 1 else 2 - phase
        x = x0 + 10 + u * (x1 - x0 - 20)
        y = (y0 + y1) / 2 + (y1 - y0) * 0.3 * math.sin(t * 7)
        return window.canvas.mapFromScene(QPointF(x, y))

    seconds_per_fill: list[float] = []
    window.generation.live_ready.connect(lambda _id, _job, _res, s: seconds_per_fill.append(s))
    ticks: list[float] = []
    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(PROBE_MS)
    probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
    start = time.perf_counter()

    def pen() -> None:
        t = time.perf_counter() - start
        QTest.mouseMove(viewport, at(t))

    pen_timer = QTimer()
    pen_timer.setTimerType(Qt.TimerType.PreciseTimer)
    pen_timer.setInterval(PEN_MS)
    pen_timer.timeout.connect(pen)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(0))
    probe.start()
    pen_timer.start()
    _wait(app, lambda: time.perf_counter() - start >= seconds, seconds + 5)
    pen_timer.stop()
    probe.stop()
    elapsed = time.perf_counter() - start
    fills, requests = window.live.fills_shown, window.live.requests
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(elapsed))
    settled = _wait(app, lambda: window.results.current is not None and not window.generation.busy, 60)
    gaps = sorted((b - a) * 1000 - PROBE_MS for a, b in zip(ticks, ticks[1:]))
    window.undo_stack.setClean()
    window._unsaved_extra = False
    window.close()
    app.processEvents()
    return {
        "live_photo": f"{w}x{h}",
        "live_seconds": elapsed,
        "live_requests": requests,
        "live_fills": fills,
        "live_fills_per_s": fills / elapsed,
        "live_fill_s": statistics.median(seconds_per_fill) if seconds_per_fill else None,
        "live_stall_max_ms": max(gaps[-1], 0.0) if gaps else None,
        "live_stall_p99_ms": max(gaps[int(len(gaps) * 0.99)], 0.0) if gaps else None,
        "live_settled": settled,
    }

