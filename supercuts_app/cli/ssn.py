"""``supercuts train ssn``: fit SSN's pixel-embedding head on BSDS500."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS

from .common import (
    MAX_PROCESSES,
    CLIError,
    backbone_from,
    check_training_paths,
    positive_int,
    positive_real,
    real_number,
    segment_count,
    whole_number,
)


def add_parser(train_sub: argparse._SubParsersAction) -> None:
    ts = train_sub.add_parser("ssn", help="the SSN pixel-embedding head (Jampani et al. 2018)")
    ts.add_argument("--data", required=True, help="BSDS500 folder")
    ts.add_argument("--out", required=True, metavar="FILE", help="best head (.pt)")
    ts.add_argument("--backbone", default=None, help="timm backbone name (default: Lite0)")
    ts.add_argument("--backbone-weights", default=None, metavar="FILE", help="or 'random'")
    ts.add_argument("--device", default=None, help="cpu, cuda, ... (default: CUDA when present)")
    ts.add_argument("--n-segments", type=segment_count, default=DEFAULT_SUPERPIXELS, metavar="K")
    ts.add_argument("--epochs", type=positive_int, default=12)
    ts.add_argument("--steps-per-epoch", type=positive_int, default=60)
    ts.add_argument("--batch", type=positive_int, default=4)
    ts.add_argument("--crop", type=positive_int, default=160, help="training crop side (px)")
    ts.add_argument(
        "--lr", type=positive_real, default=2e-3, help="Adam learning rate (cosine decay)"
    )
    ts.add_argument(
        "--compactness",
        type=real_number(at_least=0.0),
        default=0.02,
        help="weight of the position term",
    )
    ts.add_argument("--embed-dims", type=positive_int, default=10, help="learned pixel features")
    ts.add_argument("--hidden", type=positive_int, default=64, help="head's hidden channels")
    ts.add_argument("--limit", type=positive_int, default=None, help="first N train images")
    ts.add_argument("--val-limit", type=positive_int, default=20, help="val images per epoch")
    ts.add_argument(
        "--pos-scale",
        type=positive_real,
        default=None,
        metavar="W",
        help="position weight saved for inference (default: the learned one)",
    )
    ts.add_argument(
        "--boundary-input",
        action="store_true",
        help="a boundary-aware head: it reads the shipped boundary network's map (a colour-branch"
        " channel and the cost of assigning pixels across boundaries)",
    )
    ts.add_argument("--resume", default=None, metavar="FILE", help="a <out>.last.pt checkpoint")
    ts.add_argument(
        "--threads",
        type=whole_number(at_least=1, at_most=MAX_PROCESSES),
        default=None,
        help="CPU threads for torch (1 is much faster when other jobs share the cores)",
    )
    ts.set_defaults(func=cmd_train_ssn)


def cmd_train_ssn(ns: argparse.Namespace) -> int:
    from tqdm import tqdm

    from supercuts_app.eval.superpixels import evaluate_superpixels
    from supercuts_app.train.ssn import SSNTrainConfig, train_ssn

    check_training_paths(ns)
    if ns.resume is not None and not Path(ns.resume).is_file():
        raise CLIError(f"--resume {ns.resume}: file not found")
    if ns.threads is not None:
        import torch

        torch.set_num_threads(ns.threads)
    backbone = backbone_from(ns)
    cfg = SSNTrainConfig(
        n_segments=ns.n_segments,
        epochs=ns.epochs,
        steps_per_epoch=ns.steps_per_epoch,
        batch=ns.batch,
        crop=ns.crop,
        lr=ns.lr,
        compactness=ns.compactness,
        embed_dims=ns.embed_dims,
        hidden=ns.hidden,
        limit=ns.limit,
        val_limit=ns.val_limit,
        inference_pos_scale=ns.pos_scale,
        boundary_input=ns.boundary_input,
    )
    boundary_net = None
    if ns.boundary_input:
        from supercuts_app.segmentation.boundaries import default_boundary_net

        boundary_net = default_boundary_net(ns.device)
        if boundary_net is None:
            raise CLIError("--boundary-input: the boundary network is not installed")
    bar = tqdm(total=cfg.epochs * cfg.steps_per_epoch, desc="train ssn", unit="step",
               file=sys.stderr)  # fmt: skip

    def on_step(step: int, total: int, loss: float) -> None:
        bar.n = step
        bar.set_postfix(loss=f"{loss:.3f}")
        bar.refresh()

    def validate(head) -> dict:
        res = evaluate_superpixels(
            ns.data,
            split="val",
            method="ssn",
            n_segments=cfg.n_segments,
            limit=cfg.val_limit,
            backbone=backbone,
            head=head,
            boundary_net=boundary_net if boundary_net is not None else "default",
        )
        return {k: res["mean"][k] for k in ("asa", "boundary_recall", "segments")}

    try:
        result = train_ssn(
            ns.data,
            backbone,
            cfg,
            ns.out,
            resume=ns.resume,
            log=lambda text: tqdm.write(text, file=sys.stderr),
            on_step=on_step,
            validate=validate,
            boundary_net=boundary_net,
        )
    finally:
        bar.close()
    best = result["best"]
    print(
        f"best epoch {best['epoch']}: val ASA {best.get('asa', float('nan')):.4f}, "
        f"BR {best.get('boundary_recall', float('nan')):.4f}; saved {ns.out}"
    )
    return 0
