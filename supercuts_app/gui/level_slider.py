"""The granularity slider: from superpixels (finest) to the whole image (one region)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget


class LevelSlider(QWidget):
    """A slider over hierarchy levels with a label saying how many regions the level has."""

    level_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimumWidth(260)
        self.slider.setPageStep(1)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.label = QLabel("Level –")
        self.label.setMinimumWidth(190)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(QLabel("Fine"))
        layout.addWidget(self.slider)
        layout.addWidget(QLabel("Coarse"))
        layout.addWidget(self.label)
        self._counts: list[int] = []
        self.slider.valueChanged.connect(self._changed)
        self.set_counts([])

    def set_counts(self, counts: list[int], level: int = 0) -> None:
        """Use a hierarchy with ``counts[l]`` regions at level ``l``; select ``level``."""
        self._counts = list(counts)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(counts) - 1, 0))
        self.slider.setValue(min(level, max(len(counts) - 1, 0)))
        self.slider.blockSignals(False)
        self.setEnabled(bool(counts))
        self._update_label()

    @property
    def level(self) -> int:
        return self.slider.value()

    def step(self, delta: int) -> None:
        """Move ``delta`` levels (negative: finer)."""
        self.slider.setValue(self.slider.value() + delta)

    def finer(self) -> None:
        self.step(-1)

    def coarser(self) -> None:
        self.step(1)

    def _changed(self, level: int) -> None:
        self._update_label()
        self.level_changed.emit(level)

    def _update_label(self) -> None:
        if not self._counts:
            self.label.setText("Level –")
            return
        lv = self.slider.value()
        self.label.setText(f"Level {lv}/{len(self._counts) - 1}: {self._counts[lv]} regions")
