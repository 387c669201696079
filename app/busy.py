"""Long file work (saving a large photo's session or image) off the GUI thread, with
the window still drawing and a modal "please wait" holding input meanwhile."""
from __future__ import annotations

from concurrent.futures import Executor
from concurrent.futures import TimeoutError as FutureTimeout

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QVBoxLayout, QWidget

DIALOG_DELAY_S = 0.3   # work done sooner shows no dialog
MIN_WIDTH = 340        # px: room for a long file name
POLL_MS = 20           # how often the waiting loop looks whether the work is done


class BusyDialog(QDialog):
    """A modal "Saving…" with a busy bar. The user cannot dismiss it: what is being
    written must not change under the writer."""

    def __init__(self, parent: QWidget, text: str):
        super().__init__(parent)
        self.setWindowTitle("Please wait")
        self.setModal(True)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.setMinimumWidth(MIN_WIDTH)
        layout = QVBoxLayout(self)
        self.label = QLabel(text)
        layout.addWidget(self.label)
        bar = QProgressBar()
        bar.setRange(0, 0)   # no fraction to show: a moving busy bar
        bar.setTextVisible(False)
        layout.addWidget(bar)

    def reject(self) -> None:  # Escape
        pass

    def closeEvent(self, event) -> None:  # noqa: N802 - a window-manager close
        event.ignore()


def run_while_busy(parent: QWidget, pool: Executor, text: str, work, *args, **kwargs):
    """`work(*args, **kwargs)` run in `pool`; returns its result or raises its exception.
    Quick work blocks for at most DIALOG_DELAY_S; longer work runs with the event
    loop turning (repaints, timers, finished generations) behind a BusyDialog."""
    future = pool.submit(work, *args, **kwargs)
    try:
        return future.result(timeout=DIALOG_DELAY_S)
    except FutureTimeout:
        pass
    dialog = BusyDialog(parent, text)
    dialog.show()
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(POLL_MS)
    timer.timeout.connect(lambda: loop.quit() if future.done() else None)
    timer.start()
    if not future.done():
        loop.exec()
    timer.stop()
    dialog.hide()
    dialog.deleteLater()
    return future.result()
