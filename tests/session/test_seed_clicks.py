"""Seed clicks in the headless session, with the real seed cutter on a tiny synthetic image."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from scipy.cluster.hierarchy import linkage

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.annotation.document import DocumentError
from supercuts_app.annotation.seeds import Seed
from supercuts_app.segmentation.hierarchy import MergeHierarchy, geometric_counts, level_tables
from supercuts_app.segmentation.seeded_cut import SeedCutter
from supercuts_app.session.annotator import Annotator, compute_seed_cut, cut_change
from supercuts_app.storage.project import Project

SHAPE = (40, 60)
BLOCK = 10
OBJECT = (slice(10, 30), slice(20, 50))  # an orange rectangle of 2 x 3 blocks on blue


def synthetic_image() -> np.ndarray:
    image = np.zeros((*SHAPE, 3), np.uint8)
    image[:] = (40, 60, 90)
    image[OBJECT] = (230, 180, 60)
    return image


def block_tree(image: np.ndarray) -> tuple[MergeHierarchy, int]:
    """Superpixels are 10 x 10 blocks merged by colour, then position; and the level at which
    the object is one region."""
    rows, cols = SHAPE[0] // BLOCK, SHAPE[1] // BLOCK
    ids = np.arange(rows * cols).reshape(rows, cols)
    superpixels = np.kron(ids, np.ones((BLOCK, BLOCK), int)).astype(np.int32)
    ys, xs = np.divmod(np.arange(rows * cols), cols)
    colours = image[ys * BLOCK, xs * BLOCK].astype(float)
    features = np.column_stack([colours, 0.01 * ys, 0.01 * xs])
    merges = linkage(features, "single")
    counts = geometric_counts(rows * cols)
    tree = MergeHierarchy(superpixels, level_tables(merges, rows * cols, counts), merges)
    return tree, counts.index(2)


@pytest.fixture
def seeding(tmp_path):
    image = synthetic_image()
    Image.fromarray(image).save(tmp_path / "a.png")
    project = Project.create(tmp_path / "p.supercuts", schema_from_data({"box": ["lid"]}))
    [record] = project.add_images([tmp_path / "a.png"])
    tree, object_level = block_tree(image)
    cutter = SeedCutter(tree, image)
    a = Annotator(project.editor(record.id))
    a.set_tree(tree)
    a.set_cutter(cutter)
    a.level = object_level
    yield a, project, cutter
    project.close()


def object_class(project: Project) -> int:
    return project.categories.find("box").id


def test_a_seed_click_adds_its_cut_as_one_edit_that_undo_takes_back(seeding):
    a, project, cutter = seeding
    assert a.seed_click(20, 35, positive=True) is None  # nothing active yet
    obj = a.new_object(object_class(project))
    redraw = a.seed_click(20, 35, positive=True)
    expected = cutter.cut([Seed(20, 35, True, a.level)]).full(SHAPE)
    mask = a.doc.get(obj).mask
    assert expected[OBJECT].all() and np.array_equal(mask, expected)
    assert redraw is not None and redraw.window is not None
    assert a.editor.history.done[-1].name == "seed" and len(a.editor.history.done) == 2
    assert a.seeds_of_active() == (Seed(20, 35, True, a.level),) and obj not in a.empty
    a.seed_click(25, 45, positive=False)
    assert a.seeds_of_active() == (Seed(20, 35, True, a.level), Seed(25, 45, False, a.level))
    assert not a.doc.get(obj).mask[25, 45]
    a.undo()
    assert a.seeds_of_active() == (Seed(20, 35, True, a.level),)
    assert np.array_equal(a.doc.get(obj).mask, expected)
    a.undo()
    assert a.seeds_of_active() == () and obj in a.empty
    a.redo()
    assert np.array_equal(a.doc.get(obj).mask, expected)


def test_a_seed_changes_only_what_the_seeds_cut_changed(seeding):
    """Delta semantics: pixels painted on the result stay when a later seed changes the cut."""
    a, project, cutter = seeding
    obj = a.new_object(object_class(project))
    a.seed_click(20, 35, positive=True)
    first = a.doc.get(obj).mask.copy()
    a.stroke([(5, 5), (10, 5)], 2)  # (x, y): on the background, outside the cut
    painted = a.doc.get(obj).mask & ~first
    assert painted.any()
    a.seed_click(15, 45, positive=False)
    second = cutter.cut([Seed(20, 35, True, a.level), Seed(15, 45, False, a.level)]).full(SHAPE)
    assert not np.array_equal(first, second)
    expected = ((first | painted) | (second & ~first)) & ~(first & ~second)
    assert np.array_equal(a.doc.get(obj).mask, expected)
    assert a.doc.get(obj).mask[painted].all()


def test_the_change_is_found_again_after_reopening(seeding, tmp_path):
    """Without the cut of the last click (a new session), it is computed from the seeds."""
    a, project, cutter = seeding
    obj = a.new_object(object_class(project))
    a.seed_click(20, 35, positive=True)
    level = a.level
    project.close()
    with Project.open(tmp_path / "p.supercuts") as again:
        b = Annotator(again.editor(again.images()[0].id))
        b.set_tree(cutter.tree)
        b.set_cutter(cutter)
        b.level = level
        b.select(obj)
        assert b.seeds_of_active() == (Seed(20, 35, True, level),)
        b.seed_click(15, 45, positive=False)
        expected = cutter.cut([Seed(20, 35, True, level), Seed(15, 45, False, level)]).full(SHAPE)
        assert np.array_equal(b.doc.get(obj).mask, expected)


def test_a_seed_keeps_the_level_it_was_placed_at(seeding):
    """Moving the slider changes what the next seed asks for, never an earlier seed's region."""
    a, project, cutter = seeding
    obj = a.new_object(object_class(project))
    a.seed_click(20, 35, positive=True)
    placed_at = a.level
    a.level = 0
    a.seed_click(35, 5, positive=False)  # on the background, away from the object
    assert a.seeds_of_active() == (Seed(20, 35, True, placed_at), Seed(35, 5, False, 0))
    expected = cutter.cut([Seed(20, 35, True, placed_at), Seed(35, 5, False, 0)]).full(SHAPE)
    assert expected[OBJECT].all()
    assert np.array_equal(a.doc.get(obj).mask, expected)
    at_the_new_level = cutter.cut([Seed(20, 35, True, 0), Seed(35, 5, False, 0)]).full(SHAPE)
    assert not np.array_equal(expected, at_the_new_level)


