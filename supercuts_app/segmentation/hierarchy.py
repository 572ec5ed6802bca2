"""Nested granularity levels: spectral merging of superpixels into a complete merge tree.

Every edge of the region graph gets a boundary score: a learned local probability that the two
superpixels lie in different segments (from colour, deep features, border gradient; see
:mod:`~supercuts_app.segmentation.edge_model`), blended with the distance between the two
superpixels in a spectral embedding (eigenvectors of the normalised Laplacian of the affinity
graph), which carries the global picture, as in gPb's spectral component. Regions then merge
greedily along their weakest shared border (border-length-weighted mean score, as in OWT-UCM),
which gives a complete merge tree with monotone heights, i.e. an ultrametric. Levels are cuts of
that tree at region counts falling geometrically from the superpixel count to 1, so the slider
feels even, and moving between levels is a table lookup.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg, sparse
from scipy.cluster.hierarchy import fcluster
from scipy.sparse.csgraph import laplacian

from . import ucm as contour_maps
from .edge_features import edge_features, pair_features
from .edge_model import EdgeModel, handset_boundary_probability
from .region_graph import RegionGraph, RegionStats

DEFAULT_SPECTRAL_WEIGHT = 0.0
"""Share of the spectral distance in an edge's score (chosen on BSDS500 val)."""
DEFAULT_REGION_WEIGHT = 0.2
"""Share of the whole-region score in a border's score while merging (chosen on BSDS500 val)."""

# While merging, each border between two regions carries running sums, every one weighted by
# border length so that a merged border's statistics are length-weighted means: the fields below
# index those sums (plain lists of floats, as the merge loop is Python).
SCORE_SUM = 0
"""Sum of edge score x length."""
LENGTH_SUM = 1
"""Total border length."""
GRADIENT_SUM = 2
"""Sum of border gradient x length."""
FIRST_CUE_SUM = 3
"""Sum of each border cue x length, one field per cue from here on (when rescoring)."""


def spectral_embedding(
    graph: RegionGraph, affinity: np.ndarray, *, n_vectors: int = 8
) -> np.ndarray:
    """(K, d) embedding from the smallest non-trivial eigenvectors of the normalised Laplacian.

    Each eigenvector is divided by the square root of its eigenvalue, so the smoothest ones (the
    coarse structure of the image) weigh most.
    """
    k = graph.n_nodes
    d = min(n_vectors, k - 2)
    if d < 1:
        return np.zeros((k, 1))
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    w = sparse.coo_matrix((affinity, (i, j)), shape=(k, k))
    w = (w + w.T).tocsr()
    lap = laplacian(w, normed=True)
    if k <= 2000:
        vals, vecs = linalg.eigh(lap.toarray(), subset_by_index=[0, d], driver="evr")
    else:
        from scipy.sparse.linalg import eigsh

        vals, vecs = eigsh(lap, k=d + 1, sigma=-1e-3, which="LM")
        order = np.argsort(vals)
        vals, vecs = vals[order], vecs[:, order]
    vals, vecs = vals[1:], vecs[:, 1:]
    return vecs / np.sqrt(np.maximum(vals, 1e-6))[None, :]


def edge_scores(
    graph: RegionGraph,
    *,
    model: EdgeModel | None = None,
    spectral_weight: float = DEFAULT_SPECTRAL_WEIGHT,
    n_vectors: int = 8,
) -> np.ndarray:
    """(E,) boundary score in [0, 1] of every edge: local probability blended with spectral."""
    feats = edge_features(graph)
    if model is None:
        local = handset_boundary_probability(feats)
    else:
        local = model.score_graph(graph, feats)
    if spectral_weight <= 0 or graph.n_nodes < 4:
        return local
    embedding = spectral_embedding(graph, 1.0 - local + 1e-3, n_vectors=n_vectors)
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    dist = np.linalg.norm(embedding[i] - embedding[j], axis=1)
    # Relative to the largest jump: smooth areas stay near 0 and true cuts near 1.
    spectral = dist / max(float(dist.max()), 1e-12)
    return (1.0 - spectral_weight) * local + spectral_weight * spectral


