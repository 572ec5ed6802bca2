from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.base.boxes import mask_bbox
from supercuts_app.segmentation.hierarchy import MergeHierarchy, build_hierarchy
from supercuts_app.segmentation.region_graph import region_graph
from supercuts_app.segmentation.region_index import RegionIndex, superpixel_boxes


def _irregular_tree(seed: int) -> MergeHierarchy:
    """A real hierarchy over ragged superpixels of a random image (ids not in raster order)."""
    rng = np.random.default_rng(seed)
    h, w = 45, 61
    cells = rng.integers(0, 40, size=(h // 5 + 1, w // 6 + 1))
    labels = np.kron(cells, np.ones((5, 6), int))[:h, :w]
    _, labels = np.unique(labels, return_inverse=True)
    labels = labels.reshape(h, w)
    image = rng.integers(0, 255, size=(h, w, 3)).astype(np.uint8)
    return build_hierarchy(labels, region_graph(labels, image))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_masks_and_windows_equal_the_hierarchys_regions(seed):
    tree = _irregular_tree(seed)
    index = RegionIndex.from_tree(tree)
    assert index.nested.all() and index.n_levels == tree.n_levels
    everything = (slice(None), slice(None))
    for level in range(tree.n_levels):
        for region in range(tree.region_counts[level]):
            expected = tree.mask_of(level, region)
            whole = index.mask(level, region, everything)
            np.testing.assert_array_equal(whole, expected)
            assert whole.flags.f_contiguous  # adds to the document's masks without a copy
            window = index.window(level, region)
            assert window == mask_bbox(expected)
            np.testing.assert_array_equal(index.mask(level, region), expected[window])


def test_tables_that_are_not_nested_still_give_exact_masks():
    sp = np.arange(12).reshape(3, 4)
    tables = np.array([np.arange(12), np.arange(12) // 2, np.arange(12) % 2])
    tree = MergeHierarchy(sp, tables, np.zeros((11, 4)))
    index = RegionIndex.from_tree(tree)
    assert index.nested.tolist() == [True, False, True]  # level 2 does not merge level 1
    for region in range(6):
        np.testing.assert_array_equal(
            index.mask(1, region, (slice(None), slice(None))), tree.mask_of(1, region)
        )


def test_superpixel_boxes():
    sp = np.array([[0, 0, 1], [2, 2, 1], [2, 2, 2]])
    np.testing.assert_array_equal(superpixel_boxes(sp), [[0, 1, 0, 2], [0, 2, 2, 3], [1, 3, 0, 3]])


def test_more_than_65536_superpixels():
    sp = np.arange(300 * 300).reshape(300, 300)[:, ::-1]
    k = sp.size
    tables = np.array([np.arange(k), np.arange(k) // 7, np.zeros(k, int)])
    tree = MergeHierarchy(sp, tables, np.zeros((k - 1, 4)))
    index = RegionIndex.from_tree(tree)
    assert index.ranks_t.dtype == np.uint32 and index.nested.all()
    for level, region in ((0, 70000), (1, 5000), (2, 0)):
        np.testing.assert_array_equal(
            index.mask(level, region, (slice(None), slice(None))), tree.mask_of(level, region)
        )
        assert index.window(level, region) == mask_bbox(tree.mask_of(level, region))
