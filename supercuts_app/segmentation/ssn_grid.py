"""The superpixel grid SSN starts from: its shape, each pixel's cell and the 9 candidate cells
around it (shared by the pixel-wise iterations of :mod:`.ssn` and the cell-wise ones of
:mod:`.ssn_cells`)."""

from __future__ import annotations

import math

import torch

CANDIDATE_OFFSETS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
"""(row, column) offset of each of a pixel's 9 candidate cells, in the order of the assignment."""
FAR_LOGIT = -1e9
"""Logit of a neighbour cell outside the grid: softmax gives it exactly zero weight."""


def grid_shape(height: int, width: int, n_segments: int) -> tuple[int, int]:
    """Rows and columns of a near-square grid with about ``n_segments`` cells."""
    cols = max(1, round(math.sqrt(n_segments * width / height)))
    rows = max(1, round(n_segments / cols))
    return min(rows, height), min(cols, width)


def cell_rows_cols(
    height: int, width: int, rows: int, cols: int, device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Grid row of every image row (H,) and grid column of every image column (W,) of a
    ``height`` x ``width`` image on a ``rows`` x ``cols`` grid, as tensors on ``device``."""
    cy = torch.arange(height, device=device) * rows // height
    cx = torch.arange(width, device=device) * cols // width
    return cy, cx
