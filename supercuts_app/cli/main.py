"""Command line: ``supercuts`` opens the GUI; subcommands run the same core without it.

Bad input prints one line (``supercuts: ...``) and exits with code 2; nothing is written for it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS, fits_uint16
from supercuts_app.cli import adapt as cli_adapt
from supercuts_app.cli import batch as cli_batch
from supercuts_app.cli import boundaries as cli_boundaries
from supercuts_app.cli import clicks as cli_clicks
from supercuts_app.cli import edge_graph as cli_edge_graph
from supercuts_app.cli import hierarchy as cli_hierarchy
from supercuts_app.cli import project as cli_project
from supercuts_app.cli import proposals as cli_proposals
from supercuts_app.cli import ssn as cli_ssn
from supercuts_app.cli.hierarchy import BSDS_STEPS

from .common import (
    CLIError,
    OneLineParser,
    add_split_option,
    add_superpixel_count_options,
    backbone_from,
    checked_output,
    density_from,
    expand_inputs,
    positive_int,
    positive_real,
    run_per_image,
    segment_count,
    share,
    split_size,
    write_outputs,
)

SUBCOMMANDS = (
    "superpixels",
    "boundaries",
    "hierarchy",
    "train",
    "eval",
    "export",
    "import",
    "precompute",
    "propose",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``supercuts`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0] not in SUBCOMMANDS and args[0] not in ("-h", "--help", "--version")):
        return _run_gui(args)
    parser = build_parser()
    try:
        ns = parser.parse_args(args)
    except SystemExit as exc:  # --help, --version, or a bad option already reported in one line
        return int(exc.code or 0)
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
    from supercuts_app import __version__

    parser = OneLineParser(
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
    sp.add_argument("--max-pixels", type=positive_int, default=None, help="largest image (pixels)")
    sp.set_defaults(func=_cmd_superpixels)

    hi = sub.add_parser("hierarchy", help="nested levels (.npz) and ultrametric contour maps")
    hi.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders of images")
    _add_superpixel_options(hi)
    hi.add_argument("--out", required=True, help="output folder")
    hi.add_argument("--edge-model", default=None, metavar="FILE", help="edge model (.npz)")
    hi.add_argument("--spectral-weight", type=share, default=None, help="share of spectral term")
    hi.add_argument("--region-weight", type=share, default=None, help="share of whole-region term")
    hi.add_argument("--max-pixels", type=positive_int, default=None, help="largest image (pixels)")
    hi.add_argument(
        "--no-cache", action="store_true", help="neither read nor fill the result cache"
    )
    hi.set_defaults(func=cli_hierarchy.cmd_hierarchy)

    tr = sub.add_parser("train", help="train models on BSDS500")
    tr_sub = tr.add_subparsers(dest="what", required=True)
    ta = tr_sub.add_parser("affinity", help="the hierarchy's edge model")
    ta.add_argument("--data", default=None, help="BSDS500 folder (or --project)")
    ta.add_argument("--out", default=None, help="output .npz (required with --data)")
    ta.add_argument("--n-segments", type=segment_count, default=DEFAULT_SUPERPIXELS, metavar="K")
    ta.add_argument("--limit", type=positive_int, default=None, help="first N images per split")
    ta.add_argument(
        "--steps",
        type=positive_int,
        default=None,
        help=f"training steps (default: {BSDS_STEPS} with --data, fewer to fine-tune a project's)",
    )
    ta.add_argument(
        "--region-counts",
        type=positive_int,
        nargs="*",
        default=[],
        metavar="N",
        help="also learn from merged-region pairs at these region counts of each hierarchy",
    )
    ta.add_argument(
        "--hierarchy-model",
        default=None,
        metavar="FILE",
        help="edge model that builds those hierarchies (default: the shipped one)",
    )
    ta.add_argument(
        "--hierarchy-region-weight",
        type=share,
        default=None,
        metavar="W",
        help="whole-region share while building those hierarchies (default: the app's)",
    )
    cli_adapt.add_train_options(ta)
    ta.set_defaults(func=cli_hierarchy.cmd_train_affinity)
    cli_ssn.add_parser(tr_sub)
    cli_edge_graph.add_parser(tr_sub)

    ev = sub.add_parser("eval", help="evaluate on BSDS500 (and CCP)")
    ev_sub = ev.add_subparsers(dest="what", required=True)
    es = ev_sub.add_parser("superpixels", help="ASA, boundary recall, UE, time per image")
    es.add_argument("--data", required=True, help="BSDS500 folder")
    add_split_option(es)
    es.add_argument(
        "--method",
        nargs="+",
        default=["ssn"],
        choices=("ssn", "ssn-untrained", "slic"),
        help="ssn: with the trained head; ssn-untrained: PCA embedding; slic: baseline",
    )
    es.add_argument(
        "--n-segments", nargs="+", type=segment_count, default=[DEFAULT_SUPERPIXELS], metavar="K"
    )
    es.add_argument("--limit", type=positive_int, default=None, help="first N images only")
    es.add_argument("--json", default=None, metavar="OUT", help="write all results as JSON")
    es.add_argument("--backbone", default=None, help="timm backbone name for SSN")
    es.add_argument("--backbone-weights", default=None, metavar="FILE")
    es.add_argument("--device", default=None, help="cpu, cuda, ... (default: CUDA when present)")
    es.add_argument(
        "--ssn-head", default=None, metavar="FILE", help="SSN head for 'ssn' (default: shipped)"
    )
    es.add_argument(
        "--ssn-contour",
        type=positive_real,
        default=None,
        metavar="W",
        help="add the learned boundary map's intervening-contour cost, weight W, to the SSN head"
        " (a boundary-aware head without training)",
    )
    es.set_defaults(func=_cmd_eval_superpixels)
    eh = ev_sub.add_parser("hierarchy", help="boundary F and covering at ODS/OIS")
    eh.add_argument("--data", required=True, help="BSDS500 folder")
    add_split_option(eh)
    eh.add_argument("--limit", type=positive_int, default=None, help="first N images only")
    eh.add_argument("--n-segments", type=segment_count, default=DEFAULT_SUPERPIXELS, metavar="K")
    eh.add_argument("--edge-model", default=None, metavar="FILE", help="edge model (.npz)")
    eh.add_argument(
        "--spectral-weight", type=share, nargs="+", default=None, help="one or more to compare"
    )
    eh.add_argument(
        "--region-weight", type=share, nargs="+", default=None, help="one or more to compare"
    )
    eh.add_argument(
        "--exact-matching",
        action="store_true",
        help="maximum matching over all boundary pixel pairs (about 1 %% more matches; can take"
        " tens of seconds per image)",
    )
    eh.add_argument("--json", default=None, metavar="OUT", help="write results as JSON")
    eh.set_defaults(func=cli_hierarchy.cmd_eval_hierarchy)
    cli_clicks.add_parser(ev_sub)
    cli_adapt.add_eval_parser(ev_sub)
    cli_proposals.add_parsers(sub, ev_sub)
    cli_boundaries.add_parsers(sub, tr_sub, ev_sub)
    cli_project.add_parsers(sub)
    cli_batch.add_parser(sub)
    return parser


def _add_superpixel_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--method", default="ssn", choices=("ssn", "slic"))
    add_superpixel_count_options(p)
    p.add_argument(
        "--backbone", default=None, help="timm backbone name (default: EfficientNet-Lite0)"
    )
    p.add_argument(
        "--backbone-weights", default=None, metavar="FILE", help="local weights ('random' for none)"
    )
    p.add_argument("--device", default=None, help="cpu, cuda, ... (default: CUDA when present)")


def _cmd_superpixels(ns: argparse.Namespace) -> int:
    from supercuts_app.base.files import encode_png

    inputs = expand_inputs(ns.inputs)
    single_file = Path(ns.out).suffix.lower() == ".png"
    if single_file and len(inputs) > 1:
        raise CLIError(
            f"--out {ns.out} is a file but {len(inputs)} images were given: give a folder"
        )
    out = checked_output("--out", ns.out, folder=not single_file)
    backbone = backbone_from(ns) if ns.method == "ssn" else None
    density = density_from(ns)

    def process(path: Path, image) -> str:
        # Imported (with torch) once an image has loaded: refusing bad images costs no start-up
        # and little memory (the bomb tests run them under a 2 GB address-space limit).
        from supercuts_app.formats.render import boundary_overlay
        from supercuts_app.segmentation.density import superpixel_count
        from supercuts_app.segmentation.superpixels import compute_superpixels

        count = superpixel_count(*image.shape[:2], n_segments=ns.n_segments, density=density)
        result = compute_superpixels(image, method=ns.method, n_segments=count, backbone=backbone)
        if not fits_uint16(result.n_segments - 1):
            raise CLIError(f"{path}: {result.n_segments} segments do not fit a 16-bit PNG")
        target = out if single_file else out / f"{path.stem}.png"
        files = {target: encode_png(result.labels.astype("uint16"))}
        if ns.overlay:
            overlay = boundary_overlay(image, result.labels)
            files[target.with_name(f"{target.stem}_overlay.png")] = encode_png(overlay)
        write_outputs(f"--out {out}", files)
        return f"{path}: {result.n_segments} superpixels in {result.seconds:.2f} s -> {target}"

    return run_per_image(inputs, process, desc="superpixels", max_pixels=ns.max_pixels)


def _cmd_eval_superpixels(ns: argparse.Namespace) -> int:
    from tqdm import tqdm

    from supercuts_app.datasets.bsds import DatasetError
    from supercuts_app.eval.superpixels import evaluate_superpixels, format_table

    if ns.json:
        checked_output("--json", ns.json, folder=False)
    total = split_size(ns)
    backbone = backbone_from(ns) if any(m.startswith("ssn") for m in ns.method) else None
    head = None
    if ns.ssn_head is not None:
        from supercuts_app.segmentation.ssn_head import HeadError, SSNHead, check_head

        try:
            head = SSNHead.load(ns.ssn_head)
            check_head(head, backbone)
        except HeadError as exc:
            raise CLIError(str(exc)) from None
    if ns.ssn_contour is not None:
        from supercuts_app.segmentation.ssn_head import default_head

        head = head if head is not None else default_head(backbone)
        if head is None:
            raise CLIError("--ssn-contour needs a trained SSN head (--ssn-head)")
        head = head.with_contour_cost(ns.ssn_contour)
    results = []
    for method in ns.method:
        for k in ns.n_segments:
            bar = tqdm(desc=f"{method} K={k}", total=total, unit="img", file=sys.stderr)

            def tick(done: int, total: int, bar=bar) -> None:
                bar.update(1)

            try:
                options = {"backbone": backbone} if method != "slic" else {}
                if method == "ssn-untrained":
                    options["head"] = None
                elif method == "ssn" and head is not None:
                    options["head"] = head
                res = evaluate_superpixels(
                    ns.data,
                    split=ns.split,
                    method="slic" if method == "slic" else "ssn",
                    n_segments=k,
                    limit=ns.limit,
                    on_image=tick,
                    **options,
                )
                res["method"] = method
            except DatasetError as exc:
                raise CLIError(str(exc)) from None
            finally:
                bar.close()
            res["backbone"] = backbone.name if method != "slic" else None
            results.append(res)
    if ns.json:
        write_outputs(f"--json {ns.json}", {Path(ns.json): json.dumps(results, indent=1).encode()})
    print(format_table(results))
    return 0


def _run_gui(args: list[str]) -> int:
    # --self-test (not in --help: the packaged app's smoke test) quits once the image is shown.
    self_test = "--self-test" in args
    args = [a for a in args if a != "--self-test"]
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print("supercuts: give at most one image to open (see supercuts --help)", file=sys.stderr)
        return 2
    from supercuts_app.gui.app import run_app

    return run_app(args[0] if args else None, self_test=self_test)
