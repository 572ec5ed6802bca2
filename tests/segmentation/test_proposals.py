"""Spectral object and part proposals on images with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from supercuts_app.formats.proposals import proposal_records
from supercuts_app.segmentation.proposals import (
    eigengap_k,
    hierarchy_regions,
    propose_objects,
    propose_parts,
    spectral_vectors,
    superpixel_features,
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
    assert objects and iou(objects[0].mask, disk) > 0.9
    assert all(0 <= o.score <= 1 for o in objects)
    assert [o.score for o in objects] == sorted((o.score for o in objects), reverse=True)


def test_parts_follow_the_colours_inside_the_object(two_tone_disk, backbone):
    img, disk, left = two_tone_disk
    tree = segment_image(img, n_segments=150, backbone=backbone).tree
    feats = superpixel_features(img, tree.superpixels, backbone)
    parts = propose_parts(feats, disk, 2)
    assert len(parts) == 2 and all(not (p.mask & ~disk).any() for p in parts)
    assert max(iou(p.mask, left) for p in parts) > 0.8
    assert propose_parts(feats, np.zeros_like(disk)) == []


def test_records_hold_rle_masks_with_parts(two_tone_disk):
    from supercuts_app.segmentation.proposals import Proposal

    _, disk, left = two_tone_disk
    obj = Proposal(disk, 0.9, parts=[Proposal(left, 0.7)])
    [rec] = proposal_records([obj], image_id=4, first_id=10)
    assert rec["id"] == 10 and rec["image_id"] == 4 and rec["score"] == 0.9
    rle = {**rec["segmentation"], "counts": rec["segmentation"]["counts"].encode()}
    np.testing.assert_array_equal(mask_utils.decode(rle).astype(bool), disk)
    assert rec["area"] == disk.sum() and len(rec["parts"]) == 1
    assert rec["parts"][0]["area"] == left.sum()
