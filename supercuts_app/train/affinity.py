"""Training the hierarchy's edge model on BSDS500 train (``supercuts train affinity``).

For every training image: SSN superpixels, the region graph and its edge features; the target of
an edge is the fraction of human annotators whose segmentation puts the two superpixels (by
majority vote of their pixels) in different segments. A small MLP is fitted to these soft targets
with binary cross-entropy weighted by border length, since long borders matter most for the
boundaries the hierarchy draws.

The region graph is the app's (:func:`~supercuts_app.segmentation.region_graph.deep_region_graph`,
learned boundary cues included), and merged regions' border cues are carried over from the
superpixel borders as the hierarchy carries them while merging, so the model is trained on what
it is later asked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from supercuts_app.adapt.edge_samples import (
    EdgeSamples,
    PairTargets,
    concat_samples,
    image_edge_samples,
    region_tables,
)
from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS
from supercuts_app.base.images import load_image
from supercuts_app.datasets.bsds import iter_split
from supercuts_app.segmentation.boundaries import BoundaryNet
from supercuts_app.segmentation.edge_features import EDGE_FEATURE_NAMES
from supercuts_app.segmentation.edge_model import EdgeModel
from supercuts_app.segmentation.features import Backbone
from supercuts_app.segmentation.hierarchy import DEFAULT_REGION_WEIGHT, build_hierarchy
from supercuts_app.segmentation.region_graph import RegionGraph, deep_region_graph
from supercuts_app.segmentation.superpixels import compute_superpixels


def majority_labels(superpixels: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """(K,) ground-truth segment holding most of each superpixel's pixels."""
    k = int(superpixels.max()) + 1
    _, gt = np.unique(truth.ravel(), return_inverse=True)
    g = int(gt.max()) + 1
    table = np.bincount(superpixels.ravel().astype(np.int64) * g + gt, minlength=k * g)
    return table.reshape(k, g).argmax(axis=1)


def edge_samples(
    root: str | Path,
    split: str,
    backbone: Backbone,
    *,
    n_segments: int = DEFAULT_SUPERPIXELS,
    limit: int | None = None,
    region_counts: Sequence[int] = (),
    model: EdgeModel | None = None,
    region_weight: float = DEFAULT_REGION_WEIGHT,
    boundary_net: BoundaryNet | None = None,
    on_image: Callable[[int, int], None] | None = None,
) -> EdgeSamples:
    """Collect edge features and targets for every image of a BSDS500 split.

    With ``region_counts``, pairs of merged regions are added too: the image's hierarchy (built
    with ``model`` and whole-region share ``region_weight``) is cut at those region counts, so
    the model also learns to score the whole regions it is asked about while merging.
    ``boundary_net`` gives the learned border cues (default: the shipped network).
    """
    items = list(iter_split(root, split, limit=limit))
    found = []
    for done, item in enumerate(items, start=1):
        image, labels, graph = image_region_graph(
            item.image_path, backbone, n_segments=n_segments, boundary_net=boundary_net
        )
        humans = [h.segmentation for h in item.humans()]
        tables = _region_tables(labels, graph, model, region_counts, region_weight)
        found.append(image_edge_samples(image, labels, graph, human_targets(humans), tables))
        if on_image is not None:
            on_image(done, len(items))
    return concat_samples(found)


def image_region_graph(
    path: str | Path,
    backbone: Backbone,
    *,
    n_segments: int = DEFAULT_SUPERPIXELS,
    boundary_net: BoundaryNet | None = None,
) -> tuple[np.ndarray, np.ndarray, RegionGraph]:
    """A training image, its superpixels and their region graph, as the app computes them
    (``boundary_net`` gives the learned border cues; default: the shipped network)."""
    image = load_image(path)
    labels = compute_superpixels(image, n_segments=n_segments, backbone=backbone).labels
    return image, labels, deep_region_graph(backbone, image, labels, boundary_net=boundary_net)


def human_targets(humans: Sequence[np.ndarray]) -> PairTargets:
    """Soft targets: the share of ``humans`` (label maps) separating each pair (by majority)."""

    def targets(edges: np.ndarray, regions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        differ = []
        for truth in humans:
            major = majority_labels(regions, truth)
            differ.append(major[edges[:, 0]] != major[edges[:, 1]])
        return np.mean(differ, axis=0), np.ones(len(edges), dtype=bool)

    return targets


def _region_tables(
    labels: np.ndarray,
    graph,
    model: EdgeModel | None,
    counts: Sequence[int],
    region_weight: float = DEFAULT_REGION_WEIGHT,
) -> list[np.ndarray]:
    """Superpixel-to-region tables of the image's hierarchy cut at ``counts`` regions."""
    if not [c for c in counts if 1 < c < graph.n_nodes]:
        return []  # no hierarchy to build
    tree = build_hierarchy(labels, graph, model=model, region_weight=region_weight)
    return region_tables(tree.linkage, graph.n_nodes, counts)


def fit_edge_model(
    train: EdgeSamples,
    *,
    hidden: int = 32,
    steps: int = 1500,
    lr: float = 0.01,
    seed: int = 0,
    on_step: Callable[[int, float], None] | None = None,
) -> EdgeModel:
    """Fit the MLP with full-batch Adam; deterministic for a given seed."""
    torch.manual_seed(seed)
    mean = train.features.mean(axis=0)
    std = train.features.std(axis=0) + 1e-6
    x = torch.tensor((train.features - mean) / std, dtype=torch.float32)
    y = torch.tensor(train.targets, dtype=torch.float32)
    w = torch.tensor(train.weights / train.weights.mean(), dtype=torch.float32)
    net = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)
    )
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=1e-5)
    loss_fn = torch.nn.BCEWithLogitsLoss(weight=w)
    for step in range(steps):
        opt.zero_grad()
        loss = loss_fn(net(x)[:, 0], y)
        loss.backward()
        opt.step()
        if on_step is not None and (step % 100 == 0 or step == steps - 1):
            on_step(step, loss.item())
    l1, l2 = net[0], net[2]
    return EdgeModel(
        mean=mean,
        std=std,
        w1=l1.weight.detach().numpy().T.copy(),
        b1=l1.bias.detach().numpy().copy(),
        w2=l2.weight.detach().numpy().T.copy(),
        b2=l2.bias.detach().numpy().copy(),
        feature_names=EDGE_FEATURE_NAMES,
    )
