"""Turning pointer input into brush strokes on the document, one undo step each.

The controller knows the current tool, each tool's size, the brush colour and the
active layer (the eraser's target). It receives image coordinates from the canvas.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QUndoStack

from . import brush
from .commands import PatchCommand
from .document import LAYER_TITLES, Document
from .stroke import StrokeRecorder
from .tools import MAX_SIZE, MIN_SIZE, TOOLS, bigger, smaller


class PaintController(QObject):
    """Brush state plus the press/drag/release handler of the canvas."""

    tool_changed = Signal(str)
    size_changed = Signal(str, int)          # tool id, diameter
    colour_changed = Signal(QColor)
    active_layer_changed = Signal(str)
    stroke_started = Signal(str)             # layer name
    stroke_finished = Signal(str)            # layer name; emitted only if something changed
    stroke_cancelled = Signal(str)           # layer name; the stroke was undone as it was drawn
    colour_picked = Signal(QColor)

    def __init__(self, undo_stack: QUndoStack, parent=None):
        super().__init__(parent)
        self.undo_stack = undo_stack
        self.document: Document | None = None
        self.tool = "mask"
        self.sizes = {tool_id: tool.default_size for tool_id, tool in TOOLS.items()}
        self.colour = QColor(200, 150, 120)
        self.active_layer = "mask"
        # What the eyedropper samples: the image on screen (result or photo).
        self.pick_source: Callable[[], np.ndarray | None] = lambda: None
        self._recorder: StrokeRecorder | None = None
        self._last_point: tuple[float, float] | None = None   # end of the last stroke (Shift+click)
        self._stroke_point: tuple[float, float] | None = None
        self._stroke_value = None
        self._picking = False

    # ------------------------------------------------------------------ state

    def set_document(self, document: Document) -> None:
        """Paint on a new document."""
        self.cancel()
        self.document = document
        self._last_point = None

    def set_tool(self, tool_id: str) -> None:
        """Choose a tool; painting tools also make their layer the active one."""
        if tool_id not in TOOLS:
            raise ValueError(f"unknown tool {tool_id!r}")
        self.cancel()
        self.tool = tool_id
        layer = TOOLS[tool_id].layer
        if layer is not None:
            self.set_active_layer(layer)
        self.tool_changed.emit(tool_id)

    def set_active_layer(self, name: str) -> None:
        """The layer the eraser works on."""
        if name != self.active_layer:
            self.active_layer = name
            self.active_layer_changed.emit(name)

    def size(self, tool_id: str | None = None) -> int:
        """Brush diameter of a tool (default: the current one), image pixels."""
        return self.sizes[tool_id or self.tool]

    def set_size(self, size: int, tool_id: str | None = None) -> None:
        """Set a tool's brush diameter."""
        tool_id = tool_id or self.tool
        size = int(min(max(size, MIN_SIZE), MAX_SIZE))
        if self.sizes[tool_id] != size:
            self.sizes[tool_id] = size
            self.size_changed.emit(tool_id, size)

    def grow(self) -> None:
        """`]`: a bigger brush."""
        self.set_size(bigger(self.size()))

    def shrink(self) -> None:
        """`[`: a smaller brush."""
        self.set_size(smaller(self.size()))

    def set_colour(self, colour: QColor) -> None:
        """The colour brush's colour."""
        colour = QColor(colour.red(), colour.green(), colour.blue())
        if colour != self.colour:
            self.colour = colour
            self.colour_changed.emit(colour)

    @property
    def target_layer(self) -> str | None:
        """The layer the current tool changes (None for the eyedropper)."""
        if self.tool == "eraser":
            return self.active_layer
        return TOOLS[self.tool].layer

    @property
    def stroking(self) -> bool:
        return self._recorder is not None

    # ------------------------------------------------------------------ pointer

    def press(self, x: float, y: float, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        """Start a stroke (or pick a colour) at image point (x, y)."""
        if self.document is None:
            return
        alt = bool(modifiers & Qt.KeyboardModifier.AltModifier)
        if self.tool == "picker" or (self.tool == "colour" and alt):
            self._picking = True
            self.pick(x, y)
            return
        layer = self.target_layer
        self._recorder = StrokeRecorder(layer, self.document.layers[layer])
        self._stroke_value = self._value_for(layer, erase=self.tool == "eraser")
        diameter = self.size()
        point = brush.snap(x, y, diameter)
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        start = self._last_point if shift and self._last_point is not None else point
        self.stroke_started.emit(layer)
        self._stroke_point = start
        self._paint_to(point)

    def drag(self, x: float, y: float) -> None:
        """Continue the stroke to (x, y), filling the gap since the last event."""
        if self._picking:
            self.pick(x, y)
            return
        if self._recorder is None:
            return
        self._paint_to(brush.snap(x, y, self.size()))

    def release(self, x: float, y: float) -> None:
        """End the stroke: it becomes one undo step."""
        if self._picking:
            self._picking = False
            return
        if self._recorder is None:
            return
        self.drag(x, y)
        recorder, self._recorder = self._recorder, None
        self._last_point = self._stroke_point
        patch = recorder.finish()
        if patch is None:
            return
        verb = "Erase" if self.tool == "eraser" else "Paint"
        self.undo_stack.push(PatchCommand(self.document, [patch], f"{verb} {LAYER_TITLES[patch.target]}",
                                          applied=True))
        self.stroke_finished.emit(patch.target)

    def cancel(self) -> None:
        """Abandon the stroke in progress, restoring the layer."""
        self._picking = False
        if self._recorder is None:
            return
        recorder, self._recorder = self._recorder, None
        box = recorder.box
        if self.document is not None and box is not None:
            self.document.will_change(recorder.target, box)
        recorder.revert()
        if self.document is not None:
            self.document.changed(recorder.target, box)
        self.stroke_cancelled.emit(recorder.target)

    def _paint_to(self, point: tuple[float, float]) -> None:
        layer = self.document.layers[self._recorder.target]
        diameter = self.size()
        changed = None
        for p0, p1 in brush.split_segment(self._stroke_point, point, diameter):
            box = brush.segment_box(p0, p1, diameter, layer.shape)
            if box is None:
                continue
            self._recorder.protect(box)
            self.document.will_change(self._recorder.target, box)
            brush.paint_capsule(layer, p0, p1, diameter, self._stroke_value, box)
            changed = brush.union(changed, box)
        self._stroke_point = point
        if changed is not None:
            self.document.changed(self._recorder.target, changed)

    def _value_for(self, layer: str, erase: bool):
        if layer == "colour":
            if erase:
                return np.zeros(4, np.uint8)
            c = self.colour
            return np.array([c.red(), c.green(), c.blue(), 255], np.uint8)
        return not erase

    # ------------------------------------------------------------------ eyedropper

    def pick(self, x: float, y: float) -> QColor | None:
        """Take the colour under (x, y) from what is on screen as the brush colour."""
        image = self.pick_source()
        if image is None:
            return None
        ix, iy = math.floor(x), math.floor(y)
        if not (0 <= ix < image.shape[1] and 0 <= iy < image.shape[0]):
            return None
        r, g, b = (int(v) for v in image[iy, ix, :3])
        colour = QColor(r, g, b)
        self.set_colour(colour)
        self.colour_picked.emit(colour)
        return colour
