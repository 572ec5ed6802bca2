"""The SSN head with and without the boundary input; old head files keep their results."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from supercuts_app.segmentation.model_files import model_fingerprint
from supercuts_app.segmentation.ssn_head import SSNHead
from supercuts_app.segmentation.superpixels import compute_superpixels

_OLD_CONFIG_KEYS = {
    "in_channels", "embed_dims", "hidden", "backbone", "lab_branch", "pos_scale", "color_scale"
}  # fmt: skip


def test_boundary_aware_head_shapes_on_a_tiny_config():
    torch.manual_seed(0)
    head = SSNHead(12, embed_dims=3, hidden=8, boundary_input=True, contour_scale=4.0)
    assert head.needs_boundaries and head.config["boundary_input"] is True
    coarse = head(torch.randn(2, 12, 5, 6))
    assert coarse.shape == (2, 3, 5, 6)
    full = torch.nn.functional.interpolate(coarse, size=(20, 24))
    lab = torch.rand(2, 3, 20, 24) * 100
    boundary = torch.rand(2, 1, 20, 24)
    refined = head.refine(full, lab, boundary)
    assert refined.shape == (2, 3, 20, 24)
    # The map changes the embedding, and the head refuses to run without one.
    assert not torch.equal(refined, head.refine(full, lab, torch.zeros_like(boundary)))
    with pytest.raises(ValueError, match="boundary map"):
        head.refine(full, lab)
    assert float(head.contour_weight().detach()) == pytest.approx(4.0)


def test_plain_head_keeps_the_old_configuration_and_weights():
    head = SSNHead(12, embed_dims=3, hidden=8)
    assert set(head.config) == _OLD_CONFIG_KEYS
    assert not head.needs_boundaries and head.contour_weight() is None
    assert "log_contour" not in head.state_dict()
    assert head.state_dict()["lab_net.0.weight"].shape[1] == 3


def test_contour_cost_alone_reads_boundaries_only_through_the_cost(backbone, disk_image):
    torch.manual_seed(4)
    plain = SSNHead(sum(backbone.channels), 6, 16, backbone.name).eval()
    aware = plain.with_contour_cost(20.0)
    assert aware.needs_boundaries and aware.config["contour_scale"] == 20.0
    assert float(aware.contour_weight().detach()) == pytest.approx(20.0)
    assert aware.state_dict()["lab_net.0.weight"].shape[1] == 3
    assert aware.fingerprint() != plain.fingerprint()
    h, w = disk_image.shape[:2]
    options = {"n_segments": 60, "backbone": backbone}
    # A blank map costs nothing: the very labels of the plain head.
    blank = np.zeros((h, w), np.float32)
    same = compute_superpixels(disk_image, head=aware, boundaries=blank, **options)
    base = compute_superpixels(disk_image, head=plain, **options)
    np.testing.assert_array_equal(same.labels, base.labels)
    # A wall down the image (the disk's flat inside too): no superpixel reaches across it
    # (pixels on the wall may join either side).
    wall = blank.copy()
    wall[:, 77:80] = 1.0
    walled = compute_superpixels(disk_image, head=aware, boundaries=wall, **options).labels

    def crossing(labels: np.ndarray) -> int:
        left, right = np.unique(labels[:, :76]), np.unique(labels[:, 81:])
        return len(np.intersect1d(left, right))

    assert crossing(base.labels) > 0 and crossing(walled) == 0


def test_an_old_head_file_loads_and_ignores_boundaries(tmp_path, backbone, disk_image):
    # A file as heads were written before the boundary input existed: config + state only.
    torch.manual_seed(2)
    made = SSNHead(sum(backbone.channels), 6, 16, backbone.name).eval()
    config = {key: made.config[key] for key in _OLD_CONFIG_KEYS}
    torch.save({"config": config, "state": made.state_dict()}, tmp_path / "old.pt")
    head = SSNHead.load(tmp_path / "old.pt")
    assert head.fingerprint() == model_fingerprint(config, made)
    plain = compute_superpixels(disk_image, n_segments=60, backbone=backbone, head=head)
    given = compute_superpixels(
        disk_image,
        n_segments=60,
        backbone=backbone,
        head=head,
        boundaries=np.ones(disk_image.shape[:2], np.float32),
    )
    np.testing.assert_array_equal(plain.labels, given.labels)
    assert "boundaries" not in plain.params and plain.params == given.params


def test_boundary_aware_results_are_keyed_by_the_boundary_network(backbone, disk_image):
    from supercuts_app.segmentation.boundaries import create_boundary_net

    torch.manual_seed(3)
    head = SSNHead(
        sum(backbone.channels), 6, 16, backbone.name, boundary_input=True, contour_scale=10.0
    ).eval()
    h, w = disk_image.shape[:2]
    net = create_boundary_net(encoder_weights="random", device="cpu")
    other = create_boundary_net(encoder_weights="random", device="cpu")
    ring = np.zeros((h, w), np.float32)
    ring[55:65] = 1.0
    options = {"n_segments": 60, "backbone": backbone, "head": head, "boundaries": ring}
    first = compute_superpixels(disk_image, boundary_net=net, **options)
    second = compute_superpixels(disk_image, boundary_net=other, **options)
    assert first.params["boundaries"]["fingerprint"] == net.fingerprint()
    assert first.params != second.params
    np.testing.assert_array_equal(first.labels, second.labels)  # the same map was given
    plain = SSNHead(sum(backbone.channels), 6, 16, backbone.name).eval()
    without = compute_superpixels(disk_image, n_segments=60, backbone=backbone, head=plain)
    assert "boundaries" not in without.params
    # A map computed by the network itself (none given) has the image's size.
    computed = compute_superpixels(disk_image, n_segments=60, backbone=backbone, head=head,
                                   boundary_net=net)  # fmt: skip
    assert computed.labels.shape == (h, w)
    with pytest.raises(ValueError, match="boundary map"):
        compute_superpixels(disk_image, boundaries=ring[:10], boundary_net=net,
                            **{k: v for k, v in options.items() if k != "boundaries"})  # fmt: skip
