"""Border offsets: growing or shrinking a cut's mask as a project's labels draw borders."""

import numpy as np
import pytest

from supercuts_app.segmentation.border_offset import (
    BORDER_OFFSETS_KEY,
    MAX_BORDER_OFFSET,
    BorderOffsets,
    shift_border,
)
from supercuts_app.segmentation.seeded_cut import SeedCutOptions, SeedCutter, SeedPoint


def square(shape=(20, 20), box=(slice(5, 15), slice(4, 12))) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[box] = True
    return mask


def test_growing_and_shrinking_by_one_pixel():
    mask = square()
    grown = shift_border(mask, 1)
    shrunk = shift_border(mask, -1)
    rim = square(box=(slice(4, 16), slice(3, 13)))
    rim[[4, 4, 15, 15], [3, 12, 3, 12]] = False  # a disk of radius 1 is a cross: no corners
    assert np.array_equal(grown, rim)
    assert np.array_equal(shrunk, square(box=(slice(6, 14), slice(5, 11))))
    assert shift_border(mask, 0) is mask


def test_growth_stays_within_and_the_image_edge_is_kept_when_shrinking():
    mask = square(box=(slice(0, 10), slice(0, 10)))
    within = square(box=(slice(0, 20), slice(0, 10)))
    grown = shift_border(mask, 2, within=within)
    assert not (grown & ~within).any() and grown[11, 5] and not grown[12, 5]
    shrunk = shift_border(mask, -1)
    assert shrunk[0, 0] and not shrunk[9, 5]


def test_offsets_are_checked_and_read_from_a_model_info():
    with pytest.raises(ValueError, match="border offset"):
        BorderOffsets(part=MAX_BORDER_OFFSET + 1)
    with pytest.raises(ValueError, match="border offset"):
        BorderOffsets(object=0.5)
    offsets = BorderOffsets(object=-1, part=1)
    assert BorderOffsets.from_info({BORDER_OFFSETS_KEY: offsets.to_info()}) == offsets
    assert BorderOffsets.from_info({}) == BorderOffsets()
    assert BorderOffsets.from_info(None).is_zero()
    assert BorderOffsets.from_info({BORDER_OFFSETS_KEY: {"part": "x"}}) == BorderOffsets()
    assert offsets.describe() == "objects' borders -1 px, parts' borders +1 px"
    assert offsets.for_kind(part=True) == 1 and offsets.for_kind(part=False) == -1


def test_a_seed_cut_grows_parts_by_their_offset_and_keeps_its_seeds(square_scene):
    image, truth, tree = square_scene
    top = tree.n_levels - 1
    seeds = [SeedPoint(48, 70, True, top), SeedPoint(8, 8, False, top)]
    within = np.zeros(truth.shape, bool)
    within[10:90, 30:110] = True
    plain = SeedCutter(tree, image).cut(seeds, within=within).full(truth.shape)
    assert np.array_equal(plain, truth)
    shifted = SeedCutter(tree, image, options=SeedCutOptions(offsets=BorderOffsets(part=1)))
    part = shifted.cut(seeds, within=within).full(truth.shape)
    assert np.array_equal(part, shift_border(truth, 1))
    assert np.array_equal(shifted.cut(seeds).full(truth.shape), truth)  # an object: no offset
    # A negative seed next to the border stays out of the grown mask.
    near = [*seeds, SeedPoint(23, 70, False, top)]
    assert not shifted.cut(near, within=within).full(truth.shape)[23, 70]
