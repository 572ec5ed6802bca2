"""A large image shown as a grid of pyqtgraph ImageItems, so a change re-renders only its tiles.

pyqtgraph turns a whole ImageItem into a QImage whenever its data or lookup table changes; on a
12 MP image that alone takes longer than a frame. Splitting a layer into tiles makes a click's
repaint proportional to the region it changed.
"""

from __future__ import annotations

import cv2
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage

from ..core.document import Slice2D

TILE = 512


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
        factor = max(1, int(min(size))) if all(v > 0 for v in size) else 1
        if factor == self._factor:
            return
        self._factor = factor
        h, w = self.array.shape
        self.item.setImage(max_pool(self.array, factor), levels=self.levels, autoLevels=False)
        self.item.setRect(QRectF(0, 0, w, h))


class TiledImage:
    """One layer of the canvas: an (H, W) index image with a lookup table, or (H, W, 4) RGBA."""

    def __init__(self, view: pg.ViewBox, z: float, tile: int = TILE) -> None:
        self.view, self.z, self.tile = view, z, tile
        self.array: np.ndarray | None = None
        self.items: dict[tuple[int, int], pg.ImageItem] = {}
        self.lut: np.ndarray | None = None
        self.visible = True
        self.opacity = 1.0

    def set_image(self, array: np.ndarray | None, lut: np.ndarray | None = None) -> None:
        """Show ``array`` (None clears the layer); ``lut`` maps index images to RGBA."""
        for item in self.items.values():
            self.view.removeItem(item)
        self.items.clear()
        self.array, self.lut = array, lut
        if array is None:
            return
        h, w = array.shape[:2]
        for ty in range(0, h, self.tile):
            for tx in range(0, w, self.tile):
                item = CachedImageItem()
                item.setZValue(self.z)
                item.setPos(tx, ty)
                item.setOpacity(self.opacity)
                item.setVisible(self.visible)
                self.view.addItem(item)
                self.items[(ty, tx)] = item
                self._render(ty, tx)

    def update(self, window: Slice2D | None = None) -> int:
        """Re-render the tiles that meet ``window`` (all when None); returns how many."""
        count = 0
        for ty, tx in self._tiles_in(window):
            self._render(ty, tx)
            count += 1
        return count

    def set_lookup(self, lut: np.ndarray, window: Slice2D | None = None) -> int:
        """New lookup table; only tiles meeting ``window`` are re-rendered (the caller knows
        where the table's change is visible)."""
        self.lut = lut
        return self.update(window)

    def set_visible(self, visible: bool) -> None:
        self.visible = visible
        self.update()

    def set_opacity(self, opacity: float) -> None:
        self.opacity = opacity
        for item in self.items.values():
            item.setOpacity(opacity)

    def _tiles_in(self, window: Slice2D | None):
        if window is None:
            return list(self.items)
        ys, xs = window
        t = self.tile
        return [
            (ty, tx)
            for ty in range(ys.start // t * t, ys.stop, t)
            for tx in range(xs.start // t * t, xs.stop, t)
            if (ty, tx) in self.items
        ]

    def _render(self, ty: int, tx: int) -> None:
        crop = self.array[ty : ty + self.tile, tx : tx + self.tile]
        item = self.items[(ty, tx)]
        # A fully transparent tile is hidden: painting it would cost as much as a visible one.
        if self.lut is not None:
            shown = self.lut[:, 3] > 0
            empty = not shown.any() or not shown[crop].any()
        else:
            empty = not crop[..., 3].any()
        item.setVisible(self.visible and not empty)
        if empty:
            return
        if self.lut is not None:
            item.setImage(crop, lut=self.lut, levels=(0, len(self.lut)), autoLevels=False)
        else:
            item.setImage(crop, levels=(0, 255), autoLevels=False)
