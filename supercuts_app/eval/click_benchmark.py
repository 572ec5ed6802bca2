"""``supercuts eval clicks``: the click robot on BSDS500 regions or CCP persons and parts.

Each image is segmented twice: by SuperCuts (SSN superpixels + learned hierarchy, the window's
default) and by the baseline (SLIC at a matched superpixel count + plain colour merging); the
same robot annotates every target on both, in the same run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS
from supercuts_app.base.images import load_image
from supercuts_app.segmentation.cache import SegmentationCache
from supercuts_app.segmentation.hierarchy import MergeHierarchy
from supercuts_app.segmentation.segment import segment_image
from supercuts_app.segmentation.superpixels import compute_superpixels

from .clicks import RobotRun, colour_hierarchy, robot_annotate, summarize_runs

METHODS = ("supercuts", "slic-colour")


def slic_matched(image: np.ndarray, count: int) -> np.ndarray:
    """SLIC superpixels numbering about ``count`` (SLIC returns fewer than asked: ask again)."""
    labels = compute_superpixels(image, method="slic", n_segments=count).labels
    got = int(labels.max()) + 1
    if got < 0.95 * count:
        asked = round(count * count / max(got, 1))
        labels = compute_superpixels(image, method="slic", n_segments=asked).labels
    return labels


def hierarchies(
    image: np.ndarray, n_segments: int, cache: SegmentationCache | None
) -> dict[str, MergeHierarchy]:
    """SuperCuts' hierarchy and the baseline's, for one image."""
    tree = segment_image(image, n_segments=n_segments, cache=cache).tree
    base = colour_hierarchy(slic_matched(image, tree.tables.shape[1]), image)
    return {"supercuts": tree, "slic-colour": base}


def bsds_targets(root, split: str, limit: int | None, annotations: str, min_share: float = 0.01):
    """(image path, [(target name, mask, within)]) of BSDS500 regions over ``min_share``."""
    from supercuts_app.datasets.bsds import iter_split

    for item in iter_split(root, split, limit=limit):
        humans = item.humans()
        chosen = humans[:1] if annotations == "first" else humans
        targets = []
        for h, human in enumerate(chosen):
            seg = human.segmentation
            ids, counts = np.unique(seg, return_counts=True)
            for i, c in zip(ids, counts, strict=True):
                if c >= min_share * seg.size:
                    targets.append((f"human{h}/segment{int(i)}", "region", seg == i, None))
        yield item.image_path, targets


def ccp_targets(root, limit: int | None):
    """(image path, targets): the person, then each part inside the person's mask."""
    from supercuts_app.datasets.ccp import iter_ccp

    for item in iter_ccp(root, limit=limit):
        person = item.person
        targets = [("person", "object", person, None)]
        targets += [(name, "part", mask, person) for name, mask in item.parts()]
        yield item.image_path, targets


def evaluate_clicks(
    targets: Iterator,
    *,
    n_segments: int = DEFAULT_SUPERPIXELS,
    max_clicks: int = 20,
    cache: SegmentationCache | None = None,
    on_image: Callable[[int], None] | None = None,
) -> dict:
    """Run the robot on every target with both methods; rows per target and summaries."""
    rows = []
    runs: dict[tuple[str, str], list[RobotRun]] = {}
    for n, (path, image_targets) in enumerate(targets, start=1):
        image = load_image(path)
        trees = hierarchies(image, n_segments, cache)
        for name, kind, mask, within in image_targets:
            if mask.shape != image.shape[:2]:
                raise ValueError(f"{path}: labels are {mask.shape}, the image {image.shape[:2]}")
            for method, tree in trees.items():
                run = robot_annotate(tree, mask, within=within, max_clicks=max_clicks)
                runs.setdefault((method, kind), []).append(run)
                rows.append({
                    "image": Path(path).stem, "target": name, "kind": kind,
                    "area": int(mask.sum()), "method": method,
                    "noc85": run.noc(0.85, max_clicks), "noc90": run.noc(0.90, max_clicks),
                    "ious": [round(v, 4) for v in run.ious], "levels": run.levels,
                    "level_changes": run.level_changes,
                })  # fmt: skip
        if on_image is not None:
            on_image(n)
    summary = {
        f"{method}/{kind}": summarize_runs(r, max_clicks) for (method, kind), r in runs.items()
    }
    return {"summary": summary, "rows": rows, "max_clicks": max_clicks, "n_segments": n_segments}


def format_table(result: dict) -> str:
    """Markdown table of the summaries."""
    lines = [
        "| method / targets | n | NoC@85 mean | median | NoC@90 mean | median | IoU@1 | IoU@3 "
        "| IoU@5 | level changes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, s in sorted(result["summary"].items()):
        lines.append(
            f"| {name} | {s['targets']} | {s['noc85_mean']:.2f} | {s['noc85_median']:.1f} | "
            f"{s['noc90_mean']:.2f} | {s['noc90_median']:.1f} | {s['iou_after_1']:.3f} | "
            f"{s['iou_after_3']:.3f} | {s['iou_after_5']:.3f} | {s['level_changes']:.2f} |"
        )
    return "\n".join(lines)
