"""Working-resolution labels brought to full size with the same ids, each one connected region."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.measure import label

from supercuts_app.segmentation.full_size import full_size_labels
from supercuts_app.segmentation.superpixels import (
    compute_superpixels,
    working_image,
    working_pixels_for,
)


def _connected(labels: np.ndarray) -> bool:
    return label(labels, background=-1, connectivity=1).max() == labels.max() + 1


def test_stray_pieces_join_a_neighbour_and_keep_the_ids():
    working = np.array([[0, 1], [2, 3]], np.int32)
    full = np.repeat(np.repeat(working, 4, axis=0), 4, axis=1)
    full[6, 6] = 0  # a stray pixel of 0 inside 3
    full[0, 6:8] = 2  # a stray piece of 2 inside 1, along the image's edge
    out, work = full_size_labels(full.copy(), working)
    np.testing.assert_array_equal(work, working)
    assert out[6, 6] == 3 and (out[0, 6:8] == 1).all()
    assert _connected(out) and set(np.unique(out)) == {0, 1, 2, 3}


def test_a_label_without_full_size_pixels_leaves_both_maps():
    working = np.array([[0, 1, 1], [0, 2, 3], [2, 2, 3]], np.int32)
    full = np.repeat(np.repeat(working, 4, axis=0), 4, axis=1)
    full[full == 0] = 2  # label 0 lost every pixel to label 2
    out, work = full_size_labels(full, working)
    # 0 joins its longest-bordering neighbour (2: two pixel sides against one of 1); the rest
    # is renumbered alike.
    np.testing.assert_array_equal(work, [[1, 0, 0], [1, 1, 2], [1, 1, 2]])
    np.testing.assert_array_equal(np.unique(out), [0, 1, 2])
    assert _connected(out)


def test_the_working_size_grows_with_the_count():
    assert working_pixels_for(600) == 500_000
    assert working_pixels_for(4000) == 4000 * 256


@pytest.mark.parametrize("method", ["slic", "ssn"])
def test_large_images_keep_working_labels_with_the_same_ids(method, backbone):
    rng = np.random.default_rng(1)
    h, w = 300, 400
    image = np.zeros((h, w, 3), np.uint8)
    for _ in range(12):  # flat rectangles in random colours, with a little noise
        y, x = rng.integers(0, h - 40), rng.integers(0, w - 40)
        image[y : y + rng.integers(30, 120), x : x + rng.integers(30, 160)] = rng.integers(
            0, 255, 3
        )
    image = np.clip(image + rng.normal(0, 3, image.shape), 0, 255).astype(np.uint8)
    res = compute_superpixels(
        image, method=method, n_segments=60, backbone=backbone, max_working_pixels=30_000
    )
    work = res.working_labels
    assert work is not None and work.shape == working_image(image, 30_000).shape[:2]
    assert res.labels.shape == (h, w) and _connected(res.labels)
    ids = np.arange(res.n_segments)
    np.testing.assert_array_equal(np.unique(work), ids)
    np.testing.assert_array_equal(np.unique(res.labels), ids)
    # The full-size map differs from the nearest-neighbour upscaling only along borders.
    import cv2

    nearest = cv2.resize(work, (w, h), interpolation=cv2.INTER_NEAREST)
    assert (nearest == res.labels).mean() > 0.9
    small = compute_superpixels(image[:100, :100], method=method, n_segments=20, backbone=backbone)
    assert small.working_labels is None  # segmented at full size


def test_threads_refine_the_same_pixels():
    from supercuts_app.segmentation.full_size import upscale_labels

    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (90, 120, 3), dtype=np.uint8)
    work = working_image(image, 3_000)
    labels = (np.arange(work.shape[0])[:, None] // 7 * 10 + np.arange(work.shape[1]) // 9).astype(
        np.int32
    )
    one = upscale_labels(labels, image, work, chunk=500)
    two = upscale_labels(labels, image, work, chunk=500, workers=3)
    np.testing.assert_array_equal(one, two)
