"""``supercuts eval clicks``: clicks per object by a simulated annotator, against a baseline."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS

from .common import (
    add_split_option,
    eval_dataset_size,
    positive_int,
    segment_count,
    whole_number,
    write_outputs,
)

BEST_LEVEL = "best"


def seed_level(text: str) -> int | str:
    """``--seed-level``: a level (a whole number >= 0) or ``best``."""
    if text == BEST_LEVEL:
        return text
    return whole_number(at_least=0)(text)


def add_parser(ev_sub: argparse._SubParsersAction) -> None:
    """Register ``eval clicks``."""
    ec = ev_sub.add_parser(
        "clicks",
        help="NoC@85/90 of click robots (region clicks, seed clicks): SuperCuts against SLIC + "
        "colour merging",
    )
    ec.add_argument("--data", required=True, help="BSDS500 folder, or the CCP folder")
    ec.add_argument("--dataset", default="bsds", choices=("bsds", "ccp"))
    add_split_option(ec)
    ec.add_argument("--limit", type=positive_int, default=None, help="first N images only")
    ec.add_argument("--max-clicks", type=positive_int, default=20)
    ec.add_argument(
        "--mode",
        default="both",
        choices=("seeds", "regions", "both"),
        help="seed clicks (positive/negative seeds, the literature's robot), region clicks (a "
        "level's region per click), or both (default)",
    )
    ec.add_argument(
        "--seed-level",
        type=seed_level,
        default=BEST_LEVEL,
        metavar="N|best",
        help="level of the region a positive seed asks for; 'best' (default): the level "
        "giving the best IoU for each positive seed, as a person picks it from the hover",
    )
    ec.add_argument(
        "--no-pixel-borders",
        action="store_true",
        help="seed cuts without the pixel stage (borders along the atoms only)",
    )
    ec.add_argument(
        "--annotations",
        default="first",
        choices=("first", "all"),
        help="BSDS500: regions of the first human's segmentation, or of every human's",
    )
    ec.add_argument("--n-segments", type=segment_count, default=DEFAULT_SUPERPIXELS, metavar="K")
    ec.add_argument("--json", default=None, metavar="OUT", help="summaries and per-target rows")
    ec.set_defaults(func=cmd_eval_clicks)


def cmd_eval_clicks(ns: argparse.Namespace) -> int:
    from tqdm import tqdm

    from supercuts_app.eval.click_benchmark import (
        MODES,
        bsds_targets,
        ccp_targets,
        evaluate_clicks,
        format_table,
    )
    from supercuts_app.segmentation.cache import SegmentationCache

    total = eval_dataset_size(ns)
    if ns.dataset == "bsds":
        targets = bsds_targets(ns.data, ns.split, ns.limit, ns.annotations)
    else:
        targets = ccp_targets(ns.data, ns.limit)
    with tqdm(desc="click robot", total=total, unit="img", file=sys.stderr) as bar:
        result = evaluate_clicks(
            targets,
            n_segments=ns.n_segments,
            max_clicks=ns.max_clicks,
            modes=MODES if ns.mode == "both" else (ns.mode,),
            seed_level=None if ns.seed_level == BEST_LEVEL else ns.seed_level,
            pixel_borders=not ns.no_pixel_borders,
            cache=SegmentationCache(),
            on_image=lambda n: bar.update(1),
        )
    result["dataset"] = ns.dataset
    if ns.dataset == "bsds":
        result["split"] = ns.split
    result["annotations"] = ns.annotations if ns.dataset == "bsds" else "person and parts"
    if ns.json:
        write_outputs(f"--json {ns.json}", {Path(ns.json): json.dumps(result, indent=1).encode()})
    print(format_table(result))
    return 0
