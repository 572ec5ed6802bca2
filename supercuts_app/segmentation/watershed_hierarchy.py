"""Hierarchies built directly on a boundary probability map with Higra (OWT-UCM style).

The map becomes a 4-adjacency pixel graph whose edge weights are the boundary probability
between two pixels (the larger or the mean of their two values). Two families of hierarchy are
built on it, both returned as a :class:`~supercuts_app.segmentation.hierarchy.MergeHierarchy`
whose leaves ("superpixels") are fine regions and whose levels are cut at geometric region
counts, as the shipped hierarchy's are:

* ``attribute="area" | "volume" | "dynamics"``: Higra's watershed hierarchies, whose leaves are
  the catchment basins of the map and whose merge heights are the extinction values of the
  basins' minima for that attribute;
* ``attribute="frontier"``: OWT-UCM's region merging on the watershed basins, the pair of
  adjacent regions whose common frontier has the lowest mean boundary probability merging first
  (an average-linkage binary partition tree weighted by frontier length).

:func:`frontier_hierarchy` does the same frontier merging on given leaves (e.g. SSN superpixels).

Heights lie in [0, 1]: frontier means and dynamics are probabilities (differences) already, and
area and volume extinction values are log-scaled by the image size (``log1p(v) / log1p(N)``), so
thresholds in [0, 1] cut every image comparably.
"""

from __future__ import annotations

from typing import Literal

import cv2
import higra as hg
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from .hierarchy import MergeHierarchy, geometric_counts, level_tables

Attribute = Literal["area", "volume", "dynamics", "frontier"]
EdgeWeight = Literal["max", "mean"]

ATTRIBUTES: tuple[str, ...] = ("area", "volume", "dynamics", "frontier")
"""Every ``attribute`` :func:`watershed_hierarchy` accepts."""

_WATERSHED_BY = {
    "area": hg.watershed_hierarchy_by_area,
    "volume": hg.watershed_hierarchy_by_volume,
    "dynamics": hg.watershed_hierarchy_by_dynamics,
}
_WEIGHT_FUNCTIONS = {"max": hg.WeightFunction.max, "mean": hg.WeightFunction.mean}


def pixel_graph(
    boundary_prob: np.ndarray, *, edge_weight: EdgeWeight = "max"
) -> tuple[hg.UndirectedGraph, np.ndarray]:
    """4-adjacency graph of a boundary map and the boundary probability of each of its edges.

    Parameters
    ----------
    boundary_prob : numpy.ndarray
        (H, W) probabilities in [0, 1].
    edge_weight : {"max", "mean"}
        How an edge's weight comes from its two pixels: the larger value puts a crest on the
        edges on both sides of a one-pixel-wide boundary, the mean halfway.

    Returns
    -------
    tuple
        The Higra graph and its (E,) float64 edge weights.
    """
    prob = np.asarray(boundary_prob, dtype=np.float64)
    if prob.ndim != 2 or prob.size == 0:
        raise ValueError(f"boundary map must be a non-empty 2-D array, got shape {prob.shape}")
    if edge_weight not in _WEIGHT_FUNCTIONS:
        raise ValueError(f"edge_weight must be one of {sorted(_WEIGHT_FUNCTIONS)}")
    graph = hg.get_4_adjacency_graph(prob.shape)
    return graph, hg.weight_graph(graph, prob, _WEIGHT_FUNCTIONS[edge_weight])


