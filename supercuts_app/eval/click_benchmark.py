"""``supercuts eval clicks``: the click robots on BSDS500 regions or CCP persons and parts.

Each image is segmented twice: by SuperCuts (SSN superpixels + learned hierarchy, the window's
default) and by the baseline (SLIC at a matched superpixel count + plain colour merging); the
same robots annotate every target on both, in the same run. Two modes: *regions*, the window's
region clicks (:func:`~.clicks.robot_annotate`), and *seeds*, positive and negative seeds cut on
the superpixel graph by the literature's robot (:func:`~.seed_robot.seed_robot_annotate`). Seeds
on SuperCuts use the learned boundary map (computed once per image), on the baseline the image
gradients.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS
from supercuts_app.base.images import load_image
from supercuts_app.segmentation.border_refine import BandOptions
from supercuts_app.segmentation.cache import SegmentationCache
from supercuts_app.segmentation.hierarchy import MergeHierarchy
from supercuts_app.segmentation.seeded_cut import SeedCutOptions, SeedCutter, seed_cutter_for
from supercuts_app.segmentation.segment import segment_image
from supercuts_app.segmentation.superpixels import compute_superpixels

from .clicks import RobotRun, colour_hierarchy, robot_annotate, summarize_runs
from .seed_robot import SeedRun, seed_robot_annotate

METHODS = ("supercuts", "slic-colour")
MODES = ("regions", "seeds")


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
        yield item.image_path, person_targets(item)


def person_targets(item) -> list[tuple[str, str, np.ndarray, np.ndarray | None]]:
    """A CCP photo's targets: the person (an object), then each part (inside the person)."""
    person = item.person
    targets = [("person", "object", person, None)]
    return targets + [(name, "part", mask, person) for name, mask in item.parts()]


def run_robot(
    mode: str,
    tree: MergeHierarchy,
    cutter: SeedCutter | None,
    mask: np.ndarray,
    *,
    within: np.ndarray | None,
    max_clicks: int,
    seed_level: int | None = None,
) -> RobotRun:
    """One target annotated by the robot of ``mode`` (one of :data:`MODES`)."""
    if mode == "regions":
        return robot_annotate(tree, mask, within=within, max_clicks=max_clicks)
    return seed_robot_annotate(cutter, mask, within=within, level=seed_level, max_clicks=max_clicks)


def seed_cutters(
    trees: dict[str, MergeHierarchy],
    image: np.ndarray,
    *,
    pixel_borders: bool = True,
    band: BandOptions | None = None,
) -> dict[str, SeedCutter]:
    """Seed cutters of both methods for one image: SuperCuts' with the shipped boundary map, the
    baseline's on image gradients (``pixel_borders`` False: cuts stop at the atoms; ``band``: the
    pixel stage's settings, default the shipped ones)."""
    options = SeedCutOptions(refine=pixel_borders, band=band or BandOptions())
    cutters = {"supercuts": seed_cutter_for(trees["supercuts"], image, options=options)}
    cutters["slic-colour"] = SeedCutter(trees["slic-colour"], image, boundary=None, options=options)
    return cutters


