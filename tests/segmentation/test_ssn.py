from __future__ import annotations

import numpy as np
import pytest
import torch

from supercuts_app.segmentation.ssn import SSNParams, grid_shape, soft_slic, ssn_superpixels


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
