"""Starting the desktop app.

The running app prints nothing to the terminal: failures are shown in the window (bad input as
one line, a bug as a line naming the log of unexpected errors), and Qt's own warnings go to that
log too (:mod:`supercuts_app.base.error_log`).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from PySide6.QtCore import QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from supercuts_app.base.error_log import log_text
from supercuts_app.base.resources import resource_path, sample_image_path

from .failures import Failure, describe_failure
from .main_window import MainWindow

SELF_TEST_TIMEOUT_MS = 180_000


def run_app(path: str | Path | None = None, *, self_test: bool = False) -> int:
    """Open the main window on ``path`` (the bundled sample image when None) and run Qt.

    With ``self_test``, quit as soon as the image's superpixels and levels are shown, printing
    one line (exit 0): the packaged app's smoke test. Bad input (a damaged project, an
    unreadable image, a missing path) prints its one line ``supercuts: ...`` and exits 2; a bug
    or three minutes without an image exit 1.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("SuperCuts")
    app.setOrganizationName("SuperCuts")
    app.setWindowIcon(QIcon(str(resource_path("icons", "supercuts.png"))))
    window = MainWindow()
    if self_test:
        _quit_when_shown(app, window)
    previous_hook = sys.excepthook
    sys.excepthook = _bug_hook(window, previous_hook)
    previous_handler = qInstallMessageHandler(_log_qt_message)
    window.show()
    # First in the worker's queue: the libraries are imported there anyway by the first image.
    window.worker.submit(settle_heavy_imports)
    window.open_path(path if path is not None else sample_image_path())
    try:
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        qInstallMessageHandler(previous_handler)
        gc.unfreeze()  # let the interpreter free everything at exit


def _bug_hook(window: MainWindow, previous_hook):
    """``sys.excepthook`` for an exception raised on the GUI thread (in a slot): a bug, logged
    and shown like a failed job's instead of a traceback in the terminal. Ctrl+C and exits go to
    ``previous_hook``."""

    def hook(kind, exc, tb) -> None:
        if not isinstance(exc, Exception):
            previous_hook(kind, exc, tb)
            return
        window.show_failure(describe_failure(exc.with_traceback(tb), during="the window"))

    return hook


def _log_qt_message(kind: QtMsgType, context, message: str) -> None:
    """Qt's own messages (warnings of its platform plugins, for one) go to the log, not the
    terminal; where the log cannot be written they are printed as Qt would."""
    if kind == QtMsgType.QtDebugMsg:
        return
    try:
        log_text(f"Qt {kind.name}: {message}")
    except OSError:
        print(message, file=sys.stderr)


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

    def failed(failure: Failure) -> None:
        window.failed.disconnect(failed)  # one verdict line, even if more jobs fail meanwhile
        if failure.unexpected:
            print(f"supercuts: self-test failed: {failure.message}", file=sys.stderr, flush=True)
            app.exit(1)
        else:
            print(f"supercuts: {failure.message}", file=sys.stderr, flush=True)
            app.exit(2)

    def timed_out() -> None:
        minutes = SELF_TEST_TIMEOUT_MS // 60_000
        print(f"supercuts: self-test failed: no image shown in {minutes} minutes", file=sys.stderr)
        app.exit(1)

    window.segmentation_shown.connect(shown)
    window.failed.connect(failed)
    QTimer.singleShot(SELF_TEST_TIMEOUT_MS, timed_out)
