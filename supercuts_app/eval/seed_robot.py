"""The click robot of the interactive-segmentation literature, on seed clicks.

It starts with nothing shown. Each click goes to the interior point farthest from the border of
the largest error region (missed or extra pixels, 4-connected; inside ``within`` for a part,
which a person draws inside its object): a positive seed if that point lies in the target, a
negative one otherwise. After every click the mask is cut again from all seeds so far. The robot
stops at ``stop_iou`` or after ``max_clicks`` (targets never reaching an IoU count as
``max_clicks``, the usual NoC convention); unlike the region robot it never gives up early, as
the protocol it reproduces does not.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

import numpy as np

from supercuts_app.segmentation.seeded_cut import DEFAULT_SEED_LEVEL, SeedCut, SeedCutter, SeedPoint

from .clicks import RobotRun, error_regions, farthest_interior_point


class Click(NamedTuple):
    """One click of the robot: the pixel (row, column) and whether it is a positive seed."""

    y: int
    x: int
    positive: bool


@dataclass
class SeedRun(RobotRun):
    """A :class:`RobotRun` of seed clicks: also where each click went (``levels`` stays empty;
    ``seconds`` holds the time of each cut; ``best_mask``: the (H, W) mask of the best IoU, when
    asked for)."""

    clicks: list[Click] = field(default_factory=list)
    best_mask: np.ndarray | None = None


def next_click(
    target: np.ndarray, shown: np.ndarray, *, within: np.ndarray | None = None
) -> Click | None:
    """The standard robot's next click, or None when nothing is wrong.

    Parameters
    ----------
    target, shown : numpy.ndarray
        (H, W) bool: the wanted mask and the mask shown now.
    within : numpy.ndarray, optional
        (H, W) bool: only errors inside it count (a part's object).

    Returns
    -------
    Click or None
        At the pixel of the largest 4-connected error region farthest from that region's border;
        positive when the pixel belongs to the target.
    """
    missed = target & ~shown
    extra = shown & ~target
    if within is not None:
        missed &= within
        extra &= within
    for region, _ in error_regions(missed, extra, limit=1):
        y, x = farthest_interior_point(region)
        return Click(y, x, bool(target[y, x]))
    return None


def seed_robot_annotate(
    cutter: SeedCutter,
    target: np.ndarray,
    *,
    within: np.ndarray | None = None,
    level: int | None = DEFAULT_SEED_LEVEL,
    max_clicks: int = 20,
    stop_iou: float = 0.90,
    evidence: np.ndarray | None = None,
    keep_best: bool = False,
) -> SeedRun:
    """Annotate ``target`` by positive and negative seed clicks cut by ``cutter``.

    Parameters
    ----------
    cutter : SeedCutter
        The image's seed cutter.
    target : numpy.ndarray
        (H, W) bool.
    within : numpy.ndarray, optional
        (H, W) bool confining the mask and the clicks (a part's object).
    level : int or None
        The level every seed is placed at; None: the annotator sets the slider before each
        seed as the window lets a person do (the hover shows what a seed would take there): the
        level giving the best IoU, as the region robot chooses its levels.
    max_clicks : int
        Clicks at most.
    stop_iou : float
        Stop as soon as the IoU reaches it.
    evidence : numpy.ndarray, optional
        (K,) per-superpixel log-odds of belonging to the target, for every cut (see
        :meth:`SeedCutter.cut`).
    keep_best : bool
        Keep the mask of the best IoU in ``best_mask`` (to study what stays wrong).

    Returns
    -------
    SeedRun
        IoU, seconds of the cut and the click, for every click.
    """
    run = SeedRun()
    total = int(target.sum())
    if total == 0:
        return run
    shown = np.zeros(target.shape, bool)
    seeds: list[SeedPoint] = []
    while len(run.ious) < max_clicks and (not run.ious or run.ious[-1] < stop_iou):
        click = next_click(target, shown, within=within)
        if click is None:  # nothing left to click: the errors lie outside ``within``
            break
        # Seeds at pixel centres, as the window places a click inside the pixel.
        placed = partial(SeedPoint, click.y + 0.5, click.x + 0.5, click.positive)
        if level is None:
            # The person picks the level from the hover, which shows regions before the pixel
            # stage: so are the levels compared here (the pixel stage runs once, on the choice).
            choice = max(
                range(cutter.tree.n_levels),
                key=lambda v: _iou(
                    cutter.cut([*seeds, placed(v)], within=within, refine=False, evidence=evidence),
                    target,
                    total,
                ),
            )
        else:
            choice = level
        seeds = [*seeds, placed(choice)]
        start = time.perf_counter()
        cut = cutter.cut(seeds, within=within, evidence=evidence)
        seconds = time.perf_counter() - start
        shown = cut.full(target.shape)
        iou = _iou(cut, target, total)
        if keep_best and iou > max(run.ious, default=-1.0):
            run.best_mask = shown
        run.seconds.append(seconds)
        run.ious.append(iou)
        run.clicks.append(click)
    return run


def _iou(cut: SeedCut, target: np.ndarray, total: int) -> float:
    """IoU of a cut with a target of ``total`` pixels (read inside the cut's window only)."""
    inside = int(cut.mask.sum())
    inter = int((cut.mask & target[cut.window]).sum()) if inside else 0
    return inter / (total + inside - inter)
