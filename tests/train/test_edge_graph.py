"""The graph network's training: its numpy twin, its fit, its command."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from supercuts_app.segmentation.edge_features import EDGE_FEATURE_NAMES
from supercuts_app.segmentation.edge_graph_model import EdgeGraphModel
from supercuts_app.train.edge_graph import (
    EdgeGraphNetwork,
    GraphSample,
    _batch,
    fit_edge_graph_model,
    graph_bce,
)
from supercuts_app.train.edge_graph_options import GraphFitOptions

N_FEATURES = len(EDGE_FEATURE_NAMES)


def chain_graph(rng: np.random.Generator, n_nodes: int = 30) -> GraphSample:
    """A ring of regions plus chords; an edge separates when its feature 0 and its neighbours'
    say so (a target only message passing can see)."""
    ring = np.stack([np.arange(n_nodes), (np.arange(n_nodes) + 1) % n_nodes], axis=1)
    chords = np.stack([np.arange(0, n_nodes, 3), (np.arange(0, n_nodes, 3) + 7) % n_nodes], 1)
    edges = np.concatenate([ring, chords])
    features = rng.normal(size=(len(edges), N_FEATURES))
    targets = (features[:, 0] > 0).astype(float)
    length = rng.uniform(1, 10, len(edges))
    return GraphSample(features, edges, length, n_nodes, targets)


def test_numpy_network_equals_the_torch_one():
    rng = np.random.default_rng(1)
    sample = chain_graph(rng)
    torch.manual_seed(0)
    net = EdgeGraphNetwork(N_FEATURES, hidden=8, rounds=2).double()
    mean, std = sample.features.mean(0), sample.features.std(0) + 1e-6
    model = net.float().to_model(mean, std)
    x, first, second, length, _, n = _batch([sample], mean, std, scale=3.0)
    with torch.no_grad():
        expected = torch.sigmoid(net(x, first, second, length, n)).numpy()
    got = model.predict_graph(sample.features, sample.edges, sample.border_length, n)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # Border lengths only weigh the mean around a region: their scale does not matter.
    scaled = model.predict_graph(sample.features, sample.edges, 7 * sample.border_length, n)
    np.testing.assert_allclose(scaled, got, atol=1e-12)


def test_fitting_lowers_the_loss_and_is_reproducible():
    rng = np.random.default_rng(0)
    train = [chain_graph(rng) for _ in range(6)]
    short = fit_edge_graph_model(train, options=GraphFitOptions(steps=2, images_per_step=4))
    options = GraphFitOptions(steps=150, images_per_step=4, hidden=16, rounds=1)
    long = fit_edge_graph_model(train, options=options)
    again = fit_edge_graph_model(train, options=options)
    assert graph_bce(long, train) < graph_bce(short, train)
    assert graph_bce(long, train) < 0.3
    assert long.fingerprint() == again.fingerprint()
    assert isinstance(long, EdgeGraphModel) and len(long.rounds) == 1


@pytest.mark.slow
def test_train_edge_graph_command_and_eval_hierarchy_with_it(tiny_bsds, tmp_path, capsys):
    from supercuts_app.cli.main import main

    data = tiny_bsds / "BSDS500" / "data"
    for kind in ("images", "groundTruth"):
        (data / kind / "train").symlink_to(data / kind / "val", target_is_directory=True)
    out = tmp_path / "graph.npz"
    args = ["train", "edge-graph", "--data", str(tiny_bsds), "--out", str(out)]
    assert main([*args, "--n-segments", "40", "--steps", "20", "--threads", "1"]) == 0
    model = EdgeGraphModel.load(out)
    assert model.info["rounds"] == 2 and model.info["train_images"] == 2
    assert "val weighted BCE" in capsys.readouterr().out
    evaluated = ["eval", "hierarchy", "--data", str(tiny_bsds), "--edge-model", str(out)]
    assert main([*evaluated, "--n-segments", "40"]) == 0
    assert "cov-ods" in capsys.readouterr().out.lower()


@pytest.mark.slow
def test_several_seeds_make_an_ensemble_of_the_single_seed_networks(tiny_bsds, tmp_path):
    from supercuts_app.cli.main import main
    from supercuts_app.segmentation.edge_graph_model import EdgeGraphEnsemble, load_edge_graph

    data = tiny_bsds / "BSDS500" / "data"
    for kind in ("images", "groundTruth"):
        (data / kind / "train").symlink_to(data / kind / "val", target_is_directory=True)
    args = ["train", "edge-graph", "--data", str(tiny_bsds), "--n-segments", "40"]
    args += ["--steps", "10", "--threads", "1"]
    assert main([*args, "--out", str(tmp_path / "both.npz"), "--seeds", "0", "1"]) == 0
    assert main([*args, "--out", str(tmp_path / "one.npz"), "--seed", "1"]) == 0
    both, one = load_edge_graph(tmp_path / "both.npz"), load_edge_graph(tmp_path / "one.npz")
    assert isinstance(both, EdgeGraphEnsemble) and both.info["seeds"] == [0, 1]
    assert [m.info["seed"] for m in both.members] == [0, 1]
    assert both.members[1].fingerprint() == one.fingerprint()
    assert both.info["val_bce"] > 0


def test_train_edge_graph_refuses_a_folder_that_is_not_bsds(tmp_path, capsys):
    from supercuts_app.cli.main import main

    out = tmp_path / "graph.npz"
    assert main(["train", "edge-graph", "--data", str(tmp_path), "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith("supercuts:")
    assert not out.exists()
    twice = ["train", "edge-graph", "--data", str(tmp_path), "--out", str(out), "--seeds", "1", "1"]
    assert main(twice) == 2
    assert capsys.readouterr().err.startswith("supercuts: --seeds")
    assert not out.exists()
