"""Starting the editor: `scfegan gui [photo|session] [--weights FILE]`."""
from __future__ import annotations

import sys


def _preload_torch() -> None:
    """Import torch before PySide6: on Windows, torch ≥ 2.9 cannot load its DLLs once
    Qt's are in the process. The model itself loads later, in the worker thread."""
    try:
        import torch  # noqa: F401
    except Exception as e:  # noqa: BLE001 (painting still works without the model)
        print(f"warning: torch could not be imported ({e}); generation is unavailable", file=sys.stderr)


def create_window(photo: str | None = None, weights: str | None = None):
    """The main window, shown, with `photo` (a photo or .scfs session) opened if given."""
    from .main_window import MainWindow

    window = MainWindow(weights=weights)
    window.show()
    if photo:
        window.open_path(photo)
    return window


def _application_class():
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    class StudioApplication(QApplication):
        """Hands files the OS asks it to open (macOS Finder, Dock) to the window."""

        window = None

        def event(self, e) -> bool:
            if e.type() == QEvent.Type.FileOpen and self.window is not None and e.file():
                self.window.open_path(e.file())
                return True
            return super().event(e)

    return StudioApplication


def run_gui(photo: str | None = None, weights: str | None = None) -> int:
    """Open the editor and run the event loop; returns the exit code."""
    _preload_torch()
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from model.paths import project_root

    from .settings import APPLICATION, ORGANISATION
    from .theme import apply_theme

    app = QApplication.instance() or _application_class()(sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setWindowIcon(QIcon(str(project_root() / "resources" / "icons" / "scfegan.png")))
    apply_theme(app)
    window = create_window(photo, weights)
    app.window = window
    # After the first paint, so the window is up before any question is asked.
    QTimer.singleShot(0, window.offer_recovery)
    return app.exec()
