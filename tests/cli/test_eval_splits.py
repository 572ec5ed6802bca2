"""Every ``eval`` command runs on any split folder present (here only ``test``) and refuses, in
one line and writing nothing, a split that is not there."""

from __future__ import annotations

import json

import numpy as np
import pytest

from supercuts_app.cli.main import main

from ..bsds_files import write_bsds_split


@pytest.fixture(scope="module")
def test_split_only(tmp_path_factory, quadrants):
    """A BSDS500-like folder whose one split is ``test``: two images, two humans each."""
    root = tmp_path_factory.mktemp("bsds_test")
    data = root / "BSDS500" / "data"
    rows, cols = np.mgrid[: quadrants.shape[0], : quadrants.shape[1]]
    halves = 1 + (cols >= quadrants.shape[1] // 2)
    quarters = 1 + (rows >= quadrants.shape[0] // 2) * 2 + (halves - 1)
    write_bsds_split(data, "test", ("2001", "2002"), quadrants, [quarters, halves])
    # A split with images but no ground truth is not a split.
    (data / "images" / "train").mkdir()
    return root


def _eval_args(what: str, weights) -> list[str]:
    """Options making each eval command quick on the tiny set."""
    return {
        "superpixels": ["--method", "slic", "--n-segments", "40"],
        "hierarchy": ["--n-segments", "40", "--limit", "1"],
        "clicks": ["--n-segments", "40", "--limit", "1", "--max-clicks", "2"],
        "proposals": ["--limit", "1"],
        "boundaries": ["--weights", str(weights), "--device", "cpu", "--thresholds", "3"],
    }[what]


EVAL_COMMANDS = ("superpixels", "hierarchy", "clicks", "proposals", "boundaries")
CCP_ONLY_COMMANDS = ("adapt",)
"""Commands on CCP's one folder of photos (split into learnt-from and held-apart photos by
count), which has no splits."""


def test_every_eval_subcommand_is_covered(capsys):
    assert main(["eval", "--help"]) == 0
    usage = capsys.readouterr().out
    listed = usage[usage.index("{") + 1 : usage.index("}")].split(",")
    assert sorted(listed) == sorted(EVAL_COMMANDS + CCP_ONLY_COMMANDS)


@pytest.mark.parametrize("what", EVAL_COMMANDS)
def test_eval_runs_on_the_test_split(what, test_split_only, weights, tmp_path, capsys):
    report = tmp_path / "report.json"
    args = ["eval", what, "--data", str(test_split_only), "--split", "test"]
    assert main([*args, *_eval_args(what, weights), "--json", str(report)]) == 0
    result = json.loads(report.read_text())
    for record in result if isinstance(result, list) else [result]:
        assert record["split"] == "test"
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize("what", EVAL_COMMANDS)
def test_a_split_not_there_is_one_line_and_nothing_written(
    what, test_split_only, weights, tmp_path, capsys
):
    report = tmp_path / "report.json"
    args = ["eval", what, "--data", str(test_split_only), "--split", "val"]
    assert main([*args, *_eval_args(what, weights), "--json", str(report)]) == 2
    captured = capsys.readouterr()
    err = [line for line in captured.err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("supercuts: ")
    assert "split 'val' not found (splits present: test)" in err[0]
    assert not report.exists() and not captured.out
