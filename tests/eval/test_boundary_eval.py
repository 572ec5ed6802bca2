"""The BSDS edge benchmark on hand-computed cases (a 300 x 400 image: tolerance 3.75 pixels)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from supercuts_app.eval.boundaries import (
    average_precision,
    edge_counts,
    edge_thresholds,
    evaluate_boundaries,
    summarize_edges,
)
from supercuts_app.segmentation.boundaries import create_boundary_net

SHAPE = (300, 400)  # diagonal 500: 0.0075 of it is 3.75 pixels


def _line(row: int) -> np.ndarray:
    mask = np.zeros(SHAPE, bool)
    mask[row, 50:350] = True
    return mask


def _scores(prediction: np.ndarray, humans: list[np.ndarray], n: int = 99) -> dict:
    thresholds = edge_thresholds(n)
    return summarize_edges([edge_counts(prediction, humans, thresholds)], thresholds)


def test_thresholds_are_the_benchmarks():
    t = edge_thresholds(99)
    assert len(t) == 99 and t[0] == pytest.approx(0.01) and t[-1] == pytest.approx(0.99)
    with pytest.raises(ValueError):
        edge_thresholds(0)


def test_a_perfect_map_scores_one():
    truth = _line(150)
    result = _scores(truth.astype(np.float32), [truth])
    assert result["ods"]["f"] == result["ois"]["f"] == 1.0
    assert result["ods"]["p"] == result["ods"]["r"] == 1.0


def test_a_shift_within_the_tolerance_still_matches_and_beyond_it_does_not():
    truth = _line(150)
    assert _scores(_line(153).astype(np.float32), [truth])["ods"]["f"] == 1.0
    assert _scores(_line(155).astype(np.float32), [truth])["ods"]["f"] == 0.0


def test_matching_is_one_to_one():
    truth = np.zeros(SHAPE, bool)
    truth[100, 101] = True
    prediction = np.zeros(SHAPE, np.float32)
    prediction[100, [100, 102]] = 1.0  # both within reach of the one true pixel
    counts = edge_counts(prediction, [truth], np.array([0.5]))
    assert (counts.cnt_p[0], counts.sum_p[0], counts.cnt_r[0], counts.sum_r[0]) == (1, 2, 1, 1)


def test_a_pixel_is_correct_when_any_human_explains_it_and_recall_pools_humans():
    a, b = _line(100), _line(200)
    prediction = a.astype(np.float32)
    counts = edge_counts(prediction, [a, b], np.array([0.5]))
    assert counts.cnt_p[0] == counts.sum_p[0] == 300
    assert (counts.cnt_r[0], counts.sum_r[0]) == (300, 600)
    result = summarize_edges([counts], np.array([0.5]))
    assert result["ods"]["f"] == pytest.approx(2 * 1.0 * 0.5 / 1.5)


def test_an_empty_prediction_scores_zero():
    result = _scores(np.zeros(SHAPE, np.float32), [_line(150)])
    assert result["ods"]["f"] == result["ois"]["f"] == result["ap"] == 0.0
    assert result["ods"]["r"] == 0.0


def test_ods_picks_one_threshold_and_ois_each_images_best():
    truth = _line(150)
    faint_right = np.zeros(SHAPE, np.float32)
    faint_right[150, 50:350] = 0.3  # right only below 0.3
    strong_right = np.zeros(SHAPE, np.float32)
    strong_right[150, 50:350] = 0.9
    strong_right[50, 50:350] = 0.2  # a false line, gone above 0.2
    thresholds = edge_thresholds(9)  # 0.1 ... 0.9
    counts = [edge_counts(m, [truth], thresholds) for m in (faint_right, strong_right)]
    result = summarize_edges(counts, thresholds)
    assert result["ois"]["f"] == pytest.approx(1.0)  # 0.1-0.3 for one, 0.3-0.9 for the other
    assert result["ods"]["f"] == pytest.approx(1.0)  # 0.3 suits both
    assert result["ods"]["threshold"] == pytest.approx(0.3)


def test_average_precision_is_the_area_under_the_sampled_curve():
    recall, precision = np.array([1.0, 0.5, 0.2]), np.array([0.5, 0.8, 1.0])
    expected = 0.0
    for k in range(101):
        r = k / 100
        if r < 0.2 - 1e-12:
            continue  # below the smallest recall reached: 0, as the benchmark
        if r <= 0.5:
            p = 1.0 + (r - 0.2) / 0.3 * (0.8 - 1.0)
        else:
            p = 0.8 + (r - 0.5) / 0.5 * (0.5 - 0.8)
        expected += p * 0.01
    assert average_precision(precision, recall) == pytest.approx(expected)
    assert average_precision(np.array([1.0]), np.array([1.0])) == 0.0


def test_evaluating_a_network_on_a_split(tiny_bsds):
    torch.manual_seed(0)
    net = create_boundary_net(encoder_weights="random", device="cpu")
    seen = []
    result = evaluate_boundaries(
        tiny_bsds, net, n_thresholds=5, limit=1, on_image=lambda d, n: seen.append((d, n))
    )
    assert seen == [(1, 1)] and result["images"] == 1 and result["split"] == "val"
    assert 0.0 <= result["ods"]["f"] <= 1.0 and 0.0 <= result["ap"] <= 1.0
    assert len(result["per_threshold"]["f"]) == 5
    assert result["fingerprint"] == net.fingerprint() and not net.training
