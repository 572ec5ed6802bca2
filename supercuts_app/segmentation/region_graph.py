"""Region adjacency graph over superpixels and the per-node and per-border statistics its edge
features are made of (the features themselves: :mod:`supercuts_app.segmentation.edge_features`).

Built with numpy and scipy only: the superpixel label map gives every pair of touching superpixels,
their shared border length and the image gradient along that border; per-superpixel means of
colour and deep features give the rest. The border cues include the learned boundary probability
of :mod:`~supercuts_app.segmentation.boundaries` (mean and quantiles along each border), the
hierarchy's main evidence of where objects end.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from supercuts_app.base.defaults import FEATURE_MAX_PIXELS
from supercuts_app.base.tasks import CancelFn, check_cancelled

from .adjacency import label_adjacency
from .border_stats import border_quantiles
from .boundaries import BoundaryNet, boundary_map, default_boundary_net
from .features import Backbone
from .pooled_resampling import superpixel_pooling
from .ssn import lab_image
from .superpixels import working_image

N_BORDER_CUES = 5
"""Per-pixel cue maps averaged along every border: the coarse-scale Lab gradient, the gradient
magnitude of three backbone levels and, last, the learned boundary probability (the edge features
``BORDER_CUES``)."""
BOUNDARY_QUANTILES = (0.25, 0.5, 0.75, 1.0)
"""Quantiles of the learned boundary probability along every border (1.0: its maximum), beside its
mean: a real boundary is high along most of the border, a crossing edge only on a stretch of it."""
N_CUE_COLUMNS = N_BORDER_CUES + len(BOUNDARY_QUANTILES)
"""Columns of :attr:`RegionGraph.border_cues`: the mean of every cue map, then the quantiles."""
COARSE_SIGMA = 3.0
"""Gaussian blur (pixels of the <= 0.25 MP working image) before the coarse Lab gradient."""


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
    border_cues : numpy.ndarray or None
        (E, N_CUE_COLUMNS) mean of each cue map (see :func:`border_cue_maps`) along each shared
        border, averaged over both sides as ``border_gradient`` is, then the
        :data:`BOUNDARY_QUANTILES` of the last map (the learned boundary probability) along it;
        None reads as zeros. Merged borders carry length-weighted means of these columns (see
        :func:`~supercuts_app.segmentation.border_stats.coarsened_border_cues`).
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
    border_cues: np.ndarray | None = None


def region_graph(
    labels: np.ndarray,
    image: np.ndarray,
    *,
    deep: np.ndarray | None = None,
    deep_blocks: tuple[int, ...] = (),
    cues: np.ndarray | None = None,
) -> RegionGraph:
    """Build the adjacency graph of a label map (ids 0..K-1) over an (H, W, 3) uint8 image.

    ``deep`` is an optional (K, C) array of per-superpixel deep features (see
    :func:`superpixel_deep_features`); ``cues`` optional (N_BORDER_CUES, H, W) maps to average
    along the borders (see :func:`border_cue_maps`; without them the coarse Lab gradient is
    computed here and the other cues read as zero).
    """
    k = int(labels.max()) + 1
    h, w = labels.shape
    # Every 4-adjacent pixel pair (p, q) on a border, as flat indices, and its border.
    borders = label_adjacency(labels, k)
    p, q, inverse, length = borders.p, borders.q, borders.edge_of, borders.length
    lab = lab_image(image)
    grad = _gradient_magnitude(lab).ravel()

    def border_mean(values: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=0.5 * (values[p] + values[q])) / length

    gradient = border_mean(grad)
    if cues is None:
        cues = np.zeros((N_BORDER_CUES, h, w), np.float32)
        cues[0] = coarse_lab_gradient(image, (h, w))
    boundary = cues[-1].ravel()
    border_cues = np.column_stack(
        [
            *(border_mean(c.ravel()) for c in cues),
            border_quantiles(inverse, 0.5 * (boundary[p] + boundary[q]), BOUNDARY_QUANTILES),
        ]
    )
    grad = grad.reshape(h, w)
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
        edges=np.stack([borders.first, borders.second], axis=1),
        border_length=length,
        border_gradient=gradient,
        area=area,
        colour=colour,
        deep=deep,
        histograms=histograms,
        deep_blocks=tuple(deep_blocks),
        border_cues=border_cues,
    )


def _histograms(
    labels: np.ndarray, bins: np.ndarray, n_bins: int, k: int, area: np.ndarray
) -> np.ndarray:
    counts = np.bincount(labels.astype(np.int64) * n_bins + bins, minlength=k * n_bins)
    return counts.reshape(k, n_bins) / area[:, None]


def coarse_lab_gradient(
    image: np.ndarray, shape: tuple[int, int], *, sigma: float = COARSE_SIGMA
) -> np.ndarray:
    """(H, W) float32 Lab gradient magnitude after a Gaussian blur, at the label map's size.

    Computed on the working image (at most 0.25 MP), so the scale is relative to the image and
    the cost does not grow with its size.
    """
    work = working_image(image, FEATURE_MAX_PIXELS)
    lab = cv2.GaussianBlur(lab_image(work), (0, 0), sigma)
    grad = _gradient_magnitude(lab)
    if grad.shape != tuple(shape):
        grad = cv2.resize(grad, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return grad


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
    max_pixels: int = FEATURE_MAX_PIXELS,
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
    parts = []
    block_sizes = [m.shape[1] for m in maps]
    for m in maps:
        m = F.interpolate(m, size=maps[0].shape[-2:], mode="bilinear", align_corners=False)[0]
        parts.append(_standardise(m))
    coarse = torch.cat(parts, dim=0)
    c, ch, cw = coarse.shape
    k = int(labels.max()) + 1
    count = np.bincount(grid_labels.ravel(), minlength=k).astype(np.float64)
    missing = np.nonzero(count == 0)[0]
    centres = None
    if missing.size:  # superpixels too small to survive the resampling: use their centre's feature
        ys, xs = np.nonzero(np.isin(labels, missing))
        sel = labels[ys, xs]
        centres = np.array(
            [
                (min(int(ys[sel == m].mean() * gh / h), gh - 1),
                 min(int(xs[sel == m].mean() * gw / w), gw - 1))
                for m in missing
            ]
        )  # fmt: skip
    pooling = superpixel_pooling(
        grid_labels, (ch, cw), stride=backbone.strides[0], crop=work.shape[:2],
        n_superpixels=k, points=centres,
    )  # fmt: skip
    # float32 sums over a few hundred cells; (C, n) maps read column-wise as (n, C) rows.
    sums = np.asarray(pooling @ coarse.reshape(c, -1).cpu().numpy().T, dtype=np.float64)
    means = sums[:k] / np.maximum(count, 1)[:, None]
    if missing.size:
        means[missing] = sums[k:]
    out = normalise_blocks(means, tuple(block_sizes))
    return out.astype(np.float32), tuple(block_sizes)


def _standardise(m: torch.Tensor) -> torch.Tensor:
    """(C, h, w) map with every channel at zero mean and unit variance, over sqrt(C)."""
    m = (m - m.mean(dim=(1, 2), keepdim=True)) / m.std(dim=(1, 2), keepdim=True).clamp_min(1e-6)
    return m / np.sqrt(m.shape[0])


def _to_grid(
    m: torch.Tensor, stride: int, work_shape: tuple[int, int], grid: tuple[int, int]
) -> torch.Tensor:
    """(C, h, w) map at ``stride`` resampled to the (gh, gw) grid of the working image."""
    ph, pw = m.shape[-2:]
    # Padding (ViTs) lies beyond the image: resample only the image's share of the grid.
    full = F.interpolate(
        m[None], size=(ph * stride, pw * stride), mode="bilinear", align_corners=False
    )
    full = full[..., : work_shape[0], : work_shape[1]]
    return F.interpolate(full, size=grid, mode="bilinear", align_corners=False)[0]


@torch.no_grad()
def border_cue_maps(
    backbone: Backbone | None,
    image: np.ndarray,
    shape: tuple[int, int],
    *,
    boundary_net: BoundaryNet | None = None,
    boundary: np.ndarray | None = None,
) -> np.ndarray:
    """(N_BORDER_CUES, H, W) float32 maps whose means along borders become edge features.

    Map 0 is :func:`coarse_lab_gradient`; maps 1-3 the gradient magnitude of the first three
    backbone levels (each standardised as for :func:`superpixel_deep_features`), computed at the
    level's own resolution (central differences) and upsampled: large where the deep features
    change, i.e. on the border itself rather than between region means; map 4 the learned
    boundary probability of ``boundary_net`` (:func:`~supercuts_app.segmentation.boundaries.
    boundary_map`, at its working resolution). Maps 1-3 are zeros without a backbone, map 4
    without a boundary network. The backbone's last forward pass is reused (same working image as
    the superpixels). ``boundary``, when given, is ``boundary_net``'s map of ``image`` already
    computed (the caller keeps it for seed clicks).
    """
    h, w = shape
    out = np.zeros((N_BORDER_CUES, h, w), np.float32)
    out[0] = coarse_lab_gradient(image, shape)
    if boundary_net is not None:
        prob = boundary if boundary is not None else boundary_map(boundary_net, image)
        out[-1] = prob if prob.shape == (h, w) else cv2.resize(prob, (w, h))
    if backbone is None:
        return out
    work = working_image(image, FEATURE_MAX_PIXELS)
    maps = backbone(work)[: N_BORDER_CUES - 1]
    mags = []
    for m, stride in zip(maps, backbone.strides, strict=False):
        m = _standardise(m[0])
        pad = F.pad(m[None], (1, 1, 1, 1), mode="replicate")[0]
        gx = 0.5 * (pad[:, 1:-1, 2:] - pad[:, 1:-1, :-2])
        gy = 0.5 * (pad[:, 2:, 1:-1] - pad[:, :-2, 1:-1])
        mag = torch.sqrt((gx * gx + gy * gy).sum(dim=0, keepdim=True))
        mags.append(_to_grid(mag, stride, work.shape[:2], work.shape[:2])[0])
    grid = torch.stack(mags).cpu().numpy()
    for c, g in enumerate(grid, start=1):
        out[c] = g if g.shape == (h, w) else cv2.resize(g, (w, h), interpolation=cv2.INTER_LINEAR)
    return out


def deep_region_graph(
    backbone: Backbone,
    image: np.ndarray,
    labels: np.ndarray,
    *,
    boundary_net: BoundaryNet | None = None,
    boundary: np.ndarray | None = None,
    cancel: CancelFn | None = None,
) -> RegionGraph:
    """The region graph every hierarchy is built on (the app, evaluation and training alike).

    Parameters
    ----------
    backbone : Backbone
        Gives the per-superpixel deep features and the deep border cues.
    image : numpy.ndarray
        (H, W, 3) uint8 RGB.
    labels : numpy.ndarray
        (H, W) superpixel ids 0..K-1.
    boundary_net : BoundaryNet, optional
        Gives the learned boundary cues; by default the shipped network
        (:func:`~supercuts_app.segmentation.boundaries.default_boundary_net`), which is package
        data. Only a broken install lacks it: then those cues read as zero and the edge model,
        trained with them, scores worse.
    boundary : numpy.ndarray, optional
        ``boundary_net``'s map of ``image`` (:func:`~supercuts_app.segmentation.boundaries.
        boundary_map`) when the caller already computed it.
    cancel : callable, optional
        Checked between the costly steps (raises ``Cancelled``).

    Returns
    -------
    RegionGraph
        With deep features and every border cue.
    """
    if boundary_net is None:
        boundary_net = default_boundary_net()
    deep, blocks = superpixel_deep_features(backbone, image, labels)
    check_cancelled(cancel)
    cues = border_cue_maps(
        backbone, image, labels.shape, boundary_net=boundary_net, boundary=boundary
    )
    check_cancelled(cancel)
    return region_graph(labels, image, deep=deep, deep_blocks=blocks, cues=cues)


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
    so :func:`~supercuts_app.segmentation.edge_features.pair_features` describes merged regions
    exactly as it describes superpixels.
    """

    def __init__(self, graph: RegionGraph) -> None:
        k = graph.n_nodes
        cap = 2 * k - 1
        self.deep_blocks = graph.deep_blocks
        self.area = np.zeros(cap)
        self.area[:k] = graph.area
        self.colour = np.zeros((cap, 3))
        self.colour[:k] = graph.colour
        # All histogram kinds side by side, so a merge updates them in one step.
        widths = [h.shape[1] for h in graph.histograms]
        self.joined_histograms = np.zeros((cap, sum(widths)))
        if graph.histograms:
            self.joined_histograms[:k] = np.concatenate(graph.histograms, axis=1)
        edges = np.cumsum([0, *widths])
        self.histograms = tuple(
            self.joined_histograms[:, lo:hi] for lo, hi in zip(edges[:-1], edges[1:], strict=True)
        )
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
        h = self.joined_histograms
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
