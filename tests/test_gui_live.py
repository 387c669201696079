"""Live fill: the fill follows a sketch or colour stroke drawn with real mouse events,
paced by the worker, and settles on the same result as a normal Generate."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

from test_gui_fixtures import data_dir, dialogs, drag, finish, make_window, view_point  # noqa: F401

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def window(qtbot, data_dir, dialogs, tiny_weights):  # noqa: F811
    w = make_window(qtbot, tiny_weights)
    w.document.layers["mask"][30:70, 50:110] = True
    w.document.changed("mask")
    w.live_action.setChecked(True)
    yield w
    finish(w)


def press(qtbot, w, x, y):
    qtbot.mousePress(w.canvas.viewport(), LEFT, NONE, view_point(w, x, y))


def move(qtbot, w, x, y):
    qtbot.mouseMove(w.canvas.viewport(), view_point(w, x, y))


def release(qtbot, w, x, y):
    qtbot.mouseRelease(w.canvas.viewport(), LEFT, NONE, view_point(w, x, y))


def test_live_fill_follows_the_pen_and_settles_on_the_normal_result(qtbot, window):
    w = window
    w.paint.set_tool("sketch")
    press(qtbot, w, 40, 50)                        # outside the hole: nothing to fill yet
    assert w.live.requests == 0
    for i, (x, y) in enumerate([(60, 40), (75, 50), (90, 45), (100, 60)], start=1):
        move(qtbot, w, x, y)
        qtbot.waitUntil(lambda i=i: w.live.fills_shown >= i, timeout=20000)
        assert w.canvas.showing_live_fill
    assert w.live.requests >= 4
    assert w.results.items == [] and not w.generation.busy   # previews are not results
    with qtbot.waitSignal(w.generation.result_ready, timeout=20000):
        release(qtbot, w, 100, 60)
    qtbot.waitUntil(lambda: not w.generation.busy, timeout=20000)
    assert len(w.results.items) == 1 and w.canvas.showing_result
    assert not w.canvas.showing_live_fill
    settled = w.results.current

    # A normal Generate with the same layers and seed gives the same pixels (so the
    # settled result is shown again, not listed twice).
    with qtbot.waitSignal(w.generation.result_ready, timeout=20000) as blocker:
        w.generate()
    normal = blocker.args[2]
    x0, y0, x1, y1 = settled.box
    assert np.array_equal(normal[y0:y1, x0:x1][settled.mask], settled.pixels[settled.mask])
    assert w.results.items == [settled] and w.results.current is settled


class Gate:
    """Holds every edit in the worker until opened; records the layers it was given."""

    def __init__(self, monkeypatch):
        import model

        self.sketches: list[np.ndarray] = []
        self.opened = threading.Event()
        original = model.edit_photo

        def held(net, photo, layers, **kwargs):
            self.sketches.append(None if layers.sketch is None else layers.sketch.copy())
            assert self.opened.wait(30), "the test never opened the gate"
            return original(net, photo, layers, **kwargs)

        monkeypatch.setattr(model, "edit_photo", held)


def test_requests_wait_for_the_worker_and_carry_the_latest_layers(qtbot, window, monkeypatch):
    w = window
    gate = Gate(monkeypatch)
    try:
        w.paint.set_tool("sketch")
        press(qtbot, w, 60, 40)
        qtbot.waitUntil(lambda: len(gate.sketches) == 1, timeout=20000)
        for x in range(62, 100, 4):                # the worker is busy: nothing is queued
            move(qtbot, w, x, 50)
        assert w.live.requests == 1
        latest = w.document.layers["sketch"].copy()
        gate.opened.set()
        # The next request goes out when the first ends, with the layers as they are then.
        qtbot.waitUntil(lambda: len(gate.sketches) == 2, timeout=20000)
        assert np.array_equal(gate.sketches[1], latest)
        qtbot.waitUntil(lambda: w.live.fills_shown >= 1, timeout=20000)
        with qtbot.waitSignal(w.generation.result_ready, timeout=20000):
            release(qtbot, w, 98, 50)
    finally:
        gate.opened.set()
    assert len(w.results.items) == 1


def test_only_sketch_and_colour_strokes_in_the_hole_go_live(qtbot, window):
    w = window
    w.paint.set_tool("sketch")
    drag(qtbot, w, [(5, 5), (40, 10), (20, 100)])  # outside the erased region
    w.paint.set_tool("mask")
    drag(qtbot, w, [(60, 40), (90, 60)])           # the region itself
    qtbot.wait(50)
    assert w.live.requests == 0 and not w.generation.busy and w.results.items == []
    w.paint.set_tool("colour")
    press(qtbot, w, 60, 40)
    move(qtbot, w, 80, 50)
    qtbot.waitUntil(lambda: w.live.fills_shown >= 1, timeout=20000)
    qtbot.keyClick(w.canvas, Qt.Key.Key_Escape)    # abandon the stroke: the preview goes
    assert not w.canvas.showing_live_fill
    release(qtbot, w, 80, 50)
    qtbot.wait(50)
    assert w.results.items == [] and w.document.is_blank("colour")


def test_live_fill_is_a_remembered_toggle(qtbot, window, data_dir, tiny_weights):  # noqa: F811
    w = window
    assert w.generate_panel.live_box.isChecked()
    w.generate_panel.live_box.setChecked(False)
    assert not w.live_action.isChecked() and not w.live.enabled
    w.live_action.setChecked(True)
    assert w.generate_panel.live_box.isChecked()
    w.settings.sync()
    other = make_window(qtbot, tiny_weights, wait_model=False)
    assert other.live_action.isChecked() and other.live.enabled
    finish(other)


def test_live_bench_reports_fills_and_the_worst_stall(qtbot, data_dir, tiny_weights):  # noqa: F811
    from app.live_bench import measure_live_fill
    from model.bench import format_report

    res = measure_live_fill(str(tiny_weights), seconds=1.0)
    assert res["live_photo"] == "1000x1000" and res["live_settled"]
    assert res["live_fills"] >= 1 and res["live_requests"] >= res["live_fills"]
    assert res["live_stall_max_ms"] >= 0
    assert "fills/s" in format_report({"threads": 1, "torch": "x", "peak_fp32_gflops": None, "peak_bf16_gflops": None,
                                       "full512_gflop": 1.0, "full512_fp32_s": None, "full512_bf16_s": None,
                                       "peak_rss_mib": None, **res})


def test_gc_guard_runs_a_full_collection_only_when_the_oldest_generation_grew(monkeypatch):
    # A full collection stalls the GUI for 100-300 ms with torch loaded: like CPython's
    # own collector, do one only once a quarter more objects reached the oldest generation.
    from app import gc_guard

    class FakeGC:
        def __init__(self):
            self.collections: list[int] = []

        def get_count(self):
            return (300, 11, 11)

        def get_threshold(self):
            return (200, 10, 10)

        def collect(self, generation):
            self.collections.append(generation)
            return 50

    fake = FakeGC()
    monkeypatch.setattr(gc_guard, "gc", fake)
    monkeypatch.setattr(gc_guard, "_long_lived", 1000)
    monkeypatch.setattr(gc_guard, "_middle", 0)
    monkeypatch.setattr(gc_guard, "_promoted", 0)
    for _ in range(3):
        gc_guard._collect()
    assert fake.collections == [1, 1, 2]   # 250 promoted is not yet a quarter; 500 is
    assert gc_guard._promoted == 0 and gc_guard._long_lived == 1000 + 500 + 300 - 50


def test_a_large_region_is_previewed_on_a_reduced_photo_and_placed_over_it(qtbot, data_dir, dialogs,  # noqa: F811
                                                                           tiny_weights):
    from test_gui_fixtures import sample_photo

    w = make_window(qtbot, tiny_weights, photo=sample_photo(600, 800, seed=2))
    w.document.layers["mask"][100:500, 200:600] = True   # 400 px: over three times the network's 128
    w.document.changed("mask")
    w.live_action.setChecked(True)
    scales = []
    request = w.generation.request
    w.generation.request = lambda job: scales.append(job.scale) or request(job)
    w.paint.set_tool("sketch")
    press(qtbot, w, 250, 150)
    move(qtbot, w, 450, 350)
    qtbot.waitUntil(lambda: w.live.fills_shown >= 1, timeout=20000)
    assert scales[0] == pytest.approx(128 / 400)
    shown = w.canvas._live_item.sceneBoundingRect()
    assert abs(shown.left() - 200) < 4 and abs(shown.top() - 100) < 4
    assert abs(shown.right() - 600) < 4 and abs(shown.bottom() - 500) < 4
    with qtbot.waitSignal(w.generation.result_ready, timeout=20000):
        release(qtbot, w, 450, 350)
    assert scales[-1] == 1.0 and w.results.current.box == (200, 100, 600, 500)   # the result is full size
    finish(w)


def test_reducing_keeps_thin_sketch_lines_and_the_region():
    from app.preview import Reducer, live_preview

    photo = np.zeros((400, 400, 3), np.uint8)
    mask = np.zeros((400, 400), bool)
    mask[100:300, 100:300] = True
    sketch = np.zeros((400, 400), bool)
    sketch[200, 120:280] = True                       # one pixel thin
    small, small_mask, small_sketch, colour = Reducer().reduce(0.25, photo, mask, sketch, None)
    assert small.shape == (100, 100, 3) and colour is None
    assert small_mask[25:75, 25:75].all() and small_mask.sum() == 50 * 50
    assert small_sketch[50, 31:69].all()
    preview = live_preview(np.full((100, 100, 3), 9, np.uint8), small_mask)
    assert preview.box == (25, 25, 75, 75) and preview.size == (100, 100)
    assert (preview.rgba[..., 3] == 255).all() and (preview.rgba[..., :3] == 9).all()
