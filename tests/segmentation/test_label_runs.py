"""Painting per-label values through a label map's row runs (seed cuts' atoms to pixels)."""

import numpy as np

from supercuts_app.segmentation.label_runs import LabelRuns


def test_paint_equals_the_lookup_through_the_label_map_in_any_window():
    rng = np.random.default_rng(0)
    labels = np.kron(rng.integers(0, 30, (9, 13)), np.ones((5, 7), int)).astype(np.int32)
    labels[rng.random(labels.shape) < 0.05] = 30  # single-pixel runs too
    runs = LabelRuns(labels)
    values = rng.random(31) < 0.5
    h, w = labels.shape
    windows = [
        (slice(0, h), slice(0, w)),
        (slice(3, 4), slice(0, 1)),
        (slice(h - 1, h), slice(5, w)),
    ]
    for _ in range(30):
        y0, x0 = int(rng.integers(0, h)), int(rng.integers(0, w))
        windows.append(
            (
                slice(y0, int(rng.integers(y0 + 1, h + 1))),
                slice(x0, int(rng.integers(x0 + 1, w + 1))),
            )
        )
    for window in windows:
        painted = runs.paint(values, window)
        assert painted.dtype == bool and painted.flags.c_contiguous
        assert np.array_equal(painted, values[labels[window]])
    numbers = rng.random(31)
    assert np.array_equal(runs.paint(numbers, windows[0]), numbers[labels])
