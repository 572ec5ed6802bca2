"""File actions of the window: open, recent files, export, import, and precompute of the next image.

Kept apart from the main window so that it stays a composition of parts; every file operation
runs in the worker, through the window's public :class:`~supercuts_app.gui.jobs.WindowJobs`.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMenu

from supercuts_app.base.files import write_bytes_atomic
from supercuts_app.base.images import IMAGE_SUFFIXES, load_image
from supercuts_app.formats.coco import export_coco, import_coco, load_coco_file
from supercuts_app.formats.mask_png import export_masks
from supercuts_app.segmentation.segment import segment_image
from supercuts_app.storage.project import PROJECT_SUFFIX

from .toolbar import count_options

MAX_RECENT = 8


def precompute_image(
    path,
    method: str,
    n_segments: int,
    cache,
    backbone_name=None,
    *,
    density: float | None = None,
    edge_model=None,
    progress=None,
    cancel=None,
):
    """Worker job: compute (or find) an image's segmentation in the cache (``edge_model``: the
    project's, None for the shipped one; ``density``: superpixels per megapixel, used instead
    of ``n_segments`` when set)."""
    segment_image(
        load_image(path),
        method=method,
        **count_options(n_segments, density),
        backbone=backbone_name,
        edge_model=edge_model,
        cache=cache,
        cancel=cancel,
    )
    return path


class FileActions:
    """File menu actions of a window (dialogs, then a worker job each)."""

    def __init__(self, window) -> None:
        self.window = window
        self.recent_menu: QMenu | None = None

    # -- open -------------------------------------------------------------------------------
    def ask_open_image(self) -> None:
        patterns = " ".join(f"*{s}" for s in IMAGE_SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(
            self.window,
            "Open image or project",
            self._start_dir(),
            f"Images and projects ({patterns} *{PROJECT_SUFFIX})",
        )
        if path:
            self.window.open_path(path)

    def ask_open_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self.window, "Open folder", self._start_dir())
        if path:
            self.window.open_path(path)

    def remember_recent(self, path: Path) -> None:
        settings = self.window.settings
        resolved = str(path.resolve())
        recent = [resolved] + [p for p in (settings.value("recent") or []) if p != resolved]
        settings.setValue("recent", recent[:MAX_RECENT])

    def add_recent_menu(self, file_menu: QMenu, before) -> None:
        """File > Open recent, placed before the action ``before``."""
        self.recent_menu = QMenu("Open &recent", file_menu)
        file_menu.insertMenu(before, self.recent_menu)
        self.recent_menu.aboutToShow.connect(self.fill_recent)

    def fill_recent(self) -> None:
        menu = self.recent_menu
        menu.clear()
        for path in self.window.settings.value("recent") or []:
            menu.addAction(path, lambda p=path: self.window.open_path(p))
        if menu.isEmpty():
            menu.addAction("(nothing yet)").setEnabled(False)

    # -- export and import ----------------------------------------------------------------------
    def ask_export_coco(self) -> None:
        project = self.window.project
        if project is None:
            return
        default = str(project.root / f"{project.path.stem}_coco.json")
        out, _ = QFileDialog.getSaveFileName(
            self.window, "Export COCO", default, "COCO JSON (*.json)"
        )
        if not out:
            return

        def job(*, progress=None, cancel=None) -> str:
            data = export_coco(project)
            write_bytes_atomic(out, json.dumps(data).encode())
            n_parts = sum("parent_id" in a for a in data["annotations"])
            n_objects = len(data["annotations"]) - n_parts
            return f"Exported {n_objects} objects and {n_parts} parts to {out}"

        self.window.jobs.start(job, on_result=self._done)

    def ask_export_masks(self) -> None:
        project = self.window.project
        if project is None:
            return
        out = QFileDialog.getExistingDirectory(
            self.window, "Export masks to folder", self._start_dir()
        )
        if not out:
            return

        def job(*, progress=None, cancel=None) -> str:
            def tick(done: int, total: int) -> None:
                if progress is not None:
                    progress("exporting masks", done / total)

            legend = export_masks(project, out, progress=tick)
            return f"Exported label PNGs of {len(legend['images'])} images to {out}"

        self.window.jobs.start(job, on_result=self._done)

    def ask_import_coco(self) -> None:
        window = self.window
        if window.project is None:
            return
        path, _ = QFileDialog.getOpenFileName(
            window, "Import COCO", self._start_dir(), "COCO JSON (*.json)"
        )
        if not path:
            return
        images = QFileDialog.getExistingDirectory(
            window, "Folder of its images", str(Path(path).parent)
        )
        if not images:
            return
        target = window.project.path

        def job(*, progress=None, cancel=None):
            return import_coco(load_coco_file(path), images, target, replace=True)

        def finished(summary) -> None:
            window.open_path(target)  # reload with the imported labels
            self._done(f"Imported {summary.objects} objects and {summary.parts} parts")

        # The import writes through its own connection; the open project is reopened afterwards.
        window.jobs.start(job, on_result=finished)

    # -- precompute -----------------------------------------------------------------------------
    def precompute_next(self) -> None:
        """Fill the cache for the next image while the user works on this one."""
        window = self.window
        nxt = window.neighbour(1)
        if nxt is None or window.project is None:
            return
        path = window.project.image_path(window.project.image(nxt))
        window.jobs.precompute(
            nxt,
            precompute_image,
            path,
            window.method,
            window.n_segments,
            window.cache,
            window.backbone_name,
            density=window.density,
            edge_model=window.adapt.levels_scorer(),
            on_progress=lambda stage, f: window.status.show_progress(f"next image: {stage}", f),
        )

    # -- helpers --------------------------------------------------------------------------------
    def _start_dir(self) -> str:
        return str(self.window.settings.value("last_folder", str(Path.home())))

    def _done(self, text: str) -> None:
        self.window.status_label.setText(text)
        self.window.statusBar().showMessage(text, 8000)
