"""Image items that stay fast on large images: the photo and the contour layer.

pyqtgraph turns a whole ImageItem into a QImage whenever its data or lookup table changes, and
converts that QImage again on every paint unless it is in the painter's own format; on a 12 MP
image either costs more than a frame.
"""

from __future__ import annotations

import cv2
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage


class CachedImageItem(pg.ImageItem):
    """An ImageItem whose rendered QImage is kept in the format the raster painter blends
    directly: pyqtgraph's RGB888, Indexed8 or ARGB32 images would be converted again on every
    paint, which costs more than the drawing itself for full-resolution layers."""

    def render(self) -> None:
        super().render()
        if self.qimage is None or self._unrenderable:
            return
        opaque = not self.qimage.hasAlphaChannel()
        target = QImage.Format.Format_RGB32 if opaque else QImage.Format.Format_ARGB32_Premultiplied
        if self.qimage.format() != target:
            self.qimage = self.qimage.convertToFormat(target)


def screen_step(pixel_size: tuple[float, float]) -> int:
    """Image pixels per drawn pixel for a view showing ``pixel_size`` image pixels per screen
    pixel: the nearest whole number (at 1.5 and more, every other pixel is enough to draw)."""
    if not all(v > 0 for v in pixel_size):
        return 1
    return max(1, round(min(pixel_size)))


def max_pool(array: np.ndarray, factor: int) -> np.ndarray:
    """Maximum over ``factor`` x ``factor`` blocks (the last ones may be partial)."""
    if factor <= 1:
        return array
    # A dilation anchored at the top-left corner puts each block's maximum at its first pixel.
    grown = cv2.dilate(array, np.ones((factor, factor), np.uint8), anchor=(0, 0))
    return np.ascontiguousarray(grown[::factor, ::factor])


class PooledIndexImage:
    """A uint8 index image with a lookup table, drawn at about the screen's resolution.

    Zoomed out, each screen pixel shows the maximum of the image pixels under it: one-pixel
    borders stay visible (pyqtgraph's own downsampling averages them away), and a new lookup
    table re-renders a screen-sized image, not the full one.
    """

    def __init__(self, view: pg.ViewBox, z: float) -> None:
        self.view = view
        self.item = CachedImageItem()
        self.item.setZValue(z)
        view.addItem(self.item)
        self.array: np.ndarray | None = None
        self.levels = (0, 1)
        self._factor = 0
        view.sigTransformChanged.connect(self.rescale)

    def set_image(self, array: np.ndarray | None, levels: tuple[int, int] = (0, 1)) -> None:
        self.array, self.levels, self._factor = array, levels, 0
        if array is None:
            self.item.clear()
            return
        self.rescale()

    def set_lookup(self, lut: np.ndarray) -> None:
        self.item.setLookupTable(lut)

    def rescale(self) -> None:
        """Pick the pooling factor for the current zoom (re-pooled only when it changes)."""
        if self.array is None:
            return
        size = self.view.viewPixelSize()
        factor = screen_step(size)
        if factor == self._factor:
            return
        self._factor = factor
        h, w = self.array.shape
        self.item.setImage(max_pool(self.array, factor), levels=self.levels, autoLevels=False)
        self.item.setRect(QRectF(0, 0, w, h))
