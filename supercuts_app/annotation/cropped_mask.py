"""A boolean mask of an image held as its pixels inside their bounding rectangle.

An annotation of a large photo covers a small part of it: keeping only the rectangle that holds
its pixels makes the memory of a document the sum of its annotations' rectangles, not the number
of annotations times the image. :class:`CroppedMask` keeps that rectangle *tight* (every border
row and column holds a pixel; an empty mask has the empty rectangle), so its rectangle is also
its COCO ``bbox`` and an edit elsewhere in the image skips it by comparing rectangles.

Crops are column-major (Fortran order), as COCO run-length encoding and the region index go.
"""

from __future__ import annotations

import numpy as np

from supercuts_app.base.boxes import (
    NOWHERE,
    Slice2D,
    intersect_box,
    mask_bbox,
    shift_box,
    union_box,
)


def box_shape(box: Slice2D) -> tuple[int, int]:
    """(rows, columns) of a rectangle."""
    return box[0].stop - box[0].start, box[1].stop - box[1].start


class CroppedMask:
    """An (H, W) bool mask stored as the crop of its tight bounding rectangle.

    Parameters
    ----------
    shape : tuple of int
        (H, W) of the image.
    crop : numpy.ndarray, optional
        (h, w) bool pixels at ``box`` (tightened on arrival; none: an empty mask).
    box : tuple of slice, optional
        Where ``crop`` lies in the image.

    Notes
    -----
    :meth:`read` may return a view into the stored crop: copy what is kept, never write to it.
    Every change goes through :meth:`write`, :meth:`add` or :meth:`subtract`, which keep the
    rectangle tight.
    """

    __slots__ = ("box", "crop", "shape")

    def __init__(
        self, shape: tuple[int, int], crop: np.ndarray | None = None, box: Slice2D | None = None
    ) -> None:
        self.shape = (int(shape[0]), int(shape[1]))
        self.box: Slice2D = NOWHERE
        self.crop: np.ndarray = np.zeros((0, 0), bool, order="F")
        if crop is not None and box is not None:
            self.write(box, crop)

    @classmethod
    def from_full(cls, mask: np.ndarray) -> CroppedMask:
        """The cropped form of a whole (H, W) bool mask."""
        out = cls(mask.shape)
        tight = mask_bbox(mask)
        if tight is not None:
            out.box, out.crop = tight, np.asfortranarray(mask[tight], dtype=bool)
            if out.crop.base is not None:  # a view would keep the whole mask alive
                out.crop = out.crop.copy(order="F")
        return out

    @classmethod
    def from_tight(cls, shape: tuple[int, int], crop: np.ndarray, box: Slice2D) -> CroppedMask:
        """Adopt ``crop`` (column-major bool, not used elsewhere) whose rectangle ``box`` is
        known to be tight (a decoded RLE's); nothing is copied or scanned."""
        out = cls(shape)
        if crop.size:
            out.box, out.crop = box, crop
        return out

    # -- queries -------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return self.crop.size == 0

    @property
    def nbytes(self) -> int:
        return self.crop.nbytes

    def area(self) -> int:
        """Number of pixels."""
        return int(np.count_nonzero(self.crop))

    def full(self) -> np.ndarray:
        """The whole (H, W) mask (column-major); costs the image's size, for callers that
        really need it."""
        out = np.zeros(self.shape, bool, order="F")
        if self.crop.size:
            out[self.box] = self.crop
        return out

    def read(self, window: Slice2D) -> np.ndarray:
        """The pixels in ``window`` (inside the image) as an (h, w) bool array.

        A view of the stored crop when ``window`` lies inside the rectangle: do not write to
        it, and copy it to keep it past the next change."""
        inner = self._local(window)
        if inner is not None:
            return self.crop[inner]
        out = np.zeros(box_shape(window), bool, order="F")
        common = intersect_box(window, self.box)
        if common is not None:
            out[_moved(common, window)] = self.crop[_moved(common, self.box)]
        return out

    def any_in(self, window: Slice2D) -> bool:
        """Whether any pixel lies in ``window``."""
        common = intersect_box(window, self.box)
        return common is not None and bool(self.crop[_moved(common, self.box)].any())

    # -- changes -------------------------------------------------------------------------------
    def write(self, window: Slice2D, values: np.ndarray) -> None:
        """Set the pixels in ``window`` to ``values`` ((h, w) bool)."""
        if values.shape != box_shape(window):
            raise ValueError(f"values of shape {values.shape} do not fit the window {window}")
        gained = mask_bbox(values)
        if gained is not None:
            self._grow(shift_box(gained, window[0].start, window[1].start))
        common = intersect_box(window, self.box)
        if common is None:
            return
        # Outside the (grown) rectangle ``values`` holds no pixel and the mask had none.
        self.crop[_moved(common, self.box)] = values[_moved(common, window)]
        self._tighten(common)

    def add(self, window: Slice2D, pixels: np.ndarray) -> None:
        """Add the pixels of ``pixels`` ((h, w) bool at ``window``)."""
        gained = mask_bbox(pixels)
        if gained is None:
            return
        where = shift_box(gained, window[0].start, window[1].start)
        self._grow(where)
        self.crop[_moved(where, self.box)] |= pixels[gained]

    def subtract(self, window: Slice2D, pixels: np.ndarray) -> None:
        """Remove the pixels of ``pixels`` ((h, w) bool at ``window``)."""
        common = intersect_box(window, self.box)
        if common is None:
            return
        self.crop[_moved(common, self.box)] &= ~pixels[_moved(common, window)]
        self._tighten(common)

    def clear(self) -> None:
        self.box, self.crop = NOWHERE, np.zeros((0, 0), bool, order="F")

    # -- helpers -------------------------------------------------------------------------------
    def _local(self, window: Slice2D) -> Slice2D | None:
        """``window`` in crop coordinates when it lies inside the rectangle."""
        (ys, xs), (by, bx) = window, self.box
        if (
            by.start <= ys.start
            and ys.stop <= by.stop
            and bx.start <= xs.start
            and xs.stop <= bx.stop
        ):
            return _moved(window, self.box)
        return None

    def _grow(self, where: Slice2D) -> None:
        """Make the rectangle hold ``where`` (whose border rows and columns will get pixels)."""
        if self.crop.size == 0:
            self.box, self.crop = where, np.zeros(box_shape(where), bool, order="F")
            return
        if self._local(where) is not None:
            return
        grown = union_box(self.box, where)
        crop = np.zeros(box_shape(grown), bool, order="F")
        crop[_moved(self.box, grown)] = self.crop
        self.box, self.crop = grown, crop

    def _tighten(self, changed: Slice2D) -> None:
        """Shrink the rectangle to the pixels after pixels in ``changed`` may have gone."""
        h, w = self.crop.shape
        local = _moved(changed, self.box)
        # Only a border row or column that ``changed`` reaches can have lost its last pixel.
        edges = (
            (local[0].start == 0 and not self.crop[0].any())
            or (local[0].stop == h and not self.crop[h - 1].any())
            or (local[1].start == 0 and not self.crop[:, 0].any())
            or (local[1].stop == w and not self.crop[:, w - 1].any())
        )
        if not edges:
            return
        tight = mask_bbox(self.crop)
        if tight is None:
            self.clear()
            return
        self.crop = self.crop[tight].copy(order="F")  # a view would keep the old crop alive
        self.box = shift_box(tight, self.box[0].start, self.box[1].start)


def _moved(box: Slice2D, origin: Slice2D) -> Slice2D:
    """``box`` in the coordinates of a crop lying at ``origin``."""
    return shift_box(box, -origin[0].start, -origin[1].start)
