"""Per-superpixel means of a coarse feature map as if it were resampled to the superpixels' grid,
without resampling it.

Bilinear resampling is linear and separable: the value of grid pixel (y, x) is
``sum_ij Ry[y, i] * Rx[x, j] * m[i, j]``. The mean over a superpixel is therefore a fixed
weighting of the coarse map's cells, ``S[s, (i, j)] = sum over the superpixel's pixels of
Ry[y, i] * Rx[x, j]``, which is a sparse product of the superpixels' one-hot matrix with
``kron(Ry, Rx)``. Applying it to a map of C channels costs C times the coarse map's size instead
of C times the grid's (a 512-channel map at a quarter of the pixels, with no full-size copy).
The weights are read off :func:`torch.nn.functional.interpolate` itself, so the means equal those
of the resampled map up to float rounding.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy import sparse


def axis_resampling(size: int, *, stride: int, crop: int, out: int) -> sparse.csr_matrix:
    """(out, size) weights of one axis of the resampling a coarse map goes through.

    The map's ``size`` cells at ``stride`` are upsampled bilinearly (``align_corners=False``) to
    ``size * stride`` pixels, cut to the first ``crop`` (the image's share: padding lies beyond
    it), and resampled bilinearly to ``out`` pixels.

    Parameters
    ----------
    size : int
        Cells of the coarse map along the axis.
    stride : int
        Image pixels per cell.
    crop : int
        Pixels kept after the upsampling (at most ``size * stride``).
    out : int
        Pixels of the grid.

    Returns
    -------
    scipy.sparse.csr_matrix
        Row ``y`` holds the weights of the cells that grid pixel ``y`` reads (they sum to 1).
    """
    # Each channel of an identity "image" (size x 1) is one cell: its resampled column is the
    # cell's weight in every output pixel. The second axis (1 -> 1) is resampled exactly.
    basis = torch.eye(size, dtype=torch.float32)[None, :, :, None]
    up = F.interpolate(basis, size=(size * stride, 1), mode="bilinear", align_corners=False)
    up = up[:, :, :crop]
    grid = F.interpolate(up, size=(out, 1), mode="bilinear", align_corners=False)
    weights = grid[0, :, :, 0].T.numpy()  # (out, size)
    return sparse.csr_matrix(weights)


def superpixel_pooling(
    grid_labels: np.ndarray,
    coarse_shape: tuple[int, int],
    *,
    stride: int,
    crop: tuple[int, int],
    n_superpixels: int,
    points: np.ndarray | None = None,
) -> sparse.csr_matrix:
    """(K, h * w) weights whose product with a flattened (h * w, C) coarse map gives each
    superpixel's *sum* of the map resampled to ``grid_labels``' grid (divide by its pixel count
    for the mean).

    Parameters
    ----------
    grid_labels : numpy.ndarray
        (gh, gw) superpixel ids 0..K-1 on the grid the map is resampled to.
    coarse_shape : tuple of int
        (h, w) cells of the coarse map.
    stride : int
        Image pixels per cell.
    crop : tuple of int
        (height, width) kept after upsampling by ``stride`` (see :func:`axis_resampling`).
    n_superpixels : int
        K.
    points : numpy.ndarray, optional
        (n, 2) grid pixels (row, column) whose own resampled value is wanted too (for
        superpixels that own no grid pixel).

    Returns
    -------
    scipy.sparse.csr_matrix
        float32, (K + n, h * w): a row per superpixel, then one per point.
    """
    gh, gw = grid_labels.shape
    rows = axis_resampling(coarse_shape[0], stride=stride, crop=crop[0], out=gh)
    columns = axis_resampling(coarse_shape[1], stride=stride, crop=crop[1], out=gw)
    # Row y * gw + x of the Kronecker product is grid pixel (y, x), column i * w + j cell (i, j).
    per_pixel = sparse.kron(rows, columns, format="csr")
    ids = grid_labels.ravel()
    onehot = sparse.csr_matrix(
        (np.ones(ids.size, np.float32), (ids, np.arange(ids.size))),
        shape=(n_superpixels, ids.size),
    )
    pooled = onehot @ per_pixel
    if points is not None and len(points):
        at = np.asarray(points, dtype=np.int64)
        pooled = sparse.vstack([pooled, per_pixel[at[:, 0] * gw + at[:, 1]]])
    return sparse.csr_matrix(pooled, dtype=np.float32)
