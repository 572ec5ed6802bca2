"""``supercuts eval clicks --mode``: seed clicks on a BSDS500-layout folder, and bad modes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from supercuts_app.cli.main import main

from ..bsds_files import write_bsds_split


@pytest.fixture(scope="module")
def halves_bsds(tmp_path_factory, quadrants):
    """One val image of four quadrants whose one human splits it into left and right."""
    root = tmp_path_factory.mktemp("bsds_halves")
    cols = np.mgrid[: quadrants.shape[0], : quadrants.shape[1]][1]
    halves = 1 + (cols >= quadrants.shape[1] // 2)
    write_bsds_split(root / "BSDS500" / "data", "val", ("3001",), quadrants, [halves])
    return root


def test_seed_mode_prints_its_columns_and_writes_rows(halves_bsds, tmp_path, capsys):
    out = tmp_path / "clicks.json"
    args = ["eval", "clicks", "--data", str(halves_bsds), "--mode", "seeds", "--n-segments", "40"]
    assert main([*args, "--json", str(out)]) == 0  # the best level for each positive seed
    table = capsys.readouterr().out
    header = table.splitlines()[0]
    for column in ("mode", "NoC@90 mean", "failing 0.90", "IoU@5", "s/click"):
        assert column in header
    assert "| supercuts | seeds | region | 2 |" in table
    assert "| slic-colour | seeds | region | 2 |" in table
    result = json.loads(out.read_text())
    assert set(result["summary"]) == {"supercuts/seeds/region", "slic-colour/seeds/region"}
    assert result["modes"] == ["seeds"] and result["seed_level"] == "best"
    for summary in result["summary"].values():
        assert summary["failed90"] == pytest.approx(1 - summary["reached90"])
        assert summary["seconds_per_click"] > 0
    for row in result["rows"]:
        assert row["mode"] == "seeds"
        assert len(row["clicks"]) == len(row["ious"]) == len(row["seconds"]) >= 1
        y, x, positive = row["clicks"][0]
        assert positive is True  # the first click always lands in the target


def test_a_fixed_seed_level_is_recorded(halves_bsds, tmp_path):
    out = tmp_path / "clicks.json"
    args = ["eval", "clicks", "--data", str(halves_bsds), "--mode", "seeds", "--n-segments", "40"]
    assert main([*args, "--seed-level", "3", "--no-pixel-borders", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["seed_level"] == 3 and result["pixel_borders"] is False


@pytest.mark.parametrize(
    "bad", [["--mode", "points"], ["--seed-level", "-1"], ["--seed-level", "worst"]]
)
def test_bad_mode_or_level_is_one_line_and_exit_2(bad, halves_bsds, tmp_path, capsys):
    out = tmp_path / "clicks.json"
    assert main(["eval", "clicks", "--data", str(halves_bsds), *bad, "--json", str(out)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("supercuts: ")
    assert not out.exists()
