"""Live fill: while a sketch or colour stroke is drawn inside the erased region, the
fill follows the pen, and the stroke's own result replaces it when the pen lifts.

Requests are paced by the worker, never by the pen: one live job at a time, and when
it ends the next is sent with the layers as they are then (if they changed), so the
GUI thread never waits and never queues stale work. A live job carries copy-on-write
snapshots of the layers, copied by the worker, and comes back as the repainted box
only, so sending and showing one cost the GUI thread nothing that grows with the
photo. Where the erased region is much larger than the network's input, the preview
is made on a reduced photo (the stroke's own result is always full size). A live job is a preview: it is
not kept in the results, is dropped if anything newer was asked for, and a failure
shows only through the stroke's own (normal) generation.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from .document import LAYER_NAMES
from .inference_worker import GenerationJob
from .preview import LivePreview, preview_scale
from .results import Result

LIVE_LAYERS = ("sketch", "colour")


class LiveFill(QObject):
    """The live-fill mode of a main window."""

    shown = Signal(int)          # a live fill went on screen (its request id)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.enabled = False
        self.requests = 0        # live requests sent (tests, bench)
        self.fills_shown = 0     # live fills put on screen
        self._layer: str | None = None       # the layer of the stroke being followed
        self._touched = False                # the stroke reached the erased region
        self._dirty = False                  # layers changed since the last request
        self._in_flight: int | None = None   # the live request the worker has
        self._snapshot = None                # the layers of the live job in flight
        self._mask_box = None                # the erased region's box, while the mask is unchanged
        self._document = None
        paint, generation = window.paint, window.generation
        paint.stroke_started.connect(self._on_stroke_started)
        paint.stroke_cancelled.connect(lambda _layer: self.stroke_cancelled())
        generation.live_ready.connect(self._on_live_ready)
        generation.job_ended.connect(self._on_job_ended)
        generation.result_ready.connect(lambda *_: self._clear())
        generation.failed.connect(lambda *_: self._clear())
        generation.busy_changed.connect(self._on_busy)
        window.document_changed.connect(self._on_new_document)
        self._on_new_document()

    @property
    def following(self) -> bool:
        """A stroke is being followed."""
        return self._layer is not None

    def set_enabled(self, on: bool) -> None:
        """Turn live fill on or off."""
        self.enabled = bool(on)
        if not on:
            self._layer = None
            self._release()
            self._clear()

    # ------------------------------------------------------------------ stroke

    def _on_new_document(self) -> None:
        if self._document is not None:
            self._document.unsubscribe(self._on_changed)
        self._document = self.window.document
        self._layer, self._in_flight, self._mask_box = None, None, None
        self._release()
        if self._document is not None:
            self._document.subscribe(self._on_changed)

    def _on_stroke_started(self, layer: str) -> None:
        w = self.window
        self._layer = None
        if (not self.enabled or layer not in LIVE_LAYERS or w.document is None or not w.generation.ready
                or w.document.is_blank("mask")):
            return
        self._layer, self._touched, self._dirty = layer, False, False
        # Until the first live fill arrives, show the result on screen (if any) in the hole.
        current = w.results.current
        if current is not None and current.fits(w.document.photo):
            self._show_result(current)

    def _on_changed(self, target: str, box) -> None:
        if target == "mask":
            self._mask_box = None
        if self._layer is None or target != self._layer or not self.window.paint.stroking:
            return
        if not self._touched:
            mask = self.window.document.layers["mask"]
            if box is not None:
                x0, y0, x1, y1 = box
                mask = mask[y0:y1, x0:x1]
            if not mask.any():
                return
            self._touched = True
        self._dirty = True
        self._send()

    def stroke_finished(self, layer: str) -> bool:
        """The stroke ended: ask for its result (a normal generation, which supersedes
        any live job). True if live fill took care of it."""
        if self._layer is None or layer != self._layer:
            return False
        self._layer = None
        self._release()   # the live job is superseded: stop keeping its layers
        if not self._touched:
            self._clear()
            return False
        if self.window.generate() is None:
            self._clear()
            return False
        return True

    def stroke_cancelled(self) -> None:
        """The stroke was abandoned: drop the preview."""
        if self._layer is not None:
            self._layer = None
            self._release()
            self._clear()

    # ------------------------------------------------------------------ requests

    def _send(self) -> None:
        if self._in_flight is not None or not self._dirty or self._layer is None:
            return
        w = self.window
        if self._mask_box is None:
            self._mask_box = w.document.content_box("mask")
        status = w.generation.status
        scale = preview_scale(self._mask_box, status.info.native_size) if status and self._mask_box else 1.0
        self._snapshot = w.document.freeze(LAYER_NAMES)
        job = GenerationJob(photo=w.photo_snapshot(), mask=self._snapshot["mask"], sketch=self._snapshot["sketch"],
                            colour=self._snapshot["colour"], seed=w.generate_panel.seed,
                            document_token=w.document_token, live=True, scale=scale,
                            mirror=w.mirror_action.isChecked(), mouths=w.mouths_action.isChecked())
        self._dirty = False
        self._in_flight = w.generation.request(job)
        self.requests += 1

    def _release(self) -> None:
        if self._snapshot is not None:
            self._snapshot.release()
            self._snapshot = None

    def _on_job_ended(self, job_id: int) -> None:
        if job_id == self._in_flight:
            self._in_flight = None
            self._release()
            self._send()

    def _on_live_ready(self, request_id: int, job, preview: LivePreview | None, seconds: float) -> None:
        w = self.window
        if self._layer is None or job.document_token != w.document_token or preview is None:
            return
        x0, y0 = preview.box[:2]
        fx, fy = w.document.width / preview.size[0], w.document.height / preview.size[1]
        w.canvas.show_live_fill(preview.rgba, x0 * fx, y0 * fy, (fx, fy))
        self.fills_shown += 1
        self.shown.emit(request_id)

    def _show_result(self, entry: Result) -> None:
        rgba = np.dstack([entry.pixels, entry.mask.astype(np.uint8) * 255])
        self.window.canvas.show_live_fill(rgba, entry.box[0], entry.box[1])

    def _on_busy(self, busy: bool) -> None:
        # The stroke's result came (or was cancelled or failed): the preview has served.
        if not busy and self._layer is None:
            self._clear()

    def _clear(self) -> None:
        self.window.canvas.show_live_fill(None)
