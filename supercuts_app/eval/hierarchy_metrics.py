"""BSDS500 benchmark measures for hierarchical segmentations (Arbelaez et al., TPAMI 2011).

A hierarchy is given as a sequence of label maps ordered from fine to coarse (thresholds of an
ultrametric contour map). Each level is scored against every human annotation with the boundary
precision/recall of the BSDS ``correspondPixels`` protocol and with segmentation covering; the
per-image counts are then pooled over a data set into ODS (one level for the whole data set) and
OIS (best level per image) scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching
from scipy.spatial import cKDTree
from skimage.morphology import thin

from supercuts_app.segmentation.superpixels import label_boundaries

DEFAULT_MAXDIST_FRACTION = 0.0075
"""BSDS tolerance: matching distance as a fraction of the image diagonal."""


@dataclass(frozen=True)
class ImageScores:
    """Per-level counts of one image, each an array of shape (L,).

    Attributes
    ----------
    cnt_p, sum_p : np.ndarray
        Predicted boundary pixels matched to any human, and all predicted boundary pixels.
    cnt_r, sum_r : np.ndarray
        Human boundary pixels matched, and all human boundary pixels, summed over humans.
    cover_sum, cover_total : np.ndarray
        Area-weighted best IoU of the human regions, and their total area, summed over humans.
    """

    cnt_p: np.ndarray
    sum_p: np.ndarray
    cnt_r: np.ndarray
    sum_r: np.ndarray
    cover_sum: np.ndarray
    cover_total: np.ndarray


@dataclass(frozen=True)
class _PixelSet:
    """Boundary pixel coordinates with their KD-tree, built once and reused across matchings."""

    points: np.ndarray
    tree: cKDTree

    @classmethod
    def from_mask(cls, mask: np.ndarray) -> _PixelSet:
        points = np.argwhere(mask).astype(np.float64)
        return cls(points, cKDTree(points))


def max_match_distance(
    shape: tuple[int, ...], maxdist_fraction: float = DEFAULT_MAXDIST_FRACTION
) -> float:
    """Matching tolerance in pixels: ``maxdist_fraction`` times the image diagonal."""
    return float(maxdist_fraction * np.hypot(shape[0], shape[1]))


def _match_indices(
    pred: _PixelSet, truth: _PixelSet, max_dist: float, *, exact: bool = False
) -> tuple[np.ndarray, ...]:
    """Indices of the predicted and truth pixels of a one-to-one matching within ``max_dist``.

    ``exact=True``: a maximum-cardinality matching (Hopcroft-Karp) over all pairs. By default,
    pixels at the very same position are paired first and the maximum matching is computed on
    the rest: this breaks the long augmenting chains along parallel contours that can make
    Hopcroft-Karp slow (about 5 times faster on BSDS500 hierarchies), at the price of about 1 %
    fewer matches than the maximum there, so scores come out slightly conservative.
    """
    empty = np.zeros(0, dtype=np.intp)
    if len(pred.points) == 0 or len(truth.points) == 0:
        return empty, empty
    # Records (i, j, distance) of every pair within max_dist; distance-0 pairs are kept, which a
    # sparse matrix of distances would silently drop.
    pairs = pred.tree.sparse_distance_matrix(truth.tree, max_dist, output_type="ndarray")
    if len(pairs) == 0:
        return empty, empty
    i, j = pairs["i"].astype(np.intp), pairs["j"].astype(np.intp)
    first_p, first_t = empty, empty
    if not exact:
        same = pairs["v"] == 0  # each pixel has at most one partner at distance 0
        first_p, first_t = i[same], j[same]
        used_p = np.zeros(len(pred.points), dtype=bool)
        used_t = np.zeros(len(truth.points), dtype=bool)
        used_p[first_p] = True
        used_t[first_t] = True
        keep = ~used_p[i] & ~used_t[j]
        i, j = i[keep], j[keep]
    graph = csr_matrix(
        (np.ones(len(i), dtype=np.int8), (i, j)), shape=(len(pred.points), len(truth.points))
    )
    partner = maximum_bipartite_matching(graph, perm_type="column")
    pred_idx = np.flatnonzero(partner >= 0)
    return np.concatenate([first_p, pred_idx]), np.concatenate([first_t, partner[pred_idx]])


def match_boundaries(
    pred: np.ndarray, truth: np.ndarray, max_dist: float, *, exact: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one matching of predicted to ground-truth boundary pixels.

    Pixels may be paired when their Euclidean distance is at most ``max_dist``. The matching has
    maximum cardinality (Hopcroft-Karp), which is what BSDS ``correspondPixels`` effectively
    maximises; unlike it, ties between equally large matchings are not broken by total distance,
    which changes which pixels match but never how many.

    Parameters
    ----------
    pred, truth : np.ndarray
        Boolean boundary maps of equal shape.
    max_dist : float
        Largest distance, in pixels, of a matched pair.
    exact : bool
        Maximum-cardinality matching over all pairs, without first pairing coincident pixels
        (slower; see :func:`_match_indices`).

    Returns
    -------
    tuple of np.ndarray
        Boolean maps of the matched predicted pixels and of the matched truth pixels.
    """
    pred, truth = np.asarray(pred, dtype=bool), np.asarray(truth, dtype=bool)
    if pred.shape != truth.shape:
        raise ValueError(f"shape mismatch: {pred.shape} vs {truth.shape}")
    pred_set, truth_set = _PixelSet.from_mask(pred), _PixelSet.from_mask(truth)
    pred_idx, truth_idx = _match_indices(pred_set, truth_set, max_dist, exact=exact)
    return _to_mask(pred_set.points[pred_idx], pred.shape), _to_mask(
        truth_set.points[truth_idx], truth.shape
    )