def watershed_hierarchy(
    boundary_prob: np.ndarray,
    *,
    attribute: Attribute = "frontier",
    edge_weight: EdgeWeight = "max",
    min_area: float = 0.0,
    size_prior: float = 0.0,
    max_pixels: int | None = None,
    ratio: float = 1.5,
) -> MergeHierarchy:
    """Watershed hierarchy of a boundary map, its basins as leaves.

    Parameters
    ----------
    boundary_prob : numpy.ndarray
        (H, W) boundary probabilities in [0, 1].
    attribute : {"area", "volume", "dynamics", "frontier"}
        Which hierarchy: a watershed hierarchy by that extinction attribute, or ``"frontier"``
        for merging basins by the mean probability along their frontier (OWT-UCM).
    edge_weight : {"max", "mean"}
        See :func:`pixel_graph`.
    min_area : float
        Regions smaller than this share of the image are removed from the hierarchy (merged
        into a neighbour, Higra's ``filter_small_nodes_from_tree``), leaves included; 0 keeps
        every basin.
    size_prior : float
        ``"frontier"`` only: regions smaller than this share of the image see their frontiers
        discounted (by the square root of the ratio), so that they merge early.
    max_pixels : int, optional
        Working resolution: a larger map is shrunk (area-averaged) to at most this many pixels,
        the hierarchy is built there and its leaves are brought back to the map's size by
        nearest neighbour, which bounds time and memory on large photos.
    ratio : float
        Region count falls by about this factor from one level to the next.

    Returns
    -------
    MergeHierarchy
        Leaves are the basins (ids 0..K-1) left by ``min_area``, heights in [0, 1].
    """
    if attribute not in ATTRIBUTES:
        raise ValueError(f"attribute must be one of {list(ATTRIBUTES)}, got {attribute!r}")
    if size_prior > 0 and attribute != "frontier":
        raise ValueError(f"size_prior applies to frontier merging, not to {attribute!r}")
    prob, full_shape = _working_map(boundary_prob, max_pixels)
    graph, weights = pixel_graph(prob, edge_weight=edge_weight)
    if attribute == "frontier":
        basins = hg.labelisation_watershed(graph, weights)
        if min_area <= 0:
            hierarchy = _frontier_merge(graph, weights, basins, size_prior=size_prior, ratio=ratio)
            return _resized(hierarchy, full_shape)
        rag = hg.make_region_adjacency_graph_from_labelisation(graph, basins)
        if rag.num_vertices() < 2:
            return _single_region(full_shape)
        tree, altitudes = _frontier_tree(rag, weights, size_prior)
    else:
        tree, altitudes = _WATERSHED_BY[attribute](graph, weights)
        if attribute != "dynamics":  # extinction areas and volumes -> log scale in [0, 1]
            altitudes = np.log1p(altitudes) / np.log1p(prob.size)
    if min_area > 0:
        tree, altitudes = hg.filter_small_nodes_from_tree(tree, altitudes, min_area * prob.size)
    hierarchy = _on_basins(graph, hg.saliency(tree, altitudes), ratio=ratio)
    return _resized(hierarchy, full_shape)


def frontier_hierarchy(
    leaves: np.ndarray,
    boundary_prob: np.ndarray,
    *,
    edge_weight: EdgeWeight = "max",
    size_prior: float = 0.0,
    ratio: float = 1.5,
) -> MergeHierarchy:
    """Merge given leaves (e.g. SSN superpixels) by mean boundary probability on frontiers.

    Parameters
    ----------
    leaves : numpy.ndarray
        (H, W) integer ids of connected regions, 0..K-1; they keep their ids as superpixels.
    boundary_prob : numpy.ndarray
        (H, W) boundary probabilities in [0, 1] of the same image.
    edge_weight : {"max", "mean"}
        See :func:`pixel_graph`.
    size_prior : float
        See :func:`watershed_hierarchy`.
    ratio : float
        Region count falls by about this factor from one level to the next.

    Returns
    -------
    MergeHierarchy
        Leaves as given, heights (mean frontier probabilities) in [0, 1].
    """
    leaves = np.asarray(leaves)
    if leaves.shape != np.shape(boundary_prob):
        raise ValueError(f"shape mismatch: {leaves.shape} vs {np.shape(boundary_prob)}")
    graph, weights = pixel_graph(boundary_prob, edge_weight=edge_weight)
    return _frontier_merge(graph, weights, leaves, size_prior=size_prior, ratio=ratio)


def relative_heights(hierarchy: MergeHierarchy) -> MergeHierarchy:
    """The same hierarchy with its merge heights divided by the last (top) one.

    Parameters
    ----------
    hierarchy : MergeHierarchy
        Any hierarchy with heights >= 0.

    Returns
    -------
    MergeHierarchy
        Heights in [0, 1] with the whole image at 1, so that a threshold cuts images of strong
        and of faint boundaries at a comparable depth of their own trees.
    """
    linkage = hierarchy.linkage.copy()
    if len(linkage) and linkage[-1, 2] > 0:
        linkage[:, 2] /= linkage[-1, 2]
    return MergeHierarchy(hierarchy.superpixels, hierarchy.tables, linkage)