def greedy_merge(
    graph: RegionGraph,
    scores: np.ndarray,
    *,
    model: EdgeModel | None = None,
    region_weight: float = 0.0,
) -> np.ndarray:
    """Merge along the weakest border until one region remains.

    The score between two regions is the border-length-weighted mean of the scores of the
    superpixel edges between them, optionally blended (``region_weight``) with ``model``'s score
    of the two merged regions as wholes (their mean colour, deep feature and histograms), which
    sees contrasts that only show at coarse scales. Heights are kept monotone (never below the
    previous merge), so the tree is an ultrametric. Returns a scipy linkage matrix (K-1, 4):
    merged ids, height, size.
    """
    k = graph.n_nodes
    rescore = model is not None and region_weight > 0
    stats = RegionStats(graph) if rescore else None
    # neighbours[r][s]: the running sums (SCORE_SUM, LENGTH_SUM, ...) of the borders r-s.
    length = graph.border_length
    sums = [scores * length, length, graph.border_gradient * length]  # in field order
    if rescore and graph.border_cues is not None:
        sums.extend(graph.border_cues.T * length)
    width = len(sums)
    neighbours: dict[int, dict[int, list[float]]] = {r: {} for r in range(k)}
    for (a, b), row in zip(graph.edges.tolist(), np.column_stack(sums).tolist(), strict=True):
        entry = neighbours[b].get(a)
        if entry is None:
            neighbours[a][b] = neighbours[b][a] = row
        else:  # a repeated pair (not made by region_graph): add up
            for t in range(width):
                entry[t] += row[t]
    # Per region: sum of gradient*length and of length over all its borders ("typical" gradient).
    typ_gl = np.zeros(2 * k)
    typ_len = np.zeros(2 * k)
    np.add.at(
        typ_gl, graph.edges.ravel(), np.repeat(graph.border_gradient * graph.border_length, 2)
    )
    np.add.at(typ_len, graph.edges.ravel(), np.repeat(graph.border_length, 2))
    # A merge leaves every other region's borders (and so its typical gradient) unchanged.
    typical = typ_gl / np.maximum(typ_len, 1e-9)
    heap = [
        (row[SCORE_SUM] / row[LENGTH_SUM], a, b)
        for a in range(k)
        for b, row in neighbours[a].items()
        if a < b
    ]
    heapq.heapify(heap)
    size = {r: 1 for r in range(k)}
    alive = set(range(k))
    rows: list[tuple[int, int, float, int]] = []
    next_id = k
    last = 0.0
    while heap and len(alive) > 1:
        cost, a, b = heapq.heappop(heap)
        if a not in alive or b not in alive:
            continue
        last = max(last, cost)
        new = next_id
        next_id += 1
        inner = neighbours[a][b]
        typ_gl[new] = typ_gl[a] + typ_gl[b] - 2 * inner[GRADIENT_SUM]
        typ_len[new] = typ_len[a] + typ_len[b] - 2 * inner[LENGTH_SUM]
        typical[new] = typ_gl[new] / max(typ_len[new], 1e-9)
        merged: dict[int, list[float]] = {}
        for old in (a, b):
            for c, entry in neighbours.pop(old).items():
                neighbours[c].pop(old, None)
                if c in (a, b):
                    continue
                acc = merged.get(c)
                if acc is None:
                    merged[c] = entry
                else:
                    merged[c] = [x + y for x, y in zip(acc, entry, strict=True)]
        neighbours[new] = {}
        for c, entry in merged.items():
            neighbours[new][c] = entry
            neighbours[c][new] = entry
        costs = [entry[SCORE_SUM] / entry[LENGTH_SUM] for entry in merged.values()]
        if rescore and merged:
            stats.merge(a, b, new)
            others = np.fromiter(merged.keys(), dtype=np.intp)
            entries = np.array(list(merged.values()))
            lengths = entries[:, LENGTH_SUM]
            feats = pair_features(
                stats,
                np.full(len(others), new),
                others,
                entries[:, GRADIENT_SUM] / lengths,
                lengths,
                typical,
                entries[:, FIRST_CUE_SUM:] / lengths[:, None] if width > FIRST_CUE_SUM else None,
            )
            whole = model.predict(feats)
            costs = list((1 - region_weight) * np.asarray(costs) + region_weight * whole)
        for c, cost_c in zip(merged, costs, strict=True):
            heapq.heappush(heap, (max(cost_c, last), min(c, new), max(c, new)))
        alive -= {a, b}
        alive.add(new)
        size[new] = size.pop(a) + size.pop(b)
        rows.append((a, b, last, size[new]))
    if len(alive) > 1:  # a disconnected graph: join the pieces at the top
        roots = sorted(alive)
        top = max(last, 1.0)
        cur = roots[0]
        for other in roots[1:]:
            new = next_id
            next_id += 1
            size[new] = size.pop(cur) + size.pop(other)
            rows.append((cur, other, top, size[new]))
            cur = new
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


