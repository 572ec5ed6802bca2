"""Masks held as the crop of their tight rectangle: every change equals the same change on a
whole mask, and the rectangle stays tight."""

from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.annotation.cropped_mask import CroppedMask, box_shape
from supercuts_app.base.boxes import NOWHERE, mask_bbox

SHAPE = (13, 17)


def check_tight(cm: CroppedMask, expected: np.ndarray) -> None:
    np.testing.assert_array_equal(cm.full(), expected)
    assert cm.box == (mask_bbox(expected) or NOWHERE)
    assert cm.crop.shape == box_shape(cm.box) and cm.crop.dtype == bool
    assert cm.crop.flags.f_contiguous
    assert cm.is_empty() == (not expected.any())


def random_window(rng: np.random.Generator) -> tuple[slice, slice]:
    y0, x0 = (int(rng.integers(0, n)) for n in SHAPE)
    y1, x1 = int(rng.integers(y0, SHAPE[0] + 1)), int(rng.integers(x0, SHAPE[1] + 1))
    return slice(y0, y1), slice(x0, x1)


def test_random_writes_adds_and_subtracts_equal_the_whole_mask_and_stay_tight():
    rng = np.random.default_rng(0)
    for _ in range(200):
        cm, expected = CroppedMask(SHAPE), np.zeros(SHAPE, bool)
        for _ in range(12):
            window = random_window(rng)
            pixels = rng.random(box_shape(window)) < rng.random()
            op = rng.integers(3)
            if op == 0:
                cm.write(window, pixels)
                expected[window] = pixels
            elif op == 1:
                cm.add(window, pixels)
                expected[window] |= pixels
            else:
                cm.subtract(window, pixels)
                expected[window] &= ~pixels
            check_tight(cm, expected)
            probe = random_window(rng)
            np.testing.assert_array_equal(cm.read(probe), expected[probe])
            assert cm.any_in(probe) == bool(expected[probe].any())
            assert cm.area() == expected.sum()


def test_from_full_keeps_no_view_and_reads_inside_are_views():
    whole = np.zeros(SHAPE, bool)
    whole[2:5, 3:9] = True
    whole[4, 10] = True
    cm = CroppedMask.from_full(whole)
    check_tight(cm, whole)
    assert cm.crop.base is None  # not a view keeping the whole mask alive
    assert np.shares_memory(cm.read((slice(2, 4), slice(3, 5))), cm.crop)
    assert not np.shares_memory(cm.read((slice(0, 4), slice(3, 5))), cm.crop)
    cm.subtract((slice(4, 5), slice(10, 11)), np.ones((1, 1), bool))
    whole[4, 10] = False
    check_tight(cm, whole)
    assert cm.crop.base is None  # tightened into a crop of its own


def test_values_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match="do not fit"):
        CroppedMask(SHAPE).write((slice(0, 2), slice(0, 2)), np.ones((3, 2), bool))
