"""The annotation session: what a person does to one image, without any Qt.

Everything the window, the tests and the soak script do to an image goes through one
:class:`AnnotationSession`: selecting an object or part, N and P with the class choice and its
cycling, clicks (add, remove, Shift+click split), seed clicks, brush and eraser, proposals
accepted or rejected, relabel, hide and show, delete, undo and redo. Each operation returns a
:class:`~supercuts_app.session.redraw.Redraw` (or None when nothing changed); an operation the
rules forbid raises :class:`~supercuts_app.annotation.document.DocumentError` with a message for
the status bar, and changes nothing.

The class-choice rule, written once here for N, P and accepted proposals:

- an object gets the class chosen in the class list (a part class there stands for its object
  class), else the first object class;
- a part gets the chosen class if it is a part class of its object's class, else the first part
  class its object has no part of yet, else the first part class;
- N (P) again while the new object (part) is still empty gives it the next class in turn.
"""

from __future__ import annotations

import numpy as np

from supercuts_app.annotation.categories import Category
from supercuts_app.annotation.document import Annotation, DocumentError
from supercuts_app.base.boxes import Slice2D
from supercuts_app.segmentation.suggestions import Suggestion
from supercuts_app.storage.project import ImageEditor

from .annotator import Annotator
from .redraw import Redraw

NO_OBJECT_CLASS = "Add an object class first (Classes panel)"
NOTHING_SELECTED = "Select or start an object first (N)"


