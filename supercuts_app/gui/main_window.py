"""The main window: a canvas, a File menu and a status bar; every computation goes to the worker."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
)

from ..core.cache import SegmentationCache
from ..core.io import IMAGE_SUFFIXES
from ..core.pipeline import LoadedImage, ShownSegmentation, open_image, segmentation_for_display
from .canvas import ImageCanvas
from .level_slider import LevelSlider
from .worker import Job, Worker


class MainWindow(QMainWindow):
    """Shows one image, its superpixels and their levels; stale results are dropped.

    Each open request gets a new generation number; a result that arrives for an older generation
    is discarded, so a slow computation can never overwrite a newer image.
    """

    image_shown = Signal(object)  # LoadedImage
    segmentation_shown = Signal(object)  # ShownSegmentation

    def __init__(self, *, method: str = "ssn", n_segments: int = 600) -> None:
        super().__init__()
        self.setWindowTitle("SuperCuts")
        self.resize(1100, 760)
        self.method, self.n_segments = method, n_segments
        self.cache = SegmentationCache()
        self.worker = Worker(self)
        self.canvas = ImageCanvas(self)
        self.setCentralWidget(self.canvas)
        self.current: LoadedImage | None = None
        self.segmentation: ShownSegmentation | None = None
        self._generation = 0
        self._jobs: list[Job] = []
        self.levels = LevelSlider(self)
        self.levels.level_changed.connect(self.canvas.set_level)
        toolbar = self.addToolBar("Granularity")
        toolbar.setMovable(False)
        toolbar.addWidget(self.levels)
        self._build_status_bar()
        self._build_menus()
        self.worker.busy_changed.connect(self._set_busy)

    # ----- building -----
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_label = QLabel("Open an image (Ctrl+O)")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(180)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        bar.addWidget(self.status_label, 1)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = QAction("&Open image…", self, shortcut=QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self._ask_open)
        file_menu.addAction(self.open_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&View")
        self.boundaries_action = QAction("Show &boundaries", self, checkable=True, checked=True)
        self.boundaries_action.setShortcut(QKeySequence(Qt.Key.Key_Tab))
        self.boundaries_action.toggled.connect(self.canvas.set_boundaries_visible)
        view_menu.addAction(self.boundaries_action)
        fit_action = QAction("&Fit image", self, shortcut=QKeySequence(Qt.Key.Key_F))
        fit_action.triggered.connect(self.canvas.fit)
        view_menu.addAction(fit_action)
        finer = QAction("F&iner level", self, shortcut=QKeySequence(Qt.Key.Key_BracketLeft))
        finer.triggered.connect(lambda: self.levels.step(-1))
        coarser = QAction("C&oarser level", self, shortcut=QKeySequence(Qt.Key.Key_BracketRight))
        coarser.triggered.connect(lambda: self.levels.step(1))
        view_menu.addActions([finer, coarser])
        self.addActions([self.open_action, self.boundaries_action, fit_action, finer, coarser])

    # ----- opening -----
    def _ask_open(self) -> None:
        patterns = " ".join(f"*{s}" for s in IMAGE_SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(self, "Open image", "", f"Images ({patterns})")
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> None:
        """Load ``path`` and compute its superpixels in the background."""
        self.cancel()
        self._generation += 1
        generation = self._generation
        self.status_label.setText(f"Loading {Path(path).name}…")
        self._start(
            open_image,
            path,
            on_result=lambda loaded: self._image_loaded(generation, loaded),
        )

    def _image_loaded(self, generation: int, loaded: LoadedImage) -> None:
        if generation != self._generation:
            return  # a newer image was asked for meanwhile
        self.current, self.segmentation = loaded, None
        self.canvas.set_image(loaded.pixels)
        self.levels.set_counts([])
        h, w = loaded.pixels.shape[:2]
        self.setWindowTitle(f"SuperCuts — {loaded.path.name}")
        self.status_label.setText(f"{loaded.path.name}  {w} x {h}: computing superpixels…")
        self.image_shown.emit(loaded)
        self._start(
            segmentation_for_display,
            loaded.pixels,
            method=self.method,
            n_segments=self.n_segments,
            cache=self.cache,
            on_result=lambda shown: self._segmentation_ready(generation, shown),
        )

    def _segmentation_ready(self, generation: int, shown: ShownSegmentation) -> None:
        if generation != self._generation or self.current is None:
            return
        self.segmentation = shown
        level = min(self.levels.level, shown.tree.n_levels - 1)
        self.levels.set_counts(shown.tree.region_counts, level)
        self.canvas.set_contours(shown.ucm, shown.tree.n_levels, level)
        r = shown.result
        h, w = r.labels.shape
        self.status_label.setText(
            f"{self.current.path.name}  {w} x {h}: {r.n_segments} superpixels "
            f"({r.method.upper()}, {r.seconds:.2f} s), {shown.tree.n_levels} levels"
        )
        self.segmentation_shown.emit(shown)

    # ----- worker plumbing -----
    def _start(self, fn, *args, on_result, **kwargs) -> None:
        job = self.worker.submit(
            fn,
            *args,
            on_result=on_result,
            on_progress=self._show_progress,
            on_failed=self._show_failure,
            **kwargs,
        )
        self._jobs = [j for j in self._jobs if not j.is_cancelled] + [job]

    def cancel(self) -> None:
        """Stop whatever is computing; its result will be dropped."""
        for job in self._jobs:
            job.cancel()
        self._jobs = []

    def _show_progress(self, stage: str, fraction: float) -> None:
        self.progress.setValue(round(fraction * 100))
        self.progress.setFormat(f"{stage} %p%")

    def _show_failure(self, message: str) -> None:
        self.status_label.setText("Failed: " + message)
        # open() does not block: the window stays usable while the message is shown.
        self.error_box = QMessageBox(QMessageBox.Icon.Warning, "SuperCuts", message, parent=self)
        self.error_box.open()

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.progress.setValue(0)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.worker.cancel_all()
        self.worker.wait(5000)
        super().closeEvent(event)