def geometric_counts(n_superpixels: int, *, ratio: float = 1.5) -> list[int]:
    """Region counts from ``n_superpixels`` down to 1, each about ``ratio`` times smaller."""
    if n_superpixels <= 1:
        return [1]
    steps = max(1, math.ceil(math.log(n_superpixels) / math.log(ratio)))
    counts = np.round(n_superpixels ** (1.0 - np.arange(steps + 1) / steps)).astype(int)
    out: list[int] = []
    for c in counts:
        if not out or c < out[-1]:
            out.append(int(c))
    if out[-1] != 1:
        out.append(1)
    return out


def level_tables(linkage: np.ndarray, n_leaves: int, counts: list[int]) -> np.ndarray:
    """(L, K) region id of each leaf when the merge tree is cut at each of ``counts`` regions.

    Replays the merges once, keeping each cluster's leaves (smaller list appended to larger),
    and numbers the clusters alive at each cut 0..n-1 in order of their smallest leaf.
    """
    members: dict[int, list[int]] = {i: [i] for i in range(n_leaves)}
    tables = np.empty((len(counts), n_leaves), dtype=np.int32)
    step = 0
    for row, count in enumerate(counts):
        while step < n_leaves - count:
            a, b = int(linkage[step, 0]), int(linkage[step, 1])
            ma, mb = members.pop(a), members.pop(b)
            if len(ma) < len(mb):
                ma, mb = mb, ma
            ma.extend(mb)
            members[n_leaves + step] = ma
            step += 1
        for region, leaves in enumerate(sorted(members.values(), key=min)):
            tables[row, leaves] = region
    return tables


