"""The Layers dock: each layer's visibility, which one the eraser works on, and the
layer actions (trace, clear)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QGridLayout, QLabel, QRadioButton, QSizePolicy,
                               QToolButton, QVBoxLayout, QWidget)

from . import icons
from .document import LAYER_NAMES, LAYER_TITLES

LAYER_ICONS = {"mask": "mask", "sketch": "sketch", "colour": "colour"}


class LayersPanel(QWidget):
    """One row per layer: [visible] [icon] name (active) [clear]."""

    visibility_changed = Signal(str, bool)
    active_changed = Signal(str)
    clear_requested = Signal(str)

    def __init__(self, layer_actions: list[QAction], parent=None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 8)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setColumnStretch(2, 1)
        self.visible_boxes: dict[str, QCheckBox] = {}
        self.active_buttons: dict[str, QRadioButton] = {}
        group = QButtonGroup(self)
        for row, name in enumerate(LAYER_NAMES):
            visible = QCheckBox()
            visible.setChecked(True)
            visible.setToolTip(f"Show the {LAYER_TITLES[name].lower()} layer")
            visible.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            visible.toggled.connect(lambda on, n=name: self.visibility_changed.emit(n, on))
            icon = QLabel()
            icon.setPixmap(icons.icon(LAYER_ICONS[name]).pixmap(20, 20))
            active = QRadioButton(LAYER_TITLES[name])
            active.setToolTip("The active layer: the eraser (X) removes paint from it")
            active.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            active.toggled.connect(lambda on, n=name: on and self.active_changed.emit(n))
            group.addButton(active)
            clear = QToolButton()
            clear.setIcon(icons.icon("cancel"))
            clear.setAutoRaise(True)
            clear.setToolTip(f"Clear the {LAYER_TITLES[name].lower()} layer")
            clear.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            clear.clicked.connect(lambda _=False, n=name: self.clear_requested.emit(n))
            for col, widget in enumerate((visible, icon, active, clear)):
                grid.addWidget(widget, row, col)
            self.visible_boxes[name] = visible
            self.active_buttons[name] = active
        outer.addLayout(grid)
        for action in layer_actions:
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            outer.addWidget(button)
        outer.addStretch(1)

    def show_active(self, name: str) -> None:
        """Mark the active layer (without emitting)."""
        button = self.active_buttons[name]
        button.blockSignals(True)
        button.setChecked(True)
        button.blockSignals(False)

    def show_visible(self, name: str, visible: bool) -> None:
        """Set a visibility box (without emitting)."""
        box = self.visible_boxes[name]
        box.blockSignals(True)
        box.setChecked(visible)
        box.blockSignals(False)
