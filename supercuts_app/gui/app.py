"""Starting the desktop app."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from supercuts_app.base.resources import resource_path, sample_image_path

from .main_window import MainWindow

SELF_TEST_TIMEOUT_MS = 180_000


def run_app(path: str | Path | None = None, *, self_test: bool = False) -> int:
    """Open the main window on ``path`` (the bundled sample image when None) and run Qt.

    With ``self_test``, quit as soon as the image's superpixels and levels are shown, printing
    one line (exit 0), or after a failure or three minutes (exit 1): the packaged app's smoke
    test.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("SuperCuts")
    app.setOrganizationName("SuperCuts")
    app.setWindowIcon(QIcon(str(resource_path("icons", "supercuts.png"))))
    window = MainWindow()
    if self_test:
        _quit_when_shown(app, window)
    window.show()
    # First in the worker's queue: the libraries are imported there anyway by the first image.
    window.worker.submit(settle_heavy_imports)
    window.open_path(path if path is not None else sample_image_path())
    try:
        return app.exec()
    finally:
        gc.unfreeze()  # let the interpreter free everything at exit


def settle_heavy_imports(**_: object) -> None:
    """Import torch and timm, then exempt every object alive so far from the cycle collector.

    torch brings about 450,000 objects; each full collection walked them all, a 0.2 s freeze of
    the window at random moments (often during a click). Frozen once here, as the worker's first
    job, before it loads any image, so no image data is exempt (``gc.freeze``).
    """
    import timm  # noqa: F401
    import torch  # noqa: F401

    gc.collect()
    gc.freeze()


def _quit_when_shown(app: QApplication, window: MainWindow) -> None:
    def shown(segmentation) -> None:
        name = window.current.path.name if window.current is not None else "?"
        levels = segmentation.tree.n_levels
        print(f"self-test ok: {name}, {levels} levels", flush=True)
        app.exit(0)

    def failed(message: str) -> None:
        print(f"self-test failed: {message}", file=sys.stderr, flush=True)
        app.exit(1)

    window.segmentation_shown.connect(shown)
    window.failed.connect(failed)
    QTimer.singleShot(SELF_TEST_TIMEOUT_MS, lambda: failed("timed out"))
