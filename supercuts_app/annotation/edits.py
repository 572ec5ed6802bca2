"""Edits as commands: what one operation changed in each annotation, how an operation records
them, and the undo history.

An :class:`Edit` holds, per touched annotation, its metadata before and after and the changed
rectangle of its mask before and after, so applying or reverting it is exact and cheap and the
store persists exactly the touched annotations (see :mod:`supercuts_app.annotation.document`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from supercuts_app.base.boxes import NOWHERE, Slice2D, mask_bbox

from .seeds import Seed


@dataclass(frozen=True)
class AnnotationMeta:
    """Everything about an annotation except its mask (``seeds``: its seed clicks, in order)."""

    category_id: int
    parent_id: int | None
    z: int
    seeds: tuple[Seed, ...] = ()


@dataclass(frozen=True)
class AnnotationChange:
    """One annotation's state before and after an edit (None: it did not exist)."""

    id: int
    before: AnnotationMeta | None
    after: AnnotationMeta | None
    top_left: tuple[int, int] = (0, 0)
    mask_before: np.ndarray | None = None
    mask_after: np.ndarray | None = None

    @property
    def box(self) -> Slice2D | None:
        """The rectangle whose pixels the change holds (None: metadata only)."""
        if self.mask_after is None:
            return None
        (y, x), (h, w) = self.top_left, self.mask_after.shape
        return slice(y, y + h), slice(x, x + w)

    def inverse(self) -> AnnotationChange:
        return AnnotationChange(
            self.id, self.after, self.before, self.top_left, self.mask_after, self.mask_before
        )


@dataclass(frozen=True)
class Edit:
    """A command: a named set of annotation changes that can be applied and reverted."""

    name: str
    changes: tuple[AnnotationChange, ...]

    @property
    def ids(self) -> list[int]:
        return [c.id for c in self.changes]

    def inverse(self) -> Edit:
        return Edit(self.name, tuple(c.inverse() for c in reversed(self.changes)))


@dataclass
class History:
    """Unlimited undo and redo stacks of edits."""

    done: list[Edit] = field(default_factory=list)
    undone: list[Edit] = field(default_factory=list)

    def push(self, edit: Edit) -> None:
        self.done.append(edit)
        self.undone.clear()

    def can_undo(self) -> bool:
        return bool(self.done)

    def can_redo(self) -> bool:
        return bool(self.undone)

    def pop_undo(self) -> Edit:
        """The edit to revert (moved to the redo stack)."""
        edit = self.done.pop()
        self.undone.append(edit)
        return edit

    def pop_redo(self) -> Edit:
        edit = self.undone.pop()
        self.done.append(edit)
        return edit


class EditedPixels(Protocol):
    """What :class:`EditRecorder` needs of an annotation's pixels (a ``CroppedMask``)."""

    def read(self, window: Slice2D) -> np.ndarray: ...

    def write(self, window: Slice2D, values: np.ndarray) -> None: ...


class EditedAnnotation(Protocol):
    """What :class:`EditRecorder` needs of an annotation (the document's ``Annotation``)."""

    id: int
    pixels: EditedPixels

    @property
    def meta(self) -> AnnotationMeta: ...


class EditRecorder:
    """Collects the state of annotations before an operation and builds its :class:`Edit`.

    Parameters
    ----------
    annotations : mapping
        The document's annotations by id (read again when the edit is built, so annotations
        created or deleted meanwhile are seen as such).
    """

    def __init__(self, annotations: Mapping[int, EditedAnnotation]) -> None:
        self.annotations = annotations
        self.saved: dict[int, tuple[AnnotationMeta | None, Slice2D | None, np.ndarray | None]] = {}
        self.replaced: dict[int, AnnotationChange] = {}

    def touch(self, ann_id: int, window: Slice2D | None) -> None:
        """Remember the annotation's state inside ``window`` before it is changed there."""
        assert ann_id not in self.replaced, "an annotation is recorded one way in one edit"
        if ann_id in self.saved:
            return
        ann = self.annotations.get(ann_id)
        if ann is None:
            self.saved[ann_id] = (None, window, None)
        else:
            crop = ann.pixels.read(window).copy(order="F") if window is not None else None
            self.saved[ann_id] = (ann.meta, window, crop)

    def replace(self, ann: EditedAnnotation, where: Slice2D, new: np.ndarray) -> None:
        """Set ``ann``'s mask to ``new`` at ``where``, the rectangle where it really changes.

        The change needs no comparison of before and after, unlike :meth:`touch`."""
        assert ann.id not in self.saved and ann.id not in self.replaced
        before = ann.pixels.read(where).copy(order="F")
        ann.pixels.write(where, new)
        top_left = (where[0].start, where[1].start)
        self.replaced[ann.id] = AnnotationChange(ann.id, ann.meta, ann.meta, top_left, before, new)

    def edit(self, name: str) -> Edit | None:
        """The edit named ``name`` holding every recorded change (None: nothing changed)."""
        changes = list(self.replaced.values())
        for ann_id, (before, window, crop) in self.saved.items():
            ann = self.annotations.get(ann_id)
            after = ann.meta if ann is not None else None
            if window is None:
                if before != after:
                    changes.append(AnnotationChange(ann_id, before, after))
                continue
            shape = (window[0].stop - window[0].start, window[1].stop - window[1].start)
            old = crop if crop is not None else np.zeros(shape, bool)
            new = ann.pixels.read(window) if ann is not None else np.zeros(shape, bool)
            box = mask_bbox(old != new)
            if box is None:
                if before == after:
                    continue
                box = NOWHERE
            # Only the rectangle that really changed is kept: an object that lost a corner to a
            # large region costs that corner, in undo memory and in redraws.
            top_left = (window[0].start + box[0].start, window[1].start + box[1].start)
            changes.append(
                AnnotationChange(ann_id, before, after, top_left, _own(old, box), _own(new, box))
            )
        return Edit(name, tuple(changes)) if changes else None


def _own(array: np.ndarray, box: Slice2D) -> np.ndarray:
    """``array[box]`` as an array of its own (a view would keep all of ``array`` alive)."""
    crop = array[box]
    return array if crop.shape == array.shape and array.base is None else crop.copy(order="F")
