from __future__ import annotations

import json

import pytest

from supercuts_app.cli.main import main
from supercuts_app.datasets.bsds import DatasetError, iter_split
from supercuts_app.eval.superpixels import evaluate_superpixels


def test_reader_finds_images_and_humans(tiny_bsds):
    items = list(iter_split(tiny_bsds, "val"))
    assert [i.name for i in items] == ["1001", "1002"]
    humans = items[0].humans()
    assert len(humans) == 2 and humans[0].segmentation.max() == 4
    with pytest.raises(DatasetError):
        list(iter_split(tiny_bsds, "train"))


def test_evaluation_scores_a_perfectly_separable_image(tiny_bsds):
    res = evaluate_superpixels(tiny_bsds, method="slic", n_segments=16, limit=1)
    assert res["images"] == 1
    m = res["mean"]
    assert m["asa"] > 0.99 and m["boundary_recall"] > 0.95 and m["undersegmentation_error"] < 0.02
    assert 8 <= m["segments"] <= 24


def test_eval_cli_writes_json(tiny_bsds, tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(
        [
            "eval",
            "superpixels",
            "--data",
            str(tiny_bsds),
            "--method",
            "ssn",
            "slic",
            "--n-segments",
            "16",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    rows = json.loads(out.read_text())
    assert [r["method"] for r in rows] == ["ssn", "slic"]
    assert all(len(r["per_image"]) == 2 for r in rows)
    assert "ASA" in capsys.readouterr().out


def test_eval_cli_adds_the_contour_cost_to_the_head(tiny_bsds, tmp_path, capsys):
    out = tmp_path / "r.json"
    args = ["eval", "superpixels", "--data", str(tiny_bsds), "--n-segments", "16"]
    assert main([*args, "--ssn-contour", "20", "--json", str(out)]) == 0
    (row,) = json.loads(out.read_text())
    assert row["method"] == "ssn" and len(row["per_image"]) == 2
    assert main([*args, "--ssn-contour", "0"]) == 2
    assert "--ssn-contour" in capsys.readouterr().err
