"""``supercuts eval adapt``: do levels adapted to a project's first annotated photos need fewer
clicks on its later photos?

As if a user had annotated the first k photos of a CCP folder (each person an object, its
clothing, hair and skin its parts), the shipped edge model is fine-tuned on them exactly as
Tools > Adapt levels to this project does (:mod:`supercuts_app.adapt.project`); the click robots
then annotate the persons and parts of held-apart photos (the folder's last ones) on the
shipped levels and on each adapted model's levels, in the same run: same superpixels, region
graph and boundary map, only the edge model differs, and, for seed clicks, the border offsets
learnt with it (:mod:`supercuts_app.adapt.border_calibration`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

import numpy as np

from supercuts_app.adapt.anchor import default_anchor_samples
from supercuts_app.adapt.border_calibration import (
    CALIBRATION_IMAGES,
    LabelledMask,
    calibrate_border_offsets,
    image_cutter,
)
from supercuts_app.adapt.edge_samples import EdgeSamples, concat_samples
from supercuts_app.adapt.project import DEFAULT_FINE_TUNE, FineTuneOptions, fine_tune_edge_model
from supercuts_app.adapt.project_samples import ImageTruth, truth_samples
from supercuts_app.annotation.cropped_mask import CroppedMask
from supercuts_app.base.images import load_image
from supercuts_app.datasets.ccp import PersonItem, iter_ccp
from supercuts_app.segmentation.border_offset import BORDER_OFFSETS_KEY, BorderOffsets
from supercuts_app.segmentation.cache import SegmentationCache
from supercuts_app.segmentation.edge_graph_model import (
    GraphEdgeScorer,
    project_scorer,
    region_model_of,
)
from supercuts_app.segmentation.edge_model import EdgeModel
from supercuts_app.segmentation.hierarchy import MergeHierarchy, build_hierarchy
from supercuts_app.segmentation.region_graph import deep_region_graph
from supercuts_app.segmentation.seeded_cut import SeedCutOptions, SeedCutter, seed_cutter_for
from supercuts_app.segmentation.segment import (
    Segmentation,
    SegmentationSettings,
    graph_inputs,
    segment_image,
)

from .click_benchmark import MODES, person_targets, run_robot
from .clicks import RobotRun, summarize_runs

SHIPPED = "shipped"


def ccp_truth(item: PersonItem) -> ImageTruth:
    """A CCP photo as an annotated image: every labelled item one segment, background outside."""
    return ImageTruth(item.name, load_image(item.image_path), item.labels.astype(np.int32))


def ccp_labelled_masks(item: PersonItem) -> list[LabelledMask]:
    """A CCP photo's finished masks: the person, and its parts inside it."""
    masks = []
    for _, kind, mask, within in person_targets(item):
        part = kind == "part"
        masks.append(
            LabelledMask(
                part,
                CroppedMask.from_full(mask),
                CroppedMask.from_full(within) if part else None,
            )
        )
    return masks


def split_photos(
    items: Sequence[PersonItem], train_counts: Sequence[int], test_images: int
) -> tuple[list[PersonItem], list[PersonItem]]:
    """(photos to learn from, held-apart photos): the last ``test_images`` are held apart, the
    first ``max(train_counts)`` of the rest are learnt from."""
    if test_images < 1 or not train_counts or min(train_counts) < 1:
        raise ValueError("need at least one test photo and train counts of at least 1")
    pool = len(items) - test_images
    if max(train_counts) > pool:
        raise ValueError(
            f"{len(items)} photos: {test_images} held apart leave {max(pool, 0)} to learn from, "
            f"fewer than {max(train_counts)}"
        )
    return list(items[: max(train_counts)]), list(items[pool:])


