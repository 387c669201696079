"""The dark look image editors use: Fusion style, a neutral dark palette, compact docks."""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = QColor(64, 156, 255)

STYLE_SHEET = """
QToolBar { spacing: 3px; border: none; padding: 3px; }
QToolBar#toolbox QToolButton { padding: 4px; border-radius: 5px; }
QToolButton:checked { background: rgba(64, 156, 255, 0.35); border: 1px solid rgba(64, 156, 255, 0.8); }
QToolButton:hover:!checked { background: rgba(255, 255, 255, 0.08); }
QDockWidget::title { padding: 5px 8px; background: #2e2e32; }
QStatusBar { border-top: 1px solid #1d1d20; }
QStatusBar QLabel { padding: 0 6px; color: #c8c8cc; }
QPushButton#generate { font-weight: bold; padding: 7px 14px; background: #2f6fbe; border-radius: 4px; color: white; }
QPushButton#generate:disabled { background: #3a3a3f; color: #808086; }
QPushButton#generate:hover:enabled { background: #3a80d6; }
QFrame#infobar { background: #4a3b18; border-bottom: 1px solid #6b5422; }
QFrame#infobar QLabel { color: #f3e2b5; }
QListWidget { background: #242427; border: none; }
QListWidget::item:selected { background: rgba(64, 156, 255, 0.35); border-radius: 4px; }
"""


def apply_theme(app: QApplication) -> None:
    """Give the application the dark editor theme."""
    app.setStyle("Fusion")
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: QColor(50, 50, 54),
        QPalette.ColorRole.WindowText: QColor(222, 222, 226),
        QPalette.ColorRole.Base: QColor(36, 36, 39),
        QPalette.ColorRole.AlternateBase: QColor(44, 44, 48),
        QPalette.ColorRole.ToolTipBase: QColor(30, 30, 33),
        QPalette.ColorRole.ToolTipText: QColor(230, 230, 234),
        QPalette.ColorRole.Text: QColor(222, 222, 226),
        QPalette.ColorRole.Button: QColor(58, 58, 63),
        QPalette.ColorRole.ButtonText: QColor(222, 222, 226),
        QPalette.ColorRole.BrightText: QColor(255, 90, 90),
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.PlaceholderText: QColor(140, 140, 146),
    }
    for role, colour in colours.items():
        palette.setColor(role, colour)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 120, 126))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
