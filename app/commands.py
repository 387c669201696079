"""Undo commands: every edit of the document is a group of patches on a QUndoStack."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QUndoCommand

from .document import LAYER_NAMES, Document
from .patch import Patch


class PatchCommand(QUndoCommand):
    """Redo/undo a group of patches. With `applied=True` the change is already in the
    document (a finished brush stroke), so the first redo() that QUndoStack.push makes
    does nothing."""

    def __init__(self, document: Document, patches: list[Patch], text: str, applied: bool = False):
        super().__init__(text)
        self.document = document
        self.patches = patches
        self._skip_redo = applied

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self.document.apply(self.patches, forward=True)

    def undo(self) -> None:
        self.document.apply(self.patches, forward=False)

    @property
    def nbytes(self) -> int:
        return sum(p.nbytes for p in self.patches)


def replace_patch(document: Document, target: str, new_content: np.ndarray, box=None) -> Patch | None:
    """The patch that would make `target` equal `new_content` (full size) inside `box`."""
    current = document.array(target)
    if box is None:
        box = (0, 0, document.width, document.height)
    x0, y0, x1, y1 = box
    return Patch.trimmed(target, box, current[y0:y1, x0:x1], new_content[y0:y1, x0:x1])


def clear_patches(document: Document, names=LAYER_NAMES) -> list[Patch]:
    """Patches that blank the given layers (only where something is painted)."""
    patches = []
    for name in names:
        box = document.content_box(name)
        if box is None:
            continue
        x0, y0, x1, y1 = box
        region = document.layers[name][y0:y1, x0:x1]
        patches.append(Patch.capture(name, box, region, np.zeros_like(region)))
    return patches
