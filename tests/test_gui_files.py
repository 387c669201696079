"""Opening, saving, sessions, autosave and recovery, clipboard and layer export."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.session import read_session

from test_gui_fixtures import (data_dir, dialogs, drag, finish, make_window, photo_file,  # noqa: F401
                               sample_photo, window, write_photo)


def paint_all_layers(qtbot, w):
    drag(qtbot, w, [(30, 30), (90, 50)])
    w.paint.set_tool("sketch")
    drag(qtbot, w, [(35, 40), (80, 45)])
    w.paint.set_tool("colour")
    w.paint.set_colour(QColor(200, 30, 90))
    drag(qtbot, w, [(50, 30), (70, 35)])


def test_a_slow_session_save_keeps_the_window_alive_and_holds_input(qtbot, data_dir, dialogs, tiny_weights,  # noqa: F811
                                                                    photo_file, tmp_path, monkeypatch):
    """A large photo's first save takes seconds: it is written in the file thread
    while a modal busy dialog (which Escape does not dismiss) holds input, and a
    result that arrives meanwhile is shown and stays unsaved."""
    import app.window_files as files
    from app.busy import BusyDialog

    w = make_window(qtbot, tiny_weights)
    w.open_path(str(photo_file))
    paint_all_layers(qtbot, w)
    real_write, seen = files.write_session, {}

    def slow_write(path, data, photo_png=None, *args):
        seen["thread"] = threading.current_thread().name
        deadline = time.monotonic() + 20
        while not (w.results.items and "dialog" in seen) and time.monotonic() < deadline:
            time.sleep(0.02)   # a slow disk: done once the generation below is back and the dialog seen
        real_write(path, data, photo_png, *args)

    def look_at_dialog():
        busy = [d for d in QApplication.topLevelWidgets() if isinstance(d, BusyDialog) and d.isVisible()]
        seen["dialog"] = bool(busy)
        if busy:
            QTest.keyClick(busy[0], Qt.Key.Key_Escape)
            seen["after_escape"] = busy[0].isVisible()
            seen["modal"] = QApplication.activeModalWidget() is busy[0]

    monkeypatch.setattr(files, "write_session", slow_write)
    w.generate()                                      # in flight while the session is saved
    QTimer.singleShot(500, look_at_dialog)
    assert w.save_session(tmp_path / "work.scfs")
    assert seen == {"thread": seen["thread"], "dialog": True, "after_escape": True, "modal": True}
    assert seen["thread"].startswith("scfegan-save")
    assert len(w.results.items) == 1 and w.canvas.showing_result
    assert w.is_dirty and w.undo_stack.isClean()      # the new result is not in the file
    assert not [d for d in QApplication.topLevelWidgets() if isinstance(d, BusyDialog) and d.isVisible()]
    saved = read_session(tmp_path / "work.scfs")
    assert saved.results == [] and np.array_equal(saved.layers["sketch"], w.document.layers["sketch"])


def test_open_sets_title_and_recent_files(window, photo_file):
    assert window.windowTitle().startswith("face.png")
    assert window.document.photo.shape == (90, 130, 3)
    assert window.settings.recent_files[0] == str(photo_file.resolve())
    assert window.size_label.text() == "130 × 90 px"


def test_garbage_jpg_shows_a_message_and_keeps_the_work(qtbot, window, dialogs, tmp_path):  # noqa: F811
    paint_all_layers(qtbot, window)
    doc, layers = window.document, window.document.snapshot_layers()
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\x00\x01garbage" * 100)
    assert not window.open_path(str(bad))
    assert "warning" in dialogs.names()
    assert "broken.jpg" in window.last_error
    assert window.document is doc
    assert all(np.array_equal(doc.layers[n], layers[n]) for n in layers)
    assert window.windowTitle().startswith("face.png")


def test_corrupt_session_shows_a_message_and_keeps_the_work(qtbot, window, dialogs, tmp_path):  # noqa: F811
    paint_all_layers(qtbot, window)
    doc = window.document
    bad = tmp_path / "broken.scfs"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert not window.open_path(str(bad))
    assert "warning" in dialogs.names() and "broken.scfs" in window.last_error
    assert window.document is doc and window.undo_stack.count() == 3


def test_session_round_trip_is_exact(qtbot, data_dir, dialogs, tiny_weights, photo_file, tmp_path):  # noqa: F811
    w = make_window(qtbot, tiny_weights)
    w.open_path(str(photo_file))
    paint_all_layers(qtbot, w)
    w.generate_panel.seed_spin.setValue(5)
    with qtbot.waitSignal(w.generation.result_ready, timeout=20000):
        w.generate()
    w.paint.set_size(17, "mask")
    session = tmp_path / "work.scfs"
    dialogs.save_path = str(session)
    assert w.save_session_dialog()
    assert not w.is_dirty and w.windowTitle().startswith("work.scfs")
    photo, layers = w.document.photo.copy(), w.document.snapshot_layers()
    result = w.results.current
    finish(w)

    other = make_window(qtbot)
    assert other.open_path(str(session))
    assert np.array_equal(other.document.photo, photo)
    assert all(np.array_equal(other.document.layers[n], layers[n]) for n in layers)
    restored = other.results.current
    assert restored.id == result.id and restored.seed == 5 and restored.box == result.box
    assert np.array_equal(restored.pixels, result.pixels) and np.array_equal(restored.mask, result.mask)
    assert other.canvas.showing_result
    assert other.paint.size("mask") == 17 and other.paint.colour == QColor(200, 30, 90)
    assert other.generate_panel.seed == 5
    assert other.source.path == photo_file
    assert not other.is_dirty
    finish(other)


def test_autosave_and_recovery_after_a_crash(qtbot, window, data_dir, dialogs):  # noqa: F811
    paint_all_layers(qtbot, window)
    assert window.autosave_now(wait=True)
    assert window.autosave.path.exists() and window.autosave.path.parent == data_dir
    assert not window.autosave_now(wait=True)  # nothing changed since
    layers, photo = window.document.snapshot_layers(), window.document.photo.copy()
    # A crashed editor leaves its autosave without a live lock.
    crashed = data_dir / "autosave-999999.scfs"
    crashed.write_bytes(window.autosave.path.read_bytes())
    finish(window)

    from app.autosave import orphaned_autosaves

    assert orphaned_autosaves(data_dir) == [crashed]
    other = make_window(qtbot)
    dialogs.question_answer = QMessageBox.StandardButton.Yes
    assert other.offer_recovery()
    assert np.array_equal(other.document.photo, photo)
    assert all(np.array_equal(other.document.layers[n], layers[n]) for n in layers)
    assert other.is_dirty  # recovered work is not saved yet
    assert not crashed.exists()
    finish(other)


def test_declined_recovery_discards_the_autosave(qtbot, data_dir, dialogs):  # noqa: F811
    data_dir.mkdir(parents=True, exist_ok=True)
    crashed = data_dir / "autosave-999998.scfs"
    crashed.write_bytes(b"whatever")
    w = make_window(qtbot)
    dialogs.question_answer = QMessageBox.StandardButton.No
    assert not w.offer_recovery()
    assert not crashed.exists()
    finish(w)


def test_clean_exit_removes_the_autosave(qtbot, window):
    paint_all_layers(qtbot, window)
    window.autosave_now(wait=True)
    path = window.autosave.path
    assert path.exists()
    finish(window)
    window.close()
    assert not path.exists()


def test_close_with_unsaved_work_asks(qtbot, window, dialogs):  # noqa: F811
    paint_all_layers(qtbot, window)
    dialogs.question_answer = QMessageBox.StandardButton.Cancel
    window.close()
    assert "question" in dialogs.names() and window.isVisible()
    dialogs.question_answer = QMessageBox.StandardButton.Discard
    window.close()
    assert not window.isVisible()


def test_save_asks_for_a_path_and_never_overwrites_the_original(qtbot, window, dialogs, photo_file):  # noqa: F811
    paint_all_layers(qtbot, window)
    original_bytes = photo_file.read_bytes()
    dialogs.save_path = str(photo_file)
    qtbot.keyClick(window.canvas, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    name, args = dialogs.calls[0]
    assert name == "getSaveFileName" and args[2].endswith("face-edited.png")
    assert "warning" in dialogs.names() and "won't overwrite" in window.last_error
    assert photo_file.read_bytes() == original_bytes
    target = photo_file.with_name("face-edited.png")
    dialogs.save_path = str(target)
    assert window.save()
    assert target.exists() and window.is_dirty  # an exported image is not the saved work
    from model.imageio import load_photo

    assert np.array_equal(load_photo(target).pixels, window.document.photo)
    # A second Save goes to the same file without asking.
    dialogs.calls.clear()
    drag(qtbot, window, [(5, 5), (10, 5)])
    assert window.save() and "getSaveFileName" not in dialogs.names()


@pytest.mark.parametrize("suffix", [".jpg", ".webp"])
def test_save_as_other_formats(window, dialogs, tmp_path, suffix):  # noqa: F811
    dialogs.save_path = str(tmp_path / f"out{suffix}")
    assert window.save_as()
    from model.imageio import load_photo

    assert load_photo(tmp_path / f"out{suffix}").pixels.shape == (90, 130, 3)


def test_export_layers_match_what_the_cli_reads(qtbot, window, dialogs, tmp_path):  # noqa: F811
    paint_all_layers(qtbot, window)
    dialogs.folder = str(tmp_path)
    written = window.export_layers_dialog()
    assert [p.name for p in written] == ["face-mask.png", "face-sketch.png", "face-colour.png"]
    from model.imageio import load_layer

    size = (130, 90)
    for path, kind in zip(written, ("mask", "sketch", "colour")):
        layer, notes = load_layer(path, kind, size)
        assert notes == [] and np.array_equal(layer, window.document.layers[kind])


def test_copy_and_paste_image(qtbot, window):
    clipboard = QGuiApplication.clipboard()
    qtbot.keyClick(window.canvas, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    from app.qt_convert import qimage_to_rgb, rgb_to_qimage

    assert np.array_equal(qimage_to_rgb(clipboard.image()), window.document.photo)
    pasted = sample_photo(70, 50, seed=9)
    clipboard.setImage(rgb_to_qimage(pasted))
    qtbot.keyClick(window.canvas, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert np.array_equal(window.document.photo, pasted)
    assert window.windowTitle().startswith("Untitled")


def test_paste_file_url_and_drop_open_the_file(qtbot, window, tmp_path):
    other = tmp_path / "other.png"
    write_photo(other, sample_photo(40, 60, seed=4))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    QGuiApplication.clipboard().setMimeData(mime)
    del mime  # the clipboard owns it now
    try:
        assert window.paste()
    finally:
        # Qt's offscreen clipboard crashes at exit if it still holds URL data.
        QGuiApplication.clipboard().clear()
    assert window.document.photo.shape == (40, 60, 3)
    window.canvas.files_dropped.emit([str(window.settings.recent_files[1])])
    assert window.document.photo.shape == (90, 130, 3)


def test_opening_over_unsaved_work_asks_first(qtbot, window, dialogs, tmp_path):  # noqa: F811
    paint_all_layers(qtbot, window)
    other = tmp_path / "other.png"
    write_photo(other, sample_photo(40, 60, seed=4))
    dialogs.question_answer = QMessageBox.StandardButton.Cancel
    assert not window.open_path(str(other))
    assert window.document.photo.shape == (90, 130, 3)
    dialogs.question_answer = QMessageBox.StandardButton.Discard
    assert window.open_path(str(other))
    assert window.document.photo.shape == (40, 60, 3) and window.undo_stack.count() == 0


def test_settings_remember_brush_sizes_and_colour(qtbot, window, data_dir):  # noqa: F811
    window.paint.set_size(33, "sketch")
    window.paint.set_colour(QColor(1, 2, 3))
    from app.settings import Settings

    stored = Settings()
    assert stored.brush_size("sketch") == 33 and stored.brush_colour == QColor(1, 2, 3)
    assert (data_dir / "settings.ini").exists()


def test_create_window_opens_a_photo_from_the_command_line(qtbot, data_dir, dialogs, photo_file):  # noqa: F811
    from app.main import create_window

    w = create_window(str(photo_file))
    qtbot.addWidget(w)
    assert w.windowTitle().startswith("face.png")
    finish(w)


def test_recent_files_menu_reopens_a_file(qtbot, window, photo_file, tmp_path):
    other = tmp_path / "other.png"
    write_photo(other, sample_photo(40, 60, seed=4))
    window.open_path(str(other))
    window._fill_recent_menu()
    entries = [a for a in window.recent_menu.actions() if a.text() == "face.png"]
    assert entries
    entries[0].trigger()
    assert window.document.photo.shape == (90, 130, 3)


def test_run_gui_shows_the_window_and_returns_the_exit_code(qtbot, data_dir, dialogs, photo_file):  # noqa: F811
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.main import run_gui
    from app.main_window import MainWindow

    app = QApplication.instance()
    seen = []

    def close_editor():
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                seen.append(widget.windowTitle())
                widget.close()
        QApplication.quit()

    # Exactly one quit: a second one (from the last window closing) would stay
    # pending and end every later event loop of the test session at once.
    app.setQuitOnLastWindowClosed(False)
    try:
        QTimer.singleShot(300, close_editor)
        assert run_gui(str(photo_file), None) == 0
    finally:
        app.setQuitOnLastWindowClosed(True)
    assert seen and seen[0].startswith("face.png")
    started = time.perf_counter()
    qtbot.wait(50)
    assert time.perf_counter() - started > 0.04, "an event loop was left quitting"


def test_python_m_app_is_the_scfegan_command():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "app", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "gui" in done.stdout
