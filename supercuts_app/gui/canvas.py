"""The image canvas: photo, boundary, mask and hover layers in a zoomable, pannable view.

The canvas only draws and reports pointer events in image coordinates; what a click or a stroke
means is decided by :mod:`supercuts_app.gui.tools`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal

from supercuts_app.annotation.seeds import Seed
from supercuts_app.base.boxes import Slice2D
from supercuts_app.base.defaults import Z_BOUNDARIES, Z_BRUSH_CURSOR, Z_HOVER, Z_MASKS, Z_SEEDS
from supercuts_app.formats.render import BOUNDARY_RGB

from .image_items import CachedImageItem, PooledIndexImage
from .viewport import ViewportImage

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)

HOVER_RGBA = (255, 255, 255, 90)
SPLIT_RGBA = (0, 230, 255, 110)
POSITIVE_SEED_RGB = (40, 220, 70)
NEGATIVE_SEED_RGB = (235, 50, 50)
SEED_DOT_PX = 11  # on screen, whatever the zoom


class InteractiveViewBox(pg.ViewBox):
    """Wheel zooms at the cursor; middle drag (or left drag with Space held) pans; other drags
    and clicks are reported to the canvas instead of moving the view."""

    def __init__(self, canvas: ImageCanvas) -> None:
        super().__init__(lockAspect=True, invertY=True, enableMenu=False)
        self.canvas = canvas

    def mouseDragEvent(self, ev, axis=None) -> None:
        pan = ev.button() == Qt.MouseButton.MiddleButton or (
            ev.button() == Qt.MouseButton.LeftButton and self.canvas.space_held
        )
        if pan:
            ev.accept()
            delta = self.mapToView(ev.lastPos()) - self.mapToView(ev.pos())
            self.translateBy(x=delta.x(), y=delta.y())
            return
        ev.accept()
        point = self.mapToView(ev.pos())
        stage = "start" if ev.isStart() else "finish" if ev.isFinish() else "move"
        self.canvas.dragged.emit(stage, point.y(), point.x(), ev.button())

    def mouseClickEvent(self, ev) -> None:
        ev.accept()
        point = self.mapToView(ev.pos())
        self.canvas.clicked.emit(point.y(), point.x(), ev.button(), ev.modifiers())


class ImageCanvas(pg.GraphicsView):
    """A pyqtgraph view with the photo and layers above it; the aspect ratio stays 1:1.

    Signals carry image coordinates (row ``y``, column ``x`` as floats).
    """

    hovered = Signal(float, float)
    clicked = Signal(float, float, object, object)  # y, x, button, modifiers
    dragged = Signal(str, float, float, object)  # stage, y, x, button

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="#202124")
        self.view = InteractiveViewBox(self)
        self.setCentralItem(self.view)
        # Drawn from a screen-sized copy when zoomed out: painting 12 MP every frame is slow.
        self.photo = CachedImageItem(autoDownsample=True)
        self.view.addItem(self.photo)
        self.boundary_layer = PooledIndexImage(self.view, z=Z_BOUNDARIES)
        self.boundaries = self.boundary_layer.item
        self.masks = ViewportImage(self.view, z=Z_MASKS)
        self.hover = ViewportImage(self.view, z=Z_HOVER)
        self._overlay = None
        self.brush_cursor = pg.CircleROI([0, 0], [1, 1], movable=False, pen=pg.mkPen("w"))
        for handle in self.brush_cursor.getHandles():
            self.brush_cursor.removeHandle(handle)
        self.brush_cursor.setZValue(Z_BRUSH_CURSOR)
        self.brush_cursor.setVisible(False)
        self.view.addItem(self.brush_cursor)
        self.seed_dots = pg.ScatterPlotItem(pxMode=True, size=SEED_DOT_PX, pen=pg.mkPen("w"))
        self.seed_dots.setZValue(Z_SEEDS)
        self.view.addItem(self.seed_dots, ignoreBounds=True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.space_held = False
        self._shape: tuple[int, int] | None = None
        self._top = 0
        self.scene().sigMouseMoved.connect(self._mouse_moved)

    # -- layers ---------------------------------------------------------------------------------
    def set_image(self, image: np.ndarray) -> None:
        """Show a new (H, W, 3) uint8 photo, clear the other layers and fit it in view."""
        self.photo.setImage(image, levels=(0, 255), autoLevels=False)
        self.boundary_layer.set_image(None)
        self.set_masks(None)
        self.hover.set_image(None)
        self.show_seeds(())
        self._shape = image.shape[:2]
        self.fit()

    def set_contours(self, ucm: np.ndarray | None, n_levels: int = 1, level: int = 0) -> None:
        """Show a contour map (see ``ShownSegmentation.ucm``) of ``n_levels`` at ``level``.

        ``None`` clears it. Contour values run from 0 to ``n_levels - 1``.
        """
        if ucm is None:
            self.boundary_layer.set_image(None)
            self._top = 0
            return
        # Levels past 255 share the last value: the slider has a few dozen levels at most.
        self._top = min(n_levels, 255)
        contours = np.minimum(ucm, self._top).astype(np.uint8)
        # levels=(0, n) with an n-entry lookup table maps each contour value to its own entry.
        self.boundary_layer.set_image(contours, levels=(0, self._top))
        self.set_level(level)

    def set_level(self, level: int) -> None:
        """Draw only the borders that still separate regions at ``level`` (a table change)."""
        lut = np.zeros((max(self._top, 1), 4), dtype=np.uint8)
        lut[level + 1 :] = (*BOUNDARY_RGB, 210)
        self.boundary_layer.set_lookup(lut)

    def set_boundaries_visible(self, visible: bool) -> None:
        self.boundaries.setVisible(visible)

    def toggle_boundaries(self) -> None:
        self.set_boundaries_visible(not self.boundaries.isVisible())

    def set_masks(self, overlay) -> None:
        """Show the mask layer of a :class:`~supercuts_app.annotation.overlay.MaskOverlay` (its
        ``owner`` map through its ``fill`` and ``hatch`` tables); None clears it."""
        self._overlay = overlay
        if overlay is None:
            self.masks.set_image(None)
            return
        self.masks.set_image(overlay.owner, overlay.fill, overlay.hatch)

    def update_masks(self, window: Slice2D | None) -> None:
        """The overlay changed in ``window`` (None: anywhere, or its colours): draw it again
        when that part is in view."""
        o = self._overlay
        if o is None:
            return
        if self.masks.index is not o.owner:  # the owner map grew a wider type
            self.masks.set_image(o.owner, o.fill, o.hatch)
            return
        # Tables change only in rows of the changed annotations, so pixels elsewhere look the same.
        self.masks.set_tables(o.fill, o.hatch, window=window)

    def set_mask_opacity(self, opacity: float) -> None:
        self.masks.setOpacity(opacity)

    def set_superpixels(self, ids: np.ndarray | None, count: int = 0) -> None:
        """The superpixel id map (``count`` ids) behind hover highlighting, drawn through a
        lookup table; None clears it."""
        if ids is None:
            self.hover.set_image(None)
            return
        self.hover.set_image(ids, np.zeros((count, 4), np.uint8))

    def highlight(self, selected: np.ndarray, *, split: np.ndarray | None = None) -> None:
        """Tint the superpixels where ``selected`` (K,) is True; ``split`` (K,) ints colour the
        finer regions of a Shift+click in alternating shades (a table change: only the part in
        view is drawn again)."""
        if self.hover.index is None:
            return
        lut = np.zeros((selected.size, 4), np.uint8)
        lut[selected] = HOVER_RGBA
        if split is not None:
            lut[(split % 2 == 1) & selected] = SPLIT_RGBA
        self.hover.set_tables(lut)

    def show_seeds(self, seeds: Sequence[Seed]) -> None:
        """Draw seed clicks as dots: green inside (positive), red outside (negative)."""
        self.seed_dots.setData(
            x=[s.x for s in seeds],
            y=[s.y for s in seeds],
            brush=[
                pg.mkBrush(POSITIVE_SEED_RGB if s.positive else NEGATIVE_SEED_RGB) for s in seeds
            ],
        )

    def show_brush(self, y: float, x: float, radius: float, visible: bool = True) -> None:
        r = max(radius, 0.5)
        self.brush_cursor.setPos(QPointF(x - r, y - r))
        self.brush_cursor.setSize([2 * r, 2 * r])
        self.brush_cursor.setVisible(visible)

    def fit(self) -> None:
        """Zoom so the whole image is visible."""
        if self._shape is not None:
            h, w = self._shape
            self.view.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)

    # -- input ----------------------------------------------------------------------------------
    def _mouse_moved(self, pos) -> None:
        point = self.view.mapSceneToView(pos)
        self.hovered.emit(point.y(), point.x())

    def keyPressEvent(self, ev) -> None:
        if ev.key() == Qt.Key.Key_Space and not ev.isAutoRepeat():
            self.space_held = True
        super().keyPressEvent(ev)

    def keyReleaseEvent(self, ev) -> None:
        if ev.key() == Qt.Key.Key_Space and not ev.isAutoRepeat():
            self.space_held = False
        super().keyReleaseEvent(ev)
