"""Tests of the BSDS500 hierarchy measures on tiny maps with hand-computed answers."""

from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.eval.hierarchy_metrics import (
    ImageScores,
    boundary_counts,
    evaluate_image,
    match_boundaries,
    max_match_distance,
    segmentation_covering,
    summarize,
)
from supercuts_app.segmentation.superpixels import label_boundaries


def vertical_line(shape: tuple[int, int], col: int, rows: slice = slice(None)) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[rows, col] = True
    return mask


def halves(size: int = 16) -> np.ndarray:
    labels = np.zeros((size, size), dtype=np.int64)
    labels[:, size // 2 :] = 1
    return labels


def quadrants(size: int = 16) -> np.ndarray:
    labels = halves(size)
    labels[size // 2 :] += 2
    return labels


def human(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return labels, label_boundaries(labels)


# --- match_boundaries --------------------------------------------------------------------------


def test_line_one_pixel_off_matches_everything() -> None:
    truth = vertical_line((20, 20), 10, slice(2, 18))
    pred = vertical_line((20, 20), 11, slice(2, 18))
    matched_pred, matched_truth = match_boundaries(pred, truth, 1.5)
    np.testing.assert_array_equal(matched_pred, pred)
    np.testing.assert_array_equal(matched_truth, truth)


def test_identical_maps_match_at_distance_zero() -> None:
    truth = vertical_line((10, 10), 4)
    matched_pred, matched_truth = match_boundaries(truth, truth, 0.5)
    assert matched_pred.sum() == matched_truth.sum() == 10


def test_line_three_pixels_off_matches_nothing() -> None:
    truth = vertical_line((20, 20), 10, slice(2, 18))
    pred = vertical_line((20, 20), 13, slice(2, 18))
    matched_pred, matched_truth = match_boundaries(pred, truth, 2.0)
    assert not matched_pred.any()
    assert not matched_truth.any()


def test_matching_is_one_to_one() -> None:
    truth = vertical_line((20, 20), 10, slice(2, 18))
    pred = vertical_line((20, 20), 9, slice(2, 18)) | vertical_line((20, 20), 11, slice(2, 18))
    matched_pred, matched_truth = match_boundaries(pred, truth, 1.5)
    assert pred.sum() == 32
    assert matched_truth.sum() == 16
    assert matched_pred.sum() == 16
    assert not (matched_pred & ~pred).any()


def test_empty_maps_match_nothing() -> None:
    empty = np.zeros((6, 6), dtype=bool)
    line = vertical_line((6, 6), 2)
    for pred, truth in [(empty, line), (line, empty), (empty, empty)]:
        matched_pred, matched_truth = match_boundaries(pred, truth, 3.0)
        assert matched_pred.shape == matched_truth.shape == (6, 6)
        assert not matched_pred.any() and not matched_truth.any()


def test_match_distance_is_a_fraction_of_the_diagonal() -> None:
    assert max_match_distance((321, 481)) == pytest.approx(0.0075 * np.hypot(321, 481))
    assert max_match_distance((3, 4), 0.5) == pytest.approx(2.5)


# --- boundary_counts ---------------------------------------------------------------------------


def test_boundary_counts_two_humans() -> None:
    shape = (12, 12)
    pred = vertical_line(shape, 5)  # 12 px
    # Human A explains the top 4 predicted pixels and has a far line (6 px away) that no predicted
    # pixel explains; human B explains 4 bottom pixels. Precision ORs the humans: 8 of 12.
    human_a = vertical_line(shape, 6, slice(0, 4)) | vertical_line(shape, 11)
    human_b = vertical_line(shape, 4, slice(8, 12))
    assert boundary_counts(pred, [human_a, human_b], 1.5) == (8, 12, 8, 16 + 4)


def test_boundary_counts_default_tolerance_and_thinning() -> None:
    shape = (12, 12)
    pred = vertical_line(shape, 5)
    # Default tolerance is 0.0075 * diagonal (0.13 px here): only exact overlaps count.
    assert boundary_counts(pred, [pred, vertical_line(shape, 6)]) == (12, 12, 12, 24)
    # A 2 px wide, 12 px long bar is thinned (Guo-Hall) to an 11 px line in column 5 first.
    assert boundary_counts(pred | vertical_line(shape, 6), [pred], 1.5) == (11, 11, 11, 12)


# --- segmentation_covering ---------------------------------------------------------------------


def test_covering_of_identical_maps_is_one() -> None:
    # Arbitrary, negative and sparse label values must not matter.
    labels = np.array([[3, 3, -7], [1_000_000, 3, -7]])
    weighted, total = segmentation_covering(labels, labels)
    assert total == 6
    assert weighted == pytest.approx(6.0)


def test_covering_of_halves_by_one_region_is_half() -> None:
    weighted, total = segmentation_covering(np.zeros((8, 8), dtype=int), halves(8))
    assert (weighted, total) == (pytest.approx(32.0), 64)


def test_covering_hand_computed() -> None:
    pred = np.ones((8, 8), dtype=int)
    pred[:, :2] = 0  # 16 px strip and a 48 px rest
    # Left half (32 px): best IoU 16/32 with the strip; right half: 32/48 with the rest.
    weighted, total = segmentation_covering(pred, halves(8))
    assert total == 64
    assert weighted == pytest.approx(32 * 0.5 + 32 * 2 / 3)


# --- evaluate_image and summarize --------------------------------------------------------------

LEVELS = [quadrants(), halves(), np.zeros((16, 16), dtype=np.int64)]


def test_evaluate_image_counts() -> None:
    scores = evaluate_image(LEVELS, [human(halves()), human(halves())])
    # Quadrant boundaries are a 31 px cross; the halves' boundary is its 16 px vertical arm.
    np.testing.assert_array_equal(scores.cnt_p, [16, 16, 0])
    np.testing.assert_array_equal(scores.sum_p, [31, 16, 0])
    np.testing.assert_array_equal(scores.cnt_r, [32, 32, 0])
    np.testing.assert_array_equal(scores.sum_r, [32, 32, 32])
    np.testing.assert_allclose(scores.cover_sum, [256, 512, 256])
    np.testing.assert_array_equal(scores.cover_total, [512, 512, 512])


def test_summary_finds_the_correct_level() -> None:
    images = [evaluate_image(LEVELS, [human(halves())] * 2) for _ in range(2)]
    summary = summarize(images)
    assert summary["boundary"]["ods"] == {
        "f": 1.0,
        "p": 1.0,
        "r": 1.0,
        "level": 1,
        "f_at_level": 1.0,
    }
    assert summary["boundary"]["ois"] == {"f": 1.0, "p": 1.0, "r": 1.0}
    assert summary["covering"]["ods"] == {"value": 1.0, "level": 1}
    assert summary["covering"]["ois"] == 1.0
    np.testing.assert_allclose(summary["boundary"]["per_level"]["p"], [16 / 31, 1, 0])
    np.testing.assert_allclose(summary["boundary"]["per_level"]["r"], [1, 1, 0])
    np.testing.assert_allclose(summary["boundary"]["per_level"]["f"], [32 / 47, 1, 0])
    np.testing.assert_allclose(summary["covering"]["per_level"], [0.5, 1.0, 0.5])


def test_ois_picks_the_best_level_per_image() -> None:
    images = [
        evaluate_image(LEVELS, [human(halves())] * 2),  # best at level 1
        evaluate_image(LEVELS, [human(quadrants())] * 3),  # best at level 0
    ]
    summary = summarize(images)
    # Level 0 pooled: P = (16 + 31) / 62, R = 1; level 1: P = 1, R = (32 + 48) / 125.
    p0, r1 = 47 / 62, 80 / 125
    np.testing.assert_allclose(
        summary["boundary"]["per_level"]["f"], [2 * p0 / (p0 + 1), 2 * r1 / (1 + r1), 0]
    )
    ods = summary["boundary"]["ods"]
    assert ods["level"] == 0
    assert ods["f_at_level"] == pytest.approx(2 * p0 / (p0 + 1))
    # BSDS interpolates P and R linearly between levels: between level 0 (p0, 1) and level 1
    # (1, r1) the best F lies at P = p0 + t (1 - p0), R = 1 - t (1 - r1) for the best t.
    t = np.linspace(0, 1, 101)
    pi, ri = p0 + t * (1 - p0), 1 - t * (1 - r1)
    fi = 2 * pi * ri / (pi + ri)
    best = int(np.argmax(fi))
    assert ods["f"] == pytest.approx(fi[best]) and ods["f"] > ods["f_at_level"]
    assert (ods["p"], ods["r"]) == (pytest.approx(pi[best]), pytest.approx(ri[best]))
    assert summary["boundary"]["ois"] == {"f": 1.0, "p": 1.0, "r": 1.0}
    # Covering pools pixel counts over humans and images (512 and 768 px here), as BSDS does.
    np.testing.assert_allclose(
        summary["covering"]["per_level"],
        [(256 + 768) / 1280, (512 + 384) / 1280, (256 + 192) / 1280],
    )
    assert summary["covering"]["ods"] == {"value": pytest.approx(0.8), "level": 0}
    assert summary["covering"]["ois"] == pytest.approx(1.0)


def test_summarize_rejects_mismatched_level_counts() -> None:
    one = ImageScores(*(np.ones(3) for _ in range(6)))
    two = ImageScores(*(np.ones(2) for _ in range(6)))
    with pytest.raises(ValueError, match="same number of levels"):
        summarize([one, two])
    with pytest.raises(ValueError):
        summarize([])


def test_evaluate_image_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError):
        evaluate_image([], [human(halves())])
    with pytest.raises(ValueError, match="shape"):
        evaluate_image([np.zeros((4, 4), dtype=int)], [human(halves())])


def test_exact_matching_never_counts_fewer_matches():
    rng = np.random.default_rng(3)
    truth = np.zeros((40, 40), bool)
    truth[:, 20] = True
    truth[10, :] = True
    pred = np.zeros((40, 40), bool)
    pred[:, 19] = True
    pred[:, 21] = True
    pred[rng.integers(0, 40, 30), rng.integers(0, 40, 30)] = True
    pred[10, :] = True
    fast = boundary_counts(pred, [truth], 2.0)
    exact = boundary_counts(pred, [truth], 2.0, exact=True)
    assert exact[1] == fast[1] and exact[3] == fast[3]  # same pixel totals
    assert exact[0] >= fast[0] and exact[2] >= fast[2]
    assert exact[2] <= exact[3]
