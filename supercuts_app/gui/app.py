"""Starting the desktop app."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from ..core.resources import sample_image_path
from .main_window import MainWindow


def run_app(path: str | Path | None = None) -> int:
    """Open the main window on ``path`` (the bundled sample image when None) and run Qt."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("SuperCuts")
    app.setOrganizationName("SuperCuts")
    window = MainWindow()
    window.show()
    window.open_path(path if path is not None else sample_image_path())
    return app.exec()
