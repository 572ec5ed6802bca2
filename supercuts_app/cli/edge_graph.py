"""``supercuts train edge-graph``: fit the levels' graph network on BSDS500."""

from __future__ import annotations

import argparse
import sys

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS

from .common import (
    MAX_PROCESSES,
    CLIError,
    check_training_paths,
    image_progress,
    positive_int,
    segment_count,
    whole_number,
    writing_output,
)


def add_parser(train_sub: argparse._SubParsersAction) -> None:
    from supercuts_app.train.edge_graph_options import DEFAULT_GRAPH_FIT as defaults

    tg = train_sub.add_parser(
        "edge-graph", help="the levels' graph network scoring superpixel edges"
    )
    tg.add_argument("--data", required=True, help="BSDS500 folder")
    tg.add_argument("--out", required=True, metavar="FILE", help="output .npz")
    tg.add_argument("--n-segments", type=segment_count, default=DEFAULT_SUPERPIXELS, metavar="K")
    tg.add_argument("--limit", type=positive_int, default=None, help="first N images per split")
    tg.add_argument("--steps", type=positive_int, default=defaults.steps)
    tg.add_argument(
        "--rounds",
        type=whole_number(at_least=0, at_most=8),
        default=defaults.rounds,
        help="rounds of message passing (0: each edge on its own)",
    )
    tg.add_argument("--hidden", type=positive_int, default=defaults.hidden)
    tg.add_argument(
        "--seeds",
        "--seed",
        type=whole_number(at_least=0),
        nargs="+",
        default=[defaults.seed],
        metavar="SEED",
        help="one network per seed; several make an ensemble averaging their scores",
    )
    tg.add_argument(
        "--threads",
        type=whole_number(at_least=1, at_most=MAX_PROCESSES),
        default=None,
        help="CPU threads for torch",
    )
    tg.set_defaults(func=cmd_train_edge_graph)


def cmd_train_edge_graph(ns: argparse.Namespace) -> int:
    """Collect the graphs of BSDS500 train and val, fit one network per seed on train, report
    val, save the network (or the ensemble of several)."""
    from supercuts_app.segmentation.edge_graph_model import EdgeGraphEnsemble
    from supercuts_app.segmentation.features import cached_backbone
    from supercuts_app.train.edge_graph import (
        fit_edge_graph_model,
        graph_bce,
        graph_samples,
    )
    from supercuts_app.train.edge_graph_options import GraphFitOptions

    if len(set(ns.seeds)) != len(ns.seeds):
        raise CLIError("--seeds: each seed once (the same seed trains the same network)")
    check_training_paths(ns)
    if ns.threads is not None:
        import torch

        torch.set_num_threads(ns.threads)
    backbone = cached_backbone()
    graphs = {}
    for split in ("train", "val"):
        with image_progress(f"graphs {split}") as tick:
            graphs[split] = graph_samples(
                ns.data, split, backbone, n_segments=ns.n_segments, limit=ns.limit, on_image=tick
            )
    if not graphs["train"]:
        raise CLIError(f"--data {ns.data}: the train split holds no images")
    facts = {
        "backbone": backbone.name,
        "n_segments": ns.n_segments,
        "train_images": len(graphs["train"]),
        "rounds": ns.rounds,
        "hidden": ns.hidden,
        "steps": ns.steps,
    }

    def val_bce(model) -> float | None:
        return graph_bce(model, graphs["val"]) if graphs["val"] else None

    members = []
    for seed in ns.seeds:
        options = GraphFitOptions(rounds=ns.rounds, hidden=ns.hidden, steps=ns.steps, seed=seed)
        member = fit_edge_graph_model(
            graphs["train"],
            options=options,
            on_step=lambda step, loss, seed=seed: print(
                f"seed {seed} step {step}: batch loss {loss:.4f}", file=sys.stderr
            ),
        )
        member.info = {**facts, "seed": seed, "val_bce": val_bce(member)}
        members.append(member)
    if len(members) == 1:
        model = members[0]
    else:
        model = EdgeGraphEnsemble(tuple(members), {**facts, "seeds": list(ns.seeds)})
        model.info["val_bce"] = val_bce(model)
    with writing_output(f"--out {ns.out}"):
        model.save(ns.out)
    val = model.info["val_bce"]
    print(f"val weighted BCE {val:.4f}; saved {ns.out}" if val is not None else f"saved {ns.out}")
    return 0
