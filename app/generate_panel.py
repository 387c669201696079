"""The Generate dock: the Generate button, auto-generate, live fill, mirrored faces, the noise
seed, and the list of recent results to go back to."""
from __future__ import annotations

import random

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QPixmap
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QListView, QListWidget, QListWidgetItem,
                               QPushButton, QSizePolicy, QSpinBox, QToolButton, QVBoxLayout, QWidget)

from . import icons
from .qt_convert import rgb_to_qimage
from .results import Result

THUMB = 92
RESULTS_HINT = "Erase a region (E), guide it with sketch (S) and colour (C), then Generate (Ctrl+Return)."
NO_PHOTO_HINT = "Open a photo to start."
SEED_MAX = 2**31 - 1


def result_thumbnail(result: Result) -> QIcon:
    """The repainted box of a result, scaled to a thumbnail."""
    image = rgb_to_qimage(result.pixels)
    return QIcon(QPixmap.fromImage(image.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                Qt.TransformationMode.SmoothTransformation)))


class GeneratePanel(QWidget):
    """Controls for generating and choosing among results."""

    result_selected = Signal(int)

    def __init__(self, generate: QAction, auto: QAction, apply: QAction, show_result: QAction, parent=None,
                 live: QAction | None = None, mirror: QAction | None = None, mouths: QAction | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)

        self.generate_button = QPushButton(generate.icon(), "Generate")
        self.generate_button.setObjectName("generate")
        self.generate_button.setToolTip(generate.toolTip())
        self.generate_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.generate_button.clicked.connect(generate.trigger)
        generate.changed.connect(lambda: self.generate_button.setEnabled(generate.isEnabled()))
        self.generate_button.setEnabled(generate.isEnabled())
        layout.addWidget(self.generate_button)

        row = QHBoxLayout()
        self.auto_box = self._check_box("Auto", auto, row)
        self.live_box = self._check_box("Live", live, row) if live is not None else None
        row.addStretch(1)
        row.addWidget(QLabel("Seed"))
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, SEED_MAX)
        self.describe_seeds(False)
        row.addWidget(self.seed_spin)
        dice = QToolButton()
        dice.setIcon(icons.icon("dice"))
        dice.setAutoRaise(True)
        dice.setToolTip("A new random seed (a different variation)")
        dice.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        dice.clicked.connect(self.new_seed)
        row.addWidget(dice)
        layout.addLayout(row)
        # Where a face's unguided parts may come from, on a row of their own so the dock
        # stays narrow and the photo keeps its room.
        faces = QHBoxLayout()
        self.mirror_box = self._check_box("Mirror faces", mirror, faces) if mirror is not None else None
        self.mouths_box = self._check_box("Example face parts", mouths, faces) if mouths is not None else None
        faces.addStretch(1)
        layout.addLayout(faces)

        title = QLabel("Results")
        title.setStyleSheet("font-weight: bold; padding-top: 6px;")
        layout.addWidget(title)
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 14, THUMB + 26))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setUniformItemSizes(True)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setToolTip("Recent results, newest first: click one to show it")
        self.list.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.list, 1)
        self.empty_hint = QLabel(NO_PHOTO_HINT)
        self.empty_hint.setWordWrap(True)
        # Clipped rather than pushed over the buttons below when the dock is short.
        self.empty_hint.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.empty_hint.setMinimumHeight(0)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty_hint.setStyleSheet("color: #9a9aa0; padding: 10px;")
        layout.addWidget(self.empty_hint, 1)
        self.list.hide()

        buttons = QHBoxLayout()
        for action in (show_result, apply):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(button)
        layout.addLayout(buttons)

    def describe_seeds(self, zero_is_best: bool) -> None:
        """The seed's tooltip, for a model whose seed 0 is its noiseless best guess or not."""
        same = "the same strokes and seed give the same result"
        self.seed_spin.setToolTip(f"Noise seed: 0 is the model's best guess, other seeds give variations "
                                  f"where nothing is drawn; {same}" if zero_is_best else f"Noise seed: {same}")

    @staticmethod
    def _check_box(text: str, action: QAction, row: QHBoxLayout) -> QCheckBox:
        """A check box in `row` that mirrors a checkable action both ways."""
        box = QCheckBox(text)
        box.setToolTip(action.toolTip())
        box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        box.setChecked(action.isChecked())
        box.toggled.connect(action.setChecked)
        action.toggled.connect(box.setChecked)
        row.addWidget(box)
        return box

    @property
    def seed(self) -> int:
        return self.seed_spin.value()

    def new_seed(self) -> None:
        """Pick a random seed."""
        self.seed_spin.setValue(random.randint(0, SEED_MAX))

    def show_results(self, results: list[Result], current: Result | None) -> None:
        """List the results (newest first) and select the current one."""
        self.list.blockSignals(True)
        self.list.clear()
        for result in results:
            item = QListWidgetItem(result_thumbnail(result), f"#{result.id} · {result.seconds:.1f} s")
            item.setData(Qt.ItemDataRole.UserRole, result.id)
            seed = "random" if result.seed is None else result.seed
            item.setToolTip(f"Result #{result.id}, seed {seed}, {result.seconds:.2f} s")
            self.list.addItem(item)
            if current is not None and result.id == current.id:
                item.setSelected(True)
        self.list.blockSignals(False)
        self.list.setVisible(bool(results))
        self.empty_hint.setVisible(not results)

    def set_has_photo(self, has_photo: bool) -> None:
        """Show what to do next while there are no results."""
        self.empty_hint.setText(RESULTS_HINT if has_photo else NO_PHOTO_HINT)

    def _selection_changed(self) -> None:
        items = self.list.selectedItems()
        if items:
            self.result_selected.emit(int(items[0].data(Qt.ItemDataRole.UserRole)))
