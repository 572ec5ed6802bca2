"""Seed cuts on the superpixel graph and pixel-precise band refinement (issue 18)."""

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from supercuts_app.segmentation.adjacency import label_adjacency
from supercuts_app.segmentation.atoms import split_superpixels
from supercuts_app.segmentation.border_refine import BandOptions, refine_border
from supercuts_app.segmentation.region_index import superpixel_boxes
from supercuts_app.segmentation.seeded_cut import SeedCutter, SeedPoint
from supercuts_app.segmentation.tree_distances import TreeDistances


def test_one_positive_and_one_negative_seed_give_the_exact_object(square_scene):
    image, truth, tree = square_scene
    cutter = SeedCutter(tree, image)
    top = tree.n_levels - 1  # the prior alone would take the whole image
    for refine in (True, False):
        cut = cutter.cut([SeedPoint(48, 70, True, top), SeedPoint(8, 8, False, top)], refine=refine)
        assert np.array_equal(cut.full(truth.shape), truth)


def test_no_positive_seed_gives_an_empty_cut(square_scene):
    image, _, tree = square_scene
    cutter = SeedCutter(tree, image)
    assert cutter.cut([SeedPoint(8, 8, False, 2)]).is_empty()
    assert cutter.cut([SeedPoint(-5, 400, True, 2)]).is_empty()  # outside the image: ignored


def test_cut_stays_within(square_scene):
    image, truth, tree = square_scene
    cutter = SeedCutter(tree, image)
    within = np.zeros(truth.shape, bool)
    within[:, :70] = True
    mask = cutter.cut([SeedPoint(48, 50, True, tree.n_levels - 1)], within=within).full(truth.shape)
    assert mask.any() and not (mask & ~within).any()


@dataclass(frozen=True)
class Crop:
    """A mask as its pixels in a rectangle (what a part's object is)."""

    box: tuple[slice, slice]
    crop: np.ndarray


def test_a_cut_within_a_crop_equals_the_cut_within_its_whole_mask(square_scene):
    image, truth, tree = square_scene
    cutter = SeedCutter(tree, image)
    rng = np.random.default_rng(3)
    top = tree.n_levels - 1
    box = (slice(20, 80), slice(30, 90))
    crop = np.zeros((60, 60), bool)
    crop[4:50, 5:40] = True
    crop[30:58, 20:59] |= rng.random((28, 39)) < 0.9  # ragged, with holes
    whole = np.zeros(truth.shape, bool)
    whole[box] = crop
    ys, xs = np.nonzero(whole)
    cut_pixels = 0
    for _ in range(6):
        k = rng.integers(len(ys), size=2)
        seeds = [
            SeedPoint(ys[k[0]] + 0.5, xs[k[0]] + 0.5, True, int(rng.integers(top + 1))),
            SeedPoint(rng.uniform(0, 96), rng.uniform(0, 128), False, int(rng.integers(top + 1))),
            SeedPoint(ys[k[1]] + 0.5, xs[k[1]] + 0.5, True, int(rng.integers(top + 1))),
        ]
        for refine in (True, False):
            by_crop = cutter.cut(seeds, within=Crop(box, crop), refine=refine)
            by_mask = cutter.cut(seeds, within=whole, refine=refine)
            assert by_crop.window == by_mask.window
            assert np.array_equal(by_crop.mask, by_mask.mask)
            assert not (by_crop.full(truth.shape) & ~whole).any()
            cut_pixels += int(by_crop.mask.sum())
    assert cut_pixels > 0
    empty = Crop((slice(0, 0), slice(0, 0)), np.zeros((0, 0), bool))
    seeds = [SeedPoint(48, 50, False, 1), SeedPoint(8, 8, True, 1)]
    assert cutter.cut(seeds, within=empty).is_empty()


def test_preview_is_the_level_region_of_the_seed(square_scene):
    image, _, tree = square_scene
    cutter = SeedCutter(tree, image)
    sel = cutter.preview(48, 70, level=1)
    s = tree.superpixels[48, 70]
    assert np.array_equal(sel, tree.tables[1] == tree.tables[1, s])


def test_band_refinement_never_moves_the_border_further_than_the_band():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)
    mask = np.zeros((60, 80), bool)
    mask[15:45, 20:60] = True
    width = 3
    refined = refine_border(image, mask, options=BandOptions(width=width))
    changed = refined != mask
    # Distance of every pixel to the original border (pixels on either side of it).
    border = mask ^ ndimage.binary_erosion(mask, border_value=0)
    distance = ndimage.distance_transform_edt(~border)
    assert changed.any()
    assert distance[changed].max() <= width + 1


def test_seeds_hold_their_side_in_the_band():
    image = np.full((40, 40, 3), 100, np.uint8)
    mask = np.zeros((40, 40), bool)
    mask[10:30, 10:30] = True
    out = refine_border(image, mask, positive=[(10.5, 20.5)], negative=[(29.5, 20.5)])
    assert out[10, 20] and not out[29, 20]


