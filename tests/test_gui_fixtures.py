"""Fixtures and helpers shared by the GUI tests (imported by the test_gui_* modules).

Every test gets its own data folder (settings, autosaves) and dialogs that answer
at once, so nothing blocks and nothing touches the user's real settings.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QColorDialog, QFileDialog, QMessageBox


class DialogRecorder:
    """Stands in for Qt's static dialogs: records each call and returns a set answer."""

    def __init__(self):
        self.calls: list[tuple[str, tuple]] = []
        self.question_answer = QMessageBox.StandardButton.Discard
        self.save_path = ""          # getSaveFileName returns this ("" = cancelled)
        self.open_path = ""
        self.folder = ""
        self.colour = None

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def install(self, monkeypatch) -> None:
        def record(name, result):
            def fake(*args, **kwargs):
                self.calls.append((name, args))
                return result() if callable(result) else result
            return staticmethod(fake)

        monkeypatch.setattr(QMessageBox, "question", record("question", lambda: self.question_answer))
        for name in ("warning", "critical", "information"):
            monkeypatch.setattr(QMessageBox, name, record(name, QMessageBox.StandardButton.Ok))
        monkeypatch.setattr(QMessageBox, "about", record("about", None))
        monkeypatch.setattr(QFileDialog, "getSaveFileName", record("getSaveFileName", lambda: (self.save_path, "")))
        monkeypatch.setattr(QFileDialog, "getOpenFileName", record("getOpenFileName", lambda: (self.open_path, "")))
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", record("getExistingDirectory", lambda: self.folder))
        monkeypatch.setattr(QColorDialog, "getColor", record("getColor", lambda: self.colour))


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private app data folder (settings.ini, autosaves)."""
    folder = tmp_path / "appdata"
    monkeypatch.setenv("SCFEGAN_DATA_DIR", str(folder))
    monkeypatch.delenv("SCFEGAN_WEIGHTS", raising=False)
    return folder


@pytest.fixture(scope="session")
def medium_weights(tmp_path_factory):
    """A random-weight width-16 generator at native size 256: slow enough to watch."""
    import torch

    from model.generator import Generator
    from model.weights import WeightsInfo, save_weights

    torch.manual_seed(1)
    path = tmp_path_factory.mktemp("weights") / "medium.safetensors"
    save_weights(path, Generator(16).state_dict(),
                 WeightsInfo(cnum=16, native_size=256, channel_order="RGB",
                             provenance="random test weights", licence="test"))
    return path


@pytest.fixture
def dialogs(monkeypatch):
    recorder = DialogRecorder()
    recorder.install(monkeypatch)
    return recorder


@pytest.fixture
def photo_file(tmp_path):
    """A 130×90 sample photo written as face.png."""
    path = tmp_path / "face.png"
    write_photo(path, sample_photo(90, 130, seed=3))
    return path


@pytest.fixture
def window(qtbot, data_dir, dialogs, photo_file):
    """A main window with `photo_file` open; closed (work marked saved) afterwards."""
    w = make_window(qtbot)
    assert w.open_path(str(photo_file))
    yield w
    finish(w)


def sample_photo(height: int = 120, width: int = 160, seed: int = 0) -> np.ndarray:
    """A photo with gradients, noise and a few dark lines (so tracing finds edges)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    photo = np.stack([x * 255 // width, y * 255 // height, (x + y) * 255 // (width + height)], axis=2)
    photo = photo + rng.integers(0, 12, (height, width, 3))
    photo[height // 3, 10:width - 10] = 20
    photo[2 * height // 3 - 1:2 * height // 3 + 1, 20:width - 20] = 30
    return np.clip(photo, 0, 255).astype(np.uint8)


def write_photo(path, photo: np.ndarray) -> None:
    """Save a test photo as PNG/JPEG through the project's writer."""
    from model.imageio import save_photo

    save_photo(path, photo)


def make_window(qtbot, weights=None, photo: np.ndarray | None = None, wait_model: bool = True):
    """A shown main window (model loading from `weights`), editing `photo`."""
    from app.document import Document
    from app.main_window import MainWindow

    window = MainWindow(weights=str(weights) if weights else None)
    # pytest-qt closes its widgets before fixtures are torn down: mark the work saved
    # first, or a test that leaves it unsaved (and the dialogs answering Cancel) leaves
    # the window open, and its inference thread is destroyed still running later.
    qtbot.addWidget(window, before_close_func=finish)
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    if weights and wait_model:
        qtbot.waitUntil(lambda: window.generation.ready, timeout=20000)
    window.set_document(Document(sample_photo() if photo is None else photo))
    window.canvas.setFocus()
    return window


def view_point(window, x: float, y: float) -> QPoint:
    """The viewport position of image point (x, y)."""
    return window.canvas.mapFromScene(QPointF(x, y))


def drag(qtbot, window, points, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A left-button stroke through image points, with real mouse events."""
    viewport = window.canvas.viewport()
    positions = [view_point(window, x, y) for x, y in points]
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, positions[0])
    for pos in positions[1:]:
        qtbot.mouseMove(viewport, pos)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, positions[-1])


def set_zoom_at_origin(window, zoom: float) -> None:
    """Zoom to `zoom` with the image's top-left corner in view."""
    window.canvas.set_zoom(zoom)
    window.canvas._fit_mode = False
    window.canvas.horizontalScrollBar().setValue(window.canvas.horizontalScrollBar().minimum())
    window.canvas.verticalScrollBar().setValue(window.canvas.verticalScrollBar().minimum())


def finish(window) -> None:
    """Mark the work saved so closing asks nothing."""
    window.undo_stack.setClean()
    window._unsaved_extra = False
