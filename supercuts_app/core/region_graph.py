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
    """

    n_nodes: int
    edges: np.ndarray
    border_length: np.ndarray
    border_gradient: np.ndarray
    area: np.ndarray
    colour: np.ndarray
    deep: np.ndarray | None = None


def region_graph(
    labels: np.ndarray, image: np.ndarray, *, deep: np.ndarray | None = None
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
    return RegionGraph(
        n_nodes=k,
        edges=np.stack([pair // k, pair % k], axis=1),
        border_length=length,
        border_gradient=gradient,
        area=area,
        colour=colour,
        deep=deep,
    )


def _gradient_magnitude(lab: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(lab, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lab, cv2.CV_32F, 0, 1, ksize=3)
    return np.sqrt((gx * gx + gy * gy).sum(axis=2)) / 8.0


@torch.no_grad()
def superpixel_deep_features(
    backbone: Backbone, image: np.ndarray, labels: np.ndarray, *, max_pixels: int = 250_000
) -> np.ndarray:
    """(K, C) mean backbone feature of every superpixel, L2-normalised.

    All feature levels are resampled to a grid of at most ``max_pixels`` and concatenated; each
    level is standardised first so that no level dominates by scale.
    """
    h, w = labels.shape
    scale = min(1.0, (max_pixels / (h * w)) ** 0.5)
    gh, gw = max(1, round(h * scale)), max(1, round(w * scale))
    work = image if scale == 1.0 else cv2.resize(image, (gw, gh), interpolation=cv2.INTER_AREA)
    grid_labels = (
        labels
        if scale == 1.0
        else cv2.resize(
            labels.astype(np.float32), (gw, gh), interpolation=cv2.INTER_NEAREST
        ).astype(np.int64)
    )
    maps = backbone(work)
    ph, pw = maps[0].shape[-2:]
    stride = backbone.strides[0]
    parts = []
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
    flat = full.reshape(c, -1).cpu().numpy().astype(np.float64)
    k = int(labels.max()) + 1
    ids = grid_labels.ravel()
    count = np.bincount(ids, minlength=k).astype(np.float64)
    # A sparse one-hot product sums every channel per superpixel in one pass.
    onehot = sparse.csr_matrix((np.ones(ids.size), (ids, np.arange(ids.size))), shape=(k, ids.size))
    means = np.asarray(onehot @ flat.T) / np.maximum(count, 1)[:, None]
    missing = np.nonzero(count == 0)[0]
    if missing.size:  # superpixels too small to survive the resampling: use their centre's feature
        ys, xs = np.nonzero(np.isin(labels, missing))
        sel = labels[ys, xs]
        for m in missing:
            on = sel == m
            cy, cx = int(ys[on].mean() * scale), int(xs[on].mean() * scale)
            means[m] = flat[:, min(cy, gh - 1) * gw + min(cx, gw - 1)]
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return (means / np.maximum(norms, 1e-8)).astype(np.float32)


def edge_features(graph: RegionGraph) -> np.ndarray:
    """(E, F) descriptor of every edge, columns as in :data:`EDGE_FEATURE_NAMES`."""
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    d_lab = np.abs(graph.colour[i] - graph.colour[j])
    delta_e = np.sqrt((d_lab**2).sum(axis=1))
    if graph.deep is not None:
        cosine = 1.0 - (graph.deep[i] * graph.deep[j]).sum(axis=1)
    else:
        cosine = np.zeros(len(i))
    grad = graph.border_gradient
    # The border gradient relative to the gradients inside the two regions' other borders.
    typical = np.bincount(np.concatenate([i, j]), np.tile(grad, 2), graph.n_nodes) / np.maximum(
        np.bincount(np.concatenate([i, j]), minlength=graph.n_nodes), 1
    )
    rel = grad / np.maximum(0.5 * (typical[i] + typical[j]), 1e-6)
    area_i, area_j = graph.area[i], graph.area[j]
    return np.column_stack(
        [
            d_lab,
            delta_e,
            cosine,
            grad,
            rel,
            np.log(graph.border_length),
            np.log(np.minimum(area_i, area_j)),
            np.log(np.maximum(area_i, area_j)),
        ]
    ).astype(np.float64)
