"""The mask layer of the window as an RGBA image, updated only where an edit changed pixels.

Each pixel shows its topmost object in that object's colour, or, inside a part, the part class's
colour hatched with the object's colour, so parts read as parts of their object. The layer keeps
an owner map (which annotation colours each pixel) and recomputes owner and colour only in the
rectangle an edit touched: a click costs time in proportion to the region, not to the image.
"""

from __future__ import annotations

import numpy as np

from .categories import PALETTE, RGB
from .document import Edit, ImageAnnotations, Slice2D

FILL_ALPHA = 150
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


def edit_window(edit: Edit, shape: tuple[int, int]) -> Slice2D | None:
    """The rectangle of pixels an edit may have changed (None: only metadata)."""
    boxes = [
        (c.top_left[0], c.top_left[1], *c.mask_after.shape)
        for c in edit.changes
        if c.mask_after is not None and c.mask_after.size
    ]
    if not boxes:
        return None
    y0 = min(b[0] for b in boxes)
    x0 = min(b[1] for b in boxes)
    y1 = max(b[0] + b[2] for b in boxes)
    x1 = max(b[1] + b[3] for b in boxes)
    return slice(max(0, y0), min(shape[0], y1)), slice(max(0, x0), min(shape[1], x1))


class MaskOverlay:
    """RGBA (H, W, 4) rendering of an :class:`ImageAnnotations`, kept in step incrementally.

    Call :meth:`refresh` after any edit with the window :func:`edit_window` gives (or None for a
    full redraw, e.g. after a reorder or recolour); it returns the window that changed.
    """

    def __init__(self, doc: ImageAnnotations, *, hidden: set[int] | None = None) -> None:
        self.doc = doc
        self.hidden: set[int] = set(hidden or ())
        self.highlight: int | None = None
        self.rgba = np.zeros((*doc.shape, 4), np.uint8)
        yy = np.arange(doc.shape[0], dtype=np.int32)[:, None]
        xx = np.arange(doc.shape[1], dtype=np.int32)[None, :]
        self._stripes = (yy + xx) % HATCH_PERIOD < 2  # made once: redraws only slice it
        self.refresh(None)

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

    def refresh(
        self,
        window: Slice2D | None,
        *,
        only: set[int] | None = None,
        pixels: np.ndarray | None = None,
    ) -> Slice2D:
        """Redraw ``window`` (everything when None); returns the redrawn window.

        With ``pixels`` (a bool mask of the window) only those pixels are redrawn, and ``only``
        names the annotations that can own them (:meth:`refresh_edit` knows both).
        """
        if window is None:
            window = (slice(0, self.doc.shape[0]), slice(0, self.doc.shape[1]))
        ys, xs = window
        h, w = ys.stop - ys.start, xs.stop - xs.start
        if h <= 0 or w <= 0:
            return window
        colors = self.colors()
        # Owner per pixel: 0 none, else 1 + position in `drawn` (objects then their parts, so
        # later entries, i.e. higher objects and parts, win).
        drawn = []
        for obj in self.doc.objects():
            if obj.id in self.hidden:
                continue
            drawn.append(obj)
            drawn.extend(p for p in self.doc.parts_of(obj.id) if p.id not in self.hidden)
        # Column-major like the masks, so combining them streams through memory.
        owner = np.zeros((h, w), np.uint16 if len(drawn) < 65535 else np.int32, order="F")
        for n, ann in enumerate(drawn, start=1):
            if only is None or ann.id in only:
                # Multiplying is branch-free and much faster than boolean-mask assignment.
                np.maximum(owner, ann.mask[window] * owner.dtype.type(n), out=owner)
        lut = np.zeros((len(drawn) + 1, 4), np.uint8)
        hatch_lut = np.zeros_like(lut)
        for n, ann in enumerate(drawn, start=1):
            color, is_part = colors[ann.id]
            alpha = 215 if ann.id == self.highlight else FILL_ALPHA
            lut[n] = (*color, alpha)
            # Parts are hatched with their object's colour: the class and the owner both show.
            stripe = object_color(ann.parent_id) if is_part else color
            hatch_lut[n] = (*stripe, alpha)
        stripes = self._stripes[window]
        # One 32-bit lookup per pixel instead of four 8-bit ones.
        lut32, hatch32 = lut.view(np.uint32)[:, 0], hatch_lut.view(np.uint32)[:, 0]
        rgba32 = self.rgba.view(np.uint32)[..., 0]
        if pixels is None:
            rgba32[window] = np.where(stripes, hatch32[owner], lut32[owner])
            return window
        o = owner[pixels]
        sub = rgba32[window]
        sub[pixels] = np.where(stripes[pixels], hatch32[o], lut32[o])
        return window

    def refresh_edit(self, edit: Edit) -> Slice2D | None:
        """Redraw what ``edit`` changed: only its changed pixels and the annotations that can
        own them (its own and their objects; with overlap allowed, the whole rectangle)."""
        window = edit_window(edit, self.doc.shape)
        if window is None:
            return None
        if self.doc.allow_overlap or any(c.before != c.after for c in edit.changes):
            return self.refresh(window)
        ys, xs = window
        touched = np.zeros((ys.stop - ys.start, xs.stop - xs.start), bool)
        candidates = set()
        for c in edit.changes:
            if c.mask_after is None:
                continue
            y, x = c.top_left[0] - ys.start, c.top_left[1] - xs.start
            hh, ww = c.mask_after.shape
            touched[y : y + hh, x : x + ww] |= c.mask_before != c.mask_after
            candidates.add(c.id)
            if c.after is not None and c.after.parent_id is not None:
                candidates.add(c.after.parent_id)
        return self.refresh(window, only=candidates, pixels=touched)
