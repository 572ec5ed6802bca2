"""The window's tool bar and its settings dialog: granularity slider, mask opacity, the switch
between region and seed clicks, tool name, and the segmentation settings (superpixel count,
backbone)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLabel, QSlider, QToolBar, QWidget

from .level_slider import LevelSlider


class GranularityBar(QToolBar):
    """The granularity slider (``levels``), the mask opacity slider (``opacity``, 0-100), tool
    switches (:meth:`add_switch`) and the name of the current tool (:meth:`show_tool`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Granularity", parent)
        self.setObjectName("granularity")
        self.setMovable(False)
        self.levels = LevelSlider(self)
        self.addWidget(self.levels)
        self.addSeparator()
        self.addWidget(QLabel(" Mask opacity "))
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setMaximumWidth(120)
        self.opacity.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.addWidget(self.opacity)
        self.addSeparator()
        self.tool_label = QLabel("  Tool: click regions")
        self._tool_label_action = self.addWidget(self.tool_label)

    def add_switch(self, action: QAction) -> None:
        """Show a checkable action of the menus (e.g. seed clicks) as a button before the tool
        name."""
        self.insertAction(self._tool_label_action, action)

    def show_tool(self, mode: str) -> None:
        self.tool_label.setText(f"  Tool: {mode}")


def ask_segmentation_settings(
    parent: QWidget, n_segments: int, backbone_name: str | None
) -> tuple[int, str | None] | None:
    """Ask for the superpixel count and the timm backbone.

    Parameters
    ----------
    parent : QWidget
        The dialogs' parent.
    n_segments : int
        The current count (the dialog's default).
    backbone_name : str or None
        The current backbone (None: the shipped one).

    Returns
    -------
    tuple or None
        (count, backbone name or None for the shipped one); None when cancelled.
    """
    count, ok = QInputDialog.getInt(
        parent, "Segmentation", "Superpixels per image:", n_segments, 50, 5000, 50
    )
    if not ok:
        return None
    name, ok = QInputDialog.getText(
        parent,
        "Segmentation",
        "timm backbone (empty: the shipped EfficientNet-Lite0; others need their weights online):",
        text=backbone_name or "",
    )
    if not ok:
        return None
    return count, name.strip() or None
