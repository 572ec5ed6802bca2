"""One annotation of an image: an object or a part, its class, drawing order, seed clicks and
mask, with a rectangle known to hold the mask's pixels so that edits elsewhere skip it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from supercuts_app.base.boxes import NOWHERE, Slice2D, mask_bbox, union_box

from .edits import AnnotationMeta
from .seeds import Seed


@dataclass(eq=False)
class Annotation:
    """One object (``parent_id`` None) or part (``parent_id`` = its object's id)."""

    id: int
    category_id: int
    mask: np.ndarray
    parent_id: int | None = None
    z: int = 0
    seeds: tuple[Seed, ...] = ()  # the seed clicks its mask was cut from (see apply_seed_cut)
    # A rectangle holding every pixel of ``mask`` (maybe more), so that an edit elsewhere skips
    # this annotation without reading its mask. The document grows it wherever it adds pixels.
    _bounds: Slice2D | None = field(default=None, init=False, repr=False)

    @property
    def is_part(self) -> bool:
        return self.parent_id is not None

    def bounds(self) -> Slice2D:
        """A rectangle that holds the mask's pixels (empty slices when it has none known)."""
        if self._bounds is None:
            self._bounds = mask_bbox(self.mask) or NOWHERE
        return self._bounds

    def is_empty(self) -> bool:
        """Whether the mask has no pixels (read inside :meth:`bounds` only, which then become
        empty too, so that later edits skip this annotation)."""
        box = self.bounds()
        if box != NOWHERE and self.mask[box].any():
            return False
        self._bounds = NOWHERE
        return True

    def grow_bounds(self, window: Slice2D) -> None:
        """Note that pixels inside ``window`` may have been added."""
        if self._bounds is not None:
            self._bounds = window if self._bounds == NOWHERE else union_box(self._bounds, window)

    @property
    def meta(self) -> AnnotationMeta:
        return AnnotationMeta(self.category_id, self.parent_id, self.z, self.seeds)