def evaluate_clicks(
    targets: Iterator,
    *,
    n_segments: int = DEFAULT_SUPERPIXELS,
    max_clicks: int = 20,
    modes: tuple[str, ...] = MODES,
    seed_level: int | None = None,
    pixel_borders: bool = True,
    band: BandOptions | None = None,
    cache: SegmentationCache | None = None,
    on_image: Callable[[int], None] | None = None,
) -> dict:
    """Run the robots of ``modes`` on every target with both methods.

    Parameters
    ----------
    targets : iterator
        (image path, [(name, kind, mask, within)]) per image (:func:`bsds_targets`,
        :func:`ccp_targets`).
    n_segments : int
        Superpixels per image.
    max_clicks : int
        Clicks at most per target (and the NoC of a target never reaching the IoU).
    modes : tuple of str
        Some of :data:`MODES`.
    seed_level : int, optional
        The level of every positive seed; None: the best level for each (see
        :func:`~.seed_robot.seed_robot_annotate`).
    pixel_borders : bool
        Seed cuts with the pixel stage (the window's default) or on atoms only.
    band : BandOptions, optional
        The pixel stage's settings (default: the shipped ones).
    cache : SegmentationCache, optional
        Where segmentations are read from and kept.
    on_image : callable, optional
        Called with the number of images done.

    Returns
    -------
    dict
        ``summary`` keyed ``method/mode/kind`` (see :func:`~.clicks.summarize_runs`), ``rows`` one
        per target, method and mode, and the settings.
    """
    unknown = set(modes) - set(MODES)
    if unknown or not modes:
        raise ValueError(f"modes must be some of {MODES}, not {modes}")
    rows = []
    runs: dict[tuple[str, str, str], list[RobotRun]] = {}
    for n, (path, image_targets) in enumerate(targets, start=1):
        image = load_image(path)
        trees = hierarchies(image, n_segments, cache)
        cutters = (
            seed_cutters(trees, image, pixel_borders=pixel_borders, band=band)
            if "seeds" in modes
            else {}
        )
        for name, kind, mask, within in image_targets:
            if mask.shape != image.shape[:2]:
                raise ValueError(f"{path}: labels are {mask.shape}, the image {image.shape[:2]}")
            about = {
                "image": Path(path).stem,
                "target": name,
                "kind": kind,
                "area": int(mask.sum()),
            }
            for method, tree in trees.items():
                for mode in modes:
                    run = run_robot(
                        mode, tree, cutters.get(method), mask, within=within,
                        max_clicks=max_clicks, seed_level=seed_level,
                    )  # fmt: skip
                    runs.setdefault((method, mode, kind), []).append(run)
                    rows.append(_row(about, method, mode, run, max_clicks))
        if on_image is not None:
            on_image(n)
    summary = {"/".join(key): summarize_runs(r, max_clicks) for key, r in runs.items()}
    return {
        "summary": summary, "rows": rows, "max_clicks": max_clicks, "n_segments": n_segments,
        "modes": list(modes), "seed_level": "best" if seed_level is None else seed_level,
        "pixel_borders": pixel_borders,
    }  # fmt: skip


def _row(about: dict, method: str, mode: str, run: RobotRun, max_clicks: int) -> dict:
    """The JSON row of one target's run (``about``: the target's image, name, kind, area)."""
    row = {
        **about, "method": method, "mode": mode,
        "noc85": run.noc(0.85, max_clicks), "noc90": run.noc(0.90, max_clicks),
        "ious": [round(v, 4) for v in run.ious],
    }  # fmt: skip
    if isinstance(run, SeedRun):
        row["clicks"] = [[c.y, c.x, c.positive] for c in run.clicks]
        row["seconds"] = [round(t, 5) for t in run.seconds]
    else:
        row["levels"] = run.levels
        row["level_changes"] = run.level_changes
    return row


def format_table(result: dict) -> str:
    """Markdown table of the summaries (s/click: median seconds of a seed cut; blank for region
    clicks, whose robot searches every level per click, which no person's click costs)."""
    lines = [
        "| method | mode | kind | n | NoC@85 mean | median | NoC@90 mean | median "
        "| failing 0.90 | IoU@1 | IoU@3 | IoU@5 | s/click |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, s in sorted(result["summary"].items()):
        method, mode, kind = name.split("/")
        per_click = s["seconds_per_click"]
        seconds = "" if per_click is None else f"{per_click:.4f}"
        lines.append(
            f"| {method} | {mode} | {kind} | {s['targets']} | {s['noc85_mean']:.2f} | "
            f"{s['noc85_median']:.1f} | {s['noc90_mean']:.2f} | {s['noc90_median']:.1f} | "
            f"{100 * s['failed90']:.1f} % | {s['iou_after_1']:.3f} | {s['iou_after_3']:.3f} | "
            f"{s['iou_after_5']:.3f} | {seconds} |"
        )
    return "\n".join(lines)
