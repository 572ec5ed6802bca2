"""Subcommands for the hierarchy: ``hierarchy``, ``train affinity`` and ``eval hierarchy``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import (
    CLIError,
    backbone_from,
    check_training_paths,
    checked_output,
    density_from,
    expand_inputs,
    image_progress,
    load_edge_model,
    run_per_image,
    split_size,
    write_outputs,
    writing_output,
)


def cmd_hierarchy(ns: argparse.Namespace) -> int:
    """``supercuts hierarchy``: levels and merge tree (.npz) and the height UCM (.png) per image."""
    import io

    import numpy as np

    from supercuts_app.base.defaults import fits_uint16
    from supercuts_app.base.files import encode_png
    from supercuts_app.segmentation.cache import SegmentationCache
    from supercuts_app.segmentation.segment import segment_image

    inputs = expand_inputs(ns.inputs)
    out = checked_output("--out", ns.out, folder=True)
    model = load_edge_model(ns.edge_model)
    backbone = backbone_from(ns)
    cache = None if ns.no_cache else SegmentationCache()

    def process(path: Path, image) -> str:
        tree = segment_image(
            image,
            method=ns.method,
            n_segments=ns.n_segments,
            density=density_from(ns),
            backbone=backbone,
            edge_model=model,
            spectral_weight=ns.spectral_weight,
            region_weight=ns.region_weight,
            cache=cache,
        ).tree
        dtype = np.uint16 if fits_uint16(tree.region_counts[0] - 1) else np.int32
        buf = io.BytesIO()
        # Levels as tables over the superpixel map (level l is tables[l][superpixels]): no
        # (L, H, W) stack, which at 24 MP and 22 levels would be 1 GB.
        np.savez_compressed(
            buf,
            superpixels=tree.superpixels.astype(dtype),
            tables=tree.tables.astype(dtype),
            region_counts=np.array(tree.region_counts),
            linkage=tree.linkage,
            level_heights=tree.level_heights(),
            ucm_level_values=tree.height_ucm_levels(),
        )
        files = {out / f"{path.stem}.npz": buf.getvalue()}
        # Merge heights, not level indices: thresholds between levels see the whole tree.
        files[out / f"{path.stem}_ucm.png"] = encode_png(tree.height_ucm())
        write_outputs(f"--out {out}", files)
        counts = " > ".join(map(str, tree.region_counts))
        return f"{path}: {tree.n_levels} levels ({counts}) -> {out}"

    return run_per_image(inputs, process, desc="hierarchy", max_pixels=ns.max_pixels)


BSDS_STEPS = 1500
"""Training steps of ``train affinity --data`` (full-batch Adam on BSDS500 train)."""


def cmd_train_affinity(ns: argparse.Namespace) -> int:
    """``supercuts train affinity``: fit and save the edge model (on BSDS500, or fine-tuned on a
    project's annotations with ``--project``)."""

    from .adapt import cmd_train_affinity_project

    if ns.project is not None:
        return cmd_train_affinity_project(ns)
    if ns.revert:
        raise CLIError("--revert goes with --project")
    if ns.data is None or ns.out is None:
        raise CLIError("train affinity needs --data and --out (or --project)")

    from supercuts_app.adapt.edge_samples import weighted_bce
    from supercuts_app.segmentation.features import cached_backbone
    from supercuts_app.train.affinity import edge_samples, fit_edge_model

    check_training_paths(ns)
    from supercuts_app.segmentation.hierarchy import DEFAULT_REGION_WEIGHT

    hierarchy_model = load_edge_model(ns.hierarchy_model)
    region_weight = (
        DEFAULT_REGION_WEIGHT if ns.hierarchy_region_weight is None else ns.hierarchy_region_weight
    )
    backbone = cached_backbone()
    samples = {}
    for split in ("train", "val"):
        with image_progress(f"edges {split}") as tick:
            samples[split] = edge_samples(
                ns.data,
                split,
                backbone,
                n_segments=ns.n_segments,
                limit=ns.limit,
                region_counts=ns.region_counts,
                model=hierarchy_model,
                region_weight=region_weight,
                on_image=tick,
            )
    model = fit_edge_model(
        samples["train"],
        steps=ns.steps or BSDS_STEPS,
        on_step=lambda step, loss: print(f"step {step}: train loss {loss:.4f}", file=sys.stderr),
    )
    model.info = {
        "backbone": backbone.name,
        "n_segments": ns.n_segments,
        "train_edges": int(len(samples["train"].targets)),
        "val_bce": weighted_bce(model, samples["val"]),
        "region_counts": list(ns.region_counts),
        "hierarchy_region_weight": region_weight,
    }
    with writing_output(f"--out {ns.out}"):
        model.save(ns.out)
    print(f"val weighted BCE {model.info['val_bce']:.4f}; saved {ns.out}")
    return 0


def cmd_eval_hierarchy(ns: argparse.Namespace) -> int:
    """``supercuts eval hierarchy``: BSDS500 boundary F and covering."""
    from tqdm import tqdm

    from supercuts_app.eval.hierarchy import (
        HierarchyConfig,
        evaluate_hierarchies,
        format_hierarchy_table,
    )
    from supercuts_app.segmentation.features import cached_backbone
    from supercuts_app.segmentation.hierarchy import DEFAULT_REGION_WEIGHT, DEFAULT_SPECTRAL_WEIGHT

    if ns.json:
        checked_output("--json", ns.json, folder=False)
    total = split_size(ns)
    model = load_edge_model(ns.edge_model)
    spectral = ns.spectral_weight or [DEFAULT_SPECTRAL_WEIGHT]
    region = ns.region_weight or [DEFAULT_REGION_WEIGHT]
    configs = [
        HierarchyConfig(f"spectral={w:g} region={r:g}", model, w, r)
        for w in spectral
        for r in region
    ]
    bar = tqdm(desc="hierarchy eval", total=total, unit="img", file=sys.stderr)
    results = evaluate_hierarchies(
        ns.data,
        configs,
        cached_backbone(),
        split=ns.split,
        n_segments=ns.n_segments,
        limit=ns.limit,
        exact_matching=ns.exact_matching,
        on_image=lambda done, n: bar.update(1),
    )
    bar.close()
    if ns.json:
        write_outputs(f"--json {ns.json}", {Path(ns.json): json.dumps(results, indent=1).encode()})
    print(format_hierarchy_table(results))
    return 0