def _to_mask(points: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    rows, cols = points.astype(np.intp).T
    mask[rows, cols] = True
    return mask


def _counts_against(
    pred: _PixelSet, truths: Sequence[_PixelSet], max_dist: float, exact: bool = False
) -> tuple[int, int, int, int]:
    """BSDS counts of one thinned prediction against prepared human boundary sets."""
    # A predicted pixel is correct if any human explains it, so matches are OR-ed over humans,
    # while recall pools every human's pixels separately.
    hit = np.zeros(len(pred.points), dtype=bool)
    cnt_r = sum_r = 0
    for truth in truths:
        pred_idx, truth_idx = _match_indices(pred, truth, max_dist, exact=exact)
        hit[pred_idx] = True
        cnt_r += len(truth_idx)
        sum_r += len(truth.points)
    return int(hit.sum()), len(pred.points), cnt_r, sum_r


def boundary_counts(
    pred_boundary: np.ndarray,
    humans_boundaries: Sequence[np.ndarray],
    max_dist: float | None = None,
    *,
    maxdist_fraction: float = DEFAULT_MAXDIST_FRACTION,
    exact: bool = False,
) -> tuple[int, int, int, int]:
    """BSDS boundary counts of one predicted boundary map against several humans.

    Parameters
    ----------
    pred_boundary : np.ndarray
        Boolean predicted boundary map; it is thinned first, as in BSDS.
    humans_boundaries : sequence of np.ndarray
        Boolean human boundary maps of the same shape (used as given).
    max_dist : float, optional
        Matching tolerance in pixels; by default ``maxdist_fraction`` of the image diagonal.
    maxdist_fraction : float
        Tolerance as a fraction of the diagonal when ``max_dist`` is not given.
    exact : bool
        Maximum-cardinality matching over all pairs (see :func:`_match_indices`).

    Returns
    -------
    tuple of int
        ``(cnt_p, sum_p, cnt_r, sum_r)``: predicted pixels matched to any human, predicted
        pixels, human pixels matched (summed over humans), human pixels (summed over humans).
    """
    pred_boundary = np.asarray(pred_boundary, dtype=bool)
    if max_dist is None:
        max_dist = max_match_distance(pred_boundary.shape, maxdist_fraction)
    truths = [_PixelSet.from_mask(np.asarray(h, dtype=bool)) for h in humans_boundaries]
    return _counts_against(_PixelSet.from_mask(thin(pred_boundary)), truths, max_dist, exact)


def _compact_labels(labels: np.ndarray) -> tuple[np.ndarray, int]:
    """Labels renumbered to 0..K-1 (flattened) and K."""
    flat = np.asarray(labels).ravel()
    if flat.size and np.issubdtype(flat.dtype, np.integer) and flat.min() >= 0:
        if flat.max() < 4 * flat.size:
            # A lookup table is O(n), where np.unique would sort every pixel.
            present = np.bincount(flat) > 0
            lut = np.cumsum(present) - 1
            return lut[flat], int(present.sum())
    _, inverse = np.unique(flat, return_inverse=True)
    return inverse.ravel(), (int(inverse.max()) + 1 if inverse.size else 0)


def _covering_compact(
    pred: np.ndarray, n_pred: int, truth: np.ndarray, n_truth: int
) -> tuple[float, int]:
    """Covering sums of compact flat label arrays (see ``segmentation_covering``)."""
    table = np.bincount(pred * n_truth + truth, minlength=n_pred * n_truth)
    table = table.reshape(n_pred, n_truth)
    pred_size, truth_size = table.sum(axis=1), table.sum(axis=0)
    iou = table / (pred_size[:, None] + truth_size[None, :] - table)
    return float(truth_size @ iou.max(axis=0)), int(truth.size)


def segmentation_covering(pred_labels: np.ndarray, truth_labels: np.ndarray) -> tuple[float, int]:
    """Covering of a ground truth by a prediction, as unnormalised sums.

    Every ground-truth region R contributes ``|R| * max_R' IoU(R, R')`` over predicted regions R'.
    All labels count as regions, including 0.

    Parameters
    ----------
    pred_labels, truth_labels : np.ndarray
        Integer label maps of equal shape.

    Returns
    -------
    tuple
        ``(weighted_sum, total)`` with ``total`` the summed region area (the pixel count), so that
        covering is ``weighted_sum / total`` and sums pool over humans and images.
    """
    if np.shape(pred_labels) != np.shape(truth_labels):
        raise ValueError(f"shape mismatch: {np.shape(pred_labels)} vs {np.shape(truth_labels)}")
    if np.size(truth_labels) == 0:
        return 0.0, 0
    pred, n_pred = _compact_labels(pred_labels)
    truth, n_truth = _compact_labels(truth_labels)
    return _covering_compact(pred, n_pred, truth, n_truth)


def evaluate_image(
    levels: Sequence[np.ndarray],
    humans: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    maxdist_fraction: float = DEFAULT_MAXDIST_FRACTION,
    exact: bool = False,
) -> ImageScores:
    """Boundary and covering counts of every level of a hierarchy against all humans.

    Parameters
    ----------
    levels : sequence of np.ndarray
        Integer label maps ordered fine to coarse, all of the image's shape.
    humans : sequence of (np.ndarray, np.ndarray)
        ``(segmentation labels, boundary map)`` of each human annotation.
    maxdist_fraction : float
        Boundary matching tolerance as a fraction of the image diagonal.

    exact : bool
        Maximum-cardinality boundary matching over all pairs (slower; see
        :func:`_match_indices`).

    Returns
    -------
    ImageScores
        Counts per level.
    """
    if not levels or not humans:
        raise ValueError("need at least one level and one human annotation")
    shape = np.shape(levels[0])
    for array in [*levels, *(a for pair in humans for a in pair)]:
        if np.shape(array) != shape:
            raise ValueError(f"shape mismatch: {np.shape(array)} vs {shape}")
    max_dist = max_match_distance(shape, maxdist_fraction)
    # Human-side work (trees, compact labels) is shared by all levels.
    truths = [_PixelSet.from_mask(np.asarray(b, dtype=bool)) for _, b in humans]
    segs = [_compact_labels(s) for s, _ in humans]

    boundary = np.zeros((len(levels), 4), dtype=np.int64)
    cover_sum = np.zeros(len(levels))
    cover_total = np.zeros(len(levels), dtype=np.int64)
    for i, level in enumerate(levels):
        pred = _PixelSet.from_mask(thin(label_boundaries(np.asarray(level))))
        boundary[i] = _counts_against(pred, truths, max_dist, exact)
        labels, n_labels = _compact_labels(level)
        for truth, n_truth in segs:
            weighted, total = _covering_compact(labels, n_labels, truth, n_truth)
            cover_sum[i] += weighted
            cover_total[i] += total
    return ImageScores(*boundary.T.copy(), cover_sum, cover_total)


def _ratio(count: np.ndarray, total: np.ndarray) -> np.ndarray:
    """count / total, 0 where total is 0 (as BSDS divides by ``total + (total == 0)``)."""
    return count / np.where(total > 0, total, 1)


def _f_measure(p: np.ndarray, r: np.ndarray) -> np.ndarray:
    denom = p + r
    return np.where(denom > 0, 2 * p * r / np.where(denom > 0, denom, 1), 0.0)


def _interpolated_best_f(p: np.ndarray, r: np.ndarray) -> tuple[float, float, float]:
    """Best F over levels and 100 linear steps between neighbouring levels (BSDS ``maxF``)."""
    if len(p) == 1:
        return float(_f_measure(p, r)[0]), float(p[0]), float(r[0])
    d = np.linspace(0.0, 1.0, 101)[None, :]
    pi = p[:-1, None] * (1 - d) + p[1:, None] * d
    ri = r[:-1, None] * (1 - d) + r[1:, None] * d
    fi = _f_measure(pi, ri)
    k = np.unravel_index(np.argmax(fi), fi.shape)
    return float(fi[k]), float(pi[k]), float(ri[k])


def summarize(images: Sequence[ImageScores]) -> dict[str, Any]:
    """Pool per-image counts into BSDS ODS/OIS boundary and covering scores.

    Boundary ODS takes the best F of counts summed over images, with precision and recall
    interpolated linearly between neighbouring levels as BSDS's ``maxF`` does (``f_at_level`` is
    the best F at a level itself); OIS takes each image's best-F level (first on ties).
    Covering pools ``cover_sum / cover_total`` over images as BSDS does; ODS picks one level, OIS
    each image's best level (last, i.e. coarsest, on ties).

    Parameters
    ----------
    images : sequence of ImageScores
        Scores of every image, all with the same number of levels.

    Returns
    -------
    dict
        ``{"boundary": {"ods": {"f", "p", "r", "level"}, "ois": {"f", "p", "r"},
        "per_level": {"p", "r", "f"}}, "covering": {"ods": {"value", "level"}, "ois",
        "per_level"}}`` with plain floats, ints and lists.
    """
    if not images:
        raise ValueError("no images to summarize")
    n_levels = {len(s.cnt_p) for s in images}
    if len(n_levels) != 1:
        raise ValueError(f"all images need the same number of levels, got {sorted(n_levels)}")
    cnt_p, sum_p, cnt_r, sum_r, cover_sum, cover_total = (
        np.stack([getattr(s, name) for s in images]).astype(np.float64)
        for name in ("cnt_p", "sum_p", "cnt_r", "sum_r", "cover_sum", "cover_total")
    )

    p = _ratio(cnt_p.sum(0), sum_p.sum(0))
    r = _ratio(cnt_r.sum(0), sum_r.sum(0))
    f = _f_measure(p, r)
    ods = int(np.argmax(f))
    ods_f, ods_p, ods_r = _interpolated_best_f(p, r)

    rows = np.arange(len(images))
    best = np.argmax(_f_measure(_ratio(cnt_p, sum_p), _ratio(cnt_r, sum_r)), axis=1)
    ois_p = _ratio(cnt_p[rows, best].sum(), sum_p[rows, best].sum())
    ois_r = _ratio(cnt_r[rows, best].sum(), sum_r[rows, best].sum())

    cover = _ratio(cover_sum.sum(0), cover_total.sum(0))
    cover_ods = int(np.argmax(cover))
    per_image = _ratio(cover_sum, cover_total)
    # Last maximum, as BSDS's find(R == max(R)) then ff(end).
    cover_best = per_image.shape[1] - 1 - np.argmax(per_image[:, ::-1], axis=1)
    cover_ois = _ratio(cover_sum[rows, cover_best].sum(), cover_total[rows, cover_best].sum())

    return {
        "boundary": {
            "ods": {
                "f": ods_f,
                "p": ods_p,
                "r": ods_r,
                "level": ods,
                "f_at_level": float(f[ods]),
            },
            "ois": {
                "f": float(_f_measure(ois_p, ois_r)),
                "p": float(ois_p),
                "r": float(ois_r),
            },
            "per_level": {"p": p.tolist(), "r": r.tolist(), "f": f.tolist()},
        },
        "covering": {
            "ods": {"value": float(cover[cover_ods]), "level": cover_ods},
            "ois": float(cover_ois),
            "per_level": cover.tolist(),
        },
    }
