"""What the empty canvas shows before a photo is open: open one, drop one, or try a
bundled sample portrait."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QAction, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

SAMPLE_THUMB = 88
MAX_WIDTH = 520
MARGIN = 16   # pixels kept free around the panel


def sample_photos() -> list[Path]:
    """The bundled sample portraits (resources/samples), portrait.jpg first."""
    from model.paths import project_root, sample_photo_path

    folder = project_root() / "resources" / "samples"
    found = sorted(p for p in folder.glob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    first = sample_photo_path()
    return sorted(found, key=lambda p: p != first)


def _thumbnail(path: Path) -> QIcon:
    image = QImage(str(path))
    if image.isNull():
        return QIcon()
    side = min(image.width(), image.height())  # a square from the top centre: the face
    square = image.copy((image.width() - side) // 2, 0, side, side)
    return QIcon(QPixmap.fromImage(square.scaled(SAMPLE_THUMB, SAMPLE_THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation)))


class WelcomePanel(QFrame):
    """A panel centred on the canvas while no photo is open. Drops fall through to the
    canvas, which opens what is dropped."""

    def __init__(self, canvas: QWidget, open_action: QAction, open_path: Callable[[str], object]):
        super().__init__(canvas.viewport())
        self.setObjectName("welcome")
        self.setStyleSheet("#welcome { background: rgba(40, 40, 46, 235); border: 1px solid #4a4a52;"
                           " border-radius: 10px; }")
        self._canvas = canvas
        column = QVBoxLayout(self)
        column.setContentsMargins(28, 22, 28, 22)
        column.setSpacing(10)
        title = QLabel("Start with a portrait")
        title.setStyleSheet("font-size: 17px; font-weight: bold;")
        column.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        intro = QLabel("Open a photo of a face, or drop one here. Then erase what you want changed, "
                       "sketch and colour what should be there, and Generate.")
        intro.setWordWrap(True)
        intro.setAlignment(Qt.AlignmentFlag.AlignCenter)
        intro.setStyleSheet("color: #c8c8cc;")
        column.addWidget(intro)
        self.open_button = QPushButton(open_action.icon(), "Open a Photo…")
        self.open_button.setToolTip(open_action.toolTip())
        self.open_button.clicked.connect(open_action.trigger)
        self.open_button.setDefault(True)
        column.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.sample_buttons: list[QToolButton] = []
        samples = sample_photos()
        if samples:
            column.addWidget(QLabel("or try a sample:"), 0, Qt.AlignmentFlag.AlignHCenter)
            row = QHBoxLayout()
            row.addStretch(1)
            for path in samples:
                button = QToolButton()
                button.setIcon(_thumbnail(path))
                button.setIconSize(QSize(SAMPLE_THUMB, SAMPLE_THUMB))
                button.setText(path.stem.replace("_", " ").title())
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
                button.setAutoRaise(True)
                button.setToolTip(f"Open the sample portrait {path.name}")
                button.clicked.connect(lambda _=False, p=str(path): open_path(p))
                row.addWidget(button)
                self.sample_buttons.append(button)
            row.addStretch(1)
            column.addLayout(row)
        canvas.viewport().installEventFilter(self)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def showEvent(self, event) -> None:  # noqa: N802
        self._place()
        super().showEvent(event)

    def _place(self) -> None:
        """Centre in the viewport, at most MAX_WIDTH wide, narrower (text wrapping) in a
        small window."""
        area = self.parentWidget().rect()
        width = max(min(MAX_WIDTH, area.width() - 2 * MARGIN), self.minimumSizeHint().width())
        height = self.layout().heightForWidth(width)
        height = min(height if height > 0 else self.sizeHint().height(), area.height())
        self.setGeometry((area.width() - width) // 2, (area.height() - height) // 2, width, height)
