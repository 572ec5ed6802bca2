"""The viewport layer: draws ``table[index]`` for the part in view only, at screen resolution."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from supercuts_app.annotation.overlay import hatch_stripes
from supercuts_app.gui.canvas import ImageCanvas
from supercuts_app.gui.viewport import premultiplied_argb

RED = (255, 0, 0, 255)
BLUE = (0, 0, 255, 255)


@pytest.fixture
def canvas(qtbot):
    canvas = ImageCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(240, 180)
    canvas.show()
    return canvas


def test_premultiplied_argb_layout():
    table = np.array([[255, 128, 0, 255], [200, 100, 50, 0], [255, 255, 255, 128]], np.uint8)
    argb = premultiplied_argb(table)
    assert argb[0] == 0xFFFF8000
    assert argb[1] == 0  # transparent: colour channels vanish
    assert argb[2] == (128 << 24) | (128 << 16) | (128 << 8) | 128


def _colour_at(canvas, y: float, x: float) -> tuple[int, int, int]:
    """Screen colour of image point (y, x)."""
    pos = canvas.mapFromScene(canvas.view.mapViewToScene(QPointF(x, y)))
    c = canvas.grab().toImage().pixelColor(pos.x(), pos.y())
    return c.red(), c.green(), c.blue()


@pytest.mark.parametrize("order", ["C", "F"])
def test_layer_shows_its_table_and_renders_only_the_view(canvas, order):
    h, w = 1200, 1600
    canvas.set_image(np.zeros((h, w, 3), np.uint8))
    index = np.zeros((h, w), np.uint16, order=order)
    index[:, 800:] = 1  # right half blue, left half red
    layer = canvas.hover
    layer.set_image(index, np.array([RED, BLUE], np.uint8))
    assert _colour_at(canvas, 600, 200) == (255, 0, 0)
    assert _colour_at(canvas, 600, 1400) == (0, 0, 255)
    y0, y1, x0, x1, step = layer._visible_part()
    assert step > 1  # zoomed out: every step-th pixel is rendered
    renders = layer.renders
    canvas.view.setRange(xRange=(0, 200), yRange=(0, 150), padding=0)
    assert _colour_at(canvas, 75, 100) == (255, 0, 0)
    y0, y1, x0, x1, step = layer._visible_part()
    assert step == 1 and x1 <= 400 and y1 <= 300  # only the part in view, at full resolution
    assert layer.renders == renders + 1
    layer.invalidate((slice(1000, 1100), slice(1400, 1500)))  # out of view: nothing to do
    canvas.grab()
    assert layer.renders == renders + 1
    layer.invalidate((slice(0, 10), slice(0, 10)))
    canvas.grab()
    assert layer.renders == renders + 2


def test_hatching_follows_the_stripes(canvas):
    canvas.set_image(np.zeros((40, 60, 3), np.uint8))
    index = np.ones((40, 60), np.uint16)
    layer = canvas.masks
    layer.set_image(index, np.array([RED, RED], np.uint8), np.array([RED, BLUE], np.uint8))
    stripes = hatch_stripes(np.arange(40), np.arange(60))
    assert layer.rgba_at(0, 0) == BLUE and stripes[0, 0]
    assert layer.rgba_at(0, 4) == RED and not stripes[0, 4]
    y0, y1, x0, x1, step = layer._visible_part()
    _, _, pixels = layer._render(y0, y1, x0, x1, step)
    assert step == 1 and pixels.shape == (40, 60)
    blue = premultiplied_argb(np.array([BLUE], np.uint8))[0]
    np.testing.assert_array_equal(pixels == blue, stripes)


def test_table_changes_recolour_the_rendered_view_like_a_new_render(canvas):
    rng = np.random.default_rng(3)
    h, w = 300, 400
    canvas.set_image(np.zeros((h, w, 3), np.uint8))
    index = np.asfortranarray(rng.integers(0, 12, (h, w)).astype(np.uint16))
    layer = canvas.masks
    fill = rng.integers(0, 256, (12, 4)).astype(np.uint8)
    hatch = fill.copy()
    layer.set_image(index, fill.copy(), hatch.copy())
    canvas.grab()
    renders = layer.renders
    for _ in range(20):
        rows = rng.choice(12, size=int(rng.integers(1, 4)), replace=False)
        fill[rows] = rng.integers(0, 256, (rows.size, 4))
        hatch[rows] = rng.integers(0, 256, (rows.size, 4)) if rng.random() < 0.5 else fill[rows]
        layer.set_tables(fill.copy(), hatch.copy())
        canvas.grab()
        key = layer._visible_part()
        _, _, expected = layer._render(*key)
        np.testing.assert_array_equal(layer._rendered[3], expected)
    # Every check above rendered once for comparison; the view itself was only recoloured.
    assert layer.renders == renders + 20
