"""The editor window: canvas, toolbox, docks, menus and status bar, the document and
its layers. Generation and file commands live in the GenerationCommands and
FileCommands mixins (window_generation.py, window_files.py)."""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoStack
from PySide6.QtWidgets import (QApplication, QDockWidget, QFrame, QHBoxLayout, QLabel, QMainWindow, QProgressBar,
                               QPushButton, QToolBar, QToolButton, QVBoxLayout, QWidget)

from model.errors import ScfeganError

from . import dialogs, gc_guard, icons
from .app_paths import data_dir
from .autosave import AUTOSAVE_INTERVAL_MS, Autosave
from .canvas import CanvasView
from .commands import PatchCommand, clear_patches
from .document import LAYER_NAMES, LAYER_TITLES, Document
from .generate_panel import GeneratePanel
from .generation import GenerationController
from .inference_worker import ModelStatus
from .layers_panel import LayersPanel
from .live_fill import LiveFill
from .painting import PaintController
from .patch import Patch
from .results import ResultHistory
from .settings import DEVICES, Settings
from .tool_options import ToolOptionsBar
from .tools import TOOLS
from .window_files import FileCommands
from .welcome import WelcomePanel
from .window_generation import GenerationCommands

APP_NAME = "SC-FEGAN Studio"
UNDO_LIMIT = 200
TRACE_CONTEXT = 24  # pixels of photo around the erased region the tracers look at


