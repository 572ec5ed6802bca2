"""The boundary network (random weights: shapes, range, files) and non-maximum suppression."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from supercuts_app.base.resources import resource_path
from supercuts_app.segmentation.boundaries import (
    BOUNDARY_FILE,
    BoundaryNet,
    BoundaryNetError,
    boundary_map,
    create_boundary_net,
    default_boundary_net,
    predict_boundaries,
)
from supercuts_app.segmentation.edge_thinning import edge_nms


@pytest.fixture(scope="module")
def random_net() -> BoundaryNet:
    torch.manual_seed(0)
    return create_boundary_net(encoder_weights="random", device="cpu")


def test_side_outputs_at_strides_2_to_16_and_fused_logits_at_full_size(random_net):
    assert random_net.config["strides"] == [2, 4, 8, 16]
    assert random_net.n_sides == 4 and random_net.size_multiple == 16
    x = torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        logits = random_net(x)
    assert logits.shape == (2, 5, 64, 96)
    # The fusion starts as the mean of the sides.
    torch.testing.assert_close(logits[:, -1], logits[:, :-1].mean(dim=1))


def test_probabilities_have_the_image_size_for_any_size(random_net, disk_image):
    odd = disk_image[:50, :70]
    prob = predict_boundaries(random_net, odd)
    assert prob.shape == (50, 70) and prob.dtype == np.float32
    assert 0.0 <= prob.min() and prob.max() <= 1.0
    np.testing.assert_array_equal(boundary_map(random_net, odd), prob)


def test_large_images_run_at_the_working_resolution(random_net, disk_image):
    small = boundary_map(random_net, disk_image, max_pixels=40 * 30)
    assert small.shape == disk_image.shape[:2]
    assert 0.0 <= small.min() and small.max() <= 1.0
    assert not np.allclose(small, predict_boundaries(random_net, disk_image))


def test_maps_averaged_over_scales(random_net, disk_image):
    """Each scale's map is resized back and the mean kept: one scale of 1 is the plain map,
    the average of 0.5 and 1 lies between its two maps."""
    image = disk_image[:64, :96]
    plain = predict_boundaries(random_net, image)
    np.testing.assert_array_equal(boundary_map(random_net, image, scales=(1.0,)), plain)
    half = cv2.resize(
        predict_boundaries(random_net, cv2.resize(image, (48, 32), interpolation=cv2.INTER_AREA)),
        (96, 64),
    )
    both = boundary_map(random_net, image, scales=(0.5, 1.0))
    assert both.shape == (64, 96) and both.dtype == np.float32
    np.testing.assert_allclose(both, (half + plain) / 2, atol=1e-6)


def test_saved_network_reloads_identically_and_bad_files_are_one_line(random_net, tmp_path):
    path = tmp_path / "net.pt"
    random_net.save(path, extra={"training": {"steps": 0}})
    again = BoundaryNet.load(path, device="cpu")
    assert again.fingerprint() == random_net.fingerprint()
    image = np.random.default_rng(0).integers(0, 255, (40, 56, 3), dtype=np.uint8)
    np.testing.assert_array_equal(
        predict_boundaries(again, image), predict_boundaries(random_net, image)
    )
    with torch.no_grad():
        again.fuse.bias.add_(0.1)
    assert again.fingerprint() != random_net.fingerprint()
    (tmp_path / "bad.pt").write_bytes(b"nope")
    with pytest.raises(BoundaryNetError, match="not a boundary network file") as err:
        BoundaryNet.load(tmp_path / "bad.pt")
    assert "\n" not in str(err.value)


def test_no_shipped_network_means_none():
    shipped = resource_path("weights", BOUNDARY_FILE).is_file()
    assert (default_boundary_net("cpu") is None) == (not shipped)


def test_nms_thins_a_blurred_line_to_its_ridge():
    rows, cols = np.mgrid[:60, :80]
    for ridge, axis in (
        (np.exp(-((rows - 30.0) ** 2) / 6), 0),
        (np.exp(-((cols - 41.0) ** 2) / 6), 1),
    ):
        thin = edge_nms(ridge.astype(np.float32))
        inner = thin[10:-10, 10:-10] > 0.01
        # One pixel across the line everywhere, at the maximum, with its value.
        np.testing.assert_array_equal(inner.sum(axis=axis), 1)
        assert np.all(np.argmax(thin, axis=axis)[10:-10] == (30 if axis == 0 else 41))
        assert thin.max() == pytest.approx(1.0)


def test_nms_keeps_a_diagonal_ridge_connected_and_fades_the_border():
    rows, cols = np.mgrid[:60, :60]
    diagonal = np.exp(-((rows - cols) ** 2) / 8).astype(np.float32)
    thin = edge_nms(diagonal)
    kept = np.argwhere(thin[8:-8, 8:-8] > 0.01)
    assert len(kept) == 44 and np.all(kept[:, 0] == kept[:, 1])
    flat = edge_nms(np.ones((20, 30), np.float32))
    assert flat[0].max() == 0.0 and flat[10, 15] == pytest.approx(1.0)
    assert edge_nms(np.zeros((0, 0), np.float32)).shape == (0, 0)
