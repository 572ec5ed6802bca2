from __future__ import annotations

import numpy as np
import pytest
import torch

from supercuts_app.segmentation.ssn import (
    CANDIDATE_OFFSETS,
    SSNParams,
    contour_penalty,
    grid_shape,
    pixel_features,
    soft_slic,
    ssn_superpixels,
)

_OFFSET_INDEX = {offset: d for d, offset in enumerate(CANDIDATE_OFFSETS)}


def test_grid_shape_follows_aspect_ratio():
    assert grid_shape(100, 100, 100) == (10, 10)
    rows, cols = grid_shape(321, 481, 600)
    assert abs(rows * cols - 600) < 40 and cols > rows


def test_soft_assignment_is_a_distribution_over_nine_cells():
    feats = torch.randn(2, 5, 24, 30)
    res = soft_slic(feats, 4, 5, n_iter=3)
    assert res.q.shape == (2, 9, 24 * 30)
    torch.testing.assert_close(res.q.sum(1), torch.ones(2, 24 * 30))
    assert res.centroids.shape == (2, 5, 20)
    labels = res.hard_labels(24, 30)
    assert labels.shape == (2, 24, 30) and labels.min() >= 0 and labels.max() < 20


def test_gradients_reach_the_pixel_features():
    feats = torch.randn(1, 4, 16, 16, requires_grad=True)
    res = soft_slic(feats, 4, 4, n_iter=2)
    (res.q[:, 4] ** 2).mean().backward()
    assert feats.grad is not None and torch.isfinite(feats.grad).all()
    assert feats.grad.abs().sum() > 0


@pytest.mark.parametrize("shape, grid", [((40, 52), (5, 6)), ((37, 61), (7, 4)), ((9, 50), (1, 8))])
def test_inference_buffers_compute_exactly_what_training_computes(shape, grid):
    # Inference fetches candidate centres row by row, training gathers them per pixel.
    feats = torch.randn(2, 6, *shape)
    trained = soft_slic(feats.clone().requires_grad_(True), *grid, n_iter=4)
    with torch.no_grad():
        inferred = soft_slic(feats, *grid, n_iter=4)
    assert torch.equal(trained.q.detach(), inferred.q)
    assert torch.equal(trained.centroids.detach(), inferred.centroids)


def test_superpixel_borders_follow_colour_edges(quadrants):
    labels = ssn_superpixels(quadrants, 16, backbone=None, params=SSNParams(feature_scale=0))
    # No superpixel may straddle the quadrant borders.
    quadrant = (np.arange(96)[:, None] >= 48) * 2 + (np.arange(128)[None, :] >= 64)
    for k in np.unique(labels):
        assert len(np.unique(quadrant[labels == k])) == 1


def test_deep_features_enter_the_pixel_features(disk_image, backbone):
    plain = ssn_superpixels(disk_image, 40, backbone=None, params=SSNParams(feature_scale=0))
    deep = ssn_superpixels(disk_image, 40, backbone=backbone, params=SSNParams(feature_scale=4))
    assert plain.shape == deep.shape == disk_image.shape[:2]
    assert (plain != deep).any()


def test_contour_penalty_is_the_boundary_between_a_pixel_and_each_centre():
    # A wall down the middle of a 2 x 2 grid: centres across it cost 1, those beside none.
    boundary = torch.zeros(1, 1, 32, 32)
    boundary[..., 15:17] = 1.0
    penalty = contour_penalty(boundary, 2, 2)
    assert penalty.shape == (1, 9, 32 * 32)
    left_pixel = 8 * 32 + 4  # row 8, column 4: in cell (0, 0)
    right_pixel = 8 * 32 + 28  # in cell (0, 1)
    same, across = _OFFSET_INDEX[(0, 0)], _OFFSET_INDEX[(0, 1)]
    assert penalty[0, same, left_pixel] == 0 and penalty[0, across, left_pixel] == 1
    assert penalty[0, same, right_pixel] == 0
    below = _OFFSET_INDEX[(1, 0)]  # cell (1, 0): the same side of the wall
    assert penalty[0, below, left_pixel] == 0


@pytest.mark.parametrize("shape, grid", [((40, 52), (5, 6)), ((37, 61), (7, 4))])
def test_penalised_assignment_is_the_same_for_inference_and_training(shape, grid):
    feats = torch.randn(2, 6, *shape)
    penalty = contour_penalty(torch.rand(2, 1, *shape), *grid) * 3.0
    trained = soft_slic(feats.clone().requires_grad_(True), *grid, n_iter=3, penalty=penalty)
    with torch.no_grad():
        inferred = soft_slic(feats, *grid, n_iter=3, penalty=penalty)
        plain = soft_slic(feats, *grid, n_iter=3)
    torch.testing.assert_close(trained.q.detach(), inferred.q)
    assert not torch.equal(plain.q, inferred.q)


def test_penalty_keeps_superpixels_from_crossing_a_faint_edge():
    # Two parts a few grey levels apart, split off the grid's cell border: colour alone keeps
    # the grid's cells (straddling the seam), the boundary map along the seam moves them to it.
    image = np.full((48, 64, 3), 120, np.uint8)
    image[:, 20:] = 124
    feats = pixel_features(image, 2, 2, SSNParams(color_scale=0.26), backbone=None)
    boundary = torch.zeros(1, 1, 48, 64)
    boundary[..., 19:21] = 1.0
    penalty = contour_penalty(boundary, 2, 2) * 50.0
    with torch.no_grad():
        plain = soft_slic(feats, 2, 2, n_iter=5).hard_labels(48, 64)[0]
        labels = soft_slic(feats, 2, 2, n_iter=5, penalty=penalty).hard_labels(48, 64)[0]

    def straddles(labels: torch.Tensor) -> bool:
        columns = [torch.nonzero(labels == k)[:, 1] for k in labels.unique()]
        return any(bool((c < 20).any() and (c >= 20).any()) for c in columns)

    assert straddles(plain) and not straddles(labels)


@pytest.mark.parametrize("with_penalty", [False, True])
def test_cell_wise_iterations_give_the_pixel_wise_labels(with_penalty):
    """ssn_superpixels runs the iterations a grid cell at a time: the same labels."""
    from supercuts_app.segmentation.ssn_cells import cell_slic_labels

    torch.manual_seed(0)
    h, w, rows, cols = 61, 83, 5, 7
    feats = torch.randn(1, 6, h, w)
    feats[:, 0] = torch.arange(h)[:, None] * (2.5 * rows / h)
    feats[:, 1] = torch.arange(w)[None, :] * (2.5 * cols / w)
    penalty = torch.rand(1, 9, h * w) * 3 if with_penalty else None
    with torch.no_grad():
        pixel_wise = soft_slic(feats, rows, cols, n_iter=4, penalty=penalty).hard_labels(h, w)[0]
    cell_wise = cell_slic_labels(feats, rows, cols, n_iter=4, penalty=penalty)
    assert cell_wise.shape == (h, w)
    assert (cell_wise == pixel_wise).float().mean() > 0.999