def _working_map(
    boundary_prob: np.ndarray, max_pixels: int | None
) -> tuple[np.ndarray, tuple[int, int]]:
    """The map shrunk to at most ``max_pixels`` (if given), and its original shape."""
    prob = np.asarray(boundary_prob, dtype=np.float32)
    if prob.ndim != 2 or prob.size == 0:
        raise ValueError(f"boundary map must be a non-empty 2-D array, got shape {prob.shape}")
    height, width = prob.shape
    scale = 1.0 if max_pixels is None else min(1.0, (max_pixels / prob.size) ** 0.5)
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        prob = cv2.resize(prob, size, interpolation=cv2.INTER_AREA)
    return prob, (height, width)


def _resized(hierarchy: MergeHierarchy, shape: tuple[int, int]) -> MergeHierarchy:
    if hierarchy.superpixels.shape == shape:
        return hierarchy
    # Nearest neighbour keeps every id a valid leaf; a tiny basin may vanish, which only leaves
    # an unused leaf in the tables.
    big = cv2.resize(hierarchy.superpixels, shape[::-1], interpolation=cv2.INTER_NEAREST)
    return MergeHierarchy(big.astype(np.int32), hierarchy.tables, hierarchy.linkage)


def _frontier_merge(
    graph: hg.UndirectedGraph,
    weights: np.ndarray,
    leaves: np.ndarray,
    *,
    size_prior: float,
    ratio: float,
) -> MergeHierarchy:
    """Average-linkage merging of the leaves' region graph, weighted by frontier length."""
    rag = hg.make_region_adjacency_graph_from_labelisation(graph, leaves)
    if rag.num_vertices() < 2:
        return _single_region(leaves.shape)
    tree, altitudes = _frontier_tree(rag, weights, size_prior)
    return _merge_hierarchy(rag, tree, altitudes, leaves, ratio=ratio)


def _frontier_tree(
    rag: hg.UndirectedGraph, weights: np.ndarray, size_prior: float = 0.0
) -> tuple[hg.Tree, np.ndarray]:
    """Average-linkage tree of a region graph: regions meet at the length-weighted mean of the
    pixel edge weights along their frontier, which stays exact as frontiers join.

    With ``size_prior`` > 0, a frontier's mean is scaled by ``sqrt(min(1, a / (size_prior N)))``
    with ``a`` the smaller region's area and ``N`` the pixel count, so specks merge before a
    faint frontier between large regions."""
    frontier_mean = hg.rag_accumulate_on_edges(rag, hg.Accumulators.mean, weights)
    frontier_length = hg.rag_accumulate_on_edges(rag, hg.Accumulators.counter, weights)
    frontier_length = frontier_length.astype(np.float64)
    if size_prior <= 0:
        return hg.binary_partition_tree_average_linkage(rag, frontier_mean, frontier_length)
    n = rag.num_vertices()
    area = np.zeros(2 * n - 1)
    area[:n] = hg.attribute_vertex_area(rag)
    scale = size_prior * area[:n].sum()
    frontier_sum = frontier_mean * frontier_length

    def discount(a: float | np.ndarray) -> float | np.ndarray:
        return np.sqrt(np.minimum(1.0, a / scale))

    def relink(graph, fusion_edge, new_region, first, second, new_neighbours) -> None:
        area[new_region] = area[first] + area[second]
        for neighbour in new_neighbours:
            edge = neighbour.first_edge_index()
            total, length = frontier_sum[edge], frontier_length[edge]
            if neighbour.num_edges() == 2:
                other = neighbour.second_edge_index()
                total, length = total + frontier_sum[other], length + frontier_length[other]
            new_edge = neighbour.new_edge_index()
            frontier_sum[new_edge], frontier_length[new_edge] = total, length
            smaller = min(area[new_region], area[neighbour.neighbour_vertex()])
            neighbour.set_new_edge_weight(total / length * discount(smaller))

    sources, targets = rag.edge_list()
    initial = frontier_mean * discount(np.minimum(area[sources], area[targets]))
    tree, altitudes = hg.binary_partition_tree(rag, relink, initial)
    # Growing regions lose their discount, so a merge can come out lower than an earlier one.
    return tree, hg.tree_monotonic_regression(tree, altitudes, "max")


