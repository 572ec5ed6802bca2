"""The graph network's file, feature order, and its use in the levels."""

from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.segmentation.edge_features import EDGE_FEATURE_NAMES, edge_features
from supercuts_app.segmentation.edge_graph_model import (
    EdgeGraphEnsemble,
    EdgeGraphModel,
    GraphEdgeScorer,
    MessageRound,
    default_edge_scorer,
    is_graph_model_file,
    load_edge_graph,
    project_scorer,
    region_model_of,
)
from supercuts_app.segmentation.edge_model import EdgeModelError, default_edge_model
from supercuts_app.segmentation.hierarchy import build_hierarchy, edge_scores
from supercuts_app.segmentation.region_graph import region_graph

N = len(EDGE_FEATURE_NAMES)


def random_network(seed: int = 0, *, hidden: int = 6, rounds: int = 2) -> EdgeGraphModel:
    rng = np.random.default_rng(seed)

    def layer(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
        return rng.normal(size=(n_in, n_out)) / np.sqrt(n_in), rng.normal(size=n_out) * 0.1

    w1, b1 = layer(N, hidden)
    w2, b2 = layer(hidden, hidden)
    steps = [
        MessageRound(*layer(3 * hidden, hidden), *layer(hidden, hidden)) for _ in range(rounds)
    ]
    out_w, out_b = layer(hidden, 1)
    return EdgeGraphModel(
        rng.normal(size=N), rng.uniform(0.5, 2, N), w1, b1, w2, b2, steps, out_w, out_b
    )


@pytest.fixture
def grid_graph(quadrants):
    labels = (np.arange(96)[:, None] // 24) * 8 + (np.arange(128)[None, :] // 16)
    return labels, region_graph(labels, quadrants)


def test_round_trip_keeps_scores_and_fingerprint(tmp_path, grid_graph):
    _, graph = grid_graph
    model = random_network()
    model.info = {"rounds": 2}
    path = tmp_path / "graph.npz"
    model.save(path)
    assert is_graph_model_file(path)
    back = EdgeGraphModel.load(path)
    back.check_features()
    feats = edge_features(graph)
    args = (graph.edges, graph.border_length, graph.n_nodes)
    np.testing.assert_allclose(back.predict_graph(feats, *args), model.predict_graph(feats, *args))
    assert back.fingerprint() == model.fingerprint() != random_network(1).fingerprint()
    assert back.info == {"rounds": 2} and len(back.rounds) == 2


def test_an_ensemble_averages_its_members_and_survives_its_file(tmp_path, grid_graph):
    _, graph = grid_graph
    members = (random_network(0), random_network(1, rounds=1), random_network(2, rounds=0))
    for seed, member in enumerate(members):
        member.info = {"seed": seed}
    ensemble = EdgeGraphEnsemble(members, {"seeds": [0, 1, 2]})
    feats = edge_features(graph)
    args = (graph.edges, graph.border_length, graph.n_nodes)
    expected = np.mean([m.predict_graph(feats, *args) for m in members], axis=0)
    np.testing.assert_allclose(ensemble.predict_graph(feats, *args), expected)
    path = tmp_path / "ensemble.npz"
    ensemble.save(path)
    assert is_graph_model_file(path)
    back = load_edge_graph(path)
    assert isinstance(back, EdgeGraphEnsemble) and len(back.members) == 3
    back.check_features()
    np.testing.assert_allclose(back.predict_graph(feats, *args), expected)
    assert back.fingerprint() == ensemble.fingerprint() != members[0].fingerprint()
    assert back.info == {"seeds": [0, 1, 2]}
    assert [m.info for m in back.members] == [{"seed": 0}, {"seed": 1}, {"seed": 2}]
    assert [len(m.rounds) for m in back.members] == [2, 1, 0]
    scorer = GraphEdgeScorer(back, default_edge_model())
    np.testing.assert_allclose(edge_scores(graph, model=scorer), expected)


def test_a_single_network_file_loads_as_one_network(tmp_path):
    random_network(rounds=0).save(tmp_path / "flat.npz")  # no message passing at all
    assert is_graph_model_file(tmp_path / "flat.npz")
    back = load_edge_graph(tmp_path / "flat.npz")
    assert isinstance(back, EdgeGraphModel) and back.rounds == []


def test_an_mlp_file_is_not_a_graph_network(tmp_path):
    path = tmp_path / "mlp.npz"
    default_edge_model().save(path)
    assert not is_graph_model_file(path)
    assert not is_graph_model_file(tmp_path / "missing.npz")


def test_a_file_in_another_feature_order_reads_in_this_versions(tmp_path, grid_graph):
    _, graph = grid_graph
    model = random_network()
    order = np.random.default_rng(3).permutation(N)
    shuffled = random_network()
    shuffled.mean, shuffled.std, shuffled.w1 = model.mean[order], model.std[order], model.w1[order]
    shuffled.feature_names = tuple(EDGE_FEATURE_NAMES[k] for k in order)
    shuffled.save(tmp_path / "shuffled.npz")
    back = EdgeGraphModel.load(tmp_path / "shuffled.npz")
    feats = edge_features(graph)
    args = (graph.edges, graph.border_length, graph.n_nodes)
    np.testing.assert_allclose(back.predict_graph(feats, *args), model.predict_graph(feats, *args))


def test_unknown_features_are_refused(tmp_path):
    model = random_network()
    model.feature_names = ("no_such_feature", *EDGE_FEATURE_NAMES[1:])
    model.save(tmp_path / "odd.npz")
    with pytest.raises(EdgeModelError, match="retrain"):
        EdgeGraphModel.load(tmp_path / "odd.npz")


def test_the_scorer_scores_superpixel_edges_by_the_network(grid_graph):
    labels, graph = grid_graph
    network, mlp = random_network(), default_edge_model()
    scorer = GraphEdgeScorer(network, mlp)
    feats = edge_features(graph)
    expected = network.predict_graph(feats, graph.edges, graph.border_length, graph.n_nodes)
    np.testing.assert_allclose(edge_scores(graph, model=scorer), expected)
    np.testing.assert_allclose(scorer.predict(feats), mlp.predict(feats))  # merged regions
    tree = build_hierarchy(labels, graph, model=scorer, region_weight=0.2)
    assert tree.linkage.shape == (graph.n_nodes - 1, 4)
    assert scorer.fingerprint() not in (mlp.fingerprint(), network.fingerprint())
    assert region_model_of(scorer) is mlp and region_model_of(mlp) is mlp


def test_the_default_scorer_is_the_shipped_ensemble_with_the_mlp(tmp_path, monkeypatch):
    from supercuts_app.base import resources

    shipped = default_edge_scorer()
    assert isinstance(shipped, GraphEdgeScorer)
    assert isinstance(shipped.graph_model, EdgeGraphEnsemble)
    assert [m.info["seed"] for m in shipped.graph_model.members] == [0, 1, 2]
    assert shipped.region_model.fingerprint() == default_edge_model().fingerprint()
    shipped.check_features()
    # Another network installed in its place is used instead; without one, the MLP alone.
    weights = tmp_path / "weights"
    weights.mkdir()
    mlp_path = resources.resource_path("weights", "edge_model_lite0.npz")
    (weights / "edge_model_lite0.npz").write_bytes(mlp_path.read_bytes())
    monkeypatch.setattr(resources, "resource_path", lambda *parts: tmp_path.joinpath(*parts))
    assert default_edge_scorer().fingerprint() == default_edge_model().fingerprint()
    random_network().save(weights / "edge_graph_lite0.npz")
    scorer = default_edge_scorer()
    assert isinstance(scorer, GraphEdgeScorer)
    assert scorer.graph_model.fingerprint() == random_network().fingerprint()


def test_a_projects_mlp_scores_merged_regions_beside_the_shipped_networks(tmp_path, monkeypatch):
    from supercuts_app.base import resources

    adapted = default_edge_model()
    adapted.info = {**adapted.info, "adapted_to": "demo.supercuts"}
    assert project_scorer(None) is None
    scorer = project_scorer(adapted)
    assert isinstance(scorer, GraphEdgeScorer) and scorer.region_model is adapted
    assert scorer.graph_model.fingerprint() == default_edge_scorer().graph_model.fingerprint()
    assert scorer.info["adapted_to"] == "demo.supercuts"  # what the window's status line reads
    # Without an installed network the project's MLP scores every edge.
    weights = tmp_path / "weights"
    weights.mkdir()
    mlp_path = resources.resource_path("weights", "edge_model_lite0.npz")
    (weights / "edge_model_lite0.npz").write_bytes(mlp_path.read_bytes())
    monkeypatch.setattr(resources, "resource_path", lambda *parts: tmp_path.joinpath(*parts))
    assert project_scorer(adapted) is adapted
