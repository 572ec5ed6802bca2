"""Boundary network training: consensus labels, the balanced loss, crops, falling loss, resume."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from supercuts_app.segmentation.boundaries import BoundaryNet, create_boundary_net
from supercuts_app.train.boundaries import (
    BACKGROUND,
    BOUNDARY,
    IGNORED,
    BoundaryTrainConfig,
    TrainImage,
    balanced_bce,
    boundary_loss,
    consensus_labels,
    sample_batch,
    sample_crop,
    set_training_mode,
    train_boundaries,
)


@pytest.fixture
def tiny_train(tiny_bsds):
    data = tiny_bsds / "BSDS500" / "data"
    for kind in ("images", "groundTruth"):
        shutil.copytree(data / kind / "val", data / kind / "train")
    return tiny_bsds


def _quadrant_item(quadrants) -> TrainImage:
    rows, cols = np.mgrid[:96, :128]
    fine = (1 + (rows >= 48) * 2 + (cols >= 64)).astype(np.uint16)
    coarse = (1 + (cols >= 64)).astype(np.uint16)
    return TrainImage(quadrants, [fine, fine, coarse])


def test_consensus_labels_count_votes():
    a = np.zeros((5, 5), bool)
    a[2, :] = True
    b = a.copy()
    c = np.zeros((5, 5), bool)
    c[:, 0] = True
    labels = consensus_labels([a, b, c], consensus=0.5)
    assert labels[2, 3] == BOUNDARY  # 2 of 3
    assert labels[0, 0] == IGNORED  # 1 of 3
    assert labels[2, 0] == BOUNDARY  # 3 of 3
    assert labels[4, 4] == BACKGROUND
    # Widened by one pixel, the lines' neighbours get the same votes.
    wide = consensus_labels([a, b, c], consensus=0.5, radius=1)
    assert wide[1, 3] == wide[3, 3] == BOUNDARY and wide[0, 3] == BACKGROUND
    assert (consensus_labels([a, b, c], consensus=0.0) == BOUNDARY).sum() == (a | c).sum()


def test_balanced_bce_weights_classes_and_ignores_uncertain_pixels():
    labels = torch.tensor([[[[BOUNDARY, BACKGROUND, BACKGROUND, IGNORED]]]], dtype=torch.uint8)
    logits = torch.tensor([[[[0.5, -1.0, 2.0, 7.0]]]])
    loss = balanced_bce(logits, labels, negative_weight=1.1)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    # 1 positive and 2 negatives of 3 labelled pixels: weights 2/3 and 1.1 * 1/3.
    expected = (
        2 / 3 * bce(torch.tensor(0.5), torch.tensor(1.0))
        + 1.1 / 3 * bce(torch.tensor(-1.0), torch.tensor(0.0))
        + 1.1 / 3 * bce(torch.tensor(2.0), torch.tensor(0.0))
    ) / 3
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    changed = logits.clone()
    changed[..., 3] = -7.0
    assert balanced_bce(changed, labels).item() == pytest.approx(loss.item())
    nothing = torch.full((1, 1, 2, 2), IGNORED, dtype=torch.uint8)
    assert balanced_bce(torch.zeros(1, 2, 2, 2), nothing).item() == 0.0


def test_crops_are_seeded_and_padding_is_ignored(quadrants):
    item = _quadrant_item(quadrants)
    cfg = BoundaryTrainConfig(crop=64)
    first = sample_crop(item, cfg, np.random.default_rng(3))
    again = sample_crop(item, cfg, np.random.default_rng(3))
    assert first[0].shape == (64, 64, 3) and first[1].shape == (64, 64)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert set(np.unique(first[1])) <= {BACKGROUND, BOUNDARY, IGNORED}
    # An image smaller than the crop at this scale: the rest is padding, ignored.
    big = BoundaryTrainConfig(crop=256, min_scale=1.0, max_scale=1.0)
    image, labels = sample_crop(item, big, np.random.default_rng(0))
    assert image.shape == (256, 256, 3)
    assert (labels == IGNORED).sum() >= 256 * 256 - 96 * 128
    # At scale 1 the fine annotation's lines (2 of 3 humans) are boundaries.
    assert (labels == BOUNDARY).sum() >= 96 + 128 - 1


@pytest.mark.slow
def test_training_steps_lower_the_loss_on_known_edges(quadrants):
    torch.manual_seed(0)
    net = create_boundary_net(encoder_weights="random", device="cpu")
    cfg = BoundaryTrainConfig(crop=64, batch=2)
    images, labels = sample_batch([_quadrant_item(quadrants)], cfg, np.random.default_rng(0))
    assert images.shape == (2, 3, 64, 64) and labels.shape == (2, 1, 64, 64)
    assert (labels == BOUNDARY).any()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    set_training_mode(net)
    first, _ = boundary_loss(net, images, labels)
    for _ in range(12):
        loss, parts = boundary_loss(net, images, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
    last, parts = boundary_loss(net, images, labels)
    assert last.item() < 0.8 * first.item() and parts["fused"] >= 0


def test_batch_norm_statistics_stay_frozen_in_training_mode():
    net = set_training_mode(create_boundary_net(encoder_weights="random", device="cpu"))
    norms = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert norms and not any(m.training for m in norms) and net.fuse.training


@pytest.mark.slow
def test_training_is_reproducible_across_a_resume(tiny_train, tmp_path):
    cfg = BoundaryTrainConfig(steps=4, batch=2, crop=48, val_every=2, seed=5)
    kwargs = {"encoder_weights": "random", "device": "cpu", "log": lambda s: None}
    scores = iter([0.2, 0.1, 0.3])

    def validate(net):
        return {"ods": next(scores)}

    whole = train_boundaries(tiny_train, cfg, tmp_path / "a.pt", validate=validate, **kwargs)
    assert [row["step"] for row in whole["history"]] == [2, 4] and whole["best"]["step"] == 2

    def stop_at_3(step, total, loss):
        if step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_boundaries(tiny_train, cfg, tmp_path / "b.pt", on_step=stop_at_3, **kwargs)
    resumed = train_boundaries(
        tiny_train, cfg, tmp_path / "b.pt", resume=tmp_path / "b.last.pt", **kwargs
    )
    assert [row["step"] for row in resumed["history"]] == [2, 4]
    a = torch.load(tmp_path / "a.last.pt", weights_only=False)["state"]
    b = torch.load(tmp_path / "b.last.pt", weights_only=False)["state"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    best = BoundaryNet.load(tmp_path / "a.pt")
    assert best.config["backbone"] == "tf_efficientnet_lite0"
