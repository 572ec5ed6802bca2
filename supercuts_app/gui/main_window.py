"""The annotation window: canvas, granularity slider, panels and status bar, wired together.

The window composes its parts and connects their signals; what they do lives in them: the
shown image's :class:`~supercuts_app.session.session.AnnotationSession` (every edit, N and P,
proposals), :mod:`~supercuts_app.gui.editing` (runs session operations for keys and panels),
:mod:`~supercuts_app.gui.tools` (pointer input), :mod:`~supercuts_app.gui.file_actions` and
:mod:`~supercuts_app.gui.class_actions` (menus with dialogs). Heavy work (opening a project,
reading an image and its masks, superpixels and hierarchy, export, import) goes through the one
worker (:mod:`~supercuts_app.gui.jobs`); a result for an image no longer asked for is dropped.
Clicks and strokes edit the document directly: they touch only the clicked region and are saved
in one transaction each, well within a frame (see ``tests/bench/bench_interaction.py``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS
from supercuts_app.segmentation.cache import SegmentationCache
from supercuts_app.segmentation.segment import (
    LoadedImage,
    ShownSegmentation,
    WindowSegmentation,
    cutter_for_window,
    segment_for_window,
)
from supercuts_app.session.opening import OpenedImage, load_annotated_image
from supercuts_app.session.session import AnnotationSession
from supercuts_app.storage.project import Project
from supercuts_app.storage.workspace import open_workspace

from .about import AboutDialog
from .actions import ShortcutsDialog, build_actions
from .adapt_actions import AdaptActions
from .canvas import ImageCanvas
from .class_actions import ClassActions
from .editing import EditController
from .failures import Failure
from .file_actions import FileActions
from .jobs import WindowJobs
from .panels import ClassPanel, ImagePanel, ObjectPanel
from .status import StatusArea
from .suggestions import SuggestionController
from .toolbar import GranularityBar, ask_segmentation_settings, count_options
from .tools import CLICK, SEEDS, ToolController
from .worker import Worker


class MainWindow(QMainWindow):
    """The SuperCuts window over one project at a time."""

    image_shown = Signal(object)  # LoadedImage
    segmentation_shown = Signal(object)  # ShownSegmentation
    seeds_ready = Signal()  # seed clicks work on the shown image from now on
    project_opened = Signal(object)  # Project
    failed = Signal(object)  # the Failure of a background job, as shown

    def __init__(self, *, method: str = "ssn", n_segments: int | None = None) -> None:
        super().__init__()
        self.settings = QSettings("SuperCuts", "SuperCuts")
        self.setWindowTitle("SuperCuts")
        self.resize(1280, 820)
        self.method = method
        self.n_segments = n_segments or int(self.settings.value("n_segments", DEFAULT_SUPERPIXELS))
        # Superpixels per megapixel, or None for the fixed count (which a given count forces).
        self.density = None if n_segments else float(self.settings.value("density", 0)) or None
        self.backbone_name = str(self.settings.value("backbone", "")) or None
        self.cache = SegmentationCache()
        self.project: Project | None = None
        self.image_id: int | None = None
        self.opened: OpenedImage | None = None
        self.current: LoadedImage | None = None
        self.segmentation: ShownSegmentation | None = None
        self.canvas = ImageCanvas(self)
        self.setCentralWidget(self.canvas)
        self.status = StatusArea(self.statusBar(), self.cancel_work)
        # The message and the done counts are written by the panels and file actions too.
        self.status_label, self.done_label = self.status.label, self.status.done
        self.worker = Worker(self)
        self.adapt = AdaptActions(self)
        for worker in (self.worker, self.adapt.worker):
            worker.busy_changed.connect(self._busy_changed)
        self.jobs = WindowJobs(
            self.worker, on_progress=self.status.show_progress, on_failed=self.show_failure
        )
        self.tools = ToolController(self.canvas)
        self.bar = GranularityBar(self)
        self.addToolBar(self.bar)
        self.levels, self.opacity = self.bar.levels, self.bar.opacity
        self.levels.level_changed.connect(self._level_changed)
        self.opacity.valueChanged.connect(lambda v: self.canvas.set_mask_opacity(v / 100))
        self.tools.mode_changed.connect(self.bar.show_tool)
        self._build_docks()
        self.editing = EditController(self.canvas, self.objects, self.classes, self.statusBar())
        self.editing.edited.connect(self._count_changed)
        self.tools.changed.connect(self.editing.show_change)
        self.tools.message.connect(self.statusBar().showMessage)
        self.suggestions = SuggestionController(self)
        self.files = FileActions(self)
        self.class_actions = ClassActions(self)
        self.shortcuts_dialog = ShortcutsDialog(self)
        self.about_dialog = AboutDialog(self)
        self.actions_by_slot = build_actions(self)
        seeds_switch = self.actions_by_slot["tools.toggle_seeds"]
        self.bar.add_switch(seeds_switch)
        self.tools.mode_changed.connect(lambda mode: seeds_switch.setChecked(mode == SEEDS))
        self.actions_by_slot["tools.toggle_pixel_borders"].setChecked(self.tools.pixel_borders)
        tools_menu = self.actions_by_slot["adapt.start"].associatedObjects()[0]
        tools_menu.aboutToShow.connect(self.adapt.refresh)
        self.actions_by_slot["adapt.toggle_offer"].setChecked(self.adapt.offer)
        self.adapt.refresh()
        open_action = self.actions_by_slot["files.ask_open_image"]
        self.files.add_recent_menu(open_action.associatedObjects()[0], self.actions_by_slot["save"])
        self._restore_settings()

    # -- building -----------------------------------------------------------------------------
    def _build_docks(self) -> None:
        self.objects = ObjectPanel(self)
        self.classes = ClassPanel(self)
        self.images = ImagePanel(self)
        for title, widget, name in (
            ("Objects", self.objects, "objects"),
            ("Classes", self.classes, "classes"),
            ("Images", self.images, "images"),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(name)
            dock.setWidget(widget)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.images.image_chosen.connect(self.show_image)

    @property
    def session(self) -> AnnotationSession | None:
        """The shown image's annotation session (None before an image is shown)."""
        return None if self.opened is None else self.opened.session

    # -- opening ------------------------------------------------------------------------------
    def open_path(self, path: str | Path | None) -> None:
        """Open an image, a folder or a project (None: the bundled sample) in the background."""
        self.jobs.cancel()
        generation = self.jobs.next_generation()
        self.status_label.setText(f"Opening {Path(path).name if path else 'the sample'}…")
        self.jobs.start(
            open_workspace, path, on_result=lambda r: self._workspace_ready(generation, r)
        )
        if path is not None:
            self.files.remember_recent(Path(path))

    def _workspace_ready(self, generation: int, result) -> None:
        project, image_id = result
        if not self.jobs.is_current(generation):
            project.close()
            return
        if self.project is not None:
            self.project.close()
        self.project = project
        self.adapt.project_opened(project)
        self.settings.setValue("last_folder", str(project.root))
        self.classes.show_classes(project.categories)
        self.project_opened.emit(project)
        self._refresh_images()
        if image_id is not None:
            self.show_image(image_id)

    def show_image(self, image_id: int) -> None:
        """Show one image of the project: pixels and masks first, then its levels."""
        if self.project is None:
            return
        self.jobs.cancel(keep_precompute_of=image_id)
        self.suggestions.clear()
        generation = self.jobs.next_generation()
        self.image_id = image_id
        self.status_label.setText(f"Loading {self.project.image(image_id).path}…")
        self.jobs.start(
            load_annotated_image,
            self.project,
            image_id,
            on_result=lambda opened: self._image_loaded(generation, opened),
        )

    def _image_loaded(self, generation: int, opened: OpenedImage) -> None:
        if not self.jobs.is_current(generation):
            return  # a newer image was asked for meanwhile
        self.opened, self.current, self.segmentation = opened, opened.loaded, None
        pixels = opened.loaded.pixels
        self.canvas.set_image(pixels)
        self.canvas.set_masks(opened.session.overlay)
        self.canvas.set_mask_opacity(self.opacity.value() / 100)
        self.tools.set_annotator(opened.session)
        self.editing.set_session(opened.session)
        self.levels.set_counts([])
        h, w = pixels.shape[:2]
        name = opened.loaded.path.name
        self.setWindowTitle(f"SuperCuts — {name}")
        self.status_label.setText(f"{name}  {w} x {h}: computing superpixels…")
        self._refresh_images()
        self.image_shown.emit(opened.loaded)
        self.jobs.start(
            segment_for_window,
            pixels,
            method=self.method,
            **count_options(self.n_segments, self.density),
            backbone=self.backbone_name,
            edge_model=self.adapt.levels_scorer(),
            cache=self.cache,
            on_result=lambda seg: self._segmentation_ready(generation, seg),
        )

    def _segmentation_ready(self, generation: int, seg: WindowSegmentation) -> None:
        if not self.jobs.is_current(generation) or self.opened is None:
            return
        shown = seg.shown
        self.segmentation = shown
        level = min(self.levels.level, shown.tree.n_levels - 1)
        self.opened.session.set_tree(shown.tree, seg.regions)
        self.opened.session.level = level
        self.canvas.set_superpixels(seg.hover_ids, shown.tree.tables.shape[1])
        self.levels.set_counts(shown.tree.region_counts, level)
        self.canvas.set_contours(shown.ucm, shown.tree.n_levels, level)
        r = shown.result
        h, w = r.labels.shape
        self.status_label.setText(
            f"{self.current.path.name}  {w} x {h}: {r.n_segments} superpixels "
            f"({r.method.upper()}, {r.seconds:.2f} s), {shown.tree.n_levels} levels "
            f"({self.adapt.describe()})"
        )
        self.segmentation_shown.emit(shown)
        self.jobs.start(
            cutter_for_window,
            shown.tree,
            self.current.pixels,
            boundary=seg.boundary,
            options=self.adapt.cut_options(),
            on_result=lambda cutter: self._cutter_ready(generation, cutter),
        )
        self.files.precompute_next()

    def _cutter_ready(self, generation: int, cutter) -> None:
        if not self.jobs.is_current(generation) or self.opened is None:
            return
        self.opened.session.set_cutter(cutter)
        self.tools.refresh_hover()
        self.seeds_ready.emit()

    def ask_segmentation_settings(self) -> None:
        """Superpixel count and backbone; the current image is recomputed (or read from the
        cache)."""
        answer = ask_segmentation_settings(self, self.n_segments, self.backbone_name, self.density)
        if answer is None:
            return
        self.n_segments, self.density, self.backbone_name = answer
        self.settings.setValue("n_segments", self.n_segments)
        self.settings.setValue("density", self.density or 0)
        self.settings.setValue("backbone", self.backbone_name or "")
        if self.image_id is not None:
            self.show_image(self.image_id)

    # -- navigation and levels -------------------------------------------------------------------
    def neighbour(self, step: int) -> int | None:
        """The id of the image ``step`` places after the shown one (None: past either end)."""
        if self.project is None or self.image_id is None:
            return None
        ids = [r.id for r in self.project.images()]
        i = ids.index(self.image_id) + step
        return ids[i] if 0 <= i < len(ids) else None

    def next_image(self) -> None:
        if (nxt := self.neighbour(1)) is not None:
            self.show_image(nxt)

    def previous_image(self) -> None:
        if (prev := self.neighbour(-1)) is not None:
            self.show_image(prev)

    def _level_changed(self, level: int) -> None:
        self.canvas.set_level(level)
        if self.session is not None:
            self.session.set_level(level)
            self.tools.refresh_hover()

    def tool_click(self) -> None:
        """Esc: the click tool, without suggestions or a split view."""
        self.suggestions.clear()
        self.tools.set_mode(CLICK)
        if self.session is not None and self.session.split is not None:
            self.session.split = None
            self.tools.refresh_hover()

    def save(self) -> None:
        """Every edit is already saved; this folds the write-ahead log into the file."""
        if self.project is not None:
            self.project.checkpoint()
        self.statusBar().showMessage("All changes are saved (every edit is saved as you go)", 4000)

    # -- panels, failures, cancel ----------------------------------------------------------------
    def _count_changed(self) -> None:
        s = self.session
        if s is not None and len(s.doc.annotations) != self.images.listed_count:
            self._refresh_images()  # the image list shows counts: query only when one changed
            self.adapt.maybe_offer()

    def _refresh_images(self) -> None:
        if self.project is not None:
            self.done_label.setText(self.images.show_project(self.project, self.image_id))

    def _busy_changed(self) -> None:
        self.status.set_busy(self.worker.busy or self.adapt.busy)

    def cancel_work(self) -> None:
        """The status bar's Cancel: stop whatever is computing, adapting the levels included."""
        self.jobs.cancel()
        self.adapt.cancel()

    def levels_model_changed(self) -> None:
        """The project's edge model changed: show the current image's levels under it."""
        if self.image_id is not None:
            self.show_image(self.image_id)

    def show_failure(self, failure: Failure) -> None:
        """Show a failed job's one line in the status bar and in a message box."""
        self.status_label.setText("Failed: " + failure.message)
        # open() does not block: the window stays usable while the message is shown.
        self.error_box = QMessageBox(
            QMessageBox.Icon.Warning, "SuperCuts", failure.message, parent=self
        )
        self.error_box.open()
        self.failed.emit(failure)

    # -- settings -----------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window_state")
        if state is not None:
            self.restoreState(state)
        self.opacity.setValue(int(self.settings.value("opacity", 60)))

    def closeEvent(self, event) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.settings.setValue("opacity", self.opacity.value())
        self.settings.setValue("n_segments", self.n_segments)
        self.settings.setValue("density", self.density or 0)
        self.settings.setValue("backbone", self.backbone_name or "")
        for worker in (self.worker, self.adapt.worker):
            worker.cancel_all()
            worker.wait(5000)
        if self.project is not None:
            self.project.close()
            self.project = None
        super().closeEvent(event)
