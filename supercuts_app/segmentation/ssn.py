"""Superpixel Sampling Network: differentiable SLIC on deep pixel features.

Following Jampani et al., "Superpixel Sampling Networks" (ECCV 2018): every pixel is softly
assigned to the 9 superpixel centres around its grid cell, centres are re-estimated from the soft
assignment, and this repeats a few times. Everything is vectorised torch and differentiable, so
the pixel-embedding head can be trained through it (see ``supercuts train ssn``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .features import Backbone
from .ssn_cells import cell_slic_labels
from .ssn_grid import CANDIDATE_OFFSETS, FAR_LOGIT, cell_rows_cols, grid_shape
from .ssn_head import SSNHead, head_embedding

__all__ = [
    "CANDIDATE_OFFSETS",
    "SSNParams",
    "SoftAssignment",
    "contour_penalty",
    "grid_shape",
    "lab_image",
    "pixel_features",
    "soft_slic",
    "ssn_superpixels",
]


@dataclass(frozen=True)
class SSNParams:
    """Weights of the parts of the pixel feature and the SLIC iterations.

    ``pos_scale`` is in units of the superpixel grid step and ``color_scale`` multiplies CIELAB
    (L in 0..100), as in the SSN paper; ``feature_scale`` multiplies the deep embedding, whose
    leading component has unit spread.
    """

    pos_scale: float = 2.5
    color_scale: float = 0.26
    feature_scale: float = 2.0
    n_iter: int = 5
    embed_dims: int = 8


@dataclass
class SoftAssignment:
    """Result of :func:`soft_slic`.

    Attributes
    ----------
    q : torch.Tensor
        (B, 9, N) soft assignment of each of the N pixels to its 9 candidate superpixels.
    neighbours : torch.Tensor
        (9, N) index of each candidate superpixel (clamped into range where outside the grid).
    centroids : torch.Tensor
        (B, C, K) superpixel centres in feature space.
    grid : tuple of int
        (rows, columns) of the superpixel grid, K = rows * columns.
    """

    q: torch.Tensor
    neighbours: torch.Tensor
    centroids: torch.Tensor
    grid: tuple[int, int]

    def hard_labels(self, height: int, width: int) -> torch.Tensor:
        """(B, H, W) index of the most likely superpixel of each pixel."""
        best = self.q.argmax(dim=1)  # (B, N)
        labels = torch.gather(self.neighbours.expand(best.shape[0], -1, -1), 1, best[:, None])
        return labels[:, 0].view(-1, height, width)


def _neighbour_cells(
    height: int, width: int, rows: int, cols: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """(9, N) candidate cell per pixel and (9, N) bool mask of those inside the grid."""
    cy, cx = cell_rows_cols(height, width, rows, cols, device)
    cy = cy.view(-1, 1).expand(height, width).reshape(-1)
    cx = cx.view(1, -1).expand(height, width).reshape(-1)
    idx, valid = [], []
    for dy, dx in CANDIDATE_OFFSETS:
        ny, nx = cy + dy, cx + dx
        ok = (ny >= 0) & (ny < rows) & (nx >= 0) & (nx < cols)
        idx.append(ny.clamp(0, rows - 1) * cols + nx.clamp(0, cols - 1))
        valid.append(ok)
    return torch.stack(idx), torch.stack(valid)


def soft_slic(
    pixel_features: torch.Tensor,
    rows: int,
    cols: int,
    *,
    n_iter: int = 5,
    penalty: torch.Tensor | None = None,
) -> SoftAssignment:
    """Differentiable SLIC iterations.

    Parameters
    ----------
    pixel_features : torch.Tensor
        (B, C, H, W) feature of every pixel (position and colour included by the caller).
    rows, cols : int
        Superpixel grid; centres start as the mean feature of each grid cell.
    n_iter : int
        Number of assignment/update rounds.
    penalty : torch.Tensor, optional
        (B, 9, N) cost added to the squared feature distance of each pixel to each of its
        candidate superpixels (in the order of :attr:`SoftAssignment.neighbours`), e.g.
        :func:`contour_penalty`.

    Returns
    -------
    SoftAssignment
    """
    b, c, h, w = pixel_features.shape
    k = rows * cols
    f = pixel_features.reshape(b, c, h * w)
    centroids = F.adaptive_avg_pool2d(pixel_features, (rows, cols)).reshape(b, c, k)
    neighbours, valid = _neighbour_cells(h, w, rows, cols, pixel_features.device)
    # Without autograd, the same arithmetic runs in reused buffers (no large temporaries).
    if torch.is_grad_enabled() and pixel_features.requires_grad:
        for _ in range(n_iter):
            q = _assign(f, centroids, neighbours, valid, penalty)
            centroids = _update(f, q, neighbours, k)
        q = _assign(f, centroids, neighbours, valid, penalty)
    else:
        grid = _GridIndex.of(h, w, rows, cols, pixel_features.device)
        for _ in range(n_iter):
            q = _assign_inplace(f, centroids, grid, valid, penalty)
            centroids = _update_inplace(f, q, neighbours, k)
        q = _assign_inplace(f, centroids, grid, valid, penalty)
    return SoftAssignment(q=q, neighbours=neighbours, centroids=centroids, grid=(rows, cols))


def contour_penalty(
    boundary: torch.Tensor, rows: int, cols: int, *, spacing: float = 3.0, max_samples: int = 16
) -> torch.Tensor:
    """The strongest boundary between each pixel and each of its 9 candidate superpixels.

    The *intervening contour* cue (Leung and Malik; gPb's affinities): a pixel should not join a
    superpixel on the other side of a strong boundary. Each candidate is represented by the centre
    of its grid cell, so the cost is computed once per image, not once per SLIC iteration.

    Parameters
    ----------
    boundary : torch.Tensor
        (B, 1, H, W) boundary probabilities in [0, 1].
    rows, cols : int
        Superpixel grid.
    spacing : float
        Distance in pixels between samples along each pixel-to-centre segment.
    max_samples : int
        Most samples per segment (bounds the cost of very large cells).

    Returns
    -------
    torch.Tensor
        (B, 9, H*W) maximum boundary probability along each segment (the pixel itself excluded).
    """
    b, _, h, w = boundary.shape
    device = boundary.device
    # A 3x3 maximum widens one-pixel ridges, so samples `spacing` apart cannot step over them.
    ridges = F.max_pool2d(boundary.float(), 3, stride=1, padding=1)
    step_y, step_x = h / rows, w / cols
    longest = 1.5 * math.hypot(step_y, step_x)
    n_samples = int(min(max_samples, max(2, math.ceil(longest / spacing))))
    t = torch.arange(1, n_samples + 1, device=device, dtype=torch.float32) / n_samples
    cy, cx = cell_rows_cols(h, w, rows, cols, device)
    ys = torch.arange(h, device=device, dtype=torch.float32)
    xs = torch.arange(w, device=device, dtype=torch.float32)
    out = boundary.new_empty(b, len(CANDIDATE_OFFSETS), h * w, dtype=torch.float32)
    for d, (dy, dx) in enumerate(CANDIDATE_OFFSETS):
        ty = ((cy + dy).clamp(0, rows - 1) + 0.5) * step_y
        tx = ((cx + dx).clamp(0, cols - 1) + 0.5) * step_x
        # grid_sample's coordinates: -1 and 1 are the outer edges of the first and last pixels.
        gy = (ys + t[:, None] * (ty - ys) + 0.5) * (2.0 / h) - 1.0  # (S, H)
        gx = (xs + t[:, None] * (tx - xs) + 0.5) * (2.0 / w) - 1.0  # (S, W)
        grid = torch.stack(
            [gx[:, None, :].expand(-1, h, -1), gy[:, :, None].expand(-1, -1, w)], dim=-1
        ).reshape(1, n_samples, h * w, 2)
        sampled = F.grid_sample(
            ridges, grid.expand(b, -1, -1, -1), mode="bilinear", padding_mode="border",
            align_corners=False,
        )  # fmt: skip
        out[:, d] = sampled[:, 0].amax(dim=1)
    return out


@dataclass(frozen=True)
class _GridIndex:
    """Per neighbour offset, the (clamped) grid row of every image row and grid column of every
    image column: a pixel's candidate centre is ``centre[row[y], col[x]]``."""

    shape: tuple[int, int, int, int]  # H, W, rows, cols
    rows: list[torch.Tensor]  # 9 x (H,)
    cols: list[torch.Tensor]  # 9 x (W,)

    @classmethod
    def of(cls, height: int, width: int, rows: int, cols: int, device) -> _GridIndex:
        cy, cx = cell_rows_cols(height, width, rows, cols, device)
        return cls(
            (height, width, rows, cols),
            [(cy + dy).clamp(0, rows - 1) for dy, _ in CANDIDATE_OFFSETS],
            [(cx + dx).clamp(0, cols - 1) for _, dx in CANDIDATE_OFFSETS],
        )


def _assign_inplace(f, centroids, grid: _GridIndex, valid, penalty=None) -> torch.Tensor:
    """:func:`_assign` for inference: the same operations, in buffers reused for all 9 cells.

    Each candidate centre is fetched in two steps, along grid columns for the image's columns
    (a small table) and then whole image rows at once: the same values as one gather per pixel,
    copied as contiguous rows."""
    b, c, n = f.shape
    h, w, rows, cols = grid.shape
    cells = centroids.view(b, c, rows, cols)
    logits = f.new_empty(b, len(CANDIDATE_OFFSETS), n)
    gathered = f.new_empty(b, c, h, w)
    diff = f.new_empty(b, c, n)
    for d in range(len(CANDIDATE_OFFSETS)):
        by_column = torch.index_select(cells, 3, grid.cols[d])  # (B, C, rows, W)
        torch.index_select(by_column, 2, grid.rows[d], out=gathered)
        torch.sub(f, gathered.view(b, c, n), out=diff)
        diff.mul_(diff)
        torch.sum(diff, dim=1, out=logits[:, d])
    if penalty is not None:
        logits.add_(penalty)
    logits.neg_()
    logits.masked_fill_(~valid[None], FAR_LOGIT)
    return torch.softmax(logits, dim=1)


def _update_inplace(f, q, neighbours, k) -> torch.Tensor:
    """:func:`_update` for inference, accumulating in place."""
    b, c, _ = f.shape
    num = f.new_zeros(b, c, k)
    den = f.new_zeros(b, 1, k)
    weighted = torch.empty_like(f)
    for d in range(len(CANDIDATE_OFFSETS)):
        w = q[:, d : d + 1]
        torch.mul(f, w, out=weighted)
        num.index_add_(2, neighbours[d], weighted)
        den.index_add_(2, neighbours[d], w)
    return num / den.clamp_min(1e-8)


def _assign(f, centroids, neighbours, valid, penalty=None) -> torch.Tensor:
    dists = []
    for d in range(len(CANDIDATE_OFFSETS)):
        diff = f - centroids[:, :, neighbours[d]]
        dists.append((diff * diff).sum(dim=1))
    dists = torch.stack(dists, dim=1)
    if penalty is not None:
        dists = dists + penalty
    logits = (-dists).masked_fill(~valid[None], FAR_LOGIT)
    return torch.softmax(logits, dim=1)


def _update(f, q, neighbours, k) -> torch.Tensor:
    b, c, _ = f.shape
    num = f.new_zeros(b, c, k)
    den = f.new_zeros(b, 1, k)
    for d in range(len(CANDIDATE_OFFSETS)):
        w = q[:, d : d + 1]
        num = num.index_add(2, neighbours[d], f * w)
        den = den.index_add(2, neighbours[d], w)
    return num / den.clamp_min(1e-8)


def lab_image(image: np.ndarray) -> np.ndarray:
    """CIELAB of an (H, W, 3) uint8 RGB image as float32 (L in 0..100)."""
    return cv2.cvtColor(image.astype(np.float32) * (1.0 / 255.0), cv2.COLOR_RGB2LAB)


def position_channels(height: int, width: int, rows: int, cols: int, device) -> torch.Tensor:
    """(2, H, W) pixel coordinates in units of the superpixel grid step."""
    ys = torch.arange(height, device=device, dtype=torch.float32) * (rows / height)
    xs = torch.arange(width, device=device, dtype=torch.float32) * (cols / width)
    return torch.stack(torch.meshgrid(ys, xs, indexing="ij"))


def deep_embedding(
    backbone: Backbone, image: np.ndarray, dims: int, size: tuple[int, int]
) -> torch.Tensor:
    """A fixed projection of the backbone's features: their leading principal components.

    Feature maps of all levels are brought to the finest level's grid and concatenated; the top
    ``dims`` principal components of this image's features are kept, scaled so the first has unit
    standard deviation, and resampled to ``size``. Returns (dims, H, W).
    """
    maps = backbone(image)
    base = maps[0].shape[-2:]
    stacked = torch.cat(
        [F.interpolate(m, size=base, mode="bilinear", align_corners=False) for m in maps], dim=1
    )[0]
    c = stacked.shape[0]
    flat = stacked.reshape(c, -1)
    # The padding a ViT needs is cropped by resampling only the image's share of the grid.
    flat = flat - flat.mean(dim=1, keepdim=True)
    flat = flat / flat.std(dim=1, keepdim=True).clamp_min(1e-6)
    cov = flat @ flat.T / flat.shape[1]
    evals, evecs = torch.linalg.eigh(cov)
    top = evecs[:, -dims:].flip(1)
    proj = (top.T @ flat) / evals[-1].clamp_min(1e-8).sqrt()
    proj = proj.reshape(-1, *base)[None]
    ih, iw = image.shape[:2]
    ph = (
        math.ceil(ih / backbone.patch_size) * backbone.patch_size if backbone.patch_size > 1 else ih
    )
    pw = (
        math.ceil(iw / backbone.patch_size) * backbone.patch_size if backbone.patch_size > 1 else iw
    )
    full = F.interpolate(proj, size=(ph, pw), mode="bilinear", align_corners=False)[..., :ih, :iw]
    if full.shape[-2:] != size:
        full = F.interpolate(full, size=size, mode="bilinear", align_corners=False)
    return full[0]


def pixel_features(
    image: np.ndarray,
    rows: int,
    cols: int,
    params: SSNParams,
    *,
    backbone: Backbone | None,
    head: SSNHead | None = None,
    boundary: torch.Tensor | None = None,
) -> torch.Tensor:
    """(1, C, H, W) SSN input: scaled position, scaled CIELAB and the deep embedding.

    With a trained ``head`` the embedding and the position and colour weights are the head's
    (learned); without, the embedding is the leading principal components of the backbone's
    features, times ``params.feature_scale``, and the weights are ``params``'. ``boundary``
    (1, H, W) is the boundary map a boundary-aware head reads.
    """
    h, w = image.shape[:2]
    device = backbone.device if backbone is not None else torch.device("cpu")
    pos = position_channels(h, w, rows, cols, device)
    lab = torch.from_numpy(lab_image(image)).to(device).permute(2, 0, 1)
    if backbone is not None and head is not None:
        with torch.no_grad():
            pos_scale, color_scale = (float(s) for s in head.scales())
        emb = head_embedding(head, backbone, image, lab, boundary)
        return torch.cat([pos * pos_scale, lab * color_scale, emb], dim=0)[None]
    parts = [pos * params.pos_scale, lab * params.color_scale]
    if backbone is not None and params.feature_scale > 0:
        parts.append(
            deep_embedding(backbone, image, params.embed_dims, (h, w)) * params.feature_scale
        )
    return torch.cat(parts, dim=0)[None]


@torch.no_grad()
def ssn_superpixels(
    image: np.ndarray,
    n_segments: int,
    *,
    backbone: Backbone | None,
    params: SSNParams | None = None,
    head: SSNHead | None = None,
    boundaries: np.ndarray | None = None,
) -> np.ndarray:
    """Raw SSN labels (grid-cell ids, not yet made connected) of an (H, W, 3) uint8 image.

    ``boundaries`` (H, W) float32 boundary probabilities are required by a boundary-aware
    ``head`` (:attr:`SSNHead.needs_boundaries`) and ignored otherwise."""
    params = params or SSNParams()
    h, w = image.shape[:2]
    rows, cols = grid_shape(h, w, n_segments)
    boundary, penalty = None, None
    if backbone is not None and head is not None and head.needs_boundaries:
        if boundaries is None or boundaries.shape != (h, w):
            raise ValueError("this SSN head needs an (H, W) boundary map of the image")
        boundary = torch.from_numpy(np.ascontiguousarray(boundaries, np.float32))[None]
        boundary = boundary.to(backbone.device)
        weight = head.contour_weight()
        if weight is not None:
            penalty = contour_penalty(boundary[None], rows, cols) * weight
    feats = pixel_features(
        image, rows, cols, params, backbone=backbone, head=head, boundary=boundary
    )
    # The same iterations as soft_slic, a grid cell at a time (several times faster).
    labels = cell_slic_labels(feats, rows, cols, n_iter=params.n_iter, penalty=penalty)
    return labels.cpu().numpy().astype(np.int32)
