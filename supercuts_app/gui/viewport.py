"""A layer drawn from an index image through colour tables, rendered only where the view is.

A click on a large region or a new hover table must not cost time in proportion to a 12 MP
image: the layer renders ``table[index]`` for the visible rectangle only, at about the screen's
resolution (every ``f``-th pixel when one screen pixel covers ``f`` image pixels), and only when
the view, the tables or the pixels in view changed. Rendering happens lazily in ``paint``, so
several changes within one frame cost one render. A change of tables alone (a class, hiding,
a highlight) recolours only the rendered pixels whose index is in a changed row of the tables.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter, QTransform
from PySide6.QtWidgets import QGraphicsObject

from supercuts_app.annotation.overlay import HATCH_PERIOD, hatch_stripes
from supercuts_app.base.boxes import Slice2D

from .image_items import screen_step


def premultiplied_argb(table: np.ndarray) -> np.ndarray:
    """(N, 4) uint8 RGBA -> (N,) uint32 in QImage's premultiplied ARGB32 layout."""
    t = table.astype(np.uint32)
    a = t[:, 3]
    r, g, b = ((t[:, i] * a + 127) // 255 for i in range(3))
    return (a << 24) | (r << 16) | (g << 8) | b


class ViewportImage(QGraphicsObject):
    """(H, W) integer ``index`` drawn as ``fill[index]``, or with ``hatch`` as well, as
    ``hatch[index]`` on the diagonal stripes of
    :func:`~supercuts_app.annotation.overlay.hatch_stripes`.

    Parameters
    ----------
    view : pyqtgraph.ViewBox
        The view it lies in (image coordinates are view coordinates).
    z : float
        Stacking order among the canvas layers.
    """

    def __init__(self, view: pg.ViewBox, z: float) -> None:
        super().__init__()
        self.view = view
        self.setZValue(z)
        self.index: np.ndarray | None = None
        self.fill: np.ndarray | None = None
        self.hatch: np.ndarray | None = None
        self._fill: np.ndarray | None = None
        self._hatch: np.ndarray | None = None
        self._rendered: tuple | None = None  # (key, QImage, its QTransform, pixel buffer)
        self._rendered_index: np.ndarray | None = None  # the index values behind those pixels
        self._stale_rows: np.ndarray | None = None  # table rows changed since that render
        self._stripe_cache: np.ndarray | None = None
        self.renders = 0  # how many times a picture was made (for tests and benchmarks)
        view.addItem(self, ignoreBounds=True)
        view.sigTransformChanged.connect(lambda *_: self.update())

    # -- content --------------------------------------------------------------------------------
    def set_image(
        self,
        index: np.ndarray | None,
        fill: np.ndarray | None = None,
        hatch: np.ndarray | None = None,
    ) -> None:
        """Show ``index`` with RGBA tables ``fill`` (and ``hatch``); None clears the layer."""
        self.prepareGeometryChange()
        self.index = index
        self._rendered = None  # new pixels: tables alone cannot say what changed
        self.set_tables(fill, hatch)

    def set_tables(
        self,
        fill: np.ndarray | None,
        hatch: np.ndarray | None = None,
        *,
        window: Slice2D | None = None,
    ) -> None:
        """New colour tables (RGBA uint8 rows, one per index value); ``window`` says where
        pixels look different (None: anywhere)."""
        self.fill, self.hatch = fill, hatch
        old_fill, old_hatch = self._fill, self._hatch
        self._fill = None if fill is None else premultiplied_argb(fill)
        self._hatch = None if hatch is None else premultiplied_argb(hatch)
        changed = _changed_rows(old_fill, old_hatch, self._fill, self._hatch)
        if window is None and changed is not None and self._rendered is not None:
            if self._stale_rows is not None:
                changed = np.union1d(self._stale_rows, changed)
            self._stale_rows = changed
            self.update()
            return
        self.invalidate(window)

    def invalidate(self, window: Slice2D | None = None) -> None:
        """Render again at the next paint if ``window`` (None: anything) meets the view."""
        if window is not None and self._rendered is not None:
            y0, y1, x0, x1, _ = self._rendered[0]
            ys, xs = window
            if (
                ys.stop <= y0 or ys.start >= y1 or xs.stop <= x0 or xs.start >= x1
            ):  # fmt: skip
                return
        self._rendered = None
        self._stale_rows = None
        self.update()

    def rgba_at(self, y: int, x: int) -> tuple[int, int, int, int]:
        """The colour this layer gives image pixel (y, x) at full zoom."""
        value = self.index[y, x]
        stripe = self.hatch is not None and hatch_stripes(np.array([y]), np.array([x]))[0, 0]
        return tuple(int(v) for v in (self.hatch if stripe else self.fill)[value])

    # -- QGraphicsItem --------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        if self.index is None:
            return QRectF()
        h, w = self.index.shape
        return QRectF(0, 0, w, h)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self.index is None or self._fill is None:
            return
        key = self._visible_part()
        if key is None:
            return
        if self._rendered is None or self._rendered[0] != key:
            self._rendered = (key, *self._render(*key))
            self._stale_rows = None
        elif self._stale_rows is not None:
            self._rendered = (key, *self._recolour(key, self._stale_rows))
            self._stale_rows = None
        _, image, transform, _ = self._rendered
        # The last rendered row and column may stand for pixels past the image's edge.
        painter.setClipRect(self.boundingRect())
        painter.setTransform(transform, True)
        painter.drawImage(0, 0, image)

    # -- rendering ------------------------------------------------------------------------------
    def _visible_part(self) -> tuple[int, int, int, int, int] | None:
        """(y0, y1, x0, x1, step): the image rectangle in view, aligned to the step, and the
        step between rendered pixels."""
        h, w = self.index.shape
        rect = self.view.viewRect()
        px = self.view.viewPixelSize()
        step = screen_step(px)
        y0 = max(0, math.floor(rect.top()) // step * step)
        x0 = max(0, math.floor(rect.left()) // step * step)
        y1, x1 = min(h, math.ceil(rect.bottom()) + 1), min(w, math.ceil(rect.right()) + 1)
        if y1 <= y0 or x1 <= x0:
            return None
        return y0, y1, x0, x1, step

    def _stripes(self, shape: tuple[int, int], row: int, col: int) -> np.ndarray:
        """The hatching pattern for ``shape`` starting at grid position (row, col): a view of
        a cached pattern (the stripes repeat every ``HATCH_PERIOD`` rows and columns)."""
        h, w = shape
        cached = self._stripe_cache
        if (
            cached is None
            or cached.shape[0] < h + HATCH_PERIOD
            or cached.shape[1] < w + HATCH_PERIOD
        ):
            cached = hatch_stripes(np.arange(h + HATCH_PERIOD), np.arange(w + HATCH_PERIOD))
            self._stripe_cache = cached
        r, c = row % HATCH_PERIOD, col % HATCH_PERIOD
        return cached[r : r + h, c : c + w]

    def _render(self, y0: int, y1: int, x0: int, x1: int, step: int):
        self.renders += 1
        index = np.ascontiguousarray(self.index[y0:y1:step, x0:x1:step])
        self._rendered_index = index
        pixels = self._fill.take(index)
        if self._hatch is not None and (self._hatch != self._fill).any():
            stripes = self._stripes(index.shape, y0 // step, x0 // step)
            np.copyto(pixels, self._hatch.take(index), where=stripes)
        hh, ww = pixels.shape
        image = QImage(pixels.data, ww, hh, ww * 4, QImage.Format.Format_ARGB32_Premultiplied)
        # An axis-aligned scale: the raster painter's fast path (a transposing transform costs
        # more to draw than rendering the picture).
        transform = QTransform(step, 0, 0, step, x0, y0)
        return image, transform, pixels

    def _recolour(self, key: tuple[int, int, int, int, int], rows: np.ndarray):
        """The rendered picture of ``key`` with only the pixels of table ``rows`` drawn again
        (a table-only change costs a pass over the screen-sized index, not a new render)."""
        _, _, transform, pixels = self._rendered
        index = self._rendered_index
        stale = np.zeros(self._fill.size, bool)
        stale[rows] = True
        where = stale.take(index)
        values = index[where]
        pixels[where] = self._fill.take(values)
        if self._hatch is not None:
            y0, _, x0, _, step = key
            stripes = self._stripes(index.shape, y0 // step, x0 // step)[where]
            pixels[where] = np.where(stripes, self._hatch.take(values), pixels[where])
        hh, ww = pixels.shape
        # A new QImage over the same buffer: a painter caching by the image's key sees a change.
        image = QImage(pixels.data, ww, hh, ww * 4, QImage.Format.Format_ARGB32_Premultiplied)
        return image, transform, pixels


def _changed_rows(
    old_fill: np.ndarray | None,
    old_hatch: np.ndarray | None,
    fill: np.ndarray | None,
    hatch: np.ndarray | None,
) -> np.ndarray | None:
    """Rows that differ between the old and new tables; None when the tables cannot be
    compared row by row (a table appeared, vanished or changed length)."""
    if old_fill is None or fill is None or old_fill.shape != fill.shape:
        return None
    if (old_hatch is None) != (hatch is None):
        return None
    differ = old_fill != fill
    if hatch is not None:
        if old_hatch.shape != hatch.shape:
            return None
        differ |= old_hatch != hatch
    return np.flatnonzero(differ)
