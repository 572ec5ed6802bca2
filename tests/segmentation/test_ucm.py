"""Contour maps: thresholds reproduce the levels, heights are the tree's, the PNG is 16-bit."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scipy.cluster.hierarchy import cophenet, linkage

from supercuts_app.base.files import encode_png
from supercuts_app.segmentation.hierarchy import MergeHierarchy, build_hierarchy
from supercuts_app.segmentation.region_graph import region_graph
from supercuts_app.segmentation.superpixels import label_boundaries
from supercuts_app.segmentation.ucm import (
    HEIGHT_STEPS,
    UCM_MAX_VALUE,
    merge_ucm_values,
    pair_merge_steps,
)


@pytest.fixture(scope="module")
def tree() -> MergeHierarchy:
    """Hand-set hierarchy of 8 x 8 square superpixels on four noisy shaded quadrants."""
    rng = np.random.default_rng(3)
    img = np.zeros((64, 64, 3), np.float64)
    img[:32, :32] = (120, 20, 20)
    img[:32, 32:] = (150, 30, 25)
    img[32:, :32] = (40, 90, 220)
    img[32:, 32:] = (60, 110, 235)
    img += rng.normal(0, 6, img.shape)  # distinct merge heights
    image = img.clip(0, 255).astype(np.uint8)
    labels = (np.arange(64)[:, None] // 8) * 8 + np.arange(64)[None, :] // 8
    return build_hierarchy(labels, region_graph(labels, image))


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = np.unique(a.astype(np.int64) * (int(b.max()) + 1) + b)
    return len(pairs) == len(np.unique(a)) == len(np.unique(b))


def test_height_ucm_thresholds_reproduce_every_level_exactly(tree):
    heights = tree.linkage[:, 2]
    assert len(np.unique(heights)) == len(heights), "the fixture's merges must not tie"
    # Two merges lie closer than a 16-bit step: plain rounding would lose a level here.
    assert (np.diff(np.rint(heights * HEIGHT_STEPS)) == 0).any()
    ucm = tree.height_ucm()
    assert ucm.dtype == np.uint16 and ucm.shape == tree.superpixels.shape
    thresholds = tree.height_ucm_levels()
    assert thresholds[0] == 0 and (np.diff(thresholds.astype(int)) > 0).all()
    level_heights = tree.level_heights()
    assert tree.n_levels > 4 and level_heights[0] == 0
    for level in range(tree.n_levels):
        borders = label_boundaries(tree.labels_at(level))
        np.testing.assert_array_equal(ucm > thresholds[level], borders)
        cut = tree.labels_at_height(level_heights[level])
        assert _same_partition(cut, tree.labels_at(level))
    np.testing.assert_array_equal(ucm > 0, label_boundaries(tree.superpixels))


def test_level_ucm_thresholds_reproduce_every_level_exactly(tree):
    ucm = tree.ucm()
    assert ucm.dtype == np.uint16 and int(ucm.max()) == tree.n_levels - 1
    for level in range(tree.n_levels):
        np.testing.assert_array_equal(ucm > level, label_boundaries(tree.labels_at(level)))


def test_height_ucm_holds_the_merge_height_of_each_border(tree):
    ucm = tree.height_ucm()
    values = merge_ucm_values(tree.linkage[:, 2])
    # The border between the top and bottom halves is the last merge: the tree's top height.
    assert ucm[31, 5] == values[-1] == ucm.max()
    # A border inside a quadrant merges lower than the quadrants' own borders.
    assert 0 < ucm[7, 5] < ucm[5, 31] <= ucm[31, 5]
    assert ucm[3, 3] == 0  # inside a superpixel
    # Every value is the plain rounding 1 + round(h * 65534) or a few steps above it.
    lift = values.astype(int) - (1 + np.rint(tree.linkage[:, 2] * HEIGHT_STEPS))
    assert lift.min() == 0 and lift.max() <= 3


def test_pair_merge_steps_give_the_cophenetic_distances():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(40, 2))
    tree = linkage(points, method="average")
    first, second = np.triu_indices(40, k=1)
    steps = pair_merge_steps(tree, 40, first, second)
    np.testing.assert_array_equal(tree[steps, 2], cophenet(tree))


def test_merge_values_scale_heights_to_16_bits_keeping_their_order():
    np.testing.assert_array_equal(merge_ucm_values(np.array([0.0, 0.5, 1.0])), [1, 32768, 65535])
    assert merge_ucm_values(np.array([-0.5, 7.0])).tolist() == [1, UCM_MAX_VALUE]  # clipped
    # Crowded heights move apart by a step; equal heights keep equal values.
    crowded = np.array([0.2, 0.2, 0.2 + 1e-7, 0.2 + 2e-7, 1.0, 1.0 - 1e-9])
    assert merge_ucm_values(crowded).tolist() == [13108, 13108, 13109, 13110, 65535, 65534]
    heights = np.linspace(0, 1, 1001)
    back = (merge_ucm_values(heights).astype(float) - 1) / HEIGHT_STEPS
    np.testing.assert_allclose(back, heights, atol=0.5 / HEIGHT_STEPS)


def test_one_region_has_an_empty_ucm():
    flat = MergeHierarchy(np.zeros((5, 7), np.int32), np.zeros((1, 1), np.int32), np.zeros((0, 4)))
    assert not flat.height_ucm().any() and not flat.ucm().any()
    assert flat.level_heights().tolist() == [0.0] and flat.height_ucm_levels().tolist() == [0]


def test_height_ucm_png_round_trips_16_bit(tree, tmp_path):
    ucm = tree.height_ucm()
    path = tmp_path / "ucm.png"
    path.write_bytes(encode_png(ucm))
    back = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert back.dtype == np.uint16
    np.testing.assert_array_equal(back, ucm)
