"""The click robot on hierarchies with known answers, the colour baseline, and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from supercuts_app.cli.main import main
from supercuts_app.eval.clicks import RobotRun, colour_hierarchy, robot_annotate, summarize_runs
from supercuts_app.segmentation.hierarchy import MergeHierarchy, level_tables


def grid_tree() -> MergeHierarchy:
    """8 x 8 superpixels of 8 px on a 64 x 64 image: level 1 = 4 x 4 blocks of 2 x 2, level 2 =
    the four quadrants, level 3 = everything."""
    y, x = np.mgrid[:64, :64]
    sp = (y // 8) * 8 + x // 8
    sy, sx = np.arange(64) // 8, np.arange(64) % 8
    tables = np.stack([
        np.arange(64), (sy // 2) * 4 + sx // 2, (sy // 4) * 2 + sx // 4, np.zeros(64, int)
    ]).astype(np.int32)  # fmt: skip
    return MergeHierarchy(sp.astype(np.int32), tables, np.zeros((63, 4)))


def test_a_quadrant_takes_one_click_at_the_quadrant_level():
    tree = grid_tree()
    target = np.zeros((64, 64), bool)
    target[:32, 32:] = True
    run = robot_annotate(tree, target)
    assert run.ious == [1.0] and run.levels == [2]
    assert run.noc(0.85, 20) == 1 and run.level_changes == 0


def test_a_quadrant_minus_a_block_needs_a_removal_click():
    tree = grid_tree()
    target = np.zeros((64, 64), bool)
    target[:32, :32] = True
    target[:16, :16] = False  # one level-1 block missing
    run = robot_annotate(tree, target)
    # Best first click: the whole quadrant (IoU 0.75); then the extra block is removed.
    assert run.ious == [pytest.approx(0.75), 1.0] and run.levels == [2, 1]
    assert run.noc(0.85, 20) == 2 and run.level_changes == 1
    assert run.iou_after(1) == pytest.approx(0.75) and run.iou_after(5) == 1.0


def test_regions_are_clipped_to_the_object_and_a_hopeless_target_stops_early():
    tree = grid_tree()
    person = np.zeros((64, 64), bool)
    person[:, :20] = True  # not aligned with the superpixels
    part = np.zeros((64, 64), bool)
    part[:32, :20] = True
    clipped = robot_annotate(tree, part, within=person)
    assert clipped.ious[-1] == 1.0 and len(clipped.ious) <= 2
    # Without the object's mask, superpixels spill over its border: never IoU 1, and the robot
    # stops when no click helps instead of clicking on to the limit.
    free = robot_annotate(tree, part, max_clicks=20)
    assert free.ious[-1] < 0.9 and len(free.ious) < 20
    assert free.noc(0.9, 20) == 20
    s = summarize_runs([clipped, free], 20)
    assert s["targets"] == 2 and s["reached90"] == 0.5
    assert s["noc90_mean"] == (clipped.noc(0.9, 20) + 20) / 2


def test_noc_of_an_empty_run_is_the_limit():
    assert RobotRun().noc(0.85, 20) == 20 and RobotRun().iou_after(3) == 0.0


def test_colour_baseline_merges_similar_colours_first(quadrants):
    y, x = np.mgrid[:96, :128]
    sp = ((y // 16) * 8 + x // 16).astype(np.int32)
    tree = colour_hierarchy(sp, quadrants)
    for lv in range(1, tree.n_levels):  # nested
        fine, coarse = tree.tables[lv - 1], tree.tables[lv]
        assert all(len(set(coarse[fine == r])) == 1 for r in np.unique(fine))
    labels = level_tables(tree.linkage, 48, [4])[0][sp]
    assert len(np.unique(labels[:48, :64])) == 1 and labels[0, 0] != labels[0, 127]


def test_eval_clicks_cli_on_tiny_bsds_and_ccp(tmp_path, tiny_bsds, tiny_ccp, capsys):
    out = tmp_path / "c.json"
    args = ["eval", "clicks", "--data", str(tiny_bsds), "--n-segments", "48", "--json", str(out)]
    assert main(args) == 0
    result = json.loads(out.read_text())
    assert set(result["summary"]) == {
        f"{method}/{mode}/region"
        for method in ("supercuts", "slic-colour")
        for mode in ("regions", "seeds")
    }
    assert result["summary"]["supercuts/regions/region"]["targets"] == 8  # 4 quadrants x 2 images
    assert result["summary"]["supercuts/seeds/region"]["targets"] == 8
    assert all(r["noc85"] <= 20 for r in result["rows"])
    assert {r["mode"] for r in result["rows"]} == {"regions", "seeds"}
    assert "NoC@85" in capsys.readouterr().out

    ccp = tiny_ccp
    assert main(["eval", "clicks", "--data", str(ccp), "--dataset", "ccp", "--json", str(out),
                 "--n-segments", "48", "--mode", "regions"]) == 0  # fmt: skip
    result = json.loads(out.read_text())
    rows = {(r["method"], r["target"]) for r in result["rows"]}
    assert ("supercuts", "person") in rows and ("supercuts", "hair") in rows
    assert result["summary"]["supercuts/regions/object"]["targets"] == 1
    assert result["summary"]["supercuts/regions/part"]["targets"] == 2
    assert result["modes"] == ["regions"]
