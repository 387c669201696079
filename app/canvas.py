"""The canvas: photo, result and layer overlays in a zoomable, pannable view.

The view turns pointer events into image coordinates and hands them to a
`PointerHandler` (the paint controller); it never changes the document itself.
Zoom: wheel (around the pointer), pinch, zoom_in/out, fit, 100 %. Pan: space+drag
or the middle button. Holding `\\` shows the original photo (compare).
"""
from __future__ import annotations

import math
from typing import Protocol

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QKeyEvent, QMouseEvent, QPainter, QPixmap, QTransform, QWheelEvent
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QFrame, QGraphicsPixmapItem, QGraphicsScene,
                               QGraphicsView, QLineEdit, QPlainTextEdit, QTextEdit)

from .canvas_items import BrushCursorItem, LayerImageItem, MaskOutlineItem
from .document import LAYER_NAMES, Document
from .qt_convert import ArrayImage, rgb_to_qimage, rgba_to_qimage

MIN_ZOOM, MAX_ZOOM = 1 / 64, 64.0
WHEEL_STEP = 1.2  # zoom factor per wheel notch
ZOOM_STEPS = (1 / 64, 1 / 48, 1 / 32, 1 / 24, 1 / 16, 1 / 12, 1 / 8, 1 / 6, 1 / 4, 1 / 3, 1 / 2,
              2 / 3, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)

MASK_TINT = QColor(255, 0, 170, 115)   # magenta at 45 %
SKETCH_INK = QColor(0, 229, 255)       # cyan: unlike skin, hair and the mask tint
BACKGROUND = QColor(38, 38, 40)


def binary_table(colour: QColor) -> list[int]:
    """Colour table drawing 0 as transparent and 1 as `colour` (with its alpha)."""
    return [0, colour.rgba()]


class PointerHandler(Protocol):
    """What the canvas calls with image coordinates (floats, in pixels)."""

    def press(self, x: float, y: float, modifiers: Qt.KeyboardModifier) -> None: ...
    def drag(self, x: float, y: float) -> None: ...
    def release(self, x: float, y: float) -> None: ...
    def cancel(self) -> None: ...