class AnnotationSession(Annotator):
    """One image being annotated: the :class:`Annotator`'s clicks, strokes and edits, plus the
    class choices of N and P and the pending proposals.

    Parameters
    ----------
    editor : ImageEditor
        The image's editor (every change is saved and undoable).
    """

    def __init__(self, editor: ImageEditor) -> None:
        super().__init__(editor)
        self.suggestions: list[Suggestion] = []

    # -- the class-choice rule ------------------------------------------------------------------
    def object_class_for(self, chosen: int | None) -> int:
        """The class a new object gets when ``chosen`` is selected in the class list."""
        cats = self.doc.categories
        classes = cats.objects()
        if not classes:
            raise DocumentError(NO_OBJECT_CLASS)
        if chosen is not None and chosen in cats and cats.get(chosen).is_part:
            chosen = cats.get(chosen).parent_id
        return chosen if chosen is not None and chosen in cats else classes[0].id

    def part_class_for(self, obj: Annotation, chosen: int | None) -> int:
        """The class a new part of ``obj`` gets when ``chosen`` is selected in the class list."""
        ids = [c.id for c in self._part_classes(obj)]
        if chosen in ids:
            return chosen
        used = {p.category_id for p in self.doc.parts_of(obj.id)}
        return next((i for i in ids if i not in used), ids[0])

    def relabel_options(self, ann_id: int) -> list[Category]:
        """The classes an annotation may be given: object classes, or the part classes of its
        object's class."""
        ann = self.doc.get(ann_id)
        cats = self.doc.categories
        if ann.is_part:
            return cats.parts_of(self.doc.get(ann.parent_id).category_id)
        return cats.objects()

    # -- N and P ----------------------------------------------------------------------------------
    def start_object(self, chosen: int | None) -> Redraw:
        """N: a new object of the chosen class (see the module's rule); on a still-empty object
        without parts, the next object class instead."""
        current = self.doc.annotations.get(self.active) if self.active is not None else None
        if current is not None and not current.is_part and self._still_new(current):
            ids = [c.id for c in self.doc.categories.objects()]
            return self.relabel(current.id, _next(ids, current.category_id)) or Redraw.tables()
        self.new_object(self.object_class_for(chosen))
        return self.select(self.active)

    def start_part(self, chosen: int | None) -> Redraw:
        """P: a new part of the selected object (see the module's rule); on a still-empty part,
        the next part class instead."""
        if self.active is None:
            raise DocumentError(NOTHING_SELECTED)
        ann = self.doc.get(self.active)
        obj = self.doc.get(ann.parent_id) if ann.is_part else ann
        ids = [c.id for c in self._part_classes(obj)]
        if ann.is_part and ann.id in self.empty:
            return self.relabel(ann.id, _next(ids, ann.category_id)) or Redraw.tables()
        category = self.part_class_for(obj, chosen)
        self.select(obj.id)
        self.new_part(category)
        return self.select(self.active)

    def announcement(self) -> str:
        """What N or P just made, for the status bar."""
        if self.active is None:
            return ""
        ann = self.doc.get(self.active)
        kind = "Part" if ann.is_part else "Object"
        name = self.doc.categories.get(ann.category_id).name
        return (
            f"{kind}: {name}. Click regions or place seeds to fill it "
            "(press again to change the class)"
        )

    # -- proposals --------------------------------------------------------------------------------
    def object_for_parts(self) -> Annotation:
        """The object whose parts Tools > Propose parts looks for: the selected one (or the
        selected part's object), which must have pixels."""
        if self.active is None:
            raise DocumentError("Select an object first, then propose its parts")
        ann = self.doc.get(self.active)
        obj = self.doc.get(ann.parent_id) if ann.is_part else ann
        if obj.is_empty():
            raise DocumentError("The selected object is still empty")
        return obj

    def object_crop(self, ann_id: int) -> tuple[np.ndarray, Slice2D]:
        """A copy of an annotation's pixels in its tight rectangle, and that rectangle: what a
        worker may read while the document changes."""
        pixels = self.doc.get(ann_id).pixels
        return pixels.crop.copy(), pixels.box

    def show_suggestions(self, found: list[Suggestion]) -> None:
        """Proposals that arrived from the worker; the first is the current one."""
        self.suggestions = list(found)

    def accept_suggestion(self, chosen: int | None) -> Redraw | None:
        """Enter: the current proposal becomes a new object (or a part of its object) with the
        class the rule picks, saved and undoable like any other."""
        if not self.suggestions:
            return None
        s = self.suggestions[0]
        if s.kind == "object":
            category = self.object_class_for(chosen)
            self.suggestions.pop(0)
            self.new_object(category)
        else:
            obj = self.doc.annotations.get(s.parent)
            if obj is None:  # its object was deleted meanwhile
                self.suggestions.pop(0)
                return None
            category = self.part_class_for(obj, chosen)
            self.suggestions.pop(0)
            self.select(obj.id)
            self.new_part(category)
        return self.select(self.active) | self.add_crop(s.crop, s.box)

    def reject_suggestion(self) -> bool:
        """Delete: drop the current proposal; False when there was none."""
        if not self.suggestions:
            return False
        self.suggestions.pop(0)
        return True

    def clear_suggestions(self) -> None:
        self.suggestions = []

    # -- whole annotations ------------------------------------------------------------------------
    def delete_selected(self) -> Redraw | None:
        """Delete: reject the current proposal if there is one, else delete the selection."""
        if self.reject_suggestion():
            return Redraw.tables()
        return None if self.active is None else self.delete(self.active)

    def set_level(self, level: int) -> None:
        """Clicks act on ``level`` from now on (a split view is left)."""
        self.level, self.split = level, None

    # -- helpers ----------------------------------------------------------------------------------
    def _part_classes(self, obj: Annotation) -> list[Category]:
        classes = self.doc.categories.parts_of(obj.category_id)
        if not classes:
            name = self.doc.categories.get(obj.category_id).name
            raise DocumentError(f"Class {name!r} has no part classes (Classes panel)")
        return classes

    def _still_new(self, obj: Annotation) -> bool:
        return obj.id in self.empty and not self.doc.parts_of(obj.id)


def _next(ids: list[int], current: int) -> int:
    """The class after ``current`` in ``ids``, round the end."""
    return ids[(ids.index(current) + 1) % len(ids)] if current in ids else ids[0]
