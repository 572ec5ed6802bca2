from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.eval.metrics import (
    achievable_segmentation_accuracy,
    boundary_precision,
    boundary_recall,
    superpixel_scores,
    undersegmentation_error,
)
from supercuts_app.segmentation.superpixels import label_boundaries

TRUTH = np.array([[0, 0, 1, 1]] * 4)


def test_asa_hand_computed():
    labels = np.array([[0, 0, 0, 1]] * 4)  # superpixel 0 covers 2 px of each segment per row
    assert achievable_segmentation_accuracy(labels, TRUTH) == pytest.approx(12 / 16)
    assert achievable_segmentation_accuracy(TRUTH, TRUTH) == 1.0


def test_undersegmentation_error_hand_computed():
    labels = np.array([[0, 0, 0, 1]] * 4)
    # Superpixel 0 (12 px) leaks 4 px into segment 1: min(8, 4) for segment 0, min(4, 8) for 1.
    assert undersegmentation_error(labels, TRUTH) == pytest.approx((4 + 4) / 16)
    assert undersegmentation_error(TRUTH, TRUTH) == 0.0


def test_boundary_recall_with_tolerance():
    truth_edge = label_boundaries(TRUTH)
    assert truth_edge[:, 1].all() and truth_edge.sum() == 4
    assert boundary_recall(TRUTH, truth_edge) == 1.0
    far = np.zeros((4, 12), int)
    far[:, 8:] = 1  # boundary at column 7, truth boundary at column 1 of a wider image
    wide_truth = np.zeros((4, 12), bool)
    wide_truth[:, 1] = True
    assert boundary_recall(far, wide_truth) == 0.0
    assert boundary_recall(far, wide_truth, tolerance=6) == 1.0
    assert boundary_precision(far, wide_truth) == 0.0


def test_scores_bundle_counts_segments():
    labels = np.array([[0, 0, 2, 2]] * 2 + [[5, 5, 2, 2]] * 2)
    scores = superpixel_scores(labels, TRUTH)
    assert scores["segments"] == 3
    assert scores["asa"] == 1.0 and scores["boundary_recall"] == 1.0