def adapted_models(
    train: Sequence[PersonItem],
    train_counts: Sequence[int],
    settings: SegmentationSettings,
    *,
    options: FineTuneOptions = DEFAULT_FINE_TUNE,
    border_offsets: bool = True,
    edges: bool = True,
    cache: SegmentationCache | None = None,
    on_image: Callable[[str], None] | None = None,
) -> tuple[dict[str, EdgeModel | GraphEdgeScorer], dict[str, float]]:
    """The shipped model and one fine-tuned on the first k photos for each k; and the seconds
    each adaptation took (samples of its k photos + fitting + border offsets, as the window's
    action does). With ``border_offsets``, each adapted model's ``info`` holds the offsets
    learnt from the last :data:`~supercuts_app.adapt.border_calibration.CALIBRATION_IMAGES` of
    its photos. The adaptation fine-tunes the shipped MLP (as the window does; without
    ``edges`` it keeps the shipped weights, so only the offsets are learnt); the adapted levels
    score superpixel edges with the shipped graph networks, as the window's do."""
    shipped = settings.edge_model
    base = region_model_of(shipped)
    counts = base.info.get("region_counts", ())
    per_image: list[EdgeSamples] = []
    sample_seconds: list[float] = []
    for item in train:
        t0 = time.perf_counter()
        if edges:
            truth = ccp_truth(item)
            per_image.append(truth_samples(truth, settings, region_counts=counts, cache=cache))
        sample_seconds.append(time.perf_counter() - t0)
        if on_image is not None:
            on_image(f"learning {item.name}")
    anchor = default_anchor_samples()
    cutters: dict[int, SeedCutter] = {}

    def cutter_of(index: int) -> SeedCutter:  # built once, timed with the first k using it
        if index not in cutters:
            image = load_image(train[index].image_path)
            cutters[index] = image_cutter(image, settings, cache=cache)
        return cutters[index]

    models: dict[str, EdgeModel | GraphEdgeScorer] = {SHIPPED: shipped}
    seconds: dict[str, float] = {SHIPPED: 0.0}
    for k in sorted(set(train_counts)):
        t0 = time.perf_counter()
        if edges:
            model = fine_tune_edge_model(
                base, concat_samples(per_image[:k]), anchor=anchor, options=options
            )
        else:
            model = dataclasses.replace(base, info=dict(base.info))
        if border_offsets:
            used = range(max(0, k - CALIBRATION_IMAGES), k)
            offsets, counted = calibrate_border_offsets(
                (cutter_of(i), ccp_labelled_masks(train[i])) for i in used
            )
            model.info = {
                **model.info,
                BORDER_OFFSETS_KEY: offsets.to_info(),
                "border_offsets_from": counted,
            }
        name = f"adapted-{k}"
        models[name] = project_scorer(model)  # as the window and precompute use it
        seconds[name] = sum(sample_seconds[:k]) + time.perf_counter() - t0
    return models, seconds


def image_trees(
    image: np.ndarray,
    models: dict[str, EdgeModel | GraphEdgeScorer],
    settings: SegmentationSettings,
    cache: SegmentationCache | None = None,
) -> tuple[dict[str, MergeHierarchy], Segmentation]:
    """Each model's hierarchy of one image over the same superpixels and region graph (the
    settings' segmentation, whose graph is reused when it was computed here)."""
    segmentation = segment_image(image, settings=settings, cache=cache, keep_graph=True)
    graph = segmentation.graph
    if graph is None:  # read from the cache
        graph_image, graph_labels = graph_inputs(image, segmentation.result)
        graph = deep_region_graph(
            settings.backbone, graph_image, graph_labels, boundary_net=settings.boundary_net
        )
    trees = {}
    for name, model in models.items():
        trees[name] = build_hierarchy(
            segmentation.result.labels,
            graph,
            model=model,
            spectral_weight=settings.spectral_weight,
            region_weight=settings.region_weight,
        )
    return trees, segmentation


