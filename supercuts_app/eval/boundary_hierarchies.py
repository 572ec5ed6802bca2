"""BSDS500 comparison of hierarchies built on the learned boundary map against the shipped levels.

Every image's boundary map, SSN superpixels and shipped hierarchy are computed once; each
variant of :mod:`~supercuts_app.segmentation.watershed_hierarchy` is then built on them and
scored exactly as ``supercuts eval hierarchy`` scores the shipped levels (boundary F and
covering at ODS/OIS, its tree cut at a fixed list of heights). Heights of the variants live on
different scales (extinction values, frontier means), so each variant carries its own thresholds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS
from supercuts_app.base.images import load_image
from supercuts_app.datasets.bsds import iter_split
from supercuts_app.segmentation.boundaries import BoundaryNet, boundary_map
from supercuts_app.segmentation.edge_model import EdgeModel
from supercuts_app.segmentation.features import Backbone
from supercuts_app.segmentation.hierarchy import (
    DEFAULT_REGION_WEIGHT,
    DEFAULT_SPECTRAL_WEIGHT,
    MergeHierarchy,
    build_hierarchy,
)
from supercuts_app.segmentation.region_graph import deep_region_graph
from supercuts_app.segmentation.superpixels import compute_superpixels
from supercuts_app.segmentation.watershed_hierarchy import (
    Attribute,
    EdgeWeight,
    frontier_hierarchy,
    relative_heights,
    watershed_hierarchy,
)

from .hierarchy import DEFAULT_THRESHOLDS
from .hierarchy_metrics import ImageScores, evaluate_image, summarize

Leaves = Literal["shipped", "watershed", "ssn"]


def thresholds(low: float, high: float, count: int = 33) -> tuple[float, ...]:
    """``count`` evenly spaced heights from ``low`` to ``high`` (rounded to 4 decimals)."""
    return tuple(float(t) for t in np.round(np.linspace(low, high, count), 4))


@dataclass(frozen=True)
class BoundaryHierarchyVariant:
    """One hierarchy to score.

    Attributes
    ----------
    name : str
        Row name in the results.
    leaves : {"shipped", "watershed", "ssn"}
        ``"shipped"``: the shipped levels (SSN superpixels, edge model, greedy merge);
        ``"watershed"``: :func:`watershed_hierarchy` of the boundary map with ``attribute``;
        ``"ssn"``: :func:`frontier_hierarchy` on the SSN superpixels.
    attribute, edge_weight : str
        Passed to the hierarchy builders (see their docs).
    cut_heights : tuple of float
        Heights at which the tree is cut for scoring.
    min_area : float
        Smallest region, as a share of the image (watershed leaves only; see
        :func:`watershed_hierarchy`).
    relative : bool
        Heights divided by each image's top merge (see :func:`relative_heights`).
    size_prior : float
        Frontier merging only: share of the image under which regions merge early (see
        :func:`watershed_hierarchy`).
    relative : bool
        Heights divided by each image's top merge (see :func:`relative_heights`).
    """

    name: str
    leaves: Leaves
    attribute: Attribute = "frontier"
    edge_weight: EdgeWeight = "max"
    cut_heights: tuple[float, ...] = field(default=DEFAULT_THRESHOLDS)
    min_area: float = 0.0
    size_prior: float = 0.0
    relative: bool = False


_FRONTIER_CUTS = thresholds(0.3, 0.96)

STANDARD_VARIANTS = (
    BoundaryHierarchyVariant("shipped", "shipped"),
    BoundaryHierarchyVariant("ws-area", "watershed", "area", cut_heights=thresholds(0.15, 0.95)),
    BoundaryHierarchyVariant(
        "ws-volume", "watershed", "volume", cut_heights=thresholds(0.01, 0.81)
    ),
    BoundaryHierarchyVariant(
        "ws-dynamics", "watershed", "dynamics", cut_heights=thresholds(0.01, 0.81)
    ),
    BoundaryHierarchyVariant(
        "ws-frontier", "watershed", "frontier", cut_heights=thresholds(0.05, 0.97)
    ),
    BoundaryHierarchyVariant(
        "ws-frontier-mean", "watershed", "frontier", "mean", cut_heights=thresholds(0.05, 0.97)
    ),
    BoundaryHierarchyVariant("ssn-frontier", "ssn", cut_heights=thresholds(0.05, 0.97)),
    # Second round: cuts where the frontier trees' F and covering peak (0.6-0.9), and Higra's
    # removal of regions smaller than a share of the image, which the coarse cuts of frontier
    # merging otherwise keep around strongly outlined specks.
    BoundaryHierarchyVariant(
        "ws-frontier-mean-hi", "watershed", "frontier", "mean", cut_heights=_FRONTIER_CUTS
    ),
    *(
        BoundaryHierarchyVariant(
            f"ws-frontier-mean-a{area:g}",
            "watershed",
            "frontier",
            "mean",
            cut_heights=_FRONTIER_CUTS,
            min_area=area,
        )
        for area in (0.001, 0.003, 0.01)
    ),
    BoundaryHierarchyVariant(
        "ws-dynamics-a0.003",
        "watershed",
        "dynamics",
        cut_heights=thresholds(0.01, 0.61),
        min_area=0.003,
    ),
    # Third round: frontier merging that lets regions below a share of the image merge early
    # (and SSN leaves with mean edge weights, to tell that from the prior's effect).
    *(
        BoundaryHierarchyVariant(
            f"ws-frontier-mean-s{share:g}",
            "watershed",
            "frontier",
            "mean",
            cut_heights=thresholds(0.02, 0.92),
            size_prior=share,
        )
        for share in (0.002, 0.01)
    ),
    BoundaryHierarchyVariant(
        "ssn-frontier-mean", "ssn", "frontier", "mean", cut_heights=thresholds(0.05, 0.97)
    ),
    BoundaryHierarchyVariant(
        "ssn-frontier-mean-s0.002",
        "ssn",
        "frontier",
        "mean",
        cut_heights=thresholds(0.02, 0.92),
        size_prior=0.002,
    ),
    # Fourth round: heights relative to each image's top merge.
    BoundaryHierarchyVariant(
        "ws-frontier-mean-rel",
        "watershed",
        "frontier",
        "mean",
        cut_heights=thresholds(0.3, 0.98),
        relative=True,
    ),
    BoundaryHierarchyVariant(
        "ws-frontier-mean-a0.001-rel",
        "watershed",
        "frontier",
        "mean",
        cut_heights=thresholds(0.3, 0.98),
        min_area=0.001,
        relative=True,
    ),
)
"""The variants compared for issue 17 (heights chosen to run from about the superpixel count
of regions down to one or two on BSDS500 images, or, second round, over the useful range)."""


@dataclass
class VariantRun:
    """Per-image scores and build times of one variant."""

    variant: BoundaryHierarchyVariant
    scores: list[ImageScores] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    leaves: list[int] = field(default_factory=list)


def build_variant(
    variant: BoundaryHierarchyVariant,
    boundary_prob: np.ndarray,
    superpixels: np.ndarray | None,
    shipped: Callable[[], MergeHierarchy] | None = None,
) -> MergeHierarchy:
    """The hierarchy of ``variant`` for one image.

    Parameters
    ----------
    variant : BoundaryHierarchyVariant
        What to build.
    boundary_prob : numpy.ndarray
        (H, W) boundary probabilities of the image.
    superpixels : numpy.ndarray or None
        (H, W) SSN superpixels (needed by ``"ssn"`` leaves).
    shipped : callable, optional
        Builds the shipped hierarchy (needed by ``"shipped"``).
    """
    tree = _build(variant, boundary_prob, superpixels, shipped)
    return relative_heights(tree) if variant.relative else tree


def _build(
    variant: BoundaryHierarchyVariant,
    boundary_prob: np.ndarray,
    superpixels: np.ndarray | None,
    shipped: Callable[[], MergeHierarchy] | None,
) -> MergeHierarchy:
    if variant.leaves == "watershed":
        return watershed_hierarchy(
            boundary_prob,
            attribute=variant.attribute,
            edge_weight=variant.edge_weight,
            min_area=variant.min_area,
            size_prior=variant.size_prior,
        )
    if variant.leaves == "ssn":
        if superpixels is None:
            raise ValueError(f"{variant.name}: needs superpixels")
        return frontier_hierarchy(
            superpixels,
            boundary_prob,
            edge_weight=variant.edge_weight,
            size_prior=variant.size_prior,
        )
    if shipped is None:
        raise ValueError(f"{variant.name}: needs the shipped hierarchy's builder")
    return shipped()


def compare_boundary_hierarchies(
    root: str | Path,
    variants: Sequence[BoundaryHierarchyVariant],
    *,
    net: BoundaryNet,
    backbone: Backbone,
    edge_model: EdgeModel | None,
    split: str = "val",
    limit: int | None = None,
    n_segments: int = DEFAULT_SUPERPIXELS,
    on_image: Callable[[int, int], None] | None = None,
) -> tuple[list[dict], list[VariantRun]]:
    """Score each variant on a BSDS500 split.

    Parameters
    ----------
    root : str or Path
        BSDS500 folder.
    variants : sequence of BoundaryHierarchyVariant
        What to compare.
    net : BoundaryNet
        The boundary network.
    backbone : Backbone
        SSN's and the shipped hierarchy's feature backbone.
    edge_model : EdgeModel or None
        The shipped hierarchy's edge model.
    split, limit : str, int
        Which images (the first ``limit`` of the split).
    n_segments : int
        SSN superpixels asked for.
    on_image : callable, optional
        Called with (done, total) after each image.

    Returns
    -------
    tuple
        One summary dict per variant (name, thresholds, BSDS summary, mean seconds per image to
        build the hierarchy, mean leaf count, and the shared per-image seconds of the boundary
        map and superpixels), and the per-image runs.
    """
    needs_ssn = any(v.leaves in ("ssn", "shipped") for v in variants)
    items = list(iter_split(root, split, limit=limit))
    runs = [VariantRun(v) for v in variants]
    shared = {"boundary_map": [], "superpixels": []}
    for done, item in enumerate(items, start=1):
        image = load_image(item.image_path)
        start = time.perf_counter()
        prob = boundary_map(net, image)
        shared["boundary_map"].append(time.perf_counter() - start)
        labels = None
        if needs_ssn:
            start = time.perf_counter()
            labels = compute_superpixels(image, n_segments=n_segments, backbone=backbone).labels
            shared["superpixels"].append(time.perf_counter() - start)

        def shipped(labels: np.ndarray | None = labels, image: np.ndarray = image):
            graph = deep_region_graph(backbone, image, labels, boundary_net=net)
            return build_hierarchy(
                labels,
                graph,
                model=edge_model,
                spectral_weight=DEFAULT_SPECTRAL_WEIGHT,
                region_weight=DEFAULT_REGION_WEIGHT,
            )

        humans = [(h.segmentation, h.boundaries) for h in item.humans()]
        for run in runs:
            start = time.perf_counter()
            tree = build_variant(run.variant, prob, labels, shipped)
            run.seconds.append(time.perf_counter() - start)
            run.leaves.append(int(tree.tables.shape[1]))
            levels = [tree.labels_at_height(t) for t in run.variant.cut_heights]
            run.scores.append(evaluate_image(levels, humans))
        if on_image is not None:
            on_image(done, len(items))
    means = {key: float(np.mean(v)) if v else None for key, v in shared.items()}
    results = [
        {
            "name": run.variant.name,
            "leaves": run.variant.leaves,
            "attribute": run.variant.attribute,
            "edge_weight": run.variant.edge_weight,
            "min_area": run.variant.min_area,
            "size_prior": run.variant.size_prior,
            "relative": run.variant.relative,
            "split": split,
            "images": len(items),
            "thresholds": list(run.variant.cut_heights),
            "build_seconds_per_image": float(np.mean(run.seconds)),
            "mean_leaves": float(np.mean(run.leaves)),
            "shared_seconds_per_image": means,
            **summarize(run.scores),
        }
        for run in runs
    ]
    return results, runs
