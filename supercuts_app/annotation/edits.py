"""Edits as commands: what one operation changed in each annotation, and the undo history.

An :class:`Edit` holds, per touched annotation, its metadata before and after and the changed
rectangle of its mask before and after, so applying or reverting it is exact and cheap and the
store persists exactly the touched annotations (see :mod:`supercuts_app.annotation.document`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from supercuts_app.base.boxes import Slice2D


@dataclass(frozen=True)
class AnnotationMeta:
    """Everything about an annotation except its mask."""

    category_id: int
    parent_id: int | None
    z: int


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
