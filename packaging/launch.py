"""Entry script of the bundled app (PyInstaller runs it as __main__).

Same behaviour as the `scfegan` command: no arguments open the editor, `--self-test`
checks the install headlessly, sub-commands work as documented in the README; and a
file as the only argument opens it in the editor (file associations, "Open with").

On Windows the executable is built without a console (console=False), so Python starts
with sys.stdout/sys.stderr set to None unless the caller handed it pipes or files.
Then we attach to the console of the shell that started us (if any) so `--self-test`,
`--help` and error messages are visible there, and copy everything to a log file
(%LOCALAPPDATA%/SC-FEGAN Studio/last-run.log) so a double-clicked app leaves a trace.
The exit code is always main()'s; a shell only sees it if it waits for a GUI program
(`start /wait` in cmd.exe, `Start-Process -Wait -PassThru` in PowerShell; bash and
Python's subprocess wait anyway).
"""
from __future__ import annotations

import os
import sys
import traceback

APP_NAME = "SC-FEGAN Studio"


class _Tee:
    """A minimal text stream writing to several others (console and log file)."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, streams):
        self._streams = list(streams)

    def write(self, text: str) -> int:
        for stream in self._streams:
            try:
                stream.write(text)
                stream.flush()
            except (OSError, ValueError):
                pass
        return len(text)

    def flush(self) -> None:
        for stream in self._streams:
            try:
                stream.flush()
            except (OSError, ValueError):
                pass

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


def _log_path() -> str:
    base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~")
    return os.path.join(base, APP_NAME, "last-run.log")


def _windows_std_streams() -> None:
    """Give a console-less Windows build usable sys.stdout/sys.stderr (see module doc)."""
    if sys.platform != "win32" or not getattr(sys, "frozen", False):
        return
    if sys.stdout is not None and sys.stderr is not None:
        return  # the caller passed handles (pipes, redirection): Python already uses them
    import ctypes

    streams = []
    ATTACH_PARENT_PROCESS = -1
    if ctypes.windll.kernel32.AttachConsole(ATTACH_PARENT_PROCESS):
        try:  # CONOUT$ is the attached console; Python writes it through WriteConsoleW
            streams.append(open("CONOUT$", "w", encoding="utf-8", errors="replace"))
        except OSError:
            pass
    try:
        log = _log_path()
        os.makedirs(os.path.dirname(log), exist_ok=True)
        streams.append(open(log, "w", encoding="utf-8", errors="replace"))
    except OSError:
        pass
    if streams:
        tee = _Tee(streams)
        if sys.stdout is None:
            sys.stdout = tee
        if sys.stderr is None:
            sys.stderr = tee


def _subcommands() -> set[str]:
    import argparse

    from app.cli import build_parser

    return {name for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction)
            for name in action.choices}


def document_args(argv: list[str]) -> list[str]:
    """`SC-FEGAN Studio photo.jpg` (how Windows "Open with" and Linux file managers start
    an app) means `scfegan gui photo.jpg`; anything else is passed on unchanged."""
    if argv and not argv[0].startswith("-") and os.path.isfile(argv[0]) and argv[0] not in _subcommands():
        return ["gui", *argv]
    return argv


def run() -> int:
    _windows_std_streams()
    # torch before anything Qt: on Windows, torch >= 2.9 cannot load its DLLs once Qt's
    # are in the process. A failure is reported by whatever needs torch later (the GUI
    # still opens for painting; --self-test fails with the reason).
    try:
        import torch  # noqa: F401
    except Exception:  # noqa: BLE001
        pass
    from app.cli import main

    try:
        return int(main(document_args(sys.argv[1:])) or 0)
    except SystemExit:
        raise
    except BaseException:  # noqa: BLE001
        # Print and exit 1 rather than letting a windowed bootloader show a modal
        # traceback dialog (which would hang an unattended --self-test).
        traceback.print_exc()
        return 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):
                pass


if __name__ == "__main__":
    sys.exit(run())
