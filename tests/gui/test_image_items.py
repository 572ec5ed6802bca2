"""Canvas layers: max pooling keeps thin borders, lookup tables recolour the pooled image."""

from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.gui.canvas import ImageCanvas
from supercuts_app.gui.image_items import max_pool


@pytest.mark.parametrize("factor", [1, 2, 3, 5])
def test_max_pool_is_the_block_maximum(factor):
    a = np.random.default_rng(factor).integers(0, 20, (37, 52), dtype=np.uint8)
    pooled = max_pool(a, factor)
    h, w = -(-37 // factor), -(-52 // factor)
    assert pooled.shape == (h, w)
    for y in range(h):
        for x in range(w):
            block = a[y * factor : (y + 1) * factor, x * factor : (x + 1) * factor]
            assert pooled[y, x] == block.max()


def test_zoomed_out_contours_keep_one_pixel_borders(qtbot):
    canvas = ImageCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(200, 150)
    canvas.show()
    image = np.zeros((1200, 1600, 3), np.uint8)
    ucm = np.zeros((1200, 1600), np.uint16)
    ucm[:, 801] = 3  # a one-pixel border that separates regions up to level 2
    canvas.set_image(image)
    canvas.set_contours(ucm, n_levels=4, level=0)
    layer = canvas.boundary_layer
    shown = layer.item.image
    assert shown.shape[0] < 1200 and shown.max() == 3  # pooled, the border survived
    assert layer.item.mapRectToParent(layer.item.boundingRect()).width() == pytest.approx(1600)
    canvas.set_level(3)  # the top level: no border separates anything
    assert not layer.item.lut[:, 3].any()
    canvas.set_level(2)
    assert layer.item.lut[3, 3] > 0 and not layer.item.lut[:3, 3].any()
    canvas.view.setRange(xRange=(790, 810), yRange=(0, 15), padding=0)
    qtbot.waitUntil(lambda: layer.item.image.shape == (1200, 1600))
