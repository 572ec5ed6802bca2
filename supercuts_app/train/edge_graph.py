"""Training the levels' graph network on BSDS500 (``supercuts train edge-graph``).

Every image gives one graph: the app's superpixels and region graph (learned border cues
included), its edge features, and as targets the share of human annotators separating each
superpixel pair (as the MLP of :mod:`.affinity` learns). The network
(:class:`~supercuts_app.segmentation.edge_graph_model.EdgeGraphModel`) is fitted with the same
border-length-weighted cross-entropy, by Adam with a cosine schedule on batches of whole images,
each batch one disconnected graph; seeded, so the same data give the same network.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS
from supercuts_app.datasets.bsds import iter_split
from supercuts_app.segmentation.edge_features import EDGE_FEATURE_NAMES, edge_features
from supercuts_app.segmentation.edge_graph_model import (
    EdgeGraphEnsemble,
    EdgeGraphModel,
    MessageRound,
)
from supercuts_app.segmentation.features import Backbone

from .affinity import human_targets, image_region_graph
from .edge_graph_options import DEFAULT_GRAPH_FIT, GraphFitOptions


@dataclass
class GraphSample:
    """One image's superpixel graph: edge features, the two regions of each edge, border
    lengths, region count and soft targets."""

    features: np.ndarray
    edges: np.ndarray
    border_length: np.ndarray
    n_nodes: int
    targets: np.ndarray


def graph_samples(
    root: str | Path,
    split: str,
    backbone: Backbone,
    *,
    n_segments: int = DEFAULT_SUPERPIXELS,
    limit: int | None = None,
    on_image: Callable[[int, int], None] | None = None,
) -> list[GraphSample]:
    """One :class:`GraphSample` per image of a BSDS500 split (with the shipped boundary
    network's border cues, as the app computes them)."""
    items = list(iter_split(root, split, limit=limit))
    found = []
    for done, item in enumerate(items, start=1):
        _, labels, graph = image_region_graph(item.image_path, backbone, n_segments=n_segments)
        targets, _ = human_targets([h.segmentation for h in item.humans()])(graph.edges, labels)
        found.append(
            GraphSample(
                edge_features(graph),
                graph.edges.astype(np.int64),
                graph.border_length.astype(np.float64),
                int(graph.n_nodes),
                np.asarray(targets, np.float64),
            )
        )
        if on_image is not None:
            on_image(done, len(items))
    return found


class EdgeGraphNetwork(nn.Module):
    """The torch twin of :class:`EdgeGraphModel` (same layers, same order of operations)."""

    def __init__(self, n_in: int, hidden: int, rounds: int) -> None:
        super().__init__()
        self.encode = nn.Sequential(
            nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU()
        )
        self.rounds = nn.ModuleList(
            nn.Sequential(nn.Linear(3 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, hidden))
            for _ in range(rounds)
        )
        self.out = nn.Linear(hidden, 1)

    def forward(self, x, first, second, length, n_nodes: int) -> torch.Tensor:
        h = self.encode(x)
        total = torch.zeros(n_nodes, dtype=x.dtype).index_add_(0, first, length)
        total = total.index_add_(0, second, length).clamp_min(1e-6)[:, None]
        for layer in self.rounds:
            weighted = h * length[:, None]
            around = torch.zeros(n_nodes, h.shape[1], dtype=x.dtype)
            around = around.index_add_(0, first, weighted).index_add_(0, second, weighted) / total
            a, b = around[first], around[second]
            h = torch.relu(h + layer(torch.cat([h, a + b, (a - b).abs()], dim=1)))
        return self.out(h)[:, 0]

    def to_model(self, mean: np.ndarray, std: np.ndarray) -> EdgeGraphModel:
        def weights(layer: nn.Linear) -> tuple[np.ndarray, np.ndarray]:
            w = layer.weight.detach().numpy().T.astype(np.float64)
            return w, layer.bias.detach().numpy().astype(np.float64)

        w1, b1 = weights(self.encode[0])
        w2, b2 = weights(self.encode[2])
        rounds = []
        for layer in self.rounds:
            rw1, rb1 = weights(layer[0])
            rw2, rb2 = weights(layer[2])
            rounds.append(MessageRound(rw1, rb1, rw2, rb2))
        out_w, out_b = weights(self.out)
        return EdgeGraphModel(
            mean, std, w1, b1, w2, b2, rounds, out_w, out_b, feature_names=EDGE_FEATURE_NAMES
        )


def _batch(samples: Sequence[GraphSample], mean: np.ndarray, std: np.ndarray, scale: float):
    """Several graphs as one disconnected graph (torch tensors) and its region count."""
    offsets = np.cumsum([0] + [s.n_nodes for s in samples])
    x = np.concatenate([(s.features - mean) / std for s in samples])
    edges = np.concatenate([s.edges + o for s, o in zip(samples, offsets, strict=False)])
    length = np.concatenate([s.border_length for s in samples]) / scale
    target = np.concatenate([s.targets for s in samples])

    def tensor(a: np.ndarray, dtype=torch.float32) -> torch.Tensor:
        return torch.tensor(a, dtype=dtype)

    return (
        tensor(x),
        tensor(edges[:, 0], torch.long),
        tensor(edges[:, 1], torch.long),
        tensor(length),
        tensor(target),
        int(offsets[-1]),
    )


def fit_edge_graph_model(
    train: Sequence[GraphSample],
    *,
    options: GraphFitOptions = DEFAULT_GRAPH_FIT,
    on_step: Callable[[int, float], None] | None = None,
) -> EdgeGraphModel:
    """Fit the graph network to ``train``; deterministic for a given ``options.seed``.

    Parameters
    ----------
    train : sequence of GraphSample
        One graph per image (at least one).
    options : GraphFitOptions
    on_step : callable, optional
        Called with (step, batch loss) every 100 steps and at the last.

    Returns
    -------
    EdgeGraphModel
    """
    torch.manual_seed(options.seed)
    rng = np.random.default_rng(options.seed)
    features = np.concatenate([s.features for s in train])
    mean, std = features.mean(axis=0), features.std(axis=0) + 1e-6
    scale = float(np.concatenate([s.border_length for s in train]).mean())
    net = EdgeGraphNetwork(features.shape[1], options.hidden, options.rounds)
    opt = torch.optim.Adam(net.parameters(), lr=options.lr, weight_decay=options.weight_decay)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, options.steps)
    per_step = min(options.images_per_step, len(train))
    for step in range(options.steps):
        chosen = rng.choice(len(train), per_step, replace=False)
        x, first, second, length, target, n = _batch([train[i] for i in chosen], mean, std, scale)
        opt.zero_grad()
        logits = net(x, first, second, length, n)
        loss = nn.functional.binary_cross_entropy_with_logits(logits, target, weight=length)
        loss.backward()
        opt.step()
        schedule.step()
        if on_step is not None and (step % 100 == 0 or step == options.steps - 1):
            on_step(step, loss.item())
    return net.to_model(mean, std)


def graph_bce(model: EdgeGraphModel | EdgeGraphEnsemble, samples: Sequence[GraphSample]) -> float:
    """Border-length-weighted binary cross-entropy of ``model`` over all edges of ``samples``."""
    total = weight = 0.0
    for s in samples:
        p = np.clip(model.predict_graph(s.features, s.edges, s.border_length, s.n_nodes), 1e-6,
                    1 - 1e-6)  # fmt: skip
        t, w = s.targets, s.border_length
        total += float(-(w * (t * np.log(p) + (1 - t) * np.log(1 - p))).sum())
        weight += float(w.sum())
    return total / max(weight, 1e-12)
