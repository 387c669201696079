"""Tool and action icons, drawn with QPainter so the app ships no image files.

Each icon is drawn on a 24-unit grid at 3× resolution; strokes use the palette's
light text colour so they read on the dark theme.
"""
from __future__ import annotations

import functools
from typing import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

INK = QColor(222, 222, 226)
MAGENTA = QColor(255, 0, 170)
CYAN = QColor(0, 229, 255)
SCALE = 3


def _render(draw: Callable[[QPainter], None], disabled_alpha: int = 90) -> QIcon:
    icon = QIcon()
    for mode, alpha in ((QIcon.Mode.Normal, 255), (QIcon.Mode.Disabled, disabled_alpha)):
        pixmap = QPixmap(24 * SCALE, 24 * SCALE)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(SCALE, SCALE)
        painter.setOpacity(alpha / 255)
        draw(painter)
        painter.end()
        pixmap.setDevicePixelRatio(SCALE)
        icon.addPixmap(pixmap, mode)
    return icon


def _pen(colour: QColor = INK, width: float = 1.6) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _mask(p: QPainter) -> None:
    tint = QColor(MAGENTA)
    tint.setAlpha(150)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(tint)
    p.drawEllipse(QRectF(4, 5, 16, 14))
    dashed = _pen(INK, 1.4)
    dashed.setStyle(Qt.PenStyle.DashLine)
    p.setPen(dashed)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QRectF(4, 5, 16, 14))


def _sketch(p: QPainter) -> None:
    p.setPen(_pen())
    body = QPolygonF([QPointF(17, 3), QPointF(21, 7), QPointF(9, 19), QPointF(4, 20), QPointF(5, 15)])
    p.drawPolygon(body)
    p.drawLine(QPointF(15, 5), QPointF(19, 9))
    p.setPen(_pen(CYAN, 1.8))
    path = QPainterPath(QPointF(3, 22))
    path.cubicTo(QPointF(8, 20), QPointF(12, 23), QPointF(21, 21))
    p.drawPath(path)


def _colour(p: QPainter) -> None:
    p.setPen(_pen())
    p.drawLine(QPointF(20, 3), QPointF(11, 12))
    p.drawLine(QPointF(21, 4), QPointF(12, 13))
    tip = QPainterPath(QPointF(10, 11))
    tip.cubicTo(QPointF(5, 11), QPointF(6, 17), QPointF(3, 20))
    tip.cubicTo(QPointF(9, 21), QPointF(14, 18), QPointF(13, 14))
    tip.closeSubpath()
    p.setBrush(QBrush(QColor(240, 120, 80)))
    p.drawPath(tip)


def _eraser(p: QPainter) -> None:
    p.setPen(_pen())
    p.translate(12, 12)
    p.rotate(-40)
    p.setBrush(QColor(230, 150, 170))
    p.drawRoundedRect(QRectF(-8, -4, 8, 8), 1.5, 1.5)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(QRectF(0, -4, 8, 8), 1.5, 1.5)
    p.resetTransform()
    p.scale(SCALE, SCALE)
    p.drawLine(QPointF(5, 21), QPointF(20, 21))


def _picker(p: QPainter) -> None:
    p.setPen(_pen())
    p.drawLine(QPointF(4, 20), QPointF(13, 11))
    p.drawLine(QPointF(11, 9), QPointF(15, 13))
    p.setBrush(INK)
    p.drawEllipse(QPointF(17.5, 6.5), 3.2, 3.2)
    p.drawLine(QPointF(14, 10), QPointF(17.5, 6.5))


def _generate(p: QPainter) -> None:
    def star(cx, cy, r, colour):
        path = QPainterPath()
        path.moveTo(cx, cy - r)
        path.quadTo(cx, cy, cx + r, cy)
        path.quadTo(cx, cy, cx, cy + r)
        path.quadTo(cx, cy, cx - r, cy)
        path.quadTo(cx, cy, cx, cy - r)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawPath(path)

    star(10, 13, 8, QColor(255, 214, 90))
    star(18.5, 6, 4, INK)
    star(19, 18, 3, INK)


