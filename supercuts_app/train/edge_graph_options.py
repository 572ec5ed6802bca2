"""How the levels' graph network is trained (kept apart from the training code, which needs
torch, so that the command line reads its defaults without it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GraphFitOptions:
    """How ``supercuts train edge-graph`` fits the network
    (:func:`supercuts_app.train.edge_graph.fit_edge_graph_model`); the defaults made the shipped
    one."""

    rounds: int = 2
    hidden: int = 32
    steps: int = 3000
    images_per_step: int = 16
    lr: float = 0.01
    weight_decay: float = 1e-5
    seed: int = 0


DEFAULT_GRAPH_FIT = GraphFitOptions()
"""The shipped network's training settings."""
