"""Write the BSDS500 edge samples that project fine-tuning mixes in (the "anchor" set).

    python scripts/make_anchor_samples.py --data ../shared/data/BSDS500 \
        --out resources/weights/edge_anchor_lite0.npz

``supercuts train affinity --project`` fine-tunes the shipped edge model on a project's own
annotations; mixing in a fixed random subset of the samples the shipped model was trained on
(BSDS500 train, superpixel pairs and merged-region pairs at the shipped model's region counts)
keeps it from forgetting what it knew. Only edge features and targets are written, no pixels.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch

from supercuts_app.adapt.anchor import save_anchor_samples, subsample
from supercuts_app.segmentation.edge_model import default_edge_model
from supercuts_app.segmentation.features import cached_backbone
from supercuts_app.train.affinity import edge_samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="BSDS500 folder")
    parser.add_argument("--out", required=True, help="output .npz")
    parser.add_argument("--limit", type=int, default=None, help="first N train images only")
    parser.add_argument("--rows", type=int, default=30_000, help="samples kept")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ns = parser.parse_args(argv)
    torch.set_num_threads(ns.threads)
    shipped = default_edge_model()
    if shipped is None:
        print("supercuts: the shipped edge model is not installed", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    samples = edge_samples(
        ns.data,
        "train",
        cached_backbone(),
        n_segments=int(shipped.info.get("n_segments", 600)),
        limit=ns.limit,
        region_counts=tuple(shipped.info.get("region_counts", ())),
        region_weight=float(shipped.info.get("hierarchy_region_weight", 0.3)),
        model=shipped,
        on_image=lambda done, total: print(f"{done}/{total}", file=sys.stderr, flush=True),
    )
    kept = subsample(samples, ns.rows, seed=0)
    save_anchor_samples(kept, ns.out)
    print(
        f"{len(samples.targets)} samples, kept {len(kept.targets)} -> {ns.out} "
        f"({time.perf_counter() - t0:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