def _apply(p: QPainter) -> None:
    p.setPen(_pen(QColor(120, 220, 140), 2.4))
    p.drawPolyline(QPolygonF([QPointF(4, 13), QPointF(9.5, 18.5), QPointF(20, 6)]))


def _cancel(p: QPainter) -> None:
    p.setPen(_pen(QColor(240, 120, 110), 2.2))
    p.drawLine(QPointF(6, 6), QPointF(18, 18))
    p.drawLine(QPointF(18, 6), QPointF(6, 18))


def _compare(p: QPainter) -> None:
    p.setPen(_pen())
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(QRectF(3, 4, 18, 16), 2, 2)
    p.setBrush(INK)
    path = QPainterPath()
    path.addRoundedRect(QRectF(3, 4, 9, 16), 2, 2)
    p.drawPath(path)
    p.drawLine(QPointF(12, 2), QPointF(12, 22))


def _arrow(p: QPainter, mirror: bool) -> None:
    if mirror:
        p.translate(24, 0)
        p.scale(-1, 1)
    p.setPen(_pen(INK, 1.8))
    path = QPainterPath(QPointF(8, 9))
    path.lineTo(QPointF(15, 9))
    path.cubicTo(QPointF(22, 9), QPointF(22, 19), QPointF(15, 19))
    path.lineTo(QPointF(8, 19))
    p.drawPath(path)
    p.drawPolyline(QPolygonF([QPointF(11, 5), QPointF(7, 9), QPointF(11, 13)]))


def _trace_sketch(p: QPainter) -> None:
    p.setPen(_pen(CYAN, 1.5))
    face = QPainterPath(QPointF(7, 5))
    face.cubicTo(QPointF(3, 12), QPointF(6, 20), QPointF(12, 21))
    face.cubicTo(QPointF(18, 20), QPointF(21, 12), QPointF(17, 5))
    p.drawPath(face)
    p.drawLine(QPointF(8, 10), QPointF(10.5, 10))
    p.drawLine(QPointF(13.5, 10), QPointF(16, 10))
    p.drawLine(QPointF(10, 16), QPointF(14, 16))


def _trace_colour(p: QPainter) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    for rect, colour in ((QRectF(3, 3, 9, 9), QColor(214, 160, 130)), (QRectF(12, 3, 9, 9), QColor(90, 60, 45)),
                         (QRectF(3, 12, 9, 9), QColor(170, 90, 90)), (QRectF(12, 12, 9, 9), QColor(230, 200, 180))):
        p.setBrush(colour)
        p.drawRect(rect)


def _dice(p: QPainter) -> None:
    p.setPen(_pen())
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(QRectF(4, 4, 16, 16), 3.5, 3.5)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(INK)
    for x, y in ((8.5, 8.5), (15.5, 8.5), (12, 12), (8.5, 15.5), (15.5, 15.5)):
        p.drawEllipse(QPointF(x, y), 1.5, 1.5)


_DRAWINGS = {
    "mask": _mask, "sketch": _sketch, "colour": _colour, "eraser": _eraser, "picker": _picker,
    "generate": _generate, "apply": _apply, "cancel": _cancel, "compare": _compare,
    "undo": lambda p: _arrow(p, False), "redo": lambda p: _arrow(p, True),
    "dice": _dice, "trace-sketch": _trace_sketch, "trace-colour": _trace_colour,
}


@functools.cache
def icon(name: str) -> QIcon:
    """The icon called `name` (a tool id or an action name)."""
    return _render(_DRAWINGS[name])


def swatch_icon(colour: QColor, size: int = 16) -> QIcon:
    """A square of colour with a thin border, for colour buttons."""
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setPen(QPen(QColor(0, 0, 0, 160), 2))
    painter.setBrush(colour)
    painter.drawRoundedRect(QRectF(1, 1, size * 2 - 2, size * 2 - 2), 4, 4)
    painter.end()
    pixmap.setDevicePixelRatio(2)
    return QIcon(pixmap)
