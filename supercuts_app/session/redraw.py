"""What of the mask layer an operation changed, so the window redraws just that."""

from __future__ import annotations

from dataclasses import dataclass

from supercuts_app.base.boxes import Slice2D, union_box


@dataclass(frozen=True)
class Redraw:
    """The result of an operation for the mask layer: new pixels in a rectangle, or new colour
    and visibility tables only.

    The layer draws each pixel's owner through small tables, so a table change (a new class,
    hiding, selecting, a new empty object) costs one screen-sized render however large the
    image; only :meth:`pixels` results say that owners changed, and where.

    Attributes
    ----------
    window : tuple of slice or None
        (rows, columns) rectangle whose owners changed; None when only the tables did.
    """

    window: Slice2D | None = None

    @classmethod
    def pixels(cls, window: Slice2D) -> Redraw:
        """Owners changed inside ``window`` (and maybe the tables too)."""
        return cls(window)

    @classmethod
    def tables(cls) -> Redraw:
        """Only colours, visibility or highlight changed: no pixel's owner did."""
        return cls(None)

    @property
    def tables_only(self) -> bool:
        return self.window is None

    def __or__(self, other: Redraw | None) -> Redraw:
        """Both redraws at once (the rectangle holding both windows)."""
        if other is None or other.window is None:
            return self
        if self.window is None:
            return other
        return Redraw(union_box(self.window, other.window))


def redraw_of(window: Slice2D | None) -> Redraw:
    """The redraw for a layer update that returned ``window`` (None: tables only)."""
    return Redraw.tables() if window is None else Redraw.pixels(window)