def evaluate_adaptation(
    root,
    *,
    train_counts: Sequence[int] = (10, 30, 70),
    test_images: int = 30,
    modes: tuple[str, ...] = MODES,
    max_clicks: int = 20,
    options: FineTuneOptions = DEFAULT_FINE_TUNE,
    border_offsets: bool = True,
    edges: bool = True,
    cache: SegmentationCache | None = None,
    on_image: Callable[[str], None] | None = None,
) -> dict:
    """Click robots on held-apart CCP photos with the shipped and the adapted edge models.

    Parameters
    ----------
    root : path
        A CCP folder (``photos/``, ``pixel-level/``, ``label_list.mat``).
    train_counts : sequence of int
        Adapt on the first k photos, for each k.
    test_images : int
        The folder's last photos, held apart, annotated by the robots.
    modes : tuple of str
        Some of ``("regions", "seeds")``.
    max_clicks : int
    options : FineTuneOptions
    border_offsets : bool
        Learn the border offsets too (used by the adapted models' seed clicks).
    edges : bool
        Fine-tune the edge model (False: the adapted levels are the shipped ones, and only the
        border offsets are learnt).
    cache : SegmentationCache, optional
    on_image : callable, optional
        Called with a short description after each photo.

    Returns
    -------
    dict
        ``summary`` keyed ``model/mode/kind`` (:func:`~.clicks.summarize_runs`), ``adapt_seconds``
        per model, ``rows`` per target, and the settings.
    """
    items = list(iter_ccp(root))
    train, test = split_photos(items, train_counts, test_images)
    settings = SegmentationSettings.resolve()
    if not isinstance(region_model_of(settings.edge_model), EdgeModel):
        raise ValueError("no shipped edge model is installed to adapt")
    models, seconds = adapted_models(
        train,
        train_counts,
        settings,
        options=options,
        border_offsets=border_offsets,
        edges=edges,
        cache=cache,
        on_image=on_image,
    )
    offsets = {name: BorderOffsets.from_info(model.info) for name, model in models.items()}
    runs: dict[tuple[str, str, str], list[RobotRun]] = {}
    rows = []
    for item in test:
        image = ccp_truth(item).image
        trees, segmentation = image_trees(image, models, settings, cache)
        cutters: dict[str, SeedCutter] = {}
        if "seeds" in modes:
            # One boundary map for every model's cutter: the segmentation's when it has one.
            first = seed_cutter_for(trees[SHIPPED], image, boundary=segmentation.boundary)
            cutters = {
                name: first
                if name == SHIPPED
                else SeedCutter(
                    tree,
                    image,
                    boundary=first.boundary,
                    options=SeedCutOptions(offsets=offsets[name]),
                )
                for name, tree in trees.items()
            }
        targets = person_targets(item)
        for model_name, tree in trees.items():
            for mode in modes:
                for target, kind, mask, within in targets:
                    run = run_robot(
                        mode, tree, cutters.get(model_name), mask, within=within,
                        max_clicks=max_clicks,
                    )  # fmt: skip
                    runs.setdefault((model_name, mode, kind), []).append(run)
                    rows.append({
                        "image": item.name, "target": target, "kind": kind, "model": model_name,
                        "mode": mode, "noc85": run.noc(0.85, max_clicks),
                        "noc90": run.noc(0.90, max_clicks),
                    })  # fmt: skip
        if on_image is not None:
            on_image(f"clicks {item.name}")
    summary = {"/".join(key): summarize_runs(r, max_clicks) for key, r in runs.items()}
    return {
        "summary": summary,
        "adapt_seconds": seconds,
        "border_offsets": {name: o.to_info() for name, o in offsets.items()},
        "train_photos": [i.name for i in train],
        "test_photos": [i.name for i in test],
        "train_counts": sorted(set(train_counts)),
        "max_clicks": max_clicks,
        "modes": list(modes),
        "rows": rows,
    }


def format_adapt_table(result: dict) -> str:
    """Markdown table: each model's NoC per mode and kind, and the change against the shipped
    model's NoC@90 mean in the same run."""
    lines = [
        "| mode | kind | model | adapt s | n | NoC@85 mean | median | NoC@90 mean | median "
        "| failing 0.90 | NoC@90 vs shipped |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    summary = result["summary"]
    models = [SHIPPED] + [f"adapted-{k}" for k in result["train_counts"]]
    for mode in result["modes"]:
        for kind in ("object", "part"):
            shipped = summary.get(f"{SHIPPED}/{mode}/{kind}")
            for model in models:
                s = summary.get(f"{model}/{mode}/{kind}")
                if not s or not s.get("targets"):
                    continue
                change = ""
                if model != SHIPPED and shipped and shipped["noc90_mean"] > 0:
                    change = f"{100 * (s['noc90_mean'] / shipped['noc90_mean'] - 1):+.1f} %"
                lines.append(
                    f"| {mode} | {kind} | {model} | {result['adapt_seconds'][model]:.0f} | "
                    f"{s['targets']} | {s['noc85_mean']:.2f} | {s['noc85_median']:.1f} | "
                    f"{s['noc90_mean']:.2f} | {s['noc90_median']:.1f} | "
                    f"{100 * s['failed90']:.1f} % | {change} |"
                )
    return "\n".join(lines)
