"""The literature's click robot on seed clicks: its click rule on hand-made masks, how it feeds
the cutter and stops, and a real seed cut on a two-colour image."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from supercuts_app.eval.clicks import colour_hierarchy, summarize_runs
from supercuts_app.eval.seed_robot import Click, next_click, seed_robot_annotate
from supercuts_app.segmentation.seeded_cut import SeedCut, SeedCutter
from supercuts_app.segmentation.superpixels import compute_superpixels

SHAPE = (50, 60)


def square() -> np.ndarray:
    target = np.zeros(SHAPE, bool)
    target[10:31, 20:41] = True  # 21 x 21: its centre is the pixel (20, 30)
    return target


def test_first_click_is_positive_at_the_centre_of_the_target():
    assert next_click(square(), np.zeros(SHAPE, bool)) == Click(20, 30, True)


def test_an_extra_blob_larger_than_any_miss_gets_a_negative_click_inside_it():
    shown = square()
    shown[40:49, 2:11] = True  # an extra 9 x 9 blob, centre (44, 6)
    shown[10, 20] = False  # one missed pixel: a smaller error region
    assert next_click(square(), shown) == Click(44, 6, False)


def test_the_largest_error_wins_whether_missed_or_extra():
    shown = square()
    shown[10:31, 31:41] = False  # the right 10 columns missed (210 px)
    shown[40:45, 2:7] = True  # 25 extra pixels
    click = next_click(square(), shown)
    assert click.positive and 10 <= click.y < 31 and 31 <= click.x < 41


def test_errors_outside_within_do_not_count():
    within = np.zeros(SHAPE, bool)
    within[:, :45] = True
    shown = square()
    shown[5:45, 50:58] = True  # a big extra region, but outside the object
    assert next_click(square(), shown, within=within) is None
    shown[35:40, 5:10] = True  # a small one inside it
    assert next_click(square(), shown, within=within) == Click(37, 7, False)


class FixedCutter:
    """Stands in for a SeedCutter: always returns the same mask, and records the seeds."""

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask
        self.calls: list[list] = []
        self.tree = SimpleNamespace(n_levels=5)

    def cut(self, seeds, *, within=None, refine=None, evidence=None):
        self.calls.append(list(seeds))
        return SeedCut(self.mask, (slice(0, SHAPE[0]), slice(0, SHAPE[1])))


def test_robot_accumulates_seeds_at_pixel_centres_and_counts_the_limit_when_never_reached():
    shown = square()
    shown[40:49, 2:11] = True  # the cutter keeps showing an extra blob
    cutter = FixedCutter(shown)
    run = seed_robot_annotate(cutter, square(), level=3, max_clicks=4)
    iou = square().sum() / shown.sum()
    assert run.ious == pytest.approx([iou] * 4) and iou < 0.9
    assert run.clicks == [Click(20, 30, True)] + [Click(44, 6, False)] * 3
    assert len(run.seconds) == 4 and run.levels == []
    seeds = cutter.calls[-1]
    assert [(s.y, s.x, s.positive, s.level) for s in seeds] == [(20.5, 30.5, True, 3)] + [
        (44.5, 6.5, False, 3)
    ] * 3
    assert run.noc(0.9, 4) == 4 and run.noc(0.8, 4) == 1
    summary = summarize_runs([run], 4)
    assert summary["failed90"] == 1.0 and summary["seconds_per_click"] >= 0.0


def test_robot_stops_at_the_stop_iou():
    cutter = FixedCutter(square())
    run = seed_robot_annotate(cutter, square())
    assert run.ious == [1.0] and len(cutter.calls) == 1


def test_robot_keeps_the_mask_of_its_best_iou_only_when_asked():
    shown = square()
    shown[40:49, 2:11] = True
    run = seed_robot_annotate(FixedCutter(shown), square(), max_clicks=2, keep_best=True)
    assert run.best_mask.shape == SHAPE and np.array_equal(run.best_mask, shown)
    assert seed_robot_annotate(FixedCutter(shown), square(), max_clicks=2).best_mask is None


def test_region_runs_are_not_timed():
    from supercuts_app.eval.clicks import RobotRun

    assert summarize_runs([RobotRun(ious=[0.95], levels=[2])], 20)["seconds_per_click"] is None


def test_robot_picks_the_best_level_for_each_seed_without_a_fixed_one():
    cutter = FixedCutter(square())
    run = seed_robot_annotate(cutter, square(), level=None)
    assert run.ious == [1.0]
    assert [call[-1].level for call in cutter.calls[:5]] == list(range(5))  # every level tried


def test_seed_cuts_reach_090_on_a_two_colour_image_in_few_clicks(disk_image):
    labels = compute_superpixels(disk_image, method="slic", n_segments=120).labels
    tree = colour_hierarchy(labels, disk_image)
    cutter = SeedCutter(tree, disk_image, boundary=None)
    yy, xx = np.mgrid[:120, :160]
    disk = (yy - 60) ** 2 + (xx - 80) ** 2 < 35**2
    run = seed_robot_annotate(cutter, disk, level=tree.n_levels // 2)
    assert run.ious[-1] >= 0.9 and len(run.ious) <= 3
    assert run.clicks[0].positive
    # At the top level the first seed asks for the whole image; the robot's negative click on
    # the background then cuts the disk out.
    run = seed_robot_annotate(cutter, disk, level=tree.n_levels - 1)
    assert run.ious[-1] >= 0.9 and len(run.ious) <= 3
    assert [c.positive for c in run.clicks[:2]] == [True, False]
