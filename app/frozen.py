"""Copy-on-write snapshots of the document's arrays, for readers in other threads.

Freezing costs nothing: the snapshot refers to the live array. Before the editor
changes rows of a frozen array it calls `preserve`, which saves the old content of
the bands the reader has not taken yet; the reader takes each band (a small copy)
in order. So the reader sees the array exactly as it was when frozen, and memory
grows only by what is painted meanwhile, not by a copy of the whole array.
"""
from __future__ import annotations

import threading
from typing import Iterator

import numpy as np

from model.errors import ScfeganError

from .png_stream import band_rows


class SnapshotCancelled(ScfeganError):
    """The snapshot was released before its reader finished."""

    def __init__(self, message: str = "the work changed before it could be read"):
        super().__init__(message)


class FrozenArray:
    """The content `live` had when frozen, readable band by band from any thread."""

    def __init__(self, live: np.ndarray):
        self.live = live
        self.shape = live.shape
        self.dtype = live.dtype
        self.rows = band_rows(live.shape, live.itemsize)
        self._count = -(-live.shape[0] // self.rows) if live.shape[0] else 0
        self._taken = bytearray(self._count)           # 1: the reader has its copy
        self._saved: dict[int, np.ndarray] = {}        # old content of bands changed since
        self._lock = threading.Lock()
        self._released = False

    def preserve(self, y0: int, y1: int) -> None:
        """Call before changing rows y0..y1-1 of the live array (the writer's thread)."""
        if self._released:
            return
        y0, y1 = max(y0, 0), min(y1, self.shape[0])
        with self._lock:
            if self._released:
                return
            for band in range(y0 // self.rows, (y1 - 1) // self.rows + 1) if y1 > y0 else ():
                if not self._taken[band] and band not in self._saved:
                    self._saved[band] = self.live[band * self.rows:(band + 1) * self.rows].copy()

    def bands(self) -> Iterator[np.ndarray]:
        """The frozen rows, band by band (each a copy the reader owns)."""
        for band in range(self._count):
            with self._lock:
                if self._released:
                    raise SnapshotCancelled()
                rows = self._saved.pop(band, None)
                if rows is None:
                    rows = self.live[band * self.rows:(band + 1) * self.rows].copy()
                self._taken[band] = 1
            yield rows

    def array(self) -> np.ndarray:
        """The whole frozen array (a full copy: for small arrays and tests)."""
        out = np.empty(self.shape, self.dtype)
        for band, rows in enumerate(self.bands()):
            out[band * self.rows:band * self.rows + rows.shape[0]] = rows
        return out

    def release(self) -> None:
        """Done (or given up): forget saved bands and stop preserving."""
        with self._lock:
            self._released = True
            self._saved.clear()

    @property
    def released(self) -> bool:
        return self._released

    @property
    def saved_bytes(self) -> int:
        """Memory held by preserved bands."""
        with self._lock:
            return sum(a.nbytes for a in self._saved.values())


class Snapshot:
    """Frozen arrays of one document, released together."""

    def __init__(self, arrays: dict[str, FrozenArray]):
        self.arrays = arrays

    def __getitem__(self, name: str) -> FrozenArray:
        return self.arrays[name]

    def release(self) -> None:
        for frozen in self.arrays.values():
            frozen.release()

    @property
    def released(self) -> bool:
        return all(f.released for f in self.arrays.values())
