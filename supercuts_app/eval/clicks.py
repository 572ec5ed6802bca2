"""A simulated annotator that counts the clicks SuperCuts needs per object.

The robot uses the window's own interaction: a click adds (or removes) the hierarchy region
under the cursor at a level of its choice. It starts empty; at each step it takes the largest
error region (missed or extra pixels, 4-connected), clicks that region's interior point
farthest from its border, and picks the level whose region, added or removed there, gives the
best IoU with the target (level changes cost nothing but are counted). It stops at
``stop_iou`` or after ``max_clicks``; when no click on its three largest error regions helps any
more, further clicks are useless and it stops early (the targets it did not reach count as
``max_clicks``, the usual NoC convention).

Everything after a click is a union or difference of superpixels, so IoUs are computed on
per-superpixel pixel counts, not on masks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from supercuts_app.segmentation.edge_features import column, edge_features
from supercuts_app.segmentation.hierarchy import (
    MergeHierarchy,
    geometric_counts,
    greedy_merge,
    level_tables,
)
from supercuts_app.segmentation.region_graph import region_graph

THRESHOLDS = (0.85, 0.90)


@dataclass
class RobotRun:
    """IoU after each click, the level of each click, and how often the level changed.

    ``seconds`` holds the time each click's mask took when the robot times it (seed cuts); the
    region robot leaves it empty, as its level search is no click of a person.
    """

    ious: list[float] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    @property
    def level_changes(self) -> int:
        return int(sum(a != b for a, b in zip(self.levels, self.levels[1:], strict=False)))

    def noc(self, threshold: float, max_clicks: int) -> int:
        """Clicks until IoU >= ``threshold`` (``max_clicks`` when never reached)."""
        for n, iou in enumerate(self.ious, start=1):
            if iou >= threshold:
                return n
        return max_clicks

    def iou_after(self, clicks: int) -> float:
        """IoU after ``clicks`` clicks (the last one reached if the robot stopped sooner)."""
        if not self.ious:
            return 0.0
        return self.ious[min(clicks, len(self.ious)) - 1]


def robot_annotate(
    tree: MergeHierarchy,
    target: np.ndarray,
    *,
    within: np.ndarray | None = None,
    max_clicks: int = 20,
    stop_iou: float = 0.90,
) -> RobotRun:
    """Annotate ``target`` (H, W) bool by region clicks on ``tree``.

    ``within`` (H, W) bool confines the annotation, as a part is drawn inside its object's
    mask: regions are clipped to it.
    """
    sp = tree.superpixels
    k = tree.tables.shape[1]
    allowed = np.ones(sp.shape, bool) if within is None else within
    size = np.bincount(sp[allowed], minlength=k).astype(np.float64)
    hit = np.bincount(sp[target & allowed], minlength=k).astype(np.float64)
    total = float(target.sum())
    pred = np.zeros(k, bool)
    run = RobotRun()
    if total == 0:
        return run

    def iou(sel: np.ndarray) -> float:
        inter = hit[sel].sum()
        return float(inter / (total + size[sel].sum() - inter))

    current = 0.0
    while len(run.ious) < max_clicks and current < stop_iou:
        shown = pred[sp] & allowed
        step = None
        for region, add in error_regions(target & ~shown, shown & ~target, limit=3):
            y, x = farthest_interior_point(region)
            s = sp[y, x]
            best = None
            for level in range(tree.n_levels):
                members = tree.tables[level] == tree.tables[level, s]
                sel = pred | members if add else pred & ~members
                score = iou(sel)
                if best is None or score > best[0]:
                    best = (score, level, sel)
            if best[0] > current:
                step = best
                break
        if step is None:
            break
        current, level, pred = step
        run.ious.append(current)
        run.levels.append(level)
    return run


def error_regions(missed: np.ndarray, extra: np.ndarray, *, limit: int):
    """Up to ``limit`` largest 4-connected error regions, largest first.

    Parameters
    ----------
    missed, extra : numpy.ndarray
        (H, W) bool: target pixels not shown, and shown pixels outside the target.
    limit : int
        How many regions at most.

    Yields
    ------
    tuple of (numpy.ndarray, bool)
        The region's (H, W) bool mask, and True when it is missed (a click there adds).
    """
    found = []
    for mask, add in ((missed, True), (extra, False)):
        if not mask.any():
            continue
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.view(np.uint8), connectivity=4)
        for i in range(1, n):
            found.append((int(stats[i, cv2.CC_STAT_AREA]), add, labels, i))
    found.sort(key=lambda f: -f[0])
    for _, add, labels, i in found[:limit]:
        yield labels == i, add


def farthest_interior_point(region: np.ndarray) -> tuple[int, int]:
    """The pixel of ``region`` farthest from its border (the image edge counts as border)."""
    padded = np.pad(region, 1).view(np.uint8)
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return int(y), int(x)


def colour_hierarchy(superpixels: np.ndarray, image: np.ndarray) -> MergeHierarchy:
    """A plain baseline: merge along the smallest difference of mean CIELAB colour (no deep
    features, no learning, no spectral term), levels spaced as SuperCuts' own."""
    graph = region_graph(superpixels, image)
    k = graph.n_nodes
    if k == 1:
        one = np.zeros((1, 1), np.int32)
        return MergeHierarchy(superpixels.astype(np.int32), one, np.zeros((0, 4)))
    delta_e = edge_features(graph)[:, column("delta_E")]
    scores = delta_e / max(float(delta_e.max()), 1e-12)
    z = greedy_merge(graph, scores)
    return MergeHierarchy(superpixels.astype(np.int32), level_tables(z, k, geometric_counts(k)), z)


def summarize_runs(runs: list[RobotRun], max_clicks: int) -> dict:
    """NoC@85/90 (mean and median), the share reaching (and failing) each IoU, IoU after 1, 3
    and 5 clicks, level changes per target, and the median seconds per click over every timed
    click (None when the runs are not timed)."""
    out: dict = {"targets": len(runs)}
    if not runs:
        return out
    for t in THRESHOLDS:
        nocs = np.array([r.noc(t, max_clicks) for r in runs], float)
        tag = int(round(t * 100))
        out[f"noc{tag}_mean"] = float(nocs.mean())
        out[f"noc{tag}_median"] = float(np.median(nocs))
        out[f"reached{tag}"] = float(np.mean([max(r.ious, default=0.0) >= t for r in runs]))
    for c in (1, 3, 5):
        out[f"iou_after_{c}"] = float(np.mean([r.iou_after(c) for r in runs]))
    out["failed90"] = 1.0 - out["reached90"]
    out["level_changes"] = float(np.mean([r.level_changes for r in runs]))
    seconds = [t for r in runs for t in r.seconds]
    out["seconds_per_click"] = float(np.median(seconds)) if seconds else None
    return out
