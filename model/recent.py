"""Recent results of the editor's searches, kept by the exact content of their inputs.

Live fill and Generate again repeat one edit: the same photo, the same hole, another
seed or a few more lines. The searches that depend on nothing else (where a face's
mirror lies, where each example mouth sits) are then looked up instead of repeated.
"""
from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict

import numpy as np


def content_key(*parts) -> bytes:
    """A digest of arrays (shape, type and every byte) and plain values (their repr)."""
    digest = hashlib.sha1(usedforsecurity=False)
    for part in parts:
        if isinstance(part, np.ndarray):
            array = np.ascontiguousarray(part)
            digest.update(repr((array.shape, array.dtype.str)).encode())
            digest.update(array.data)
        else:
            digest.update(repr(part).encode())
        digest.update(b"\0")
    return digest.digest()


_EVERY: weakref.WeakSet = weakref.WeakSet()


def forget_all() -> None:
    """Empty every store (`scfegan bench` times an edit's first run)."""
    for recent in list(_EVERY):
        recent.clear()


class Recent:
    """The last `size` results of one search, by `content_key`."""

    def __init__(self, size: int = 8):
        _EVERY.add(self)
        self.size = size
        self.hits = 0
        self._items: OrderedDict[bytes, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes, make):
        """The result stored under `key`, or `make()`'s, stored."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
