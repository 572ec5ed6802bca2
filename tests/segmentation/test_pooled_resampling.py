"""Superpixel means of a coarse map without resampling it equal those of the resampled map."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from supercuts_app.segmentation.pooled_resampling import axis_resampling, superpixel_pooling


def resampled(coarse: torch.Tensor, stride: int, crop: tuple[int, int], grid: tuple[int, int]):
    """The map resampled the explicit way: upsample by ``stride``, crop, resample to ``grid``."""
    h, w = coarse.shape[-2:]
    up = F.interpolate(coarse[None], size=(h * stride, w * stride), mode="bilinear")
    up = up[..., : crop[0], : crop[1]]
    return F.interpolate(up, size=grid, mode="bilinear", align_corners=False)[0]


def test_axis_weights_sum_to_one():
    weights = axis_resampling(7, stride=4, crop=26, out=19).toarray()
    assert weights.shape == (19, 7)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize(
    ("coarse_shape", "stride", "crop", "grid"),
    [
        ((12, 9), 2, (24, 18), (24, 18)),
        ((10, 8), 4, (37, 30), (23, 41)),
        ((5, 6), 8, (40, 48), (40, 48)),
    ],
)
def test_pooled_means_equal_those_of_the_resampled_map(coarse_shape, stride, crop, grid):
    rng = np.random.default_rng(0)
    coarse = torch.from_numpy(rng.normal(size=(6, *coarse_shape)).astype(np.float32))
    labels = rng.integers(0, 5, size=grid)
    labels[: grid[0] // 2] = 5  # a large region beside many scattered ones
    k = 6
    pooling = superpixel_pooling(labels, coarse_shape, stride=stride, crop=crop, n_superpixels=k)
    sums = pooling @ coarse.reshape(6, -1).numpy().T
    full = resampled(coarse, stride, crop, grid).reshape(6, -1).numpy()
    expected = np.stack([full[:, labels.ravel() == s].sum(axis=1) for s in range(k)])
    np.testing.assert_allclose(sums, expected, rtol=1e-4, atol=1e-4)


def test_points_give_the_resampled_value_there():
    rng = np.random.default_rng(1)
    coarse = torch.from_numpy(rng.normal(size=(3, 6, 5)).astype(np.float32))
    labels = np.zeros((12, 10), np.int64)
    points = np.array([[0, 0], [11, 9], [5, 3]])
    pooling = superpixel_pooling(
        labels, (6, 5), stride=2, crop=(12, 10), n_superpixels=1, points=points
    )
    assert pooling.shape == (4, 30)
    values = pooling[1:] @ coarse.reshape(3, -1).numpy().T
    full = resampled(coarse, 2, (12, 10), (12, 10)).numpy()
    np.testing.assert_allclose(values, full[:, points[:, 0], points[:, 1]].T, atol=1e-5)
