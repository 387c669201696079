"""The canvas with real mouse and key events: strokes, tools, undo, zoom and pan."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from test_gui_fixtures import (data_dir, dialogs, drag, finish, make_window, sample_photo,  # noqa: F401
                               set_zoom_at_origin, view_point)


@pytest.fixture
def window(qtbot, data_dir, dialogs):  # noqa: F811
    w = make_window(qtbot)
    yield w
    finish(w)


def capsule(shape, p0, p1, diameter):
    """Independent reference: pixel centres within diameter/2 of segment p0–p1."""
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]] + 0.5
    d = np.subtract(p1, p0, dtype=float)
    t = np.clip(((xs - p0[0]) * d[0] + (ys - p0[1]) * d[1]) / max(d @ d, 1e-12), 0, 1)
    return (xs - p0[0] - t * d[0]) ** 2 + (ys - p0[1] - t * d[1]) ** 2 <= (diameter / 2) ** 2 + 1e-4


def test_stroke_marks_the_brush_width_at_zoom_2(qtbot, window):
    set_zoom_at_origin(window, 2.0)
    qtbot.keyClick(window.canvas, Qt.Key.Key_E)
    window.paint.set_size(5)
    drag(qtbot, window, [(20.5, 30.5), (40.5, 30.5), (60.5, 30.5)])
    mask = window.document.layers["mask"]
    expected = capsule(mask.shape, (20.5, 30.5), (60.5, 30.5), 5)
    assert np.array_equal(mask, expected)
    assert mask[:, 40].sum() == 5 and mask[28:33, 40].all()
    assert not window.document.layers["sketch"].any() and not window.document.layers["colour"].any()


def test_even_brush_is_exactly_that_wide(qtbot, window):
    set_zoom_at_origin(window, 4.0)
    window.paint.set_tool("sketch")
    window.paint.set_size(4)
    drag(qtbot, window, [(5.0, 10.0), (25.0, 10.0)])
    sketch = window.document.layers["sketch"]
    assert sketch[:, 15].sum() == 4 and sketch[8:12, 15].all()


def test_fast_stroke_leaves_no_gaps_when_zoomed_out(qtbot, window):
    set_zoom_at_origin(window, 0.5)
    window.paint.set_tool("sketch")
    window.paint.set_size(1)
    # One big jump between two events: the segment is interpolated.
    drag(qtbot, window, [(4, 10), (150, 100)])
    sketch = window.document.layers["sketch"]
    cols = np.flatnonzero(sketch.any(axis=0))
    rows = np.flatnonzero(sketch.any(axis=1))
    assert cols.size == cols[-1] - cols[0] + 1 and rows.size == rows[-1] - rows[0] + 1
    assert cols[-1] - cols[0] > 140
    assert sketch.dtype == bool  # binary: no antialiasing


def test_undo_redo_restore_exactly(qtbot, window):
    doc = window.document
    drag(qtbot, window, [(30, 30), (80, 60)])
    first = doc.snapshot_layers()
    qtbot.keyClick(window.canvas, Qt.Key.Key_C)
    drag(qtbot, window, [(40, 80), (120, 40)])
    second = doc.snapshot_layers()
    assert window.undo_stack.count() == 2
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert all(np.array_equal(doc.layers[n], first[n]) for n in first)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not doc.layers["mask"].any() and not doc.layers["colour"].any()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert all(np.array_equal(doc.layers[n], first[n]) for n in first)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert all(np.array_equal(doc.layers[n], second[n]) for n in second)


def test_undo_patch_is_bounded_by_the_stroke(qtbot, data_dir, dialogs):  # noqa: F811
    w = make_window(qtbot, photo=sample_photo(1200, 1600))
    w.paint.set_size(9)
    w.paint.press(100, 100)
    w.paint.drag(140, 120)
    w.paint.release(140, 120)
    command = w.undo_stack.command(0)
    assert command.patches[0].box == (96, 96, 145, 125)
    assert command.nbytes < 2000  # bit-packed, box only (the layer is 1.9 MB)
    # A long diagonal colour stroke keeps its changed pixels, not its whole box.
    w.paint.set_tool("colour")
    w.paint.set_size(20)
    w.paint.press(10, 10)
    w.paint.drag(1500, 1100)
    w.paint.release(1500, 1100)
    command = w.undo_stack.command(1)
    box_bytes = 1490 * 1100 * 4 * 2
    assert command.nbytes < box_bytes / 20
    w.undo()
    assert not w.document.layers["colour"].any()
    finish(w)


def test_layers_stay_separate_and_eraser_works_on_active_layer(qtbot, window):
    doc = window.document
    drag(qtbot, window, [(20, 20), (60, 20)])
    qtbot.keyClick(window.canvas, Qt.Key.Key_S)
    drag(qtbot, window, [(20, 50), (60, 50)])
    qtbot.keyClick(window.canvas, Qt.Key.Key_B)
    window.paint.set_colour(QColor(10, 200, 30))
    window.paint.set_size(6)
    drag(qtbot, window, [(20, 80), (60, 80)])
    assert doc.layers["mask"][20, 40] and not doc.layers["mask"][50, 40] and not doc.layers["mask"][80, 40]
    assert doc.layers["sketch"][50, 40] and not doc.layers["sketch"][20, 40]
    assert tuple(doc.layers["colour"][80, 40]) == (10, 200, 30, 255)
    assert doc.layers["colour"][20, 40, 3] == 0 and doc.layers["colour"][50, 40, 3] == 0
    before = doc.snapshot_layers()
    qtbot.keyClick(window.canvas, Qt.Key.Key_X)  # active layer is still colour
    assert window.paint.active_layer == "colour"
    window.paint.set_size(60)
    drag(qtbot, window, [(40, 10), (40, 100)])
    assert not doc.layers["colour"][..., 3].any()
    assert np.array_equal(doc.layers["mask"], before["mask"])
    assert np.array_equal(doc.layers["sketch"], before["sketch"])
    window.layers_panel.active_buttons["mask"].click()
    assert window.paint.active_layer == "mask"
    drag(qtbot, window, [(40, 10), (40, 100)])
    assert not doc.layers["mask"][:, 15:65].any() and doc.layers["mask"][20, 5]
    assert np.array_equal(doc.layers["sketch"], before["sketch"])


@pytest.mark.parametrize("key, tool", [(Qt.Key.Key_E, "mask"), (Qt.Key.Key_S, "sketch"), (Qt.Key.Key_P, "sketch"),
                                       (Qt.Key.Key_C, "colour"), (Qt.Key.Key_B, "colour"), (Qt.Key.Key_X, "eraser"),
                                       (Qt.Key.Key_I, "picker")])
def test_tool_shortcuts(qtbot, window, key, tool):
    window.paint.set_tool("picker" if tool != "picker" else "mask")
    qtbot.keyClick(window.canvas, key)
    assert window.paint.tool == tool
    assert window.tool_actions[tool].isChecked()
    assert Qt.Key(key).name[-1] in window.tool_actions[tool].toolTip()


def test_bracket_keys_change_brush_size(qtbot, window):
    qtbot.keyClick(window.canvas, Qt.Key.Key_E)
    start = window.paint.size()
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    bigger = window.paint.size()
    assert bigger > start and window.tool_options.size_spin.value() == bigger
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketLeft)
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketLeft)
    assert window.paint.size() < start
    assert window.canvas._cursor_item.diameter == window.paint.size()
    # Sizes are per tool.
    qtbot.keyClick(window.canvas, Qt.Key.Key_S)
    assert window.paint.size() == window.paint.sizes["sketch"] != window.paint.sizes["mask"]


def test_size_slider_sets_the_brush(qtbot, window):
    from app.tool_options import size_to_slider

    window.tool_options.size_slider.setValue(size_to_slider(77))
    assert window.paint.size() == 77 and window.tool_options.size_spin.value() == 77


def test_zoom_keys_and_wheel(qtbot, window):
    canvas = window.canvas
    canvas.actual_size()
    assert canvas.zoom == 1.0
    qtbot.keyClick(canvas, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom == 1.5
    qtbot.keyClick(canvas, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom == pytest.approx(2 / 3)
    qtbot.keyClick(canvas, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom == 1.0
    qtbot.keyClick(canvas, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    vp = canvas.viewport().size()
    assert canvas.zoom == pytest.approx(min((vp.width() - 16) / 160, (vp.height() - 16) / 120))
    assert window.zoom_label.text() == f"{canvas.zoom * 100:.0f} %"
    # The wheel zooms around the pointer: the image point under it stays put.
    set_zoom_at_origin(window, 8.0)
    anchor = QPointF(view_point(window, 30, 20))
    before = canvas.image_point(anchor)
    from PySide6.QtGui import QWheelEvent

    event = QWheelEvent(anchor, canvas.viewport().mapToGlobal(anchor), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    canvas.wheelEvent(event)
    assert canvas.zoom == pytest.approx(9.6)
    after = canvas.image_point(anchor)
    assert abs(after.x() - before.x()) < 1 and abs(after.y() - before.y()) < 1


def test_space_drag_and_middle_button_pan(qtbot, window):
    canvas = window.canvas
    set_zoom_at_origin(window, 8.0)
    bar = canvas.horizontalScrollBar()
    start = bar.value()
    viewport = canvas.viewport()
    qtbot.keyPress(canvas, Qt.Key.Key_Space)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(300, 200))
    qtbot.mouseMove(viewport, QPoint(200, 200))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(200, 200))
    qtbot.keyRelease(canvas, Qt.Key.Key_Space)
    assert bar.value() == start + 100
    assert not window.document.layers["mask"].any()  # panning painted nothing
    qtbot.mousePress(viewport, Qt.MouseButton.MiddleButton, pos=QPoint(200, 200))
    qtbot.mouseMove(viewport, QPoint(250, 200))
    qtbot.mouseRelease(viewport, Qt.MouseButton.MiddleButton, pos=QPoint(250, 200))
    assert bar.value() == start + 50
    assert not window.document.layers["mask"].any()


def test_eyedropper_and_alt_click_pick_from_the_photo(qtbot, window):
    photo = window.document.photo
    qtbot.keyClick(window.canvas, Qt.Key.Key_I)
    viewport = window.canvas.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=view_point(window, 100.5, 70.5))
    assert window.paint.colour.getRgb()[:3] == tuple(int(v) for v in photo[70, 100])
    qtbot.keyClick(window.canvas, Qt.Key.Key_C)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.AltModifier,
                     view_point(window, 10.5, 5.5))
    assert window.paint.colour.getRgb()[:3] == tuple(int(v) for v in photo[5, 10])
    assert not window.document.layers["colour"].any()  # Alt+click picked, did not paint


def test_shift_click_draws_a_straight_line(qtbot, window):
    window.paint.set_tool("sketch")
    window.paint.set_size(1)
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, pos=view_point(window, 10.5, 50.5))
    drag(qtbot, window, [(90.5, 50.5)], Qt.KeyboardModifier.ShiftModifier)
    assert window.document.layers["sketch"][50, 10:91].all()


def test_escape_cancels_a_stroke(qtbot, window):
    viewport = window.canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=view_point(window, 20, 20))
    qtbot.mouseMove(viewport, view_point(window, 80, 80))
    assert window.document.layers["mask"].any()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=view_point(window, 80, 80))
    assert not window.document.layers["mask"].any()
    assert window.undo_stack.count() == 0


def test_clear_layer_and_clear_all_are_undoable(qtbot, window):
    doc = window.document
    drag(qtbot, window, [(20, 20), (60, 20)])
    window.paint.set_tool("sketch")
    drag(qtbot, window, [(20, 50), (60, 50)])
    painted = doc.snapshot_layers()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)  # clears the active layer: sketch
    assert not doc.layers["sketch"].any() and doc.layers["mask"].any()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
    assert doc.is_blank("mask")
    window.undo()
    window.undo()
    assert all(np.array_equal(doc.layers[n], painted[n]) for n in painted)


def test_trace_actions_fill_only_the_erased_region(qtbot, window):
    doc = window.document
    window.paint.set_size(30)
    drag(qtbot, window, [(40, 40), (120, 40), (120, 80)])
    mask = doc.layers["mask"].copy()
    qtbot.keyClick(window.canvas, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    sketch = doc.layers["sketch"]
    assert sketch.any() and not (sketch & ~mask).any()
    qtbot.keyClick(window.canvas, Qt.Key.Key_E,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    painted = doc.layers["colour"][..., 3] > 0
    assert np.array_equal(painted, mask)
    window.undo()
    assert not doc.layers["colour"].any()
    window.undo()
    assert not doc.layers["sketch"].any()


def test_trace_without_mask_says_so(qtbot, window):
    window.trace_sketch()
    assert "Erase a region first" in window.statusBar().currentMessage()
    assert window.undo_stack.count() == 0


def test_layer_visibility_toggles(qtbot, window):
    items = window.canvas._layer_items
    window.layers_panel.visible_boxes["sketch"].click()
    assert not items["sketch"].isVisible() and not window.layer_visible_actions["sketch"].isChecked()
    window.layer_visible_actions["sketch"].trigger()
    assert items["sketch"].isVisible() and window.layers_panel.visible_boxes["sketch"].isChecked()


def test_brush_cursor_follows_pointer_and_zoom(qtbot, window):
    set_zoom_at_origin(window, 2.0)
    window.paint.set_tool("mask")
    window.paint.set_size(20)
    qtbot.mouseMove(window.canvas.viewport(), view_point(window, 50, 40))
    cursor = window.canvas._cursor_item
    assert cursor.diameter == 20
    assert abs(cursor.pos().x() - 50) <= 0.5 and abs(cursor.pos().y() - 40) <= 0.5
