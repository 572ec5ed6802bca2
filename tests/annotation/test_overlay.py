"""The mask layer: incremental redraws equal a full redraw after any edit."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.annotation.document import ImageAnnotations
from supercuts_app.annotation.overlay import FILL_ALPHA, MaskOverlay, object_color


@pytest.mark.parametrize("allow_overlap", [False, True])
def test_incremental_redraw_matches_full_redraw_after_random_edits(allow_overlap):
    rng = np.random.default_rng(1)
    cats = schema_from_data({"a": ["x", "y"], "b": ["x", "z"]})
    counter = itertools.count(1)
    doc = ImageAnnotations(
        (40, 50), cats, new_id=lambda: next(counter), allow_overlap=allow_overlap
    )
    overlay = MaskOverlay(doc)
    a, b = cats.find("a").id, cats.find("b").id
    parts = {a: [p.id for p in cats.parts_of(a)], b: [p.id for p in cats.parts_of(b)]}
    done = []
    for step in range(400):
        objects = doc.objects()
        anns = list(doc.annotations)
        choice = rng.integers(10)
        edit = None
        if choice == 0 or not objects:
            edit = doc.new_object(int(rng.choice([a, b])))
        elif choice == 1:
            obj = objects[rng.integers(len(objects))]
            edit = doc.new_part(obj.id, int(rng.choice(parts[obj.category_id])))
        elif choice == 6:  # relabel, delete, restack, move a part, or undo
            kind = rng.integers(5)
            target = doc.get(anns[rng.integers(len(anns))])
            if kind == 0 and not target.is_part and not doc.parts_of(target.id):
                edit = doc.relabel(target.id, int(rng.choice([a, b])))
            elif kind == 1:
                edit = doc.delete(target.id)
            elif kind == 2:
                edit = doc.reorder(target.id, int(rng.integers(4)))
            elif kind == 3 and target.is_part:
                other = objects[rng.integers(len(objects))]
                name = cats.get(target.category_id).name
                if cats.find(name, other.category_id) is not None:
                    edit = doc.move_part(target.id, other.id)
            elif kind == 4 and done:
                undone = done.pop()
                doc.revert(undone)
                overlay.apply_edit(undone)
        else:
            target = anns[rng.integers(len(anns))]
            y, x, s = rng.integers(0, 35), rng.integers(0, 45), rng.integers(1, 15)
            region = np.zeros(doc.shape, bool)
            region[y : y + s, x : x + s] = True
            edit = (doc.remove if choice == 5 else doc.add)(target, region)
        if edit is not None:
            done.append(edit)
            overlay.apply_edit(edit)
        if step % 7 == 6 and doc.annotations:  # hide or show one
            ann_id = list(doc.annotations)[rng.integers(len(doc.annotations))]
            overlay.set_hidden(ann_id, ann_id not in overlay.hidden)
        if step % 11 == 10:
            overlay.set_highlight(list(doc.annotations)[0] if doc.annotations else None)
        fresh = MaskOverlay(doc, hidden=overlay.hidden)
        fresh.set_highlight(overlay.highlight)
        np.testing.assert_array_equal(overlay.rgba, fresh.rgba, err_msg=f"step {step}")
    assert (overlay.rgba[..., 3] == FILL_ALPHA).any()


def test_hiding_relabelling_and_undoing_a_new_object_change_only_the_tables():
    cats = schema_from_data({"a": ["x"], "b": ["x"]})
    counter = itertools.count(1)
    doc = ImageAnnotations((30, 30), cats, new_id=lambda: next(counter))
    obj = doc.new_object(cats.find("a").id).ids[0]
    doc.add(obj, np.ones((30, 30), bool))
    part = doc.new_part(obj, cats.find("x", cats.find("a").id).id).ids[0]
    square = np.zeros((30, 30), bool)
    square[5:10, 5:10] = True
    doc.add(part, square)
    overlay = MaskOverlay(doc)
    owner = overlay.owner.copy()
    assert overlay.set_hidden(part, True) is None  # the part's pixels now show the object
    assert (overlay.rgba[7, 7, :3] == object_color(obj)).all()
    assert overlay.set_hidden(obj, True) is None and not overlay.rgba[..., 3].any()
    assert overlay.set_hidden(obj, False) is None and overlay.set_hidden(part, False) is None
    assert overlay.apply_edit(doc.relabel(obj, cats.find("b").id)) is None
    new = doc.new_object(cats.find("a").id)
    assert overlay.apply_edit(new) is None
    doc.revert(new)
    assert overlay.apply_edit(new) is None
    np.testing.assert_array_equal(overlay.owner, owner)
    fresh = MaskOverlay(doc)
    np.testing.assert_array_equal(overlay.rgba, fresh.rgba)


def test_with_overlap_hiding_redraws_only_the_hidden_objects_rectangle():
    cats = schema_from_data({"a": []})
    counter = itertools.count(1)
    doc = ImageAnnotations((30, 30), cats, new_id=lambda: next(counter), allow_overlap=True)
    low = doc.new_object(cats.find("a").id).ids[0]
    doc.add(low, np.ones((30, 30), bool))
    top = doc.new_object(cats.find("a").id).ids[0]
    square = np.zeros((30, 30), bool)
    square[5:10, 8:20] = True
    doc.add(top, square)
    overlay = MaskOverlay(doc)
    assert overlay.set_hidden(top, True) == (slice(5, 10), slice(8, 20))
    assert (overlay.rgba[7, 10, :3] == object_color(low)).all()  # what was under it shows


def test_objects_keep_their_colour_and_hidden_ones_vanish():
    cats = schema_from_data({"a": []})
    counter = itertools.count(1)
    doc = ImageAnnotations((10, 10), cats, new_id=lambda: next(counter))
    first = doc.new_object(cats.find("a").id).ids[0]
    doc.add(first, np.ones((10, 10), bool))
    overlay = MaskOverlay(doc)
    assert (overlay.rgba[..., :3] == object_color(first)).all()
    second = doc.new_object(cats.find("a").id).ids[0]
    overlay.apply_edit(doc.add(second, np.eye(10, dtype=bool)))
    assert (overlay.rgba[0, 1, :3] == object_color(first)).all()
    assert (overlay.rgba[3, 3, :3] == object_color(second)).all()
    overlay.set_hidden(first, True)
    np.testing.assert_array_equal(overlay.rgba[..., 3] > 0, np.eye(10, dtype=bool))
