"""The pinned PySide6 keeps Python's reference counts right.

PySide6 6.12.0 on Python < 3.12 (where None is not immortal) drops a reference to
None on every call of a void Qt method; a session of painting makes enough such calls
for the interpreter to abort with "deallocating None".
"""
from __future__ import annotations

import sys


def test_void_qt_calls_keep_their_reference_to_none(qapp):
    import PySide6
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QWidget

    timer, widget = QTimer(), QWidget()
    before = sys.getrefcount(None)
    for _ in range(200):
        timer.setInterval(5)
        widget.update()
        qapp.processEvents()
    lost = before - sys.getrefcount(None)
    assert lost < 100, (f"PySide6 {PySide6.__version__} lost {lost} references to None in 600 calls: "
                        "reinstall from requirements.lock")
