"""The anchor set: a fixed subset of the BSDS500 edge samples the shipped edge model learnt from.

Fine-tuning on a project's few annotated images (:mod:`.project_samples`) mixes these in, so the
adapted model keeps what it knew about borders the project's images do not show. The file holds
edge features (columns named by ``feature_names``), soft targets and border lengths, no pixels;
``scripts/make_anchor_samples.py`` writes it.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from supercuts_app.base.files import write_bytes_atomic
from supercuts_app.segmentation.edge_features import EDGE_FEATURE_NAMES

from .edge_samples import EdgeSamples

ANCHOR_FILE = "edge_anchor_lite0.npz"


def subsample(samples: EdgeSamples, rows: int, *, seed: int = 0) -> EdgeSamples:
    """At most ``rows`` samples drawn without replacement (the same ones for the same seed)."""
    n = len(samples.targets)
    if n <= rows:
        return samples
    keep = np.sort(np.random.default_rng(seed).choice(n, size=rows, replace=False))
    return EdgeSamples(samples.features[keep], samples.targets[keep], samples.weights[keep])


def save_anchor_samples(samples: EdgeSamples, path: str | Path) -> None:
    """Write samples as ``.npz`` (atomically), with this version's feature names."""
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        features=samples.features.astype(np.float32),
        targets=samples.targets.astype(np.float32),
        weights=samples.weights.astype(np.float32),
        feature_names=np.array(EDGE_FEATURE_NAMES, dtype=str),
    )
    write_bytes_atomic(path, buf.getvalue())


def load_anchor_samples(path: str | Path) -> EdgeSamples | None:
    """Samples written by :func:`save_anchor_samples`; None when they were computed for other
    edge features than this version's (then fine-tuning goes without them)."""
    with np.load(path, allow_pickle=False) as data:
        names = tuple(str(n) for n in data["feature_names"])
        if names != EDGE_FEATURE_NAMES:
            return None
        return EdgeSamples(
            data["features"].astype(np.float64),
            data["targets"].astype(np.float64),
            data["weights"].astype(np.float64),
        )


def default_anchor_samples() -> EdgeSamples | None:
    """The shipped anchor set, or None when it is not installed or out of date."""
    from supercuts_app.base.resources import resource_path

    path = resource_path("weights", ANCHOR_FILE)
    return load_anchor_samples(path) if path.is_file() else None