class InfoBar(QFrame):
    """A dismissible one-line message above the canvas, with optional buttons."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("infobar")
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 6, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        row.addWidget(self.label, 1)
        self.buttons = QHBoxLayout()
        row.addLayout(self.buttons)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        row.addWidget(close)
        self.hide()

    def show_message(self, text: str, actions: list[QAction] = ()) -> None:
        """Show `text` with buttons for `actions`."""
        self.label.setText(text)
        while self.buttons.count():
            widget = self.buttons.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        for action in actions:
            button = QPushButton(action.text().replace("&", "").rstrip("…") + "…")
            button.clicked.connect(action.trigger)
            self.buttons.addWidget(button)
        self.show()


class MainWindow(FileCommands, GenerationCommands, QMainWindow):
    """SC-FEGAN Studio's main window."""

    document_changed = Signal()
    autosave_failed = Signal(str)   # emitted from the autosave thread

    def __init__(self, weights: str | None = None, settings: Settings | None = None, load_model: bool = True):
        super().__init__()
        gc_guard.acquire()
        self._gc_released = False
        self.settings = settings or Settings()
        self.weights_override = weights
        self.document: Document | None = None
        self.source = None                       # model.imageio.Photo the document came from
        self.saved_path: Path | None = None      # where the edit was last saved as an image
        self.session_path: Path | None = None
        self.results = ResultHistory()
        self.document_token = 0
        self._unsaved_extra = False              # results or a recovery not yet saved
        self._revision = 0                       # bumps on every change (autosave)
        self._autosaved_revision = 0
        self._photo_png: tuple[int, bytes] | None = None
        self._photo_copy: tuple[int, np.ndarray] | None = None
        self._photo_revision = 0
        self._autosave_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scfegan-autosave")
        self._file_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scfegan-save")
        self._autosave_future: Future | None = None
        self._autosave_snapshot = None           # what the running autosave reads
        self.model_status: ModelStatus | None = None
        self.last_error: str | None = None

        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self.paint = PaintController(self.undo_stack, self)
        self.paint.pick_source = self.displayed_image
        for tool_id in TOOLS:
            self.paint.sizes[tool_id] = self.settings.brush_size(tool_id)
        self.paint.colour = self.settings.brush_colour
        self.generation = GenerationController(self)
        self.autosave = Autosave(data_dir())

        self.canvas = CanvasView()
        self.canvas.handler = self.paint
        self.info_bar = InfoBar()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.info_bar)
        column.addWidget(self.canvas, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_toolbars()
        self._build_docks()
        self._build_menus()
        self._build_status_bar()
        self.welcome = WelcomePanel(self.canvas, self.open_action, self.open_path)
        self._connect()
        self.live = LiveFill(self)
        self.live_action.setChecked(self.settings.live_fill)
        self.mirror_action.setChecked(self.settings.mirror_faces)
        self.mouths_action.setChecked(self.settings.example_mouths)

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_INTERVAL_MS)
        self.autosave_timer.timeout.connect(self.autosave_now)
        self.autosave_timer.start()

        self.setAcceptDrops(True)
        self.resize(1400, 900)
        geometry, state = self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self.paint.set_tool("mask")
        self._update_title()
        self._update_enabled()
        if load_model:
            self.start_model()

    # ================================================================== building

    def _action(self, text: str, slot=None, shortcut=None, icon: str | None = None, tip: str | None = None,
                checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if icon:
            action.setIcon(icons.icon(icon))
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, (list, tuple)) else [shortcut]
            action.setShortcuts([QKeySequence(k) for k in keys])
        action.setCheckable(checkable)
        label = text.replace("&", "").rstrip("…")
        if shortcut is not None:
            shown = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
            action.setToolTip(f"{tip or label} ({shown})")
        elif tip:
            action.setToolTip(tip)
        if tip:
            action.setStatusTip(tip)
        if slot is not None:
            (action.toggled if checkable else action.triggered).connect(slot)
        self.addAction(action)  # window-wide shortcuts even when menus are hidden
        return action

    def _build_actions(self) -> None:
        a = self._action
        sk = QKeySequence.StandardKey
        # File
        self.open_action = a("&Open…", self.open_dialog, sk.Open, tip="Open a photo or a session")
        self.open_sample_action = a("Open &Sample Portrait", self.open_sample)
        self.paste_action = a("&Paste Image", self.paste, sk.Paste, tip="Open the image on the clipboard")
        self.save_action = a("Export &Image", self.save, sk.Save,
                             tip="Write the edited image (layers and results are kept only in a session)")
        self.save_as_action = a("Export Image &As…", self.save_as, "Ctrl+Shift+S",
                                tip="Write the edited image under a new name")
        self.copy_action = a("&Copy Image", self.copy_image, sk.Copy, tip="Copy the edited image to the clipboard")
        self.export_layers_action = a("&Export Layers…", self.export_layers_dialog,
                                      tip="Write the mask, sketch and colour layers as PNG files")
        self.save_session_action = a("Save Sess&ion…", self.save_session_dialog, "Ctrl+Alt+S",
                                     tip="Save photo, layers and results to a .scfs session")
        self.load_weights_action = a("Open &Weights…", self.load_weights_dialog, tip="Use another weights file")
        self.convert_action = a("Con&vert TF Checkpoint…", self.convert_dialog,
                                tip="Convert the official SC-FEGAN TensorFlow checkpoint to a weights file")
        self.quit_action = a("&Quit", self.close, sk.Quit)
        # Edit
        self.undo_action = a("&Undo", self.undo, sk.Undo, icon="undo")
        self.redo_action = a("&Redo", self.redo, ["Ctrl+Shift+Z", "Ctrl+Y"], icon="redo")
        self.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_stack.undoTextChanged.connect(lambda t: self.undo_action.setText(f"&Undo {t}".strip()))
        self.undo_stack.redoTextChanged.connect(lambda t: self.redo_action.setText(f"&Redo {t}".strip()))
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        self.clear_layer_action = a("Clear Active &Layer", self.clear_active_layer, "Delete",
                                    tip="Clear the active layer")
        self.clear_all_action = a("Clear &All Layers", self.clear_all_layers, "Shift+Delete",
                                  tip="Clear the mask, sketch and colour layers")
        self.trace_sketch_action = a("Trace &Edges into Sketch", self.trace_sketch, "Ctrl+E", icon="trace-sketch",
                                     tip="Fill the sketch layer inside the erased region with the photo's edges")
        self.trace_colour_action = a("Trace &Colours", self.trace_colour, "Ctrl+Shift+E", icon="trace-colour",
                                     tip="Fill the colour layer inside the erased region with the photo's colours")
        self.colour_dialog_action = a("Brush C&olour…", lambda: self.tool_options.choose_colour())
        # Tools
        self.tool_group = QActionGroup(self)
        self.tool_actions: dict[str, QAction] = {}
        for tool in TOOLS.values():
            action = a(tool.name, lambda _=False, t=tool.id: self.paint.set_tool(t), list(tool.keys), icon=tool.id,
                       tip=tool.help[0].upper() + tool.help[1:], checkable=False)
            action.setCheckable(True)
            action.setToolTip(tool.tooltip)
            self.tool_group.addAction(action)
            self.tool_actions[tool.id] = action
        self.bigger_action = a("Bigger Brush", self.paint.grow, "]")
        self.smaller_action = a("Smaller Brush", self.paint.shrink, "[")
        # View
        self.zoom_in_action = a("Zoom &In", self.canvas.zoom_in, ["Ctrl+=", "Ctrl++"])
        self.zoom_out_action = a("Zoom &Out", self.canvas.zoom_out, "Ctrl+-")
        self.fit_action = a("&Fit in Window", self.canvas.fit, "Ctrl+0")
        self.actual_size_action = a("&100 %", self.canvas.actual_size, "Ctrl+1")
        self.show_result_action = a("Show &Result", self.set_result_shown, "R", icon="generate", checkable=True,
                                    tip="Switch between the result and the photo with its layers")
        self.compare_action = a("&Compare with Original", self.canvas.set_comparing, "Ctrl+\\", icon="compare",
                                checkable=True, tip="Show the original photo (hold \\ to peek)")
        self.layer_visible_actions: dict[str, QAction] = {}
        for i, name in enumerate(LAYER_NAMES, start=1):
            action = a(f"Show {LAYER_TITLES[name]} Layer", lambda on, n=name: self.set_layer_visible(n, on),
                       f"Alt+{i}", checkable=True)
            action.blockSignals(True)
            action.setChecked(True)
            action.blockSignals(False)
            self.layer_visible_actions[name] = action
        # Generate
        self.generate_action = a("&Generate", self.generate, ["Ctrl+Return", "Ctrl+Enter"], icon="generate",
                                 tip="Repaint the erased region following the sketch and colours")
        self.auto_action = a("&Auto-generate", self.set_auto_generate, "Ctrl+Shift+G", checkable=True,
                             tip="Generate automatically after each stroke")
        self.live_action = a("&Live Fill", self.set_live_fill, "Ctrl+Shift+L", checkable=True,
                             tip="Update the fill under the pen while sketching or colouring in the erased region")
        self.mirror_action = a("&Mirror Faces", self.set_mirror_faces, checkable=True,
                               tip="Fill an erased eye, brow or cheek that has no guides from the face's "
                                   "other side, mirrored; an eye drawn in lines like the other eye takes its colours "
                                   "and fine detail, and one drawn open with the pen takes the other eye")
        self.mouths_action = a("Example &Face Parts", self.set_example_mouths, checkable=True,
                               tip="Fill an erased mouth, nose or eye that has no guides (an eye: where the other "
                                   "eye cannot) with a real one from example portraits that match the face; the "
                                   "seed picks which. A colour dab over an erased mouth or eye colours its lips or "
                                   "iris; lips drawn with the pen over an erased mouth take a real mouth fitted to "
                                   "them")
        self.cancel_action = a("&Cancel", self.cancel, "Esc", icon="cancel", tip="Cancel the running generation")
        self.apply_action = a("A&pply Result", self.apply_result, "Ctrl+Shift+Return", icon="apply",
                              tip="Make the result the new photo and clear the layers, to keep editing")
        self.device_group = QActionGroup(self)
        self.device_actions: dict[str, QAction] = {}
        for device in DEVICES:
            label = {"auto": "Auto", "cuda": "CUDA", "mps": "MPS (Apple)", "cpu": "CPU"}[device]
            action = QAction(label, self, checkable=True)
            action.setData(device)
            action.triggered.connect(lambda _=False, d=device: self.set_device(d))
            self.device_group.addAction(action)
            self.device_actions[device] = action
        self.device_actions[self.settings.device].setChecked(True)
        self.exact_action = a("&Exact Precision (float32)", self.set_exact_precision, checkable=True,
                              tip="Run the generator in float32 instead of the faster bf16/fp16 "
                                  "(results differ imperceptibly)")
        self.exact_action.setChecked(self.settings.precision == "fp32")
        self.cancel_action.setEnabled(False)
        self.shortcuts_action = a("&Keyboard Shortcuts", self.show_shortcuts, "F1")
        self.about_action = a("&About SC-FEGAN Studio", self.show_about)

    def _build_toolbars(self) -> None:
        self.toolbox = QToolBar("Tools", self)
        self.toolbox.setObjectName("toolbox")
        self.toolbox.setMovable(False)
        self.toolbox.setIconSize(self.toolbox.iconSize() * 1.15)
        for action in self.tool_actions.values():
            self.toolbox.addAction(action)
        self.toolbox.addSeparator()
        for action in (self.trace_sketch_action, self.trace_colour_action):
            self.toolbox.addAction(action)
        self.addToolBar(Qt.ToolBarArea.LeftToolBarArea, self.toolbox)

        self.main_toolbar = QToolBar("Main", self)
        self.main_toolbar.setObjectName("main-toolbar")
        self.main_toolbar.setMovable(False)
        for action in (self.undo_action, self.redo_action):
            self.main_toolbar.addAction(action)
        self.main_toolbar.addSeparator()
        for action in (self.generate_action, self.apply_action, self.compare_action):
            self.main_toolbar.addAction(action)
        self.main_toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.main_toolbar)
        self.tool_options = ToolOptionsBar(self.paint, self)
        self.tool_options.set_recent_colours(self.settings.recent_colours)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.tool_options)
        for bar in (self.toolbox, self.main_toolbar):
            for button in bar.findChildren(QToolButton):
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def _build_docks(self) -> None:
        self.generate_panel = GeneratePanel(self.generate_action, self.auto_action, self.apply_action,
                                            self.show_result_action, live=self.live_action,
                                            mirror=self.mirror_action, mouths=self.mouths_action)
        self.generate_dock = QDockWidget("Generate", self)
        self.generate_dock.setObjectName("generate-dock")
        self.generate_dock.setWidget(self.generate_panel)
        self.layers_panel = LayersPanel([self.trace_sketch_action, self.trace_colour_action, self.clear_all_action])
        self.layers_dock = QDockWidget("Layers", self)
        self.layers_dock.setObjectName("layers-dock")
        self.layers_dock.setWidget(self.layers_panel)
        for dock in (self.layers_dock, self.generate_dock):
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetClosable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.resizeDocks([self.layers_dock, self.generate_dock], [220, 520], Qt.Orientation.Vertical)
        self.resizeDocks([self.layers_dock], [300], Qt.Orientation.Horizontal)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.open_action])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addActions([self.open_sample_action, self.paste_action])
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action, self.copy_action, self.export_layers_action])
        file_menu.addSeparator()
        file_menu.addActions([self.save_session_action])
        file_menu.addSeparator()
        file_menu.addActions([self.load_weights_action, self.convert_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit = bar.addMenu("&Edit")
        edit.addActions([self.undo_action, self.redo_action])
        edit.addSeparator()
        edit.addActions([self.trace_sketch_action, self.trace_colour_action])
        edit.addSeparator()
        edit.addActions([self.clear_layer_action, self.clear_all_action])
        edit.addSeparator()
        edit.addAction(self.colour_dialog_action)

        tools = bar.addMenu("&Tools")
        tools.addActions(list(self.tool_actions.values()))
        tools.addSeparator()
        tools.addActions([self.bigger_action, self.smaller_action])

        view = bar.addMenu("&View")
        view.addActions([self.zoom_in_action, self.zoom_out_action, self.fit_action, self.actual_size_action])
        view.addSeparator()
        view.addActions([self.show_result_action, self.compare_action])
        view.addSeparator()
        view.addActions(list(self.layer_visible_actions.values()))
        view.addSeparator()
        view.addActions([self.layers_dock.toggleViewAction(), self.generate_dock.toggleViewAction()])

        generate = bar.addMenu("&Generate")
        generate.addActions([self.generate_action, self.auto_action, self.live_action, self.mirror_action,
                             self.mouths_action, self.cancel_action])
        generate.addSeparator()
        generate.addAction(self.apply_action)
        generate.addSeparator()
        self.device_menu = generate.addMenu("&Device")
        self.device_menu.addActions(list(self.device_actions.values()))
        generate.addAction(self.exact_action)

        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.shortcuts_action, self.about_action])

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setFixedWidth(110)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.setTextVisible(False)
        self.busy_label = QLabel("Generating…")
        self.busy_cancel = QToolButton()
        self.busy_cancel.setDefaultAction(self.cancel_action)
        self.busy_cancel.setAutoRaise(True)
        self.busy_cancel.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.size_label = QLabel()
        self.zoom_label = QLabel()
        self.device_label = QLabel("Model: —")
        self.time_label = QLabel()
        self.position_label = QLabel()
        for widget in (self.busy_label, self.busy_bar, self.busy_cancel):
            status.addPermanentWidget(widget)
            widget.hide()
        for widget in (self.position_label, self.size_label, self.zoom_label, self.device_label, self.time_label):
            status.addPermanentWidget(widget)
        self.size_label.setToolTip("Image size")
        self.zoom_label.setToolTip("Zoom")
        self.device_label.setToolTip("Where the generator runs")
        self.time_label.setToolTip("Time of the last generation")

    def _connect(self) -> None:
        self.paint.tool_changed.connect(self._on_tool_changed)
        self.paint.size_changed.connect(self._on_size_changed)
        self.paint.active_layer_changed.connect(self.layers_panel.show_active)
        self.paint.stroke_started.connect(self._on_stroke_started)
        self.paint.stroke_finished.connect(self._on_stroke_finished)
        self.paint.colour_changed.connect(lambda c: setattr(self.settings, "brush_colour", c))
        self.tool_options.recent_colours_changed.connect(lambda cs: setattr(self.settings, "recent_colours", cs))
        self.layers_panel.visibility_changed.connect(self.set_layer_visible)
        self.layers_panel.active_changed.connect(self.paint.set_active_layer)
        self.layers_panel.clear_requested.connect(self.clear_layer)
        self.generate_panel.result_selected.connect(self.select_result)
        self.canvas.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f} %"))
        self.canvas.pointer_moved.connect(self._show_position)
        self.canvas.files_dropped.connect(lambda paths: self.open_path(paths[0]))
        self.canvas.compare_held.connect(self._on_compare_held)
        self.undo_stack.cleanChanged.connect(lambda _: self._update_title())
        self.undo_stack.indexChanged.connect(self._on_undo_index)
        self.generation.busy_changed.connect(self._on_busy)
        self.generation.result_ready.connect(self._on_result)
        self.generation.failed.connect(self._on_generation_failed)
        self.generation.model_loading.connect(self._on_model_loading)
        self.generation.model_ready.connect(self._on_model_ready)
        self.generation.model_failed.connect(self._on_model_failed)
        self.generation.notice.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.generation.converted.connect(self._on_converted)
        self.generation.convert_failed.connect(lambda m: self._error("Conversion failed", m))
        self.generation.auto_due.connect(self._auto_generate_now)
        self.auto_action.setChecked(self.settings.auto_generate)
        self.autosave_failed.connect(lambda m: self.statusBar().showMessage(f"Autosave failed: {m}", 10000))

    # ================================================================== document

    def set_document(self, document: Document, source=None, results: ResultHistory | None = None) -> None:
        """Start editing `document` (replacing the current one, undo history included)."""
        self.generation.cancel()
        self.document = document
        self.source = source
        self.document_token += 1
        self.results = results or ResultHistory()
        self.undo_stack.clear()
        self.saved_path = None
        self.session_path = None
        self._unsaved_extra = False
        self._photo_png = None
        self._photo_revision += 1
        document.subscribe(self._on_document_changed)
        self.paint.set_document(document)
        self.canvas.set_document(document)
        current = self.results.current
        if current is not None and current.fits(document.photo):
            self.canvas.show_result(current.composite(document.photo), region=(current.box, current.mask))
        self.generate_panel.show_results(self.results.items, self.results.current)
        self.size_label.setText(f"{document.width} × {document.height} px")
        self.position_label.clear()        # the previous photo's, until the pointer moves
        self.statusBar().clearMessage()    # e.g. the previous photo's conversion note
        self.info_bar_for_model()
        self._update_title()
        self._update_enabled()
        self.canvas.setFocus()
        self.document_changed.emit()

    def _on_document_changed(self, target: str, box) -> None:
        self._revision += 1
        if target == "photo":
            self._photo_revision += 1

    def _on_undo_index(self, _index: int) -> None:
        self._revision += 1
        self._update_enabled()
        self._update_title()

    def load_photo(self, photo) -> None:
        """Edit a decoded photo (model.imageio.Photo)."""
        self.set_document(Document(np.asarray(photo.pixels)), source=photo)
        if photo.notes:
            self.statusBar().showMessage("Note: " + "; ".join(photo.notes), 10000)

    @property
    def is_dirty(self) -> bool:
        """Unsaved work: edits since the last save, or results not yet saved."""
        return self.document is not None and (not self.undo_stack.isClean() or self._unsaved_extra)

    def _mark_saved(self, unless_changed_since: int | None = None) -> None:
        """The work is saved; with `unless_changed_since` (a `_revision`), results
        that arrived while it was being written stay unsaved."""
        self.undo_stack.setClean()
        if unless_changed_since is None or self._revision == unless_changed_since:
            self._unsaved_extra = False
        self._update_title()

    def _update_title(self) -> None:
        if self.document is None:
            self.setWindowTitle(APP_NAME)
            self.setWindowModified(False)
            return
        name = self.display_name()
        # Ending with the app's name keeps Qt from appending it a second time.
        self.setWindowTitle(f"{name}[*] — {APP_NAME}")
        self.setWindowModified(self.is_dirty)

    def display_name(self) -> str:
        """The file name the edit is known by."""
        if self.session_path is not None:
            return self.session_path.name
        if self.source is not None and self.source.path is not None:
            return Path(self.source.path).name
        return "Untitled"

    def _update_enabled(self) -> None:
        has_doc = self.document is not None
        for action in (self.save_action, self.save_as_action, self.copy_action, self.export_layers_action,
                       self.save_session_action, self.clear_layer_action, self.clear_all_action,
                       self.trace_sketch_action, self.trace_colour_action, self.zoom_in_action,
                       self.zoom_out_action, self.fit_action, self.actual_size_action, self.compare_action):
            action.setEnabled(has_doc)
        # Before a photo is open only opening one makes sense (the welcome panel says how).
        for action in (*self.tool_actions.values(), self.bigger_action, self.smaller_action,
                       self.colour_dialog_action, *self.layer_visible_actions.values()):
            action.setEnabled(has_doc)
        for widget in (self.tool_options, self.layers_panel, self.generate_panel):
            widget.setEnabled(has_doc)
        self.generate_panel.set_has_photo(has_doc)
        self.welcome.setVisible(not has_doc)
        model_possible = self.generation.status is not None or self.generation.loading
        self.generate_action.setEnabled(has_doc and model_possible)
        if not model_possible:
            self.generate_action.setToolTip("Generate: no weights loaded (File ▸ Open Weights… or Convert TF Checkpoint…)")
        else:
            self.generate_action.setToolTip("Repaint the erased region following the sketch and colours (Ctrl+Return)")
        has_result = has_doc and self.results.current is not None
        self.apply_action.setEnabled(has_result)
        self.show_result_action.setEnabled(has_result)

    # ================================================================== tools and layers

    def _on_tool_changed(self, tool_id: str) -> None:
        self.tool_actions[tool_id].setChecked(True)
        self._update_brush_cursor()

    def _on_size_changed(self, tool_id: str, size: int) -> None:
        self.settings.set_brush_size(tool_id, size)
        self._update_brush_cursor()

    def _update_brush_cursor(self) -> None:
        tool = TOOLS[self.paint.tool]
        self.canvas.set_brush_diameter(self.paint.size() if tool.has_size else None)

    def _show_position(self, x: int, y: int) -> None:
        if self.document is not None and 0 <= x < self.document.width and 0 <= y < self.document.height:
            self.position_label.setText(f"{x}, {y}")
        else:
            self.position_label.setText("")

    def set_layer_visible(self, name: str, visible: bool) -> None:
        """Show or hide a layer overlay (menu, panel and canvas stay in step)."""
        self.canvas.set_layer_visible(name, visible)
        self.layers_panel.show_visible(name, visible)
        action = self.layer_visible_actions[name]
        if action.isChecked() != visible:
            action.blockSignals(True)
            action.setChecked(visible)
            action.blockSignals(False)

    def _on_stroke_started(self, layer: str) -> None:
        # Strokes are drawn over the photo: switch from the result to the editing view.
        if self.canvas.showing_result:
            self.set_result_shown(False)
        if not self.canvas.layer_visible(layer):
            self.set_layer_visible(layer, True)

    def _on_stroke_finished(self, layer: str) -> None:
        if layer == "colour" and self.paint.tool == "colour":
            self.tool_options.remember_colour(self.paint.colour)
        if self.live.stroke_finished(layer):
            return  # live fill already asked for this stroke's result
        if self.auto_action.isChecked():
            self.generation.schedule_auto()

    def push_edit(self, patches: list[Patch], text: str) -> None:
        """Apply a group of patches as one undo step (ending any stroke in progress first)."""
        self.canvas.cancel_stroke()
        if patches:
            self.undo_stack.push(PatchCommand(self.document, patches, text))

    def undo(self) -> None:
        """Ctrl+Z (a stroke in progress is abandoned first)."""
        self.canvas.cancel_stroke()
        if self.undo_stack.canUndo():
            self.undo_stack.undo()
            # Replaces any message about what was just undone ("Result applied").
            self.statusBar().showMessage(f"Undone: {self.undo_stack.redoText()}", 3000)

    def redo(self) -> None:
        """Ctrl+Shift+Z / Ctrl+Y."""
        self.canvas.cancel_stroke()
        if self.undo_stack.canRedo():
            self.undo_stack.redo()
            self.statusBar().showMessage(f"Redone: {self.undo_stack.undoText()}", 3000)

    def clear_layer(self, name: str) -> None:
        """Clear one layer (undoable)."""
        if self.document is None:
            return
        self.canvas.cancel_stroke()
        patches = clear_patches(self.document, [name])
        if patches:
            self.push_edit(patches, f"Clear {LAYER_TITLES[name]}")
            self._after_layers_edited()

    def clear_active_layer(self) -> None:
        """Clear the active layer (Delete)."""
        self.clear_layer(self.paint.active_layer)

    def clear_all_layers(self) -> None:
        """Clear mask, sketch and colour in one undo step."""
        if self.document is None:
            return
        self.canvas.cancel_stroke()
        patches = clear_patches(self.document)
        if patches:
            self.push_edit(patches, "Clear All Layers")
            self._after_layers_edited()

    def _after_layers_edited(self) -> None:
        if self.canvas.showing_result:
            self.set_result_shown(False)
        if self.auto_action.isChecked():
            self.generation.schedule_auto()

    def _trace_box(self):
        """The erased region's box with some context, or None (with a message)."""
        if self.document is None:
            return None
        box = self.document.content_box("mask")
        if box is None:
            self.statusBar().showMessage("Erase a region first (E): tracing fills the erased region", 6000)
            return None
        x0, y0, x1, y1 = box
        w, h = self.document.width, self.document.height
        x0, y0 = max(0, x0 - TRACE_CONTEXT), max(0, y0 - TRACE_CONTEXT)
        x1, y1 = min(w, x1 + TRACE_CONTEXT), min(h, y1 + TRACE_CONTEXT)
        # The tracers need at least 8×8 pixels.
        if x1 - x0 < 8:
            x0, x1 = max(0, min(x0, w - 8)), min(w, max(x1, 8))
        if y1 - y0 < 8:
            y0, y1 = max(0, min(y0, h - 8)), min(h, max(y1, 8))
        return x0, y0, x1, y1

    def _trace(self, target: str, compute, text: str) -> None:
        self.canvas.cancel_stroke()
        box = self._trace_box()
        if box is None:
            return
        x0, y0, x1, y1 = box
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            crop = np.ascontiguousarray(self.document.photo[y0:y1, x0:x1])
            inside = self.document.layers["mask"][y0:y1, x0:x1]
            before = self.document.layers[target][y0:y1, x0:x1]
            after = compute(crop, inside, before)
        except ScfeganError as e:
            self._error("Tracing failed", str(e))
            return
        finally:
            QApplication.restoreOverrideCursor()
        patch = Patch.trimmed(target, box, before, after)
        if patch is None:
            self.statusBar().showMessage("Nothing to trace in the erased region", 5000)
            return
        self.push_edit([patch], text)
        self.set_layer_visible(target, True)
        self._after_layers_edited()

    def trace_sketch(self) -> None:
        """Sketch layer ∪ (the photo's edges ∧ erased region), undoable."""
        from model.guides import extract_sketch

        self._trace("sketch", lambda crop, inside, before: before | (extract_sketch(crop) & inside),
                    "Trace Edges")

    def trace_colour(self) -> None:
        """Colour layer := the photo's region colours inside the erased region, undoable."""
        from model.guides import extract_colour_map

        def compute(crop, inside, before):
            colours = extract_colour_map(crop)
            after = before.copy()
            after[inside, :3] = colours[inside]
            after[inside, 3] = 255
            return after

        self._trace("colour", compute, "Trace Colours")

    # ================================================================== misc

    def _error(self, title: str, message: str) -> None:
        self.last_error = message
        self.statusBar().showMessage(f"{title}: {message}", 12000)
        dialogs.show_error(self, title, message)

    def show_shortcuts(self) -> None:
        """A list of the keyboard shortcuts."""
        from PySide6.QtWidgets import QMessageBox

        rows = [(tool.name, " / ".join(tool.keys)) for tool in TOOLS.values()]
        rows += [("Brush size", "[  ]"), ("Pan", "Space+drag, middle button"), ("Zoom", "wheel, Ctrl+= / Ctrl+-"),
                 ("Fit / 100 %", "Ctrl+0 / Ctrl+1"), ("Straight line", "Shift+click"),
                 ("Pick colour (colour brush)", "Alt+click"), ("Generate", "Ctrl+Return"),
                 ("Live fill", "Ctrl+Shift+L"),
                 ("Apply result", "Ctrl+Shift+Return"), ("Result / photo", "R"), ("Peek at original", "hold \\"),
                 ("Undo / Redo", "Ctrl+Z / Ctrl+Shift+Z, Ctrl+Y"), ("Trace edges / colours", "Ctrl+E / Ctrl+Shift+E"),
                 ("Clear layer / all", "Delete / Shift+Delete"), ("Cancel", "Esc")]
        text = "".join(f"<tr><td>{name}</td><td><b>{keys}</b></td></tr>" for name, keys in rows)
        QMessageBox.information(self, "Keyboard Shortcuts", f"<table cellspacing=4>{text}</table>")

    def show_about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        model = "no model loaded"
        if self.model_status is not None:
            info = self.model_status.info
            model = (f"width {info.cnum}, native size {info.native_size}, {info.channel_order}; "
                     f"{info.provenance}; licence: {info.licence or 'unknown'}")
        QMessageBox.about(self, "About SC-FEGAN Studio",
                          "<b>SC-FEGAN Studio</b><br>Sketch- and colour-guided face editing "
                          f"(SC-FEGAN, Jo &amp; Park, ICCV 2019).<br><br>Model: {model}")

    def event(self, event) -> bool:
        # Keep keyboard focus on the canvas when the window is activated, so Space,
        # \ and the single-key tool shortcuts work straight away.
        if event.type() == QEvent.Type.WindowActivate and QApplication.focusWidget() is None:
            self.canvas.setFocus()
        return super().event(event)

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.open_path(paths[0])
            event.acceptProposedAction()

    def closeEvent(self, event) -> None:  # noqa: N802
        if not self._may_replace("closing"):
            event.ignore()
            return
        self.canvas.cancel_stroke()
        self.settings.set_window_state(self.saveGeometry(), self.saveState())
        self.settings.sync()
        self.autosave_timer.stop()
        self.generation.shutdown()
        self._settle_autosave()
        self._autosave_pool.shutdown()
        self._file_pool.shutdown()
        self.autosave.close()
        if not self._gc_released:
            self._gc_released = True
            gc_guard.release()
        event.accept()
