"""Hierarchies built with Higra directly on boundary maps (synthetic maps only)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster

from supercuts_app.segmentation.watershed_hierarchy import (
    ATTRIBUTES,
    frontier_hierarchy,
    pixel_graph,
    relative_heights,
    watershed_hierarchy,
)


def two_squares(size: int = 24, seed: int = 0) -> np.ndarray:
    """A (size, 2 size) map: two squares side by side, a clear boundary between them and faint
    noise elsewhere (so that the watershed has many small basins to merge)."""
    rng = np.random.default_rng(seed)
    prob = rng.uniform(0.0, 0.1, (size, 2 * size))
    prob[:, size - 1 : size + 1] = 0.95
    return prob


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two label maps make the same regions, whatever their ids."""
    pairs = np.unique(np.stack([a.ravel(), b.ravel()]), axis=1)
    return pairs.shape[1] == len(np.unique(a)) == len(np.unique(b))


def cut_in_two(tree) -> np.ndarray:
    table = fcluster(tree.linkage, 2, criterion="maxclust")
    return table[tree.superpixels]


@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_two_region_cut_separates_the_squares(attribute):
    prob = two_squares()
    tree = watershed_hierarchy(prob, attribute=attribute)
    assert tree.tables.shape[1] > 2  # the noise made many basins
    halves = np.zeros(prob.shape, int)
    halves[:, prob.shape[1] // 2 :] = 1
    two = cut_in_two(tree)
    # The crest pixels go to either side: compare away from it.
    inside = np.ones(prob.shape, bool)
    inside[:, prob.shape[1] // 2 - 2 : prob.shape[1] // 2 + 2] = False
    assert same_partition(two[inside], halves[inside])


@pytest.mark.parametrize("attribute", ATTRIBUTES)
@pytest.mark.parametrize("edge_weight", ["max", "mean"])
def test_heights_are_monotone_and_in_unit_range(attribute, edge_weight):
    tree = watershed_hierarchy(two_squares(seed=1), attribute=attribute, edge_weight=edge_weight)
    heights = tree.linkage[:, 2]
    assert np.all(np.diff(heights) >= 0)
    assert heights.min() >= 0.0 and heights.max() <= 1.0
    # A complete tree over the leaves, which are the ids of the superpixel map.
    n_leaves = tree.tables.shape[1]
    assert tree.linkage.shape == (n_leaves - 1, 4)
    assert tree.linkage[-1, 3] == n_leaves
    assert set(np.unique(tree.superpixels)) == set(range(n_leaves))


@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_cutting_at_a_levels_height_reproduces_the_level(attribute):
    tree = watershed_hierarchy(two_squares(seed=2), attribute=attribute)
    n_leaves = tree.tables.shape[1]
    heights = tree.linkage[:, 2]
    checked = 0
    for level, count in enumerate(tree.region_counts):
        merges = n_leaves - count
        if merges == 0:
            assert same_partition(tree.labels_at(level), tree.superpixels)
            continue
        height = heights[merges - 1]
        if merges < len(heights) and heights[merges] == height:
            continue  # a tie: the level's count falls inside it
        assert same_partition(tree.labels_at_height(height), tree.labels_at(level))
        checked += 1
    assert checked >= 2


def test_frontier_hierarchy_keeps_the_leaf_ids():
    prob = two_squares()
    rows, cols = np.indices(prob.shape)
    grid = (rows // 4) * (prob.shape[1] // 4) + cols // 4
    permuted = np.random.default_rng(3).permutation(grid.max() + 1)[grid]
    tree = frontier_hierarchy(permuted, prob)
    assert np.array_equal(tree.superpixels, permuted)
    # Grid cells never straddle the crest (columns 23 and 24 lie in cells 5 and 6).
    halves = (cols >= prob.shape[1] // 2).astype(int)
    assert same_partition(cut_in_two(tree), halves)
    assert np.all(np.diff(tree.linkage[:, 2]) >= 0)


def test_frontier_hierarchy_renumbers_disconnected_leaves():
    prob = two_squares()
    stripes = np.zeros(prob.shape, int)
    stripes[:, ::2] = 1  # two labels, each made of many one-pixel-wide columns
    tree = frontier_hierarchy(stripes, prob)
    assert tree.tables.shape[1] == prob.shape[1]
    assert same_partition(tree.superpixels, np.indices(prob.shape)[1])


def test_working_resolution_brings_leaves_back_to_full_size():
    prob = np.kron(two_squares(size=20), np.ones((5, 5)))
    tree = watershed_hierarchy(prob, attribute="frontier", max_pixels=prob.size // 16)
    assert tree.superpixels.shape == prob.shape
    assert tree.superpixels.max() < tree.tables.shape[1]
    two = cut_in_two(tree)
    left, right = two[:, : prob.shape[1] // 2 - 8], two[:, prob.shape[1] // 2 + 8 :]
    assert len(np.unique(left)) == len(np.unique(right)) == 1 and left[0, 0] != right[0, 0]


def test_flat_map_is_one_region():
    tree = watershed_hierarchy(np.zeros((6, 7)), attribute="area")
    assert tree.n_levels == 1 and np.all(tree.labels_at_height(0.5) == 0)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="2-D"):
        watershed_hierarchy(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="attribute"):
        watershed_hierarchy(np.zeros((4, 4)), attribute="colour")
    with pytest.raises(ValueError, match="size_prior"):
        watershed_hierarchy(np.zeros((4, 4)), attribute="area", size_prior=0.1)
    with pytest.raises(ValueError, match="edge_weight"):
        pixel_graph(np.zeros((4, 4)), edge_weight="min")
    with pytest.raises(ValueError, match="shape mismatch"):
        frontier_hierarchy(np.zeros((4, 5), int), np.zeros((4, 4)))


@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_min_area_removes_small_leaves_and_keeps_the_squares_apart(attribute):
    prob = two_squares(seed=4)
    min_area = 0.05
    tree = watershed_hierarchy(prob, attribute=attribute, min_area=min_area)
    areas = np.bincount(tree.superpixels.ravel())
    assert areas.min() >= min_area * prob.size
    assert np.all(np.diff(tree.linkage[:, 2]) >= 0)
    inside = np.ones(prob.shape, bool)
    inside[:, prob.shape[1] // 2 - 2 : prob.shape[1] // 2 + 2] = False
    halves = (np.indices(prob.shape)[1] >= prob.shape[1] // 2).astype(int)
    assert same_partition(cut_in_two(tree)[inside], halves[inside])


def test_size_prior_merges_specks_before_faint_frontiers_between_large_regions():
    prob = two_squares(size=32, seed=5)
    prob[:, 31:33] = 0.3  # a faint frontier between the two large squares
    prob[9:14, 9:14] = 0.6  # a well outlined 3x3 speck in the left square
    prob[10:13, 10:13] = 0.0
    plain = watershed_hierarchy(prob, attribute="frontier")
    sized = watershed_hierarchy(prob, attribute="frontier", size_prior=0.1)
    assert np.all(np.diff(sized.linkage[:, 2]) >= 0)
    speck = np.zeros(prob.shape, int)
    speck[10:13, 10:13] = 1
    halves = (np.indices(prob.shape)[1] >= 32).astype(int)
    inside = np.ones(prob.shape, bool)
    inside[:, 29:35] = False
    inside[8:15, 8:15] = False
    inside[10:13, 10:13] = True
    # Without the prior the outlined speck outlives the faint frontier; with it, it goes first.
    assert same_partition(cut_in_two(plain)[inside], speck[inside])
    assert same_partition(cut_in_two(sized)[inside], halves[inside])


def test_relative_heights_end_at_one_and_keep_the_cuts():
    tree = watershed_hierarchy(two_squares(seed=6) * 0.5, attribute="frontier")
    rel = relative_heights(tree)
    assert rel.linkage[-1, 2] == pytest.approx(1.0)
    top = tree.linkage[-1, 2]
    for height in (0.2, 0.6, 0.9):
        assert same_partition(rel.labels_at_height(height), tree.labels_at_height(height * top))
    assert np.array_equal(rel.tables, tree.tables)
