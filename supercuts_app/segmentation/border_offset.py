"""Where a project's labels draw a border relative to the image's edge: a few pixels out or in.

Annotators differ in where they put a border: some trace just outside an item, some on its
edge. A seed cut puts the border on the strongest boundary; a project whose labels sit a pixel
beyond it (CCP's clothing parts do) loses a little IoU along every border, which is what keeps
small parts under 0.90. A :class:`BorderOffsets` says how many pixels to grow (or, negative,
shrink) a cut's mask, one number for objects and one for parts; adapting the levels to a project
learns it from its finished masks (:mod:`supercuts_app.adapt.border_calibration`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MAX_BORDER_OFFSET = 2
"""Largest offset (pixels) either way: more is no longer a drawing habit."""
BORDER_OFFSETS_KEY = "border_offsets"
"""The key of a project's offsets in its edge model's ``info``."""


@dataclass(frozen=True)
class BorderOffsets:
    """Pixels a cut's mask grows (negative: shrinks) by, for objects and for parts.

    Attributes
    ----------
    object : int
        For masks cut without a limit (objects).
    part : int
        For masks cut inside their object (parts); they never grow beyond it.
    """

    object: int = 0
    part: int = 0

    def __post_init__(self) -> None:
        for name in ("object", "part"):
            value = getattr(self, name)
            if not isinstance(value, int) or abs(value) > MAX_BORDER_OFFSET:
                raise ValueError(
                    f"border offset for {name}s must be a whole number of pixels within "
                    f"+-{MAX_BORDER_OFFSET}, not {value!r}"
                )

    def for_kind(self, *, part: bool) -> int:
        """The offset of a part's (``part`` True) or an object's mask."""
        return self.part if part else self.object

    def is_zero(self) -> bool:
        return self.object == 0 and self.part == 0

    def to_info(self) -> dict[str, int]:
        """As stored in an edge model's ``info`` under :data:`BORDER_OFFSETS_KEY`."""
        return {"object": self.object, "part": self.part}

    @classmethod
    def from_info(cls, info: dict | None) -> BorderOffsets:
        """The offsets an edge model's ``info`` holds (none: zero; unreadable values: zero, as
        a model adapted before offsets existed)."""
        stored = (info or {}).get(BORDER_OFFSETS_KEY)
        if not isinstance(stored, dict):
            return cls()
        try:
            return cls(int(stored.get("object", 0)), int(stored.get("part", 0)))
        except (TypeError, ValueError):
            return cls()

    def describe(self) -> str:
        """A few words for a status line, e.g. ``"parts' borders +1 px"`` ("" when zero)."""
        said = [
            f"{name}' borders {value:+d} px"
            for name, value in (("objects", self.object), ("parts", self.part))
            if value
        ]
        return ", ".join(said)


def shift_border(mask: np.ndarray, pixels: int, *, within: np.ndarray | None = None) -> np.ndarray:
    """``mask`` grown (``pixels`` > 0) or shrunk (< 0) by a disk of that radius.

    Parameters
    ----------
    mask : numpy.ndarray
        (H, W) bool.
    pixels : int
        Radius of the disk.
    within : numpy.ndarray, optional
        (H, W) bool the result stays inside.

    Returns
    -------
    numpy.ndarray
        A new (H, W) bool array (``mask`` itself when ``pixels`` is 0 and there is no limit).
    """
    if pixels == 0:
        return mask if within is None else mask & within
    size = 2 * abs(pixels) + 1
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    source = np.ascontiguousarray(mask, dtype=bool).view(np.uint8)
    if pixels > 0:
        out = cv2.dilate(source, disk)
    else:  # beyond the array counts as inside: a mask touching the image's edge keeps it
        out = cv2.erode(source, disk, borderType=cv2.BORDER_CONSTANT, borderValue=1)
    out = out.view(bool)
    return out if within is None else out & within
