"""Issue 14: the first run (no photo yet) and the window's cosmetics."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QPushButton, QToolButton

from test_gui_fixtures import (data_dir, dialogs, finish, make_window, sample_photo,  # noqa: F401
                               write_photo)


@pytest.fixture
def empty_window(qtbot, data_dir, dialogs):  # noqa: F811
    from app.main_window import MainWindow

    w = MainWindow(load_model=False)
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    qtbot.waitExposed(w)
    yield w
    finish(w)


# ---------------------------------------------------------------- 11: first run

def test_first_run_says_what_to_do_and_disables_what_cannot_work(qtbot, empty_window):
    w = empty_window
    assert w.document is None and w.welcome.isVisible()
    text = " ".join(label.text() for label in w.welcome.findChildren(type(w.size_label)))
    assert "drop" in text.lower() and "open" in text.lower()
    buttons = [b.text() for b in w.welcome.findChildren(QPushButton)]
    assert any("Open" in b for b in buttons)
    assert len(w.welcome.sample_buttons) >= 2  # the bundled sample portraits
    assert not any(a.isEnabled() for a in w.tool_actions.values())
    assert not w.tool_options.isEnabled() and not w.layers_panel.isEnabled()
    assert not w.bigger_action.isEnabled() and not w.generate_panel.seed_spin.isEnabled()
    assert "Erase a region" not in w.generate_panel.empty_hint.text()
    # Trying a sample opens it: tools on, the panel gone.
    qtbot.mouseClick(w.welcome.sample_buttons[0], Qt.MouseButton.LeftButton)
    assert w.document is not None and not w.welcome.isVisible()
    assert all(a.isEnabled() for a in w.tool_actions.values()) and w.tool_options.isEnabled()
    assert w.layers_panel.isEnabled() and "Erase a region" in w.generate_panel.empty_hint.text()


def test_first_run_open_button_asks_for_a_photo(qtbot, empty_window, dialogs, tmp_path):  # noqa: F811
    photo = tmp_path / "face.png"
    write_photo(photo, sample_photo(60, 80))
    dialogs.open_path = str(photo)
    button = next(b for b in empty_window.welcome.findChildren(QPushButton) if "Open" in b.text())
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert empty_window.document is not None and empty_window.document.width == 80


def test_first_run_accepts_a_dropped_photo(qtbot, empty_window, tmp_path):
    photo = tmp_path / "dropped.png"
    write_photo(photo, sample_photo(50, 70))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo))])
    target = empty_window.canvas.viewport()
    centre = QPointF(target.width() / 2, target.height() / 2)
    enter = QDragEnterEvent(centre.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(centre, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    assert empty_window.document is not None and empty_window.document.width == 70


def test_model_status_is_in_plain_words(qtbot, data_dir, dialogs, tiny_weights):  # noqa: F811
    w = make_window(qtbot, tiny_weights)
    assert w.device_label.text() == "Ready — fast model on the CPU"
    assert "width 4" in w.device_label.toolTip() and "128 px" in w.device_label.toolTip()
    finish(w)


# ---------------------------------------------------------------- 12: cosmetics

def test_title_names_the_app_once(qtbot, empty_window, tmp_path):
    photo = tmp_path / "x.jpg"
    write_photo(photo, sample_photo(40, 60))
    assert empty_window.open_path(str(photo))
    title = empty_window.windowTitle()
    # Qt appends the application's display name unless the title already ends with it.
    assert title.startswith("x.jpg") and title.endswith("SC-FEGAN Studio") and title.count("SC-FEGAN Studio") == 1


def test_the_data_folder_is_not_nested_twice(monkeypatch, tmp_path, qapp):
    from app.app_paths import data_dir as app_data_dir
    from app.settings import APPLICATION, ORGANISATION

    monkeypatch.delenv("SCFEGAN_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("HOME", str(tmp_path))
    names = qapp.organizationName(), qapp.applicationName()
    qapp.setOrganizationName(ORGANISATION)
    qapp.setApplicationName(APPLICATION)
    try:
        folder = app_data_dir()
    finally:
        qapp.setOrganizationName(names[0])
        qapp.setApplicationName(names[1])
    assert folder.parts.count("SC-FEGAN Studio") == 1 and folder.is_dir()


def test_the_size_slider_covers_every_size(qtbot, data_dir, dialogs):  # noqa: F811
    from app.tools import MAX_SIZE

    w = make_window(qtbot)
    bar = w.tool_options
    positions = []
    for size in (5, 40, 300, 600, 1000):
        w.paint.set_size(size)
        positions.append(bar.size_slider.value())
    assert positions == sorted(set(positions))          # each size has its own place
    assert positions[-1] == bar.size_slider.maximum() and positions[2] < bar.size_slider.maximum()
    bar.size_slider.setValue(bar.size_slider.maximum())
    assert w.paint.size() == MAX_SIZE
    finish(w)


def test_the_window_fits_800_by_500(qtbot, data_dir, dialogs, tmp_path):  # noqa: F811
    w = make_window(qtbot)
    w.paint.set_tool("colour")
    for colour in ("#c03030", "#30c030", "#3030c0", "#c0c030", "#30c0c0", "#c030c0"):
        w.tool_options.remember_colour(QColor(colour))
    w.resize(800, 500)
    qtbot.waitUntil(lambda: w.width() == 800 and w.height() == 500)
    qtbot.wait(50)
    w.grab().save("/tmp/scfegan-800x500.png")

    def inside_window(widget) -> bool:
        top_left = widget.mapTo(w, QPoint(0, 0))
        return (widget.isVisible() and top_left.x() >= 0 and top_left.x() + widget.width() <= w.width()
                and not widget.visibleRegion().isEmpty())

    assert inside_window(w.tool_options.colour_button)
    assert inside_window(w.tool_options.size_spin)
    panel = w.generate_panel
    hint = panel.empty_hint
    hint_bottom = hint.mapTo(panel, QPoint(0, hint.height())).y()
    for button in panel.findChildren(QToolButton):
        if button.defaultAction() in (w.apply_action, w.show_result_action):
            assert inside_window(button)
            assert button.mapTo(panel, QPoint(0, 0)).y() >= hint_bottom  # no overlap with the hint
    finish(w)
