"""Issue 17, item 4c: a small graph network as the edge model, against the per-edge MLP.

Usage::

    python scripts/experiment_edge_gnn.py --data ../shared/data/BSDS500 --work /tmp/gnn

For every BSDS500 train and val image, the app's superpixels, region graph, edge features and the
human soft targets (share of annotators separating each pair) are computed once and kept in
``--work``. Three scorers of superpixel edges are fitted on train with the same loss (border-
length-weighted cross-entropy on the soft targets, Adam, cosine schedule, 16 images per step):
an MLP like the shipped stage-1 model, and graph networks with 1 and 2 rounds of message passing
(each edge's state is updated from the border-length-weighted mean state of the edges around
each of its two regions). On val, each scorer's edge scores start the app's greedy merge (the
shipped edge model still scores whole merged regions, weight 0.2) and the levels are scored as
``supercuts eval hierarchy`` does; the shipped model is evaluated the same way. Not shipped: the
app keeps the per-edge MLP (see docs/results.md).
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from supercuts_app.datasets.bsds import iter_split
from supercuts_app.eval.hierarchy import DEFAULT_THRESHOLDS
from supercuts_app.eval.hierarchy_metrics import evaluate_image, summarize
from supercuts_app.segmentation.edge_features import edge_features
from supercuts_app.segmentation.edge_model import default_edge_model
from supercuts_app.segmentation.features import cached_backbone
from supercuts_app.segmentation.hierarchy import (
    DEFAULT_REGION_WEIGHT,
    MergeHierarchy,
    geometric_counts,
    greedy_merge,
    level_tables,
)
from supercuts_app.train.affinity import human_targets, image_region_graph
from supercuts_app.train.edge_graph import EdgeGraphNetwork


def collect(root: str, split: str, work: Path) -> dict[str, dict]:
    """Each image's labels, region graph, edge features and soft targets (kept in ``work``)."""
    backbone = cached_backbone()
    found = {}
    for item in iter_split(root, split):
        stem = Path(item.image_path).stem
        path = work / f"{split}_{stem}.pkl"
        if not path.exists():
            _, labels, graph = image_region_graph(item.image_path, backbone, n_segments=600)
            humans = [h.segmentation for h in item.humans()]
            targets, _ = human_targets(humans)(graph.edges, labels)
            record = {
                "labels": labels.astype(np.int32),
                "graph": graph,
                "features": edge_features(graph).astype(np.float32),
                "targets": targets.astype(np.float32),
            }
            path.write_bytes(pickle.dumps(record))
        found[stem] = pickle.loads(path.read_bytes())
    return found


class EdgeMLP(nn.Module):
    """The shipped model's form: one hidden layer over an edge's own features."""

    def __init__(self, n_in: int, hidden: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x, first, second, length, n_nodes):
        return self.net(x)[:, 0]


def batch(records, mean, std):
    """Several images' graphs as one disconnected graph."""
    xs, firsts, seconds, lengths, targets = [], [], [], [], []
    offset = 0
    for r in records:
        g = r["graph"]
        xs.append((r["features"] - mean) / std)
        firsts.append(g.edges[:, 0] + offset)
        seconds.append(g.edges[:, 1] + offset)
        lengths.append(g.border_length.astype(np.float32))
        targets.append(r["targets"])
        offset += g.n_nodes

    def cat(parts, dtype=torch.float32):
        return torch.tensor(np.concatenate(parts), dtype=dtype)

    return (
        cat(xs), cat(firsts, torch.long), cat(seconds, torch.long), cat(lengths), cat(targets),
        offset,
    )  # fmt: skip


def fit(model, records, mean, std, *, steps: int, per_step: int = 16, lr: float = 0.01):
    rng = np.random.default_rng(0)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-5)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    scale = np.concatenate([r["graph"].border_length for r in records]).mean()
    for _ in range(steps):
        chosen = rng.choice(len(records), per_step, replace=False)
        x, first, second, length, target, n = batch([records[i] for i in chosen], mean, std)
        weight = length / scale
        opt.zero_grad()
        logits = model(x, first, second, weight, n)
        loss = nn.functional.binary_cross_entropy_with_logits(logits, target, weight=weight)
        loss.backward()
        opt.step()
        schedule.step()
    return model


def weighted_bce(p: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float((w * -(y * np.log(p) + (1 - y) * np.log(1 - p))).sum() / w.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    torch.manual_seed(0)
    args.work.mkdir(parents=True, exist_ok=True)
    train = list(collect(args.data, "train", args.work).values())
    val = collect(args.data, "val", args.work)
    features = np.concatenate([r["features"] for r in train])
    mean, std = features.mean(axis=0), features.std(axis=0) + 1e-6
    n_in = features.shape[1]
    scorers = {}
    for name, model in (
        ("MLP, stage 1", EdgeMLP(n_in)),
        ("GNN, 1 round", EdgeGraphNetwork(n_in, 32, rounds=1)),
        ("GNN, 2 rounds", EdgeGraphNetwork(n_in, 32, rounds=2)),
    ):
        start = time.perf_counter()
        scorers[name] = fit(model, train, mean, std, steps=args.steps).eval()
        print(f"{name}: fitted in {time.perf_counter() - start:.0f} s", flush=True)
    shipped = default_edge_model()
    humans = {
        Path(item.image_path).stem: [(h.segmentation, h.boundaries) for h in item.humans()]
        for item in iter_split(args.data, "val")
    }
    names = ["shipped edge model", *scorers]
    scores = {name: [] for name in names}
    losses = {name: [] for name in names}
    for stem, record in sorted(val.items()):
        graph = record["graph"]
        x, first, second, length, _, n = batch([record], mean, std)
        predicted = {"shipped edge model": shipped.predict(record["features"])}
        with torch.no_grad():
            for name, model in scorers.items():
                logits = model(x, first, second, length / length.mean(), n)
                predicted[name] = torch.sigmoid(logits).numpy().astype(np.float64)
        for name, p in predicted.items():
            losses[name].append(
                (weighted_bce(p, record["targets"], graph.border_length), graph.border_length.sum())
            )
            z = greedy_merge(graph, p, model=shipped, region_weight=DEFAULT_REGION_WEIGHT)
            k = graph.n_nodes
            tree = MergeHierarchy(record["labels"], level_tables(z, k, geometric_counts(k)), z)
            levels = [tree.labels_at_height(t) for t in DEFAULT_THRESHOLDS]
            scores[name].append(evaluate_image(levels, humans[stem]))
    print("| edge scorer | val BCE | F ODS | F OIS | covering ODS | covering OIS |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    result = {}
    for name in names:
        s = summarize(scores[name])
        lw = np.array(losses[name])
        result[name] = {
            "bce": float((lw[:, 0] * lw[:, 1]).sum() / lw[:, 1].sum()),
            "f_ods": s["boundary"]["ods"]["f"],
            "f_ois": s["boundary"]["ois"]["f"],
            "cov_ods": s["covering"]["ods"]["value"],
            "cov_ois": s["covering"]["ois"],
        }
        r = result[name]
        print(
            f"| {name} | {r['bce']:.4f} | {r['f_ods']:.4f} | {r['f_ois']:.4f} | "
            f"{r['cov_ods']:.4f} | {r['cov_ois']:.4f} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
