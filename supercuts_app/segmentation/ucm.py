"""Ultrametric contour maps (UCMs) of a merge tree: by level, and by merge height.

Both put a value on each pixel whose right or lower neighbour lies in another superpixel (the
pixel convention of :func:`~supercuts_app.segmentation.superpixels.label_boundaries`) and 0
elsewhere, the larger of its two neighbours' values where both differ:

* :func:`level_ucm`: 1 + the coarsest level at which the two sides still differ, so ``ucm > l``
  is exactly the border map of level ``l`` (what the window's level slider shows);
* :func:`height_ucm`: the merge height of the two sides (the height of their lowest common
  ancestor in the tree) scaled to 1..65535 by :func:`merge_ucm_values`, so thresholds at any
  height see the whole tree, not only its levels (what ``supercuts hierarchy`` writes);
  :func:`level_ucm_values` gives the value at which it reproduces each level.
"""

from __future__ import annotations

import numpy as np

UCM_MAX_VALUE = 65535
"""Value of a border merging at height 1 (the top of the 16-bit range)."""
HEIGHT_STEPS = UCM_MAX_VALUE - 1
"""Heights 0..1 map to values 1..65535 (``1 + round(h * HEIGHT_STEPS)``); 0 is off the borders."""


def merge_ucm_values(heights: np.ndarray) -> np.ndarray:
    """16-bit UCM value of each merge height: ``1 + round(h * 65534)``, kept strictly ordered.

    Heights are clipped to [0, 1]. Where different heights would round to the same value, the
    higher one is moved up by a step (and values pushed past 65535 back down), so that
    thresholding the map between any two merges reproduces the tree's cut there exactly; a
    value then differs from the plain rounding by as many steps as heights crowd together
    (a few at most on BSDS500 images). With more than 65535 different heights no such order
    exists and the plain rounding is kept.

    Parameters
    ----------
    heights : numpy.ndarray
        Merge heights, any shape.

    Returns
    -------
    numpy.ndarray
        uint16 values in 1..65535, same shape; equal heights get equal values.
    """
    heights = np.asarray(heights, dtype=np.float64)
    distinct, index = np.unique(np.clip(heights, 0.0, 1.0), return_inverse=True)
    rounded = 1 + np.rint(distinct * HEIGHT_STEPS).astype(np.int64)
    n = len(distinct)
    if n > UCM_MAX_VALUE:
        return rounded[index].reshape(heights.shape).astype(np.uint16)
    steps = np.arange(n)
    # Smallest strictly increasing sequence at or above the rounding, then capped so that the
    # last one ends at 65535 at most (both increase by at least 1 per step, so their minimum does).
    raised = steps + np.maximum.accumulate(rounded - steps)
    capped = np.minimum(raised, UCM_MAX_VALUE - (n - 1 - steps))
    return capped[index].reshape(heights.shape).astype(np.uint16)


NEIGHBOUR_VIEWS = (
    ((slice(None), slice(None, -1)), (slice(None), slice(1, None))),
    ((slice(None, -1), slice(None)), (slice(1, None), slice(None))),
)
"""(pixels, their right neighbours) and (pixels, their lower neighbours) as slice pairs."""


def level_ucm(superpixels: np.ndarray, tables: np.ndarray) -> np.ndarray:
    """(H, W) uint16 contour map by level.

    Parameters
    ----------
    superpixels : numpy.ndarray
        (H, W) superpixel ids 0..K-1.
    tables : numpy.ndarray
        (L, K) region of each superpixel at each level (see
        :class:`~supercuts_app.segmentation.hierarchy.MergeHierarchy`).

    Returns
    -------
    numpy.ndarray
        1 + the coarsest level at which the regions on a border pixel's two sides differ; 0 off
        the borders. ``ucm > l`` is the border map of level ``l``.
    """
    out = np.zeros(superpixels.shape, dtype=np.uint16)
    for here, there in NEIGHBOUR_VIEWS:
        a, b = superpixels[here], superpixels[there]
        differ = a != b
        # The coarsest separating level of each pair is the number of levels where they differ.
        levels = (tables[:, a[differ]] != tables[:, b[differ]]).sum(axis=0)
        view = out[here]
        view[differ] = np.maximum(view[differ], levels.astype(np.uint16))
    return out


