"""The named features of region-graph edges: what the edge model reads about two regions.

Every feature has a name in :data:`EDGE_FEATURE_NAMES`; code writes and reads columns through
:func:`column` and :func:`columns`, never by position, and an edge model file records the names it
was trained on (see :mod:`supercuts_app.segmentation.edge_model`). Adding or reordering features
therefore changes names, which a stale model file is checked against.
"""

from __future__ import annotations

from itertools import accumulate

import numpy as np

from .region_graph import BOUNDARY_QUANTILES, N_BORDER_CUES, RegionGraph, RegionStats

COLOUR_DIFFERENCES = ("delta_L", "delta_a", "delta_b")
"""Absolute difference of mean CIELAB L*, a*, b* between the two regions."""
DEEP_LEVEL_DISTANCES = ("deep_cosine_level0", "deep_cosine_level1", "deep_cosine_level2")
"""Cosine distance of the mean deep feature of each of the first three backbone levels."""
HISTOGRAM_DISTANCES = ("chi2_lightness", "chi2_ab", "chi2_gradient")
"""Chi-squared distance of the regions' lightness, a*b* and gradient histograms."""
BORDER_CUES = (
    "border_gradient_coarse",
    "border_deep_gradient0",
    "border_deep_gradient1",
    "border_deep_gradient2",
    "border_boundary_mean",
)
"""Mean along the shared border of each cue map of
:func:`~supercuts_app.segmentation.region_graph.border_cue_maps`, in its order (the last: the
learned boundary probability)."""
BOUNDARY_QUANTILE_CUES = (
    "border_boundary_q25",
    "border_boundary_q50",
    "border_boundary_q75",
    "border_boundary_max",
)
"""Quantiles of the learned boundary probability along the shared border
(:data:`~supercuts_app.segmentation.region_graph.BOUNDARY_QUANTILES`, in its order)."""

EDGE_FEATURE_NAMES: tuple[str, ...] = (
    *COLOUR_DIFFERENCES,
    "delta_E",  # Euclidean CIELAB distance of the mean colours
    "deep_cosine_distance",  # cosine distance of the whole (all levels) mean deep feature
    "border_gradient",  # mean Lab gradient along the border
    "border_gradient_rel",  # ... relative to the typical border gradient of the two regions
    "log_border_length",
    "log_min_area",
    "log_max_area",
    *DEEP_LEVEL_DISTANCES,
    *HISTOGRAM_DISTANCES,
    *BORDER_CUES,
    *BOUNDARY_QUANTILE_CUES,
)
"""Names of the edge features, in the column order of :func:`edge_features`."""

_COLUMN = {name: i for i, name in enumerate(EDGE_FEATURE_NAMES)}
assert len(_COLUMN) == len(EDGE_FEATURE_NAMES), "edge feature names must be unique"
assert len(BORDER_CUES) == N_BORDER_CUES
assert len(BOUNDARY_QUANTILE_CUES) == len(BOUNDARY_QUANTILES)
ALL_BORDER_CUES = BORDER_CUES + BOUNDARY_QUANTILE_CUES
"""The columns of :attr:`~supercuts_app.segmentation.region_graph.RegionGraph.border_cues`."""


def column(name: str) -> int:
    """Column of the edge feature ``name`` (raises KeyError for a name not computed)."""
    return _COLUMN[name]


def columns(names: tuple[str, ...]) -> slice:
    """The columns of ``names``, which lie side by side in this order, as a slice."""
    start = _COLUMN[names[0]]
    if EDGE_FEATURE_NAMES[start : start + len(names)] != tuple(names):
        raise KeyError(f"edge features {names} are not adjacent in this order")
    return slice(start, start + len(names))


