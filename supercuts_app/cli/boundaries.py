"""Subcommands for the boundary network: ``boundaries``, ``train boundaries`` and
``eval boundaries``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import (
    MAX_PROCESSES,
    CLIError,
    add_split_option,
    check_training_paths,
    checked_output,
    expand_inputs,
    positive_int,
    positive_real,
    real_number,
    run_per_image,
    share,
    split_size,
    whole_number,
    write_outputs,
)

MAX_THRESHOLDS = 999
"""Largest ``--thresholds``: finer steps than 0.001 change no score."""


def add_parsers(
    sub: argparse._SubParsersAction,
    train_sub: argparse._SubParsersAction,
    eval_sub: argparse._SubParsersAction,
) -> None:
    """Register ``boundaries``, ``train boundaries`` and ``eval boundaries``."""
    bp = sub.add_parser("boundaries", help="boundary probability maps (8 or 16-bit PNG)")
    bp.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders of images")
    bp.add_argument("--out", required=True, help="output folder (<name>.png per image)")
    bp.add_argument("--bits", type=int, choices=(8, 16), default=8, help="PNG depth (default 8)")
    _add_network_options(bp)
    bp.add_argument(
        "--nms", action="store_true", help="also write <name>_nms.png, the map thinned to ridges"
    )
    bp.add_argument("--max-pixels", type=positive_int, default=None, help="largest image (pixels)")
    bp.set_defaults(func=cmd_boundaries)

    tb = train_sub.add_parser(
        "boundaries", help="the boundary network (RCF-style, deep supervision)"
    )
    tb.add_argument("--data", required=True, help="BSDS500 folder (train and val splits)")
    tb.add_argument("--out", required=True, metavar="FILE", help="best network by val ODS (.pt)")
    tb.add_argument("--backbone", default=None, help="timm CNN name (default: EfficientNet-Lite0)")
    tb.add_argument(
        "--backbone-weights", default=None, metavar="FILE", help="encoder start (or 'random')"
    )
    tb.add_argument("--device", default=None, help="cpu or cuda (default: CUDA when present)")
    tb.add_argument("--steps", type=positive_int, default=5000)
    tb.add_argument("--batch", type=positive_int, default=4)
    tb.add_argument("--crop", type=positive_int, default=320, help="training crop side (px)")
    tb.add_argument("--lr", type=positive_real, default=1e-3, help="side and fusion layers")
    tb.add_argument("--encoder-lr", type=positive_real, default=1e-4, help="the encoder")
    tb.add_argument(
        "--consensus", type=share, default=0.5, help="share of annotators making a boundary"
    )
    tb.add_argument(
        "--label-radius", type=whole_number(at_least=0, at_most=10), default=0,
        help="widen each annotator's boundary by this many pixels before voting",
    )  # fmt: skip
    tb.add_argument("--val-every", type=positive_int, default=250, help="steps per validation")
    tb.add_argument("--val-limit", type=positive_int, default=20, help="val images per validation")
    tb.add_argument(
        "--val-thresholds", type=whole_number(at_least=1, at_most=MAX_THRESHOLDS), default=25
    )
    tb.add_argument("--limit", type=positive_int, default=None, help="first N train images")
    tb.add_argument("--seed", type=whole_number(at_least=0), default=0)
    tb.add_argument("--resume", default=None, metavar="FILE", help="a <out>.last.pt checkpoint")
    tb.add_argument(
        "--threads",
        type=whole_number(at_least=1, at_most=MAX_PROCESSES),
        default=None,
        help="CPU threads for torch",
    )
    tb.set_defaults(func=cmd_train_boundaries)

    eb = eval_sub.add_parser("boundaries", help="BSDS edge benchmark: ODS, OIS, AP")
    eb.add_argument("--data", required=True, help="BSDS500 folder")
    add_split_option(eb)
    _add_network_options(eb)
    eb.add_argument(
        "--thresholds", type=whole_number(at_least=1, at_most=MAX_THRESHOLDS), default=99
    )
    eb.add_argument("--limit", type=positive_int, default=None, help="first N images only")
    eb.add_argument(
        "--exact-matching", action="store_true", help="maximum matching over all pixel pairs"
    )
    eb.add_argument(
        "--scales",
        type=real_number(at_least=0.25, at_most=3.0),
        nargs="+",
        default=[1.0],
        metavar="F",
        help="average the maps of the image resized by these factors (default: 1, as the app)",
    )
    eb.add_argument("--json", default=None, metavar="OUT", help="write the results as JSON")
    eb.set_defaults(func=cmd_eval_boundaries)


def _add_network_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--weights", default=None, metavar="FILE", help="boundary network (default: the shipped)"
    )
    p.add_argument("--device", default=None, help="cpu or cuda (default: CUDA when present)")


def _device(text: str | None):
    """The torch device ``--device`` names, or a CLIError."""
    import torch

    from supercuts_app.segmentation.features import resolve_device

    try:
        device = resolve_device(text)
    except RuntimeError:
        raise CLIError(f"--device {text}: not a device (cpu, cuda, cuda:0, ...)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise CLIError(f"--device {text}: no CUDA device is available")
    return device


def load_boundary_net(weights: str | None, device: str | None):
    """The network at ``weights`` (the shipped one when None), or a CLIError saying why not."""
    from supercuts_app.base.files import unreachable_reason
    from supercuts_app.segmentation.boundaries import (
        BoundaryNet,
        BoundaryNetError,
        default_boundary_net,
    )

    dev = _device(device)
    if weights is None:
        net = default_boundary_net(dev)
        if net is None:
            raise CLIError(
                "no trained boundary network is shipped yet: give --weights FILE "
                "(made by 'supercuts train boundaries')"
            )
        return net
    reason = unreachable_reason(weights)
    if reason is not None:
        raise CLIError(f"--weights {weights}: {reason}")
    try:
        return BoundaryNet.load(weights, device=dev)
    except BoundaryNetError as exc:
        raise CLIError(str(exc)) from None


def cmd_boundaries(ns: argparse.Namespace) -> int:
    """``supercuts boundaries``: a probability PNG per image."""
    import numpy as np

    from supercuts_app.base.files import encode_png
    from supercuts_app.segmentation.boundaries import boundary_map
    from supercuts_app.segmentation.edge_thinning import edge_nms

    inputs = expand_inputs(ns.inputs)
    out = checked_output("--out", ns.out, folder=True)
    net = load_boundary_net(ns.weights, ns.device)
    dtype, top = (np.uint8, 255) if ns.bits == 8 else (np.uint16, 65535)

    def process(path: Path, image) -> str:
        probability = boundary_map(net, image)
        files = {out / f"{path.stem}.png": encode_png(_quantized(probability, dtype, top))}
        if ns.nms:
            thinned = _quantized(edge_nms(probability), dtype, top)
            files[out / f"{path.stem}_nms.png"] = encode_png(thinned)
        write_outputs(f"--out {out}", files)
        return f"{path}: boundaries ({ns.bits}-bit) -> {out / f'{path.stem}.png'}"

    return run_per_image(inputs, process, desc="boundaries", max_pixels=ns.max_pixels)


def _quantized(probability, dtype, top: int):
    import numpy as np

    return np.rint(np.clip(probability, 0.0, 1.0) * top).astype(dtype)


def cmd_train_boundaries(ns: argparse.Namespace) -> int:
    """``supercuts train boundaries``: fit the boundary network, keep the best by val ODS."""
    from tqdm import tqdm

    from supercuts_app.datasets.bsds import DatasetError, iter_split
    from supercuts_app.eval.boundaries import evaluate_boundaries
    from supercuts_app.segmentation.boundaries import BoundaryNetError
    from supercuts_app.segmentation.features import DEFAULT_BACKBONE
    from supercuts_app.train.boundaries import BoundaryTrainConfig, train_boundaries

    check_training_paths(ns)
    for split in ("train", "val"):
        try:
            next(iter(iter_split(ns.data, split)), None)
        except DatasetError as exc:
            raise CLIError(f"{exc} (training reads train and chooses on val)") from None
    if ns.resume is not None and not Path(ns.resume).is_file():
        raise CLIError(f"--resume {ns.resume}: file not found")
    device = _device(ns.device)
    if ns.threads is not None:
        import torch

        torch.set_num_threads(ns.threads)
    cfg = BoundaryTrainConfig(
        steps=ns.steps,
        batch=ns.batch,
        crop=ns.crop,
        lr=ns.lr,
        encoder_lr=ns.encoder_lr,
        consensus=ns.consensus,
        label_radius=ns.label_radius,
        val_every=ns.val_every,
        val_limit=ns.val_limit,
        val_thresholds=ns.val_thresholds,
        limit=ns.limit,
        seed=ns.seed,
    )
    bar = tqdm(total=cfg.steps, desc="train boundaries", unit="step", file=sys.stderr)

    def on_step(step: int, total: int, loss: float) -> None:
        bar.n = step
        bar.set_postfix(loss=f"{loss:.3f}")
        bar.refresh()

    def validate(net) -> dict:
        res = evaluate_boundaries(
            ns.data, net, split="val", n_thresholds=cfg.val_thresholds, limit=cfg.val_limit
        )
        return {"ods": res["ods"]["f"], "ois": res["ois"]["f"], "ap": res["ap"]}

    try:
        result = train_boundaries(
            ns.data,
            cfg,
            ns.out,
            backbone=ns.backbone or DEFAULT_BACKBONE,
            encoder_weights=ns.backbone_weights,
            device=device,
            resume=ns.resume,
            log=lambda text: tqdm.write(text, file=sys.stderr),
            on_step=on_step,
            validate=validate,
        )
    except BoundaryNetError as exc:
        raise CLIError(str(exc)) from None
    finally:
        bar.close()
    best = result["best"]
    print(
        f"best step {best['step']}: val ODS {best.get('ods', float('nan')):.4f}, "
        f"OIS {best.get('ois', float('nan')):.4f}, AP {best.get('ap', float('nan')):.4f}; "
        f"saved {ns.out}"
    )
    return 0


def cmd_eval_boundaries(ns: argparse.Namespace) -> int:
    """``supercuts eval boundaries``: the BSDS edge benchmark of a boundary network."""
    from tqdm import tqdm

    from supercuts_app.eval.boundaries import evaluate_boundaries, format_boundary_result

    if ns.json:
        checked_output("--json", ns.json, folder=False)
    total = split_size(ns)
    net = load_boundary_net(ns.weights, ns.device)
    bar = tqdm(desc="boundary eval", total=total, unit="img", file=sys.stderr)
    try:
        result = evaluate_boundaries(
            ns.data,
            net,
            split=ns.split,
            n_thresholds=ns.thresholds,
            limit=ns.limit,
            exact=ns.exact_matching,
            scales=ns.scales,
            on_image=lambda done, n: bar.update(1),
        )
    finally:
        bar.close()
    if ns.json:
        write_outputs(f"--json {ns.json}", {Path(ns.json): json.dumps(result, indent=1).encode()})
    print(format_boundary_result(result))
    return 0
