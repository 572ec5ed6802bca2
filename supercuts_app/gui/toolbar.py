"""The window's tool bar and its settings dialog: granularity slider, mask opacity, the switch
between region and seed clicks, tool name, and the segmentation settings (superpixel count or
density, backbone)."""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLabel, QSlider, QToolBar, QWidget

from supercuts_app.base.defaults import (
    SUPERPIXEL_DENSITY,
    SUPERPIXEL_DENSITY_CAP,
    SUPERPIXEL_DENSITY_FLOOR,
)
from supercuts_app.segmentation.density import SuperpixelDensity

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


FIXED_COUNT = "A fixed count per image"
BY_DENSITY = "A count that follows the photo's size (per megapixel)"


class SegmentationChoice(NamedTuple):
    """What the segmentation settings dialog chose: a fixed count (``density`` None) or a
    density in superpixels per megapixel (then ``n_segments`` is the fixed count kept for
    later), and the backbone (None: the shipped one)."""

    n_segments: int
    density: float | None
    backbone_name: str | None


def count_options(n_segments: int, density: float | None) -> dict:
    """The superpixel count options of ``segment_image`` for the window's settings: the
    density when one is set, else the fixed count."""
    if density:
        return {"n_segments": None, "density": SuperpixelDensity(density)}
    return {"n_segments": n_segments, "density": None}


def ask_segmentation_settings(
    parent: QWidget, n_segments: int, backbone_name: str | None, density: float | None = None
) -> SegmentationChoice | None:
    """Ask for the superpixel count (fixed, or a density per megapixel) and the timm backbone.

    Parameters
    ----------
    parent : QWidget
        The dialogs' parent.
    n_segments : int
        The current fixed count (the dialog's default).
    backbone_name : str or None
        The current backbone (None: the shipped one).
    density : float, optional
        The current density in superpixels per megapixel (None: the fixed count is used).

    Returns
    -------
    SegmentationChoice or None
        None when cancelled.
    """
    choices = [FIXED_COUNT, BY_DENSITY]
    kind, ok = QInputDialog.getItem(
        parent, "Segmentation", "Superpixels:", choices, 1 if density else 0, False
    )
    if not ok:
        return None
    if kind == BY_DENSITY:
        value, ok = QInputDialog.getDouble(
            parent,
            "Segmentation",
            f"Superpixels per megapixel (each image gets at least {SUPERPIXEL_DENSITY_FLOOR} "
            f"and at most {SUPERPIXEL_DENSITY_CAP}):",
            density or SUPERPIXEL_DENSITY,
            1.0,
            float(SUPERPIXEL_DENSITY_CAP),
            0,
        )
        count, chosen_density = n_segments, value
    else:
        count, ok = QInputDialog.getInt(
            parent, "Segmentation", "Superpixels per image:", n_segments, 50, 5000, 50
        )
        chosen_density = None
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
    return SegmentationChoice(count, chosen_density, name.strip() or None)
