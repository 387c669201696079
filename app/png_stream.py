"""PNG encoding band by band, straight into a file: a photo or layer of any size is
written without a full-size temporary (no bool→uint8 copy, no colour conversion of
the whole array). Bool layers become 1-bit PNGs (read back as 0/255).

zlib releases the GIL while it compresses, so a writer thread barely slows the GUI.
"""
from __future__ import annotations

import struct
import zlib
from typing import BinaryIO, Iterable

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
IDAT_BYTES = 1 << 20   # flush compressed data in chunks of about this size
BAND_BYTES = 1 << 20   # raw bytes per band handed to zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def band_rows(array_shape: tuple, itemsize: int = 1) -> int:
    """Rows per band so that a band holds about BAND_BYTES."""
    row = int(np.prod(array_shape[1:])) * itemsize or 1
    return max(1, BAND_BYTES // row)


def write_png(out: BinaryIO, shape: tuple, dtype, bands: Iterable[np.ndarray], level: int = 3) -> None:
    """Write a PNG of an array of `shape` and `dtype` (bool H×W, uint8 H×W×3 RGB or
    H×W×4 RGBA) whose rows come as consecutive `bands`."""
    height, width = shape[:2]
    if np.dtype(dtype) == bool:
        bit_depth, colour_type = 1, 0
    elif len(shape) == 3 and shape[2] in (3, 4):
        bit_depth, colour_type = 8, 2 if shape[2] == 3 else 6
    elif len(shape) == 2:
        bit_depth, colour_type = 8, 0
    else:
        raise ValueError(f"can't write a {shape} {dtype} array as PNG")
    out.write(SIGNATURE)
    out.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)))
    compressor = zlib.compressobj(level)
    pending: list[bytes] = []
    size = 0

    def emit(data: bytes) -> None:
        nonlocal size
        if data:
            pending.append(data)
            size += len(data)
        if size >= IDAT_BYTES:
            flush()

    def flush() -> None:
        nonlocal size
        if pending:
            out.write(_chunk(b"IDAT", b"".join(pending)))
            pending.clear()
            size = 0

    previous = None
    done = 0
    for band in bands:
        emit(compressor.compress(_filtered(band, bit_depth, previous)))
        if bit_depth == 8:
            previous = band[-1:]
        done += band.shape[0]
    if done != height:
        raise ValueError(f"PNG bands held {done} rows, expected {height}")
    emit(compressor.flush())
    flush()
    out.write(_chunk(b"IEND", b""))


def _filtered(band: np.ndarray, bit_depth: int, previous: np.ndarray | None) -> bytes:
    """The band's scanlines with their filter byte: none for 1-bit, 'Up' otherwise
    (cheap in numpy, and good on photos)."""
    rows = band.shape[0]
    if bit_depth == 1:
        data = np.packbits(band, axis=1)
        kind = 0
    else:
        data = band.reshape(rows, -1)
        above = np.empty_like(data)
        above[1:] = data[:-1]
        above[0] = 0 if previous is None else previous.reshape(1, -1)[0]
        data = data - above        # uint8 arithmetic wraps: exactly PNG's filter
        kind = 2
    lines = np.empty((rows, data.shape[1] + 1), np.uint8)
    lines[:, 0] = kind
    lines[:, 1:] = data
    return lines.tobytes()


def array_bands(array: np.ndarray) -> Iterable[np.ndarray]:
    """The bands of an array that nobody changes meanwhile."""
    step = band_rows(array.shape, array.itemsize)
    for y in range(0, array.shape[0], step):
        yield array[y:y + step]


def png_bytes(image, level: int = 3) -> bytes:
    """The PNG of an array, or of anything with shape, dtype and bands() (a FrozenArray)."""
    import io

    buffer = io.BytesIO()
    bands = image.bands() if hasattr(image, "bands") else array_bands(image)
    write_png(buffer, image.shape, image.dtype, bands, level)
    return buffer.getvalue()
