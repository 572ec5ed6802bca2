"""Help > About: the version, and where the log of unexpected errors is (to attach to a report)."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from supercuts_app import __version__
from supercuts_app.base.error_log import log_path


class AboutDialog(QDialog):
    """Version numbers and the log file's path (selectable, to copy); read when opened, so a
    ``SUPERCUTS_LOG_DIR`` set after start is shown as it is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About SuperCuts")
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)

    def open(self) -> None:
        """Show the dialog with the current log path (does not block)."""
        self.text.setText(about_text())
        super().open()


def about_text() -> str:
    """What the About dialog says: versions, and where unexpected errors are logged."""
    return (
        f"SuperCuts {__version__}\n"
        "Annotate objects and parts by clicking superpixels.\n\n"
        f"Python {platform.python_version()}, PySide6 {pyside_version}\n\n"
        "Unexpected errors (bugs) are written with their details to\n"
        f"{log_path()}\n"
        "Attach that file when you report one."
    )
