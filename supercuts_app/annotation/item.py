"""One annotation of an image: an object or a part, its class, drawing order, seed clicks and
pixels, held as a crop of their tight rectangle (:class:`CroppedMask`) so that its memory follows
its size, not the image's, and edits elsewhere skip it by comparing rectangles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supercuts_app.base.boxes import NOWHERE, Slice2D

from .cropped_mask import CroppedMask
from .edits import AnnotationMeta
from .seeds import Seed


@dataclass(eq=False)
class Annotation:
    """One object (``parent_id`` None) or part (``parent_id`` = its object's id).

    ``pixels`` may be given as a whole (H, W) bool mask; it is kept cropped."""

    id: int
    category_id: int
    pixels: CroppedMask
    parent_id: int | None = None
    z: int = 0
    seeds: tuple[Seed, ...] = ()  # the seed clicks its mask was cut from (see apply_seed_cut)

    def __post_init__(self) -> None:
        if isinstance(self.pixels, np.ndarray):
            self.pixels = CroppedMask.from_full(self.pixels)

    @property
    def is_part(self) -> bool:
        return self.parent_id is not None

    @property
    def mask(self) -> np.ndarray:
        """The whole (H, W) bool mask, made on each call (costs the image's size: for callers
        that need a whole mask; edits read :attr:`pixels`)."""
        return self.pixels.full()

    def bounds(self) -> Slice2D:
        """The tight rectangle of the pixels (empty slices when there are none)."""
        return self.pixels.box if not self.pixels.is_empty() else NOWHERE

    def is_empty(self) -> bool:
        """Whether there is no pixel (known without reading any)."""
        return self.pixels.is_empty()

    @property
    def meta(self) -> AnnotationMeta:
        return AnnotationMeta(self.category_id, self.parent_id, self.z, self.seeds)
