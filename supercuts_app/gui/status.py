"""The status bar: a message, the project's done counts, progress of background work, Cancel."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar


class StatusArea:
    """Widgets of the window's status bar; progress and Cancel show only while a job runs."""

    def __init__(self, bar: QStatusBar, on_cancel: Callable[[], None]) -> None:
        self.label = QLabel("Open an image or a folder (Ctrl+O, Ctrl+Shift+O)")
        self.done = QLabel("")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(180)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(lambda: on_cancel())
        bar.addWidget(self.label, 1)
        bar.addPermanentWidget(self.done)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)

    def show_progress(self, stage: str, fraction: float) -> None:
        self.progress.setValue(round(fraction * 100))
        self.progress.setFormat(f"{stage} %p%")

    def set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.progress.setValue(0)
