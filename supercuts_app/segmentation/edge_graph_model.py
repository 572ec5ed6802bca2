"""A graph network scoring the superpixel edges of the region graph, and the scorer the levels
use when one is installed: the network for superpixel edges, the per-edge MLP for merged regions.

The network reads every edge's features (:data:`~.edge_features.EDGE_FEATURE_NAMES`), encodes
them, then updates each edge's state a few times from the border-length-weighted mean state of
the edges around each of its two regions (symmetric in the two regions), so an edge is scored
knowing the borders near it: a weak border between two strong ones is more likely a real one. It
is evaluated with numpy and trained by ``supercuts train edge-graph`` (plain torch). The shipped
file is an ensemble of three such networks trained from seeds 0, 1 and 2, whose probabilities are
averaged: on BSDS500 val its levels score better than the MLP's and than any one network's
(docs/results.md).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from .edge_features import EDGE_FEATURE_NAMES
from .edge_model import (
    EdgeModel,
    EdgeModelError,
    default_edge_model,
    in_current_order,
    model_file_bytes,
)

if TYPE_CHECKING:
    from .region_graph import RegionGraph

GRAPH_MODEL_FILE = "edge_graph_lite0.npz"
"""The shipped network's file in ``resources/weights``."""

_LAYERS = ("mean", "std", "w1", "b1", "w2", "b2", "out_w", "out_b")
_ROUND_LAYERS = ("w1", "b1", "w2", "b2")
_MEMBER = "member"


@dataclass
class MessageRound:
    """One round of message passing: ``h <- relu(h + mlp([h, a + b, |a - b|]))`` where ``a``
    and ``b`` are the mean states around the edge's two regions."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray


@dataclass
class EdgeGraphModel:
    """The graph network's weights (numpy), the names of the features it reads and ``info``.

    ``mean`` / ``std`` standardise the features; ``w1, b1, w2, b2`` encode them (two ReLU
    layers); each of ``rounds`` passes messages; ``out_w, out_b`` give the logit.
    """

    mean: np.ndarray
    std: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    rounds: list[MessageRound]
    out_w: np.ndarray
    out_b: np.ndarray
    info: dict = field(default_factory=dict)
    feature_names: tuple[str, ...] = EDGE_FEATURE_NAMES

    def check_features(self) -> None:
        """Raise :class:`EdgeModelError` unless the network reads this version's features."""
        if tuple(self.feature_names) != EDGE_FEATURE_NAMES or len(self.mean) != len(
            EDGE_FEATURE_NAMES
        ):
            raise EdgeModelError(
                "edge graph network's features differ from this version's; retrain it with "
                "'supercuts train edge-graph'"
            )

    def predict_graph(
        self, features: np.ndarray, edges: np.ndarray, border_length: np.ndarray, n_nodes: int
    ) -> np.ndarray:
        """(E,) boundary probability of every edge of a graph.

        Parameters
        ----------
        features : numpy.ndarray
            (E, F) edge features, columns as :data:`EDGE_FEATURE_NAMES`.
        edges : numpy.ndarray
            (E, 2) the two regions of each edge.
        border_length : numpy.ndarray
            (E,) length of each border (the weight of its state in its regions' means).
        n_nodes : int
            Number of regions.

        Returns
        -------
        numpy.ndarray
            (E,) probability in (0, 1).
        """
        x = (np.asarray(features, np.float64) - self.mean) / self.std
        h = np.maximum(x @ self.w1 + self.b1, 0.0)
        h = np.maximum(h @ self.w2 + self.b2, 0.0)
        first, second = edges[:, 0], edges[:, 1]
        n_edges = len(edges)
        length = np.asarray(border_length, np.float64)
        # (regions x edges) incidence weighted by border length, rows summing to 1.
        rows = np.concatenate([first, second])
        cols = np.concatenate([np.arange(n_edges)] * 2)
        incidence = sparse.csr_matrix(
            (np.concatenate([length, length]), (rows, cols)), shape=(n_nodes, n_edges)
        )
        total = np.maximum(np.asarray(incidence.sum(axis=1)).ravel(), 1e-6)
        around_of = sparse.diags(1.0 / total) @ incidence
        for step in self.rounds:
            around = around_of @ h
            a, b = around[first], around[second]
            message = np.maximum(np.hstack([h, a + b, np.abs(a - b)]) @ step.w1 + step.b1, 0.0)
            h = np.maximum(h + message @ step.w2 + step.b2, 0.0)
        z = (h @ self.out_w + self.out_b).ravel()
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def arrays(self) -> dict[str, np.ndarray]:
        """Every weight array by its name in the file."""
        found = {name: np.asarray(getattr(self, name)) for name in _LAYERS}
        for r, step in enumerate(self.rounds):
            for name in _ROUND_LAYERS:
                found[f"round{r}_{name}"] = np.asarray(getattr(step, name))
        return found

    def fingerprint(self) -> str:
        """Hash of the weights (part of the key of cached hierarchies)."""
        h = hashlib.blake2b(b"edge-graph", digest_size=16)
        for name, a in self.arrays().items():
            h.update(name.encode())
            h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
        return h.hexdigest()

    def to_bytes(self) -> bytes:
        """The ``.npz`` file :meth:`save` writes."""
        return model_file_bytes(self.arrays(), self.feature_names, self.info)

    def save(self, path: str | Path) -> None:
        """Write the network as ``.npz`` (atomically)."""
        from supercuts_app.base.files import write_bytes_atomic

        write_bytes_atomic(path, self.to_bytes())

    @classmethod
    def load(cls, path: str | Path) -> EdgeGraphModel:
        """Read a network written by :meth:`save`, in this version's feature order.

        Raises
        ------
        EdgeModelError
            When it reads features this version does not compute.
        OSError, KeyError, ValueError
            When the file is not an edge graph network.
        """
        with np.load(path, allow_pickle=False) as data:
            names = tuple(str(n) for n in data["feature_names"])
            model = _network_from(data, "", names, json.loads(str(data["info"])))
        return in_current_order(model, names, path)


