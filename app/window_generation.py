"""The main window's generation side: loading the model (device, weights, checkpoint
conversion), asking the worker for results, and showing, choosing and applying them.

A mixin of MainWindow: it uses the window's document, results, canvas, panels,
actions and status bar.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import dialogs
from .app_paths import data_dir
from .commands import clear_patches
from .inference_worker import GenerationJob, ModelStatus
from .patch import Patch
from .results import Result

NO_WEIGHTS = ("No weights: convert the official checkpoint (File ▸ Convert TF Checkpoint…) "
              "or train one. You can still paint.")


DEVICE_WORDS = {"cpu": "the CPU", "cuda": "the graphics card", "mps": "the Apple GPU"}
FAST_MODEL_WIDTH = 16   # networks this narrow are the quick "lite" kind


def model_words(status: ModelStatus) -> str:
    """'Ready — fast model on the CPU': what a user needs to know about the model."""
    kind = "fast model" if status.info.cnum <= FAST_MODEL_WIDTH else "full model"
    return f"Ready — {kind} on {DEVICE_WORDS.get(status.device, status.device.upper())}"


class GenerationCommands:
    """Model and generation commands of the main window."""

    def start_model(self) -> None:
        """Load the weights in the background (the window is already usable)."""
        from model.paths import default_weights_path

        path = self.weights_override or self.settings.weights_path or default_weights_path()
        if path is None or not Path(path).is_file():
            if path is not None and self.weights_override is None and self.settings.weights_path:
                # A remembered file that has gone away: fall back to the bundled one.
                self.settings.weights_path = None
                return self.start_model()
            self.model_status = None
            if path is not None:
                self._show_model_problem(f"Weights file not found: {path}")
            else:
                self._show_model_problem(NO_WEIGHTS)
            return
        self.generation.load_model(str(path), self.settings.device, self.settings.precision)

    def _show_model_problem(self, message: str) -> None:
        self.device_label.setText("Model: none")
        self.statusBar().showMessage(message, 15000)
        self.info_bar.show_message(message, [self.convert_action, self.load_weights_action])
        self._update_enabled()

    def info_bar_for_model(self) -> None:
        """Keep the no-weights message visible while there is no model."""
        if self.generation.status is None and not self.generation.loading and not self.info_bar.isVisible():
            self._show_model_problem(NO_WEIGHTS)

    def _on_model_loading(self, path: str) -> None:
        self.device_label.setText("Loading the model…")
        self.device_label.setToolTip(f"Loading {path}")
        self.statusBar().showMessage(f"Loading the model from {Path(path).name}…", 5000)
        self._update_enabled()

    def _show_model_ready(self, status: ModelStatus) -> None:
        """The status bar's model label: plain words, the details in its tooltip."""
        self.device_label.setText(model_words(status))
        info = status.info
        self.device_label.setToolTip(f"{Path(status.path).name}: SC-FEGAN generator, width {info.cnum}, "
                                     f"{info.native_size} px native size, {info.provenance or 'unknown provenance'}; "
                                     f"runs on {status.device} at {status.precision}")

    def _on_model_ready(self, status: ModelStatus) -> None:
        self.model_status = status
        self.info_bar.hide()
        self._show_model_ready(status)
        self.generate_panel.describe_seeds(status.seed_zero_best)
        self._update_device_menu(status)
        self.statusBar().showMessage(model_words(status), 6000)
        self._update_enabled()

    def _update_device_menu(self, status: ModelStatus) -> None:
        labels = {"auto": "Auto", "cuda": "CUDA", "mps": "MPS (Apple)", "cpu": "CPU"}
        for device, action in self.device_actions.items():
            available = device == "auto" or device in status.devices
            text = labels[device]
            if device == "auto":
                text += f" (uses {status.device.upper()})"
            elif not available:
                text += " (not available)"
            elif device == status.device:
                text += " — active"
            action.setText(text)
            action.setEnabled(available)

    def _on_model_failed(self, message: str) -> None:
        self.last_error = message
        if self.generation.status is not None:
            # The worker keeps the generator it had; say so rather than lose it.
            self._show_model_ready(self.generation.status)
            self._error("Can't load the model", f"{message.rstrip('.')}. Still using the model from "
                                                f"{Path(self.generation.status.path).name}.")
            return
        self.model_status = None
        self._show_model_problem(f"The generator could not be loaded: {message}")

    def set_exact_precision(self, exact: bool) -> None:
        """Run the generator in exact float32 (True) or in the fastest precision the
        hardware offers (False: bf16/fp16 where native), and reload it."""
        precision = "fp32" if exact else "auto"
        if precision == self.settings.precision:
            return
        self.settings.precision = precision
        if self.model_status is not None:
            self.generation.load_model(self.model_status.path, self.settings.device, self.settings.precision)

    def set_device(self, device: str) -> None:
        """Choose where the generator runs and reload it there."""
        self.settings.device = device
        if self.model_status is not None:
            self.generation.load_model(self.model_status.path, device, self.settings.precision)
        else:
            self.start_model()

    def load_weights_dialog(self) -> None:
        """Choose a weights file and load it."""
        path = dialogs.ask_weights_path(self, self.settings.last_folder)
        if path:
            self.settings.weights_path = path
            self.weights_override = None
            self.generation.load_model(path, self.settings.device, self.settings.precision)

    def convert_dialog(self) -> None:
        """Convert an official TF checkpoint (in the worker), then use it."""
        source = dialogs.ask_checkpoint_path(self, self.settings.last_folder)
        if not source:
            return
        suggestion = data_dir() / "weights" / "SC-FEGAN.safetensors"
        suggestion.parent.mkdir(parents=True, exist_ok=True)
        destination = dialogs.ask_converted_weights_path(self, suggestion)
        if not destination:
            return
        self.statusBar().showMessage("Converting the checkpoint…")
        self.generation.convert(source, destination)

    def _on_converted(self, path: str, info) -> None:
        self.statusBar().showMessage(f"Converted: width {info.cnum}, {info.native_size} px → {path}", 8000)
        self.settings.weights_path = path
        self.weights_override = None
        self.generation.load_model(path, self.settings.device, self.settings.precision)

    def make_job(self) -> GenerationJob | None:
        """A snapshot of the photo and layers for the worker (None if nothing to do)."""
        doc = self.document
        if doc is None:
            return None
        if doc.is_blank("mask"):
            self.statusBar().showMessage("Erase a region first (E): the generator repaints only the erased region", 6000)
            return None
        # Copies (the user keeps painting), skipping blank layers: on a 24 MP photo
        # each copied layer is tens of MB of GUI-thread time.
        sketch, colour = doc.layers["sketch"], doc.layers["colour"]
        return GenerationJob(photo=self.photo_snapshot(), mask=doc.layers["mask"].copy(),
                             sketch=None if doc.is_blank("sketch") else sketch.copy(),
                             colour=None if doc.is_blank("colour") else colour.copy(),
                             seed=self.generate_panel.seed, document_token=self.document_token,
                             mirror=self.mirror_action.isChecked(), mouths=self.mouths_action.isChecked())

    def generate(self) -> int | None:
        """Generate now (Ctrl+Return); returns the request id, or None if nothing was asked."""
        if self.generation.status is None and not self.generation.loading:
            self._show_model_problem(NO_WEIGHTS)
            return None
        job = self.make_job()
        if job is None:
            return None
        request = self.generation.request(job)
        if not self.generation.ready:
            self.statusBar().showMessage("Generation will start when the model has loaded…", 5000)
        return request

    def _auto_generate_now(self) -> None:
        if self.generation.status is not None and self.document is not None and not self.document.is_blank("mask"):
            self.generate()

    def set_auto_generate(self, on: bool) -> None:
        """Generate after every stroke (debounced)."""
        self.settings.auto_generate = on
        if on:
            self.generation.schedule_auto()
        else:
            self.generation.debounce.stop()

    def set_live_fill(self, on: bool) -> None:
        """Update the fill under the pen while a sketch or colour stroke is drawn."""
        self.settings.live_fill = on
        self.live.set_enabled(on)

    def set_mirror_faces(self, on: bool) -> None:
        """Unguided holes on one side of a face take the mirrored other side."""
        self.settings.mirror_faces = on
        if self.auto_action.isChecked():
            self.generation.schedule_auto()

    def set_example_mouths(self, on: bool) -> None:
        """An unguided hole over a whole mouth takes a matching example mouth."""
        self.settings.example_mouths = on
        if self.auto_action.isChecked():
            self.generation.schedule_auto()

    def cancel(self) -> None:
        """Esc: abandon the stroke in progress, else the running generation."""
        if self.paint.stroking:
            self.canvas.cancel_stroke()
            return
        if self.generation.busy:
            self.generation.cancel()
            self.statusBar().showMessage("Generation cancelled", 4000)

    def _on_busy(self, busy: bool) -> None:
        for widget in (self.busy_label, self.busy_bar, self.busy_cancel):
            widget.setVisible(busy)
        self.busy_label.setText("Converting…" if self.generation.converting else "Generating…")
        self.cancel_action.setEnabled(busy)

    def _on_result(self, request_id: int, job: GenerationJob, result: np.ndarray, seconds: float) -> None:
        if job is None or job.document_token != self.document_token or self.document is None:
            return  # made for a document that is no longer open
        if result.shape != self.document.photo.shape:
            return
        entry = Result.from_full(self.results.next_id, result, job.mask, job.seed, seconds, photo=job.photo,
                                 guides=job.notes.get("guides"))
        if entry is None:
            return
        same = self.results.same_as(entry)
        if same is not None:
            # Not listed twice: "Generate again" must not fill the list with copies.
            self.time_label.setText(f"Last: {seconds:.2f} s")
            self.select_result(same.id)
            self.generate_panel.show_results(self.results.items, self.results.current)
            self.statusBar().showMessage(
                f"Same as result #{same.id}, shown again: this fill does not depend on the seed", 10000)
            return
        self.results.add(entry)
        self._unsaved_extra = True
        self._revision += 1
        self.time_label.setText(f"Last: {seconds:.2f} s")
        self.generate_panel.show_results(self.results.items, self.results.current)
        self.canvas.show_result(entry.composite(self.document.photo), region=(entry.box, entry.mask))
        self.set_result_shown(True)
        self._update_enabled()
        self._update_title()
        self.statusBar().showMessage(f"Result #{entry.id} in {seconds:.2f} s — Apply (Ctrl+Shift+Return) to keep "
                                     "editing from it, hold \\ to compare", 8000)

    def _on_generation_failed(self, message: str) -> None:
        self.last_error = message
        self._error("Generation failed", message)

    def select_result(self, result_id: int) -> None:
        """Show one of the recent results."""
        result = self.results.select(result_id)
        if result is None or self.document is None or not result.fits(self.document.photo):
            return
        self.canvas.show_result(result.composite(self.document.photo), region=(result.box, result.mask))
        self.set_result_shown(True)
        self._update_enabled()
        if result.is_stale(self.document.photo):
            self.statusBar().showMessage(f"Result #{result.id} was made before a later Apply changed the photo in "
                                         "its region: it can be viewed, not applied", 8000)

    def set_result_shown(self, shown: bool) -> None:
        """Result view (result, erased region outlined) or editing view (photo + layers)."""
        shown = bool(shown) and self.results.current is not None
        self.canvas.set_result_visible(shown)
        if self.show_result_action.isChecked() != shown:
            self.show_result_action.blockSignals(True)
            self.show_result_action.setChecked(shown)
            self.show_result_action.blockSignals(False)

    def _on_compare_held(self, held: bool) -> None:
        if held:
            self.statusBar().showMessage("Original photo", 1000)

    def apply_result(self) -> None:
        """Make the current result the new photo and clear the layers, as one undo step."""
        result = self.results.current
        if result is None or self.document is None or not result.fits(self.document.photo):
            return
        if result.is_stale(self.document.photo):
            # Pasting it would silently put back what the later Apply replaced there.
            self._error(f"Can't apply result #{result.id}",
                        f"Result #{result.id} was made before a later Apply changed the photo in its region, "
                        "so applying it would undo that change there. Generate again to build on the current "
                        "photo, or undo that Apply first.")
            return
        self.canvas.cancel_stroke()
        x0, y0, x1, y1 = result.box
        before = self.document.photo[y0:y1, x0:x1]
        after = before.copy()
        after[result.mask] = result.pixels[result.mask]
        patches = []
        photo_patch = Patch.trimmed("photo", result.box, before, after)
        if photo_patch is not None:
            patches.append(photo_patch)
        patches += clear_patches(self.document)
        self.results.current = None
        self.canvas.show_result(None)
        self.set_result_shown(False)
        self.push_edit(patches, "Apply Result")
        self.generate_panel.show_results(self.results.items, None)
        self._update_enabled()
        self.statusBar().showMessage("Result applied: it is now the photo; the layers were cleared", 6000)

    def displayed_image(self) -> np.ndarray | None:
        """What the eyedropper samples: the result when it is on screen, else the photo."""
        if self.document is None:
            return None
        if self.canvas.showing_result and self.results.current is not None and not self.canvas.comparing:
            return self.results.current.composite(self.document.photo)
        return self.document.photo

    def output_image(self) -> np.ndarray | None:
        """What Save and Copy write: the current result if any, else the (edited) photo."""
        if self.document is None:
            return None
        if self.results.current is not None and self.results.current.fits(self.document.photo):
            return self.results.current.composite(self.document.photo)
        return self.document.photo.copy()
