"""Edge samples: features of region-graph edges with their targets, the data every edge model
is fitted to (BSDS500 training in :mod:`supercuts_app.train.affinity`, a project's own
annotations in :mod:`.project_samples`).

The samples of an image are its superpixel pairs and, optionally, the pairs of merged regions of
cuts of its hierarchy (their border cues carried over from the superpixel borders, as the
hierarchy carries them while merging), so a model learns what it is later asked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import cut_tree

from supercuts_app.segmentation.border_stats import coarsened_border_cues
from supercuts_app.segmentation.edge_features import EDGE_FEATURE_NAMES, edge_features
from supercuts_app.segmentation.edge_model import EdgeModel
from supercuts_app.segmentation.region_graph import region_deep_features, region_graph


@dataclass
class EdgeSamples:
    """Edge features (columns named by ``EDGE_FEATURE_NAMES``), soft targets and border lengths
    of many images, concatenated."""

    features: np.ndarray
    targets: np.ndarray
    weights: np.ndarray


PairTargets = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
"""``(edges, regions) -> (targets, known)``: the target of each edge ``(i, j)`` of a region map
and whether it is known at all (unknown edges are left out of the samples)."""


def image_edge_samples(
    image: np.ndarray,
    labels: np.ndarray,
    graph,
    pair_targets: PairTargets,
    tables: Sequence[np.ndarray] = (),
) -> EdgeSamples:
    """One image's samples: its superpixel pairs, then the region pairs of each
    superpixel-to-region table (whose border cues are carried over from the superpixel borders,
    as the hierarchy carries them while merging).

    Parameters
    ----------
    image : numpy.ndarray
        (H, W, 3) uint8 RGB.
    labels : numpy.ndarray
        (H, W) superpixel map.
    graph : RegionGraph
        Its region graph (:func:`~supercuts_app.segmentation.region_graph.deep_region_graph`).
    pair_targets : callable
        The targets (:data:`PairTargets`), e.g. :func:`human_targets`.
    tables : sequence of numpy.ndarray
        (K,) superpixel -> region tables, e.g. cuts of the image's hierarchy
        (:func:`region_tables`).

    Returns
    -------
    EdgeSamples
    """
    parts = [_known_samples(graph, labels, pair_targets)]
    for table in tables:
        regions = table[labels]
        rdeep = region_deep_features(graph.deep, graph.area, table, graph.deep_blocks)
        rgraph = region_graph(regions, image, deep=rdeep, deep_blocks=graph.deep_blocks)
        rgraph.border_cues = coarsened_border_cues(
            graph.edges, graph.border_length, graph.border_cues, table
        )
        parts.append(_known_samples(rgraph, regions, pair_targets))
    return concat_samples(parts)


def region_tables(linkage: np.ndarray, n_nodes: int, counts: Sequence[int]) -> list[np.ndarray]:
    """(K,) superpixel-to-region tables of a merge tree (SciPy ``linkage`` over ``n_nodes``
    superpixels) cut at each of ``counts`` regions (counts outside 2..K-1 are skipped)."""
    counts = [c for c in counts if 1 < c < n_nodes]
    if not counts:
        return []
    cuts = cut_tree(linkage, n_clusters=counts)
    return [cuts[:, c].astype(np.int64) for c in range(cuts.shape[1])]


def concat_samples(parts: Sequence[EdgeSamples]) -> EdgeSamples:
    """Samples of many images (or kinds of pairs) in one set."""
    if not parts:
        empty = np.zeros(0)
        return EdgeSamples(np.zeros((0, len(EDGE_FEATURE_NAMES))), empty, empty)
    return EdgeSamples(
        np.concatenate([p.features for p in parts]),
        np.concatenate([p.targets for p in parts]),
        np.concatenate([p.weights for p in parts]),
    )


def _known_samples(graph, regions: np.ndarray, pair_targets: PairTargets) -> EdgeSamples:
    """Features, targets and border lengths of the graph's edges whose target is known."""
    targets, known = pair_targets(graph.edges, regions)
    return EdgeSamples(
        edge_features(graph)[known], np.asarray(targets, float)[known], graph.border_length[known]
    )


def weighted_bce(model: EdgeModel, samples: EdgeSamples) -> float:
    """Border-length-weighted binary cross-entropy of a model on samples."""
    p = np.clip(model.predict(samples.features), 1e-6, 1 - 1e-6)
    t, w = samples.targets, samples.weights
    return float(-(w * (t * np.log(p) + (1 - t) * np.log(1 - p))).sum() / w.sum())