def _on_basins(graph: hg.UndirectedGraph, saliency: np.ndarray, *, ratio: float) -> MergeHierarchy:
    """The hierarchy of an ultrametric on the pixel edges, on its basins (the regions joined
    by edges of height 0)."""
    sources, targets = graph.edge_list()
    flat = saliency == 0
    n_pixels = graph.num_vertices()
    joined = sparse.coo_matrix(
        (np.ones(int(flat.sum()), np.int8), (sources[flat], targets[flat])),
        shape=(n_pixels, n_pixels),
    )
    _, basins = connected_components(joined, directed=False)
    shape = tuple(hg.CptGridGraph.get_shape(graph))
    basins = basins.reshape(shape)
    rag = hg.make_region_adjacency_graph_from_labelisation(graph, basins)
    if rag.num_vertices() < 2:
        return _single_region(shape)
    # Two adjacent basins are separated by the same ultrametric distance all along their
    # frontier, and the canonical BPT of an ultrametric reproduces it exactly.
    frontier_height = hg.rag_accumulate_on_edges(rag, hg.Accumulators.max, saliency)
    region_tree, region_altitudes = hg.bpt_canonical(rag, frontier_height)
    return _merge_hierarchy(rag, region_tree, region_altitudes, basins, ratio=ratio)


def _merge_hierarchy(
    rag: hg.UndirectedGraph,
    tree: hg.Tree,
    altitudes: np.ndarray,
    leaves: np.ndarray,
    *,
    ratio: float,
) -> MergeHierarchy:
    """MergeHierarchy of a binary tree over the RAG's vertices, keeping the caller's leaf ids
    where they are already 0..K-1 connected regions."""
    n = rag.num_vertices()
    vertex_of_pixel = np.asarray(rag.vertex_map).reshape(leaves.shape)
    # scipy's fourth column counts leaves (Higra's default would count the pixels under them).
    leaf_counts = hg.attribute_area(tree, vertex_area=np.ones(n))
    linkage = hg.binary_hierarchy_to_scipy_linkage_matrix(tree, altitudes, leaf_counts)
    # Floating-point sums can make an average-linkage height dip a hair below the previous one;
    # scipy's cuts need monotone heights.
    linkage[:, 2] = np.maximum.accumulate(np.clip(linkage[:, 2], 0.0, 1.0))
    label_of_vertex = _caller_ids(np.asarray(leaves), vertex_of_pixel, n)
    if label_of_vertex is None:
        superpixels = vertex_of_pixel.astype(np.int32)
    else:
        is_leaf = linkage[:, :2] < n
        linkage[:, :2][is_leaf] = label_of_vertex[linkage[:, :2][is_leaf].astype(np.int64)]
        superpixels = np.asarray(leaves, dtype=np.int32)
    tables = level_tables(linkage, n, geometric_counts(n, ratio=ratio))
    return MergeHierarchy(superpixels, tables, linkage)


def _caller_ids(leaves: np.ndarray, vertex_of_pixel: np.ndarray, n: int) -> np.ndarray | None:
    """Caller's id of each RAG vertex, or None unless the ids are 0..n-1, one region each."""
    if not np.issubdtype(leaves.dtype, np.integer) or leaves.min() != 0 or leaves.max() != n - 1:
        return None
    label_of_vertex = np.empty(n, dtype=np.int64)
    label_of_vertex[vertex_of_pixel.ravel()] = leaves.ravel()
    return label_of_vertex if len(np.unique(label_of_vertex)) == n else None


def _single_region(shape: tuple[int, ...]) -> MergeHierarchy:
    return MergeHierarchy(np.zeros(shape, np.int32), np.zeros((1, 1), np.int32), np.zeros((0, 4)))
