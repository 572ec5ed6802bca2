"""The mask layer of the window: an owner map and colour tables, updated only where edits land.

Each pixel shows its topmost object in that object's colour, or, inside a part, the part class's
colour hatched with the object's colour, so parts read as parts of their object. The layer keeps
an *owner map* (which annotation colours each pixel, as a slot number that stays fixed while the
annotation exists) and two small colour tables indexed by slot. An edit recomputes the owner only
at the pixels it changed; selecting, relabelling, hiding or showing (without overlap), and
creating or removing an empty annotation only rebuild the tables. The
window draws ``tables[owner]`` for the part in view, so nothing here is proportional to the image.
"""

from __future__ import annotations

import functools

import numpy as np

from supercuts_app.base.boxes import Slice2D, intersect_box, union_box

from .categories import PALETTE, RGB
from .document import Annotation, AnnotationChange, Edit, ImageAnnotations

FILL_ALPHA = 150
HIGHLIGHT_ALPHA = 215
HATCH_PERIOD = 8  # pixels between hatching stripes in parts


def object_color(object_id: int) -> RGB:
    """Colour of an object, fixed by its id so that other objects' edits never recolour it."""
    return PALETTE[object_id % len(PALETTE)]


def part_shade(color: RGB, part_index: int) -> RGB:
    """A lighter or darker shade of the object colour for its ``part_index``-th part."""
    c = np.asarray(color, float)
    step = 0.35 + 0.15 * (part_index // 2 % 3)
    target = 255.0 if part_index % 2 == 0 else 0.0
    return tuple(int(v) for v in np.round(c + (target - c) * step))  # type: ignore[return-value]


def hatch_stripes(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Where the hatching of parts is drawn, for grid ``rows`` x ``cols`` (broadcast)."""
    return (rows[:, None] + cols[None, :]) % HATCH_PERIOD < 2


def edit_window(edit: Edit, shape: tuple[int, int]) -> Slice2D | None:
    """The rectangle of pixels an edit may have changed (None: only metadata)."""
    boxes = [c.box for c in edit.changes if c.box is not None and c.mask_after.size]
    if not boxes:
        return None
    ys, xs = functools.reduce(union_box, boxes)
    return slice(max(0, ys.start), min(shape[0], ys.stop)), slice(
        max(0, xs.start), min(shape[1], xs.stop)
    )


class MaskOverlay:
    """Owner map and colour tables of an :class:`ImageAnnotations`, kept in step incrementally.

    Attributes
    ----------
    owner : ndarray
        (H, W) slot of the annotation drawn at each pixel (0: none).
    fill, hatch : ndarray
        (slots, 4) uint8 RGBA per slot: the fill colour, and the colour of the hatching
        stripes (:func:`hatch_stripes`; equal to ``fill`` for objects).

    Without overlap (the default), a pixel belongs to at most one object and one of its parts,
    so the owner map holds every annotation, hidden or not, and hiding one is a table entry
    (a hidden part's pixels show its object, a hidden object's pixels and its parts' nothing).
    With overlap allowed, what lies under a hidden annotation must show, so hidden ones are left
    out of the owner map and hiding redraws the pixels of that annotation only.

    Call :meth:`apply_edit` after an edit (or its undo or redo), :meth:`set_hidden` to hide or
    show, :meth:`set_highlight` or :meth:`recolor` after changes of highlight or colour only.
    Each returns the rectangle whose owners changed, None when only the tables did.
    """

    def __init__(self, doc: ImageAnnotations, *, hidden: set[int] | None = None) -> None:
        self.doc = doc
        self.hidden: set[int] = set(hidden or ())
        self.highlight: int | None = None
        # Column-major like the masks: painting a mask into it then runs along memory in both
        # (mixing layouts costs 4x); drawing reads only the part in view, so its order matters less.
        self.owner = np.zeros(doc.shape, np.uint16, order="F")
        self._slots: dict[int, int] = {}
        # The annotations as last drawn: an undo that removes one still knows where it was.
        self._drawn_before: dict[int, Annotation] = {}
        self.fill = np.zeros((1, 4), np.uint8)
        self.hatch = np.zeros((1, 4), np.uint8)
        self.refresh(None)

    @property
    def rgba(self) -> np.ndarray:
        """(H, W, 4) uint8 rendering of the whole image (for pictures and tests)."""
        h, w = self.doc.shape
        stripes = hatch_stripes(np.arange(h), np.arange(w))
        return np.where(stripes[..., None], self.hatch[self.owner], self.fill[self.owner])

    def colors(self) -> dict[int, tuple[RGB, bool]]:
        """Annotation id -> (colour, is_part) as listed in the panels: objects in their own
        colour, parts in their part class's colour."""
        out: dict[int, tuple[RGB, bool]] = {}
        cats = self.doc.categories
        for obj, parts in self._objects_with_parts():
            out[obj.id] = (object_color(obj.id), False)
            for part in parts:
                color = cats.get(part.category_id).color if part.category_id in cats else None
                out[part.id] = (color or part_shade(object_color(obj.id), part.id), True)
        return out

    def recolor(self) -> None:
        """Rebuild the colour tables (visibility, highlight, class colours); no pixel changes."""
        colors = self.colors()
        for ann_id in colors:
            self._slot(ann_id)
        fill = np.zeros((len(self._slots) + 1, 4), np.uint8)
        hatch = np.zeros_like(fill)
        annotations = self.doc.annotations
        for ann_id in colors:
            shown = self._shown_as(annotations[ann_id])
            if shown is None:
                continue
            color, is_part = colors[shown.id]
            slot = self._slots[ann_id]
            alpha = HIGHLIGHT_ALPHA if shown.id == self.highlight else FILL_ALPHA
            fill[slot] = (*color, alpha)
            # Parts are hatched with their object's colour: the class and the owner both show.
            hatch[slot] = (*(object_color(shown.parent_id) if is_part else color), alpha)
        self.fill, self.hatch = fill, hatch
        self._drawn_before = dict(annotations)

    def set_highlight(self, ann_id: int | None) -> None:
        """Draw ``ann_id`` (None: nothing) highlighted; a table change only."""
        self.highlight = ann_id
        self.recolor()

    def set_hidden(self, ann_id: int, hidden: bool) -> Slice2D | None:
        """Hide or show an annotation (an object with its parts); returns the rectangle whose
        owners changed (None without overlap: only the tables change)."""
        (self.hidden.add if hidden else self.hidden.discard)(ann_id)
        box = self._extent(ann_id) if self.doc.allow_overlap else None
        if box is None:
            self.recolor()
            return None
        # A part lies inside its object, so the object's rectangle holds its parts too.
        return self.refresh(box)

    def refresh(self, window: Slice2D | None) -> Slice2D:
        """Recompute the owner in ``window`` (everything when None) from every drawn
        annotation, and the colour tables; returns the window."""
        self.recolor()
        if window is None:
            window = (slice(0, self.doc.shape[0]), slice(0, self.doc.shape[1]))
        ys, xs = window
        if ys.stop <= ys.start or xs.stop <= xs.start:
            return window
        self.owner[window] = 0
        # Later annotations in drawing order (higher objects, then parts over their object)
        # overwrite earlier ones; a conditional copy needs no temporary per annotation.
        for ann in self._drawn():
            self._paint(ann, window)
        return window

    def apply_edit(self, edit: Edit) -> Slice2D | None:
        """Bring the layer up to date after ``edit`` was applied, undone or redone.

        Returns the rectangle whose owners changed: where masks changed, and where an
        annotation that was created, deleted, moved to another object or restacked has pixels.
        None when only the tables changed (a relabel, an empty annotation created or removed).
        """
        window = edit_window(edit, self.doc.shape)
        restacked = [c.id for c in edit.changes if _order_changed(c)]
        for ann_id in restacked:
            box = self._extent(ann_id)
            if box is not None:
                window = box if window is None else union_box(window, box)
        if window is None:
            self.recolor()
            return None
        if self.doc.allow_overlap or restacked:
            return self.refresh(window)
        if any(c.before != c.after or c.id not in self._slots for c in edit.changes):
            self.recolor()  # pixels alone change no colour: the tables stay as they are
        # Without overlap, a pixel an edit changed is owned afterwards by an annotation that
        # changed there or by its object, or by nobody. So within each changed annotation's
        # rectangle: it, its object and the object's parts give up their pixels there, then
        # paint the pixels they now have, in drawing order.
        parts = self._parts_by_object()
        boxes: dict[int, Slice2D] = {}
        for c in edit.changes:
            box = c.box
            if box is None or not c.mask_after.size:
                continue
            obj = c.id if c.after is None or c.after.parent_id is None else c.after.parent_id
            for ann_id in {c.id, obj, *(p.id for p in parts.get(obj, ()))}:
                boxes[ann_id] = union_box(boxes[ann_id], box) if ann_id in boxes else box
        for ann_id, box in boxes.items():
            slot = self._slots.get(ann_id)
            if slot is not None:
                owner = self.owner[box]
                np.copyto(owner, 0, where=owner == slot)
        # Only the annotations named, in drawing order: the cost follows the edit, not the
        # number of annotations.
        annotations = self.doc.annotations
        for ann in sorted((annotations[i] for i in boxes), key=self._drawing_key):
            self._paint(ann, boxes[ann.id])
        return window

    def _shown_as(self, ann: Annotation) -> Annotation | None:
        """Whose colour the pixels owned by ``ann`` show (None: nothing)."""
        if ann.is_part:
            obj = self.doc.annotations.get(ann.parent_id)
            if obj is None or obj.id in self.hidden:
                return None
            return obj if ann.id in self.hidden else ann
        return None if ann.id in self.hidden else ann

    def _extent(self, ann_id: int) -> Slice2D | None:
        """A rectangle holding the pixels of an annotation now or as last drawn (None: none)."""
        ann = self.doc.annotations.get(ann_id) or self._drawn_before.get(ann_id)
        if ann is None:
            return None
        ys, xs = ann.bounds()
        return (ys, xs) if ys.stop > ys.start and xs.stop > xs.start else None

    def _paint(self, ann: Annotation, box: Slice2D) -> None:
        """Give ``ann``'s pixels inside ``box`` to ``ann``: only where its crop meets ``box``."""
        where = intersect_box(box, ann.bounds())
        if where is not None:
            slot = self.owner.dtype.type(self._slots[ann.id])
            np.copyto(self.owner[where], slot, where=ann.pixels.read(where))

    def _parts_by_object(self) -> dict[int, list[Annotation]]:
        """Object id -> its parts (one pass over the annotations, not one per object)."""
        parts: dict[int, list[Annotation]] = {}
        for ann in self.doc.annotations.values():
            if ann.parent_id is not None:
                parts.setdefault(ann.parent_id, []).append(ann)
        return parts

    def _objects_with_parts(self) -> list[tuple[Annotation, list[Annotation]]]:
        """Objects in drawing order, each with its parts in drawing order."""
        parts = self._parts_by_object()
        objects = sorted((a for a in self.doc.annotations.values() if not a.is_part), key=_order)
        return [(obj, sorted(parts.get(obj.id, ()), key=_order)) for obj in objects]

    def _drawing_key(self, ann: Annotation) -> tuple[int, int, int, int, int]:
        """Sorts annotations as :meth:`_drawn` lists them: objects bottom to top, each followed
        by its parts bottom to top."""
        if ann.parent_id is None:
            return (ann.z, ann.id, 0, 0, 0)
        obj = self.doc.annotations[ann.parent_id]
        return (obj.z, obj.id, 1, ann.z, ann.id)

    def _drawn(self) -> list[Annotation]:
        """Annotations in the owner map, in drawing order (hidden ones only with overlap left
        out; without overlap their table entries hide them)."""
        skip = self.hidden if self.doc.allow_overlap else set()
        drawn = []
        for obj, parts in self._objects_with_parts():
            if obj.id in skip:
                continue
            drawn.append(obj)
            drawn.extend(p for p in parts if p.id not in skip)
        return drawn

    def _slot(self, ann_id: int) -> int:
        slot = self._slots.get(ann_id)
        if slot is None:
            slot = self._slots[ann_id] = len(self._slots) + 1
            if slot > np.iinfo(self.owner.dtype).max:
                self.owner = self.owner.astype(np.int32)
        return slot


def _order_changed(change: AnnotationChange) -> bool:
    """Whether a change alters which annotation is drawn on top (creation, deletion, another
    object, another place in the stack); a new class changes colours only."""
    before, after = change.before, change.after
    if before is None or after is None:
        return before is not after
    return before.parent_id != after.parent_id or before.z != after.z


def _order(a: Annotation) -> tuple[int, int]:
    return (a.z, a.id)
