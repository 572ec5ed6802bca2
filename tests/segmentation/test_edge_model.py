"""Edge features addressed by name, and edge model files that record the names they read."""

from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.segmentation.edge_features import (
    BOUNDARY_QUANTILE_CUES,
    COLOUR_DIFFERENCES,
    EDGE_FEATURE_NAMES,
    column,
    columns,
    edge_features,
)
from supercuts_app.segmentation.edge_model import (
    HANDSET_WEIGHTS,
    EdgeModel,
    EdgeModelError,
    default_edge_model,
    handset_boundary_probability,
)
from supercuts_app.segmentation.region_graph import region_graph

N = len(EDGE_FEATURE_NAMES)
SHIPPED_FINGERPRINT = "4542db23711c8ca5ca4e4b4c7f749579"
"""The shipped model's weights, retrained on the 5000-step boundary network (issue 17): part of
every cached segmentation's key, so a new model must be a deliberate change here too."""


def _random_model(seed: int = 0) -> EdgeModel:
    rng = np.random.default_rng(seed)
    return EdgeModel(
        mean=rng.normal(size=N),
        std=rng.uniform(0.5, 2.0, size=N),
        w1=rng.normal(size=(N, 5)),
        b1=rng.normal(size=5),
        w2=rng.normal(size=(5, 1)),
        b2=rng.normal(size=1),
    )


def _write(path, model: EdgeModel, names=None) -> None:
    """An edge model file as an older or other version would write it (``names`` None: none)."""
    arrays = {k: getattr(model, k) for k in ("mean", "std", "w1", "b1", "w2", "b2")}
    if names is not None:
        arrays["feature_names"] = np.array(names)
    np.savez(path, **arrays, info=np.array("{}"))


def test_columns_are_found_by_name(quadrants):
    labels = (np.arange(96)[:, None] // 48) * 2 + (np.arange(128)[None, :] // 64)
    graph = region_graph(labels, quadrants)
    feats = edge_features(graph)
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    difference = np.abs(graph.colour[i] - graph.colour[j])
    np.testing.assert_allclose(feats[:, columns(COLOUR_DIFFERENCES)], difference)
    np.testing.assert_allclose(feats[:, column("delta_E")], np.linalg.norm(difference, axis=1))
    np.testing.assert_allclose(feats[:, column("log_border_length")], np.log(graph.border_length))
    assert (feats[:, column("deep_cosine_distance")] == 0).all()  # no deep features given
    with pytest.raises(KeyError):
        column("no_such_feature")
    with pytest.raises(KeyError, match="not adjacent"):
        columns(("delta_L", "delta_E"))


def test_handset_weights_read_their_features_by_name():
    rng = np.random.default_rng(1)
    feats = rng.uniform(0, 40, size=(6, N))
    w = HANDSET_WEIGHTS
    z = (
        w.delta_e * feats[:, column("delta_E")]
        + w.deep_cosine * feats[:, column("deep_cosine_distance")]
        + w.border_gradient * feats[:, column("border_gradient")]
        + w.bias
    )
    np.testing.assert_array_equal(handset_boundary_probability(feats), 1 / (1 + np.exp(-z)))
    # A border without contrast: the bias alone.
    flat = handset_boundary_probability(np.zeros((1, N)))
    assert flat[0] == pytest.approx(1 / (1 + np.exp(3.0)))
    with pytest.raises(AttributeError):
        w.bias = 0.0  # frozen: one set of hand-set weights


def test_saved_model_records_and_checks_its_feature_names(tmp_path):
    model = _random_model()
    path = tmp_path / "m.npz"
    model.save(path)
    with np.load(path) as data:
        assert tuple(data["feature_names"]) == EDGE_FEATURE_NAMES
    back = EdgeModel.load(path)
    back.check_features()
    assert back.feature_names == EDGE_FEATURE_NAMES
    assert back.fingerprint() == model.fingerprint()
    x = np.random.default_rng(2).normal(size=(9, N))
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


def test_a_file_without_names_reads_as_the_current_order(tmp_path):
    model = _random_model()
    _write(tmp_path / "old.npz", model)
    back = EdgeModel.load(tmp_path / "old.npz")
    assert back.feature_names == EDGE_FEATURE_NAMES
    np.testing.assert_array_equal(back.w1, model.w1)


def test_a_file_in_another_order_is_mapped_by_name(tmp_path):
    model = _random_model()
    order = np.random.default_rng(3).permutation(N)
    names = [EDGE_FEATURE_NAMES[k] for k in order]
    shuffled = EdgeModel(
        model.mean[order], model.std[order], model.w1[order], model.b1, model.w2, model.b2
    )
    _write(tmp_path / "shuffled.npz", shuffled, names)
    back = EdgeModel.load(tmp_path / "shuffled.npz")
    back.check_features()
    x = np.random.default_rng(4).normal(size=(9, N))
    np.testing.assert_allclose(back.predict(x), model.predict(x), rtol=1e-12)
    assert back.fingerprint() == model.fingerprint()


def test_a_file_with_unknown_names_is_refused_with_one_clear_error(tmp_path):
    names = list(EDGE_FEATURE_NAMES)
    names[column("delta_E")] = "delta_E2000"
    path = tmp_path / "other.npz"
    _write(path, _random_model(), names)
    with pytest.raises(EdgeModelError) as info:
        EdgeModel.load(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    assert "delta_E2000" in message and "lacks: delta_E" in message and "retrain" in message


def test_a_file_without_the_newer_features_ignores_them(tmp_path):
    """A model trained before features were added scores exactly as trained."""
    model = _random_model()
    kept = [k for k, name in enumerate(EDGE_FEATURE_NAMES) if name not in BOUNDARY_QUANTILE_CUES]
    older = EdgeModel(
        model.mean[kept], model.std[kept], model.w1[kept], model.b1, model.w2, model.b2
    )
    _write(tmp_path / "older.npz", older, [EDGE_FEATURE_NAMES[k] for k in kept])
    back = EdgeModel.load(tmp_path / "older.npz")
    back.check_features()
    x = np.random.default_rng(5).normal(size=(9, N))
    np.testing.assert_allclose(back.predict(x), older.predict(x[:, kept]), rtol=1e-12)
    x[:, columns(BOUNDARY_QUANTILE_CUES)] = 7.0  # what it does not read changes nothing
    np.testing.assert_allclose(back.predict(x), older.predict(x[:, kept]), rtol=1e-12)


def test_the_shipped_model_records_names_and_keeps_its_weights():
    from supercuts_app.base.resources import resource_path

    path = resource_path("weights", "edge_model_lite0.npz")
    with np.load(path) as data:
        assert tuple(data["feature_names"]) == EDGE_FEATURE_NAMES
    model = default_edge_model()
    model.check_features()
    assert model.fingerprint() == SHIPPED_FINGERPRINT  # so cached results stay valid
