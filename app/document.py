"""The picture being edited: the base photo and the three layers painted over it.

Plain numpy, no Qt (as napari keeps its layer model): views subscribe to changes
with a callback and redraw only the box that changed.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .brush import Box
from .frozen import FrozenArray, Snapshot
from .patch import Patch

LAYER_NAMES = ("mask", "sketch", "colour")
LAYER_TITLES = {"mask": "Erase region", "sketch": "Sketch", "colour": "Colour"}

Listener = Callable[[str, "Box | None"], None]  # (target, changed box or None = everything)


def empty_layer(name: str, height: int, width: int) -> np.ndarray:
    """A blank layer: bool H×W for mask/sketch, uint8 H×W×4 RGBA for colour."""
    if name == "colour":
        return np.zeros((height, width, 4), np.uint8)
    return np.zeros((height, width), bool)


class Document:
    """Base photo (H×W×3 uint8 RGB) plus mask, sketch and colour layers of the same size.

    Arrays are changed in place (the overlays draw straight from them) and every
    change is announced with `changed(target, box)`.
    """

    def __init__(self, photo: np.ndarray, layers: dict[str, np.ndarray] | None = None):
        if photo.ndim != 3 or photo.shape[2] != 3 or photo.dtype != np.uint8:
            raise ValueError(f"the photo must be H×W×3 uint8, not {photo.shape} {photo.dtype}")
        self.photo = np.array(photo, dtype=np.uint8, order="C", copy=True)
        height, width = self.photo.shape[:2]
        self.layers = {name: empty_layer(name, height, width) for name in LAYER_NAMES}
        for name, array in (layers or {}).items():
            if array.shape != self.layers[name].shape:
                raise ValueError(f"the {name} layer is {array.shape}, expected {self.layers[name].shape}")
            self.layers[name][...] = array
        self._listeners: list[Listener] = []
        self._frozen: list[FrozenArray] = []    # snapshots still being read (autosave)

    @property
    def width(self) -> int:
        return self.photo.shape[1]

    @property
    def height(self) -> int:
        return self.photo.shape[0]

    def array(self, target: str) -> np.ndarray:
        """The live array of "photo" or a layer name."""
        return self.photo if target == "photo" else self.layers[target]

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(target, box)` after every change."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling `listener`."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def changed(self, target: str, box: Box | None = None) -> None:
        """Announce that `target` changed inside `box` (None: anywhere)."""
        for listener in list(self._listeners):
            listener(target, box)

    def freeze(self, targets=("photo",) + LAYER_NAMES) -> Snapshot:
        """Copy-on-write snapshots of `targets` for a reader in another thread: O(1)
        now; the bands changed before the reader takes them are saved first."""
        self._frozen = [f for f in self._frozen if not f.released]
        snapshot = Snapshot({name: FrozenArray(self.array(name)) for name in targets})
        self._frozen += snapshot.arrays.values()
        return snapshot

    def will_change(self, target: str, box: Box | None = None) -> None:
        """Call before writing into `target` inside `box` (None: anywhere): keeps
        frozen snapshots of it intact."""
        live = self.array(target)
        y0, y1 = (0, live.shape[0]) if box is None else (box[1], box[3])
        for frozen in self._frozen:
            if frozen.live is live:
                frozen.preserve(y0, y1)

    def apply(self, patches: list[Patch], forward: bool) -> None:
        """Redo (forward) or undo a group of patches, announcing each change."""
        for patch in (patches if forward else reversed(patches)):
            self.will_change(patch.target, patch.box)
            patch.write(self.array(patch.target), forward)
            self.changed(patch.target, patch.box)

    def is_blank(self, name: str) -> bool:
        """True if nothing is painted on the layer."""
        layer = self.layers[name]
        return not (layer[..., 3] if name == "colour" else layer).any()

    def content_box(self, name: str) -> Box | None:
        """Bounding box of what is painted on a layer (None if blank)."""
        layer = self.layers[name]
        painted = layer[..., 3] > 0 if name == "colour" else layer
        rows, cols = np.flatnonzero(painted.any(axis=1)), np.flatnonzero(painted.any(axis=0))
        if rows.size == 0:
            return None
        return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1

    def snapshot_layers(self) -> dict[str, np.ndarray]:
        """Independent copies of the layers (for a generation job or a session)."""
        return {name: layer.copy() for name, layer in self.layers.items()}
