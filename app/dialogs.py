"""The questions the editor asks: file choosers and confirmations, through Qt's static
dialog functions (which tests replace so nothing blocks)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from .session import SESSION_SUFFIX

IMAGE_PATTERNS = "*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff"
OPEN_FILTER = (f"Photos and sessions ({IMAGE_PATTERNS} *{SESSION_SUFFIX});;"
               f"Photos ({IMAGE_PATTERNS});;Sessions (*{SESSION_SUFFIX});;All files (*)")
SAVE_FILTERS = {"PNG image (*.png)": ".png", "JPEG image (*.jpg *.jpeg)": ".jpg", "WebP image (*.webp)": ".webp"}
SESSION_FILTER = f"SC-FEGAN Studio session (*{SESSION_SUFFIX})"
WEIGHTS_FILTER = "SC-FEGAN Studio weights (*.safetensors);;All files (*)"
CHECKPOINT_FILTER = "TF checkpoint index (*.index);;All files (*)"


def ask_open_path(parent: QWidget, folder: str) -> str | None:
    """A photo or session to open."""
    path, _ = QFileDialog.getOpenFileName(parent, "Open Photo or Session", folder, OPEN_FILTER)
    return path or None


def ask_save_image_path(parent: QWidget, suggestion: Path) -> Path | None:
    """Where to save the edited image; the extension follows the chosen type."""
    filters = ";;".join(SAVE_FILTERS)
    chosen_filter = next((f for f, ext in SAVE_FILTERS.items() if ext == suggestion.suffix.lower()),
                         next(iter(SAVE_FILTERS)))
    # Qt's own "replace it?" is off: the caller first refuses the original photo,
    # then asks about any other existing file (ask_replace).
    path, selected = QFileDialog.getSaveFileName(parent, "Export Image", str(suggestion), filters, chosen_filter,
                                                 QFileDialog.Option.DontConfirmOverwrite)
    if not path:
        return None
    path = Path(path)
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"):
        path = path.with_name(path.name + SAVE_FILTERS.get(selected, ".png"))
    return path


def ask_replace(parent: QWidget, path: Path) -> bool:
    """True if the user agrees to replace the existing file `path`."""
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        parent, "Replace file?", f"{path.name} already exists in {path.parent}. Replace it?",
        buttons.Yes | buttons.No, buttons.No)
    return answer == buttons.Yes


def ask_replace_layers(parent: QWidget, existing: list[Path], free_stem: str) -> str:
    """'replace', 'keep' (write under `free_stem` instead) or 'cancel', when exported
    layer files are already in the folder."""
    buttons = QMessageBox.StandardButton
    names = ", ".join(p.name for p in existing)
    answer = QMessageBox.question(
        parent, "Replace layer files?",
        f"{names} already {'exists' if len(existing) == 1 else 'exist'} in {existing[0].parent}.\n\n"
        f"Yes replaces {'it' if len(existing) == 1 else 'them'}; No keeps "
        f"{'it' if len(existing) == 1 else 'them'} and writes {free_stem}-mask.png and so on.",
        buttons.Yes | buttons.No | buttons.Cancel, buttons.No)
    return {buttons.Yes: "replace", buttons.No: "keep"}.get(answer, "cancel")


def ask_session_path(parent: QWidget, suggestion: Path) -> Path | None:
    """Where to save a session file."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save Session", str(suggestion), SESSION_FILTER)
    if not path:
        return None
    path = Path(path)
    return path if path.suffix.lower() == SESSION_SUFFIX else path.with_name(path.name + SESSION_SUFFIX)


def ask_folder(parent: QWidget, title: str, folder: str) -> Path | None:
    """A folder (for exporting layers)."""
    path = QFileDialog.getExistingDirectory(parent, title, folder)
    return Path(path) if path else None


def ask_weights_path(parent: QWidget, folder: str) -> str | None:
    """A weights file to load."""
    path, _ = QFileDialog.getOpenFileName(parent, "Open Weights", folder, WEIGHTS_FILTER)
    return path or None


def ask_checkpoint_path(parent: QWidget, folder: str) -> str | None:
    """The official TF checkpoint to convert (its .index file)."""
    path, _ = QFileDialog.getOpenFileName(parent, "Convert TF Checkpoint: choose its .index file",
                                          folder, CHECKPOINT_FILTER)
    return path or None


def ask_converted_weights_path(parent: QWidget, suggestion: Path) -> str | None:
    """Where to write the converted weights."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save Converted Weights", str(suggestion), WEIGHTS_FILTER)
    if path and not path.endswith(".safetensors"):
        path += ".safetensors"
    return path or None


def ask_save_changes(parent: QWidget, what: str) -> str:
    """'save', 'discard' or 'cancel' for unsaved work before `what` (e.g. "closing")."""
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        parent, "Unsaved changes",
        f"The current edit has unsaved changes. Save them as a session before {what}?",
        buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
    return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")


def ask_recover(parent: QWidget, when: str) -> bool:
    """Offer to restore an autosave left by a crash."""
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        parent, "Recover unsaved work?",
        f"SC-FEGAN Studio did not close properly last time. Work autosaved at {when} can be "
        "restored. Restore it?", buttons.Yes | buttons.No, buttons.Yes)
    return answer == buttons.Yes


def show_error(parent: QWidget, title: str, message: str) -> None:
    """Tell the user something failed (one line, their work untouched)."""
    QMessageBox.warning(parent, title, message)
