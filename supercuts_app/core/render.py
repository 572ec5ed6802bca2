"""Pictures of results for files and reports (the GUI draws its own layers)."""

from __future__ import annotations

import numpy as np

from .metrics import label_boundaries

BOUNDARY_RGB = (255, 214, 0)


def boundary_mask(labels: np.ndarray) -> np.ndarray:
    """Boolean map of pixels on either side of a label change (2 px thick, symmetric)."""
    edge = label_boundaries(labels)
    both = edge.copy()
    both[:, 1:] |= labels[:, 1:] != labels[:, :-1]
    both[1:, :] |= labels[1:, :] != labels[:-1, :]
    return both


def boundary_overlay(
    image: np.ndarray, labels: np.ndarray, *, color: tuple[int, int, int] = BOUNDARY_RGB
) -> np.ndarray:
    """A copy of the (H, W, 3) uint8 image with superpixel boundaries drawn in ``color``."""
    out = image.copy()
    out[boundary_mask(labels)] = color
    return out


def boundary_rgba(
    labels: np.ndarray, *, color: tuple[int, int, int] = BOUNDARY_RGB, alpha: int = 200
) -> np.ndarray:
    """(H, W, 4) uint8 layer: ``color`` on superpixel boundaries, transparent elsewhere."""
    # One pixel wide: the view magnifies it when zooming in, and two would hide small regions.
    rgba = np.zeros((*labels.shape, 4), dtype=np.uint8)
    rgba[label_boundaries(labels)] = (*color, alpha)
    return rgba
