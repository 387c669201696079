"""Scheduling generations on the worker: the newest request wins.

At most one job runs and at most one waits. A new request replaces the waiting one,
and a result whose request has been superseded or cancelled is dropped, so the
user never waits for, or sees, stale work. Requests made before the model has loaded
wait for it. Auto-generation is debounced: it fires once the strokes pause.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from .inference_worker import GenerationJob, InferenceWorker, ModelStatus

AUTO_DELAY_MS = 400


class GenerationController(QObject):
    """The GUI side of the inference worker."""

    busy_changed = Signal(bool)
    result_ready = Signal(int, object, object, float)   # request id, job, result, seconds
    failed = Signal(str)
    model_loading = Signal(str)                         # weights path
    model_ready = Signal(object)                        # ModelStatus
    model_failed = Signal(str)
    notice = Signal(str)
    converted = Signal(str, object)
    convert_failed = Signal(str)
    auto_due = Signal()                                 # the debounce ran out: time to generate
    live_ready = Signal(int, object, object, float)     # as result_ready, for a live (preview) job
    job_ended = Signal(int)                             # a job left the worker, wanted or not

    # Queued into the worker's thread.
    _run_load = Signal(str, str, str)
    _run_generate = Signal(int, object)
    _run_convert = Signal(str, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("scfegan-inference")
        self.worker = InferenceWorker()
        self.worker.moveToThread(self.thread)
        self._run_load.connect(self.worker.load)
        self._run_generate.connect(self.worker.generate)
        self._run_convert.connect(self.worker.convert)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.model_loaded.connect(self._on_model_loaded)
        self.worker.model_failed.connect(self._on_model_failed)
        self.worker.notice.connect(self.notice)
        self.worker.converted.connect(self._on_converted)
        self.worker.convert_failed.connect(self._on_convert_failed)
        self.thread.start()

        self.status: ModelStatus | None = None
        self.loading = False
        self.converting = False
        self.latest_id = 0
        self._in_flight: int | None = None
        self._pending: tuple[int, GenerationJob] | None = None
        self._discarded: set[int] = set()
        self._jobs: dict[int, GenerationJob] = {}
        self._busy = False
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(AUTO_DELAY_MS)
        self.debounce.timeout.connect(self.auto_due)

    # ------------------------------------------------------------------ model

    @property
    def ready(self) -> bool:
        """A generator is loaded and no (re)load is under way."""
        return self.status is not None and not self.loading

    def load_model(self, path: str, device: str = "auto", precision: str = "auto") -> None:
        """Load weights in the background (precision "auto" or "fp32"); waiting
        requests run once it is ready."""
        self.loading = True
        self.model_loading.emit(str(path))
        self._run_load.emit(str(path), device, precision)
        self._update_busy()

    def convert(self, source: str, destination: str) -> None:
        """Convert a TF checkpoint in the background."""
        self.converting = True
        self._run_convert.emit(str(source), str(destination))
        self._update_busy()

    def _on_model_loaded(self, status: ModelStatus) -> None:
        self.loading = False
        self.status = status
        self.model_ready.emit(status)
        self._dispatch()

    def _on_model_failed(self, message: str) -> None:
        self.loading = False
        if self._pending is not None and self.status is None:
            self._pending = None  # nothing will ever run it
        self.model_failed.emit(message)
        self._dispatch()

    def _on_converted(self, path: str, info) -> None:
        self.converting = False
        self._update_busy()
        self.converted.emit(path, info)

    def _on_convert_failed(self, message: str) -> None:
        self.converting = False
        self._update_busy()
        self.convert_failed.emit(message)

    # ------------------------------------------------------------------ requests

    def request(self, job: GenerationJob) -> int:
        """Ask for a generation; returns its request id. Supersedes older requests."""
        self.debounce.stop()
        self.latest_id += 1
        self._pending = (self.latest_id, job)
        self._dispatch()
        return self.latest_id

    def schedule_auto(self) -> None:
        """(Re)start the auto-generate countdown; `auto_due` fires when it runs out."""
        self.debounce.start()

    def cancel(self) -> None:
        """Drop the waiting request and discard the running one's result."""
        self.debounce.stop()
        self._pending = None
        if self._in_flight is not None:
            self._discarded.add(self._in_flight)
        self._update_busy()

    @property
    def busy(self) -> bool:
        """A generation the user still wants is waiting or running."""
        return self._busy

    def _dispatch(self) -> None:
        if self._pending is not None and self._in_flight is None and self.ready:
            job_id, job = self._pending
            self._pending = None
            self._in_flight = job_id
            self._jobs[job_id] = job
            self._run_generate.emit(job_id, job)
        self._update_busy()

    def _wanted(self, job_id: int) -> bool:
        return job_id == self.latest_id and job_id not in self._discarded

    def _finish(self, job_id: int) -> bool:
        """Book-keeping when a job ends; True if its outcome should be shown."""
        wanted = self._wanted(job_id)
        if self._in_flight == job_id:
            self._in_flight = None
        self._discarded.discard(job_id)
        return wanted

    def _on_finished(self, job_id: int, result, seconds: float) -> None:
        job = self._jobs.pop(job_id, None)
        if self._finish(job_id):
            live = job is not None and job.live
            (self.live_ready if live else self.result_ready).emit(job_id, job, result, seconds)
        self.job_ended.emit(job_id)
        self._dispatch()

    def _on_failed(self, job_id: int, message: str) -> None:
        job = self._jobs.pop(job_id, None)
        if self._finish(job_id) and not (job is not None and job.live):
            self.failed.emit(message)   # a live preview's failure shows when the stroke's own result fails
        self.job_ended.emit(job_id)
        self._dispatch()

    def _update_busy(self) -> None:
        # Live previews are not "busy": the fill under the pen is their progress display.
        flying = self._jobs.get(self._in_flight)
        running = (self._in_flight is not None and self._in_flight not in self._discarded
                   and not (flying is not None and flying.live))
        busy = running or (self._pending is not None and not self._pending[1].live) or self.converting
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    # ------------------------------------------------------------------ shutdown

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Stop the worker thread (waits for a running job to end)."""
        self.cancel()
        self.thread.quit()
        self.thread.wait(timeout_ms)
