"""The worker that owns the generator and runs every model call off the GUI thread.

It lives in its own QThread; the GUI talks to it only through queued signals and
gets numpy arrays back. torch is imported here, inside the slots, never by the GUI.
"""
from __future__ import annotations

import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from .preview import Reducer, live_preview
from .results import guides_digest, mask_box


@dataclass(frozen=True, eq=False)
class GenerationJob:
    """Everything one generation needs, copied so the user can keep painting."""

    photo: np.ndarray          # H×W×3 uint8
    mask: np.ndarray           # bool H×W (live jobs: this and the next two are FrozenArrays)
    sketch: np.ndarray | None  # bool H×W
    colour: np.ndarray | None  # uint8 H×W×4
    seed: int | None
    document_token: int = 0    # which document it was made from
    live: bool = False         # a live-fill preview: comes back as a preview.LivePreview
    scale: float = 1.0         # a live job's photo and layers are reduced by this first
    mirror: bool = True        # unguided holes on one side of a face take the mirrored other side
    mouths: bool = True        # an unguided hole over a whole mouth takes a matching example mouth
    # What the worker learnt doing it, set before it reports back: "guides", the digest of
    # the guides and options (results.guides_digest; hashing a 24 MP colour layer took
    # the GUI thread 0.2-0.5 s).
    notes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ModelStatus:
    """A loaded generator: where from, what it is, where it runs."""

    path: str
    info: object               # model.weights.WeightsInfo
    device: str                # the device it actually runs on ("cpu", "cuda", ...)
    devices: tuple[str, ...]   # devices this machine offers
    precision: str = "fp32"    # what it runs at: fp32, bf16 or fp16
    seed_zero_best: bool = False  # seed 0 runs without noise: the model's best guess


def describe_error(error: BaseException) -> str:
    """One line for people: our errors as they are, anything else with its type."""
    from model.errors import ScfeganError

    if isinstance(error, ScfeganError):
        return str(error)
    if isinstance(error, MemoryError):
        return "not enough memory for this photo; try a smaller one or the CPU device"
    text = " ".join(str(error).split()) or type(error).__name__
    return f"unexpected error ({type(error).__name__}): {text[:300]}"


def _array(layer):
    """A job's layer as an array: a frozen snapshot (a live job's) is copied here, in
    the worker, instead of in the GUI thread."""
    if layer is None or not hasattr(layer, "bands"):
        return layer
    try:
        return layer.array()
    finally:
        layer.release()


def _painted(layer: np.ndarray | None) -> np.ndarray | None:
    """None for a blank sketch or colour layer, as make_job passes it."""
    if layer is None:
        return None
    return layer if (layer[..., 3] if layer.ndim == 3 else layer).any() else None


def _warm_up_editor(net) -> None:
    """One small edit, so that the editor's lazy imports and the face detector load now,
    not in the first Generate or live stroke (their tens of thousands of new objects
    also get collected before the user draws); its crop is larger than the network, so
    the detail borrowed at full resolution is set up too (numpy's first quantile alone
    took 18 ms). Then the network run at every size the editor runs it (a first eye edit
    spent 0.08 s setting up its 256² convolutions), and the example mouths and eyes
    placed for their searches (a first eye edit spent 0.08 s on them)."""
    from model import EditLayers, edit_photo, prepare_examples, warm_up

    mask = np.zeros((320, 320), bool)
    mask[80:240, 80:240] = True
    edit_photo(net, np.full((320, 320, 3), 128, np.uint8), EditLayers(mask=mask), seed=0)
    warm_up(net)
    prepare_examples()


class InferenceWorker(QObject):
    """Loads weights, generates, converts checkpoints; one request at a time."""

    started = Signal(int)                    # job id
    finished = Signal(int, object, float)    # job id, H×W×3 uint8 result, seconds
    failed = Signal(int, str)                # job id, message
    model_loaded = Signal(object)            # ModelStatus
    model_failed = Signal(str)
    converted = Signal(str, object)          # written path, WeightsInfo
    convert_failed = Signal(str)
    notice = Signal(str)                     # warnings worth showing (e.g. fell back to CPU)

    def __init__(self):
        super().__init__()
        self.net = None
        self.job_threads: list[int] = []     # thread ids jobs ran on (tests check this)
        self._reducer = Reducer()

    def _report_warnings(self, caught) -> None:
        for w in caught:
            self.notice.emit(str(w.message))

    @Slot(str, str, str)
    def load(self, path: str, device: str, precision: str = "auto") -> None:
        """Load weights onto a device ("auto", "cpu", "cuda", "mps") at a precision
        ("auto": bf16/fp16 where the hardware is fast at it; "fp32": exact), and run
        one warm-up pass so the first generation is not slow."""
        self.job_threads.append(threading.get_ident())
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                import torch

                from model import load_generator
                from model.device import available_devices, interactive_thread_count
                from model.editor import seed_zero_is_noiseless
                from model.inference import generator_device

                torch.set_num_threads(interactive_thread_count())
                net = load_generator(path, device=device, precision=precision)
                _warm_up_editor(net)
                status = ModelStatus(path, net.info, generator_device(net).type, tuple(available_devices()),
                                     net.precision, seed_zero_is_noiseless(net.info))
            self._report_warnings(caught)
        except Exception as e:  # noqa: BLE001 (every failure becomes a message)
            self._log(e)
            self.model_failed.emit(describe_error(e))
            return
        self.net = net
        self.model_loaded.emit(status)

    @Slot(int, object)
    def generate(self, job_id: int, job: GenerationJob) -> None:
        """Run the editor on a job; emits finished or failed with the job id."""
        self.job_threads.append(threading.get_ident())
        self.started.emit(job_id)
        if self.net is None:
            self.failed.emit(job_id, "no generator is loaded")
            return
        began = time.perf_counter()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                from model import EditLayers, edit_photo

                photo, mask, sketch, colour = job.photo, _array(job.mask), _array(job.sketch), _array(job.colour)
                if job.live:
                    photo, mask, sketch, colour = self._reducer.reduce(job.scale, photo, mask, sketch, colour)
                layers = EditLayers(mask=mask, sketch=_painted(sketch), colour=_painted(colour))
                result = edit_photo(self.net, photo, layers, seed=job.seed, mirror=job.mirror, mouths=job.mouths)
                if job.live:
                    result = live_preview(result, mask)
                else:
                    box = mask_box(mask)
                    if box is not None:
                        job.notes["guides"] = guides_digest(box, sketch, colour, job.mirror, job.mouths)
            self._report_warnings(caught)
        except Exception as e:  # noqa: BLE001
            self._log(e)
            self.failed.emit(job_id, describe_error(e))
            return
        self.finished.emit(job_id, result, time.perf_counter() - began)

    @Slot(str, str)
    def convert(self, source: str, destination: str) -> None:
        """Convert an official TF checkpoint to our weights file."""
        self.job_threads.append(threading.get_ident())
        try:
            from model.convert import convert_checkpoint

            info = convert_checkpoint(source, destination)
        except Exception as e:  # noqa: BLE001
            self._log(e)
            self.convert_failed.emit(describe_error(e))
            return
        self.converted.emit(destination, info)

    @staticmethod
    def _log(error: BaseException) -> None:
        from model.errors import ScfeganError

        if not isinstance(error, ScfeganError):
            traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
