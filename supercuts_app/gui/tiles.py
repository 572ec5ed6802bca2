"""A large image shown as a grid of pyqtgraph ImageItems, so a change re-renders only its tiles.

pyqtgraph turns a whole ImageItem into a QImage whenever its data or lookup table changes; on a
12 MP image that alone takes longer than a frame. Splitting a layer into tiles makes a click's
repaint proportional to the region it changed.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ..core.document import Slice2D

TILE = 512


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
                item = pg.ImageItem()
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