@dataclass
class EdgeGraphEnsemble:
    """Graph networks trained alike from different seeds, whose probabilities are averaged
    (``supercuts train edge-graph --seeds``): the levels vary less with the draw of the
    initial weights, and score better on BSDS500 val than any one of them.

    Used wherever an :class:`EdgeGraphModel` is (``check_features``, ``predict_graph``,
    ``fingerprint``, ``info``, ``save``).
    """

    members: tuple[EdgeGraphModel, ...]
    info: dict = field(default_factory=dict)

    def check_features(self) -> None:
        """Raise :class:`EdgeModelError` unless every member reads this version's features."""
        for member in self.members:
            member.check_features()

    def predict_graph(
        self, features: np.ndarray, edges: np.ndarray, border_length: np.ndarray, n_nodes: int
    ) -> np.ndarray:
        """(E,) mean of the members' probabilities (arguments as
        :meth:`EdgeGraphModel.predict_graph`)."""
        total = np.zeros(len(edges))
        for member in self.members:
            total += member.predict_graph(features, edges, border_length, n_nodes)
        return total / len(self.members)

    def fingerprint(self) -> str:
        """Hash of every member's weights."""
        h = hashlib.blake2b(b"edge-graph-ensemble", digest_size=16)
        for member in self.members:
            h.update(member.fingerprint().encode())
        return h.hexdigest()

    def to_bytes(self) -> bytes:
        """The ``.npz`` file :meth:`save` writes: each member's arrays prefixed ``member<i>_``,
        its ``info`` under ``members`` in the file's."""
        arrays = {
            f"{_MEMBER}{i}_{name}": a
            for i, member in enumerate(self.members)
            for name, a in member.arrays().items()
        }
        info = {**self.info, "members": [member.info for member in self.members]}
        return model_file_bytes(arrays, self.members[0].feature_names, info)

    def save(self, path: str | Path) -> None:
        """Write the ensemble as ``.npz`` (atomically)."""
        from supercuts_app.base.files import write_bytes_atomic

        write_bytes_atomic(path, self.to_bytes())


def load_edge_graph(path: str | Path) -> EdgeGraphModel | EdgeGraphEnsemble:
    """Read a file written by :meth:`EdgeGraphModel.save` or :meth:`EdgeGraphEnsemble.save`
    (errors as :meth:`EdgeGraphModel.load`)."""
    with np.load(path, allow_pickle=False) as data:
        n_members = len({k.split("_", 1)[0] for k in data.files if k.startswith(_MEMBER)})
        if not n_members:
            return EdgeGraphModel.load(path)
        names = tuple(str(n) for n in data["feature_names"])
        info = json.loads(str(data["info"]))
        member_info = info.pop("members", [{}] * n_members)
        members = tuple(
            in_current_order(
                _network_from(data, f"{_MEMBER}{i}_", names, member_info[i]), names, path
            )
            for i in range(n_members)
        )
    return EdgeGraphEnsemble(members, info)