def test_a_parts_seeds_stay_inside_its_object(seeding):
    a, project, _ = seeding
    obj = a.new_object(object_class(project))
    left = np.zeros(SHAPE, bool)
    left[10:30, 20:40] = True
    a.add_crop(left, (slice(0, SHAPE[0]), slice(0, SHAPE[1])))
    part = a.new_part(project.categories.find("lid", object_class(project)).id)
    before = len(a.editor.history.done)
    with pytest.raises(DocumentError, match="inside its object"):
        a.seed_click(20, 45, positive=True)  # in the orange block the object does not have
    assert len(a.editor.history.done) == before and a.seeds_of_active() == ()
    a.seed_click(20, 25, positive=True)
    mask = a.doc.get(part).mask
    assert mask.any() and not (mask & ~left).any()
    assert np.array_equal(a.doc.get(obj).mask, left)


def test_a_parts_cut_is_limited_by_a_copy_of_its_objects_crop(seeding):
    """The limit is the object's crop (no whole-image mask per click), copied: the cut may run
    while the object changes; the part's mask is the cut inside the object's whole mask."""
    a, project, cutter = seeding
    obj = a.new_object(object_class(project))
    left = np.zeros(SHAPE, bool)
    left[10:30, 20:40] = True
    a.add_crop(left, (slice(0, SHAPE[0]), slice(0, SHAPE[1])))
    a.new_part(project.categories.find("lid", object_class(project)).id)
    request = a.seed_request(20, 25, positive=True)
    limit = request.within
    assert limit.box == (slice(10, 30), slice(20, 40)) and limit.crop.all()
    assert limit.crop is not a.doc.get(obj).pixels.crop
    a.apply_seed_cut(compute_seed_cut(request))
    expected = cutter.cut(request.seeds, within=left).full(SHAPE)
    assert expected.any() and np.array_equal(a.doc.get(request.annotation).mask, expected)


