"""Superpixel quality measures used in the literature (SSN, SLIC, Neubert and Protzel 2012).

All functions take integer label maps of equal shape; ground-truth boundaries are boolean maps.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from supercuts_app.segmentation.superpixels import label_boundaries


def contingency(labels: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """(K, G) pixel counts of superpixel k overlapping ground-truth segment g."""
    _, seg = np.unique(labels.ravel(), return_inverse=True)
    _, gt = np.unique(truth.ravel(), return_inverse=True)
    k, g = int(seg.max()) + 1, int(gt.max()) + 1
    return np.bincount(seg * g + gt, minlength=k * g).reshape(k, g)


def achievable_segmentation_accuracy(labels: np.ndarray, truth: np.ndarray) -> float:
    """ASA: fraction of pixels correct when each superpixel takes its best ground-truth segment."""
    table = contingency(labels, truth)
    return float(table.max(axis=1).sum() / labels.size)


def undersegmentation_error(labels: np.ndarray, truth: np.ndarray) -> float:
    """Corrected undersegmentation error (Neubert and Protzel 2012).

    For every ground-truth segment and every superpixel overlapping it, the smaller of the part
    inside and the part outside counts as leakage; the sum is divided by the image area.
    """
    table = contingency(labels, truth)
    sizes = table.sum(axis=1, keepdims=True)
    leak = np.minimum(table, sizes - table)
    return float(leak[table > 0].sum() / labels.size)


def boundary_recall(
    labels: np.ndarray, truth_boundary: np.ndarray, *, tolerance: float = 2.0
) -> float:
    """Fraction of ground-truth boundary pixels within ``tolerance`` px of a superpixel boundary."""
    truth_boundary = truth_boundary.astype(bool)
    if not truth_boundary.any():
        return 1.0
    distance = ndimage.distance_transform_edt(~label_boundaries(labels))
    return float((distance[truth_boundary] <= tolerance).mean())


def boundary_precision(
    labels: np.ndarray, truth_boundary: np.ndarray, *, tolerance: float = 2.0
) -> float:
    """Fraction of superpixel boundary pixels within ``tolerance`` px of a ground-truth boundary."""
    predicted = label_boundaries(labels)
    if not predicted.any():
        return 1.0
    distance = ndimage.distance_transform_edt(~truth_boundary.astype(bool))
    return float((distance[predicted] <= tolerance).mean())


def superpixel_scores(
    labels: np.ndarray, truth: np.ndarray, truth_boundary: np.ndarray | None = None
) -> dict[str, float]:
    """ASA, boundary recall (r = 2 px), undersegmentation error and segment count of one map."""
    if truth_boundary is None:
        truth_boundary = label_boundaries(truth)
    return {
        "segments": float(len(np.unique(labels))),
        "asa": achievable_segmentation_accuracy(labels, truth),
        "boundary_recall": boundary_recall(labels, truth_boundary),
        "undersegmentation_error": undersegmentation_error(labels, truth),
    }
