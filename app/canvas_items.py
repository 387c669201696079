"""What the canvas scene is made of, besides the photo: layer overlays, the outline of
the erased region, and the brush cursor. All in image-pixel scene coordinates."""
from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem

from .qt_convert import ArrayImage


class LayerImageItem(QGraphicsItem):
    """Draws a layer array through an ArrayImage; repaints only what is exposed."""

    def __init__(self, view: ArrayImage):
        super().__init__()
        self.view = view
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self._bounds = QRectF(0, 0, view.image.width(), view.image.height())

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        exposed = option.exposedRect.intersected(self._bounds).toAlignedRect()
        if exposed.isEmpty():
            return
        zoom = painter.worldTransform().m11()
        # Smooth only when shrinking, so thin lines fade rather than vanish; when
        # enlarging, pixels stay square so the user sees exactly what is painted.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, zoom < 1.0)
        painter.drawImage(QRectF(exposed), self.view.image, QRectF(exposed))

    def refresh(self, box=None) -> None:
        """Repaint after the array changed inside `box` (x0, y0, x1, y1), or all of it."""
        if box is None:
            self.update()
        else:
            x0, y0, x1, y1 = box
            self.update(QRectF(x0, y0, x1 - x0, y1 - y0))


def mask_outline_path(mask: np.ndarray) -> QPainterPath:
    """The borders of the erased region as a path along pixel edges."""
    path = QPainterPath()
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    for contour in contours:
        points = contour.reshape(-1, 2).astype(np.float64) + 0.5
        path.moveTo(QPointF(*points[0]))
        for x, y in points[1:]:
            path.lineTo(QPointF(x, y))
        path.closeSubpath()
    return path


class MaskOutlineItem(QGraphicsPathItem):
    """The erased region as a black-and-white dashed border, for viewing a result
    without the tint hiding it."""

    def __init__(self):
        super().__init__()
        pen = QPen(QColor(255, 255, 255, 230), 1.5)
        pen.setCosmetic(True)
        pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        self._under = QPen(QColor(0, 0, 0, 200), 1.5)
        self._under.setCosmetic(True)

    def set_mask(self, mask: np.ndarray) -> None:
        """Trace the region's border anew."""
        self.setPath(mask_outline_path(mask))

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.strokePath(self.path(), self._under)
        super().paint(painter, option, widget)


class BrushCursorItem(QGraphicsItem):
    """The brush outline at the current size, in scene units so it follows the zoom;
    a black and a white ring keep it visible on any photo, and a small cross marks
    the centre when the ring would be too small to see."""

    def __init__(self):
        super().__init__()
        self.diameter = 10.0
        self.setZValue(1000)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._dark = QPen(QColor(0, 0, 0, 220), 1)
        self._dark.setCosmetic(True)
        self._light = QPen(QColor(255, 255, 255, 230), 1)
        self._light.setCosmetic(True)

    def set_diameter(self, diameter: float) -> None:
        """Resize the ring (image pixels)."""
        self.prepareGeometryChange()
        self.diameter = float(diameter)

    def boundingRect(self) -> QRectF:  # noqa: N802
        # Room for the ring plus the centre cross, whose size is in screen pixels.
        r = self.diameter / 2 + 2
        extra = 8.0 / max(self._zoom(), 1e-3)
        side = max(r, extra)
        return QRectF(-side, -side, 2 * side, 2 * side)

    def _zoom(self) -> float:
        views = self.scene().views() if self.scene() else []
        return views[0].transform().m11() if views else 1.0

    def paint(self, painter: QPainter, option, widget=None) -> None:
        zoom = painter.worldTransform().m11() or 1.0
        r = self.diameter / 2
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(self._dark)
        painter.drawEllipse(QPointF(0, 0), r + 0.5 / zoom, r + 0.5 / zoom)
        painter.setPen(self._light)
        painter.drawEllipse(QPointF(0, 0), max(r - 0.5 / zoom, 0), max(r - 0.5 / zoom, 0))
        if r * zoom < 6:
            arm = 6 / zoom
            for pen in (self._dark, self._light):
                painter.setPen(pen)
                shift = 0.0 if pen is self._dark else 1 / zoom
                painter.drawLine(QPointF(-arm + shift, shift), QPointF(arm + shift, shift))
                painter.drawLine(QPointF(shift, -arm + shift), QPointF(shift, arm + shift))
