# Run-time hook for PySide6, replacing PyInstaller's pyi_rth_pyside6 (see ../rthooks.dat).
#
# PyInstaller's own hook imports PySide6.QtCore before the entry script runs, which loads
# Qt's DLLs (and the MSVC runtime that the PySide6 wheel ships) into the process. On
# Windows, torch >= 2.9 then fails to load its own DLLs. So this hook imports torch
# first, then does the same set-up as the stock hook: Qt plugin path, PATH on Windows
# and the embedded qt.conf that makes Qt relocatable.


def _scfegan_rthook():
    import os
    import sys

    try:
        import torch  # noqa: F401  (must precede any Qt library; errors surface later, with context)
    except Exception:  # noqa: BLE001
        pass

    from _pyi_rth_utils import qt as qt_rth_utils

    qt_rth_utils.ensure_single_qt_bindings_package("PySide6")
    if sys.platform.startswith("win"):
        qt_dir = os.path.join(sys._MEIPASS, "PySide6")
        os.environ["PATH"] = sys._MEIPASS + os.pathsep + os.environ.get("PATH", "")
    else:
        qt_dir = os.path.join(sys._MEIPASS, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt_dir, "plugins")
    qt_rth_utils.create_embedded_qt_conf("PySide6", qt_dir)


_scfegan_rthook()
del _scfegan_rthook