def _network_from(data, prefix: str, names: tuple[str, ...], info: dict) -> EdgeGraphModel:
    """The network whose arrays are named ``prefix + name`` in an open ``.npz``."""
    n_rounds = len([k for k in data.files if k.startswith(f"{prefix}round") and k.endswith("_w1")])
    arrays = {name: data[prefix + name] for name in _LAYERS}
    rounds = [
        MessageRound(**{name: data[f"{prefix}round{r}_{name}"] for name in _ROUND_LAYERS})
        for r in range(n_rounds)
    ]
    return EdgeGraphModel(**arrays, rounds=rounds, info=info, feature_names=names)


def is_graph_model_file(path: str | Path) -> bool:
    """Whether ``path`` is an ``.npz`` written by :meth:`EdgeGraphModel.save` or
    :meth:`EdgeGraphEnsemble.save` (the MLP's file has no ``out_w``)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return "out_w" in data.files or f"{_MEMBER}0_out_w" in data.files
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class GraphEdgeScorer:
    """The levels' edge scoring with the graph network: superpixel edges by ``graph_model``,
    pairs of merged regions (the whole-region share while merging) by ``region_model``.

    Used wherever an :class:`~.edge_model.EdgeModel` is (``predict``, ``score_graph``,
    ``check_features``, ``fingerprint``, ``info``).
    """

    graph_model: EdgeGraphModel | EdgeGraphEnsemble
    region_model: EdgeModel

    @property
    def info(self) -> dict:
        """The region model's ``info`` (what it was trained on)."""
        return self.region_model.info

    def check_features(self) -> None:
        """Raise :class:`EdgeModelError` unless both read this version's features."""
        self.graph_model.check_features()
        self.region_model.check_features()

    def predict(self, features: np.ndarray) -> np.ndarray:
        """(E,) probability of each pair of merged regions (the region model's)."""
        return self.region_model.predict(features)

    def score_graph(self, graph: RegionGraph, features: np.ndarray) -> np.ndarray:
        """(E,) probability of each superpixel edge of ``graph`` (the graph network's)."""
        return self.graph_model.predict_graph(
            features, graph.edges, graph.border_length, graph.n_nodes
        )

    def fingerprint(self) -> str:
        """Hash of both models' weights."""
        h = hashlib.blake2b(digest_size=16)
        h.update(self.graph_model.fingerprint().encode())
        h.update(self.region_model.fingerprint().encode())
        return h.hexdigest()


def default_edge_scorer() -> GraphEdgeScorer | EdgeModel | None:
    """The levels' shipped edge scoring: the graph network with the MLP when both are
    installed, the MLP alone when only it is, else None (hand-set weights)."""
    region_model = default_edge_model()
    graph = installed_edge_graph()
    if region_model is None or graph is None:
        return region_model
    return GraphEdgeScorer(graph, region_model)


def installed_edge_graph() -> EdgeGraphModel | EdgeGraphEnsemble | None:
    """The shipped graph networks (``resources/weights``), or None when none is installed;
    read once per process (every image's levels and every project's scorer ask for them)."""
    from supercuts_app.base.resources import resource_path

    path = resource_path("weights", GRAPH_MODEL_FILE)
    if not path.is_file():
        return None
    stat = path.stat()
    return _read_edge_graph(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _read_edge_graph(path: str, mtime_ns: int, size: int) -> EdgeGraphModel | EdgeGraphEnsemble:
    """:func:`load_edge_graph`, kept per file version (``mtime_ns``, ``size``: the key)."""
    return load_edge_graph(path)


def project_scorer(model: EdgeModel | None) -> GraphEdgeScorer | EdgeModel | None:
    """The levels' edge scoring with a project's adapted MLP (None: the shipped scoring).

    Adapting fine-tunes the MLP only, so the shipped graph networks keep scoring the
    superpixel edges and the project's MLP scores merged regions (the MLP alone when no
    network is installed): on CCP, the adapted MLP in the networks' place made persons need
    17 % more clicks (docs/results.md)."""
    if model is None:
        return None
    graph = installed_edge_graph()
    return model if graph is None else GraphEdgeScorer(graph, model)


def region_model_of(scorer: GraphEdgeScorer | EdgeModel | None) -> EdgeModel | None:
    """The MLP of a scorer (itself when it is one): what a project's adaptation fine-tunes."""
    return scorer.region_model if isinstance(scorer, GraphEdgeScorer) else scorer
