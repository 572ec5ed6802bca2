"""The learned boundary cues of the region graph: mean and quantiles along each border, merged
borders as the hierarchy carries them, and the network in the pipeline and its cache key."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from supercuts_app.base.tasks import Cancelled
from supercuts_app.segmentation.border_stats import border_quantiles, coarsened_border_cues
from supercuts_app.segmentation.boundaries import (
    BoundaryNet,
    create_boundary_net,
    default_boundary_net,
)
from supercuts_app.segmentation.edge_features import (
    ALL_BORDER_CUES,
    BOUNDARY_QUANTILE_CUES,
    column,
    columns,
    edge_features,
)
from supercuts_app.segmentation.edge_model import EdgeModelError, FeatureScore
from supercuts_app.segmentation.hierarchy import build_hierarchy
from supercuts_app.segmentation.region_graph import (
    N_BORDER_CUES,
    N_CUE_COLUMNS,
    border_cue_maps,
    deep_region_graph,
    region_graph,
)
from supercuts_app.segmentation.segment import SegmentationSettings, segment_image

SIDE = 128
CELL = 16  # 8 x 8 square superpixels
MEAN = column("border_boundary_mean")


def _grid_labels() -> np.ndarray:
    cols = SIDE // CELL
    return (np.arange(SIDE)[:, None] // CELL) * cols + (np.arange(SIDE)[None, :] // CELL)


@pytest.fixture(scope="module")
def random_net() -> BoundaryNet:
    torch.manual_seed(0)
    return create_boundary_net(encoder_weights="random", device="cpu")


@pytest.fixture()
def step_graph():
    """Grid superpixels over a grey image whose boundary map is 1 on both sides of the border
    at column 64 and 0 everywhere else."""
    image = np.full((SIDE, SIDE, 3), 90, np.uint8)
    labels = _grid_labels()
    cues = np.zeros((N_BORDER_CUES, SIDE, SIDE), np.float32)
    cues[-1][:, 63:65] = 1.0
    return labels, image, region_graph(labels, image, cues=cues)


def test_border_quantiles_by_hand():
    edge_of = np.array([1, 0, 0, 1, 0])
    values = np.array([7.0, 3.0, 1.0, 5.0, 2.0])
    got = border_quantiles(edge_of, values, (0.0, 0.25, 0.5, 1.0))
    # Edge 0 holds 1, 2, 3; edge 1 holds 5, 7 (linear interpolation between ranks).
    np.testing.assert_allclose(got, [[1.0, 1.5, 2.0, 3.0], [5.0, 5.5, 6.0, 7.0]])


def test_a_known_boundary_gives_its_mean_and_quantiles(step_graph):
    _, _, graph = step_graph
    assert graph.border_cues.shape == (len(graph.edges), N_CUE_COLUMNS)
    feats = edge_features(graph)
    np.testing.assert_array_equal(feats[:, columns(ALL_BORDER_CUES)], graph.border_cues)
    col = graph.edges % 8
    across = (col[:, 0] == 3) & (col[:, 1] == 4)  # the 8 borders on column 64
    boundary = feats[:, MEAN : MEAN + 1 + len(BOUNDARY_QUANTILE_CUES)]
    np.testing.assert_array_equal(boundary[across], 1.0)
    # Borders between rows of column-3 superpixels touch the map in one of their 16 pairs only.
    touching = (col[:, 0] == 3) & (col[:, 1] == 3)
    np.testing.assert_allclose(boundary[touching], [[1 / 16, 0, 0, 0, 1]] * 7)
    elsewhere = ~across & ~touching & ~((col[:, 0] == 4) & (col[:, 1] == 4))
    assert elsewhere.any() and (boundary[elsewhere] == 0).all()


def test_merged_borders_are_length_weighted_and_follow_the_region_graph(step_graph):
    labels, image, graph = step_graph
    table = (np.arange(64) // 8 // 2) * 4 + (np.arange(64) % 8) // 2  # 2 x 2 blocks
    merged = coarsened_border_cues(graph.edges, graph.border_length, graph.border_cues, table)
    coarse = region_graph(table[labels], image, cues=_maps_of(image))
    assert merged.shape == coarse.border_cues.shape
    # The cue means are exact; quantiles become the length-weighted mean of the pieces'.
    np.testing.assert_allclose(merged[:, :N_BORDER_CUES], coarse.border_cues[:, :N_BORDER_CUES])
    a, b = table[graph.edges[:, 0]], table[graph.edges[:, 1]]
    for (i, j), row in zip(coarse.edges, merged, strict=True):
        on = ((a == i) & (b == j)) | ((a == j) & (b == i))
        length = graph.border_length[on]
        expect = (graph.border_cues[on] * length[:, None]).sum(0) / length.sum()
        np.testing.assert_allclose(row, expect)


def _maps_of(image: np.ndarray) -> np.ndarray:
    cues = np.zeros((N_BORDER_CUES, SIDE, SIDE), np.float32)
    cues[-1][:, 63:65] = 1.0
    from supercuts_app.segmentation.region_graph import coarse_lab_gradient

    cues[0] = coarse_lab_gradient(image, (SIDE, SIDE))
    return cues


def test_the_mean_boundary_alone_keeps_the_two_halves_apart(step_graph):
    labels, _, graph = step_graph
    tree = build_hierarchy(labels, graph, model=FeatureScore("border_boundary_mean"))
    halves = tree.labels_at_height(0.5)
    assert len(np.unique(halves[:, :64])) == 1 and len(np.unique(halves[:, 64:])) == 1
    assert halves[0, 0] != halves[0, -1]
    assert tree.linkage[-1, 2] == 1.0 and (tree.linkage[:-1, 2] <= 1 / 16).all()
    with pytest.raises(EdgeModelError, match="no edge feature"):
        FeatureScore("border_boundary_median").check_features()


def test_a_random_network_gives_probabilities_and_honours_cancel(random_net, disk_image, backbone):
    labels = segment_image(disk_image, n_segments=40, backbone=backbone, boundary_net=random_net)
    labels = labels.result.labels
    graph = deep_region_graph(backbone, disk_image, labels, boundary_net=random_net)
    boundary = graph.border_cues[:, N_BORDER_CUES - 1 :]
    assert ((boundary >= 0) & (boundary <= 1)).all() and boundary.max() > 0
    np.testing.assert_array_less(boundary[:, 1:-1], boundary[:, 2:] + 1e-12)  # ordered quantiles
    maps = border_cue_maps(backbone, disk_image, labels.shape)  # no network: zeros
    without = region_graph(labels, disk_image, cues=maps)
    assert (without.border_cues[:, N_BORDER_CUES - 1 :] == 0).all()
    np.testing.assert_array_equal(
        without.border_cues[:, : N_BORDER_CUES - 1], graph.border_cues[:, : N_BORDER_CUES - 1]
    )
    with pytest.raises(Cancelled):
        deep_region_graph(
            backbone, disk_image, labels, boundary_net=random_net, cancel=lambda: True
        )


def test_the_shipped_network_is_the_default(disk_image, backbone):
    labels = (np.arange(120)[:, None] // 20) * 8 + np.arange(160)[None, :] // 20
    shipped = default_boundary_net()
    assert shipped is not None  # package data: always installed
    by_default = deep_region_graph(backbone, disk_image, labels)
    explicit = deep_region_graph(backbone, disk_image, labels, boundary_net=shipped)
    np.testing.assert_array_equal(by_default.border_cues, explicit.border_cues)


def test_the_cache_key_holds_the_boundary_network(random_net, disk_image, backbone):
    torch.manual_seed(1)
    other = create_boundary_net(encoder_weights="random", device="cpu")
    keys = {
        SegmentationSettings.resolve("ssn", 40, backbone, boundary_net=net).cache_key(disk_image)
        for net in (random_net, other)
    }
    assert len(keys) == 2
    again = SegmentationSettings.resolve("ssn", 40, backbone, boundary_net=random_net)
    assert again.cache_key(disk_image) in keys
    shipped = SegmentationSettings.resolve("ssn", 40, backbone)
    assert shipped.boundary_net is not None  # the shipped network is the default
    assert shipped.cache_key(disk_image) not in keys
