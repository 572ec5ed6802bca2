"""SSN's SLIC iterations for inference, computed grid cell by grid cell.

Every pixel of a grid cell has the same 9 candidate superpixels, so with the pixels gathered
cell by cell (once: the features do not change between iterations) each iteration is two batched
matrix products, one per cell: the pixels' dot products with their 9 candidates, and the
candidates' weighted feature sums. :func:`~.ssn.soft_slic` does the same arithmetic pixel by
pixel (and is what training differentiates through); this one reads the features once per
iteration instead of some 40 times, which is what makes several thousand superpixels on a
megapixel working image affordable.
"""

from __future__ import annotations

import torch

from .ssn_grid import CANDIDATE_OFFSETS, FAR_LOGIT, cell_rows_cols


@torch.no_grad()
def cell_slic_labels(
    pixel_features: torch.Tensor,
    rows: int,
    cols: int,
    *,
    n_iter: int = 5,
    penalty: torch.Tensor | None = None,
) -> torch.Tensor:
    """Hard labels of :func:`~.ssn.soft_slic` (same iterations, same candidates).

    Parameters
    ----------
    pixel_features : torch.Tensor
        (1, C, H, W) feature of every pixel.
    rows, cols : int
        Superpixel grid.
    n_iter : int
        Number of assignment/update rounds.
    penalty : torch.Tensor, optional
        (1, 9, H*W) cost added to each pixel's squared distance to each candidate.

    Returns
    -------
    torch.Tensor
        (H, W) int64 grid cell (superpixel) of every pixel: the candidate of largest soft
        assignment after the last round.
    """
    _, c, h, w = pixel_features.shape
    device = pixel_features.device
    k = rows * cols
    cells = _CellLayout.of(h, w, rows, cols, device)
    flat = pixel_features.reshape(c, h * w)
    # (K, P, C): each cell's pixels, padded with zero features that the mask drops.
    padded = torch.cat([flat, flat.new_zeros(c, 1)], dim=1)
    feats = padded[:, cells.pixels].permute(1, 2, 0).contiguous()
    del padded
    norms = feats.square().sum(dim=2)  # (K, P)
    extra = None
    if penalty is not None:
        extra = torch.cat([penalty[0], penalty.new_zeros(len(CANDIDATE_OFFSETS), 1)], dim=1)
        extra = extra[:, cells.pixels].permute(1, 2, 0)  # (K, P, 9)
    centroids = torch.nn.functional.adaptive_avg_pool2d(pixel_features, (rows, cols))
    centroids = centroids.reshape(c, k).T.contiguous()  # (K, C)
    for _ in range(n_iter):
        q = _assign(feats, norms, centroids, cells, extra)
        centroids = _update(feats, q, cells, k)
    q = _assign(feats, norms, centroids, cells, extra)
    best = cells.candidates.gather(1, q.argmax(dim=2))  # (K, P) superpixel of each pixel
    labels = torch.empty(h * w + 1, dtype=torch.int64, device=device)
    labels[cells.pixels] = best
    return labels[: h * w].view(h, w)


class _CellLayout:
    """The pixels of every grid cell and the cell's 9 candidate cells.

    Attributes
    ----------
    pixels : torch.Tensor
        (K, P) flat index of each cell's pixels, P the largest cell's size; ``H * W`` (a zero
        pixel appended to the image) pads the smaller cells.
    inside : torch.Tensor
        (K, P, 1) float, 1 for real pixels and 0 for padding.
    candidates : torch.Tensor
        (K, 9) candidate cells (clamped into the grid), in the order of ``CANDIDATE_OFFSETS``.
    outside : torch.Tensor
        (K, 9) bool, candidates that lie outside the grid.
    """

    def __init__(self, pixels, inside, candidates, outside) -> None:
        self.pixels = pixels
        self.inside = inside
        self.candidates = candidates
        self.outside = outside

    @classmethod
    def of(cls, height: int, width: int, rows: int, cols: int, device) -> _CellLayout:
        cy, cx = cell_rows_cols(height, width, rows, cols, device)
        row_y, row_ok = _spans(cy, rows)
        col_x, col_ok = _spans(cx, cols)
        pixels = row_y[:, None, :, None] * width + col_x[None, :, None, :]
        ok = row_ok[:, None, :, None] & col_ok[None, :, None, :]
        pixels = torch.where(ok, pixels, torch.full_like(pixels, height * width))
        k = rows * cols
        grid_r = torch.arange(rows, device=device).view(rows, 1).expand(rows, cols).reshape(k)
        grid_c = torch.arange(cols, device=device).view(1, cols).expand(rows, cols).reshape(k)
        candidates, outside = [], []
        for dy, dx in CANDIDATE_OFFSETS:
            r, c = grid_r + dy, grid_c + dx
            outside.append((r < 0) | (r >= rows) | (c < 0) | (c >= cols))
            candidates.append(r.clamp(0, rows - 1) * cols + c.clamp(0, cols - 1))
        return cls(
            pixels.reshape(k, -1),
            ok.reshape(k, -1, 1).float(),
            torch.stack(candidates, dim=1),
            torch.stack(outside, dim=1),
        )


def _spans(cell_of: torch.Tensor, n_cells: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(n_cells, S) coordinates covered by each cell (S the longest span) and which are real."""
    sizes = torch.bincount(cell_of, minlength=n_cells)
    starts = torch.cumsum(sizes, 0) - sizes
    span = int(sizes.max())
    steps = torch.arange(span, device=cell_of.device)
    return starts[:, None] + steps[None, :], steps[None, :] < sizes[:, None]


def _assign(feats, norms, centroids, cells: _CellLayout, extra) -> torch.Tensor:
    """(K, P, 9) soft assignment of each cell's pixels to its candidates."""
    chosen = centroids[cells.candidates]  # (K, 9, C)
    logits = torch.bmm(feats, chosen.transpose(1, 2))  # (K, P, 9) dot products
    logits.mul_(2.0).sub_(norms[..., None]).sub_(chosen.square().sum(dim=2)[:, None, :])
    if extra is not None:
        logits.sub_(extra)
    logits.masked_fill_(cells.outside[:, None, :], FAR_LOGIT)
    return torch.softmax(logits, dim=2)


def _update(feats, q, cells: _CellLayout, k: int) -> torch.Tensor:
    """(K, C) new centres: the assignment-weighted mean feature of each superpixel."""
    q = q * cells.inside
    sums = torch.bmm(q.transpose(1, 2), feats)  # (K, 9, C) per candidate
    weights = q.sum(dim=1)  # (K, 9)
    index = cells.candidates.reshape(-1)
    num = feats.new_zeros(k, feats.shape[2]).index_add_(0, index, sums.reshape(-1, sums.shape[2]))
    den = feats.new_zeros(k).index_add_(0, index, weights.reshape(-1))
    return num / den.clamp_min(1e-8)[:, None]
