"""Where the editor keeps its own files (autosaves, settings when redirected)."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QStandardPaths

DATA_DIR_ENV = "SCFEGAN_DATA_DIR"   # overrides the data folder (tests, portable installs)
APP_FOLDER = "SC-FEGAN Studio"


def data_dir() -> Path:
    """The app's data folder (created if missing): $SCFEGAN_DATA_DIR, else "SC-FEGAN
    Studio" in the platform's data folder (AppDataLocation would name it twice: the
    organisation and the application are both "SC-FEGAN Studio")."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        folder = Path(override)
    else:
        location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
        folder = Path(location) / APP_FOLDER if location else Path.home() / ".scfegan-studio"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
