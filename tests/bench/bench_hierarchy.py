"""Hierarchy speed: building the merge tree from ~600 superpixels, and moving between levels.

Run: ``python tests/bench/bench_hierarchy.py``. Prints a Markdown table (median of ``--repeat``).
"Build" covers the region graph, edge scores (learned model, whole-region rescoring) and the
greedy merge. The per-superpixel deep features and the border cue maps (coarse Lab gradient, deep
feature gradients) are timed on their own, right after the superpixels as in the app: their
backbone pass is reused up to 0.25 MP and run again above. A level change in
the window only swaps the lookup table of the contour image; the "labels at level" column times
the full-image table lookup for code that needs the label map itself.
"""

from __future__ import annotations

import argparse
import statistics
import time

import cv2


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from skimage import data

    from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS
    from supercuts_app.segmentation.edge_model import default_edge_model
    from supercuts_app.segmentation.features import cached_backbone
    from supercuts_app.segmentation.hierarchy import build_hierarchy
    from supercuts_app.segmentation.region_graph import (
        border_cue_maps,
        region_graph,
        superpixel_deep_features,
    )
    from supercuts_app.segmentation.superpixels import compute_superpixels

    backbone = cached_backbone()
    model = default_edge_model()
    kind = "shipped" if model is not None else "hand-set"
    print(f"edge model: {kind}; K asked = {DEFAULT_SUPERPIXELS}")
    print(
        "| image | superpixels | levels | deep features + cues s | build s | labels at level ms |"
    )
    print("|---|---|---|---|---|---|")
    for width, height in [(481, 321), (1920, 1080), (4000, 3000)]:
        image = cv2.resize(data.astronaut(), (width, height), interpolation=cv2.INTER_CUBIC)
        labels = compute_superpixels(image, backbone=backbone).labels
        deep_times = []
        for _ in range(args.repeat):
            # As in the app: superpixels first, then the hierarchy's features (which reuse the
            # backbone pass when both use the same working image, i.e. up to 0.25 MP).
            compute_superpixels(image, backbone=backbone)
            t0 = time.perf_counter()
            superpixel_deep_features(backbone, image, labels)
            border_cue_maps(backbone, image, labels.shape)
            deep_times.append(time.perf_counter() - t0)
        deep_s = statistics.median(deep_times)
        deep, blocks = superpixel_deep_features(backbone, image, labels)
        cues = border_cue_maps(backbone, image, labels.shape)
        holder = {}

        def build(holder=holder, image=image, labels=labels, deep=deep, blocks=blocks, cues=cues):
            graph = region_graph(labels, image, deep=deep, deep_blocks=blocks, cues=cues)
            holder["tree"] = build_hierarchy(labels, graph, model=model)

        build_s = _median_time(build, args.repeat)
        tree = holder["tree"]
        mid = tree.n_levels // 2
        lookup_ms = 1000 * _median_time(lambda tree=tree, mid=mid: tree.labels_at(mid), args.repeat)
        print(
            f"| {width}x{height} | {tree.region_counts[0]} | {tree.n_levels} | {deep_s:.3f} "
            f"| {build_s:.3f} | {lookup_ms:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
