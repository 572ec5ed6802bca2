"""``supercuts train affinity --project`` / ``--revert``, ``precompute PROJECT`` with the
project's model, ``eval adapt``, and their one-line refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.base.images import load_image
from supercuts_app.batch.precompute import cached_keys
from supercuts_app.cli.main import main
from supercuts_app.segmentation.cache import SegmentationCache
from supercuts_app.segmentation.edge_graph_model import project_scorer
from supercuts_app.segmentation.edge_model import EdgeModel, default_edge_model
from supercuts_app.segmentation.segment import SegmentationSettings
from supercuts_app.storage.project import Project
from supercuts_app.storage.project_model import read_project_model

from ..ccp_files import write_ccp

pytestmark = pytest.mark.skipif(default_edge_model() is None, reason="no shipped edge model")


@pytest.fixture
def project_path(tmp_path, quadrants):
    Image.fromarray(quadrants).save(tmp_path / "a.png")
    Image.fromarray(quadrants[:, ::-1]).save(tmp_path / "b.png")
    path = tmp_path / "p.supercuts"
    with Project.create(path, schema_from_data({"thing": []})) as project:
        project.add_images([tmp_path / "a.png", tmp_path / "b.png"])
        editor = project.editor(project.images()[0].id)
        obj = editor.new_object(project.categories.find("thing").id)
        mask = np.zeros((96, 128), bool)
        mask[:48, :64] = True
        editor.add(obj, mask)
    return path


def test_adapt_keeps_the_model_in_the_project_and_reverts(project_path, capsys):
    assert main(["train", "affinity", "--project", str(project_path), "--steps", "5"]) == 0
    assert "edge model adapted on 1 images" in capsys.readouterr().out
    with Project.open(project_path, readonly=True) as project:
        model = read_project_model(project.store)
    assert model is not None and model.info["adapted_images"] == 1
    assert main(["train", "affinity", "--project", str(project_path), "--revert"]) == 0
    with Project.open(project_path, readonly=True) as project:
        assert read_project_model(project.store) is None


def test_out_writes_a_file_and_leaves_the_project(project_path, tmp_path):
    out = tmp_path / "adapted.npz"
    args = ["train", "affinity", "--project", str(project_path), "--steps", "5", "--out", str(out)]
    assert main(args) == 0
    assert EdgeModel.load(out).info["adapted_images"] == 1
    with Project.open(project_path, readonly=True) as project:
        assert read_project_model(project.store) is None


def test_precompute_uses_the_projects_model(project_path, tmp_path):
    assert main(["train", "affinity", "--project", str(project_path), "--steps", "5"]) == 0
    cache = tmp_path / "cache"
    args = ["precompute", str(project_path), "--workers", "0", "--n-segments", "40"]
    assert main([*args, "--cache", str(cache)]) == 0
    with Project.open(project_path, readonly=True) as project:
        model = read_project_model(project.store)
        image = load_image(project.image_path(project.images()[0]))
    # The project's MLP scores merged regions, beside the shipped graph networks.
    scorer = project_scorer(model)
    adapted = SegmentationSettings.resolve(n_segments=40, edge_model=scorer).cache_key(image)
    shipped = SegmentationSettings.resolve(n_segments=40).cache_key(image)
    keys = cached_keys(SegmentationCache(cache))
    assert adapted in keys and shipped not in keys


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--data", "DATA"], "--data and --project exclude each other"),
        (["--revert", "--out", "OUT"], "--revert writes no file"),
    ],
)
def test_bad_options_are_one_line(project_path, tmp_path, capsys, extra, message):
    args = [a.replace("DATA", str(tmp_path)).replace("OUT", str(tmp_path / "m.npz")) for a in extra]
    assert main(["train", "affinity", "--project", str(project_path), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_project_without_annotations_is_refused(tmp_path, quadrants, capsys):
    Image.fromarray(quadrants).save(tmp_path / "a.png")
    with Project.create(tmp_path / "p.supercuts") as project:
        project.add_images([tmp_path / "a.png"])
    assert main(["train", "affinity", "--project", str(tmp_path / "p.supercuts")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no annotated images" in err[0]
    with Project.open(tmp_path / "p.supercuts", readonly=True) as project:
        assert read_project_model(project.store) is None


def test_revert_without_project_is_refused(capsys):
    assert main(["train", "affinity", "--revert"]) == 2
    assert "--revert goes with --project" in capsys.readouterr().err


@pytest.fixture
def ccp3(tmp_path, quadrants):
    """Three CCP photos: the person the right half, hair above skin."""
    return write_ccp(tmp_path / "ccp", quadrants, ["0000", "0001", "0002"])


def test_eval_adapt_prints_every_model_and_mode(ccp3, tmp_path, capsys):
    out = tmp_path / "adapt.json"
    args = ["eval", "adapt", "--data", str(ccp3), "--train-images", "1", "2", "--test-images", "1"]
    assert main([*args, "--steps", "5", "--max-clicks", "3", "--json", str(out)]) == 0
    table = capsys.readouterr().out
    for model in ("shipped", "adapted-1", "adapted-2"):
        assert f"| seeds | part | {model} |" in table and f"| regions | object | {model} |" in table
    assert "border offsets for seed clicks: adapted-1:" in table
    offsets = json.loads(out.read_text())["border_offsets"]
    assert set(offsets) == {"shipped", "adapted-1", "adapted-2"}
    assert offsets["shipped"] == {"object": 0, "part": 0}


def test_eval_adapt_without_border_offsets(ccp3, capsys):
    args = ["eval", "adapt", "--data", str(ccp3), "--train-images", "1", "--test-images", "1"]
    assert main([*args, "--steps", "5", "--max-clicks", "2", "--no-border-offsets"]) == 0
    assert "adapted-1: none" in capsys.readouterr().out


def test_eval_adapt_with_the_border_offsets_only_keeps_the_shipped_levels(ccp3, tmp_path, capsys):
    out = tmp_path / "adapt.json"
    args = ["eval", "adapt", "--data", str(ccp3), "--train-images", "1", "--test-images", "1"]
    assert main([*args, "--max-clicks", "2", "--offsets-only", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    noc = {(r["model"], r["mode"], r["target"]): r["noc90"] for r in rows}
    for (model, mode, target), value in noc.items():
        if model == "adapted-1" and mode == "regions":  # the same levels as shipped
            assert value == noc[("shipped", mode, target)]
    capsys.readouterr()
    assert main([*args, "--offsets-only", "--no-border-offsets"]) == 2
    assert "exclude each other" in capsys.readouterr().err


def test_eval_adapt_refuses_too_few_photos(ccp3, capsys):
    args = ["eval", "adapt", "--data", str(ccp3), "--train-images", "3", "--test-images", "1"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "fewer than 3" in err[0]
