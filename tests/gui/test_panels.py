"""The window's panels and menus, offscreen: classes added, renamed and removed; an object
relabelled, hidden and shown; a part dragged to another object; COCO imported from the menu."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QInputDialog

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.gui.panels import ID_ROLE
from supercuts_app.storage.project import Project

SCHEMA = {"cat": ["head", "tail"], "dog": ["head", "leg"]}
LEFT, NONE = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


@pytest.fixture
def folder(tmp_path, quadrants):
    Image.fromarray(quadrants).save(tmp_path / "a.png")
    with Project.create(tmp_path / f"{tmp_path.name}.supercuts", schema_from_data(SCHEMA)) as p:
        p.add_images([tmp_path / "a.png"])
    return tmp_path


def stored(folder) -> dict[int, tuple[int, int | None, int]]:
    """Annotation id -> (class id, parent id, pixel count) as saved in the project file."""
    with Project.open(folder, readonly=True) as project:
        record = project.images()[0]
        return {
            a.id: (a.category_id, a.parent_id, int(a.mask.sum()))
            for a in project.store.load_annotations(record)
        }


def class_names(window) -> list[str]:
    tree = window.classes
    names = []
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        names.append(top.text(0))
        names.extend(f"{top.text(0)}/{top.child(j).text(0)}" for j in range(top.childCount()))
    return names


def panel_items(window) -> dict[int, object]:
    """Annotation id -> its item in the object tree."""
    tree, items = window.objects, {}
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        for item in (top, *(top.child(j) for j in range(top.childCount()))):
            items[item.data(0, ID_ROLE)] = item
    return items


def click_object(window, cls: int, y: int, x: int) -> int:
    """A new object of class ``cls`` holding the finest region at (y, x)."""
    window.classes.select_class(cls)
    window.editing.new_object()
    window.levels.slider.setValue(0)
    window.tools.click(y, x, LEFT, NONE)
    return window.session.active


def test_classes_are_added_renamed_and_removed_from_the_class_panel(window, folder, monkeypatch):
    answers = iter(["bird", "wing", "eagle"])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (next(answers), True))
    window.classes.add_requested.emit(None)
    bird = window.project.categories.find("bird").id
    window.classes.add_requested.emit(bird)
    assert window.project.categories.find("wing", bird) is not None
    window.classes.rename_requested.emit(bird)
    assert "eagle" in class_names(window) and "eagle/wing" in class_names(window)
    with Project.open(folder, readonly=True) as saved:
        assert saved.categories.find("wing", saved.categories.find("eagle").id) is not None
    # A used class is refused with a message; an unused one goes, with its part classes.
    cat = window.project.categories.find("cat").id
    click_object(window, cat, 10, 10)
    window.classes.remove_requested.emit(cat)
    assert "cat" in class_names(window) and "used by 1" in window.statusBar().currentMessage()
    window.classes.remove_requested.emit(bird)
    assert "eagle" not in class_names(window) and "eagle/wing" not in class_names(window)
    with Project.open(folder, readonly=True) as saved:
        assert saved.categories.find("eagle") is None


def test_relabel_hide_and_show_change_only_the_colour_tables(window, folder, monkeypatch):
    cats = window.project.categories
    cat, dog = cats.find("cat").id, cats.find("dog").id
    obj = click_object(window, cat, 10, 10)
    window.editing.new_part()
    part = window.session.active
    window.tools.click(10, 10, LEFT, NONE)
    owner = window.session.overlay.owner.copy()
    assert panel_items(window)[obj].text(0) == "cat"
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("dog", True))
    window.objects.relabel_requested.emit(obj)
    assert stored(folder)[obj][0] == dog
    assert stored(folder)[part][0] == cats.find("head", dog).id  # the part follows by name
    assert panel_items(window)[obj].text(0) == "dog"
    # Hiding is the object's checkbox in the panel.
    masks = window.canvas.masks
    assert masks.rgba_at(10, 10)[3] > 0
    panel_items(window)[obj].setCheckState(0, Qt.CheckState.Unchecked)
    assert obj in window.session.overlay.hidden and masks.rgba_at(10, 10)[3] == 0
    panel_items(window)[obj].setCheckState(0, Qt.CheckState.Checked)
    assert obj not in window.session.overlay.hidden and masks.rgba_at(10, 10)[3] > 0
    np.testing.assert_array_equal(window.session.overlay.owner, owner)


def test_a_part_dragged_onto_another_object_moves_there(qtbot, window, folder):
    cat = window.project.categories.find("cat").id
    first = click_object(window, cat, 10, 10)
    window.editing.new_part()
    part = window.session.active
    window.tools.click(10, 10, LEFT, NONE)
    second = click_object(window, cat, 80, 100)
    items = panel_items(window)
    assert items[part].parent().data(0, ID_ROLE) == first
    tree = window.objects
    tree.setCurrentItem(items[part])
    target = tree.visualItemRect(items[second]).center()
    drop = QDropEvent(QPointF(target), Qt.DropAction.MoveAction, QMimeData(), LEFT, NONE)
    tree.dropEvent(drop)
    saved = stored(folder)
    assert saved[part][1] == second
    assert saved[second][2] >= saved[part][2] > 0  # the object grew to hold the part
    assert panel_items(window)[part].parent().data(0, ID_ROLE) == second
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(folder)[part][1] == first


def test_import_coco_from_the_menu(qtbot, window, folder, monkeypatch):
    left = np.zeros((96, 128), bool)
    left[:, :64] = True
    top_left = np.zeros((96, 128), bool)
    top_left[:48, :64] = True

    def rle(mask: np.ndarray) -> dict:
        encoded = mask_utils.encode(np.asfortranarray(mask).view(np.uint8))
        return {"size": encoded["size"], "counts": encoded["counts"].decode()}

    coco = {
        "images": [{"id": 7, "file_name": "a.png", "width": 128, "height": 96}],
        "categories": [
            {"id": 1, "name": "horse", "supercategory": "object"},
            {"id": 2, "name": "mane", "supercategory": "horse", "part_of": 1},
        ],
        "annotations": [
            {"id": 11, "image_id": 7, "category_id": 1, "segmentation": rle(left)},
            {
                "id": 12,
                "image_id": 7,
                "category_id": 2,
                "segmentation": rle(top_left),
                "parent_id": 11,
            },
        ],
    }
    path = folder / "labels.json"
    path.write_text(json.dumps(coco))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    with qtbot.waitSignal(window.segmentation_shown, timeout=60_000):
        window.actions_by_slot["files.ask_import_coco"].trigger()
    assert "Imported 1 objects and 1 parts" in window.statusBar().currentMessage()
    horse = window.project.categories.find("horse")
    assert horse is not None and window.project.categories.find("mane", horse.id) is not None
    saved = stored(folder)
    assert sorted(n for _, _, n in saved.values()) == [48 * 64, 96 * 64]
    [obj] = [i for i, (_, parent, _) in saved.items() if parent is None]
    items = panel_items(window)
    assert items[obj].text(0) == "horse" and items[obj].child(0).text(0) == "mane"
    np.testing.assert_array_equal(window.session.doc.get(obj).mask, left)
    assert (
        window.canvas.masks.rgba_at(80, 10)[3] > 0 and window.canvas.masks.rgba_at(80, 100)[3] == 0
    )
