"""Issue 14: never lose work, and say what happened in plain words."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFileDialog, QMessageBox

from test_gui_fixtures import (data_dir, dialogs, drag, finish, make_window, sample_photo,  # noqa: F401
                               write_photo)


@pytest.fixture
def photo_file(tmp_path):
    path = tmp_path / "face.png"
    write_photo(path, sample_photo(90, 130, seed=3))
    return path


@pytest.fixture
def window(qtbot, data_dir, dialogs, photo_file):  # noqa: F811
    w = make_window(qtbot)
    assert w.open_path(str(photo_file))
    yield w
    finish(w)


def paint(qtbot, w):
    drag(qtbot, w, [(30, 30), (90, 50)])
    w.paint.set_tool("sketch")
    drag(qtbot, w, [(35, 40), (80, 45)])


# ---------------------------------------------------------------- 1: exporting is not saving

def test_exporting_the_image_keeps_the_work_unsaved(qtbot, window, dialogs, tmp_path):  # noqa: F811
    paint(qtbot, window)
    dialogs.save_path = str(tmp_path / "out.png")
    assert window.save_as()
    assert (tmp_path / "out.png").exists()
    assert window.is_dirty and window.isWindowModified()  # the PNG holds no layers
    other = tmp_path / "other.png"
    write_photo(other, sample_photo(40, 60, seed=4))
    dialogs.question_answer = QMessageBox.StandardButton.Cancel
    dialogs.calls.clear()
    assert not window.open_path(str(other))
    assert dialogs.names() == ["question"]
    assert window.document.layers["mask"].any()


# ---------------------------------------------------------------- 2: layer export never overwrites silently

def test_exporting_layers_twice_asks_before_replacing(qtbot, window, dialogs, tmp_path):  # noqa: F811
    paint(qtbot, window)
    dialogs.folder = str(tmp_path)
    first = window.export_layers_dialog()
    assert [p.name for p in first] == ["face-mask.png", "face-sketch.png", "face-colour.png"]
    before = first[0].read_bytes()
    window.clear_all_layers()
    dialogs.calls.clear()
    dialogs.question_answer = QMessageBox.StandardButton.Cancel
    assert window.export_layers_dialog() == []
    assert "question" in dialogs.names() and first[0].read_bytes() == before
    # "No": keep both, under free names.
    dialogs.question_answer = QMessageBox.StandardButton.No
    again = window.export_layers_dialog()
    assert [p.name for p in again] == ["face-2-mask.png", "face-2-sketch.png", "face-2-colour.png"]
    assert first[0].read_bytes() == before
    dialogs.question_answer = QMessageBox.StandardButton.Yes
    replaced = window.export_layers_dialog()
    assert replaced == first and first[0].read_bytes() != before


# ---------------------------------------------------------------- 7: refuse before asking

def test_save_as_onto_the_original_refuses_without_asking_to_replace(qtbot, window, dialogs, photo_file):  # noqa: F811
    paint(qtbot, window)
    original = photo_file.read_bytes()
    dialogs.save_path = str(photo_file)
    dialogs.question_answer = QMessageBox.StandardButton.Yes
    assert not window.save_as()
    name, args = dialogs.calls[0]
    # Qt's own "replace it?" is off: the editor checks first, then asks itself.
    assert name == "getSaveFileName" and QFileDialog.Option.DontConfirmOverwrite in args[-1]
    assert "question" not in dialogs.names() and "warning" in dialogs.names()
    assert "face.png" in window.last_error and photo_file.read_bytes() == original


def test_save_as_onto_another_existing_file_asks(qtbot, window, dialogs, tmp_path):  # noqa: F811
    target = tmp_path / "taken.png"
    target.write_bytes(b"keep me")
    dialogs.save_path = str(target)
    dialogs.question_answer = QMessageBox.StandardButton.No
    assert not window.save_as()
    assert "question" in dialogs.names() and target.read_bytes() == b"keep me"
    dialogs.question_answer = QMessageBox.StandardButton.Yes
    assert window.save_as() and target.read_bytes() != b"keep me"
