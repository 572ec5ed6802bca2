"""The annotation session: the class-choice rule of N, P and accepted proposals, and what each
operation says to redraw (a rectangle of pixels, or the colour tables only)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.annotation.document import DocumentError
from supercuts_app.segmentation.hierarchy import MergeHierarchy
from supercuts_app.segmentation.suggestions import Suggestion
from supercuts_app.session.redraw import Redraw
from supercuts_app.session.session import AnnotationSession
from supercuts_app.storage.project import Project

SCHEMA = {"cat": ["head", "tail"], "dog": ["head", "leg"], "tree": []}


def make_session(tmp_path, schema=SCHEMA, **create) -> tuple[AnnotationSession, Project]:
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(tmp_path / "a.png")
    project = Project.create(tmp_path / "p.supercuts", schema_from_data(schema), **create)
    [record] = project.add_images([tmp_path / "a.png"])
    session = AnnotationSession(project.editor(record.id))
    # Superpixels: four quadrants; level 1 joins the top two; level 2 is everything.
    sp = np.zeros((20, 30), np.int32)
    sp[:10, 15:], sp[10:, :15], sp[10:, 15:] = 1, 2, 3
    tables = np.array([[0, 1, 2, 3], [0, 0, 1, 2], [0, 0, 0, 0]], np.int32)
    session.set_tree(MergeHierarchy(sp, tables, np.zeros((3, 4))))
    return session, project


@pytest.fixture
def session(tmp_path):
    s, project = make_session(tmp_path)
    yield s
    project.close()


def ids(session: AnnotationSession, name: str, parent: str | None = None) -> int:
    cats = session.doc.categories
    owner = None if parent is None else cats.find(parent).id
    return cats.find(name, owner).id


def test_n_takes_the_chosen_class_its_object_class_or_the_first_and_cycles_while_empty(session):
    cat, dog, tree = ids(session, "cat"), ids(session, "dog"), ids(session, "tree")
    assert session.start_object(None).tables_only
    first = session.active
    assert session.doc.get(first).category_id == cat  # nothing chosen: the first object class
    assert "Object: cat" in session.announcement()
    # N again on the still-empty object: the next class in turn, no new object.
    session.start_object(None)
    assert session.active == first and session.doc.get(first).category_id == dog
    session.start_object(None)
    session.start_object(None)
    assert session.doc.get(first).category_id == cat  # round the end
    assert len(session.doc.annotations) == 1
    session.click(5, 5)  # no longer empty: N makes a new object
    session.start_object(ids(session, "leg", "dog"))  # a part class stands for its object class
    second = session.active
    assert second != first and session.doc.get(second).category_id == dog
    session.click(15, 5)
    session.start_object(tree)
    assert session.doc.get(session.active).category_id == tree


def test_p_takes_the_chosen_part_class_else_the_first_unused_and_cycles_while_empty(session):
    with pytest.raises(DocumentError, match="Select or start an object"):
        session.start_part(None)
    session.start_object(ids(session, "dog"))
    obj = session.active
    session.click(5, 5)
    head, leg = ids(session, "head", "dog"), ids(session, "leg", "dog")
    session.start_part(ids(session, "head", "cat"))  # not a part class of dog: the first unused
    part = session.active
    assert session.doc.get(part).parent_id == obj and session.doc.get(part).category_id == head
    session.start_part(None)  # P again on the empty part: the next part class
    assert session.active == part and session.doc.get(part).category_id == leg
    session.stroke([(2, 2)], 1)
    session.start_part(None)  # the part has pixels: a new part of its object, first unused
    assert session.active != part and session.doc.get(session.active).category_id == head
    assert "Part: head" in session.announcement()
    session.start_part(leg)
    assert session.doc.get(session.active).category_id == leg


def test_refusals_change_nothing(tmp_path):
    session, project = make_session(tmp_path, {"tree": []})
    session.start_object(None)
    with pytest.raises(DocumentError, match="no part classes"):
        session.start_part(None)
    project.close()
    (tmp_path / "other").mkdir()
    empty, project = make_session(tmp_path / "other", {})
    with pytest.raises(DocumentError, match="Add an object class first"):
        empty.start_object(None)
    assert not empty.doc.annotations
    project.close()


def suggestion(kind: str, mask: np.ndarray, parent: int | None = None) -> Suggestion:
    box = (slice(0, mask.shape[0]), slice(0, mask.shape[1]))
    return Suggestion(kind, mask, box, 0.5, np.zeros(0), np.zeros(0), parent)


def test_accepting_suggestions_uses_the_same_rule_and_rejecting_drops_them(session):
    left = np.zeros((20, 30), bool)
    left[:, :15] = True
    top_left = np.zeros((20, 30), bool)
    top_left[:10, :15] = True
    session.show_suggestions([suggestion("object", left), suggestion("object", ~left)])
    redraw = session.accept_suggestion(ids(session, "head", "dog"))
    obj = session.active
    assert redraw == Redraw.pixels((slice(0, 20), slice(0, 15)))
    assert session.doc.get(obj).category_id == ids(session, "dog")
    np.testing.assert_array_equal(session.doc.get(obj).mask, left)
    assert session.reject_suggestion() and not session.suggestions
    assert not session.reject_suggestion()
    session.show_suggestions([suggestion("part", top_left, obj)])
    session.accept_suggestion(None)
    part = session.doc.get(session.active)
    assert part.parent_id == obj and part.category_id == ids(session, "head", "dog")
    np.testing.assert_array_equal(part.mask, top_left)
    # A part proposal whose object is gone is dropped.
    session.show_suggestions([suggestion("part", top_left, 999)])
    assert session.accept_suggestion(None) is None and not session.suggestions
    # Delete rejects a pending proposal before it deletes anything.
    session.show_suggestions([suggestion("object", ~left)])
    assert session.delete_selected() == Redraw.tables()
    assert not session.suggestions and part.id in session.doc.annotations


def test_accepting_without_classes_keeps_the_suggestion(tmp_path):
    session, project = make_session(tmp_path, {})
    session.show_suggestions([suggestion("object", np.ones((20, 30), bool))])
    with pytest.raises(DocumentError, match="Add an object class first"):
        session.accept_suggestion(None)
    assert len(session.suggestions) == 1 and not session.doc.annotations
    project.close()


def test_relabel_hide_select_and_undo_of_a_new_object_change_only_the_tables(session):
    session.start_object(None)
    obj = session.active
    session.level = 1
    assert session.click(5, 5) == Redraw.pixels((slice(0, 10), slice(0, 30)))
    session.start_part(None)
    part = session.active
    session.stroke([(3, 3)], 1)
    owner = session.overlay.owner.copy()
    assert session.relabel(obj, ids(session, "dog")) == Redraw.tables()
    assert session.doc.get(part).category_id == ids(session, "head", "dog")
    assert session.set_hidden(part, True) == Redraw.tables()
    assert session.set_hidden(obj, True) == Redraw.tables()
    assert not session.overlay.rgba[..., 3].any()
    assert session.set_hidden(obj, False) == Redraw.tables()
    assert session.select(obj) == Redraw.tables() and session.select(None) == Redraw.tables()
    session.start_object(None)
    new = session.active
    assert session.undo() == Redraw.tables()  # the new object had no pixels
    assert new not in session.doc.annotations and session.active is None
    assert session.redo() == Redraw.tables() and new in session.doc.annotations
    np.testing.assert_array_equal(session.overlay.owner, owner)  # the owner map never changed
    # Undoing a pixel edit or a deletion redraws only its rectangle.
    session.undo()  # the redo of the new object
    assert session.undo() == Redraw.tables()  # the relabel
    assert session.undo() == Redraw.pixels((slice(2, 5), slice(2, 5)))  # the stroke
    assert session.delete(obj) == Redraw.pixels((slice(0, 10), slice(0, 30)))
    assert session.undo() == Redraw.pixels((slice(0, 10), slice(0, 30)))


def test_with_overlap_hiding_redraws_the_hidden_objects_rectangle(tmp_path):
    session, project = make_session(tmp_path, allow_overlap=True)
    session.start_object(None)
    session.level = 2
    session.click(5, 5)
    below = session.active
    session.start_object(None)
    session.start_object(None)  # cycled: still one new object
    session.level = 0
    session.click(15, 20)
    assert session.set_hidden(session.active, True) == Redraw.pixels((slice(10, 20), slice(15, 30)))
    assert session.overlay.owner[15, 20] == session.overlay.owner[0, 0] != 0  # the one below
    assert session.set_hidden(below, True).window == (slice(0, 20), slice(0, 30))
    project.close()


def test_redraws_combine_into_the_rectangle_holding_both():
    a = Redraw.pixels((slice(0, 2), slice(5, 6)))
    b = Redraw.pixels((slice(4, 5), slice(1, 2)))
    assert (a | b).window == (slice(0, 5), slice(1, 6))
    assert (Redraw.tables() | a) == a and (a | Redraw.tables()) == a and (a | None) == a
    assert (Redraw.tables() | Redraw.tables()).tables_only
