"""Scoring region-graph edges: the learned edge model (stored with the names of the features it
reads) and the hand-set weights used when no model is installed.

A model file records :data:`~supercuts_app.segmentation.edge_features.EDGE_FEATURE_NAMES` as they
were when it was trained; loading maps its weights to this version's order by name and refuses a
file that reads features this version does not compute. Features added since the file was written
get zero weights (the model goes on scoring as it was trained to). Files written before the names
were recorded read as the current order.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .edge_features import EDGE_FEATURE_NAMES, column

if TYPE_CHECKING:
    from .region_graph import RegionGraph

RETRAIN_HINT = "retrain it with 'supercuts train affinity'"
_ARRAYS = ("mean", "std", "w1", "b1", "w2", "b2")


class EdgeModelError(ValueError):
    """An edge model this version cannot use (features it does not compute, mismatched sizes)."""


@dataclass
class EdgeModel:
    """A small MLP scoring edges: probability that an edge separates two segments.

    Stored as an ``.npz`` with the feature standardisation (``mean``, ``std``), the layers (``w1``,
    ``b1``, ``w2``, ``b2``), the names of the features it reads (``feature_names``, in the order
    of the rows of ``mean``, ``std`` and ``w1``) and free-form ``info``; evaluated with numpy,
    trained by ``supercuts train affinity``.
    """

    mean: np.ndarray
    std: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    info: dict = field(default_factory=dict)
    feature_names: tuple[str, ...] = EDGE_FEATURE_NAMES

    def check_features(self) -> None:
        """Raise :class:`EdgeModelError` unless the model reads exactly this version's
        :data:`EDGE_FEATURE_NAMES`, in their order."""
        n, expected = int(np.shape(self.mean)[0]), len(EDGE_FEATURE_NAMES)
        if n != expected:
            raise EdgeModelError(
                f"edge model reads {n} edge features but this version computes {expected}; "
                + RETRAIN_HINT
            )
        if tuple(self.feature_names) != EDGE_FEATURE_NAMES:
            raise EdgeModelError(
                "edge model's feature names differ from this version's; " + RETRAIN_HINT
            )

    def predict(self, features: np.ndarray) -> np.ndarray:
        """(E,) boundary probability of each row of ``features`` (columns as
        :data:`EDGE_FEATURE_NAMES`)."""
        x = (features - self.mean) / self.std
        h = np.maximum(x @ self.w1 + self.b1, 0.0)
        z = (h @ self.w2 + self.b2).ravel()
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def score_graph(self, graph: RegionGraph, features: np.ndarray) -> np.ndarray:
        """(E,) probability of each superpixel edge of ``graph`` (``features``: its edge
        features): :meth:`predict`, as this model reads each edge on its own."""
        return self.predict(features)

    def fingerprint(self) -> str:
        """Hash of the weights (part of the key of cached hierarchies).

        The names are left out: a loaded model is always in this version's feature order, so the
        weights alone decide its scores (and keys of results cached before names were recorded
        stay valid)."""
        h = hashlib.blake2b(digest_size=16)
        for a in (self.mean, self.std, self.w1, self.b1, self.w2, self.b2):
            h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
        return h.hexdigest()

    def save(self, path: str | Path) -> None:
        """Write the model and its feature names as ``.npz`` (atomically)."""
        from supercuts_app.base.files import write_bytes_atomic

        write_bytes_atomic(path, self.to_bytes())

    def to_bytes(self) -> bytes:
        """The ``.npz`` file :meth:`save` writes, as bytes (e.g. to keep in a project)."""
        arrays = {name: getattr(self, name) for name in _ARRAYS}
        return model_file_bytes(arrays, self.feature_names, self.info)

    @classmethod
    def load(cls, path: str | Path) -> EdgeModel:
        """Read a model written by :meth:`save`, its weights in this version's feature order.

        Raises
        ------
        EdgeModelError
            When the file's feature names are not exactly this version's (in any order), or do
            not match its weights.
        OSError, KeyError, ValueError
            When the file is not an edge model at all.
        """
        return cls._read(path, path)

    @classmethod
    def from_bytes(cls, data: bytes, *, source: str = "edge model") -> EdgeModel:
        """A model from :meth:`to_bytes` (raises as :meth:`load`; ``source`` names it in
        errors)."""
        return cls._read(io.BytesIO(data), source)

    @classmethod
    def _read(cls, file, source: str | Path) -> EdgeModel:
        with np.load(file, allow_pickle=False) as data:
            info = json.loads(str(data["info"])) if "info" in data else {}
            arrays = {name: data[name] for name in _ARRAYS}
            names = (
                tuple(str(n) for n in data["feature_names"]) if "feature_names" in data else None
            )
        model = cls(**arrays, info=info)
        if names is None:  # written before names were recorded: the order of that time, today's
            return model
        return in_current_order(model, names, source)


def model_file_bytes(
    arrays: dict[str, np.ndarray], feature_names: tuple[str, ...], info: dict
) -> bytes:
    """An edge-scoring model's ``.npz``: its weight ``arrays``, the names of the features it
    reads and its ``info`` (as JSON)."""
    buf = io.BytesIO()
    np.savez(
        buf,
        **arrays,
        feature_names=np.array(feature_names, dtype=str),
        info=np.array(json.dumps(info)),
    )
    return buf.getvalue()


def in_current_order(model, names: tuple[str, ...], path: str | Path):
    """``model`` whose rows are features ``names``, reordered to :data:`EDGE_FEATURE_NAMES`.

    ``model`` is any model whose first layer reads the features: ``mean``, ``std`` (F,) and
    ``w1`` (F, hidden), as :class:`EdgeModel` and the graph network have."""
    unknown = [n for n in names if n not in EDGE_FEATURE_NAMES]
    missing = [n for n in EDGE_FEATURE_NAMES if n not in names]
    if unknown or len(set(names)) != len(names):
        detail = "; ".join(
            text
            for text in (
                f"features this version does not compute: {', '.join(unknown)}" if unknown else "",
                f"lacks: {', '.join(missing)}" if missing else "",
                "repeats feature names" if len(set(names)) != len(names) else "",
            )
            if text
        )
        raise EdgeModelError(f"{path}: edge model reads {detail}; {RETRAIN_HINT}")
    if len(names) != int(np.shape(model.mean)[0]) or len(names) != int(np.shape(model.w1)[0]):
        raise EdgeModelError(
            f"{path}: edge model names {len(names)} features but has weights for "
            f"{int(np.shape(model.mean)[0])}; {RETRAIN_HINT}"
        )
    # Features the file does not read get a row of zero weights (and a neutral scaling), so the
    # model scores exactly as trained.
    n, hidden = len(EDGE_FEATURE_NAMES), int(np.shape(model.w1)[1])
    mean, std, w1 = np.zeros(n), np.ones(n), np.zeros((n, hidden))
    for row, name in enumerate(EDGE_FEATURE_NAMES):
        if name in names:
            k = names.index(name)
            mean[row], std[row], w1[row] = model.mean[k], model.std[k], model.w1[k]
    model.mean, model.std, model.w1 = mean, std, w1
    model.feature_names = EDGE_FEATURE_NAMES
    return model


@dataclass(frozen=True)
class FeatureScore:
    """Scores every edge by one edge feature as it is, with no trained model.

    With ``"border_boundary_mean"`` the hierarchy merges along the weakest mean learned boundary
    probability (an OWT-UCM-style hierarchy of the boundary network's map): the baseline that
    tells what the edge model adds. Used where an :class:`EdgeModel` is (``predict``,
    ``check_features``, ``fingerprint``).
    """

    name: str
    """An edge feature in [0, 1], one of :data:`EDGE_FEATURE_NAMES`."""

    def check_features(self) -> None:
        """Raise :class:`EdgeModelError` when this version does not compute the feature."""
        if self.name not in EDGE_FEATURE_NAMES:
            raise EdgeModelError(f"no edge feature named '{self.name}'")

    def predict(self, features: np.ndarray) -> np.ndarray:
        """(E,) the feature's column, clipped to [0, 1]."""
        return np.clip(features[:, column(self.name)], 0.0, 1.0)

    def score_graph(self, graph: RegionGraph, features: np.ndarray) -> np.ndarray:
        """(E,) :meth:`predict` of the superpixel edges' ``features``."""
        return self.predict(features)

    def fingerprint(self) -> str:
        """Hash of the feature name (what the scores depend on)."""
        return hashlib.blake2b(self.name.encode(), digest_size=16).hexdigest()


def default_edge_model() -> EdgeModel | None:
    """The shipped edge model for the default backbone, or None if it is not installed."""
    from supercuts_app.base.resources import resource_path

    path = resource_path("weights", "edge_model_lite0.npz")
    return EdgeModel.load(path) if path.is_file() else None


@dataclass(frozen=True)
class HandsetWeights:
    """Logistic weights scoring an edge when no edge model is installed:
    ``p = sigmoid(delta_e * delta_E + deep_cosine * deep_cosine_distance
    + border_gradient * border_gradient + bias)``.

    Set by hand when the hierarchy was first written (not fitted; the shipped learned model
    replaces them and scores better, see docs/results.md). Each weight is such that its contrast
    alone turns a border from "merge" to an even chance at a plainly visible difference; the
    three add up, so borders that differ in several ways separate first.
    """

    delta_e: float = 0.08
    """Per CIELAB unit of mean-colour distance: alone, p = 0.5 at a distance of 37.5 (-bias /
    0.08), two clearly different colours; differences under ~2 (invisible) add next to nothing."""
    deep_cosine: float = 8.0
    """Per unit of cosine distance of the mean deep features (0: same, 1: unrelated): alone,
    p = 0.5 at 0.375. The largest weight, since deep features tell apart objects whose colours
    match."""
    border_gradient: float = 0.05
    """Per unit of mean Lab gradient along the border: a sharp colour step of size d gives a
    border gradient of about d / 2, so this adds about a third of what the same step adds through
    ``delta_e``; it separates regions whose means are alike but whose border is sharp."""
    bias: float = -3.0
    """A border with no contrast at all gets p = sigmoid(-3) = 0.047: regions merge readily
    unless something separates them."""


HANDSET_WEIGHTS = HandsetWeights()


def handset_boundary_probability(
    features: np.ndarray, weights: HandsetWeights = HANDSET_WEIGHTS
) -> np.ndarray:
    """(E,) boundary probability from fixed weights (colour, deep and gradient contrast).

    Parameters
    ----------
    features : numpy.ndarray
        (E, F) edge features, columns as :data:`EDGE_FEATURE_NAMES`.
    weights : HandsetWeights
        The weights (default: :data:`HANDSET_WEIGHTS`).

    Returns
    -------
    numpy.ndarray
        (E,) probability in (0, 1) that each edge separates two segments.
    """
    z = (
        weights.delta_e * features[:, column("delta_E")]
        + weights.deep_cosine * features[:, column("deep_cosine_distance")]
        + weights.border_gradient * features[:, column("border_gradient")]
        + weights.bias
    )
    return 1.0 / (1.0 + np.exp(-z))
