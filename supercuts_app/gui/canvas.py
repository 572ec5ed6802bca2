"""The image canvas: photo and superpixel-boundary layers in a zoomable, pannable view."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ..core.render import BOUNDARY_RGB

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)


class ImageCanvas(pg.GraphicsView):
    """A pyqtgraph view with the photo and an RGBA boundary layer above it.

    Mouse wheel zooms at the cursor, dragging pans; the aspect ratio stays 1:1.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="#202124")
        self.view = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.setCentralItem(self.view)
        self.photo = pg.ImageItem()
        self.boundaries = pg.ImageItem()
        self.boundaries.setZValue(10)
        self.view.addItem(self.photo)
        self.view.addItem(self.boundaries)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._shape: tuple[int, int] | None = None
        self._top = 0

    def set_image(self, image: np.ndarray) -> None:
        """Show a new (H, W, 3) uint8 photo, clear the boundary layer and fit it in view."""
        self.photo.setImage(image, levels=(0, 255), autoLevels=False)
        self.boundaries.clear()
        self._shape = image.shape[:2]
        self.fit()

    def set_contours(self, ucm: np.ndarray | None, n_levels: int = 1, level: int = 0) -> None:
        """Show a contour map (see ``ShownSegmentation.ucm``) of ``n_levels`` at ``level``.

        ``None`` clears it. Contour values run from 0 to ``n_levels - 1``.
        """
        if ucm is None:
            self.boundaries.clear()
            self._top = 0
            return
        self._top = n_levels
        # levels=(0, n) with an n-entry lookup table maps each contour value to its own entry.
        self.boundaries.setImage(ucm, levels=(0, self._top), autoLevels=False)
        self.set_level(level)

    def set_level(self, level: int) -> None:
        """Draw only the borders that still separate regions at ``level`` (a table change)."""
        lut = np.zeros((max(self._top, 1), 4), dtype=np.uint8)
        lut[level + 1 :] = (*BOUNDARY_RGB, 210)
        self.boundaries.setLookupTable(lut)

    def set_boundaries_visible(self, visible: bool) -> None:
        self.boundaries.setVisible(visible)

    def fit(self) -> None:
        """Zoom so the whole image is visible."""
        if self._shape is not None:
            h, w = self._shape
            self.view.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)
