"""Issue 14: never lose work, and say what happened in plain words."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFileDialog, QMessageBox

from test_gui_fixtures import (data_dir, dialogs, drag, finish, make_window, photo_file,  # noqa: F401
                               sample_photo, window, write_photo)


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


# ---------------------------------------------------------------- 3 and 6: damaged sessions and images

LEAKS = ("There is no item", "archive", "invalid literal", "int()", "channels", "expected 1", "bytes not processed",
         "truncated (", "KeyError", "ValueError", "Traceback")


def no_leaks(message: str) -> bool:
    return not any(leak in message for leak in LEAKS)


def write_test_session(path, with_results=True):
    """A session with painted layers and two results (#1, #2), written without the GUI."""
    from app.document import Document
    from app.results import Result
    from app.session import SessionData, write_session

    doc = Document(sample_photo(90, 130, seed=3))
    doc.layers["mask"][20:50, 30:80] = True
    doc.layers["sketch"][30, 35:70] = True
    doc.layers["colour"][25:30, 40:60] = (200, 30, 90, 255)
    results = []
    if with_results:
        for rid in (2, 1):
            mask = np.ones((30, 50), bool)
            results.append(Result(rid, (30, 20, 80, 50), np.full((30, 50, 3), 40 * rid, np.uint8), mask, seed=rid))
    write_session(path, SessionData(photo=doc.photo, layers=doc.layers, results=results, current_result=2))
    return doc


def rewrite_zip(path, drop=(), replace=None):
    """Rewrite a session zip without the members in `drop`, with `replace` {name: bytes}."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    for name in drop:
        del members[name]
    members.update(replace or {})
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def session_meta(path):
    import json
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("session.json"))


def test_a_session_missing_one_result_opens_the_rest(qtbot, window, dialogs, tmp_path):  # noqa: F811
    path = tmp_path / "work.scfs"
    doc = write_test_session(path)
    rewrite_zip(path, drop=["results/2.png"])
    assert window.open_path(str(path))
    assert np.array_equal(window.document.photo, doc.photo)
    assert all(np.array_equal(window.document.layers[n], doc.layers[n]) for n in doc.layers)
    assert [r.id for r in window.results.items] == [1]
    assert window.session_path == path
    note = window.info_bar.label.text()
    assert window.info_bar.isVisible() and "work.scfs" in note and "#2" in note and no_leaks(note)


def test_a_session_with_an_unreadable_layer_opens_with_that_layer_empty(qtbot, window, dialogs, tmp_path):  # noqa: F811
    import cv2

    path = tmp_path / "layer.scfs"
    doc = write_test_session(path)
    ok, rgba = cv2.imencode(".png", np.zeros((90, 130, 4), np.uint8))
    rewrite_zip(path, replace={"layers/mask.png": rgba.tobytes()})
    assert window.open_path(str(path))
    assert not window.document.layers["mask"].any()
    assert np.array_equal(window.document.layers["sketch"], doc.layers["sketch"])
    note = window.info_bar.label.text()
    assert "layer.scfs" in note and "erase" in note.lower() and no_leaks(note)


@pytest.mark.parametrize("case", ["no photo", "damaged photo", "bad size", "bad result id", "bad current"])
def test_damaged_session_messages_are_in_plain_words(qtbot, window, dialogs, tmp_path, case):  # noqa: F811
    import json

    path = tmp_path / f"{case.replace(' ', '')}.scfs"
    write_test_session(path)
    meta = session_meta(path)
    if case == "no photo":
        rewrite_zip(path, drop=["photo.png"])
    elif case == "damaged photo":
        rewrite_zip(path, replace={"photo.png": b"\x89PNG\r\n\x1a\n garbage"})
    else:
        if case == "bad size":
            meta["size"] = ["o", 90]
        elif case == "bad result id":
            meta["results"][0]["id"] = "o"
        else:
            meta["current_result"] = "o"
        rewrite_zip(path, replace={"session.json": json.dumps(meta).encode()})
    doc = window.document
    opened = window.open_path(str(path))
    if case in ("no photo", "damaged photo", "bad size"):
        assert not opened and window.document is doc
        message = window.last_error
        assert path.name in message and "photo" in message and no_leaks(message)
        assert "unchanged" in message  # what still works
    else:
        assert opened and window.document is not doc
        assert no_leaks(window.info_bar.label.text() if window.info_bar.isVisible() else "")


def test_truncated_photo_message_is_in_plain_words(qtbot, window, dialogs, tmp_path):  # noqa: F811
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(sample_photo(64, 64)).save(buffer, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[:-40])
    assert not window.open_path(str(path))
    message = window.last_error
    assert "cut.jpg" in message and "incomplete" in message and no_leaks(message)
    assert "unchanged" in message


# ---------------------------------------------------------------- 4: an older result after a later Apply

def generate_in(qtbot, w, rows, cols):
    w.document.layers["mask"][:] = False
    w.document.layers["mask"][rows, cols] = True
    w.document.changed("mask")
    with qtbot.waitSignal(w.generation.result_ready, timeout=20000):
        w.generate()
    return w.results.current


def test_an_older_result_is_outlined_and_refused_where_a_later_apply_changed_the_photo(
        qtbot, data_dir, dialogs, tiny_weights):  # noqa: F811
    w = make_window(qtbot, tiny_weights)
    a = generate_in(qtbot, w, slice(30, 70), slice(50, 110))
    b = generate_in(qtbot, w, slice(20, 50), slice(30, 80))     # overlaps a
    c = generate_in(qtbot, w, slice(80, 110), slice(120, 150))  # apart from b
    # The outline shows the selected result's region, not the current erase region.
    w.select_result(a.id)
    outline = w.canvas._outline
    assert outline.isVisible()
    rect = outline.sceneBoundingRect()
    x0, y0, x1, y1 = a.box
    assert abs(rect.left() - x0) < 2 and abs(rect.top() - y0) < 2
    assert abs(rect.right() - x1) < 2 and abs(rect.bottom() - y1) < 2
    w.select_result(b.id)
    w.apply_result()
    after_b = w.document.photo.copy()
    # c was made before that Apply but covers none of it: applying it keeps b's change.
    w.select_result(c.id)
    w.apply_result()
    assert np.array_equal(w.document.photo, c.composite(after_b))
    after_c = w.document.photo.copy()
    # a covers what b changed: applying it would silently revert b there — refused, with a reason.
    dialogs.calls.clear()
    w.select_result(a.id)
    steps = w.undo_stack.count()
    w.apply_result()
    assert np.array_equal(w.document.photo, after_c) and w.undo_stack.count() == steps
    assert "warning" in dialogs.names() and "#1" in w.last_error and "Apply" in w.last_error
    # After undoing b's Apply (and c's), a applies cleanly again.
    w.undo()
    w.undo()
    w.select_result(a.id)
    w.apply_result()
    assert w.undo_stack.count() == steps - 1
    finish(w)


# ---------------------------------------------------------------- 8: status after a rejected weights file

@pytest.mark.parametrize("content", [b"garbage, not weights", None], ids=["garbage", "truncated"])
def test_a_rejected_weights_file_leaves_the_status_of_the_model_in_use(
        qtbot, data_dir, dialogs, tiny_weights, tmp_path, content):  # noqa: F811
    w = make_window(qtbot, tiny_weights)
    ready = w.device_label.text()
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(content if content is not None else tiny_weights.read_bytes()[:5000])
    w.generation.load_model(str(bad), "cpu")
    qtbot.waitUntil(lambda: "warning" in dialogs.names(), timeout=20000)
    assert w.device_label.text() == ready and "loading" not in w.device_label.text().lower()
    assert "tiny.safetensors" in w.last_error
    finish(w)


# ---------------------------------------------------------------- 9: stale status after undo, new photo

def test_undoing_apply_does_not_leave_result_applied_in_the_status(qtbot, data_dir, dialogs, tiny_weights):  # noqa: F811
    w = make_window(qtbot, tiny_weights)
    generate_in(qtbot, w, slice(30, 70), slice(50, 110))
    w.apply_result()
    assert "applied" in w.statusBar().currentMessage()
    w.undo_action.trigger()
    assert "applied" not in w.statusBar().currentMessage()
    finish(w)


def test_opening_another_photo_clears_the_previous_photos_notes_and_position(qtbot, window, tmp_path):
    grey = tmp_path / "grey.png"
    from PIL import Image

    Image.fromarray(sample_photo(50, 70)[..., 0]).save(grey)
    assert window.open_path(str(grey))
    assert "Note" in window.statusBar().currentMessage()
    qtbot.mouseMove(window.canvas.viewport(), window.canvas.mapFromScene(10, 10))
    window._show_position(10, 10)
    assert window.position_label.text() == "10, 10"
    other = tmp_path / "colour.png"
    write_photo(other, sample_photo(40, 60, seed=4))
    assert window.open_path(str(other))
    assert "Note" not in window.statusBar().currentMessage()
    assert window.position_label.text() == ""


def test_a_saved_session_remembers_what_each_result_repainted(tmp_path):
    from app.results import Result
    from app.session import SessionData, read_session, write_session

    photo = sample_photo(60, 80)
    mask = np.zeros((60, 80), bool)
    mask[10:30, 20:50] = True
    result = Result.from_full(1, np.zeros_like(photo), mask, photo=photo, guides="0f" * 16)
    layers = {"mask": mask, "sketch": np.zeros_like(mask), "colour": np.zeros((60, 80, 4), np.uint8)}
    write_session(tmp_path / "s.scfs", SessionData(photo=photo, layers=layers, results=[result]))
    restored = read_session(tmp_path / "s.scfs").results[0]
    assert restored.base == result.base and not restored.is_stale(photo)
    assert restored.guides == result.guides          # what it was made from: Generate again knows a repeat
    changed = photo.copy()
    changed[15, 25] += 1
    assert restored.is_stale(changed)
