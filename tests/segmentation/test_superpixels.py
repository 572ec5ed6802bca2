from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.base.tasks import Cancelled
from supercuts_app.segmentation.superpixels import (
    compute_superpixels,
    connected_superpixels,
    upscale_labels,
)


def _assert_connected_and_sequential(labels: np.ndarray) -> None:
    from skimage.measure import label

    k = labels.max() + 1
    assert set(np.unique(labels)) == set(range(k))
    regions = label(labels, background=-1, connectivity=1)
    assert regions.max() == k  # as many 4-connected regions as labels


@pytest.mark.parametrize("method", ["ssn", "slic"])
def test_labels_are_connected_and_numbered(disk_image, backbone, method):
    res = compute_superpixels(disk_image, method=method, n_segments=60, backbone=backbone)
    assert res.labels.shape == disk_image.shape[:2] and res.labels.dtype == np.int32
    _assert_connected_and_sequential(res.labels)
    assert 30 <= res.n_segments <= 90
    assert res.method == method and res.requested == 60 and res.seconds > 0


def test_ssn_keeps_the_disk_edge(disk_image, backbone):
    res = compute_superpixels(disk_image, n_segments=60, backbone=backbone)
    yy, xx = np.mgrid[:120, :160]
    inside = (yy - 60) ** 2 + (xx - 80) ** 2 < 35**2
    # Each superpixel lies almost entirely on one side of the disk's edge.
    purity = [
        max(inside[res.labels == k].mean(), 1 - inside[res.labels == k].mean())
        for k in range(res.n_segments)
    ]
    assert np.mean(purity) > 0.97


def test_large_image_is_computed_at_working_size_and_refined(backbone):
    h, w = 600, 900
    yy, xx = np.mgrid[:h, :w]
    # A diagonal colour edge that nearest-neighbour upscaling alone would make staircase-like.
    img = np.where((xx + 0.7 * yy < 700)[..., None], (200, 60, 40), (40, 80, 200)).astype(np.uint8)
    side = xx + 0.7 * yy < 700
    # The PCA embedding isolates the refinement; the shipped trained head is checked too.
    for head, limit in ((None, 0.002), ("default", 0.004)):
        res = compute_superpixels(
            img, n_segments=100, backbone=backbone, max_working_pixels=40_000, head=head
        )
        assert res.labels.shape == (h, w)
        _assert_connected_and_sequential(res.labels)
        wrong = sum(
            min(side[res.labels == k].sum(), (~side)[res.labels == k].sum())
            for k in range(res.n_segments)
        )
        assert wrong / side.size < limit


def test_upscale_moves_borders_to_the_full_resolution_edge():
    image = np.zeros((40, 40, 3), np.uint8)
    image[:, 21:] = 255  # edge between columns 20 and 21
    small = np.zeros((10, 10), np.int32)
    small[:, 5:] = 1  # at working size the edge falls at column 20 exactly or not
    work = image[::4, ::4]
    up = upscale_labels(small, image, work)
    assert (up[:, :21] == 0).all() and (up[:, 21:] == 1).all()


def test_connected_superpixels_splits_and_merges():
    labels = np.zeros((10, 10), int)
    labels[:, 5:] = 1
    labels[0:5, 0:2] = 1  # a second, disconnected piece of label 1 (10 px)
    labels[7, 7] = 0  # a 1 px fragment of label 0 inside label 1
    out = connected_superpixels(labels, min_size=5)
    assert out.max() == 2  # left 0, right 1, left-top piece of 1 kept as its own region
    assert out[7, 7] == out[7, 8]  # the fragment joined its surroundings
    assert out.dtype == np.int32


def test_progress_and_cancel(quadrants):
    stages = []
    compute_superpixels(
        quadrants, method="slic", n_segments=8, progress=lambda s, f: stages.append(f)
    )
    assert stages[-1] == 1.0 and stages == sorted(stages)
    with pytest.raises(Cancelled):
        compute_superpixels(quadrants, method="slic", n_segments=8, cancel=lambda: True)


def test_bad_arguments(quadrants):
    with pytest.raises(ValueError, match="unknown superpixel method"):
        compute_superpixels(quadrants, method="watershed")
    with pytest.raises(ValueError, match="uint8"):
        compute_superpixels(quadrants.astype(float), method="slic")
