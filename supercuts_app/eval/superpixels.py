"""BSDS500 superpixel evaluation: segment count, ASA, boundary recall, UE and time per image."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS
from supercuts_app.base.images import load_image
from supercuts_app.datasets.bsds import iter_split
from supercuts_app.segmentation.superpixels import compute_superpixels

from .metrics import superpixel_scores

METRIC_NAMES = ("segments", "asa", "boundary_recall", "undersegmentation_error", "seconds")


def evaluate_superpixels(
    root: str | Path,
    *,
    split: str = "val",
    method: str = "ssn",
    n_segments: int = DEFAULT_SUPERPIXELS,
    limit: int | None = None,
    on_image: Callable[[int, int], None] | None = None,
    **superpixel_options,
) -> dict:
    """Score one superpixel method on a BSDS500 split.

    Each image's scores are averaged over all of its human segmentations, then over images.

    Parameters
    ----------
    root : str or Path
        BSDS500 folder (see :func:`supercuts_app.datasets.bsds.find_data_dir`).
    split, method, n_segments, limit
        What to evaluate.
    on_image : callable, optional
        Called as ``on_image(done, total)`` after each image.
    **superpixel_options
        Passed to :func:`supercuts_app.segmentation.superpixels.compute_superpixels`.

    Returns
    -------
    dict
        ``mean`` (metric -> value), ``per_image`` (rows) and the settings.
    """
    items = list(iter_split(root, split, limit=limit))
    rows = []
    for done, item in enumerate(items, start=1):
        image = load_image(item.image_path)
        result = compute_superpixels(
            image, method=method, n_segments=n_segments, **superpixel_options
        )
        humans = [
            superpixel_scores(result.labels, h.segmentation, h.boundaries) for h in item.humans()
        ]
        row = {"image": item.name, "seconds": result.seconds}
        for key in humans[0]:
            row[key] = float(np.mean([h[key] for h in humans]))
        rows.append(row)
        if on_image is not None:
            on_image(done, len(items))
    mean = {key: float(np.mean([r[key] for r in rows])) for key in METRIC_NAMES}
    return {
        "split": split,
        "method": method,
        "n_segments_requested": n_segments,
        "images": len(rows),
        "mean": mean,
        "per_image": rows,
    }


def format_table(results: list[dict]) -> str:
    """A plain-text table of the mean scores of several evaluation results."""
    header = (
        f"{'method':<15}{'asked':>7}{'segments':>10}{'ASA':>8}{'BR(r=2)':>9}{'UE':>8}{'s/img':>8}"
    )
    lines = [header, "-" * len(header)]
    for res in results:
        m = res["mean"]
        lines.append(
            f"{res['method']:<15}{res['n_segments_requested']:>7}{m['segments']:>10.0f}"
            f"{m['asa']:>8.4f}{m['boundary_recall']:>9.4f}{m['undersegmentation_error']:>8.4f}"
            f"{m['seconds']:>8.3f}"
        )
    return "\n".join(lines)
