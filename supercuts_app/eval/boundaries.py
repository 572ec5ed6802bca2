"""The BSDS500 edge benchmark for boundary probability maps (Arbelaez et al., TPAMI 2011).

As the benchmark's ``boundaryBench`` with thinned inputs (what HED, RCF and PiDiNet report):

1. the probability map is thinned by non-maximum suppression
   (:func:`~supercuts_app.segmentation.edge_thinning.edge_nms`);
2. at each of ``n`` thresholds ``1/(n+1), ..., n/(n+1)`` (99 by default: 0.01 ... 0.99) the
   pixels at or above the threshold are thinned morphologically to one pixel;
3. they are matched one-to-one to each human's boundary pixels within 0.0075 x the image
   diagonal (:func:`~supercuts_app.eval.hierarchy_metrics.boundary_counts`): a predicted pixel is
   correct when any human's matching takes it, recall pools every human's pixels;
4. counts are pooled over the images: ODS is the best F of the pooled counts at one threshold for
   the whole data set (precision and recall interpolated between neighbouring thresholds, as
   ``maxF``), OIS the pooled counts at each image's best threshold, AP the area under the pooled
   precision-recall curve sampled at recall steps of 0.01.

Approximation: ``correspondPixels`` computes a minimum-cost perfect matching; here the matching
is of maximum cardinality (which is what the counts depend on) with pixels at the same position
paired first, which finds about 1 % fewer matches than the maximum on BSDS500 maps, so scores
come out slightly conservative (see ``boundary_counts``'s ``exact`` option).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from supercuts_app.base.defaults import BOUNDARY_MAX_PIXELS
from supercuts_app.base.images import load_image
from supercuts_app.datasets.bsds import iter_split
from supercuts_app.eval.hierarchy_metrics import ImageScores, boundary_counts, summarize
from supercuts_app.segmentation.boundaries import BoundaryNet, boundary_map
from supercuts_app.segmentation.edge_thinning import edge_nms

DEFAULT_THRESHOLDS = 99
"""Thresholds of the BSDS edge benchmark (``nthresh = 99``)."""


def edge_thresholds(n: int = DEFAULT_THRESHOLDS) -> np.ndarray:
    """The benchmark's ``n`` thresholds, evenly spaced strictly between 0 and 1."""
    if n < 1:
        raise ValueError(f"need at least one threshold, got {n}")
    return np.linspace(1.0 / (n + 1), 1.0 - 1.0 / (n + 1), n)


def edge_counts(
    thinned: np.ndarray,
    humans_boundaries: Sequence[np.ndarray],
    thresholds: np.ndarray,
    *,
    exact: bool = False,
) -> ImageScores:
    """Benchmark counts of one (already non-maximum-suppressed) map at every threshold.

    Parameters
    ----------
    thinned : np.ndarray
        (H, W) boundary strengths after :func:`edge_nms`.
    humans_boundaries : sequence of np.ndarray
        Boolean (H, W) boundary maps of the humans.
    thresholds : np.ndarray
        Increasing thresholds; a pixel is predicted at ``t`` when its strength is ``>= t``.
    exact : bool
        Maximum matching over all pairs (slower; see the module's note).

    Returns
    -------
    ImageScores
        Boundary counts per threshold (the hierarchy benchmark's record, one "level" per
        threshold; no covering counts).
    """
    thinned = np.asarray(thinned, dtype=np.float32)
    counts = np.zeros((len(thresholds), 4), dtype=np.int64)
    previous_size, previous = -1, None
    for k, t in enumerate(thresholds):
        predicted = thinned >= t
        size = int(predicted.sum())
        # Higher thresholds give nested sets: an equal size means the very same pixels.
        if size == previous_size and previous is not None:
            counts[k] = previous
            continue
        counts[k] = boundary_counts(predicted, humans_boundaries, exact=exact)
        previous_size, previous = size, counts[k]
    zeros = np.zeros(len(thresholds))
    return ImageScores(*counts.T.copy(), zeros, zeros)


def average_precision(precision: np.ndarray, recall: np.ndarray) -> float:
    """Area under a precision-recall curve given at thresholds, as the BSDS benchmark takes it.

    Precision is interpolated linearly in recall at 0, 0.01, ... up to the largest recall
    reached; recalls below the smallest one measured count as precision 0 (as the benchmark's
    ``interp1`` leaves them undefined and then zero).
    """
    recall_u, first = np.unique(np.asarray(recall, dtype=np.float64), return_index=True)
    if len(recall_u) < 2:
        return 0.0
    precision_u = np.asarray(precision, dtype=np.float64)[first]
    grid = np.arange(0.0, recall_u[-1] + 1e-12, 0.01)
    return float(np.interp(grid, recall_u, precision_u, left=0.0).sum() * 0.01)


