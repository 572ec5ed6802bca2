"""Region adjacency graph over superpixels and the features of its edges.

Built with numpy and scipy only: the superpixel label map gives every pair of touching superpixels,
their shared border length and the image gradient along that border; per-superpixel means of
colour and deep features give the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from scipy import sparse

from .features import Backbone
from .ssn import lab_image
from .superpixels import working_image

EDGE_FEATURE_NAMES = (
    "delta_L",
    "delta_a",
    "delta_b",
    "delta_E",
    "deep_cosine_distance",
    "border_gradient",
    "border_gradient_rel",
    "log_border_length",
    "log_min_area",
    "log_max_area",
    "deep_cosine_level0",
    "deep_cosine_level1",
    "deep_cosine_level2",
    "chi2_lightness",
    "chi2_ab",
    "chi2_gradient",
)


@dataclass
class RegionGraph:
    """Superpixels as nodes, touching pairs as edges.

    Attributes
    ----------
    n_nodes : int
        Number of superpixels K.
    edges : numpy.ndarray
        (E, 2) int64 pairs ``i < j`` of 4-adjacent superpixels.
    border_length : numpy.ndarray
        (E,) number of pixel pairs along each shared border.
    border_gradient : numpy.ndarray
        (E,) mean CIELAB gradient magnitude on both sides of each shared border.
    area : numpy.ndarray
        (K,) pixel count of each superpixel.
    colour : numpy.ndarray
        (K, 3) mean CIELAB colour.
    deep : numpy.ndarray or None
        (K, C) mean deep feature, L2-normalised.
    histograms : tuple of numpy.ndarray
        Per-superpixel normalised histograms of lightness (K, 8), joint a*b* (K, 64) and gradient
        magnitude (K, 8): colour and texture distributions beyond the means.
    deep_blocks : tuple of int
        Channels of each backbone level inside ``deep`` (each block is L2-normalised too).
    """

    n_nodes: int
    edges: np.ndarray
    border_length: np.ndarray
    border_gradient: np.ndarray
    area: np.ndarray
    colour: np.ndarray
    deep: np.ndarray | None = None
    histograms: tuple[np.ndarray, ...] = ()
    deep_blocks: tuple[int, ...] = ()


def region_graph(
    labels: np.ndarray,
    image: np.ndarray,
    *,
    deep: np.ndarray | None = None,
    deep_blocks: tuple[int, ...] = (),
) -> RegionGraph:
    """Build the adjacency graph of a label map (ids 0..K-1) over an (H, W, 3) uint8 image.

    ``deep`` is an optional (K, C) array of per-superpixel deep features (see
    :func:`superpixel_deep_features`).
    """
    k = int(labels.max()) + 1
    a = np.concatenate([labels[:, :-1].ravel(), labels[:-1, :].ravel()]).astype(np.int64)
    b = np.concatenate([labels[:, 1:].ravel(), labels[1:, :].ravel()]).astype(np.int64)
    lab = lab_image(image)
    grad = _gradient_magnitude(lab)
    g = np.concatenate(
        [
            0.5 * (grad[:, :-1] + grad[:, 1:]).ravel(),
            0.5 * (grad[:-1, :] + grad[1:, :]).ravel(),
        ]
    )
    keep = a != b
    a, b, g = a[keep], b[keep], g[keep]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pair, inverse = np.unique(lo * k + hi, return_inverse=True)
    length = np.bincount(inverse).astype(np.float64)
    gradient = np.bincount(inverse, weights=g) / length
    flat = labels.ravel()
    area = np.bincount(flat, minlength=k).astype(np.float64)
    colour = (
        np.stack([np.bincount(flat, lab[..., c].ravel(), k) for c in range(3)], axis=1)
        / area[:, None]
    )
    lq = np.clip(lab[..., 0] * (8 / 100.0), 0, 7).astype(np.int64)
    aq = np.clip((lab[..., 1] + 128) * (8 / 256.0), 0, 7).astype(np.int64)
    bq = np.clip((lab[..., 2] + 128) * (8 / 256.0), 0, 7).astype(np.int64)
    gq = np.clip(np.log1p(grad) * 2.0, 0, 7).astype(np.int64)
    histograms = tuple(
        _histograms(flat, q.ravel(), n, k, area) for q, n in ((lq, 8), (aq * 8 + bq, 64), (gq, 8))
    )
    return RegionGraph(
        n_nodes=k,
        edges=np.stack([pair // k, pair % k], axis=1),
        border_length=length,
        border_gradient=gradient,
        area=area,
        colour=colour,
        deep=deep,
        histograms=histograms,
        deep_blocks=tuple(deep_blocks),
    )


def _histograms(
    labels: np.ndarray, bins: np.ndarray, n_bins: int, k: int, area: np.ndarray
) -> np.ndarray:
    counts = np.bincount(labels.astype(np.int64) * n_bins + bins, minlength=k * n_bins)
    return counts.reshape(k, n_bins) / area[:, None]


def _chi2_all(histograms: tuple[np.ndarray, ...], i: np.ndarray, j: np.ndarray) -> list:
    """Chi-squared distance of each histogram kind between nodes i and j (one pass)."""
    if not histograms:
        return [np.zeros(len(i))] * 3
    a = np.concatenate([h[i] for h in histograms], axis=1)
    b = np.concatenate([h[j] for h in histograms], axis=1)
    terms = (a - b) ** 2 / np.maximum(a + b, 1e-12)
    starts = np.cumsum([0] + [h.shape[1] for h in histograms[:-1]])
    return list(0.5 * np.add.reduceat(terms, starts, axis=1).T)


def _gradient_magnitude(lab: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(lab, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lab, cv2.CV_32F, 0, 1, ksize=3)
    return np.sqrt((gx * gx + gy * gy).sum(axis=2)) / 8.0


@torch.no_grad()
def superpixel_deep_features(
    backbone: Backbone,
    image: np.ndarray,
    labels: np.ndarray,
    *,
    max_pixels: int = 250_000,
) -> tuple[np.ndarray, tuple[int, ...]]:
    """(K, C) mean backbone feature of every superpixel, and the channels of each level.

    Each level's block is L2-normalised and the blocks are scaled so the whole vector has unit
    norm; pass both results to :func:`region_graph` (``deep``, ``deep_blocks``).

    All feature levels are resampled to a grid of at most ``max_pixels`` and concatenated; each
    level is standardised first so that no level dominates by scale.
    """
    h, w = labels.shape
    work = working_image(image, max_pixels)
    gh, gw = work.shape[:2]
    grid_labels = (
        labels
        if work is image
        else cv2.resize(
            labels.astype(np.float32), (gw, gh), interpolation=cv2.INTER_NEAREST
        ).astype(np.int64)
    )
    maps = backbone(work)
    ph, pw = maps[0].shape[-2:]
    stride = backbone.strides[0]
    parts = []
    block_sizes = [m.shape[1] for m in maps]
    for m in maps:
        m = F.interpolate(m, size=(ph, pw), mode="bilinear", align_corners=False)[0]
        m = (m - m.mean(dim=(1, 2), keepdim=True)) / m.std(dim=(1, 2), keepdim=True).clamp_min(1e-6)
        parts.append(m / np.sqrt(m.shape[0]))
    feats = torch.cat(parts, dim=0)[None]
    # Padding (ViTs) lies beyond the image: resample only the image's share of the grid.
    full = F.interpolate(
        feats, size=(ph * stride, pw * stride), mode="bilinear", align_corners=False
    )
    full = full[..., : work.shape[0], : work.shape[1]]
    full = F.interpolate(full, size=(gh, gw), mode="bilinear", align_corners=False)[0]
    c = full.shape[0]
    flat = full.reshape(c, -1).cpu().numpy()  # float32: the sums below are over a few 100 px
    k = int(labels.max()) + 1
    ids = grid_labels.ravel()
    count = np.bincount(ids, minlength=k).astype(np.float64)
    # A sparse one-hot product sums every channel per superpixel in one pass.
    onehot = sparse.csr_matrix(
        (np.ones(ids.size, np.float32), (ids, np.arange(ids.size))), shape=(k, ids.size)
    )
    means = np.asarray(onehot @ flat.T, dtype=np.float64) / np.maximum(count, 1)[:, None]
    missing = np.nonzero(count == 0)[0]
    if missing.size:  # superpixels too small to survive the resampling: use their centre's feature
        ys, xs = np.nonzero(np.isin(labels, missing))
        sel = labels[ys, xs]
        for m in missing:
            on = sel == m
            cy, cx = int(ys[on].mean() * gh / h), int(xs[on].mean() * gw / w)
            means[m] = flat[:, min(cy, gh - 1) * gw + min(cx, gw - 1)]
    out = normalise_blocks(means, tuple(block_sizes))
    return out.astype(np.float32), tuple(block_sizes)


def deep_region_graph(backbone: Backbone, image: np.ndarray, labels: np.ndarray) -> RegionGraph:
    """:func:`region_graph` with the per-superpixel features of ``backbone``."""
    deep, blocks = superpixel_deep_features(backbone, image, labels)
    return region_graph(labels, image, deep=deep, deep_blocks=blocks)


def edge_features(graph: RegionGraph) -> np.ndarray:
    """(E, F) descriptor of every edge, columns as in :data:`EDGE_FEATURE_NAMES`."""
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    # The border gradient relative to the mean gradient along all borders of the two regions.
    both = np.concatenate([i, j])
    grad_len = np.tile(graph.border_gradient * graph.border_length, 2)
    typical = np.bincount(both, grad_len, graph.n_nodes) / np.maximum(
        np.bincount(both, np.tile(graph.border_length, 2), graph.n_nodes), 1e-9
    )
    return pair_features(graph, i, j, graph.border_gradient, graph.border_length, typical)


def pair_features(
    nodes: RegionGraph | RegionStats,
    i: np.ndarray,
    j: np.ndarray,
    gradient: np.ndarray,
    length: np.ndarray,
    typical: np.ndarray,
) -> np.ndarray:
    """(P, F) descriptors of region pairs ``(i, j)`` from node statistics and their borders.

    ``gradient`` and ``length`` describe each pair's shared border; ``typical`` is the mean
    border gradient of every node (indexed by node id).
    """
    d_lab = np.abs(nodes.colour[i] - nodes.colour[j])
    delta_e = np.sqrt((d_lab**2).sum(axis=1))
    per_level = np.zeros((len(i), 3))
    if nodes.deep is not None:
        products = nodes.deep[i] * nodes.deep[j]
        cosine = 1.0 - products.sum(axis=1)
        n_blocks = max(len(nodes.deep_blocks), 1)
        start = 0
        for b, size in enumerate(nodes.deep_blocks[:3]):
            per_level[:, b] = 1.0 - n_blocks * products[:, start : start + size].sum(axis=1)
            start += size
    else:
        cosine = np.zeros(len(i))
    chi2 = _chi2_all(nodes.histograms, i, j)
    rel = gradient / np.maximum(0.5 * (typical[i] + typical[j]), 1e-6)
    area_i, area_j = nodes.area[i], nodes.area[j]
    return np.column_stack(
        [
            d_lab,
            delta_e,
            cosine,
            gradient,
            rel,
            np.log(length),
            np.log(np.minimum(area_i, area_j)),
            np.log(np.maximum(area_i, area_j)),
            per_level,
            *chi2,
        ]
    ).astype(np.float64)


def normalise_blocks(vectors: np.ndarray, blocks: tuple[int, ...]) -> np.ndarray:
    """L2-normalise each level block of (N, C) deep vectors; the whole vector gets unit norm."""
    blocks = blocks or (vectors.shape[1],)
    out = np.empty(vectors.shape, dtype=np.float64)
    start = 0
    for size in blocks:
        part = vectors[:, start : start + size]
        norms = np.linalg.norm(part, axis=1, keepdims=True)
        out[:, start : start + size] = part / np.maximum(norms, 1e-8) / np.sqrt(len(blocks))
        start += size
    return out


def region_deep_features(
    deep: np.ndarray, area: np.ndarray, table: np.ndarray, blocks: tuple[int, ...]
) -> np.ndarray:
    """Deep features of regions made of superpixels (``table[s]`` = region of superpixel s)."""
    sums = np.zeros((int(table.max()) + 1, deep.shape[1]))
    np.add.at(sums, table, deep * area[:, None])
    return normalise_blocks(sums, blocks)


class RegionStats:
    """Node statistics of a region graph that follow merges (ids K, K+1, ... for new regions).

    Means are area-weighted; deep features are re-normalised per level block after each merge,
    so :func:`pair_features` describes merged regions exactly as it describes superpixels.
    """

    def __init__(self, graph: RegionGraph) -> None:
        k = graph.n_nodes
        cap = 2 * k - 1
        self.deep_blocks = graph.deep_blocks
        self.area = np.zeros(cap)
        self.area[:k] = graph.area
        self.colour = np.zeros((cap, 3))
        self.colour[:k] = graph.colour
        self.histograms = tuple(np.zeros((cap, h.shape[1])) for h in graph.histograms)
        for mine, theirs in zip(self.histograms, graph.histograms, strict=True):
            mine[:k] = theirs
        self.deep = None
        if graph.deep is not None:
            self.deep = np.zeros((cap, graph.deep.shape[1]))
            self.deep[:k] = graph.deep

    def merge(self, a: int, b: int, new: int) -> None:
        """Record region ``new`` as the union of regions ``a`` and ``b``."""
        wa, wb = self.area[a], self.area[b]
        total = wa + wb
        self.area[new] = total
        self.colour[new] = (wa * self.colour[a] + wb * self.colour[b]) / total
        for h in self.histograms:
            h[new] = (wa * h[a] + wb * h[b]) / total
        if self.deep is not None:
            v = wa * self.deep[a] + wb * self.deep[b]
            blocks = self.deep_blocks or (len(v),)
            scale = 1.0 / np.sqrt(len(blocks))
            start = 0
            for size in blocks:  # as normalise_blocks, for one vector without temporaries
                part = v[start : start + size]
                part *= scale / max(float(np.sqrt(part @ part)), 1e-8)
                start += size
            self.deep[new] = v
