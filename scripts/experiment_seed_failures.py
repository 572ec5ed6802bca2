"""Issue 18: where the seed robot's errors lie on the targets that never reach IoU 0.90.

Usage::

    python scripts/experiment_seed_failures.py --data ../shared/data/BSDS500 --limit 20
    python scripts/experiment_seed_failures.py --data ../shared/data/CCP --dataset ccp --limit 10

Runs the seed robot (best level per seed, the shipped segmentation, 20 clicks) on every target;
for each target whose best IoU stays under 0.90 it takes the mask of that best IoU and counts its
wrong pixels (missed and extra, inside the part's object for a part) by their distance from the
target's border. It then smooths those masks (a Gaussian blur of the mask thresholded at 0.5, as
a rough stand-in for labels drawn as smooth outlines) and reports their mean IoU.
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np
from scipy import ndimage as ndi

from supercuts_app.base.images import load_image
from supercuts_app.eval.click_benchmark import bsds_targets, ccp_targets
from supercuts_app.eval.seed_robot import seed_robot_annotate
from supercuts_app.segmentation.cache import SegmentationCache
from supercuts_app.segmentation.seeded_cut import seed_cutter_for
from supercuts_app.segmentation.segment import segment_image

DISTANCE_EDGES = (0.0, 1.5, 3.5, 6.5, np.inf)
"""Bins of an error pixel's distance from the target's border (pixels)."""
BLUR_SIGMAS = (0.7, 1.0, 1.5, 2.0)


def _iou(mask: np.ndarray, target: np.ndarray) -> float:
    return float((mask & target).sum() / max((mask | target).sum(), 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--dataset", choices=("bsds", "ccp"), default="bsds")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    targets = (
        bsds_targets(args.data, "val", args.limit, "first")
        if args.dataset == "bsds"
        else ccp_targets(args.data, args.limit)
    )
    cache = SegmentationCache()
    errors = np.zeros(len(DISTANCE_EDGES) - 1)
    seen = failed = 0
    ious: list[list[float]] = []
    for path, image_targets in targets:
        image = load_image(path)
        cutter = seed_cutter_for(segment_image(image, cache=cache).tree, image)
        for name, _kind, mask, within in image_targets:
            seen += 1
            run = seed_robot_annotate(cutter, mask, within=within, level=None, keep_best=True)
            if not run.ious or max(run.ious) >= 0.90:
                continue
            failed += 1
            best = run.best_mask if within is None else run.best_mask & within
            wrong = best ^ mask
            distance = np.where(
                mask, ndi.distance_transform_edt(mask), ndi.distance_transform_edt(~mask)
            )
            counts = np.histogram(distance[wrong], bins=DISTANCE_EDGES)[0]
            errors += counts
            row = [_iou(best, mask)]
            for sigma in BLUR_SIGMAS:
                smooth = cv2.GaussianBlur(best.astype(np.float32), (0, 0), sigma) > 0.5
                row.append(_iou(smooth if within is None else smooth & within, mask))
            ious.append(row)
            print(
                f"{path.stem} {name}: area {int(mask.sum())}, best IoU {row[0]:.3f}, "
                f"wrong pixels by distance {counts.tolist()}",
                flush=True,
            )
    share = errors / max(errors.sum(), 1)
    print(f"\n{failed} of {seen} targets never reach 0.90")
    print(
        "wrong pixels by distance from the border (<=1, 2-3, 4-6, >6 px): "
        + " / ".join(f"{100 * s:.1f} %" for s in share)
    )
    if ious:
        mean = np.mean(ious, axis=0)
        print(
            "mean best IoU: as cut "
            + f"{mean[0]:.4f}; blurred, sigma "
            + ", ".join(f"{s:g}: {m:.4f}" for s, m in zip(BLUR_SIGMAS, mean[1:], strict=True))
        )


if __name__ == "__main__":
    main()
