"""The tool options bar: the current tool, its brush size, the brush colour and the
recently used colours."""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QColorDialog, QHBoxLayout, QLabel, QSizePolicy, QSlider, QSpinBox, QToolBar,
                               QToolButton, QWidget)

from . import icons
from .painting import PaintController
from .tools import MAX_SIZE, MIN_SIZE, TOOLS

SLIDER_STEPS = 1000  # slider positions; sizes on a log scale, so small brushes get room too


def size_to_slider(size: int) -> int:
    """The slider position of a brush size (MIN_SIZE..MAX_SIZE, log scale)."""
    size = min(max(size, MIN_SIZE), MAX_SIZE)
    return round(SLIDER_STEPS * math.log(size / MIN_SIZE) / math.log(MAX_SIZE / MIN_SIZE))


def slider_to_size(position: int) -> int:
    """The brush size at a slider position."""
    return min(max(round(MIN_SIZE * (MAX_SIZE / MIN_SIZE) ** (position / SLIDER_STEPS)), MIN_SIZE), MAX_SIZE)


class ToolOptionsBar(QToolBar):
    """Size and colour controls bound to a PaintController."""

    recent_colours_changed = Signal(list)

    def __init__(self, paint: PaintController, parent=None):
        super().__init__("Tool options", parent)
        self.setObjectName("tool-options")
        self.setMovable(False)
        self.paint = paint
        self.recent: list[QColor] = []

        self.tool_label = QLabel()
        self.addWidget(self.tool_label)
        self.addSeparator()

        size_box = QWidget()
        row = QHBoxLayout(size_box)
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(QLabel("Size"))
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(0, SLIDER_STEPS)
        self.size_slider.setFixedWidth(130)
        self.size_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.size_slider.setToolTip("Brush diameter in image pixels ([ smaller, ] bigger)")
        self.size_spin = QSpinBox()
        self.size_spin.setRange(MIN_SIZE, MAX_SIZE)
        self.size_spin.setSuffix(" px")
        self.size_spin.setToolTip(self.size_slider.toolTip())
        self.size_spin.setKeyboardTracking(False)
        self.size_spin.setFixedWidth(84)
        row.addWidget(self.size_slider)
        row.addWidget(self.size_spin)
        size_box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.size_widget = self.addWidget(size_box)
        self.addSeparator()

        colour_box = QWidget()
        crow = QHBoxLayout(colour_box)
        crow.setContentsMargins(4, 0, 4, 0)
        crow.setSpacing(3)
        crow.addWidget(QLabel("Colour"))
        self.colour_button = QToolButton()
        self.colour_button.setIconSize(self.colour_button.iconSize() * 1.4)
        self.colour_button.setToolTip("Brush colour: click to choose (Alt+click on the photo picks one)")
        self.colour_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.colour_button.clicked.connect(self.choose_colour)
        crow.addWidget(self.colour_button)
        self.swatch_row = QHBoxLayout()
        self.swatch_row.setSpacing(2)
        crow.addLayout(self.swatch_row)
        colour_box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.colour_widget = self.addWidget(colour_box)

        self.size_slider.valueChanged.connect(lambda position: self._size_edited(slider_to_size(position)))
        self.size_spin.valueChanged.connect(self._size_edited)
        paint.tool_changed.connect(self._show_tool)
        paint.size_changed.connect(self._show_size)
        paint.colour_changed.connect(self._show_colour)
        self._show_tool(paint.tool)
        self._show_colour(paint.colour)

    def _size_edited(self, value: int) -> None:
        self.paint.set_size(value)

    def _show_tool(self, tool_id: str) -> None:
        tool = TOOLS[tool_id]
        self.tool_label.setText(f"  {tool.name}")
        self.size_widget.setVisible(tool.has_size)
        self._show_size(tool_id, self.paint.size(tool_id))

    def _show_size(self, tool_id: str, size: int) -> None:
        if tool_id != self.paint.tool:
            return
        for widget in (self.size_slider, self.size_spin):
            widget.blockSignals(True)
        self.size_slider.setValue(size_to_slider(size))
        self.size_spin.setValue(size)
        for widget in (self.size_slider, self.size_spin):
            widget.blockSignals(False)

    def _show_colour(self, colour: QColor) -> None:
        self.colour_button.setIcon(icons.swatch_icon(colour))
        self.colour_button.setToolTip(f"Brush colour {colour.name()}: click to choose (Alt+click on the photo picks one)")

    def choose_colour(self) -> None:
        """Open the colour dialog for the brush colour."""
        colour = QColorDialog.getColor(self.paint.colour, self, "Brush colour")
        if colour.isValid():
            self.paint.set_colour(colour)
            self.remember_colour(colour)

    def remember_colour(self, colour: QColor) -> None:
        """Put a colour first among the recent swatches."""
        colour = QColor(colour.name())
        self.recent = [colour] + [c for c in self.recent if c.name() != colour.name()]
        del self.recent[10:]
        self._rebuild_swatches()
        self.recent_colours_changed.emit(list(self.recent))

    def set_recent_colours(self, colours: list[QColor]) -> None:
        """Show a stored list of recent colours."""
        self.recent = [QColor(c.name()) for c in colours][:10]
        self._rebuild_swatches()

    def _rebuild_swatches(self) -> None:
        while self.swatch_row.count():
            widget = self.swatch_row.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        for colour in self.recent:
            button = QToolButton()
            button.setIcon(icons.swatch_icon(colour, 12))
            button.setToolTip(f"Use {colour.name()}")
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, c=colour: self.paint.set_colour(c))
            self.swatch_row.addWidget(button)
