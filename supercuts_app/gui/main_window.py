"""The annotation window: canvas, granularity slider, panels and status bar.

Heavy work (opening a project, reading an image and its masks, superpixels and hierarchy, export,
import) goes through the one :class:`~supercuts_app.gui.worker.Worker`. Each request for an image
gets a generation number and a result for an older generation is dropped, so a slow computation
never overwrites what is shown. Clicks and strokes edit the document directly: they touch only the
clicked region and are saved in one transaction each, well within a frame (see
``tests/bench/bench_interaction.py``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSlider,
)

from supercuts_app.annotation.document import DocumentError
from supercuts_app.gui import file_actions
from supercuts_app.segmentation.cache import SegmentationCache
from supercuts_app.segmentation.segment import (
    LoadedImage,
    ShownSegmentation,
    WindowSegmentation,
    segmentation_for_window,
)
from supercuts_app.session.annotator import FULL
from supercuts_app.session.opening import OpenedImage, load_annotated_image
from supercuts_app.storage.project import Project
from supercuts_app.storage.workspace import open_workspace

from .actions import ShortcutsDialog, build_actions
from .canvas import ImageCanvas
from .level_slider import LevelSlider
from .panels import ClassPanel, ImagePanel, ObjectPanel
from .status import StatusArea
from .suggestions import SuggestionController
from .tools import BRUSH, CLICK, ERASE, ToolController
from .worker import Job, Worker


class MainWindow(QMainWindow):
    """The SuperCuts window over one project at a time."""

    image_shown = Signal(object)  # LoadedImage
    segmentation_shown = Signal(object)  # ShownSegmentation
    project_opened = Signal(object)  # Project
    failed = Signal(str)  # a message shown for a failed background job

    def __init__(self, *, method: str = "ssn", n_segments: int | None = None) -> None:
        super().__init__()
        self.settings = QSettings("SuperCuts", "SuperCuts")
        self.setWindowTitle("SuperCuts")
        self.resize(1280, 820)
        self.method = method
        self.n_segments = n_segments or int(self.settings.value("n_segments", 600))
        self.backbone_name = str(self.settings.value("backbone", "")) or None
        self.cache = SegmentationCache()
        self.worker = Worker(self)
        self.canvas = ImageCanvas(self)
        self.setCentralWidget(self.canvas)
        self.tools = ToolController(self.canvas)
        self.suggestions = SuggestionController(self)
        self.project: Project | None = None
        self.image_id: int | None = None
        self.opened: OpenedImage | None = None
        self.current: LoadedImage | None = None
        self.segmentation: ShownSegmentation | None = None
        self._generation = 0
        self._jobs: list[Job] = []
        self._precompute: tuple[int, Job] | None = None
        self._listed_count = 0
        self._build_toolbar()
        self._build_docks()
        self.status = StatusArea(self.statusBar(), self.cancel)
        # The message and the done counts are written by the panels and file actions too.
        self.status_label, self.done_label = self.status.label, self.status.done
        self.actions_by_slot = build_actions(self)
        self._build_recent_menu()
        self.tools.changed.connect(self._apply_change)
        self.tools.message.connect(self.statusBar().showMessage)
        self.worker.busy_changed.connect(self.status.set_busy)
        self._restore_settings()

    # -- building -----------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        self.levels = LevelSlider(self)
        self.levels.level_changed.connect(self._level_changed)
        bar = self.addToolBar("Granularity")
        bar.setObjectName("granularity")
        bar.setMovable(False)
        bar.addWidget(self.levels)
        bar.addSeparator()
        bar.addWidget(QLabel(" Mask opacity "))
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setMaximumWidth(120)
        self.opacity.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.opacity.valueChanged.connect(lambda v: self.canvas.set_mask_opacity(v / 100))
        bar.addWidget(self.opacity)
        self.tool_label = QLabel("  Tool: click regions")
        bar.addWidget(self.tool_label)
        self.tools.mode_changed.connect(lambda m: self.tool_label.setText(f"  Tool: {m}"))

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
        self.objects.selected.connect(self._select_annotation)
        self.objects.visibility_changed.connect(self._set_visible)
        self.objects.delete_requested.connect(self._delete)
        self.objects.relabel_requested.connect(self._relabel)
        self.objects.part_moved.connect(self._move_part)
        self.classes.add_requested.connect(lambda owner: file_actions.add_class(self, owner))
        self.classes.rename_requested.connect(lambda cid: file_actions.rename_class(self, cid))
        self.classes.remove_requested.connect(lambda cid: file_actions.remove_class(self, cid))
        self.images.image_chosen.connect(self.show_image)

    def _build_recent_menu(self) -> None:
        file_menu = self.actions_by_slot["ask_open_image"].associatedObjects()[0]
        self.recent_menu = file_menu.addMenu("Open &recent")
        file_menu.insertMenu(self.actions_by_slot["save"], self.recent_menu)
        self.recent_menu.aboutToShow.connect(self._fill_recent)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.value("recent") or []:
            self.recent_menu.addAction(path, lambda p=path: self.open_path(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(nothing yet)").setEnabled(False)

    # -- opening ------------------------------------------------------------------------------
    def open_path(self, path: str | Path | None) -> None:
        """Open an image, a folder or a project (None: the bundled sample) in the background."""
        self.cancel()
        self._generation += 1
        generation = self._generation
        self.status_label.setText(f"Opening {Path(path).name if path else 'the sample'}…")
        self._start(open_workspace, path, on_result=lambda r: self._workspace_ready(generation, r))
        if path is not None:
            file_actions.remember_recent(self, Path(path))

    def _workspace_ready(self, generation: int, result) -> None:
        project, image_id = result
        if generation != self._generation:
            project.close()
            return
        if self.project is not None:
            self.project.close()
        self.project = project
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
        keep = self._precompute[1] if self._precompute and self._precompute[0] == image_id else None
        self.cancel(keep=keep)
        self.suggestions.clear()
        self._generation += 1
        generation = self._generation
        self.image_id = image_id
        record = self.project.image(image_id)
        self.status_label.setText(f"Loading {record.path}…")
        self._start(
            load_annotated_image,
            self.project,
            image_id,
            on_result=lambda opened: self._image_loaded(generation, opened),
        )

    def _image_loaded(self, generation: int, opened: OpenedImage) -> None:
        if generation != self._generation:
            return  # a newer image was asked for meanwhile
        self.opened, self.current, self.segmentation = opened, opened.loaded, None
        pixels = opened.loaded.pixels
        self.canvas.set_image(pixels)
        self.canvas.set_masks(opened.annotator.overlay)
        self.canvas.set_mask_opacity(self.opacity.value() / 100)
        self.tools.set_annotator(opened.annotator)
        self.levels.set_counts([])
        h, w = pixels.shape[:2]
        name = opened.loaded.path.name
        self.setWindowTitle(f"SuperCuts — {name}")
        self.status_label.setText(f"{name}  {w} x {h}: computing superpixels…")
        self._refresh_objects()
        self._refresh_images()
        self.image_shown.emit(opened.loaded)
        self._start(
            segmentation_for_window,
            pixels,
            method=self.method,
            n_segments=self.n_segments,
            backbone_name=self.backbone_name,
            cache=self.cache,
            on_result=lambda seg: self._segmentation_ready(generation, seg),
        )

    def _segmentation_ready(self, generation: int, seg: WindowSegmentation) -> None:
        if generation != self._generation or self.opened is None:
            return
        shown = seg.shown
        self.segmentation = shown
        level = min(self.levels.level, shown.tree.n_levels - 1)
        self.opened.annotator.set_tree(shown.tree, seg.regions)
        self.opened.annotator.level = level
        self.canvas.set_superpixels(seg.hover_ids, shown.tree.tables.shape[1])
        self.levels.set_counts(shown.tree.region_counts, level)
        self.canvas.set_contours(shown.ucm, shown.tree.n_levels, level)
        r = shown.result
        h, w = r.labels.shape
        self.status_label.setText(
            f"{self.current.path.name}  {w} x {h}: {r.n_segments} superpixels "
            f"({r.method.upper()}, {r.seconds:.2f} s), {shown.tree.n_levels} levels"
        )
        self.segmentation_shown.emit(shown)
        self._precompute_next()

    def _precompute_next(self) -> None:
        """Fill the cache for the next image while the user works on this one."""
        nxt = self._neighbour(1)
        if nxt is None or self.project is None:
            return
        path = self.project.image_path(self.project.image(nxt))
        job = self.worker.submit(
            file_actions.precompute_image,
            path,
            self.method,
            self.n_segments,
            self.cache,
            self.backbone_name,
            on_result=lambda _: None,
            on_failed=lambda _: None,
            on_progress=lambda stage, f: self.status.show_progress(f"next image: {stage}", f),
        )
        self._precompute = (nxt, job)

    # -- navigation and levels -------------------------------------------------------------------
    def _neighbour(self, step: int) -> int | None:
        if self.project is None or self.image_id is None:
            return None
        ids = [r.id for r in self.project.images()]
        i = ids.index(self.image_id) + step
        return ids[i] if 0 <= i < len(ids) else None

    def next_image(self) -> None:
        nxt = self._neighbour(1)
        if nxt is not None:
            self.show_image(nxt)

    def previous_image(self) -> None:
        prev = self._neighbour(-1)
        if prev is not None:
            self.show_image(prev)

    def _level_changed(self, level: int) -> None:
        self.canvas.set_level(level)
        if self.opened is not None:
            self.opened.annotator.level = level
            self.opened.annotator.split = None
            self.tools.refresh_hover()

    def finer(self) -> None:
        self.levels.step(-1)

    def coarser(self) -> None:
        self.levels.step(1)

    # -- editing --------------------------------------------------------------------------------
    @property
    def annotator(self):
        return None if self.opened is None else self.opened.annotator

    def _edit(self, fn, *args) -> None:
        """Run an annotator call, redraw what it changed, and report rule violations."""
        if self.annotator is None:
            return
        try:
            result = fn(*args)
        except DocumentError as exc:
            self.statusBar().showMessage(str(exc), 6000)
            return
        # New objects and parts return their id: nothing to redraw but the panels.
        self._apply_change(None if isinstance(result, int) else result)

    def _apply_change(self, window) -> None:
        if window is not None:
            self.canvas.update_masks(None if window == FULL else window)
        self._refresh_objects()
        a = self.annotator
        if a is not None and len(a.doc.annotations) != self._listed_count:
            self._refresh_images()  # the image list shows counts: query only when one changed

    def new_object(self) -> None:
        file_actions.new_object(self)

    def new_part(self) -> None:
        file_actions.new_part(self)

    def undo(self) -> None:
        if self.annotator is not None:
            self._edit(self.annotator.undo)

    def redo(self) -> None:
        if self.annotator is not None:
            self._edit(self.annotator.redo)

    def delete_selected(self) -> None:
        if self.suggestions.active:
            self.suggestions.reject()
            return
        if self.annotator is not None and self.annotator.active is not None:
            self._delete(self.annotator.active)

    def fill_holes(self) -> None:
        if self.annotator is not None:
            self._edit(self.annotator.fill_holes)

    def _delete(self, ann_id: int) -> None:
        self._edit(self.annotator.delete, ann_id)

    def _relabel(self, ann_id: int) -> None:
        file_actions.relabel(self, ann_id)

    def _move_part(self, part_id: int, object_id: int) -> None:
        self._edit(self.annotator.move_part, part_id, object_id)

    def _select_annotation(self, ann_id: int | None) -> None:
        if self.annotator is None:
            return
        self.annotator.select(ann_id)
        self.canvas.update_masks(None)

    def _set_visible(self, ann_id: int, visible: bool) -> None:
        if self.annotator is not None:
            self.annotator.set_hidden(ann_id, not visible)
            self.canvas.update_masks(None)

    def tool_click(self) -> None:
        self.suggestions.clear()
        self.tools.set_mode(CLICK)
        if self.annotator is not None and self.annotator.split is not None:
            self.annotator.split = None
            self.tools.refresh_hover()

    def tool_brush(self) -> None:
        self.tools.set_mode(BRUSH)

    def tool_erase(self) -> None:
        self.tools.set_mode(ERASE)

    def brush_bigger(self) -> None:
        self.tools.resize_brush(1.25)

    def brush_smaller(self) -> None:
        self.tools.resize_brush(0.8)

    def save(self) -> None:
        """Every edit is already saved; this folds the write-ahead log into the file."""
        if self.project is not None:
            self.project.store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self.statusBar().showMessage("All changes are saved (every edit is saved as you go)", 4000)

    # -- files (dialogs live in file_actions) ------------------------------------------------------
    def ask_open_image(self) -> None:
        file_actions.ask_open_image(self)

    def ask_open_folder(self) -> None:
        file_actions.ask_open_folder(self)

    def ask_export_coco(self) -> None:
        file_actions.ask_export_coco(self)

    def ask_export_masks(self) -> None:
        file_actions.ask_export_masks(self)

    def ask_import_coco(self) -> None:
        file_actions.ask_import_coco(self)

    def ask_load_classes(self) -> None:
        file_actions.ask_load_classes(self)

    def ask_segmentation_settings(self) -> None:
        file_actions.ask_segmentation_settings(self)

    def show_shortcuts(self) -> None:
        self.shortcuts_dialog = ShortcutsDialog(self)
        self.shortcuts_dialog.open()

    # -- panels ------------------------------------------------------------------------------
    def _refresh_objects(self) -> None:
        a = self.annotator
        if a is None:
            self.objects.show_document(None, {}, None, set())
            return
        self.objects.show_document(a.doc, a.overlay.colors(), a.active, a.overlay.hidden, a.empty)

    def _refresh_images(self) -> None:
        if self.project is None:
            return
        counts = self.project.store.annotation_counts()
        self._listed_count = counts.get(self.image_id, 0)
        self.done_label.setText(
            self.images.show_images(self.project.images(), counts, self.image_id)
        )

    # -- worker plumbing ----------------------------------------------------------------------
    def _start(self, fn, *args, on_result, **kwargs) -> Job:
        job = self.worker.submit(
            fn,
            *args,
            on_result=on_result,
            on_progress=self.status.show_progress,
            on_failed=self._show_failure,
            **kwargs,
        )
        self._jobs = [j for j in self._jobs if not j.is_cancelled] + [job]
        return job

    def cancel(self, keep: Job | None = None) -> None:
        """Stop whatever is computing (except ``keep``); its result will be dropped."""
        for job in self._jobs:
            job.cancel()
        self._jobs = []
        if self._precompute is not None and self._precompute[1] is not keep:
            self._precompute[1].cancel()
            self._precompute = None

    def _show_failure(self, message: str) -> None:
        self.status_label.setText("Failed: " + message)
        # open() does not block: the window stays usable while the message is shown.
        self.error_box = QMessageBox(QMessageBox.Icon.Warning, "SuperCuts", message, parent=self)
        self.error_box.open()
        self.failed.emit(message)

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
        self.settings.setValue("backbone", self.backbone_name or "")
        self.worker.cancel_all()
        self.worker.wait(5000)
        if self.project is not None:
            self.project.close()
            self.project = None
        super().closeEvent(event)
