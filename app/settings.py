"""The editor's persistent preferences (QSettings, organisation "SC-FEGAN Studio").

With $SCFEGAN_DATA_DIR set (tests, portable installs) they live in settings.ini in
that folder instead of the platform's usual place.
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QColor

from .app_paths import DATA_DIR_ENV
from .tools import TOOLS

ORGANISATION = "SC-FEGAN Studio"
APPLICATION = "SC-FEGAN Studio"
MAX_RECENT_FILES = 10
MAX_RECENT_COLOURS = 10
DEVICES = ("auto", "cuda", "mps", "cpu")


def _qsettings() -> QSettings:
    folder = os.environ.get(DATA_DIR_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings(ORGANISATION, APPLICATION)


def _flag(key: str, default: bool, doc: str) -> property:
    """A yes/no preference stored as "true"/"false" under `key`."""
    def get(self) -> bool:
        return self._get(key, "true" if default else "false", str).lower() in ("true", "1")

    def set(self, on: bool) -> None:
        self.store.setValue(key, "true" if on else "false")

    return property(get, set, doc=doc)


class Settings:
    """Typed access to the stored preferences."""

    def __init__(self):
        self.store = _qsettings()

    def _get(self, key: str, default, kind=str):
        value = self.store.value(key, default)
        try:
            return kind(value) if value is not None else default
        except (TypeError, ValueError):
            return default

    # device and weights
    @property
    def device(self) -> str:
        value = self._get("model/device", "auto")
        return value if value in DEVICES else "auto"

    @device.setter
    def device(self, value: str) -> None:
        self.store.setValue("model/device", value)

    @property
    def precision(self) -> str:
        """"auto" (fastest the hardware offers) or "fp32" (exact)."""
        value = self._get("model/precision", "auto")
        return value if value in ("auto", "fp32") else "auto"

    @precision.setter
    def precision(self, value: str) -> None:
        self.store.setValue("model/precision", value)

    @property
    def weights_path(self) -> str | None:
        return self._get("model/weights", "") or None

    @weights_path.setter
    def weights_path(self, value: str | None) -> None:
        self.store.setValue("model/weights", value or "")

    # brushes
    def brush_size(self, tool_id: str) -> int:
        return self._get(f"brush/{tool_id}", TOOLS[tool_id].default_size, int)

    def set_brush_size(self, tool_id: str, size: int) -> None:
        self.store.setValue(f"brush/{tool_id}", int(size))

    @property
    def brush_colour(self) -> QColor:
        colour = QColor(self._get("brush/colour", "#c89678"))
        return colour if colour.isValid() else QColor("#c89678")

    @brush_colour.setter
    def brush_colour(self, colour: QColor) -> None:
        self.store.setValue("brush/colour", colour.name())

    @property
    def recent_colours(self) -> list[QColor]:
        names = self._list("brush/recent_colours")
        return [QColor(n) for n in names if QColor(n).isValid()]

    @recent_colours.setter
    def recent_colours(self, colours: list[QColor]) -> None:
        self.store.setValue("brush/recent_colours", [c.name() for c in colours[:MAX_RECENT_COLOURS]])

    # files
    @property
    def last_folder(self) -> str:
        return self._get("files/last_folder", str(Path.home()))

    @last_folder.setter
    def last_folder(self, folder: str) -> None:
        self.store.setValue("files/last_folder", folder)

    @property
    def recent_files(self) -> list[str]:
        return self._list("files/recent")

    def add_recent_file(self, path: str) -> None:
        """Put a file first in the recent list."""
        path = str(Path(path).resolve())
        files = [p for p in self.recent_files if p != path]
        self.store.setValue("files/recent", [path] + files[:MAX_RECENT_FILES - 1])

    def remove_recent_file(self, path: str) -> None:
        self.store.setValue("files/recent", [p for p in self.recent_files if p != path])

    def clear_recent_files(self) -> None:
        self.store.setValue("files/recent", [])

    # generation
    auto_generate = _flag("generate/auto", False, "Generate after every stroke (debounced).")
    live_fill = _flag("generate/live", False, "Repaint under the pen while a sketch or colour stroke is drawn.")
    mirror_faces = _flag("generate/mirror", True,
                         "Unguided holes on one side of a face take the mirrored other side.")
    example_mouths = _flag("generate/mouths", True,
                           "An unguided hole over a whole mouth, nose or eye (or lips drawn over a "
                           "mouth) takes an example one.")

    # window
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        return self.store.value("window/geometry"), self.store.value("window/state")

    def set_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self.store.setValue("window/geometry", geometry)
        self.store.setValue("window/state", state)

    def _list(self, key: str) -> list[str]:
        value = self.store.value(key, [])
        if value is None:
            return []
        if isinstance(value, str):
            return [value] if value else []
        return [str(v) for v in value]

    def sync(self) -> None:
        self.store.sync()
