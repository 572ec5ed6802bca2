"""Headless interaction: clicks at levels, split view, strokes, undo, and what to redraw."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.annotation.document import DocumentError
from supercuts_app.segmentation.hierarchy import MergeHierarchy
from supercuts_app.session.annotator import Annotator
from supercuts_app.session.redraw import Redraw
from supercuts_app.storage.project import Project


@pytest.fixture
def annotator(tmp_path):
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(tmp_path / "a.png")
    project = Project.create(tmp_path / "p.supercuts", schema_from_data({"cat": ["head", "tail"]}))
    [record] = project.add_images([tmp_path / "a.png"])
    a = Annotator(project.editor(record.id))
    # Superpixels: four quadrants; level 1 joins the top two; level 2 is everything.
    sp = np.zeros((20, 30), np.int32)
    sp[:10, 15:], sp[10:, :15], sp[10:, 15:] = 1, 2, 3
    tables = np.array([[0, 1, 2, 3], [0, 0, 1, 2], [0, 0, 0, 0]], np.int32)
    a.set_tree(MergeHierarchy(sp, tables, np.zeros((3, 4))))
    yield a, project
    project.close()


def test_click_adds_the_region_at_the_current_level_and_returns_its_window(annotator):
    a, project = annotator
    cat = project.categories.find("cat").id
    assert a.click(5, 5) is None  # nothing active yet
    obj = a.new_object(cat)
    a.level = 1
    window = a.click(5, 5)
    assert window == Redraw.pixels((slice(0, 10), slice(0, 30)))
    assert a.doc.get(obj).mask.sum() == 300
    assert a.overlay.rgba[5, 5, 3] > 0 and a.overlay.rgba[15, 5, 3] == 0
    a.level = 0
    a.click(5, 20, remove=True)
    assert a.doc.get(obj).mask.sum() == 150
    assert a.overlay.rgba[5, 20, 3] == 0
    assert a.undo() is not None and a.doc.get(obj).mask.sum() == 300


def test_split_view_clicks_finer_regions_inside_the_clicked_one(annotator):
    a, project = annotator
    a.new_object(project.categories.find("cat").id)
    a.level = 2
    view = a.toggle_split(5, 5)
    assert view.fine_level == 1  # the first finer level where the region is in pieces
    assert a.target_at(15, 5) == (1, 1)
    a.click(15, 5)
    assert a.doc.get(a.active).mask.sum() == 150
    assert a.toggle_split(5, 5) is None and a.split is None
    assert a.target_at(15, 5) == (2, 0)


def test_parts_strokes_and_rules(annotator):
    a, project = annotator
    cats = project.categories
    cat = cats.find("cat").id
    with pytest.raises(DocumentError, match="select an object first"):
        a.new_part(cats.find("head", cat).id)
    obj = a.new_object(cat)
    part = a.new_part(cats.find("head", cat).id)
    a.stroke([(3, 3), (8, 3)], 2)
    assert a.doc.get(part).mask[3, 5] and a.doc.get(obj).mask[3, 5]
    a.stroke([(5, 3)], 1, erase=True)
    assert not a.doc.get(part).mask[3, 5]
    assert (
        a.set_hidden(part, True) == Redraw.tables() and a.overlay.rgba[3, 3, 3] > 0
    )  # object still drawn
    assert a.delete(obj) is not None and a.active is None
    window = a.undo()
    assert window is not None and obj in a.doc.annotations and part in a.doc.annotations
