"""The main window's file side: opening photos and sessions, the clipboard, saving
the edited image, exporting layers, session files, autosave and crash recovery.

A mixin of MainWindow: it uses the window's document, results, undo stack, settings
and status bar.
"""
from __future__ import annotations

import datetime
import os
from pathlib import Path

import numpy as np
from PySide6.QtGui import QColor, QGuiApplication

from model.errors import ImageError, ScfeganError

from . import dialogs
from .app_paths import data_dir
from .autosave import AUTOSAVE_PNG_LEVEL, discard, orphaned_autosaves
from .busy import run_while_busy
from .document import LAYER_NAMES, Document
from .frozen import SnapshotCancelled
from .layer_export import existing_layer_files, export_layers, free_stem
from .png_stream import png_bytes
from .qt_convert import qimage_to_png_bytes, rgb_to_qimage
from .results import ResultHistory
from .session import SESSION_SUFFIX, SessionData, SessionError, read_session, write_session
from .tools import TOOLS


class FileCommands:
    """File, session and autosave commands of the main window."""

    def open_dialog(self) -> None:
        """File ▸ Open."""
        path = dialogs.ask_open_path(self, self.settings.last_folder)
        if path:
            self.open_path(path)

    def open_sample(self) -> None:
        """Open the bundled portrait."""
        from model.paths import sample_photo_path

        self.open_path(str(sample_photo_path()))

    def _may_replace(self, what: str) -> bool:
        """Ask to save unsaved work before it is replaced; False if the user cancels."""
        if not self.is_dirty:
            return True
        answer = dialogs.ask_save_changes(self, what)
        if answer == "save":
            return self.save_session_dialog()
        return answer == "discard"

    def open_path(self, path: str) -> bool:
        """Open a photo or a session file; on failure the current work stays."""
        path = str(path)
        if path.lower().endswith(SESSION_SUFFIX):
            return self.open_session(path)
        from model.imageio import load_photo

        try:
            photo = load_photo(path)
        except ImageError as e:
            self._open_failed("Can't open the file", str(e))
            return False
        if not self._may_replace("opening another photo"):
            return False
        self.load_photo(photo)
        self._remember_file(path)
        return True

    def _open_failed(self, title: str, message: str) -> None:
        """Say what could not be opened, and that the open work is untouched."""
        if self.document is not None:
            message = f"{message.rstrip('.')}. The work you have open is unchanged."
        self._error(title, message)

    def _remember_file(self, path: str) -> None:
        self.settings.add_recent_file(path)
        self.settings.last_folder = str(Path(path).resolve().parent)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files
        for path in files:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self._open_recent(p))
        if files:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear Recent Files", self.settings.clear_recent_files)
        else:
            self.recent_menu.addAction("No recent files").setEnabled(False)

    def _open_recent(self, path: str) -> None:
        if not Path(path).exists():
            self.settings.remove_recent_file(path)
            self._error("Can't open the file", f"{path} no longer exists")
            return
        self.open_path(path)

    def paste(self) -> bool:
        """Ctrl+V: open the clipboard's image (or the image file copied in a file manager)."""
        from model.imageio import photo_from_bytes

        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasImage():
            image = QGuiApplication.clipboard().image()
            if not image.isNull():
                try:
                    photo = photo_from_bytes(qimage_to_png_bytes(image), "the pasted image")
                except ImageError as e:
                    self._open_failed("Can't paste", str(e))
                    return False
                if not self._may_replace("pasting an image"):
                    return False
                self.load_photo(photo)
                return True
        if mime is not None and mime.hasUrls():
            files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
            if files:
                return self.open_path(files[0])
        self.statusBar().showMessage("The clipboard holds no image", 4000)
        return False

    def suggested_image_path(self) -> Path:
        """<stem>-edited.png beside the original (or in the last folder)."""
        if self.source is not None and self.source.path is not None:
            original = Path(self.source.path)
            return original.with_name(f"{original.stem}-edited.png")
        return Path(self.settings.last_folder) / "untitled-edited.png"

    def save(self) -> bool:
        """Ctrl+S: save the edited image where it was last saved, else ask where."""
        if self.saved_path is None:
            return self.save_as()
        return self.save_image(self.saved_path)

    def save_as(self) -> bool:
        """Ctrl+Shift+S: ask where to save the edited image."""
        if self.document is None:
            return False
        suggestion = self.saved_path or self.suggested_image_path()
        path = dialogs.ask_save_image_path(self, suggestion)
        if path is None:
            return False
        if path.exists() and not self._is_original(path) and not dialogs.ask_replace(self, path):
            return False
        return self.save_image(path)

    def _is_original(self, path: Path) -> bool:
        if self.source is None or self.source.path is None:
            return False
        try:
            return os.path.samefile(path, self.source.path)
        except OSError:
            return False

    def save_image(self, path: Path) -> bool:
        """Export the edited image (never over the original photo). This is not saving
        the work: the layers and results stay unsaved until a session is saved."""
        from model.imageio import save_photo

        image = self.output_image()
        if image is None:
            return False
        protect = Path(self.source.path) if self.source is not None and self.source.path else None
        try:
            run_while_busy(self, self._file_pool, f"Exporting {Path(path).name}…", save_photo, path, image,
                           like=self.source, overwrite_protect=protect)
        except (ImageError, ValueError) as e:
            self._error("Can't save the image", str(e))
            return False
        self.saved_path = Path(path)
        self.settings.last_folder = str(Path(path).resolve().parent)
        self.statusBar().showMessage(f"Exported {Path(path).name}", 5000)
        return True

    def copy_image(self) -> None:
        """Ctrl+C: the edited image to the clipboard."""
        image = self.output_image()
        if image is not None:
            QGuiApplication.clipboard().setImage(rgb_to_qimage(image))
            self.statusBar().showMessage("Image copied to the clipboard", 3000)

    def export_layers_dialog(self) -> list[Path]:
        """Write the three layers as PNGs into a chosen folder."""
        if self.document is None:
            return []
        folder = dialogs.ask_folder(self, "Export Layers to Folder", self.settings.last_folder)
        if folder is None:
            return []
        stem = Path(self.display_name()).stem
        existing = existing_layer_files(folder, stem)
        if existing:
            choice = dialogs.ask_replace_layers(self, existing, free_stem(folder, stem))
            if choice == "cancel":
                return []
            if choice == "keep":
                stem = free_stem(folder, stem)
        try:
            written = run_while_busy(self, self._file_pool, "Exporting the layers…", export_layers, folder, stem,
                                     self.document.layers)
        except OSError as e:
            self._error("Can't export the layers", f"{folder}: {e.strerror or e}")
            return []
        self.statusBar().showMessage(f"Exported {', '.join(p.name for p in written)}", 6000)
        return written

    # ---------------------------------------------------------------- sessions

    def session_settings(self) -> dict:
        """Editor state stored in a session."""
        return {
            "tool": self.paint.tool,
            "active_layer": self.paint.active_layer,
            "sizes": dict(self.paint.sizes),
            "colour": self.paint.colour.name(),
            "seed": self.generate_panel.seed,
            "visible": {name: self.canvas.layer_visible(name) for name in LAYER_NAMES},
            "show_result": self.canvas.showing_result,
        }

    def session_data(self) -> SessionData | None:
        """The current work as SessionData."""
        if self.document is None:
            return None
        current = self.results.current.id if self.results.current is not None else None
        return SessionData(photo=self.document.photo, layers=self.document.layers,
                           results=list(self.results.items), current_result=current,
                           settings=self.session_settings(), source=self.source,
                           saved_path=str(self.saved_path) if self.saved_path else None)

    def photo_snapshot(self) -> np.ndarray:
        """A read-only copy of the photo, shared by jobs and autosaves until it changes
        (it changes rarely: Apply), so a 24 MP photo is not copied per request."""
        if self._photo_copy is None or self._photo_copy[0] != self._photo_revision:
            copy = self.document.photo.copy()
            copy.flags.writeable = False
            self._photo_copy = (self._photo_revision, copy)
        return self._photo_copy[1]

    def save_session_dialog(self) -> bool:
        """Save the work as a .scfs session (asks where)."""
        if self.document is None:
            return False
        if self.session_path is not None:
            suggestion = self.session_path
        else:
            base = Path(self.source.path) if self.source is not None and self.source.path else \
                Path(self.settings.last_folder) / "untitled"
            suggestion = base.with_suffix(SESSION_SUFFIX)
        path = dialogs.ask_session_path(self, suggestion)
        if path is None:
            return False
        return self.save_session(path)

    def save_session(self, path: Path) -> bool:
        """Write the session file atomically, in the file thread (a large photo's
        first save takes seconds to encode: the window keeps drawing)."""
        revision = self._revision
        data, photo_png, snapshot = self._frozen_session_data()
        try:
            run_while_busy(self, self._file_pool, f"Saving {Path(path).name}…", self._write_session_file,
                           Path(path), data, photo_png, self._photo_revision, snapshot)
        except ScfeganError as e:
            self._error("Can't save the session", str(e))
            return False
        self.session_path = Path(path)
        self._remember_file(str(path))
        self._mark_saved(unless_changed_since=revision)
        self._settle_autosave()
        self.autosave.remove()
        self.statusBar().showMessage(f"Session saved: {Path(path).name}", 5000)
        return True

    def open_session(self, path: str) -> bool:
        """Open a .scfs session; a damaged one leaves the current work as it is."""
        try:
            data = read_session(path)
        except SessionError as e:
            self._open_failed("Can't open the session", str(e))
            return False
        if not self._may_replace("opening the session"):
            return False
        self.restore_session(data)
        self.session_path = Path(path)
        self._remember_file(path)
        self._update_title()
        self._report_dropped(Path(path).name, data)
        return True

    def _report_dropped(self, name: str, data: SessionData) -> None:
        """Say what a damaged session lost (it opened without those parts)."""
        if data.dropped:
            self.last_error = (f"{name} was damaged: opened without {'; '.join(data.dropped)}. "
                               "Everything else in it is intact.")
            self.info_bar.show_message(self.last_error)
            self.statusBar().showMessage(self.last_error, 15000)

    def restore_session(self, data: SessionData) -> None:
        """Show the content of a session exactly as it was saved."""
        history = ResultHistory()
        for result in reversed(data.results):
            history.add(result)
        history.select(data.current_result)
        settings = data.settings
        self.set_document(Document(data.photo, data.layers), source=data.source, results=history)
        self.saved_path = Path(data.saved_path) if data.saved_path else None
        for tool_id, size in (settings.get("sizes") or {}).items():
            if tool_id in TOOLS:
                self.paint.set_size(int(size), tool_id)
        if settings.get("colour"):
            self.paint.set_colour(QColor(settings["colour"]))
        if settings.get("tool") in TOOLS:
            self.paint.set_tool(settings["tool"])
        if settings.get("active_layer") in LAYER_NAMES:
            self.paint.set_active_layer(settings["active_layer"])
        if isinstance(settings.get("seed"), int):
            self.generate_panel.seed_spin.setValue(settings["seed"])
        for name, visible in (settings.get("visible") or {}).items():
            if name in LAYER_NAMES:
                self.set_layer_visible(name, bool(visible))
        self.set_result_shown(bool(settings.get("show_result")) and history.current is not None)
        self._update_enabled()

    # ---------------------------------------------------------------- autosave and recovery

    def autosave_now(self, wait: bool = False) -> bool:
        """Autosave (every 60 s) if something changed since the last one. The GUI
        thread only freezes copy-on-write views of the photo and layers (no copy, no
        encoding); the autosave thread encodes and writes them band by band, so
        neither time nor memory grows with the photo here. `wait` blocks until it is
        on disk."""
        if not self.is_dirty or self._revision == self._autosaved_revision:
            return False
        if self._autosave_future is not None and not self._autosave_future.done():
            return False  # the previous one is still being written
        data, cached, snapshot = self._frozen_session_data()
        self._autosaved_revision = self._revision
        self._autosave_snapshot = snapshot
        self._autosave_future = self._autosave_pool.submit(self._write_autosave, data, cached,
                                                           self._photo_revision, snapshot)
        if wait:
            self._autosave_future.result()
        return True

    def _frozen_session_data(self):
        """(SessionData whose photo and layers are copy-on-write snapshots, the
        photo's PNG if already encoded, the Snapshot to release) for a writer thread:
        O(1) here, and edits made meanwhile do not reach the file being written."""
        data = self.session_data()
        cached = self._photo_png[1] if self._photo_png is not None and self._photo_png[0] == self._photo_revision \
            else None
        snapshot = self.document.freeze(LAYER_NAMES if cached is not None else ("photo",) + LAYER_NAMES)
        data.layers = {name: snapshot[name] for name in LAYER_NAMES}
        if cached is None:
            data.photo = snapshot["photo"]
        return data, cached, snapshot

    def _write_session_file(self, path: Path, data: SessionData, photo_png: bytes | None, photo_revision: int,
                            snapshot) -> None:
        # Runs in the file thread: no widgets here.
        try:
            if photo_png is None:
                photo_png = png_bytes(data.photo)
                self._photo_png = (photo_revision, photo_png)   # later autosaves reuse it
            write_session(path, data, photo_png)
        except SnapshotCancelled:
            raise SessionError(f"can't save {path.name}: the photo was closed while it was being saved") from None
        finally:
            snapshot.release()

    def _write_autosave(self, data: SessionData, photo_png: bytes | None, revision: int, snapshot) -> None:
        # Runs in the autosave thread: no widgets here, only the signal.
        try:
            if photo_png is None:
                photo_png = png_bytes(data.photo, AUTOSAVE_PNG_LEVEL)
                self._photo_png = (revision, photo_png)
            self.autosave.write(data, photo_png)
        except SnapshotCancelled:
            self._autosaved_revision = -1
        except (ScfeganError, OSError) as e:
            self._autosaved_revision = -1
            self.autosave_failed.emit(str(e))
        finally:
            snapshot.release()

    def _settle_autosave(self) -> None:
        """Stop an autosave being written (before removing or replacing it)."""
        if self._autosave_future is not None:
            if self._autosave_snapshot is not None:
                self._autosave_snapshot.release()   # makes the writer give up at its next band
            self._autosave_future.result()
            self._autosave_future = None

    def offer_recovery(self) -> bool:
        """If a crashed editor left an autosave, offer to restore it."""
        found = orphaned_autosaves(data_dir())
        if not found:
            return False
        newest = found[0]
        when = datetime.datetime.fromtimestamp(newest.stat().st_mtime).strftime("%H:%M on %d %b")
        restored = False
        if dialogs.ask_recover(self, when):
            try:
                data = read_session(newest)
            except SessionError as e:
                self._error("Can't recover", str(e))
            else:
                self.restore_session(data)
                self._unsaved_extra = True   # recovered work is not saved anywhere yet
                self._revision += 1
                self._update_title()
                self._report_dropped("The autosaved work", data)
                restored = True
        for path in found:
            discard(path)
        if restored:
            self.autosave_now(wait=True)
        return restored
