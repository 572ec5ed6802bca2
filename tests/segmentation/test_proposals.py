"""Spectral object and part proposals on images with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from supercuts_app.annotation.cropped_mask import box_shape
from supercuts_app.base.boxes import mask_bbox
from supercuts_app.formats.proposals import proposal_records
from supercuts_app.segmentation.proposal_features import superpixel_features
from supercuts_app.segmentation.proposals import (
    eigengap_k,
    hierarchy_regions,
    propose_objects,
    propose_parts,
    spectral_vectors,
)
from supercuts_app.segmentation.segment import segment_image


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


@pytest.fixture(scope="module")
def two_tone_disk():
    """A disk, left half red and right half yellow, on a noisy grey-green background."""
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[:120, :160]
    img = (rng.normal(0, 6, (120, 160, 3)) + (90, 110, 90)).clip(0, 255).astype(np.uint8)
    disk = (yy - 60) ** 2 + (xx - 80) ** 2 < 38**2
    img[disk & (xx < 80)] = (210, 40, 40)
    img[disk & (xx >= 80)] = (230, 210, 40)
    return img, disk, disk & (xx < 80)


def test_generalised_eigenvectors_split_two_blocks():
    w = np.zeros((6, 6))
    w[:3, :3] = w[3:, 3:] = 1.0
    w[2, 3] = w[3, 2] = 0.01
    np.fill_diagonal(w, 0)
    vals, vecs = spectral_vectors(w, np.ones(6), 3)
    assert vals[0] == pytest.approx(0, abs=1e-9) and vals[1] < vals[2]
    fiedler = vecs[:, 1]
    assert (np.sign(fiedler[:3]) != np.sign(fiedler[3:])).all()
    assert len(set(np.sign(fiedler[:3]))) == 1


def test_eigengap_picks_the_cluster_count():
    assert eigengap_k(np.array([0, 0.01, 0.02, 0.03, 0.8, 0.85, 0.9])) == 4
    assert eigengap_k(np.array([0, 0.01, 0.9, 0.95])) == 2


def test_the_object_is_the_top_proposal(two_tone_disk, backbone):
    img, disk, left = two_tone_disk
    plain = img.copy()
    plain[disk] = (210, 40, 40)  # one colour: the disk is unambiguously the object
    tree = segment_image(plain, n_segments=150, backbone=backbone).tree
    feats = superpixel_features(plain, tree.superpixels, backbone)
    objects = propose_objects(feats, 3, regions=hierarchy_regions(tree))
    assert objects and iou(objects[0].full_mask(), disk) > 0.9
    assert all(0 <= o.score <= 1 for o in objects)
    assert [o.score for o in objects] == sorted((o.score for o in objects), reverse=True)


def test_parts_follow_the_colours_inside_the_object(two_tone_disk, backbone):
    img, disk, left = two_tone_disk
    tree = segment_image(img, n_segments=150, backbone=backbone).tree
    feats = superpixel_features(img, tree.superpixels, backbone)
    parts = propose_parts(feats, disk, 2)
    masks = [p.full_mask() for p in parts]
    assert len(parts) == 2 and all(not (m & ~disk).any() for m in masks)
    assert max(iou(m, left) for m in masks) > 0.8
    assert all(p.crop.shape == box_shape(p.box) and p.crop.any() for p in parts)
    assert propose_parts(feats, np.zeros_like(disk)) == []
    # The object given as its crop in its rectangle gives the same parts.
    box = mask_bbox(disk)
    cropped = propose_parts(feats, disk[box], 2, box=box)
    for a, b in zip(parts, cropped, strict=True):
        assert a.box == b.box and a.score == b.score
        np.testing.assert_array_equal(a.crop, b.crop)


def test_records_hold_rle_masks_with_parts(two_tone_disk):
    from supercuts_app.segmentation.proposals import Proposal

    _, disk, left = two_tone_disk
    obj = Proposal.from_mask(disk, 0.9)
    obj.parts = [Proposal.from_mask(left, 0.7)]
    [rec] = proposal_records([obj], image_id=4, first_id=10)
    assert rec["id"] == 10 and rec["image_id"] == 4 and rec["score"] == 0.9
    rle = {**rec["segmentation"], "counts": rec["segmentation"]["counts"].encode()}
    np.testing.assert_array_equal(mask_utils.decode(rle).astype(bool), disk)
    assert rec["area"] == disk.sum() and len(rec["parts"]) == 1
    assert rec["parts"][0]["area"] == left.sum()


def test_big_photos_are_read_at_the_working_size(two_tone_disk, backbone):
    """Features of a photo above its working size come from a shrunk copy; masks are painted
    at full size from the superpixels, and superpixels lost in the shrinking join a node."""
    img, disk, left = two_tone_disk
    big = np.repeat(np.repeat(img, 3, axis=0), 3, axis=1)  # 360 x 480
    big_disk = np.repeat(np.repeat(disk, 3, axis=0), 3, axis=1)
    tree = segment_image(big, n_segments=150, backbone=backbone).tree
    sp = tree.superpixels.copy()
    k = int(sp.max()) + 2
    sp[1, 1] = k - 1  # a one-pixel superpixel that shrinking to a third loses
    feats = superpixel_features(big, sp, backbone, max_pixels=120 * 160)
    assert feats.n < k and len(feats.node_of) == k
    assert 0 <= feats.node_of[-1] < feats.n
    assert feats.area.sum() == sp.size  # every pixel counted once, at full size
    objects = propose_objects(feats, 3)
    assert objects and iou(objects[0].full_mask(), big_disk) > 0.9
    assert objects[0].crop.shape == box_shape(objects[0].box)
    parts = propose_parts(feats, big_disk, 2)
    assert max(iou(p.full_mask(), np.repeat(np.repeat(left, 3, 0), 3, 1)) for p in parts) > 0.8
