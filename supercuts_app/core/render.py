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