@dataclass
class MergeHierarchy:
    """Nested segmentations of one image, from superpixels (level 0) to one region.

    Attributes
    ----------
    superpixels : numpy.ndarray
        (H, W) int32 superpixel ids 0..K-1.
    tables : numpy.ndarray
        (L, K) int32; ``tables[l, s]`` is the region of superpixel ``s`` at level ``l``,
        regions numbered 0..n_l-1.
    linkage : numpy.ndarray
        (K-1, 4) scipy linkage matrix of the complete merge tree (monotone heights).
    """

    superpixels: np.ndarray
    tables: np.ndarray
    linkage: np.ndarray

    @property
    def n_levels(self) -> int:
        return int(self.tables.shape[0])

    @property
    def region_counts(self) -> list[int]:
        """Number of regions at each level (strictly decreasing)."""
        return [int(t.max()) + 1 for t in self.tables]

    def labels_at(self, level: int) -> np.ndarray:
        """(H, W) region ids at ``level`` (0 = superpixels)."""
        return self.tables[self._check(level)][self.superpixels]

    def region_at(self, level: int, y: int, x: int) -> int:
        """Region id under pixel (y, x) at ``level``."""
        return int(self.tables[self._check(level), self.superpixels[y, x]])

    def superpixels_of(self, level: int, region: int) -> np.ndarray:
        """Superpixel ids making up ``region`` at ``level``."""
        return np.nonzero(self.tables[self._check(level)] == region)[0]

    def mask_of(
        self, level: int, region: int, window: tuple[slice, slice] | None = None
    ) -> np.ndarray:
        """(H, W) bool mask of ``region`` at ``level``: what a click adds to an annotation.

        With ``window`` (a rectangle holding the region) only that crop is computed and
        returned, so a click costs time in proportion to the region, not to the image."""
        inside = self.tables[self._check(level)] == region
        return inside[self.superpixels if window is None else self.superpixels[window]]

    def children(self, level: int, region: int) -> list[int]:
        """Regions of ``level - 1`` whose union is ``region`` (empty at level 0)."""
        if self._check(level) == 0:
            return []
        return np.unique(self.tables[level - 1][self.superpixels_of(level, region)]).tolist()

    def parent(self, level: int, region: int) -> int | None:
        """Region of ``level + 1`` containing ``region`` (None at the top level)."""
        if self._check(level) == self.n_levels - 1:
            return None
        member = self.superpixels_of(level, region)[0]
        return int(self.tables[level + 1, member])

    def labels_at_height(self, height: float) -> np.ndarray:
        """(H, W) regions left after all merges at or below ``height`` (for threshold sweeps)."""
        k = self.tables.shape[1]
        if k == 1:
            return np.zeros_like(self.superpixels)
        table = fcluster(self.linkage, t=height, criterion="distance") - 1
        return table[self.superpixels]

    def ucm(self) -> np.ndarray:
        """(H, W) uint16 contour map by level index (the window's level slider).

        A pixel on a region border holds 1 + the coarsest level at which the regions on its two
        sides (right or below) still differ; 0 elsewhere. See :func:`~.ucm.level_ucm`.
        """
        return contour_maps.level_ucm(self.superpixels, self.tables)

    def height_ucm(self) -> np.ndarray:
        """(H, W) uint16 contour map by merge height (what ``supercuts hierarchy`` writes).

        A pixel on a region border holds the height at which the regions on its two sides merge,
        scaled to 1..65535 (see :func:`~.ucm.merge_ucm_values`); 0 elsewhere.
        """
        return contour_maps.height_ucm(self.superpixels, self.linkage)

    def height_ucm_levels(self) -> np.ndarray:
        """(L,) uint16: ``height_ucm() > height_ucm_levels()[l]`` is the border map of level
        ``l`` (see :func:`~.ucm.level_ucm_values` for the one exception, tied heights)."""
        return contour_maps.level_ucm_values(self.linkage, self.region_counts)

    def level_heights(self) -> np.ndarray:
        """(L,) float64 height of the last merge made to reach each level (0 at level 0).

        Cutting the tree at ``level_heights()[l]`` (see :meth:`labels_at_height`) gives level
        ``l`` unless the next merge has the same height (a level's region count can fall inside
        a run of equal heights).
        """
        made = self.tables.shape[1] - np.array(self.region_counts)
        heights = np.zeros(self.n_levels)
        heights[made > 0] = self.linkage[made[made > 0] - 1, 2]
        return heights

    def _check(self, level: int) -> int:
        if not 0 <= level < self.n_levels:
            raise IndexError(f"level {level} outside 0..{self.n_levels - 1}")
        return level


def build_hierarchy(
    superpixels: np.ndarray,
    graph: RegionGraph,
    *,
    model: EdgeModel | None = None,
    spectral_weight: float = DEFAULT_SPECTRAL_WEIGHT,
    region_weight: float = DEFAULT_REGION_WEIGHT,
    ratio: float = 1.5,
) -> MergeHierarchy:
    """Merge tree and levels of a superpixel map given its region graph.

    Parameters
    ----------
    superpixels : numpy.ndarray
        (H, W) ids 0..K-1.
    graph : RegionGraph
        From :func:`supercuts_app.segmentation.region_graph.region_graph` on the same labels.
    model : EdgeModel, optional
        Learned edge scoring; hand-set weights when None.
    spectral_weight : float
        Share of the spectral distance in each edge's score.
    region_weight : float
        Share of the model's score of whole merged regions in a border's score (needs ``model``).
    ratio : float
        Region count falls by about this factor from one level to the next.
    """
    if model is not None:
        model.check_features()
    k = graph.n_nodes
    if k == 1:
        return MergeHierarchy(
            np.asarray(superpixels, dtype=np.int32), np.zeros((1, 1), np.int32), np.zeros((0, 4))
        )
    scores = edge_scores(graph, model=model, spectral_weight=spectral_weight)
    z = greedy_merge(graph, scores, model=model, region_weight=region_weight)
    tables = level_tables(z, k, geometric_counts(k, ratio=ratio))
    # The superpixel map is shared, not copied: at 24 MP a copy is 96 MB.
    return MergeHierarchy(np.asarray(superpixels, dtype=np.int32), tables, z)
