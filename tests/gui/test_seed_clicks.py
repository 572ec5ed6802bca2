"""Seed clicks in the window, offscreen: S switches, left and right clicks place green and red
seeds with their cut, the hover shows what a positive seed would take, Ctrl+Z takes one back."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from supercuts_app.annotation.seeds import Seed
from supercuts_app.gui.canvas import NEGATIVE_SEED_RGB, POSITIVE_SEED_RGB
from supercuts_app.gui.tools import CLICK, SEEDS
from supercuts_app.storage.project import Project

LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
NONE = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def folder(tmp_path, quadrants):
    Image.fromarray(quadrants).save(tmp_path / "a_quadrants.png")
    return tmp_path


def dot_colours(window) -> list[tuple[int, int, int]]:
    return [p.brush().color().getRgb()[:3] for p in window.canvas.seed_dots.points()]


def stored_seeds(folder, ann_id: int) -> tuple[Seed, ...]:
    with Project.open(folder, readonly=True) as project:
        [record] = project.images()
        return project.editor(record.id).doc.get(ann_id).seeds


def cuts_done(qtbot, window) -> None:
    """Wait for the seed worker (seed clicks are cut off the GUI thread)."""
    qtbot.waitUntil(lambda: window.tools.seed_cuts_pending == 0, timeout=10_000)


def test_seed_clicks_place_dots_cut_masks_and_undo_takes_the_last_seed_back(qtbot, window, folder):
    switch = window.actions_by_slot["tools.toggle_seeds"]
    # Built by the worker after the levels are shown.
    qtbot.waitUntil(lambda: window.session.cutter is not None, timeout=60_000)
    qtbot.keyClick(window.canvas, Qt.Key.Key_S)
    assert window.tools.mode == SEEDS and switch.isChecked()
    assert "Seed clicks" in window.statusBar().currentMessage()
    window.tools.click(20, 30, LEFT, NONE)
    assert "Press N" in window.statusBar().currentMessage()
    qtbot.keyClick(window.canvas, Qt.Key.Key_N)
    obj = window.session.active
    window.tools.hover(20, 30)
    assert (window.canvas.hover.fill[:, 3] > 0).any()  # what a positive seed would take
    window.tools.click(20, 30, LEFT, NONE)  # in the red quadrant
    assert dot_colours(window) == [POSITIVE_SEED_RGB]  # drawn while it is cut
    cuts_done(qtbot, window)
    mask = window.session.doc.get(obj).mask
    assert mask[20, 30] and not mask[70, 100]
    assert window.canvas.masks.rgba_at(20, 30)[3] > 0
    assert dot_colours(window) == [POSITIVE_SEED_RGB]
    assert stored_seeds(folder, obj) == (Seed(20, 30, True, window.session.level),)
    window.tools.click(30, 40, RIGHT, NONE)
    cuts_done(qtbot, window)
    assert window.session.seeds_of_active() == (
        Seed(20, 30, True, window.session.level),
        Seed(30, 40, False, window.session.level),
    )
    assert not window.session.doc.get(obj).mask[30, 40]
    assert dot_colours(window) == [POSITIVE_SEED_RGB, NEGATIVE_SEED_RGB]
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert dot_colours(window) == [POSITIVE_SEED_RGB]
    assert np.array_equal(window.session.doc.get(obj).mask, mask)
    assert stored_seeds(folder, obj) == (Seed(20, 30, True, window.session.level),)
    window.editing.select(None)
    assert dot_colours(window) == []
    qtbot.keyClick(window.canvas, Qt.Key.Key_S)
    assert window.tools.mode == CLICK and not switch.isChecked()


def test_the_pixel_borders_switch_reaches_the_session(window):
    switch = window.actions_by_slot["tools.toggle_pixel_borders"]
    assert switch.isChecked() and window.session.pixel_borders
    switch.trigger()
    assert not switch.isChecked() and not window.session.pixel_borders
    assert "atoms only" in window.statusBar().currentMessage()
    switch.trigger()
    assert switch.isChecked() and window.session.pixel_borders


def test_clicks_made_while_a_cut_runs_are_applied_in_order_and_undo_takes_the_last(qtbot, window):
    qtbot.waitUntil(lambda: window.session.cutter is not None, timeout=60_000)
    qtbot.keyClick(window.canvas, Qt.Key.Key_S)
    qtbot.keyClick(window.canvas, Qt.Key.Key_N)
    obj = window.session.active
    level = window.session.level
    # Three clicks in a row, before any cut comes back.
    window.tools.click(20, 30, LEFT, NONE)
    window.tools.click(30, 40, RIGHT, NONE)
    window.tools.click(25, 35, LEFT, NONE)
    assert window.tools.seed_cuts_pending == 3
    assert len(dot_colours(window)) == 3
    cuts_done(qtbot, window)
    expected = (Seed(20, 30, True, level), Seed(30, 40, False, level), Seed(25, 35, True, level))
    assert window.session.seeds_of_active() == expected
    cut = window.session.cutter.cut(expected).full(window.session.doc.shape)
    assert np.array_equal(window.session.doc.get(obj).mask, cut)
    history = window.session.editor.history.done
    assert [e.name for e in history[-3:]] == ["seed"] * 3
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.session.seeds_of_active() == expected[:2]
    assert dot_colours(window) == [POSITIVE_SEED_RGB, NEGATIVE_SEED_RGB]
