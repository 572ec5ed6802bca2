"""Tools > Propose objects / parts: dashed suggestions, Enter accepts, Delete rejects."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt


@pytest.fixture
def folder(tmp_path, disk_image):
    """One disk image."""
    Image.fromarray(disk_image).save(tmp_path / "disk.png")
    return tmp_path


@pytest.fixture
def n_segments() -> int:
    return 80


def test_accepting_object_and_part_suggestions_makes_normal_annotations(qtbot, window):
    with qtbot.waitSignal(window.suggestions.shown, timeout=60_000) as blocker:
        qtbot.keyClick(window.canvas, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    n = blocker.args[0]
    assert n >= 1 and len(window.suggestions.current_outline.getData()[0]) > 0  # drawn dashed
    first_suggestion = window.suggestions.pending[0]
    first = np.zeros(window.current.pixels.shape[:2], bool)
    first[first_suggestion.box] = first_suggestion.crop
    qtbot.keyClick(window.canvas, Qt.Key.Key_Return)
    a = window.session
    obj = a.active
    assert obj is not None and not a.doc.get(obj).is_part
    np.testing.assert_array_equal(a.doc.get(obj).mask, first)
    assert len(window.suggestions.pending) == n - 1
    # Delete rejects the current suggestion, not the selected object: shown with two pending
    # whatever the proposer found.
    extra = [replace(first_suggestion, score=s) for s in (0.2, 0.1)]
    a.show_suggestions(extra)
    window.suggestions.draw()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert [s.score for s in window.suggestions.pending] == [0.1] and obj in a.doc.annotations
    assert "suggestion 1 of 1" in window.status_label.text()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert not window.suggestions.pending and obj in a.doc.annotations
    assert len(window.suggestions.current_outline.getData()[0]) == 0  # outlines gone

    with qtbot.waitSignal(window.suggestions.shown, timeout=60_000):
        qtbot.keyClick(
            window.canvas,
            Qt.Key.Key_P,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert window.suggestions.pending and window.suggestions.pending[0].kind == "part"
    qtbot.keyClick(window.canvas, Qt.Key.Key_Return)
    part = a.doc.get(a.active)
    assert part.is_part and part.parent_id == obj and part.mask.any()
    assert not (part.mask & ~a.doc.get(obj).mask).any()
    # Like any edit: undone by Ctrl+Z.
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not a.doc.get(part.id).mask.any()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert not window.suggestions.active
