"""The only place where numpy arrays and QImages turn into each other.

Two kinds of conversion live here: copies (safe to keep, the array may change or
die afterwards) and views (a QImage drawing straight from an array's memory, used by
the layer overlays so a brush stroke shows without copying the layer). A view's
array must outlive the QImage; `ArrayImage` keeps the two together.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage, QPainter


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """H×W×3 uint8 RGB → a QImage that owns a copy of the pixels."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, width * 3, QImage.Format.Format_RGB888).copy()


def rgba_to_qimage(rgba: np.ndarray) -> QImage:
    """H×W×4 uint8 RGBA (straight alpha) → a QImage that owns a copy."""
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    height, width = rgba.shape[:2]
    return QImage(rgba.data, width, height, width * 4, QImage.Format.Format_RGBA8888).copy()


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """Any QImage → H×W×3 uint8 RGB (a new array; alpha is composited on white)."""
    if image.hasAlphaChannel():
        flat = QImage(image.size(), QImage.Format.Format_RGB888)
        flat.fill(QColor("white"))
        painter = QPainter(flat)
        painter.drawImage(0, 0, image)
        painter.end()
        image = flat
    else:
        image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes()).reshape(height, stride)
    return rows[:, :width * 3].reshape(height, width, 3).copy()


def qimage_to_png_bytes(image: QImage) -> bytes:
    """Encode a QImage as PNG bytes (for handing clipboard images to the photo reader)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


class ArrayImage:
    """A QImage drawing directly from a numpy array's memory (no copy).

    Binary layers (bool H×W) become 8-bit indexed images whose colour table gives
    the overlay tint; RGBA layers become RGBA8888 images. Writing into the array is
    visible in the image at the next paint.
    """

    def __init__(self, array: np.ndarray, colour_table: list[int] | None = None):
        if not array.flags.c_contiguous:
            raise ValueError("an ArrayImage needs a C-contiguous array")
        self.array = array  # held so the memory stays valid while the image exists
        height, width = array.shape[:2]
        if array.ndim == 2:
            raw = array.view(np.uint8)
            self.image = QImage(raw.data, width, height, width, QImage.Format.Format_Indexed8)
            self.image.setColorTable(colour_table or [0, 0xFFFFFFFF])
        elif array.ndim == 3 and array.shape[2] == 4:
            self.image = QImage(array.data, width, height, width * 4, QImage.Format.Format_RGBA8888)
        else:
            raise ValueError(f"no image view for an array of shape {array.shape}")

    def set_colour_table(self, table: list[int]) -> None:
        """Change how a binary layer's 0 and 1 are drawn (ARGB values)."""
        self.image.setColorTable(table)
