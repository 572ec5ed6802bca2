"""Compare Higra hierarchies on the learned boundary map with the shipped levels on BSDS500.

    python scripts/compare_hierarchies.py --data ../shared/data/BSDS500 --limit 20 \
        --json /tmp/hierarchies.json

Prints boundary F and covering at ODS/OIS of every variant (see
:data:`supercuts_app.eval.boundary_hierarchies.STANDARD_VARIANTS`) and the seconds per image to
build each hierarchy; ``--json`` also keeps the per-level curves.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from tqdm import tqdm

from supercuts_app.eval.boundary_hierarchies import (
    STANDARD_VARIANTS,
    compare_boundary_hierarchies,
)
from supercuts_app.eval.hierarchy import format_hierarchy_table
from supercuts_app.segmentation.boundaries import default_boundary_net
from supercuts_app.segmentation.edge_model import EdgeModelError, default_edge_model
from supercuts_app.segmentation.features import cached_backbone


def main(argv: list[str] | None = None) -> int:
    names = [v.name for v in STANDARD_VARIANTS]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="BSDS500 folder")
    parser.add_argument("--split", default="val")
    parser.add_argument("--limit", type=int, default=None, help="first N images only")
    parser.add_argument("--variants", nargs="+", choices=names, default=names)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--json", default=None, metavar="OUT", help="write all results as JSON")
    ns = parser.parse_args(argv)
    torch.set_num_threads(ns.threads)
    net = default_boundary_net("cpu")
    if net is None:
        print("supercuts: no boundary network is shipped", file=sys.stderr)
        return 2
    variants = [v for v in STANDARD_VARIANTS if v.name in ns.variants]
    edge_model = None
    if any(v.leaves == "shipped" for v in variants):
        try:
            edge_model = default_edge_model()
        except EdgeModelError as exc:
            print(f"supercuts: {exc}", file=sys.stderr)
            return 2
    bar = tqdm(desc="hierarchies", total=ns.limit, unit="img", file=sys.stderr)
    results, _ = compare_boundary_hierarchies(
        ns.data,
        variants,
        net=net,
        backbone=cached_backbone(),
        edge_model=edge_model,
        split=ns.split,
        limit=ns.limit,
        on_image=lambda done, total: bar.update(1),
    )
    bar.close()
    if ns.json:
        Path(ns.json).write_text(json.dumps(results, indent=1))
    print(format_hierarchy_table(results))
    shared = results[0]["shared_seconds_per_image"]
    print(
        f"boundary map {shared['boundary_map']:.3f} s/image; superpixels {shared['superpixels']} s"
    )
    for r in results:
        print(
            f"{r['name']:<26}build {r['build_seconds_per_image']:.3f} s/image, "
            f"{r['mean_leaves']:.0f} leaves, heights {r['thresholds'][0]}..{r['thresholds'][-1]}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
