"""Which regions of a label map touch, and along how many pixel pairs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LabelAdjacency:
    """The borders of a label map (ids 0..K-1).

    Attributes
    ----------
    first, second : numpy.ndarray
        (E,) int64 ids of each pair of 4-adjacent labels, ``first < second``, sorted.
    length : numpy.ndarray
        (E,) float64 number of 4-adjacent pixel pairs along each border.
    p, q : numpy.ndarray
        (N,) flat indices of every border pixel pair (right, then lower neighbours).
    edge_of : numpy.ndarray
        (N,) the border (0..E-1) of each pixel pair.
    """

    first: np.ndarray
    second: np.ndarray
    length: np.ndarray
    p: np.ndarray
    q: np.ndarray
    edge_of: np.ndarray


def label_adjacency(labels: np.ndarray, n_labels: int | None = None) -> LabelAdjacency:
    """The borders of ``labels``: adjacent pairs, border lengths and the pixel pairs on them.

    Parameters
    ----------
    labels : numpy.ndarray
        (H, W) ids 0..K-1.
    n_labels : int, optional
        K (default: the largest id + 1).
    """
    k = int(labels.max()) + 1 if n_labels is None else n_labels
    w = labels.shape[1]
    flat = labels.ravel()
    right = np.nonzero((labels[:, :-1] != labels[:, 1:]).ravel())[0]
    p_right = (right // (w - 1)) * w + right % (w - 1)
    down = np.nonzero((labels[:-1, :] != labels[1:, :]).ravel())[0]
    p = np.concatenate([p_right, down])
    q = np.concatenate([p_right + 1, down + w])
    a = flat[p].astype(np.int64)
    b = flat[q].astype(np.int64)
    pair, edge_of = np.unique(np.minimum(a, b) * k + np.maximum(a, b), return_inverse=True)
    length = np.bincount(edge_of, minlength=len(pair)).astype(np.float64)
    return LabelAdjacency(pair // k, pair % k, length, p, q, edge_of)
