"""Object and part proposals by spectral methods on superpixels.

In the manner of Deep Spectral Methods (Melas-Kyriazi et al., CVPR 2022) and TokenCut, but with
superpixels instead of ViT patches as the graph's nodes, so every proposal already follows the
superpixel boundaries the window draws:

- **objects**: an affinity over all superpixel pairs from the backbone's features (cosine,
  rectified) plus a colour-and-position term; the generalised eigenvectors of its
  Laplacian (``(D - W) v = lambda D v``, superpixel areas as node weights); candidates from the
  Fiedler vector's split (the side touching the image border most is background), from that
  split repeated on what is left, and from k-means on the leading eigenvectors with the eigengap
  choosing k; each candidate scored by how cleanly it is cut from the rest and how little it
  touches the border;
- **parts** of one object mask: spectral clustering of the object's superpixels on deep
  features, colour and position into ``k`` parts (given, or chosen by the eigengap).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import linalg
from scipy.cluster.vq import kmeans2
from scipy.sparse.csgraph import connected_components

from supercuts_app.base.boxes import NOWHERE, Slice2D, mask_bbox, shift_box

from .proposal_features import SuperpixelFeatures


@dataclass
class Proposal:
    """A suggested object (with suggested ``parts``) or part: its pixels as the crop ``crop`` at
    ``box`` of an image of ``shape`` (no whole-image mask, so big photos stay cheap), and a score
    in [0, 1]."""

    crop: np.ndarray  # (h, w) bool
    box: Slice2D
    shape: tuple[int, int]
    score: float
    parts: list[Proposal] = field(default_factory=list)

    @classmethod
    def from_mask(cls, mask: np.ndarray, score: float) -> Proposal:
        """A proposal of a whole-image (H, W) mask, cropped to its pixels."""
        box = mask_bbox(mask) or NOWHERE
        return cls(mask[box].copy(), box, mask.shape, score)

    def full_mask(self) -> np.ndarray:
        """The (H, W) bool mask (a new whole-image array)."""
        out = np.zeros(self.shape, bool)
        out[self.box] = self.crop
        return out


def object_affinity(f: SuperpixelFeatures, *, colour_weight: float = 1.0) -> np.ndarray:
    """(K, K) affinity: rectified cosine of the deep features (all levels: the deepest alone
    bleed over object borders) plus a colour-and-position kernel."""
    deep = f.deep / np.maximum(np.linalg.norm(f.deep, axis=1, keepdims=True), 1e-9)
    w = np.maximum(deep @ deep.T, 0.0)
    d_col = _sq_dists(f.colour / 20.0)
    d_pos = _sq_dists(f.centre / 0.1)
    w = w + colour_weight * np.exp(-d_col - d_pos)
    np.fill_diagonal(w, 0.0)
    return w


def spectral_vectors(
    affinity: np.ndarray, weights: np.ndarray, n_vectors: int
) -> tuple[np.ndarray, np.ndarray]:
    """Smallest eigenpairs of ``(D - W) v = lambda D v``, with D the weighted degree.

    ``weights`` (K,) scale each node (its area share): a big superpixel counts as much as the
    pixels it holds. Returns eigenvalues (n,) and eigenvectors (K, n), the trivial one first.
    """
    wn = weights / weights.mean()
    w = affinity * wn[:, None] * wn[None, :]
    d = w.sum(axis=1) + 1e-9
    lap = np.diag(d) - w
    n = min(n_vectors, len(d) - 1)
    vals, vecs = linalg.eigh(lap, np.diag(d), subset_by_index=[0, max(n - 1, 0)])
    return vals, vecs


def eigengap_k(vals: np.ndarray, k_min: int = 2, k_max: int = 6) -> int:
    """Number of clusters at the largest gap between consecutive eigenvalues."""
    k_max = min(k_max, len(vals) - 1)
    if k_max < k_min:
        return k_min
    gaps = np.diff(vals[: k_max + 1])
    return int(k_min + np.argmax(gaps[k_min - 1 : k_max]))


def hierarchy_regions(tree, max_regions: int = 40) -> list[np.ndarray]:
    """Superpixel ids of every region of the levels with at most ``max_regions`` regions: more
    candidates for :func:`propose_objects`, with borders the learned hierarchy drew."""
    out = []
    for level in range(tree.n_levels):
        if tree.region_counts[level] <= max_regions:
            table = tree.tables[level]
            out.extend(np.nonzero(table == r)[0] for r in range(int(table.max()) + 1))
    return out


def propose_objects(
    f: SuperpixelFeatures,
    n_objects: int = 5,
    *,
    regions: list[np.ndarray] | None = None,
    seed: int = 0,
) -> list[Proposal]:
    """Up to ``n_objects`` object proposals, best first.

    ``regions`` (superpixel id arrays, e.g. :func:`hierarchy_regions`) join the spectral
    candidates and are scored the same way."""
    k = f.n
    if k < 3:
        return []
    w = object_affinity(f)
    vals, vecs = spectral_vectors(w, f.area, 8)
    candidates: list[np.ndarray] = []
    # The Fiedler split, then the same split of what is left (further objects).
    remaining = np.ones(k, bool)
    for _ in range(3):
        idx = np.nonzero(remaining)[0]
        if len(idx) < 3:
            break
        sub_vals, sub_vecs = spectral_vectors(w[np.ix_(idx, idx)], f.area[idx], 2)
        # D-orthogonal to the constant vector, the Fiedler vector splits at zero (its sign).
        side = sub_vecs[:, 1] > 0
        fg = idx[side] if _border_share(f, idx[side]) < _border_share(f, idx[~side]) else idx[~side]
        candidates.extend(_components(f, fg))
        remaining[fg] = False
    # k-means on the leading eigenvectors: the eigengap's k and its neighbours.
    best = eigengap_k(vals)
    rng = np.random.default_rng(seed)
    for n_clusters in sorted({2, best, min(best + 1, 7)}):
        emb = vecs[:, 1 : n_clusters + 1]
        emb = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)
        _, assign = kmeans2(emb, n_clusters, minit="++", seed=rng, missing="warn")
        for c in range(n_clusters):
            candidates.extend(_components(f, np.nonzero(assign == c)[0]))
    candidates.extend(regions or [])
    scored = []
    total = f.area.sum()
    for members in candidates:
        share = f.area[members].sum() / total
        if share < 0.005 or share > 0.9:
            continue
        scored.append((_objectness(f, w, members), members))
    return _top_distinct(f, scored, n_objects)


def propose_parts(
    f: SuperpixelFeatures,
    object_mask: np.ndarray,
    k: int | None = None,
    *,
    box: Slice2D | None = None,
    seed: int = 0,
) -> list[Proposal]:
    """Split an object into ``k`` part proposals (``k`` by eigengap when None).

    Parameters
    ----------
    f : SuperpixelFeatures
        The image's superpixel features.
    object_mask : np.ndarray
        The object's bool mask: the whole image's, or its crop at ``box``.
    k : int, optional
        Number of parts (None: chosen by the eigengap, 2 to 6).
    box : tuple of slice, optional
        Where ``object_mask`` lies in the image (None: it is the whole image's mask).
    seed : int
        Seed of the k-means.

    Returns
    -------
    list of Proposal
        Parts inside the object, best score first (none for an object of under two nodes).
    """
    if box is None:
        box = (slice(0, object_mask.shape[0]), slice(0, object_mask.shape[1]))
    under = f.superpixels[box]
    k_all = len(f.node_of)
    inside = np.bincount(
        f.node_of, np.bincount(under[object_mask], minlength=k_all), minlength=f.n
    ).astype(np.float64)
    members = np.nonzero(inside >= 0.5 * np.maximum(f.area, 1))[0]
    if len(members) < 2:
        return []
    feats = np.concatenate(
        [f.deep[members], f.colour[members] / 10.0, f.centre[members] / 0.1], axis=1
    )
    d = _sq_dists(feats)
    sigma2 = np.median(d[d > 0]) if (d > 0).any() else 1.0
    w = np.exp(-d / sigma2)
    np.fill_diagonal(w, 0.0)
    vals, vecs = spectral_vectors(w, inside[members], min(8, len(members)))
    n = k if k is not None else eigengap_k(vals, 2, 6)
    n = max(1, min(n, len(members)))
    emb = vecs[:, 1 : n + 1] if n > 1 else vecs[:, :1]
    emb = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)
    _, assign = kmeans2(emb, n, minit="++", seed=np.random.default_rng(seed), missing="warn")
    shape = f.superpixels.shape
    parts = []
    for c in range(n):
        chosen = members[assign == c]
        if len(chosen) == 0:
            continue
        crop = np.isin(f.node_of, chosen)[under] & object_mask
        tight = mask_bbox(crop)
        if tight is None:
            continue
        local = np.isin(members, chosen)
        cut = w[local][:, ~local].sum()
        vol = w[local].sum() + 1e-9
        where = shift_box(tight, box[0].start, box[1].start)
        parts.append(Proposal(crop[tight], where, shape, float(1.0 - cut / vol)))
    parts.sort(key=lambda p: -p.score)
    return parts


def _sq_dists(x: np.ndarray) -> np.ndarray:
    sq = (x * x).sum(axis=1)
    return np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0.0)


def _border_share(f: SuperpixelFeatures, members: np.ndarray) -> float:
    """Share of the image's edge pixels that ``members`` cover, per unit of area covered."""
    if len(members) == 0:
        return np.inf
    return float(f.border[members].sum() / f.border.sum()) / max(
        float(f.area[members].sum() / f.area.sum()), 1e-9
    )


def _components(f: SuperpixelFeatures, members: np.ndarray) -> list[np.ndarray]:
    """Connected pieces (through touching superpixels) of a set of superpixels."""
    if len(members) == 0:
        return []
    sub = f.adjacency[members][:, members]
    n, labels = connected_components(sub, directed=False)
    return [members[labels == c] for c in range(n)]


def _objectness(f: SuperpixelFeatures, w: np.ndarray, members: np.ndarray) -> float:
    """How cleanly ``members`` is cut from the rest in the affinity (1 - cut / volume), times
    how little of the image's edge it touches, times how strong a colour edge its outline
    follows (c / (1 + c), c its border gradient over the image's typical one): deep features
    are blurred across borders, so a candidate one superpixel too wide cuts almost as cleanly
    but lies on no edge."""
    inside = np.zeros(f.n, bool)
    inside[members] = True
    cut = w[inside][:, ~inside].sum()
    vol = w[inside].sum() + 1e-9
    edge = f.border[members].sum() / max(f.border.sum(), 1.0)
    cross = inside[f.edges[:, 0]] != inside[f.edges[:, 1]]
    typical = np.average(f.edge_gradient, weights=f.edge_length) + 1e-9
    c = (
        np.average(f.edge_gradient[cross], weights=f.edge_length[cross]) / typical
        if cross.any()
        else 0.0
    )
    return float((1.0 - cut / vol) * (1.0 - edge) * c / (1.0 + c))


def _top_distinct(f: SuperpixelFeatures, scored, n: int, max_iou: float = 0.7) -> list[Proposal]:
    """Best-scored candidates, skipping near-duplicates of ones already kept."""
    kept: list[tuple[float, np.ndarray]] = []
    for score, members in sorted(scored, key=lambda s: -s[0]):
        sel = np.zeros(f.n, bool)
        sel[members] = True
        if any(_area_iou(f, sel, other) > max_iou for _, other in kept):
            continue
        kept.append((score, sel))
        if len(kept) == n:
            break
    shape = f.superpixels.shape
    return [Proposal(*f.nodes_mask(np.flatnonzero(sel)), shape, score) for score, sel in kept]


def _area_iou(f: SuperpixelFeatures, a: np.ndarray, b: np.ndarray) -> float:
    inter = f.area[a & b].sum()
    return float(inter / max(f.area[a | b].sum(), 1e-9))
