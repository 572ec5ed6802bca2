"""BSDS500 hierarchy evaluation: boundary F (ODS/OIS) and segmentation covering (ODS/OIS).

Each image's merge tree is cut at the same fixed list of heights (the thresholds of its
ultrametric contour map), so ODS picks one threshold for the whole data set and OIS one per image.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS
from supercuts_app.base.images import load_image
from supercuts_app.datasets.bsds import iter_split
from supercuts_app.segmentation.boundaries import BoundaryNet
from supercuts_app.segmentation.edge_model import EdgeModel, FeatureScore
from supercuts_app.segmentation.features import Backbone
from supercuts_app.segmentation.hierarchy import build_hierarchy
from supercuts_app.segmentation.region_graph import deep_region_graph
from supercuts_app.segmentation.superpixels import compute_superpixels

from .hierarchy_metrics import evaluate_image, summarize

# Heights of the merge tree lie in [0, 1]; below 0.05 nearly every superpixel is its own region
# and above 0.85 nearly every image is one region, and the fine cuts are the costly ones to score.
DEFAULT_THRESHOLDS = tuple(np.round(np.linspace(0.05, 0.85, 33), 4))


@dataclass(frozen=True)
class HierarchyConfig:
    """One way of building the hierarchy, to compare several in one pass over the images."""

    name: str
    model: EdgeModel | FeatureScore | None
    spectral_weight: float = 0.3
    region_weight: float = 0.0


def evaluate_hierarchies(
    root: str | Path,
    configs: Sequence[HierarchyConfig],
    backbone: Backbone,
    *,
    split: str = "val",
    n_segments: int = DEFAULT_SUPERPIXELS,
    limit: int | None = None,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    exact_matching: bool = False,
    boundary_net: BoundaryNet | None = None,
    on_image: Callable[[int, int], None] | None = None,
) -> list[dict]:
    """Score each hierarchy config on a BSDS500 split; superpixels are computed once per image.

    ``exact_matching`` uses a maximum matching over all boundary pixel pairs (slower; see
    :func:`supercuts_app.eval.hierarchy_metrics.match_boundaries`). ``boundary_net`` gives the
    learned border cues (default: the shipped network).

    Returns one dict per config: its name, the BSDS summary (``boundary`` and ``covering`` ODS
    and OIS) and the thresholds.
    """
    items = list(iter_split(root, split, limit=limit))
    per_config: list[list] = [[] for _ in configs]
    for done, item in enumerate(items, start=1):
        image = load_image(item.image_path)
        labels = compute_superpixels(image, n_segments=n_segments, backbone=backbone).labels
        graph = deep_region_graph(backbone, image, labels, boundary_net=boundary_net)
        humans = [(h.segmentation, h.boundaries) for h in item.humans()]
        for scores, cfg in zip(per_config, configs, strict=True):
            tree = build_hierarchy(
                labels,
                graph,
                model=cfg.model,
                spectral_weight=cfg.spectral_weight,
                region_weight=cfg.region_weight,
            )
            levels = [tree.labels_at_height(t) for t in thresholds]
            scores.append(evaluate_image(levels, humans, exact=exact_matching))
        if on_image is not None:
            on_image(done, len(items))
    results = []
    for scores, cfg in zip(per_config, configs, strict=True):
        summary = summarize(scores)
        results.append(
            {
                "name": cfg.name,
                "split": split,
                "images": len(items),
                "n_segments": n_segments,
                "spectral_weight": cfg.spectral_weight,
                "region_weight": cfg.region_weight,
                "exact_matching": exact_matching,
                "thresholds": list(map(float, thresholds)),
                **summary,
            }
        )
    return results


def format_hierarchy_table(results: Sequence[dict]) -> str:
    """Plain-text table of boundary F and covering at ODS and OIS."""
    header = f"{'config':<22}{'F-ODS':>8}{'P':>7}{'R':>7}{'F-OIS':>8}{'Cov-ODS':>9}{'Cov-OIS':>9}"
    lines = [header, "-" * len(header)]
    for r in results:
        b, c = r["boundary"], r["covering"]
        lines.append(
            f"{r['name']:<22}{b['ods']['f']:>8.4f}{b['ods']['p']:>7.3f}{b['ods']['r']:>7.3f}"
            f"{b['ois']['f']:>8.4f}{c['ods']['value']:>9.4f}{c['ois']:>9.4f}"
        )
    return "\n".join(lines)
