"""The mask layer: incremental redraws equal a full redraw after any edit."""

from __future__ import annotations

import itertools

import numpy as np

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.annotation.document import ImageAnnotations
from supercuts_app.annotation.overlay import FILL_ALPHA, MaskOverlay, object_color


def test_incremental_redraw_matches_full_redraw_after_random_edits():
    rng = np.random.default_rng(1)
    cats = schema_from_data({"a": ["x", "y"], "b": ["z"]})
    counter = itertools.count(1)
    doc = ImageAnnotations((40, 50), cats, new_id=lambda: next(counter))
    overlay = MaskOverlay(doc)
    a, b = cats.find("a").id, cats.find("b").id
    parts = {a: [p.id for p in cats.parts_of(a)], b: [p.id for p in cats.parts_of(b)]}
    for step in range(300):
        objects = doc.objects()
        choice = rng.integers(6)
        if choice == 0 or not objects:
            edit = doc.new_object(int(rng.choice([a, b])))
        elif choice == 1:
            obj = objects[rng.integers(len(objects))]
            edit = doc.new_part(obj.id, int(rng.choice(parts[obj.category_id])))
        else:
            target = list(doc.annotations)[rng.integers(len(doc.annotations))]
            y, x, s = rng.integers(0, 35), rng.integers(0, 45), rng.integers(1, 15)
            region = np.zeros(doc.shape, bool)
            region[y : y + s, x : x + s] = True
            edit = (doc.remove if choice == 5 else doc.add)(target, region)
        if edit is not None:
            overlay.refresh_edit(edit) if any(
                c.mask_after is not None for c in edit.changes
            ) else overlay.refresh(None)
        if step % 25 == 24 and doc.annotations:  # hide or show one: a full redraw
            ann_id = list(doc.annotations)[rng.integers(len(doc.annotations))]
            overlay.hidden ^= {ann_id}
            overlay.refresh(None)
        fresh = MaskOverlay(doc, hidden=overlay.hidden)
        np.testing.assert_array_equal(overlay.rgba, fresh.rgba, err_msg=f"step {step}")
    assert (overlay.rgba[..., 3] == FILL_ALPHA).any()


def test_objects_keep_their_colour_and_hidden_ones_vanish():
    cats = schema_from_data({"a": []})
    counter = itertools.count(1)
    doc = ImageAnnotations((10, 10), cats, new_id=lambda: next(counter))
    first = doc.new_object(cats.find("a").id).ids[0]
    doc.add(first, np.ones((10, 10), bool))
    overlay = MaskOverlay(doc)
    assert (overlay.rgba[..., :3] == object_color(first)).all()
    second = doc.new_object(cats.find("a").id).ids[0]
    overlay.refresh_edit(doc.add(second, np.eye(10, dtype=bool)))
    assert (overlay.rgba[0, 1, :3] == object_color(first)).all()
    assert (overlay.rgba[3, 3, :3] == object_color(second)).all()
    overlay.hidden.add(first)
    overlay.refresh(None)
    np.testing.assert_array_equal(overlay.rgba[..., 3] > 0, np.eye(10, dtype=bool))
