"""The mask layer of the window: an owner map and colour tables, updated only where edits land.

Each pixel shows its topmost object in that object's colour, or, inside a part, the part class's
colour hatched with the object's colour, so parts read as parts of their object. The layer keeps
an *owner map* (which annotation colours each pixel, as a slot number that stays fixed while the
annotation exists) and two small colour tables indexed by slot. An edit recomputes the owner only
at the pixels it changed; selecting, highlighting or recolouring only rebuilds the tables. The
window draws ``tables[owner]`` for the part in view, so nothing here is proportional to the image.
"""

from __future__ import annotations

import functools

import numpy as np

from supercuts_app.base.boxes import Slice2D, union_box

from .categories import PALETTE, RGB
from .document import Annotation, Edit, ImageAnnotations

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

    Call :meth:`refresh_edit` after an edit, :meth:`refresh` with a window (or None for all)
    after changes of order or visibility, and :meth:`recolor` after changes of colour or
    highlight only.
    """

    def __init__(self, doc: ImageAnnotations, *, hidden: set[int] | None = None) -> None:
        self.doc = doc
        self.hidden: set[int] = set(hidden or ())
        self.highlight: int | None = None
        # Column-major like the masks: painting a mask into it then runs along memory in both
        # (mixing layouts costs 4x); drawing reads only the part in view, so its order matters less.
        self.owner = np.zeros(doc.shape, np.uint16, order="F")
        self._slots: dict[int, int] = {}
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
        for obj in self.doc.objects():
            out[obj.id] = (object_color(obj.id), False)
            for part in self.doc.parts_of(obj.id):
                color = cats.get(part.category_id).color if part.category_id in cats else None
                out[part.id] = (color or part_shade(object_color(obj.id), part.id), True)
        return out

    def recolor(self) -> None:
        """Rebuild the colour tables (highlight, class colours); no pixel changes."""
        colors = self.colors()
        for ann_id in colors:
            self._slot(ann_id)
        fill = np.zeros((len(self._slots) + 1, 4), np.uint8)
        hatch = np.zeros_like(fill)
        for ann_id, (color, is_part) in colors.items():
            if ann_id in self.hidden:
                continue
            slot = self._slots[ann_id]
            alpha = HIGHLIGHT_ALPHA if ann_id == self.highlight else FILL_ALPHA
            fill[slot] = (*color, alpha)
            # Parts are hatched with their object's colour: the class and the owner both show.
            parent = self.doc.annotations[ann_id].parent_id
            hatch[slot] = (*(object_color(parent) if is_part else color), alpha)
        self.fill, self.hatch = fill, hatch

    def refresh(self, window: Slice2D | None) -> Slice2D:
        """Recompute the owner in ``window`` (everything when None) from every visible
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

    def refresh_edit(self, edit: Edit) -> Slice2D | None:
        """Update what ``edit`` changed, touching only the rectangles where annotations changed
        (with overlap allowed, or when the order changed: the whole rectangle, from every
        annotation)."""
        window = edit_window(edit, self.doc.shape)
        if window is None:
            self.recolor()
            return None
        if self.doc.allow_overlap or any(c.before != c.after for c in edit.changes):
            return self.refresh(window)
        self.recolor()
        # Without overlap, a pixel an edit changed is owned afterwards by an annotation that
        # changed there or by its object, or by nobody. So within each changed annotation's
        # rectangle: it, its object and the object's parts give up their pixels there, then
        # paint the pixels they now have, in drawing order.
        boxes: dict[int, Slice2D] = {}
        for c in edit.changes:
            box = c.box
            if box is None or not c.mask_after.size:
                continue
            obj = c.id if c.after is None or c.after.parent_id is None else c.after.parent_id
            for ann_id in {c.id, obj, *(p.id for p in self.doc.parts_of(obj))}:
                boxes[ann_id] = union_box(boxes[ann_id], box) if ann_id in boxes else box
        for ann_id, box in boxes.items():
            slot = self._slots.get(ann_id)
            if slot is not None:
                owner = self.owner[box]
                np.copyto(owner, 0, where=owner == slot)
        for ann in self._drawn():
            if ann.id in boxes:
                self._paint(ann, boxes[ann.id])
        return window

    def _paint(self, ann: Annotation, box: Slice2D) -> None:
        np.copyto(self.owner[box], self.owner.dtype.type(self._slots[ann.id]), where=ann.mask[box])

    def _drawn(self) -> list[Annotation]:
        """Visible annotations in drawing order."""
        drawn = []
        for obj in self.doc.objects():
            if obj.id in self.hidden:
                continue
            drawn.append(obj)
            drawn.extend(p for p in self.doc.parts_of(obj.id) if p.id not in self.hidden)
        return drawn

    def _slot(self, ann_id: int) -> int:
        slot = self._slots.get(ann_id)
        if slot is None:
            slot = self._slots[ann_id] = len(self._slots) + 1
            if slot > np.iinfo(self.owner.dtype).max:
                self.owner = self.owner.astype(np.int32)
        return slot