def summarize_edges(images: Sequence[ImageScores], thresholds: np.ndarray) -> dict[str, Any]:
    """ODS, OIS and AP of per-image counts.

    Parameters
    ----------
    images : sequence of ImageScores
        Counts of every image at the same thresholds.
    thresholds : np.ndarray
        Those thresholds.

    Returns
    -------
    dict
        ``{"ods": {"f", "p", "r", "threshold"}, "ois": {"f", "p", "r"}, "ap",
        "per_threshold": {"threshold", "p", "r", "f"}, "images"}`` with plain numbers and lists.
    """
    # The hierarchy benchmark pools counts over levels exactly as the edge benchmark pools them
    # over thresholds.
    pooled = summarize(images)["boundary"]
    per = pooled["per_level"]
    ods = pooled["ods"]
    return {
        "ods": {
            "f": ods["f"],
            "p": ods["p"],
            "r": ods["r"],
            "threshold": float(thresholds[ods["level"]]),
        },  # fmt: skip
        "ois": dict(pooled["ois"]),
        "ap": average_precision(np.array(per["p"]), np.array(per["r"])),
        "per_threshold": {"threshold": [float(t) for t in thresholds], **per},
        "images": len(images),
    }


def evaluate_boundaries(
    root: str | Path,
    net: BoundaryNet,
    *,
    split: str = "val",
    n_thresholds: int = DEFAULT_THRESHOLDS,
    limit: int | None = None,
    max_pixels: int = BOUNDARY_MAX_PIXELS,
    exact: bool = False,
    scales: Sequence[float] = (1.0,),
    on_image: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run the network on a BSDS500 split and score it with the edge benchmark.

    Parameters
    ----------
    root : str or Path
        BSDS500 folder (see :func:`~supercuts_app.datasets.bsds.find_data_dir`).
    net : BoundaryNet
        The network, used in eval mode.
    split : str
        Any split folder present (``train``, ``val``, ``test``).
    n_thresholds : int
        Number of thresholds.
    limit : int, optional
        First N images only.
    max_pixels : int
        Working resolution of the network (BSDS500 images are below the default).
    exact : bool
        Maximum matching over all pixel pairs (slower).
    scales : sequence of float
        Image scales whose maps are averaged (see
        :func:`~supercuts_app.segmentation.boundaries.boundary_map`; the app uses one).
    on_image : callable, optional
        Called as ``on_image(done, total)`` after each image.

    Returns
    -------
    dict
        :func:`summarize_edges`'s result plus ``split`` and ``fingerprint``.
    """
    items = list(iter_split(root, split, limit=limit))
    thresholds = edge_thresholds(n_thresholds)
    was_training = net.training
    net.eval()
    counts = []
    try:
        for done, item in enumerate(items, start=1):
            image = load_image(item.image_path)
            probability = boundary_map(net, image, max_pixels=max_pixels, scales=scales)
            humans = [h.boundaries for h in item.humans()]
            counts.append(edge_counts(edge_nms(probability), humans, thresholds, exact=exact))
            if on_image is not None:
                on_image(done, len(items))
    finally:
        net.train(was_training)
    result = summarize_edges(counts, thresholds)
    result.update(split=split, fingerprint=net.fingerprint(), scales=[float(f) for f in scales])
    return result


def format_boundary_result(result: dict[str, Any]) -> str:
    """The benchmark's three numbers (and ODS's precision/recall/threshold) as a short table."""
    ods, ois = result["ods"], result["ois"]
    return "\n".join(
        [
            f"{'':6s}{'F':>7s}{'P':>7s}{'R':>7s}",
            f"{'ODS':6s}{ods['f']:7.4f}{ods['p']:7.4f}{ods['r']:7.4f}"
            f"   (threshold {ods['threshold']:.2f})",
            f"{'OIS':6s}{ois['f']:7.4f}{ois['p']:7.4f}{ois['r']:7.4f}",
            f"{'AP':6s}{result['ap']:7.4f}",
            f"{result['images']} images of {result.get('split', '?')}",
        ]
    )