def pair_merge_steps(
    linkage: np.ndarray, n_leaves: int, first: np.ndarray, second: np.ndarray
) -> np.ndarray:
    """The merge (row of ``linkage``) that first puts each pair of leaves in one cluster.

    ``linkage[steps, 2]`` are the pairs' merge heights (their cophenetic distances).

    Parameters
    ----------
    linkage : numpy.ndarray
        (K-1, 4) scipy linkage matrix of a complete merge tree over ``n_leaves`` leaves.
    n_leaves : int
        K.
    first, second : numpy.ndarray
        (P,) leaf ids of the pairs (different leaves).

    Returns
    -------
    numpy.ndarray
        (P,) int64 rows of ``linkage``.
    """
    first_leaf, second_leaf = first.tolist(), second.tolist()
    steps = [-1] * len(first_leaf)
    # Replays the merges keeping each cluster under one of its leaves' ids (the larger side's),
    # with the pairs still open at that cluster: a merge scans the smaller side's pairs only, so
    # the replay costs O((K + P) log K) instead of a K x K cophenetic matrix.
    owner = np.arange(n_leaves)
    members: dict[int, list[int]] = {leaf: [leaf] for leaf in range(n_leaves)}
    open_pairs: dict[int, list[int]] = {leaf: [] for leaf in range(n_leaves)}
    for pair, (a, b) in enumerate(zip(first_leaf, second_leaf, strict=True)):
        open_pairs[a].append(pair)
        open_pairs[b].append(pair)
    key_of_cluster = list(range(n_leaves))  # cluster id (leaf or n_leaves + step) -> key leaf
    for step in range(len(linkage)):
        one = key_of_cluster[int(linkage[step, 0])]
        two = key_of_cluster[int(linkage[step, 1])]
        if len(members[one]) < len(members[two]):
            one, two = two, one
        kept = open_pairs[one]
        for pair in open_pairs.pop(two):
            if steps[pair] >= 0:
                continue  # closed from its other side
            if owner[first_leaf[pair]] == one or owner[second_leaf[pair]] == one:
                steps[pair] = step
            else:
                kept.append(pair)
        moved = members.pop(two)
        owner[moved] = one
        members[one].extend(moved)
        key_of_cluster.append(one)
    return np.array(steps, dtype=np.int64)


def height_ucm(superpixels: np.ndarray, linkage: np.ndarray) -> np.ndarray:
    """(H, W) uint16 contour map by merge height.

    Parameters
    ----------
    superpixels : numpy.ndarray
        (H, W) superpixel ids 0..K-1, the leaves of ``linkage``.
    linkage : numpy.ndarray
        (K-1, 4) scipy linkage matrix of the complete merge tree, heights in [0, 1].

    Returns
    -------
    numpy.ndarray
        :func:`merge_ucm_values` of the height at which the regions on a border pixel's two
        sides merge (1..65535); 0 off the borders. ``ucm > v`` is the border map of the tree
        with every merge of value at most ``v`` made: the cut at height ``(v - 1) / 65534``, to
        within the few steps by which crowded heights are moved apart.
    """
    n_leaves = len(linkage) + 1
    out = np.zeros(superpixels.shape, dtype=np.uint16)
    views = []
    keys = []
    for here, there in NEIGHBOUR_VIEWS:
        a, b = superpixels[here], superpixels[there]
        differ = a != b
        low = np.minimum(a[differ], b[differ]).astype(np.int64)
        high = np.maximum(a[differ], b[differ]).astype(np.int64)
        views.append((here, differ))
        keys.append(low * n_leaves + high)
    if not sum(len(k) for k in keys):
        return out
    unique, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    merges = pair_merge_steps(linkage, n_leaves, unique // n_leaves, unique % n_leaves)
    values = merge_ucm_values(linkage[:, 2])[merges][inverse]
    start = 0
    for (here, differ), key in zip(views, keys, strict=True):
        view = out[here]
        view[differ] = np.maximum(view[differ], values[start : start + len(key)])
        start += len(key)
    return out


def level_ucm_values(linkage: np.ndarray, region_counts: list[int]) -> np.ndarray:
    """(L,) uint16 threshold of each level in :func:`height_ucm`'s map.

    ``ucm > values[l]`` is exactly the border map of the level with ``region_counts[l]``
    regions, unless its last merge and the next one have the same height (a level whose count
    falls inside a run of equal heights is no cut of the tree at any height); 0 for a level
    with no merge made (the superpixels).

    Parameters
    ----------
    linkage : numpy.ndarray
        (K-1, 4) scipy linkage matrix of the complete merge tree, in merge order.
    region_counts : list of int
        Regions at each level, K - (merges made).
    """
    n_leaves = len(linkage) + 1
    made = n_leaves - np.asarray(region_counts, dtype=np.int64)
    values = np.zeros(len(made), dtype=np.uint16)
    if len(linkage):
        merged = made > 0
        values[merged] = merge_ucm_values(linkage[:, 2])[made[merged] - 1]
    return values