class CanvasView(QGraphicsView):
    """The editing surface. Scene coordinates are image pixels."""

    zoom_changed = Signal(float)
    pointer_moved = Signal(int, int)     # image pixel under the pointer
    compare_held = Signal(bool)          # `\` pressed / released
    files_dropped = Signal(list)         # local paths dropped on the canvas

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(BACKGROUND)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(True)

        self.handler: PointerHandler | None = None
        self.document: Document | None = None
        self._layer_items: dict[str, LayerImageItem] = {}
        self._visible = {name: True for name in LAYER_NAMES}
        self._photo_item: QGraphicsPixmapItem | None = None
        self._result_item: QGraphicsPixmapItem | None = None
        self._live_item: QGraphicsPixmapItem | None = None
        self._outline = MaskOutlineItem()
        self._outline_stale = True
        self._result_region = None   # (box, box-sized mask) the result outline follows
        self._cursor_item = BrushCursorItem()
        self._brush_diameter: float | None = None
        self._showing_result = False
        self._comparing = False
        self._compare_latched = False
        self._space_down = False
        self._pan_from: QPointF | None = None
        self._stroking = False
        self._fit_mode = True

    # ------------------------------------------------------------------ document

    def set_document(self, document: Document) -> None:
        """Show a (new) document: photo, empty result, layer overlays; zoom to fit."""
        if self.document is not None:
            self.document.unsubscribe(self._on_document_changed)
        self.cancel_stroke()
        scene = self.scene()
        for item in list(scene.items()):
            scene.removeItem(item)
        self.document = document
        self._photo_item = QGraphicsPixmapItem(QPixmap.fromImage(rgb_to_qimage(document.photo)))
        self._photo_item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self._result_item = QGraphicsPixmapItem()
        self._result_item.setZValue(1)
        # The live fill sits over the erased region's tint, under the sketch and colour strokes.
        self._live_item = QGraphicsPixmapItem()
        self._live_item.setZValue(2.5)
        scene.addItem(self._photo_item)
        scene.addItem(self._result_item)
        scene.addItem(self._live_item)
        tables = {"mask": binary_table(MASK_TINT), "sketch": binary_table(SKETCH_INK), "colour": None}
        z = {"mask": 2, "colour": 3, "sketch": 4}
        self._layer_items = {}
        for name in LAYER_NAMES:
            item = LayerImageItem(ArrayImage(document.layers[name], tables[name]))
            item.setZValue(z[name])
            scene.addItem(item)
            self._layer_items[name] = item
        self._outline = MaskOutlineItem()
        self._outline.setZValue(5)
        scene.addItem(self._outline)
        self._outline_stale = True
        self._cursor_item = BrushCursorItem()
        self._cursor_item.setVisible(False)
        scene.addItem(self._cursor_item)
        if self._brush_diameter is not None:
            self._cursor_item.set_diameter(self._brush_diameter)
        scene.setSceneRect(QRectF(0, 0, document.width, document.height))
        document.subscribe(self._on_document_changed)
        self._showing_result = False
        self._result_region = None
        self._update_visibility()
        self.fit()

    def _on_document_changed(self, target: str, box) -> None:
        if target == "photo":
            self._refresh_photo(box)
        else:
            self._layer_items[target].refresh(box)
            if target == "mask":
                if self._result_region is None:
                    self._outline_stale = True
                    if self._outline.isVisible():
                        self._trace_outline()

    def _refresh_photo(self, box) -> None:
        photo = self.document.photo
        if box is None:
            self._photo_item.setPixmap(QPixmap.fromImage(rgb_to_qimage(photo)))
            return
        x0, y0, x1, y1 = box
        pixmap = self._photo_item.pixmap()
        painter = QPainter(pixmap)
        painter.drawImage(x0, y0, rgb_to_qimage(photo[y0:y1, x0:x1]))
        painter.end()
        self._photo_item.setPixmap(pixmap)

    # ------------------------------------------------------------------ display

    def show_result(self, result_rgb: np.ndarray | None, region=None) -> None:
        """Show a full-size result over the photo (None: back to the photo and layers).
        The outline follows `region` (box, box-sized bool mask: what the result repainted),
        else the erase region."""
        self._result_region = region if result_rgb is not None else None
        self._outline_stale = True
        if result_rgb is None:
            self._result_item.setPixmap(QPixmap())
            self._showing_result = False
        else:
            self._result_item.setPixmap(QPixmap.fromImage(rgb_to_qimage(result_rgb)))
            self._showing_result = True
        self._update_visibility()

    def show_live_fill(self, rgba: np.ndarray | None, x: float = 0, y: float = 0,
                       scale: tuple[float, float] = (1.0, 1.0)) -> None:
        """Show a live fill (RGBA, alpha = repainted) with its corner at image point
        (x, y), enlarged by `scale` (a preview made on a reduced photo), in the editing
        view; None removes it."""
        if self._live_item is None:
            return
        if rgba is None:
            self._live_item.setPixmap(QPixmap())
        else:
            self._live_item.setPixmap(QPixmap.fromImage(rgba_to_qimage(rgba)))
            self._live_item.setPos(x, y)
            self._live_item.setTransform(QTransform.fromScale(*scale))
            self._live_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._update_visibility()

    @property
    def showing_live_fill(self) -> bool:
        """True while a live fill is on screen."""
        return self._live_item is not None and self._live_item.isVisible() and not self._live_item.pixmap().isNull()

    @property
    def showing_result(self) -> bool:
        """True while the result, not the photo with its layers, is on screen."""
        return self._showing_result and not self._result_item.pixmap().isNull()

    def set_result_visible(self, visible: bool) -> None:
        """Switch between the result view and the editing view (photo + layers)."""
        self._showing_result = bool(visible) and not self._result_item.pixmap().isNull()
        self._update_visibility()

    def set_comparing(self, on: bool) -> None:
        """Latch the compare view on or off (the photo alone, no layers)."""
        self._compare_latched = on
        self._comparing = on
        self._update_visibility()

    @property
    def comparing(self) -> bool:
        return self._comparing

    def set_layer_visible(self, name: str, visible: bool) -> None:
        """Show or hide one layer's overlay."""
        self._visible[name] = visible
        self._update_visibility()

    def layer_visible(self, name: str) -> bool:
        return self._visible[name]

    def _update_visibility(self) -> None:
        if self._photo_item is None:
            return
        result_on = self.showing_result and not self._comparing
        self._result_item.setVisible(result_on)
        overlays = not self._comparing and not result_on
        for name, item in self._layer_items.items():
            item.setVisible(overlays and self._visible[name])
        self._live_item.setVisible(overlays)
        outline = result_on and self._visible["mask"]
        if outline and self._outline_stale:
            self._trace_outline()
        self._outline.setVisible(outline)
        self._update_sampling()

    def _trace_outline(self) -> None:
        if self._result_region is not None:
            (x0, y0, _, _), mask = self._result_region
            self._outline.set_mask(mask)
            self._outline.setPos(x0, y0)
        else:
            self._outline.set_mask(self.document.layers["mask"])
            self._outline.setPos(0, 0)
        self._outline_stale = False

    def _update_sampling(self) -> None:
        mode = (Qt.TransformationMode.SmoothTransformation if self.zoom < 1.0
                else Qt.TransformationMode.FastTransformation)
        for item in (self._photo_item, self._result_item):
            if item is not None:
                item.setTransformationMode(mode)

    # ------------------------------------------------------------------ zoom

    @property
    def zoom(self) -> float:
        """Screen pixels per image pixel."""
        return self.transform().m11()

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to `zoom`, keeping the image point under `anchor` (viewport px) in place."""
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        if anchor is None:
            anchor = QPointF(self.viewport().width() / 2, self.viewport().height() / 2)
        scene_point = self.mapToScene(anchor.toPoint())
        self.setTransform(QTransform.fromScale(zoom, zoom))
        moved = self.mapFromScene(scene_point)
        self._scroll_by(moved.x() - anchor.x(), moved.y() - anchor.y())
        self._update_sampling()
        self._cursor_item.prepareGeometryChange()
        self.zoom_changed.emit(self.zoom)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Multiply the zoom (the user zoomed: fit-to-window ends)."""
        self._fit_mode = False
        self.set_zoom(self.zoom * factor, anchor)

    def zoom_in(self) -> None:
        """Next zoom step up (Ctrl+=)."""
        self._fit_mode = False
        self.set_zoom(next((z for z in ZOOM_STEPS if z > self.zoom * 1.001), MAX_ZOOM))

    def zoom_out(self) -> None:
        """Next zoom step down (Ctrl+-)."""
        self._fit_mode = False
        self.set_zoom(next((z for z in reversed(ZOOM_STEPS) if z < self.zoom / 1.001), MIN_ZOOM))

    def actual_size(self) -> None:
        """100 %: one image pixel per screen pixel."""
        self._fit_mode = False
        self.set_zoom(1.0)

    def fit(self) -> None:
        """Fit the whole image in the window (and keep fitting when it is resized)."""
        self._fit_mode = True
        if self.document is None:
            return
        margin = 16
        view = self.viewport().size()
        zoom = min((view.width() - margin) / self.document.width, (view.height() - margin) / self.document.height)
        self.set_zoom(max(zoom, MIN_ZOOM))
        self.centerOn(self.document.width / 2, self.document.height / 2)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._fit_mode:
            self.fit()

    def _scroll_by(self, dx: float, dy: float) -> None:
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() + round(dx))
        v.setValue(v.value() + round(dy))

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120
        if steps == 0 and not event.pixelDelta().isNull():
            steps = event.pixelDelta().y() / 60
        if steps:
            self.zoom_by(WHEEL_STEP ** steps, event.position())
        event.accept()

    def event(self, event) -> bool:
        if event.type() == event.Type.NativeGesture and event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
            self.zoom_by(1.0 + event.value(), event.position())
            return True
        return super().event(event)

    # ------------------------------------------------------------------ brush cursor

    def set_brush_diameter(self, diameter: float | None) -> None:
        """Show a brush ring of this many image pixels (None: a plain cross cursor)."""
        self._brush_diameter = diameter
        if diameter is not None:
            self._cursor_item.set_diameter(diameter)
        self._update_cursor()

    def _update_cursor(self, pos: QPointF | None = None) -> None:
        if self._space_down or self._pan_from is not None:
            shape = Qt.CursorShape.ClosedHandCursor if self._pan_from is not None else Qt.CursorShape.OpenHandCursor
            self.viewport().setCursor(shape)
            self._cursor_item.setVisible(False)
            return
        if pos is None:
            pos = QPointF(self.viewport().mapFromGlobal(QCursor.pos()))
        inside = self.viewport().rect().contains(pos.toPoint())
        ring = self._brush_diameter is not None and self.document is not None
        self._cursor_item.setVisible(ring and inside)
        if ring:
            self._cursor_item.setPos(self.mapToScene(pos.toPoint()))
            # The ring replaces the arrow once it is big enough to aim with.
            big = self._brush_diameter * self.zoom >= 8
            self.viewport().setCursor(Qt.CursorShape.BlankCursor if big else Qt.CursorShape.CrossCursor)
        else:
            self.viewport().setCursor(Qt.CursorShape.CrossCursor)

    def enterEvent(self, event) -> None:  # noqa: N802
        # Like Krita: the canvas takes the keyboard when the pointer comes in (so Space,
        # \\ and tool keys work at once), unless the user is typing in a field.
        focused = QApplication.focusWidget()
        if not isinstance(focused, (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)):
            self.setFocus(Qt.FocusReason.MouseFocusReason)
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802
        self._cursor_item.setVisible(False)
        super().leaveEvent(event)

    # ------------------------------------------------------------------ pointer

    def image_point(self, pos: QPointF) -> QPointF:
        """Viewport position → image coordinates (floats, pixels)."""
        inverse, _ = self.viewportTransform().inverted()
        return inverse.map(pos)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and self._space_down):
            self._pan_from = event.position()
            self._update_cursor(event.position())
            event.accept()
            return
        if button == Qt.MouseButton.LeftButton and self.handler is not None and self.document is not None:
            self._stroking = True
            p = self.image_point(event.position())
            self.handler.press(p.x(), p.y(), event.modifiers())
            event.accept()
            return
        if button == Qt.MouseButton.RightButton and self._stroking:
            self.cancel_stroke()
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if self._pan_from is not None:
            delta = pos - self._pan_from
            self._pan_from = pos
            self._scroll_by(-delta.x(), -delta.y())
            event.accept()
            return
        p = self.image_point(pos)
        if self._stroking and self.handler is not None:
            self.handler.drag(p.x(), p.y())
        self._update_cursor(pos)
        self.pointer_moved.emit(math.floor(p.x()), math.floor(p.y()))
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None and event.button() in (Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton):
            self._pan_from = None
            self._update_cursor(event.position())
            event.accept()
            return
        if self._stroking and event.button() == Qt.MouseButton.LeftButton:
            self._stroking = False
            p = self.image_point(event.position())
            if self.handler is not None:
                self.handler.release(p.x(), p.y())
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def cancel_stroke(self) -> None:
        """Abandon the stroke in progress (Escape, right button, a new document)."""
        if self._stroking:
            self._stroking = False
            if self.handler is not None:
                self.handler.cancel()

    # ------------------------------------------------------------------ keys held

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space_down = True
                self._update_cursor()
            event.accept()
            return
        if key == Qt.Key.Key_Backslash and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            if not event.isAutoRepeat():
                self.hold_compare(True)
            event.accept()
            return
        if key == Qt.Key.Key_Escape and self._stroking:
            self.cancel_stroke()
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space_down = False
                self._update_cursor()
            event.accept()
            return
        if key == Qt.Key.Key_Backslash:
            if not event.isAutoRepeat():
                self.hold_compare(False)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def hold_compare(self, held: bool) -> None:
        """While held, show the original photo alone."""
        self._comparing = held or self._compare_latched
        self._update_visibility()
        self.compare_held.emit(held)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        # A key released while another widget has focus never reaches us.
        if self._space_down:
            self._space_down = False
            self._update_cursor()
        if self._comparing and not self._compare_latched:
            self.hold_compare(False)
        super().focusOutEvent(event)

    # ------------------------------------------------------------------ drops

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            self.files_dropped.emit(paths)
            event.acceptProposedAction()
        else:
            super().dropEvent(event)
