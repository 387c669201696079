"""Crash protection: a session written to the app data folder while there is unsaved
work, removed on a clean exit, offered for recovery when found after a crash.

Each running editor owns `autosave-<pid>.scfs` and holds `autosave-<pid>.lock`
(a QLockFile). An autosave whose lock nobody holds was left by a crashed editor;
one whose lock is held belongs to another editor that is still open.
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QLockFile

from .app_paths import data_dir
from .session import SessionData, write_session

AUTOSAVE_INTERVAL_MS = 60_000
AUTOSAVE_PNG_LEVEL = 1   # zlib level: several times faster than 3, files a few % larger


def _lock_path(autosave: Path) -> Path:
    return autosave.with_suffix(".lock")


def orphaned_autosaves(folder: Path | None = None) -> list[Path]:
    """Autosaves left by editors that are no longer running, newest first."""
    folder = folder or data_dir()
    found = []
    for path in folder.glob("autosave-*.scfs"):
        lock = QLockFile(str(_lock_path(path)))
        lock.setStaleLockTime(0)
        if lock.tryLock(0):
            lock.unlock()
            found.append(path)
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def discard(path: Path) -> None:
    """Delete an autosave and its lock file."""
    for p in (path, _lock_path(path)):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


class Autosave:
    """This editor's autosave file."""

    def __init__(self, folder: Path | None = None):
        folder = folder or data_dir()
        self.path = folder / f"autosave-{os.getpid()}.scfs"
        self._lock = QLockFile(str(_lock_path(self.path)))
        self._lock.setStaleLockTime(0)
        self._lock.tryLock(0)

    def write(self, data: SessionData, photo_png: bytes | None = None) -> None:
        """Save the work in progress (atomically; call from the autosave thread)."""
        write_session(self.path, data, photo_png, level=AUTOSAVE_PNG_LEVEL)

    def remove(self) -> None:
        """Delete the autosave (the work was saved or deliberately discarded)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    def close(self) -> None:
        """Clean exit: remove the autosave and release the lock."""
        self.remove()
        self._lock.unlock()
        try:
            _lock_path(self.path).unlink()
        except FileNotFoundError:
            pass
