"""Command line: ``supercuts`` opens the GUI; subcommands run the same core without it.

Bad input prints one line (``supercuts: ...``) and exits with code 2; nothing is written for it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

SUBCOMMANDS = ("superpixels", "hierarchy", "train", "eval")


class CLIError(Exception):
    """A user error: printed as one line, exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``supercuts`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0] not in SUBCOMMANDS and args[0] not in ("-h", "--help", "--version")):
        return _run_gui(args)
    parser = build_parser()
    ns = parser.parse_args(args)
    try:
        return int(ns.func(ns) or 0)
    except CLIError as exc:
        print(f"supercuts: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("supercuts: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree of every subcommand."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="supercuts",
        description="Annotate objects and parts by clicking superpixels. "
        "With no subcommand, opens the window (optionally on IMAGE).",
    )
    parser.add_argument("--version", action="version", version=f"supercuts {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("superpixels", help="compute superpixel label maps (16-bit PNG)")
    sp.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders of images")
    _add_superpixel_options(sp)
    sp.add_argument("--out", required=True, help="output PNG (one input) or folder")
    sp.add_argument("--overlay", action="store_true", help="also write <name>_overlay.png")
    sp.add_argument("--max-pixels", type=_positive_int, default=None, help="largest image (pixels)")
    sp.set_defaults(func=_cmd_superpixels)

    hi = sub.add_parser("hierarchy", help="nested levels (.npz) and ultrametric contour maps")
    hi.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders of images")
    _add_superpixel_options(hi)
    hi.add_argument("--out", required=True, help="output folder")
    hi.add_argument("--edge-model", default=None, metavar="FILE", help="edge model (.npz)")
    hi.add_argument("--spectral-weight", type=float, default=None, help="share of spectral term")
    hi.add_argument("--region-weight", type=float, default=None, help="share of whole-region term")
    hi.add_argument("--max-pixels", type=_positive_int, default=None, help="largest image (pixels)")
    hi.set_defaults(func=_cmd_hierarchy)

    tr = sub.add_parser("train", help="train models on BSDS500")
    tr_sub = tr.add_subparsers(dest="what", required=True)
    ta = tr_sub.add_parser("affinity", help="the hierarchy's edge model")
    ta.add_argument("--data", required=True, help="BSDS500 folder")
    ta.add_argument("--out", required=True, help="output .npz")
    ta.add_argument("--n-segments", type=_positive_int, default=600, metavar="K")
    ta.add_argument("--limit", type=_positive_int, default=None, help="first N images per split")
    ta.add_argument("--steps", type=_positive_int, default=1500)
    ta.add_argument(
        "--region-counts",
        type=_positive_int,
        nargs="*",
        default=[],
        metavar="N",
        help="also learn from merged-region pairs at these region counts of each hierarchy",
    )
    ta.set_defaults(func=_cmd_train_affinity)

    ev = sub.add_parser("eval", help="evaluate on BSDS500")
    ev_sub = ev.add_subparsers(dest="what", required=True)
    es = ev_sub.add_parser("superpixels", help="ASA, boundary recall, UE, time per image")
    es.add_argument("--data", required=True, help="BSDS500 folder")
    es.add_argument("--split", default="val", choices=("train", "val", "test"))
    es.add_argument("--method", nargs="+", default=["ssn"], choices=("ssn", "slic"))
    es.add_argument("--n-segments", nargs="+", type=_positive_int, default=[600], metavar="K")
    es.add_argument("--limit", type=_positive_int, default=None, help="first N images only")
    es.add_argument("--json", default=None, metavar="OUT", help="write all results as JSON")
    es.add_argument("--backbone", default=None, help="timm backbone name for SSN")
    es.add_argument("--backbone-weights", default=None, metavar="FILE")
    es.add_argument("--device", default=None, help="cpu, cuda, ... (default: CUDA when present)")
    es.set_defaults(func=_cmd_eval_superpixels)
    eh = ev_sub.add_parser("hierarchy", help="boundary F and covering at ODS/OIS")
    eh.add_argument("--data", required=True, help="BSDS500 folder")
    eh.add_argument("--split", default="val", choices=("train", "val", "test"))
    eh.add_argument("--limit", type=_positive_int, default=None, help="first N images only")
    eh.add_argument("--n-segments", type=_positive_int, default=600, metavar="K")
    eh.add_argument("--edge-model", default=None, metavar="FILE", help="edge model (.npz)")
    eh.add_argument(
        "--spectral-weight", type=float, nargs="+", default=None, help="one or more to compare"
    )
    eh.add_argument(
        "--region-weight", type=float, nargs="+", default=None, help="one or more to compare"
    )
    eh.add_argument("--json", default=None, metavar="OUT", help="write results as JSON")
    eh.set_defaults(func=_cmd_eval_hierarchy)
    return parser


def _add_superpixel_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--method", default="ssn", choices=("ssn", "slic"))
    p.add_argument("--n-segments", type=_positive_int, default=600, metavar="K")
    p.add_argument(
        "--backbone", default=None, help="timm backbone name (default: EfficientNet-Lite0)"
    )
    p.add_argument(
        "--backbone-weights", default=None, metavar="FILE", help="local weights ('random' for none)"
    )
    p.add_argument("--device", default=None, help="cpu, cuda, ... (default: CUDA when present)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _backbone_from(ns: argparse.Namespace):
    """The backbone an SSN command asked for, or a CLIError saying why it cannot be built."""
    from .core.features import DEFAULT_BACKBONE, BackboneError, create_backbone

    try:
        return create_backbone(
            ns.backbone or DEFAULT_BACKBONE, weights=ns.backbone_weights, device=ns.device
        )
    except BackboneError as exc:
        raise CLIError(str(exc)) from None


def _cmd_superpixels(ns: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .core.io import DEFAULT_MAX_PIXELS, ImageLoadError, load_image, write_png_atomic
    from .core.render import boundary_overlay
    from .core.superpixels import compute_superpixels

    inputs = expand_inputs(ns.inputs)
    out = Path(ns.out)
    single_file = out.suffix.lower() == ".png"
    if single_file and len(inputs) > 1:
        raise CLIError(f"--out {out} is a file but {len(inputs)} images were given: give a folder")
    if single_file and not out.parent.is_dir():
        raise CLIError(f"--out {out}: folder {out.parent} does not exist")
    if out.exists() and not single_file and not out.is_dir():
        raise CLIError(f"--out {out} exists and is not a folder")
    backbone = _backbone_from(ns) if ns.method == "ssn" else None
    max_pixels = ns.max_pixels or DEFAULT_MAX_PIXELS

    failures = 0
    for path in tqdm(inputs, desc="superpixels", unit="img", disable=len(inputs) < 2):
        try:
            image = load_image(path, max_pixels=max_pixels)
        except ImageLoadError as exc:
            tqdm.write(f"supercuts: {exc}", file=sys.stderr)
            failures += 1
            continue
        result = compute_superpixels(
            image, method=ns.method, n_segments=ns.n_segments, backbone=backbone
        )
        if result.n_segments > 65535:
            tqdm.write(f"supercuts: {path}: {result.n_segments} segments do not fit a 16-bit PNG")
            failures += 1
            continue
        target = out if single_file else out / f"{path.stem}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_png_atomic(target, result.labels.astype("uint16"))
        if ns.overlay:
            overlay = boundary_overlay(image, result.labels)
            write_png_atomic(target.with_name(f"{target.stem}_overlay.png"), overlay)
        if len(inputs) == 1:
            print(f"{path}: {result.n_segments} superpixels in {result.seconds:.2f} s -> {target}")
    if failures:
        if len(inputs) > 1:
            print(f"supercuts: {failures} of {len(inputs)} images failed", file=sys.stderr)
        return 2
    return 0


def expand_inputs(inputs: Sequence[str]) -> list[Path]:
    """Files as given and the images inside given folders (sorted); missing paths are kept so
    that loading reports them."""
    from .core.io import IMAGE_SUFFIXES

    paths: list[Path] = []
    for text in inputs:
        p = Path(text)
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise CLIError(f"{p}: folder holds no images ({', '.join(IMAGE_SUFFIXES)})")
            paths.extend(found)
        else:
            paths.append(p)
    return paths


def _cmd_eval_superpixels(ns: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .core.io import write_bytes_atomic
    from .eval.bsds import DatasetError, find_data_dir, iter_split
    from .eval.superpixels import evaluate_superpixels, format_table

    try:
        find_data_dir(ns.data)
        total = len(list(iter_split(ns.data, ns.split, limit=ns.limit)))
    except DatasetError as exc:
        raise CLIError(str(exc)) from None
    backbone = _backbone_from(ns) if "ssn" in ns.method else None
    results = []
    for method in ns.method:
        for k in ns.n_segments:
            bar = tqdm(desc=f"{method} K={k}", total=total, unit="img", file=sys.stderr)

            def tick(done: int, total: int, bar=bar) -> None:
                bar.update(1)

            try:
                res = evaluate_superpixels(
                    ns.data,
                    split=ns.split,
                    method=method,
                    n_segments=k,
                    limit=ns.limit,
                    on_image=tick,
                    backbone=backbone,
                )
            except DatasetError as exc:
                raise CLIError(str(exc)) from None
            finally:
                bar.close()
            res["backbone"] = backbone.name if method == "ssn" else None
            results.append(res)
    print(format_table(results))
    if ns.json:
        write_bytes_atomic(ns.json, json.dumps(results, indent=1).encode())
    return 0


def _load_edge_model(path: str | None):
    from .core.hierarchy import EdgeModel, default_edge_model

    if path is None:
        return default_edge_model()
    try:
        return EdgeModel.load(path)
    except (OSError, KeyError, ValueError) as exc:
        raise CLIError(f"{path}: not an edge model ({exc})") from None


def _cmd_hierarchy(ns: argparse.Namespace) -> int:
    import io

    import numpy as np
    from tqdm import tqdm

    from .core.io import (
        DEFAULT_MAX_PIXELS,
        ImageLoadError,
        load_image,
        write_bytes_atomic,
        write_png_atomic,
    )
    from .core.pipeline import hierarchy_for_image

    inputs = expand_inputs(ns.inputs)
    out = Path(ns.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} exists and is not a folder")
    model = _load_edge_model(ns.edge_model)
    backbone = _backbone_from(ns)
    failures = 0
    for path in tqdm(inputs, desc="hierarchy", unit="img", disable=len(inputs) < 2):
        try:
            image = load_image(path, max_pixels=ns.max_pixels or DEFAULT_MAX_PIXELS)
        except ImageLoadError as exc:
            tqdm.write(f"supercuts: {exc}", file=sys.stderr)
            failures += 1
            continue
        _, tree = hierarchy_for_image(
            image,
            method=ns.method,
            n_segments=ns.n_segments,
            backbone=backbone,
            edge_model=model,
            spectral_weight=ns.spectral_weight,
            region_weight=ns.region_weight,
        )
        dtype = np.uint16 if tree.region_counts[0] <= 65535 else np.int32
        stack = np.stack([tree.labels_at(lv).astype(dtype) for lv in range(tree.n_levels)])
        buf = io.BytesIO()
        np.savez_compressed(buf, labels=stack, region_counts=np.array(tree.region_counts))
        out.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(out / f"{path.stem}.npz", buf.getvalue())
        write_png_atomic(out / f"{path.stem}_ucm.png", tree.ucm())
        if len(inputs) == 1:
            print(
                f"{path}: {tree.n_levels} levels ({' > '.join(map(str, tree.region_counts))})"
                f" -> {out}"
            )
    if failures:
        if len(inputs) > 1:
            print(f"supercuts: {failures} of {len(inputs)} images failed", file=sys.stderr)
        return 2
    return 0


def _cmd_train_affinity(ns: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .core.features import cached_backbone
    from .core.hierarchy import default_edge_model
    from .eval.bsds import DatasetError, find_data_dir
    from .train.affinity import edge_samples, fit_edge_model, weighted_bce

    try:
        find_data_dir(ns.data)
    except DatasetError as exc:
        raise CLIError(str(exc)) from None
    if not Path(ns.out).parent.is_dir():
        raise CLIError(f"--out {ns.out}: folder does not exist")
    backbone = cached_backbone()
    samples = {}
    for split in ("train", "val"):
        bar = tqdm(desc=f"edges {split}", unit="img", file=sys.stderr)

        def tick(done: int, total: int, bar=bar) -> None:
            bar.total = total
            bar.update(1)

        samples[split] = edge_samples(
            ns.data,
            split,
            backbone,
            n_segments=ns.n_segments,
            limit=ns.limit,
            region_counts=ns.region_counts,
            model=default_edge_model(),
            on_image=tick,
        )
        bar.close()
    model = fit_edge_model(
        samples["train"],
        steps=ns.steps,
        on_step=lambda step, loss: print(f"step {step}: train loss {loss:.4f}", file=sys.stderr),
    )
    model.info = {
        "backbone": backbone.name,
        "n_segments": ns.n_segments,
        "train_edges": int(len(samples["train"].targets)),
        "val_bce": weighted_bce(model, samples["val"]),
        "region_counts": list(ns.region_counts),
    }
    model.save(ns.out)
    print(f"val weighted BCE {model.info['val_bce']:.4f}; saved {ns.out}")
    return 0


def _cmd_eval_hierarchy(ns: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .core.features import cached_backbone
    from .core.hierarchy import DEFAULT_REGION_WEIGHT, DEFAULT_SPECTRAL_WEIGHT
    from .core.io import write_bytes_atomic
    from .eval.bsds import DatasetError, find_data_dir, iter_split
    from .eval.hierarchy import HierarchyConfig, evaluate_hierarchies, format_hierarchy_table

    try:
        find_data_dir(ns.data)
        total = len(list(iter_split(ns.data, ns.split, limit=ns.limit)))
    except DatasetError as exc:
        raise CLIError(str(exc)) from None
    model = _load_edge_model(ns.edge_model)
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
        on_image=lambda done, n: bar.update(1),
    )
    bar.close()
    print(format_hierarchy_table(results))
    if ns.json:
        write_bytes_atomic(ns.json, json.dumps(results, indent=1).encode())
    return 0


def _run_gui(args: list[str]) -> int:
    if len(args) > 1:
        print("supercuts: give at most one image to open (see supercuts --help)", file=sys.stderr)
        return 2
    from .gui.app import run_app

    return run_app(args[0] if args else None)
