"""Statistics of values along region borders beyond their mean: per-border quantiles, and the
border cues of merged regions as the hierarchy carries them while merging."""

from __future__ import annotations

import numpy as np


def border_quantiles(
    edge_of: np.ndarray, values: np.ndarray, quantiles: tuple[float, ...]
) -> np.ndarray:
    """(E, len(quantiles)) quantiles of the values along each border, linearly interpolated.

    Parameters
    ----------
    edge_of : numpy.ndarray
        (N,) edge id 0..E-1 of every border pixel pair (every id present).
    values : numpy.ndarray
        (N,) the value of each pair.
    quantiles : tuple of float
        In [0, 1].

    Returns
    -------
    numpy.ndarray
        (E, Q) float64.
    """
    # One sort by (edge, value) puts every border's values in order, each border in one run.
    order = np.lexsort((values, edge_of))
    ranked = values[order].astype(np.float64)
    count = np.bincount(edge_of)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    position = np.asarray(quantiles)[None, :] * (count[:, None] - 1)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, count[:, None] - 1)
    share = position - below
    return (1 - share) * ranked[start[:, None] + below] + share * ranked[start[:, None] + above]


def coarsened_border_cues(
    edges: np.ndarray, border_length: np.ndarray, border_cues: np.ndarray | None, table: np.ndarray
) -> np.ndarray | None:
    """Border cues of merged regions as the hierarchy carries them while merging: length-weighted
    means over the superpixel borders.

    For the cue means this is exact; a merged border's quantiles become the mean of its pieces'
    quantiles, so training sees merged borders exactly as merging does.

    Parameters
    ----------
    edges, border_length, border_cues : numpy.ndarray
        The superpixels' graph: its (E, 2) edges, (E,) border lengths and (E, C) border cues (see
        :class:`~supercuts_app.segmentation.region_graph.RegionGraph`; None: no cues).
    table : numpy.ndarray
        (K,) region 0..R-1 of every superpixel (every region present).

    Returns
    -------
    numpy.ndarray or None
        (E', C) rows in the edge order of
        :func:`~supercuts_app.segmentation.region_graph.region_graph` on ``table[labels]`` (pairs
        ``i < j`` in increasing order); None when ``border_cues`` is None.
    """
    if border_cues is None:
        return None
    k = int(table.max()) + 1
    a, b = table[edges[:, 0]], table[edges[:, 1]]
    between = a != b
    lo, hi = np.minimum(a, b)[between], np.maximum(a, b)[between]
    _, inverse = np.unique(lo * k + hi, return_inverse=True)
    length = border_length[between]
    cues = border_cues[between]
    sums = np.stack([np.bincount(inverse, weights=c * length) for c in cues.T], axis=1)
    return sums / np.bincount(inverse, weights=length)[:, None]
