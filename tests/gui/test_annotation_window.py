"""The annotation window end to end, offscreen: open a folder, click, paint, undo, navigate."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from supercuts_app.base.defaults import SUPERPIXEL_DENSITY_FLOOR
from supercuts_app.gui.actions import SHORTCUTS, ShortcutsDialog
from supercuts_app.gui.main_window import MainWindow
from supercuts_app.gui.toolbar import BY_DENSITY, FIXED_COUNT
from supercuts_app.storage.project import Project

LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
NONE, SHIFT = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def folder(tmp_path, quadrants, disk_image):
    Image.fromarray(quadrants).save(tmp_path / "a_quadrants.png")
    Image.fromarray(disk_image).save(tmp_path / "b_disk.png")
    return tmp_path


def stored_masks(folder) -> dict[int, int]:
    with Project.open(folder, readonly=True) as project:
        record = project.images()[0]
        return {a.id: int(a.mask.sum()) for a in project.store.load_annotations(record)}


def test_folder_opens_as_a_project_and_clicks_are_saved_at_once(qtbot, window, folder):
    assert (folder / f"{folder.name}.supercuts").is_file()
    assert window.images.count() == 2 and "0/2" in window.done_label.text()
    qtbot.keyClick(window.canvas, Qt.Key.Key_N)
    obj = window.session.active
    assert obj is not None and window.objects.topLevelItemCount() == 1
    window.levels.slider.setValue(window.levels.slider.maximum())  # one region: the image
    window.tools.click(10, 10, LEFT, NONE)
    assert stored_masks(folder)[obj] == 96 * 128
    window.levels.slider.setValue(0)
    window.tools.click(10, 10, RIGHT, NONE)
    removed = stored_masks(folder)[obj]
    assert 0 < removed < 96 * 128
    masks = window.canvas.masks
    assert masks.rgba_at(10, 10)[3] == 0 and masks.rgba_at(80, 100)[3] > 0
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_masks(folder)[obj] == 96 * 128
    qtbot.keyClick(
        window.canvas,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert stored_masks(folder)[obj] == removed
    assert "1/2" in window.done_label.text()


def test_parts_brush_and_delete(qtbot, window, folder):
    qtbot.keyClick(window.canvas, Qt.Key.Key_N)
    obj = window.session.active
    qtbot.keyClick(window.canvas, Qt.Key.Key_P)
    part = window.session.active
    assert window.session.doc.get(part).parent_id == obj
    qtbot.keyClick(window.canvas, Qt.Key.Key_B)
    assert window.tools.mode == "brush"
    window.tools.drag("start", 20, 20, LEFT)
    window.tools.drag("move", 20, 40, LEFT)
    # While dragging, the stroke is drawn as wide as the brush paints (in image pixels).
    pen = window.tools.stroke_preview.opts["pen"]
    assert not pen.isCosmetic() and pen.widthF() == 2 * round(window.tools.radius) + 1
    window.tools.drag("finish", 20, 60, LEFT)
    masks = stored_masks(folder)
    assert masks[part] > 0 and masks[obj] >= masks[part]
    qtbot.keyClick(window.canvas, Qt.Key.Key_E)
    window.tools.click(20, 40, LEFT, NONE)
    assert stored_masks(folder)[part] < masks[part]
    window.objects.selected.emit(obj)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert stored_masks(folder) == {}


def test_shift_click_split_view_and_level_keys(qtbot, window):
    qtbot.keyClick(window.canvas, Qt.Key.Key_N)
    top = window.levels.slider.maximum()
    window.levels.slider.setValue(top)
    window.tools.click(10, 10, LEFT, SHIFT)
    split = window.session.split
    assert split is not None and split.fine_level < top
    assert window.canvas.hover.fill[:, 3].any()  # the finer regions are shown
    window.tools.click(10, 10, LEFT, NONE)
    fine = window.session.tree.mask_of(split.fine_level, window.session.target_at(10, 10)[1])
    assert window.session.doc.get(window.session.active).mask.sum() == fine.sum()
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketLeft)
    assert window.levels.level == top - 1 and window.session.split is None


def test_next_and_previous_image_and_hover(qtbot, window):
    first = window.image_id
    with qtbot.waitSignal(window.segmentation_shown, timeout=60_000):
        qtbot.keyClick(window.canvas, Qt.Key.Key_D)
    assert window.image_id != first and window.current.path.name == "b_disk.png"
    window.tools.hover(60, 80)
    assert window.canvas.hover.fill[:, 3].any()
    with qtbot.waitSignal(window.segmentation_shown, timeout=60_000):
        qtbot.keyClick(window.canvas, Qt.Key.Key_A)
    assert window.image_id == first


def test_shortcuts_dialog_lists_every_key(qtbot, window):
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    keys = {dialog.table.item(i, 0).text() for i in range(dialog.table.rowCount())}
    assert {sc.key for sc in SHORTCUTS if sc.key} <= keys
    assert {"N", "P", "B", "E", "D", "A", "Tab", "F", "Ctrl+Z"} <= keys


def test_settings_are_remembered(qtbot, folder):
    w = MainWindow(n_segments=40)
    qtbot.addWidget(w)
    w.opacity.setValue(33)
    w.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.opacity.value() == 33 and again.n_segments == 40
    again.open_path(folder)
    again.files.fill_recent()
    assert str(folder.resolve()) in [a.text() for a in again.files.recent_menu.actions()]
    again.close()


def test_export_from_the_window_holds_the_clicked_masks(qtbot, window, folder, monkeypatch):
    from pycocotools.coco import COCO
    from PySide6.QtWidgets import QFileDialog

    qtbot.keyClick(window.canvas, Qt.Key.Key_N)
    window.levels.slider.setValue(window.levels.slider.maximum())  # one region: the image
    window.tools.click(10, 10, LEFT, NONE)
    qtbot.keyClick(window.canvas, Qt.Key.Key_P)
    window.levels.slider.setValue(0)
    window.tools.click(10, 10, LEFT, NONE)  # the part: the superpixel under (10, 10)
    superpixel = window.session.tree.mask_of(0, window.session.target_at(10, 10)[1])
    assert 0 < superpixel.sum() < 96 * 128
    out = folder / "out.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    window.files.ask_export_coco()
    qtbot.waitUntil(out.is_file, timeout=10_000)
    coco = COCO(str(out))
    [image] = [i for i in coco.dataset["images"] if i["file_name"].endswith("a_quadrants.png")]
    anns = coco.loadAnns(coco.getAnnIds(imgIds=[image["id"]]))
    [obj] = [a for a in anns if "parent_id" not in a]
    [part] = [a for a in anns if "parent_id" in a]
    assert part["parent_id"] == obj["id"]
    assert coco.loadCats(obj["category_id"])[0]["name"] == "object"
    assert coco.loadCats(part["category_id"])[0]["name"] == "part"
    np.testing.assert_array_equal(coco.annToMask(obj).astype(bool), np.ones((96, 128), bool))
    np.testing.assert_array_equal(coco.annToMask(part).astype(bool), superpixel)
    assert obj["area"] == 96 * 128 and part["area"] == superpixel.sum()
    assert np.asarray(Image.open(folder / "a_quadrants.png")).shape == (96, 128, 3)


def test_segmentation_settings_recompute_and_persist(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: (FIXED_COUNT, True))
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (80, True))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", True))
    with qtbot.waitSignal(window.segmentation_shown, timeout=60_000) as blocker:
        window.ask_segmentation_settings()
    assert blocker.args[0].result.requested == 80
    assert int(window.settings.value("n_segments")) == 80 and window.backbone_name is None
    assert window.density is None


def test_a_density_sets_the_count_by_the_image_size_and_persists(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    # 96 x 128 pixels are 0.012 MP: the density's floor decides the count.
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: (BY_DENSITY, True))
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *a, **k: (250.0, True))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", True))
    with qtbot.waitSignal(window.segmentation_shown, timeout=60_000) as blocker:
        window.ask_segmentation_settings()
    assert blocker.args[0].result.requested == SUPERPIXEL_DENSITY_FLOOR
    assert window.density == 250.0 and float(window.settings.value("density")) == 250.0
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.density == 250.0
    again.close()
    given = MainWindow(n_segments=40)  # a count given to the window is a fixed count
    qtbot.addWidget(given)
    assert given.density is None and given.n_segments == 40
    given.close()  # and stored: later windows of this test session use the fixed count again
    assert float(given.settings.value("density")) == 0
