"""Autosave on a large photo: the GUI thread only freezes copy-on-write views; the
autosave thread encodes and writes, and what it writes is the work as it was frozen."""
from __future__ import annotations

import threading
import tracemalloc

import numpy as np
import pytest

from test_gui_fixtures import data_dir, dialogs, drag, finish, make_window, sample_photo  # noqa: F401


@pytest.fixture
def window(qtbot, data_dir, dialogs):  # noqa: F811
    w = make_window(qtbot, photo=sample_photo(1200, 1600, seed=5))
    # The bundled model loads and warms up in the worker; its allocations would count
    # as the GUI thread's below (tracemalloc sees every thread).
    qtbot.waitUntil(lambda: not w.generation.loading, timeout=60000)
    yield w
    finish(w)


def paint(qtbot, w, tool, points):
    w.paint.set_tool(tool)
    drag(qtbot, w, points)


class Gate:
    """Wraps an encoder: records the thread of each call, holds the first until opened."""

    def __init__(self):
        self.threads: list[int] = []
        self.opened = threading.Event()
        self.entered = threading.Event()

    def wrap(self, fn):
        def wrapped(*args, **kwargs):
            self.threads.append(threading.get_ident())
            self.entered.set()
            assert self.opened.wait(30), "the test never opened the gate"
            return fn(*args, **kwargs)
        return wrapped


def test_autosave_takes_no_copy_and_encodes_off_the_gui_thread(qtbot, window, monkeypatch):
    import cv2

    import app.png_stream
    import app.session

    paint(qtbot, window, "mask", [(300, 300), (900, 500)])
    paint(qtbot, window, "sketch", [(400, 350), (800, 450)])
    paint(qtbot, window, "colour", [(450, 420), (700, 380)])
    doc = window.document
    frozen_photo, frozen_layers = doc.photo.copy(), doc.snapshot_layers()
    gate = Gate()
    for module, name in ((app.png_stream, "write_png"), (app.session, "write_png"),
                         (app.session, "encode_png"), (cv2, "imencode")):
        monkeypatch.setattr(module, name, gate.wrap(getattr(module, name)))
    try:
        check_autosave(qtbot, window, gate, frozen_photo, frozen_layers)
    finally:
        gate.opened.set()


def check_autosave(qtbot, window, gate, frozen_photo, frozen_layers):
    doc = window.document
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        assert window.autosave_now()
        grown = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    size = doc.photo.nbytes + sum(layer.nbytes for layer in doc.layers.values())
    # No copy of the photo or of any layer (17 MB here) on the GUI thread.
    assert grown < 1_000_000, f"the GUI thread allocated {grown} bytes for an autosave of {size}"

    # The user keeps painting and undoing while the autosave thread works.
    assert gate.entered.wait(30)
    paint(qtbot, window, "sketch", [(350, 320), (850, 480)])
    paint(qtbot, window, "mask", [(100, 900), (1400, 1000)])
    window.undo()
    held = sum(f.saved_bytes for f in doc._frozen)
    assert 0 < held < size // 4   # only the bands painted over are kept
    gate.opened.set()
    window._autosave_future.result(timeout=60)

    assert gate.threads and threading.get_ident() not in gate.threads
    from app.session import read_session

    saved = read_session(window.autosave.path)
    assert np.array_equal(saved.photo, frozen_photo)
    for name, layer in frozen_layers.items():
        assert np.array_equal(saved.layers[name], layer), name
    assert all(f.released for f in doc._frozen)


def test_frozen_array_keeps_what_was_frozen():
    from app.document import Document

    doc = Document(sample_photo(300, 200))
    doc.layers["colour"][:] = 7
    snapshot = doc.freeze()
    expected = doc.layers["colour"].copy()
    bands = snapshot["colour"].bands()
    first = next(bands)
    doc.will_change("colour", (0, 0, 200, 300))
    doc.layers["colour"][:] = 9
    rest = list(bands)
    assert np.array_equal(np.concatenate([first, *rest]), expected)
    # Released: later changes keep nothing.
    snapshot.release()
    doc.will_change("colour")
    assert snapshot["colour"].saved_bytes == 0


def test_settling_cancels_a_running_autosave(qtbot, window, monkeypatch):
    import app.png_stream
    from app.frozen import SnapshotCancelled

    paint(qtbot, window, "mask", [(300, 300), (900, 500)])
    seen = []
    original = app.png_stream.write_png

    def slow(out, shape, dtype, bands, level=3):
        def watched():
            for band in bands:
                seen.append(band.shape[0])
                if len(seen) == 3 and "cancelled" not in seen:
                    window._autosave_snapshot.release()  # as closing the window does
                yield band
        try:
            original(out, shape, dtype, watched(), level)
        except SnapshotCancelled:
            seen.append("cancelled")
            raise

    monkeypatch.setattr(app.png_stream, "write_png", slow)
    window.autosave_now()
    window._settle_autosave()
    assert "cancelled" in seen and not window.autosave.path.exists()
    assert window.autosave_now(wait=True)   # a cancelled autosave is redone
    assert window.autosave.path.exists()
