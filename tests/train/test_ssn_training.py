"""SSN head training: the loss falls, degenerate batches stay finite, checkpoints reload exactly."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from supercuts_app.cli.main import main
from supercuts_app.segmentation.features import create_backbone
from supercuts_app.segmentation.ssn import lab_image
from supercuts_app.segmentation.ssn_head import HeadError, SSNHead, check_head, stacked_maps
from supercuts_app.segmentation.superpixels import compute_superpixels
from supercuts_app.train.ssn import (
    SSNTrainConfig,
    TrainImage,
    cells_for_crop,
    prepare_images,
    sample_batch,
    ssn_loss,
    train_ssn,
)


@pytest.fixture
def tiny_train(tiny_bsds):
    data = tiny_bsds / "BSDS500" / "data"
    for kind in ("images", "groundTruth"):
        shutil.copytree(data / kind / "val", data / kind / "train")
    return tiny_bsds


@pytest.mark.slow
def test_training_steps_lower_the_loss(tiny_train, backbone):
    torch.manual_seed(0)
    items = prepare_images(tiny_train, "train", backbone)
    cfg = SSNTrainConfig(crop=64, batch=2, n_segments=600)
    lab, feats, labels, boundary = sample_batch(items, cfg, np.random.default_rng(0))
    assert lab.shape == (2, 3, 64, 64) and feats.shape[-2:] == (16, 16) and boundary is None
    head = SSNHead(sum(backbone.channels), 6, 16, backbone.name)
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    kwargs = {"n_cells": 16, "compactness": 0.02}
    first, _ = ssn_loss(head, lab, feats, labels, **kwargs)
    for _ in range(15):
        loss, _ = ssn_loss(head, lab, feats, labels, **kwargs)
        opt.zero_grad()
        loss.backward()
        opt.step()
    last, parts = ssn_loss(head, lab, feats, labels, **kwargs)
    assert last.item() < first.item()
    assert parts["ce"] >= 0 and parts["compact"] >= 0
    assert cells_for_crop(cfg) == round(64 * 64 / (481 * 321 / 600))


def test_loss_is_finite_for_one_segment_and_flat_features(backbone):
    head = SSNHead(sum(backbone.channels), 4, 8, backbone.name)
    lab = torch.zeros(1, 3, 32, 32)
    feats = torch.zeros(1, sum(backbone.channels), 8, 8)
    labels = torch.zeros(1, 32, 32, dtype=torch.long)
    loss, _ = ssn_loss(head, lab, feats, labels, n_cells=4, compactness=0.02)
    loss.backward()
    assert torch.isfinite(loss)
    assert all(torch.isfinite(p.grad).all() for p in head.parameters() if p.grad is not None)


def test_boundary_aware_training_step_on_a_synthetic_image(backbone, quadrants):
    # The quadrant image with its exact boundary map: crops carry the map along, and a step
    # updates every part of the head, the contour weight included.
    boundary = np.zeros(quadrants.shape[:2], np.float32)
    boundary[46:50] = 1.0
    boundary[:, 62:66] = 1.0
    with torch.no_grad():
        feats = stacked_maps(backbone(quadrants))[0].to(torch.float16)
    humans = [1 + (np.arange(96)[:, None] >= 48) * 2 + (np.arange(128)[None, :] >= 64)]
    item = TrainImage(lab_image(quadrants), feats, round(96 / feats.shape[1]), humans, boundary)
    cfg = SSNTrainConfig(crop=64, batch=2, boundary_input=True)
    batch = sample_batch([item], cfg, np.random.default_rng(0))
    assert batch.boundary.shape == (2, 1, 64, 64)
    # The map moves with the crop: its ridges lie where the labels change.
    edges = (batch.labels[:, 1:, :] != batch.labels[:, :-1, :]).float()
    assert float((batch.boundary[:, 0, 1:, :] * edges).sum()) >= 0.9 * float(edges.sum())
    torch.manual_seed(0)
    head = SSNHead(
        sum(backbone.channels), 4, 8, backbone.name, boundary_input=True, contour_scale=10.0
    )
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    loss, _ = ssn_loss(head, *batch[:3], n_cells=16, compactness=0.02, boundary=batch.boundary)
    opt.zero_grad()
    loss.backward()
    assert torch.isfinite(loss) and head.log_contour.grad is not None
    assert float(head.log_contour.grad.abs()) > 0
    assert float(head.lab_net[0].weight.grad[:, 3].abs().sum()) > 0
    opt.step()
    with pytest.raises(ValueError, match="boundary map"):
        ssn_loss(head, *batch[:3], n_cells=16, compactness=0.02)


def test_saved_head_reloads_to_identical_superpixels(tmp_path, backbone, disk_image):
    torch.manual_seed(1)
    head = SSNHead(sum(backbone.channels), 6, 16, backbone.name).eval()
    head.save(tmp_path / "h.pt")
    again = SSNHead.load(tmp_path / "h.pt")
    x = torch.randn(1, sum(backbone.channels), 8, 8)
    assert torch.equal(head(x), again(x))
    a = compute_superpixels(disk_image, n_segments=60, backbone=backbone, head=head)
    b = compute_superpixels(disk_image, n_segments=60, backbone=backbone, head=again)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.params["head"] == b.params["head"] == head.fingerprint()
    (tmp_path / "bad.pt").write_bytes(b"nope")
    with pytest.raises(HeadError, match="not an SSN head"):
        SSNHead.load(tmp_path / "bad.pt")
    with pytest.raises(HeadError, match="feature channels"):
        check_head(SSNHead(7), backbone)


def test_train_and_resume_on_a_random_vit(tiny_train, tmp_path):
    """The DINO path: a ViT backbone (random weights here, hub or a file for users)."""
    vit = create_backbone("vit_small_patch16_224.dino", weights="random")
    cfg = SSNTrainConfig(crop=64, batch=2, epochs=1, steps_per_epoch=2, embed_dims=4, hidden=8)
    out = tmp_path / "vit_head.pt"
    scores = {"asa": 0.5, "boundary_recall": 0.5}
    first = train_ssn(tiny_train, vit, cfg, out, log=lambda s: None, validate=lambda h: scores)
    assert out.is_file() and first["best"]["epoch"] == 1
    cfg.epochs = 2
    resumed = train_ssn(
        tiny_train,
        vit,
        cfg,
        out,
        resume=tmp_path / "vit_head.last.pt",
        log=lambda s: None,
        validate=lambda h: scores,
    )
    assert [row["epoch"] for row in resumed["history"]] == [1, 2]
    head = SSNHead.load(out)
    assert head.config["backbone"] == vit.name
    labels = compute_superpixels(
        np.zeros((48, 64, 3), np.uint8) + 90, n_segments=12, backbone=vit, head=head
    ).labels
    assert labels.shape == (48, 64)


@pytest.mark.slow
def test_train_ssn_command(tiny_train, tmp_path, capsys):
    out = tmp_path / "head.pt"
    args = ["train", "ssn", "--data", str(tiny_train), "--out", str(out), "--epochs", "1",
            "--steps-per-epoch", "2", "--batch", "2", "--crop", "64",
            "--val-limit", "1"]  # fmt: skip
    # tiny_bsds has a val split: validation runs on it.
    assert main(args) == 0
    assert "best epoch 1" in capsys.readouterr().out and out.is_file()
    learned = [float(v.detach()) for v in SSNHead.load(out).scales()]
    # The same run with a position weight chosen for inference saves it, nothing else changes.
    fixed = tmp_path / "fixed.pt"
    assert main([*args[:5], str(fixed), *args[6:], "--pos-scale", "1.7"]) == 0
    pos, colour = (float(v.detach()) for v in SSNHead.load(fixed).scales())
    assert pos == pytest.approx(1.7) and colour == pytest.approx(learned[1])
    # A wider head: the saved file says so and loads as such.
    wide = tmp_path / "wide.pt"
    assert main([*args[:5], str(wide), *args[6:], "--embed-dims", "6", "--hidden", "24"]) == 0
    assert SSNHead.load(wide).embed_dims == 6
    # A boundary-aware head records the boundary network it was trained with.
    aware = tmp_path / "aware.pt"
    assert main([*args[:5], str(aware), *args[6:], "--boundary-input"]) == 0
    assert SSNHead.load(aware).needs_boundaries
    facts = torch.load(aware, weights_only=True)["training"]
    assert facts["config"]["boundary_input"] and len(facts["boundary_net"]) == 32
    assert "boundary_input" not in torch.load(out, weights_only=True)["training"]["config"]
    bad = ["train", "ssn", "--data", str(tmp_path / "none"), "--out", str(out)]
    assert main(bad) == 2
    assert main([*args, "--pos-scale", "0"]) == 2