def test_the_band_found_near_the_border_atoms_is_the_band_of_the_whole_crop():
    """refine_border with ``border_boxes`` (the boxes of the atoms on the mask's border) gives
    the same mask as without, on crops of several band cells with ragged atoms."""
    rng = np.random.default_rng(5)
    h, w = 300, 420
    atoms = cv2.resize(
        rng.integers(0, 400, (15, 21)).astype(np.float32), (w, h), interpolation=cv2.INTER_NEAREST
    ).astype(np.int32)
    atoms[rng.random((h, w)) < 0.002] = 400  # specks: atoms of one pixel
    n_atoms = 401
    adjacency = label_adjacency(atoms, n_atoms)
    boxes = superpixel_boxes(atoms)
    image = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    boundary = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), 3)
    for trial in range(4):
        chosen = rng.random(n_atoms) < (0.5, 0.1, 0.9, 0.3)[trial]
        mask = chosen[atoms]
        across = chosen[adjacency.first] != chosen[adjacency.second]
        near = boxes[np.union1d(adjacency.first[across], adjacency.second[across])]
        seeds = {"positive": [(150.5, 200.5)], "negative": [(10.5, 400.5)]}
        for edges in (boundary, None):
            whole = refine_border(image, mask, boundary=edges, **seeds)
            fast = refine_border(image, mask, boundary=edges, border_boxes=near, **seeds)
            assert np.array_equal(whole, fast)
    empty = np.zeros((0, 4), np.int64)
    uniform = np.ones((h, w), bool)
    assert np.array_equal(refine_border(image, uniform, border_boxes=empty), uniform)


def test_atoms_split_superpixels_and_keep_their_owner():
    superpixels = np.repeat(np.arange(4), 25).reshape(10, 10).astype(np.int32)
    basins = np.zeros((10, 10), np.int32)
    basins[:, 5:] = 1
    atoms, owner = split_superpixels(superpixels, basins)
    assert len(owner) == int(atoms.max()) + 1
    assert np.array_equal(owner[atoms], superpixels)
    for a in range(len(owner)):  # each atom lies in one basin
        assert len(np.unique(basins[atoms == a])) == 1


def test_superpixel_adjacency_counts_border_pixels():
    labels = np.array([[0, 0, 1], [0, 0, 1], [2, 2, 2]])
    borders = label_adjacency(labels, 3)
    first, second, length = borders.first, borders.second, borders.length
    pairs = {(int(a), int(b)): int(n) for a, b, n in zip(first, second, length, strict=True)}
    assert pairs == {(0, 1): 2, (0, 2): 2, (1, 2): 1}


def test_seeds_are_read_in_click_order(square_scene):
    """A negative seed takes its region away; a later positive seed gives back its own region,
    and a region never reaches past the seeds of the other sign placed before it."""
    image, truth, tree = square_scene
    cutter = SeedCutter(tree, image)
    top = tree.n_levels - 1
    inside, outside = SeedPoint(48, 70, True, top), SeedPoint(8, 8, False, top)
    k = tree.tables.shape[1]
    assert cutter.suggestion([inside]).all()  # the top level: one region, the whole image
    without = cutter.suggestion([inside, outside])
    assert without[tree.superpixels[48, 70]] and not without[tree.superpixels[8, 8]]
    again = cutter.suggestion([inside, outside, SeedPoint(8, 100, True, top)])
    assert again[tree.superpixels[8, 100]] and not again[tree.superpixels[8, 8]]
    assert again.sum() <= k


def test_tree_distances_are_the_cophenetic_distances():
    from scipy.cluster.hierarchy import cophenet, linkage
    from scipy.spatial.distance import squareform

    points = np.random.default_rng(1).normal(size=(12, 2))
    tree = linkage(points, "average")
    full = squareform(cophenet(tree))
    walk = TreeDistances(tree, 12)
    for leaf in (0, 5, 11):
        assert np.allclose(walk.distances_from(leaf), full[leaf])
    first, second = np.array([0, 3, 7]), np.array([1, 9, 11])
    assert np.allclose(walk.pair_heights(first, second), full[first, second])


def test_colour_weight_puts_the_border_where_the_colour_changes_under_a_wide_ridge():
    image = np.full((24, 20, 3), 40, np.uint8)
    image[:, 10:] = 200  # the colour changes between columns 9 and 10
    boundary = np.zeros((24, 20), np.float32)
    boundary[:, 9:11] = 1.0  # a ridge two pixels wide, and its shoulders
    boundary[:, [8, 11]] = 0.5
    mask = np.zeros((24, 20), bool)
    mask[:, :8] = True  # two pixels short of the edge
    options = BandOptions(width=2, contrast=4.0, colour_weight=1.0)
    refined = refine_border(image, mask, boundary=boundary, options=options)
    expected = np.zeros((24, 20), bool)
    expected[:, :10] = True
    assert np.array_equal(refined, expected)


def test_evidence_takes_what_it_says_and_leaves_what_it_denies(square_scene):
    image, truth, tree = square_scene
    cutter = SeedCutter(tree, image)
    sp = tree.superpixels
    k = int(sp.max()) + 1
    share = np.bincount(sp.ravel(), truth.ravel(), minlength=k) / np.bincount(sp.ravel())
    seeds = [SeedPoint(48, 90, True, 0)]  # the finest level: the seed's superpixel alone
    plain = cutter.cut(seeds, refine=False).full(truth.shape)
    # The object's class model says "the square": the cut takes all of it.
    sure = np.where(share > 0.5, 5.0, -5.0)
    taken = cutter.cut(seeds, refine=False, evidence=sure).full(truth.shape)
    assert (taken & truth).sum() / (taken | truth).sum() > 0.95
    assert taken.sum() > plain.sum()
    # It says "not the left half": that half is left out, whatever the hierarchy suggests.
    left = np.bincount(sp.ravel(), (np.arange(128) < 70)[None, :].repeat(96, 0).ravel(), k)
    denied = np.where(left / np.bincount(sp.ravel()) > 0.5, -5.0, 5.0 * (share > 0.5))
    top = [SeedPoint(48, 90, True, tree.n_levels - 2)]
    kept = cutter.cut(top, refine=False, evidence=denied).full(truth.shape)
    assert kept[48, 90] and not kept[:, :60].any()
    # Zero evidence changes nothing.
    zero = cutter.cut(seeds, refine=False, evidence=np.zeros(k)).full(truth.shape)
    assert np.array_equal(zero, plain)
