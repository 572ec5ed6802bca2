"""Issue 18: the seed robot with other settings of the pixel stage (the band's minimum cut).

Usage::

    python scripts/experiment_pixel_stage.py --data ../shared/data/BSDS500 --limit 20 \\
        --contrast 4 --colour-weight 1

Runs ``supercuts eval clicks --mode seeds`` (best level per seed, the shipped segmentation) with
the given :class:`~supercuts_app.segmentation.border_refine.BandOptions` and prints SuperCuts'
rows (``--dataset ccp`` for a CCP folder: persons and parts).
"""

from __future__ import annotations

import argparse

from supercuts_app.eval.click_benchmark import bsds_targets, ccp_targets, evaluate_clicks
from supercuts_app.segmentation.border_refine import BandOptions
from supercuts_app.segmentation.cache import SegmentationCache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--dataset", choices=("bsds", "ccp"), default="bsds")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--contrast", type=float, default=BandOptions.contrast)
    parser.add_argument("--colour-weight", type=float, default=BandOptions.colour_weight)
    parser.add_argument("--width", type=int, default=BandOptions.width)
    args = parser.parse_args()
    band = BandOptions(width=args.width, contrast=args.contrast, colour_weight=args.colour_weight)
    targets = (
        bsds_targets(args.data, "val", args.limit, "first")
        if args.dataset == "bsds"
        else ccp_targets(args.data, args.limit)
    )
    result = evaluate_clicks(targets, modes=("seeds",), band=band, cache=SegmentationCache())
    for name, s in sorted(result["summary"].items()):
        if name.startswith("supercuts/"):
            print(
                f"{args.dataset} {band}: {name} n {s['targets']} NoC@90 {s['noc90_mean']:.2f} "
                f"failing {100 * s['failed90']:.1f} % NoC@85 {s['noc85_mean']:.2f}"
            )


if __name__ == "__main__":
    main()