def test_hover_preview_and_no_cutter(seeding):
    a, project, cutter = seeding
    preview = a.seed_preview(20, 35)
    assert preview.dtype == bool and preview.shape == (cutter.tree.tables.shape[1],)
    assert np.array_equal(preview, cutter.preview(20, 35, level=a.level))
    assert a.seed_preview(-1, 5) is None
    a.new_object(object_class(project))
    a.set_cutter(None)
    assert a.seed_click(20, 35, positive=True) is None and a.seed_preview(20, 35) is None


def test_cut_change_of_two_cuts_in_different_places():
    from supercuts_app.base.boxes import NOWHERE
    from supercuts_app.segmentation.seeded_cut import SeedCut

    empty = SeedCut(np.zeros((0, 0), bool), NOWHERE)
    window, gain, loss = cut_change(empty, empty)
    assert gain.shape == loss.shape == (0, 0)
    a = SeedCut(np.ones((2, 2), bool), (slice(0, 2), slice(0, 2)))
    b = SeedCut(np.ones((1, 3), bool), (slice(1, 2), slice(1, 4)))
    window, gain, loss = cut_change(a, b)
    assert window == (slice(0, 2), slice(0, 4))
    assert gain.astype(int).tolist() == [[0, 0, 0, 0], [0, 0, 1, 1]]
    assert loss.astype(int).tolist() == [[1, 1, 0, 0], [1, 0, 0, 0]]
    window, gain, loss = cut_change(empty, b)
    assert window == b.window and gain.all() and not loss.any()
    c = SeedCut(np.ones((3, 3), bool), (slice(0, 3), slice(0, 3)))
    window, gain, loss = cut_change(a, c)  # only the pixels c adds to a
    assert window == (slice(0, 3), slice(0, 3))
    assert gain.astype(int).tolist() == [[0, 0, 1], [0, 0, 1], [1, 1, 1]] and not loss.any()
    window, gain, loss = cut_change(a, a)
    assert window == (slice(0, 0), slice(0, 0)) and gain.size == loss.size == 0


def test_pixel_borders_can_be_switched_off(seeding):
    a, project, cutter = seeding
    obj = a.new_object(object_class(project))
    a.set_pixel_borders(False)
    a.seed_click(20, 35, positive=True)
    unrefined = cutter.cut([Seed(20, 35, True, a.level)], refine=False).full(SHAPE)
    assert np.array_equal(a.doc.get(obj).mask, unrefined)


def test_a_seed_click_in_three_steps_and_a_request_made_stale_by_undo(seeding):
    """The window cuts off its GUI thread: request, cut (reading only the request), apply."""
    a, project, cutter = seeding
    obj = a.new_object(object_class(project))
    level = a.level
    request = a.seed_request(20, 35, positive=True)
    assert request.seeds == (Seed(20, 35, True, level),) and request.annotation == obj
    result = compute_seed_cut(request)
    assert a.doc.get(obj).is_empty()  # computing changes nothing
    a.level = 0  # the level was read when the click was made
    a.apply_seed_cut(result)
    assert a.seeds_of_active() == (Seed(20, 35, True, level),)
    assert np.array_equal(a.doc.get(obj).mask, cutter.cut(request.seeds).full(SHAPE))
    # A second click queued while the first was cut: made for its own annotation and level.
    other = a.new_object(object_class(project))
    queued = a.seed_request(25, 45, positive=False, level=level, annotation=obj)
    assert a.active == other and queued.seeds[-1] == Seed(25, 45, False, level)
    stale = compute_seed_cut(queued)
    a.select(obj)
    a.undo()  # the new object goes
    a.undo()  # and the first seed: the queued cut no longer fits
    assert not a.seed_request_is_current(queued)
    with pytest.raises(DocumentError, match="changed"):
        a.apply_seed_cut(stale)
    assert a.doc.get(obj).is_empty()
