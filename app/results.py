"""Generated results and the short list of recent ones (pure numpy, no Qt).

A result is stored as the box around the erased region and the repainted pixels in
it: outside the mask the generator returns the photo unchanged, so a full copy per
result would only waste memory.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import numpy as np

from .brush import Box

MAX_RESULTS = 12
SAME_FILL = 1.0   # mean |difference| (0..255) below which two fills of a region are the same


@dataclass(frozen=True, eq=False)
class Result:
    """Repainted pixels (`pixels`, box-sized RGB) where `mask` (box-sized bool) is set."""

    id: int
    box: Box
    pixels: np.ndarray
    mask: np.ndarray
    seed: int | None = None
    seconds: float = 0.0
    created: float = field(default_factory=time.time)
    base: str | None = None   # digest of the photo it repainted, under its mask (see base_of)
    guides: str | None = None  # digest of the guides and options it was made with (see guides_digest)

    @classmethod
    def from_full(cls, result_id: int, full: np.ndarray, mask: np.ndarray,
                  seed: int | None = None, seconds: float = 0.0,
                  photo: np.ndarray | None = None, guides: str | None = None) -> "Result | None":
        """Keep the masked part of a full-size result made from `photo` (with the guides
        and options `guides`: guides_digest); None for an empty mask."""
        box = mask_box(mask)
        if box is None:
            return None
        x0, y0, x1, y1 = box
        region = mask[y0:y1, x0:x1].copy()
        return cls(result_id, box, full[y0:y1, x0:x1].copy(), region, seed, seconds,
                   base=None if photo is None else _digest(photo, box, region), guides=guides)

    def base_of(self, photo: np.ndarray) -> str:
        """The digest `base` would have if this result had been made from `photo`."""
        return _digest(photo, self.box, self.mask)

    def is_stale(self, photo: np.ndarray) -> bool:
        """True if `photo` changed under this result's region since it was made (a later
        Apply): applying it would silently undo that change there."""
        return self.base is not None and self.fits(photo) and self.base != self.base_of(photo)

    def composite(self, photo: np.ndarray) -> np.ndarray:
        """The photo with this result's repainted pixels in place (a new array)."""
        out = photo.copy()
        x0, y0, x1, y1 = self.box
        region = out[y0:y1, x0:x1]
        region[self.mask] = self.pixels[self.mask]
        return out

    def fits(self, photo: np.ndarray) -> bool:
        """True if the result's box lies inside the photo."""
        return self.box[2] <= photo.shape[1] and self.box[3] <= photo.shape[0]


def _digest(photo: np.ndarray, box: Box, mask: np.ndarray) -> str:
    x0, y0, x1, y1 = box
    return hashlib.blake2b(np.ascontiguousarray(photo[y0:y1, x0:x1][mask]).tobytes(), digest_size=16).hexdigest()


def mask_box(mask: np.ndarray) -> Box | None:
    """(x0, y0, x1, y1) around a mask's set pixels, or None for an empty mask."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def guides_digest(box: Box, sketch: np.ndarray | None, colour: np.ndarray | None, *options) -> str:
    """A digest of a generation's sketch and colour layers (None: blank) within `box`
    (x0, y0, x1, y1: its result's; the editor reads guides inside the erased region
    only) and its options: results made from different guides are never the same
    result, however alike."""
    x0, y0, x1, y1 = box
    digest = hashlib.blake2b(repr(options).encode(), digest_size=16)
    for layer in (sketch, colour):
        digest.update(b"-" if layer is None else np.ascontiguousarray(layer[y0:y1, x0:x1]).tobytes())
    return digest.hexdigest()


class ResultHistory:
    """The recent results, newest first, and which one is shown."""

    def __init__(self, limit: int = MAX_RESULTS):
        self.limit = limit
        self.items: list[Result] = []
        self.current: Result | None = None
        self._next_id = 1

    @property
    def next_id(self) -> int:
        """The id the next added result should take (not reserved: `add` moves past it)."""
        return self._next_id

    def add(self, result: Result) -> None:
        """Put a result first and make it current; the oldest drop off past the limit."""
        self.items.insert(0, result)
        del self.items[self.limit:]
        self.current = result
        self._next_id = max(self._next_id, result.id + 1)

    def same_as(self, result: Result) -> Result | None:
        """A listed result that repainted the same region of the same photo from the same
        guides with (nearly) the same pixels: a new seed changes nothing the model does not
        vary. A colour dab that changes only an iris is a small change, but not the same."""
        for item in self.items:
            if (item.box == result.box and item.base == result.base and item.guides == result.guides
                    and np.array_equal(item.mask, result.mask)):
                difference = np.abs(item.pixels[item.mask].astype(np.int16) - result.pixels[result.mask]).mean()
                if difference < SAME_FILL:
                    return item
        return None

    def select(self, result_id: int | None) -> Result | None:
        """Make the result with this id current (None: show none)."""
        self.current = next((r for r in self.items if r.id == result_id), None)
        return self.current

    def clear(self) -> None:
        """Forget every result."""
        self.items.clear()
        self.current = None
