"""``supercuts propose`` and ``supercuts eval proposals``: spectral object and part proposals."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import (
    add_split_option,
    add_superpixel_count_options,
    checked_output,
    density_from,
    eval_dataset_size,
    expand_inputs,
    positive_int,
    run_per_image,
    write_outputs,
)


def add_parsers(sub: argparse._SubParsersAction, ev_sub: argparse._SubParsersAction) -> None:
    """Register ``propose`` and ``eval proposals``."""
    pr = sub.add_parser("propose", help="suggest objects and their parts (COCO-style JSON)")
    pr.add_argument("inputs", nargs="+", metavar="IMAGE", help="image files or folders")
    pr.add_argument(
        "--objects", type=positive_int, default=3, metavar="N", help="objects per image"
    )
    pr.add_argument(
        "--parts",
        type=positive_int,
        default=None,
        metavar="K",
        help="parts per object (default: eigengap)",
    )
    add_superpixel_count_options(pr)
    pr.add_argument("--out", required=True, metavar="FILE.json")
    pr.add_argument("--overlay", default=None, metavar="DIR", help="write <name>_proposals.png")
    pr.set_defaults(func=cmd_propose)

    ep = ev_sub.add_parser(
        "proposals", help="object proposals on BSDS500 or part proposals on CCP vs baselines"
    )
    ep.add_argument("--data", required=True, help="BSDS500 folder (objects) or CCP (parts)")
    ep.add_argument("--dataset", default="bsds", choices=("bsds", "ccp"))
    add_split_option(ep)
    ep.add_argument("--limit", type=positive_int, default=None, help="first N images only")
    ep.add_argument("--json", default=None, metavar="OUT", help="summary and per-region rows")
    ep.set_defaults(func=cmd_eval_proposals)


def cmd_propose(ns: argparse.Namespace) -> int:
    from supercuts_app.base.files import encode_png
    from supercuts_app.formats.proposals import proposal_records
    from supercuts_app.formats.render import proposal_overlay
    from supercuts_app.segmentation.cache import SegmentationCache
    from supercuts_app.segmentation.features import cached_backbone
    from supercuts_app.segmentation.proposal_features import superpixel_features
    from supercuts_app.segmentation.proposals import (
        hierarchy_regions,
        propose_objects,
        propose_parts,
    )
    from supercuts_app.segmentation.segment import segment_image

    out = checked_output("--out", ns.out, folder=False)
    overlays = checked_output("--overlay", ns.overlay, folder=True) if ns.overlay else None
    inputs = expand_inputs(ns.inputs)
    backbone = cached_backbone()
    density = density_from(ns)
    cache = SegmentationCache()
    images, annotations, summaries = [], [], []

    def process(path: Path, image) -> str:
        tree = segment_image(
            image, n_segments=ns.n_segments, density=density, backbone=backbone, cache=cache
        ).tree
        feats = superpixel_features(image, tree.superpixels, backbone)
        objects = propose_objects(feats, ns.objects, regions=hierarchy_regions(tree))
        for obj in objects:
            obj.parts = propose_parts(feats, obj.crop, ns.parts, box=obj.box)
        image_id = len(images) + 1
        h, w = image.shape[:2]
        images.append({"id": image_id, "file_name": str(path), "width": w, "height": h})
        annotations.extend(proposal_records(objects, image_id, len(annotations) + 1))
        if overlays is not None:
            overlay = encode_png(proposal_overlay(image, objects))
            write_outputs(
                f"--overlay {overlays}", {overlays / f"{path.stem}_proposals.png": overlay}
            )
        parts = sum(len(o.parts) for o in objects)
        return f"{path}: {len(objects)} objects, {parts} parts"

    # The summaries are printed once the JSON is written: no result line before a failure.
    code = run_per_image(inputs, process, desc="propose", summaries=summaries)
    if images:
        about = "SuperCuts spectral proposals: objects with their parts (RLE masks, scores)"
        doc = {"images": images, "annotations": annotations, "info": {"description": about}}
        write_outputs(f"--out {out}", {out: json.dumps(doc).encode()})
        if len(inputs) == 1:
            print(*summaries, sep="\n")
        else:
            print(f"{len(annotations)} objects in {len(images)} images -> {out}")
    return code


def cmd_eval_proposals(ns: argparse.Namespace) -> int:
    from tqdm import tqdm

    from supercuts_app.eval.proposals import (
        evaluate_object_proposals,
        evaluate_part_proposals,
        format_proposal_table,
    )
    from supercuts_app.segmentation.cache import SegmentationCache

    total = eval_dataset_size(ns)
    with tqdm(desc="proposals", total=total, unit="img", file=sys.stderr) as bar:
        tick = lambda n: bar.update(1)  # noqa: E731
        if ns.dataset == "bsds":
            result = evaluate_object_proposals(
                ns.data, split=ns.split, limit=ns.limit, cache=SegmentationCache(), on_image=tick
            )
        else:
            result = evaluate_part_proposals(
                ns.data, limit=ns.limit, cache=SegmentationCache(), on_image=tick
            )
    if ns.json:
        write_outputs(f"--json {ns.json}", {Path(ns.json): json.dumps(result, indent=1).encode()})
    print(format_proposal_table(result))
    return 0
