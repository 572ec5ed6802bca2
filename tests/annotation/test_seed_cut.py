"""Seeds of an annotation: their file form, and the document's seed-cut edit with its rules."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.annotation.document import DocumentError, ImageAnnotations
from supercuts_app.annotation.seeds import (
    Seed,
    SeedError,
    seeds_from_json,
    seeds_to_json,
)

SHAPE = (20, 30)
WINDOW = (slice(2, 12), slice(4, 24))  # a 10 x 20 rectangle


def make_doc(allow_overlap: bool = False) -> ImageAnnotations:
    cats = schema_from_data({"person": ["head", "torso"]})
    counter = itertools.count(1)
    return ImageAnnotations(SHAPE, cats, new_id=lambda: next(counter), allow_overlap=allow_overlap)


def crop(y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    """A crop at WINDOW holding the image rectangle [y0, y1) x [x0, x1)."""
    m = np.zeros(SHAPE, bool)
    m[y0:y1, x0:x1] = True
    return m[WINDOW]


def full(y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    m = np.zeros(SHAPE, bool)
    m[y0:y1, x0:x1] = True
    return m


NOT_SEEDS = (
    None,
    b"[]",
    "nonsense",
    "{}",
    '[{"y": 1, "x": 2}]',
    '[{"y": 1, "x": 2, "positive": true}]',
    '[{"y": 1, "x": -2, "positive": true, "level": 0}]',
    '[{"y": 1, "x": 2, "positive": 1, "level": 0}]',
    '[{"y": "1", "x": 2, "positive": true, "level": 0}]',
    '[{"y": NaN, "x": 2, "positive": true, "level": 0}]',
    '[{"y": 1, "x": 2, "positive": true, "level": -1}]',
    '[{"y": 1, "x": 2, "positive": true, "level": 1.5}]',
)


def test_seeds_round_trip_through_json_and_bad_text_is_refused():
    seeds = (Seed(1.5, 2.0, True, 3), Seed(3.0, 4.25, False, 1))
    assert seeds_from_json(seeds_to_json(seeds)) == seeds
    assert seeds_from_json("[]") == ()
    for bad in NOT_SEEDS:
        with pytest.raises(SeedError):
            seeds_from_json(bad)


def test_a_seed_cut_is_one_edit_that_sets_the_seeds_and_undo_gives_them_back():
    doc = make_doc()
    person = doc.categories.find("person").id
    obj = doc.new_object(person).ids[0]
    doc.add(obj, full(0, 4, 0, 4))  # a brush stroke before: outside the cut, it stays
    first = (Seed(5, 10, True),)
    edit = doc.apply_seed_cut(obj, first, crop(4, 8, 6, 14), crop(0, 0, 0, 0), window=WINDOW)
    assert edit.name == "seed" and edit.ids == [obj]
    assert doc.get(obj).seeds == first
    assert np.array_equal(doc.get(obj).mask, full(0, 4, 0, 4) | full(4, 8, 6, 14))
    second = (*first, Seed(5, 13, False))
    again = doc.apply_seed_cut(obj, second, crop(4, 8, 4, 6), crop(4, 8, 12, 14), window=WINDOW)
    assert doc.get(obj).seeds == second
    assert np.array_equal(doc.get(obj).mask, full(0, 4, 0, 4) | full(4, 8, 4, 12))
    doc.revert(again)
    assert doc.get(obj).seeds == first
    assert np.array_equal(doc.get(obj).mask, full(0, 4, 0, 4) | full(4, 8, 6, 14))
    doc.apply(again)
    assert doc.get(obj).seeds == second
    doc.revert(again)
    doc.revert(edit)
    assert doc.get(obj).seeds == () and doc.get(obj).mask.sum() == 16


def test_a_seed_that_changes_no_pixel_is_still_an_edit():
    doc = make_doc()
    obj = doc.new_object(doc.categories.find("person").id).ids[0]
    empty = crop(0, 0, 0, 0)
    edit = doc.apply_seed_cut(obj, (Seed(1, 1, False),), empty, empty, window=WINDOW)
    assert edit is not None and doc.get(obj).seeds == (Seed(1, 1, False),)
    assert doc.get(obj).is_empty()
    doc.revert(edit)
    assert doc.get(obj).seeds == ()
    nowhere = (slice(0, 0), slice(0, 0))
    none = np.zeros((0, 0), bool)
    assert doc.apply_seed_cut(obj, (Seed(2, 2, False),), none, none, window=nowhere) is not None
    with pytest.raises(DocumentError, match="does not fit"):
        doc.apply_seed_cut(obj, (), empty[1:], empty, window=WINDOW)


def test_an_objects_seed_cut_takes_pixels_from_other_objects_and_its_loss_leaves_its_parts():
    doc = make_doc()
    person = doc.categories.find("person").id
    head = doc.categories.find("head", person).id
    a = doc.new_object(person).ids[0]
    b = doc.new_object(person).ids[0]
    doc.add(b, full(2, 6, 10, 20))
    doc.add(a, full(6, 12, 4, 10))
    part = doc.new_part(a, head).ids[0]
    doc.add(part, full(8, 12, 4, 10))
    seeds = (Seed(4, 12, True),)
    doc.apply_seed_cut(a, seeds, crop(2, 6, 4, 14), crop(6, 10, 4, 10), window=WINDOW)
    assert np.array_equal(doc.get(a).mask, full(2, 6, 4, 14) | full(10, 12, 4, 10))
    assert np.array_equal(doc.get(b).mask, full(2, 6, 14, 20))
    assert np.array_equal(doc.get(part).mask, full(10, 12, 4, 10))


def test_a_parts_seed_cut_grows_its_object_and_leaves_its_siblings():
    doc = make_doc()
    person = doc.categories.find("person").id
    head = doc.categories.find("head", person).id
    torso = doc.categories.find("torso", person).id
    obj = doc.new_object(person).ids[0]
    doc.add(obj, full(2, 12, 4, 14))
    sibling = doc.new_part(obj, torso).ids[0]
    doc.add(sibling, full(6, 12, 4, 14))
    part = doc.new_part(obj, head).ids[0]
    doc.add(part, full(2, 4, 4, 14))
    edit = doc.apply_seed_cut(
        part, (Seed(3, 6, True),), crop(4, 8, 4, 16), crop(2, 4, 12, 14), window=WINDOW
    )
    assert np.array_equal(doc.get(part).mask, full(2, 4, 4, 12) | full(4, 8, 4, 16))
    assert np.array_equal(doc.get(obj).mask, full(2, 12, 4, 14) | full(4, 8, 14, 16))
    assert np.array_equal(doc.get(sibling).mask, full(8, 12, 4, 14))
    doc.revert(edit)
    assert np.array_equal(doc.get(sibling).mask, full(6, 12, 4, 14))
    assert np.array_equal(doc.get(obj).mask, full(2, 12, 4, 14))
    assert doc.get(part).seeds == ()
