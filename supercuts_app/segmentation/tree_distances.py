"""Ultrametric distances in a merge tree: the height at which two leaves first share a region."""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import leaves_list

from .ucm import pair_merge_steps


class TreeDistances:
    """Ultrametric (merge height of the lowest common ancestor) distances in a merge tree.

    Leaves are put in dendrogram order so that every node's leaves are one run of it; the
    distances from one leaf then cost one walk up to the root."""

    def __init__(self, linkage: np.ndarray, n_leaves: int) -> None:
        self.n_leaves = k = n_leaves
        self.linkage = linkage
        self.parent = np.full(2 * k - 1, -1, np.int64)
        self.height = np.zeros(2 * k - 1)
        self.start = np.zeros(2 * k - 1, np.int64)
        self.stop = np.zeros(2 * k - 1, np.int64)
        if k == 1:
            self.position = np.zeros(1, np.int64)
            self.stop[0] = 1
            return
        order = leaves_list(linkage)
        self.position = np.empty(k, np.int64)
        self.position[order] = np.arange(k)
        self.start[:k] = self.position
        self.stop[:k] = self.position + 1
        children = linkage[:, :2].astype(np.int64)
        for step, (a, b) in enumerate(children.tolist()):
            node = k + step
            self.parent[a] = self.parent[b] = node
            self.height[node] = linkage[step, 2]
            self.start[node] = min(self.start[a], self.start[b])
            self.stop[node] = max(self.stop[a], self.stop[b])

    def distances_from(self, leaf: int) -> np.ndarray:
        """(K,) merge height at which each leaf joins ``leaf`` (0 for itself)."""
        in_order = np.zeros(self.n_leaves)
        node = leaf
        lo, hi = self.start[leaf], self.stop[leaf]
        while self.parent[node] >= 0:
            node = self.parent[node]
            in_order[self.start[node] : lo] = self.height[node]
            in_order[hi : self.stop[node]] = self.height[node]
            lo, hi = self.start[node], self.stop[node]
        return in_order[self.position]

    def pair_heights(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """(P,) merge heights of leaf pairs."""
        if self.n_leaves == 1 or len(first) == 0:
            return np.zeros(len(first))
        steps = pair_merge_steps(self.linkage, self.n_leaves, first, second)
        return self.linkage[steps, 2]