def edge_features(graph: RegionGraph) -> np.ndarray:
    """(E, F) descriptor of every edge, columns named by :data:`EDGE_FEATURE_NAMES`."""
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    # The border gradient relative to the mean gradient along all borders of the two regions.
    both = np.concatenate([i, j])
    grad_len = np.tile(graph.border_gradient * graph.border_length, 2)
    typical = np.bincount(both, grad_len, graph.n_nodes) / np.maximum(
        np.bincount(both, np.tile(graph.border_length, 2), graph.n_nodes), 1e-9
    )
    return pair_features(
        graph, i, j, graph.border_gradient, graph.border_length, typical, graph.border_cues
    )


def pair_features(
    nodes: RegionGraph | RegionStats,
    i: np.ndarray,
    j: np.ndarray,
    gradient: np.ndarray,
    length: np.ndarray,
    typical: np.ndarray,
    cues: np.ndarray | None = None,
) -> np.ndarray:
    """(P, F) descriptors of region pairs ``(i, j)`` from node statistics and their borders.

    Parameters
    ----------
    nodes : RegionGraph or RegionStats
        Per-node colour, deep features, histograms and areas.
    i, j : numpy.ndarray
        (P,) node ids of each pair.
    gradient, length : numpy.ndarray
        (P,) mean gradient along, and length of, each pair's shared border.
    typical : numpy.ndarray
        Mean border gradient of every node (indexed by node id).
    cues : numpy.ndarray, optional
        (P, N_CUE_COLUMNS) border cues of each pair (columns :data:`ALL_BORDER_CUES`); None
        reads as zeros.

    Returns
    -------
    numpy.ndarray
        (P, F) float64, columns named by :data:`EDGE_FEATURE_NAMES`.
    """
    out = np.empty((len(i), len(EDGE_FEATURE_NAMES)))
    d_lab = np.abs(nodes.colour[i] - nodes.colour[j])
    out[:, columns(COLOUR_DIFFERENCES)] = d_lab
    out[:, column("delta_E")] = np.sqrt((d_lab**2).sum(axis=1))
    levels = columns(DEEP_LEVEL_DISTANCES)
    out[:, levels] = 0.0
    if nodes.deep is not None:
        products = nodes.deep[i] * nodes.deep[j]
        out[:, column("deep_cosine_distance")] = 1.0 - products.sum(axis=1)
        blocks = nodes.deep_blocks[: len(DEEP_LEVEL_DISTANCES)]
        if blocks:
            # Each block holds 1/sqrt(n_blocks) of the unit vector: scale its dot product back.
            starts = list(accumulate(blocks[:-1], initial=0))
            sums = np.add.reduceat(products[:, : sum(blocks)], starts, axis=1)
            out[:, levels.start : levels.start + len(blocks)] = 1.0 - len(nodes.deep_blocks) * sums
    else:
        out[:, column("deep_cosine_distance")] = 0.0
    out[:, column("border_gradient")] = gradient
    out[:, column("border_gradient_rel")] = gradient / np.maximum(
        0.5 * (typical[i] + typical[j]), 1e-6
    )
    out[:, column("log_border_length")] = np.log(length)
    area_i, area_j = nodes.area[i], nodes.area[j]
    out[:, column("log_min_area")] = np.log(np.minimum(area_i, area_j))
    out[:, column("log_max_area")] = np.log(np.maximum(area_i, area_j))
    out[:, columns(HISTOGRAM_DISTANCES)] = _chi2_all(nodes, i, j)
    out[:, columns(ALL_BORDER_CUES)] = 0.0 if cues is None else cues
    return out


def _chi2_all(nodes: RegionGraph | RegionStats, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """(P, 3) chi-squared distance of each histogram kind between nodes i and j (one pass)."""
    histograms = nodes.histograms
    if not histograms:
        return np.zeros((len(i), len(HISTOGRAM_DISTANCES)))
    joined = getattr(nodes, "joined_histograms", None)
    if joined is None:
        joined = np.concatenate(histograms, axis=1)
    a, b = joined[i], joined[j]
    terms = (a - b) ** 2 / np.maximum(a + b, 1e-12)
    starts = list(accumulate((h.shape[1] for h in histograms[:-1]), initial=0))
    return 0.5 * np.add.reduceat(terms, starts, axis=1)
