"""Comparing boundary-map hierarchies on a tiny synthetic BSDS500 folder."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from supercuts_app.eval.boundary_hierarchies import (
    STANDARD_VARIANTS,
    BoundaryHierarchyVariant,
    build_variant,
    compare_boundary_hierarchies,
    thresholds,
)
from supercuts_app.segmentation.boundaries import create_boundary_net


def test_every_standard_variant_cuts_at_increasing_heights_in_unit_range():
    assert len({v.name for v in STANDARD_VARIANTS}) == len(STANDARD_VARIANTS)
    for variant in STANDARD_VARIANTS:
        cuts = np.asarray(variant.cut_heights)
        assert len(cuts) == 33 and np.all(np.diff(cuts) > 0)
        assert 0.0 <= cuts[0] and cuts[-1] <= 1.0
    assert thresholds(0.1, 0.5, 5) == (0.1, 0.2, 0.3, 0.4, 0.5)


def test_build_variant_needs_what_its_leaves_need():
    prob = np.zeros((8, 8))
    with pytest.raises(ValueError, match="superpixels"):
        build_variant(BoundaryHierarchyVariant("s", "ssn"), prob, None)
    with pytest.raises(ValueError, match="shipped"):
        build_variant(BoundaryHierarchyVariant("x", "shipped"), prob, None)
    sentinel = object()
    assert build_variant(STANDARD_VARIANTS[0], prob, None, lambda: sentinel) is sentinel


def test_variants_are_scored_on_every_image(tiny_bsds, backbone):
    torch.manual_seed(0)
    net = create_boundary_net(encoder_weights="random", device="cpu")
    variants = [
        v for v in STANDARD_VARIANTS if v.name in ("ws-area", "ws-frontier", "ssn-frontier")
    ]
    results, runs = compare_boundary_hierarchies(
        tiny_bsds, variants, net=net, backbone=backbone, edge_model=None, n_segments=12
    )
    assert [r["name"] for r in results] == ["ws-area", "ws-frontier", "ssn-frontier"]
    for result, run in zip(results, runs, strict=True):
        assert result["images"] == 2 and len(run.scores) == 2
        assert result["thresholds"] == list(run.variant.cut_heights)
        assert 0.0 <= result["boundary"]["ods"]["f"] <= 1.0
        assert 0.0 < result["covering"]["ods"]["value"] <= 1.0
        assert result["mean_leaves"] >= 1
    assert results[0]["shared_seconds_per_image"]["superpixels"] is not None
