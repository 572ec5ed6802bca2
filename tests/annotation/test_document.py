"""Objects, parts and their rules; every operation undone and redone exactly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.annotation.cropped_mask import box_shape
from supercuts_app.annotation.document import (
    DocumentError,
    ImageAnnotations,
    brush_crop,
    brush_mask,
)
from supercuts_app.annotation.seeds import Seed
from supercuts_app.base.boxes import NOWHERE, intersect_box, mask_bbox
from supercuts_app.segmentation.hierarchy import MergeHierarchy

SHAPE = (20, 30)


def make_doc(allow_overlap: bool = False) -> ImageAnnotations:
    cats = schema_from_data({"person": ["head", "torso"], "dog": ["head", "tail"]})
    counter = itertools.count(1)
    return ImageAnnotations(SHAPE, cats, new_id=lambda: next(counter), allow_overlap=allow_overlap)


def box(y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    m = np.zeros(SHAPE, bool)
    m[y0:y1, x0:x1] = True
    return m


def snapshot(doc: ImageAnnotations) -> dict:
    return {
        a.id: (a.category_id, a.parent_id, a.z, a.mask.copy().tobytes())
        for a in doc.annotations.values()
    }


def ids(doc: ImageAnnotations) -> tuple[int, int, int, int]:
    c = doc.categories
    person, dog = c.find("person").id, c.find("dog").id
    return person, c.find("head", person).id, dog, c.find("head", dog).id


def test_adding_to_a_part_grows_its_object_and_removing_from_object_removes_from_parts():
    doc = make_doc()
    person, head, _, _ = ids(doc)
    obj = doc.new_object(person).ids[0]
    part = doc.new_part(obj, head).ids[0]
    doc.add(part, box(0, 5, 0, 5))
    assert doc.get(obj).mask[0:5, 0:5].all() and doc.get(obj).mask.sum() == 25
    doc.add(obj, box(0, 10, 0, 10))
    doc.remove(obj, box(0, 3, 0, 10))
    assert doc.get(part).mask.sum() == 10  # rows 3-4 of the 5x5 head remain
    assert not (doc.get(part).mask & ~doc.get(obj).mask).any()


def test_objects_never_share_pixels_unless_allowed():
    doc = make_doc()
    person, head, dog, _ = ids(doc)
    a = doc.new_object(person).ids[0]
    pa = doc.new_part(a, head).ids[0]
    doc.add(pa, box(0, 10, 0, 10))
    b = doc.new_object(dog).ids[0]
    doc.add(b, box(5, 15, 5, 15))
    assert not (doc.get(a).mask & doc.get(b).mask).any()
    assert doc.get(a).mask.sum() == 100 - 25 and doc.get(pa).mask.sum() == 75

    lax = make_doc(allow_overlap=True)
    a = lax.new_object(person).ids[0]
    lax.add(a, box(0, 10, 0, 10))
    b = lax.new_object(dog).ids[0]
    lax.add(b, box(5, 15, 5, 15))
    assert (lax.get(a).mask & lax.get(b).mask).sum() == 25


def test_sibling_parts_are_exclusive_and_part_classes_must_match_object():
    doc = make_doc()
    person, head, dog, dog_head = ids(doc)
    torso = doc.categories.find("torso", person).id
    obj = doc.new_object(person).ids[0]
    h = doc.new_part(obj, head).ids[0]
    t = doc.new_part(obj, torso).ids[0]
    doc.add(h, box(0, 6, 0, 6))
    doc.add(t, box(4, 12, 0, 6))
    assert not (doc.get(h).mask & doc.get(t).mask).any()
    with pytest.raises(DocumentError, match="not a part class of 'person'"):
        doc.new_part(obj, dog_head)
    with pytest.raises(DocumentError, match="part class"):
        doc.new_object(head)


def test_brush_erase_fill_holes():
    doc = make_doc()
    person = ids(doc)[0]
    obj = doc.new_object(person).ids[0]
    doc.paint(obj, [(5, 10), (20, 10)], radius=3)
    m = doc.get(obj).mask
    assert m[10, 5] and m[10, 20] and m[7, 12] and not m[2, 12]
    ring = box(2, 12, 2, 12) & ~box(5, 9, 5, 9)
    doc.add(obj, ring)
    doc.erase(obj, [(25, 10)], radius=1)
    assert not doc.get(obj).mask[10, 25]
    doc.fill_holes(obj)
    assert doc.get(obj).mask[5:9, 5:9].all()
    assert brush_mask(SHAPE, [(0, 0)], 0).sum() == 1
    # A stroke wholly outside the image changes nothing (it used to fail inside OpenCV).
    assert doc.paint(obj, [(-20, -20), (-15, -30)], radius=2) is None


def test_a_window_crop_edits_like_the_full_mask_and_bad_windows_are_refused():
    full, cropped = make_doc(), make_doc()
    person = ids(full)[0]
    mask = box(3, 9, 4, 12)
    window = (slice(2, 12), slice(1, 20))
    for doc, args in ((full, {}), (cropped, {"window": window})):
        obj = doc.new_object(person).ids[0]
        m = mask[window] if args else mask
        edit = doc.add(obj, m, **args)
        # The edit records only the mask's own box, whatever window it came in.
        assert [c.mask_after.shape for c in edit.changes] == [(6, 8)]
        doc.remove(obj, box(3, 5, 4, 12)[window] if args else box(3, 5, 4, 12), **args)
    assert snapshot(full) == snapshot(cropped)
    obj = cropped.objects()[0].id
    assert cropped.add(obj, np.zeros((10, 19), bool), window=window) is None
    with pytest.raises(DocumentError, match="does not fit"):
        cropped.add(obj, np.ones((3, 3), bool), window=window)
    with pytest.raises(DocumentError, match="does not fit"):
        cropped.add(obj, np.ones((3, 3), bool), window=(slice(18, 21), slice(0, 3)))


def distance_to_stroke(shape: tuple[int, int], points) -> np.ndarray:
    """Each pixel's distance to the polyline through ``points`` (x, y, rounded like the brush),
    computed independently of the brush: projection on each segment, with numpy."""
    yy, xx = np.mgrid[: shape[0], : shape[1]].astype(float)
    pts = [(round(x), round(y)) for x, y in points]
    dist = np.full(shape, np.inf)
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] or pts, strict=False):
        dx, dy = x1 - x0, y1 - y0
        length2 = dx * dx + dy * dy
        t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / length2, 0, 1) if length2 else 0.0
        dist = np.minimum(dist, np.hypot(xx - (x0 + t * dx), yy - (y0 + t * dy)))
    return dist


@pytest.mark.parametrize("radius", [0, 1, 3, 5])
@pytest.mark.parametrize(
    ("points", "exact"),
    [
        ([(0, 0)], True),  # a dab in the corner, clipped
        ([(5, 10), (20, 10)], True),  # a horizontal stroke
        ([(29.4, 19.2), (40, 25)], True),  # leaves the image at its corner
        ([(3, 2), (25, 17), (8, 15)], False),  # slanted segments with a turn
        ([(-20, -20), (-15, -30)], True),  # wholly outside the image
        ([], True),
    ],
)
def test_brush_paints_the_pixels_near_its_stroke_in_a_tight_window(points, exact, radius):
    crop, window = brush_crop(SHAPE, points, radius)
    painted = np.zeros(SHAPE, bool)
    painted[window] = crop
    dist = distance_to_stroke(SHAPE, points)
    # The round brush covers every pixel within its radius of the stroke...
    assert painted[dist <= radius].all()
    if exact:
        # ...and, for dabs and axis-aligned strokes, exactly those closer than radius + 1.
        np.testing.assert_array_equal(painted, dist < radius + 1)
    else:
        # OpenCV draws slanted thick lines as polygons: up to two pixels wider than exact.
        assert not painted[dist > radius + 2].any()
    # The window is the painted pixels' bounding rectangle (empty when nothing is painted).
    expected = mask_bbox(painted)
    assert window == expected if expected is not None else crop.size == 0
    np.testing.assert_array_equal(brush_mask(SHAPE, points, radius), painted)


def test_delete_relabel_reorder_move_part():
    doc = make_doc()
    person, head, dog, dog_head = ids(doc)
    a = doc.new_object(person).ids[0]
    b = doc.new_object(dog).ids[0]
    doc.add(b, box(10, 20, 10, 20))
    pa = doc.new_part(a, head).ids[0]
    doc.add(pa, box(0, 4, 0, 4))
    doc.reorder(b, 0)
    assert [o.id for o in doc.objects()] == [b, a]
    doc.move_part(pa, b)
    part = doc.get(pa)
    assert part.parent_id == b and part.category_id == dog_head
    assert doc.get(b).mask[0:4, 0:4].all() and not doc.get(a).mask.any()
    tail = doc.categories.find("tail", dog).id
    doc.new_part(b, tail)
    with pytest.raises(DocumentError, match="has no such part class"):
        doc.relabel(b, person)  # the dog's head maps to the person's head, its tail to nothing
    assert doc.get(b).category_id == dog
    doc.relabel(a, dog)
    assert doc.get(a).category_id == dog
    doc.delete(b)
    assert pa not in doc.annotations and b not in doc.annotations


def test_undo_redo_restores_exact_states():
    doc = make_doc()
    person, head, dog, _ = ids(doc)
    states = [snapshot(doc)]
    edits = [doc.new_object(person)]
    a = edits[0].ids[0]
    states.append(snapshot(doc))
    for op in (
        lambda: doc.add(a, box(0, 10, 0, 10)),
        lambda: doc.new_part(a, head),
        lambda: doc.add(max(doc.annotations), box(0, 3, 0, 3)),
        lambda: doc.new_object(dog),
        lambda: doc.add(max(doc.annotations), box(2, 12, 2, 12)),
        lambda: doc.reorder(a, 1),
        lambda: doc.remove(a, box(0, 1, 0, 10)),
        lambda: doc.delete(a),
    ):
        edit = op()
        assert edit is not None
        edits.append(edit)
        states.append(snapshot(doc))
    for edit, before in zip(reversed(edits), reversed(states[:-1]), strict=True):
        doc.revert(edit)
        assert snapshot(doc) == before
    for edit, after in zip(edits, states[1:], strict=True):
        doc.apply(edit)
        assert snapshot(doc) == after


def test_an_object_emptied_and_restored_by_undo_still_gives_up_its_pixels():
    doc = make_doc()
    person, _, dog, _ = ids(doc)
    a = doc.new_object(person).ids[0]
    doc.add(a, box(2, 6, 2, 6))
    emptied = doc.remove(a, box(0, 20, 0, 30))
    assert doc.get(a).is_empty()  # its bounds are now empty: edits skip it
    doc.revert(emptied)
    b = doc.new_object(dog).ids[0]
    edit = doc.add(b, box(0, 20, 0, 30))
    assert not doc.get(a).mask.any() and doc.get(b).mask.all()
    assert {c.id for c in edit.changes} == {a, b}


def test_no_change_gives_no_edit_and_bad_masks_are_refused():
    doc = make_doc()
    obj = doc.new_object(ids(doc)[0]).ids[0]
    assert doc.add(obj, np.zeros(SHAPE, bool)) is None
    doc.add(obj, box(0, 2, 0, 2))
    assert doc.add(obj, box(0, 2, 0, 2)) is None
    with pytest.raises(DocumentError, match="shape"):
        doc.add(obj, np.zeros((3, 3), bool))
    with pytest.raises(DocumentError, match="no annotation with id 99"):
        doc.delete(99)
    assert mask_bbox(box(3, 5, 7, 9)) == (slice(3, 5), slice(7, 9))


def check_rules(doc: ImageAnnotations) -> None:
    """The rules, read from the annotations' crops (each compared by its rectangle only), and
    the crops themselves: tight, of their rectangle's size, the whole mask's pixels."""
    objects = doc.objects()
    for o in objects:
        parts = doc.parts_of(o.id)
        for p in parts:
            assert not (p.pixels.crop & ~o.pixels.read(p.bounds())).any(), "part outside object"
        for p, q in itertools.combinations(parts, 2):
            assert not _shared(p, q), "sibling parts overlap"
    for o, q in itertools.combinations(objects, 2):
        assert not _shared(o, q), "objects overlap"
    for a in doc.annotations.values():
        crop, whole = a.pixels.crop, a.mask
        # Edits skip annotations by their rectangles: these must be tight and hold every pixel.
        assert a.bounds() == (mask_bbox(whole) or NOWHERE), "rectangle not tight"
        assert crop.shape == box_shape(a.bounds()) and crop.dtype == bool
        assert np.array_equal(whole[a.bounds()], crop)
        assert a.is_empty() == (not whole.any())


def _shared(a, b) -> bool:
    common = intersect_box(a.bounds(), b.bounds())
    return common is not None and bool((a.pixels.read(common) & b.pixels.read(common)).any())


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["object", "part", "add", "remove", "paint", "erase", "fill", "delete",
                         "reorder", "move", "seed", "undo", "redo"]),
        st.integers(0, 50),
        st.integers(0, 19),
        st.integers(0, 29),
        st.integers(1, 10),
    ),
    max_size=25,
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPERATIONS)
def test_random_edit_sequences_keep_the_rules_and_undo_to_empty(ops):
    doc = make_doc()
    person, head, _, _ = ids(doc)
    done, undone = [], []
    for name, pick, y, x, size in ops:
        anns = sorted(doc.annotations)
        target = anns[pick % len(anns)] if anns else None
        objects = [o.id for o in doc.objects()]
        edit = None
        region = box(y, y + size, x, x + size)
        if name == "object":
            edit = doc.new_object(person)
        elif name == "part" and objects:
            edit = doc.new_part(objects[pick % len(objects)], head)
        elif name == "add" and target:
            edit = doc.add(target, region)
        elif name == "remove" and target:
            edit = doc.remove(target, region)
        elif name == "paint" and target:
            edit = doc.paint(target, [(x, y), (x + size, y)], size / 3)
        elif name == "erase" and target:
            edit = doc.erase(target, [(x, y)], size / 2)
        elif name == "fill" and target:
            edit = doc.fill_holes(target)
        elif name == "delete" and target:
            edit = doc.delete(target)
        elif name == "reorder" and target:
            edit = doc.reorder(target, pick % 3)
        elif name == "move" and target and doc.get(target).is_part and len(objects) > 1:
            edit = doc.move_part(target, objects[pick % len(objects)])
        elif name == "seed" and target:
            window = box(max(0, y - size), y + size, max(0, x - size), x + size)
            where = mask_bbox(window)
            seeds = (*doc.get(target).seeds, Seed(y, x, pick % 2 == 0))
            gain, loss = region[where], box(max(0, y - 2), y + 1, max(0, x - size), x)[where]
            edit = doc.apply_seed_cut(target, seeds, gain, loss, window=where)
        elif name == "undo" and done:
            e = done.pop()
            doc.revert(e)
            undone.append(e)
        elif name == "redo" and undone:
            e = undone.pop()
            doc.apply(e)
            done.append(e)
        if edit is not None:
            done.append(edit)
            undone.clear()
        check_rules(doc)
    while done:
        doc.revert(done.pop())
    assert doc.annotations == {}


def test_clicking_hierarchy_regions_at_two_levels():
    # Four superpixels in quadrants; level 1 joins the top two, level 2 is one region.
    sp = np.zeros(SHAPE, np.int32)
    sp[:10, 15:], sp[10:, :15], sp[10:, 15:] = 1, 2, 3
    tables = np.array([[0, 1, 2, 3], [0, 0, 1, 2], [0, 0, 0, 0]], np.int32)
    tree = MergeHierarchy(sp, tables, np.zeros((3, 4)))
    doc = make_doc()
    person, head, _, _ = ids(doc)
    obj = doc.new_object(person).ids[0]
    part = doc.new_part(obj, head).ids[0]
    doc.add(part, tree.mask_of(1, tree.region_at(1, 0, 0)))  # the whole top half
    assert doc.get(part).mask[:10].all() and doc.get(part).mask.sum() == 300
    doc.add(obj, tree.mask_of(2, 0))
    doc.remove(obj, tree.mask_of(0, 3))  # right click on one superpixel, at the finest level
    assert doc.get(obj).mask.sum() == 600 - 150 and doc.get(part).mask.sum() == 300
    doc.remove(obj, tree.mask_of(0, 1))
    assert doc.get(part).mask.sum() == 150


def test_a_large_image_holds_only_its_annotations_rectangles():
    cats = schema_from_data({"person": ["head"]})
    counter = itertools.count(1)
    doc = ImageAnnotations((6000, 8000), cats, new_id=lambda: next(counter))
    person, head = cats.find("person").id, cats.find("head", cats.find("person").id).id
    for i in range(20):
        obj = doc.new_object(person).ids[0]
        part = doc.new_part(obj, head).ids[0]
        y, x = 250 * i, 390 * i
        doc.add(obj, np.ones((100, 60), bool), window=(slice(y, y + 100), slice(x, x + 60)))
        doc.paint(part, [(x + 10, y + 10), (x + 40, y + 10)], 5)
        doc.fill_holes(obj)
    held = sum(a.pixels.nbytes for a in doc.annotations.values())
    assert held == 20 * (100 * 60 + 11 * 41)
    big = doc.new_object(person).ids[0]
    edit = doc.add(big, np.ones((500, 500), bool), window=(slice(0, 500), slice(0, 500)))
    doc.revert(edit)  # undo gives the pixels back, and the rectangles shrink again
    assert sum(a.pixels.nbytes for a in doc.annotations.values()) == held
    assert doc.get(big).is_empty() and doc.get(1).bounds() == (slice(0, 100), slice(0, 60))
