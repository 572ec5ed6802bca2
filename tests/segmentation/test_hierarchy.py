from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.segmentation.edge_features import EDGE_FEATURE_NAMES, edge_features
from supercuts_app.segmentation.edge_model import EdgeModel
from supercuts_app.segmentation.hierarchy import (
    MergeHierarchy,
    build_hierarchy,
    geometric_counts,
    greedy_merge,
    spectral_embedding,
)
from supercuts_app.segmentation.region_graph import (
    N_BORDER_CUES,
    N_CUE_COLUMNS,
    border_cue_maps,
    region_graph,
)

N_FEATURES = len(EDGE_FEATURE_NAMES)


def _grid_labels(h: int, w: int, cell: int) -> np.ndarray:
    """Square superpixels of ``cell`` pixels, ids in raster order."""
    cols = w // cell
    return (np.arange(h)[:, None] // cell) * cols + (np.arange(w)[None, :] // cell)


@pytest.fixture()
def two_shade_quadrants():
    """64 x 64: top quadrants dark red and darker red, bottom ones light blue and lighter blue."""
    img = np.zeros((64, 64, 3), np.uint8)
    img[:32, :32] = (120, 20, 20)
    img[:32, 32:] = (140, 25, 25)
    img[32:, :32] = (40, 90, 220)
    img[32:, 32:] = (50, 105, 235)
    return img


def _assert_nested(tree: MergeHierarchy) -> None:
    for lv in range(tree.n_levels - 1):
        fine, coarse = tree.tables[lv], tree.tables[lv + 1]
        for region in np.unique(fine):
            assert len(np.unique(coarse[fine == region])) == 1


def test_region_graph_of_a_grid(two_shade_quadrants):
    labels = _grid_labels(64, 64, 16)  # 4 x 4 superpixels
    graph = region_graph(labels, two_shade_quadrants)
    assert graph.n_nodes == 16
    assert len(graph.edges) == 2 * 4 * 3  # horizontal + vertical neighbours of a 4 x 4 grid
    assert (graph.border_length == 16).all()
    assert (graph.edges[:, 0] < graph.edges[:, 1]).all()
    np.testing.assert_allclose(graph.area, 256)
    feats = edge_features(graph)
    assert feats.shape == (24, N_FEATURES) and np.isfinite(feats).all()


def test_quadrants_merge_in_the_right_order(two_shade_quadrants):
    labels = _grid_labels(64, 64, 8)  # 64 superpixels, 16 per quadrant
    graph = region_graph(labels, two_shade_quadrants)
    tree = build_hierarchy(labels, graph, model=None, spectral_weight=0.3)
    _assert_nested(tree)
    assert tree.region_counts[0] == 64 and tree.region_counts[-1] == 1
    # Cut at 4 regions: the quadrants; at 2: top (reds) and bottom (blues).
    from scipy.cluster.hierarchy import cut_tree

    four = cut_tree(tree.linkage, n_clusters=[4])[:, 0][labels]
    quadrant = (np.arange(64)[:, None] >= 32) * 2 + (np.arange(64)[None, :] >= 32)
    assert len(np.unique(four)) == 4
    for q in range(4):
        assert len(np.unique(four[quadrant == q])) == 1
    two = cut_tree(tree.linkage, n_clusters=[2])[:, 0][labels]
    assert two[0, 0] == two[0, 63] and two[63, 0] == two[63, 63] and two[0, 0] != two[63, 0]
    heights = tree.linkage[:, 2]
    assert (np.diff(heights) >= 0).all()


def test_merge_hierarchy_navigation(two_shade_quadrants):
    labels = _grid_labels(64, 64, 8)
    tree = build_hierarchy(labels, region_graph(labels, two_shade_quadrants))
    top = tree.n_levels - 1
    assert tree.labels_at(0).max() == 63 and (tree.labels_at(top) == 0).all()
    assert tree.region_at(0, 9, 17) == labels[9, 17]
    assert tree.parent(top, 0) is None and tree.children(0, 5) == []
    for lv in range(1, tree.n_levels):
        for region in range(tree.region_counts[lv]):
            kids = tree.children(lv, region)
            assert kids and all(tree.parent(lv - 1, k) == region for k in kids)
    with pytest.raises(IndexError):
        tree.labels_at(tree.n_levels)
    window = (slice(5, 40), slice(10, 30))
    for lv in (0, 2):
        region = tree.region_at(lv, 20, 20)
        np.testing.assert_array_equal(
            tree.mask_of(lv, region, window=window), tree.mask_of(lv, region)[window]
        )


def test_ucm_values_grow_with_the_separating_level(two_shade_quadrants):
    labels = _grid_labels(64, 64, 8)
    tree = build_hierarchy(labels, region_graph(labels, two_shade_quadrants))
    ucm = tree.ucm()
    assert ucm.dtype == np.uint16 and ucm.shape == labels.shape
    assert ucm[5, 5] == 0  # inside a superpixel
    # The border between top and bottom halves survives longer than a border inside a quadrant.
    assert ucm[31, 5] > ucm[7, 5] > 0
    # Thresholding the UCM at level l gives exactly the borders of labels_at(l).
    from supercuts_app.segmentation.superpixels import label_boundaries

    for lv in range(tree.n_levels):
        np.testing.assert_array_equal(ucm > lv, label_boundaries(tree.labels_at(lv)))


def test_geometric_counts_are_strictly_decreasing():
    counts = geometric_counts(600)
    assert counts[0] == 600 and counts[-1] == 1
    assert all(a > b for a, b in zip(counts, counts[1:], strict=False))
    ratios = np.array(counts[:-2]) / np.array(counts[1:-1])
    assert (ratios > 1.3).all() and (ratios < 1.8).all()
    assert geometric_counts(1) == [1]


def test_greedy_merge_joins_weakest_border_first():
    from supercuts_app.segmentation.region_graph import RegionGraph

    # A path 0 - 1 - 2 - 3 with scores 0.9, 0.1, 0.5.
    graph = RegionGraph(
        n_nodes=4,
        edges=np.array([[0, 1], [1, 2], [2, 3]]),
        border_length=np.ones(3),
        border_gradient=np.zeros(3),
        area=np.ones(4),
        colour=np.zeros((4, 3)),
    )
    z = greedy_merge(graph, np.array([0.9, 0.1, 0.5]))
    assert z[0, :2].tolist() == [1, 2] and z[0, 2] == pytest.approx(0.1)
    assert z[1, :2].tolist() == [3, 4] and z[1, 2] == pytest.approx(0.5)
    assert z[2, 2] == pytest.approx(0.9) and z[2, 3] == 4


def test_spectral_embedding_separates_two_clusters():
    from supercuts_app.segmentation.region_graph import RegionGraph

    # Two triangles joined by one weak edge.
    edges = np.array([[0, 1], [1, 2], [0, 2], [3, 4], [4, 5], [3, 5], [2, 3]])
    graph = RegionGraph(
        n_nodes=6,
        edges=edges,
        border_length=np.ones(7),
        border_gradient=np.zeros(7),
        area=np.ones(6),
        colour=np.zeros((6, 3)),
    )
    emb = spectral_embedding(graph, np.array([1, 1, 1, 1, 1, 1, 0.01]), n_vectors=1)
    assert np.sign(emb[:3, 0]).tolist() == [np.sign(emb[0, 0])] * 3
    assert np.sign(emb[3:, 0]).tolist() == [-np.sign(emb[0, 0])] * 3


def test_edge_model_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    model = EdgeModel(
        mean=rng.normal(size=N_FEATURES),
        std=np.ones(N_FEATURES),
        w1=rng.normal(size=(N_FEATURES, 4)),
        b1=np.zeros(4),
        w2=rng.normal(size=(4, 1)),
        b2=np.zeros(1),
        info={"note": "test"},
    )
    path = tmp_path / "m.npz"
    model.save(path)
    back = EdgeModel.load(path)
    x = rng.normal(size=(7, N_FEATURES))
    np.testing.assert_allclose(back.predict(x), model.predict(x))
    assert back.info == {"note": "test"}
    assert ((model.predict(x) > 0) & (model.predict(x) < 1)).all()


def _one_feature_model(index: int, *, scale: float, bias: float) -> EdgeModel:
    """An edge model whose score rises with one raw edge feature only."""
    w1 = np.zeros((N_FEATURES, 1))
    w1[index, 0] = 1.0
    return EdgeModel(
        mean=np.zeros(N_FEATURES),
        std=np.ones(N_FEATURES),
        w1=w1,
        b1=np.zeros(1),
        w2=np.array([[scale]]),
        b2=np.array([bias]),
    )


def test_whole_region_rescoring_keeps_nesting_and_order(two_shade_quadrants):
    """A model that scores colour contrast, applied to merged regions as wholes."""
    from scipy.cluster.hierarchy import cut_tree

    model = _one_feature_model(EDGE_FEATURE_NAMES.index("delta_E"), scale=0.2, bias=-3.0)
    labels = _grid_labels(64, 64, 8)
    graph = region_graph(labels, two_shade_quadrants)
    tree = build_hierarchy(labels, graph, model=model, spectral_weight=0.0, region_weight=0.7)
    _assert_nested(tree)
    assert (np.diff(tree.linkage[:, 2]) >= 0).all()
    two = cut_tree(tree.linkage, n_clusters=[2])[:, 0][labels]
    assert two[0, 0] == two[0, 63] and two[63, 0] == two[63, 63] and two[0, 0] != two[63, 0]


def test_level_tables_match_scipy_cut_tree():
    from scipy.cluster.hierarchy import cut_tree, linkage

    from supercuts_app.segmentation.hierarchy import level_tables

    z = linkage(np.random.default_rng(1).normal(size=(50, 3)), "average")
    counts = [50, 30, 12, 5, 2, 1]
    ours = level_tables(z, 50, counts)
    theirs = cut_tree(z, n_clusters=counts).T
    for a, b in zip(ours, theirs, strict=True):
        # Same partition: the pairs (ours, theirs) are one-to-one.
        assert len(set(zip(a.tolist(), b.tolist(), strict=True))) == len(set(a.tolist()))
        assert len(set(a.tolist())) == len(set(b.tolist()))
    assert ours[0].tolist() == list(range(50)) and (ours[-1] == 0).all()


class _StepBackbone:
    """Stands in for a backbone: every level's features jump at the middle column."""

    strides = (4, 8, 16)

    def __call__(self, work):
        import torch

        h, w = work.shape[:2]
        maps = []
        for stride, channels in zip(self.strides, (3, 5, 7), strict=True):
            m = torch.zeros(1, channels, -(-h // stride), -(-w // stride))
            m[..., m.shape[-1] // 2 :] = 1.0
            m[:, 0] += torch.linspace(0, 0.01, m.shape[-2])[:, None]  # no constant channel
            maps.append(m)
        return maps


@pytest.fixture()
def step_image():
    """128 x 128: dark left half, bright right half (a true edge at column 64)."""
    img = np.full((128, 128, 3), 40, np.uint8)
    img[:, 64:] = 200
    return img


def test_border_cues_are_larger_on_a_true_edge(step_image):
    labels = _grid_labels(128, 128, 16)  # 8 x 8 superpixels; column 64 is a superpixel border
    cues = border_cue_maps(_StepBackbone(), step_image, labels.shape)
    assert cues.shape == (N_BORDER_CUES, 128, 128) and cues.dtype == np.float32
    graph = region_graph(labels, step_image, cues=cues)
    assert graph.border_cues.shape == (len(graph.edges), N_CUE_COLUMNS)
    col = graph.edges % 8
    on_edge = (col[:, 0] == 3) & (col[:, 1] == 4)  # pairs across the step
    flat = (col.max(axis=1) <= 2) | (col.min(axis=1) >= 5)  # well inside one half
    for c in range(N_BORDER_CUES - 1):  # the last, the learned boundary map, needs a network
        assert graph.border_cues[on_edge, c].min() > 5 * graph.border_cues[flat, c].max() + 1e-6
    feats = edge_features(graph)
    first_cue = EDGE_FEATURE_NAMES.index("border_gradient_coarse")
    np.testing.assert_allclose(feats[:, first_cue:], graph.border_cues)
    # Without a backbone: the coarse Lab gradient alone, the deep cues read as zero.
    plain = region_graph(labels, step_image)
    np.testing.assert_allclose(plain.border_cues[:, 0], graph.border_cues[:, 0], rtol=1e-5)
    assert (plain.border_cues[:, 1:] == 0).all()


def test_border_cues_of_merged_regions_are_length_weighted_means(step_image):
    """What greedy_merge assumes: border sums and lengths add up when regions merge."""
    labels = _grid_labels(128, 128, 16)
    cues = border_cue_maps(_StepBackbone(), step_image, labels.shape)
    fine = region_graph(labels, step_image, cues=cues)
    table = (np.arange(64) // 8 // 2) * 4 + (np.arange(64) % 8) // 2  # 2 x 2 blocks
    coarse = region_graph(table[labels], step_image, cues=cues)
    a, b = table[fine.edges[:, 0]], table[fine.edges[:, 1]]
    for (i, j), length, row in zip(
        coarse.edges, coarse.border_length, coarse.border_cues, strict=True
    ):
        on = ((a == i) & (b == j)) | ((a == j) & (b == i))
        assert fine.border_length[on].sum() == length
        expect = (fine.border_cues[on] * fine.border_length[on, None]).sum(0) / length
        np.testing.assert_allclose(row[:N_BORDER_CUES], expect[:N_BORDER_CUES], rtol=1e-6)


def test_rescoring_sees_merged_border_cues(step_image):
    """A model that only looks at the coarse border gradient keeps the two halves apart."""
    from scipy.cluster.hierarchy import cut_tree

    model = _one_feature_model(
        EDGE_FEATURE_NAMES.index("border_gradient_coarse"), scale=1.0, bias=-2.0
    )
    labels = _grid_labels(128, 128, 16)
    graph = region_graph(labels, step_image, cues=border_cue_maps(None, step_image, labels.shape))
    tree = build_hierarchy(labels, graph, model=model, region_weight=1.0)
    _assert_nested(tree)
    two = cut_tree(tree.linkage, n_clusters=[2])[:, 0][labels]
    assert len(np.unique(two[:, :64])) == 1 and len(np.unique(two[:, 64:])) == 1
    assert two[0, 0] != two[0, 127]
