"""Rectangles of an image as pairs of slices (rows, columns), and the arithmetic on them."""

from __future__ import annotations

import numpy as np

Slice2D = tuple[slice, slice]

NOWHERE: Slice2D = (slice(0, 0), slice(0, 0))
"""The empty rectangle."""


def mask_bbox(mask: np.ndarray) -> Slice2D | None:
    """The smallest rectangle holding every True pixel of ``mask`` (None when empty)."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask[rows[0] : rows[-1] + 1].any(axis=0))
    return slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)


def union_box(a: Slice2D, b: Slice2D) -> Slice2D:
    """The smallest rectangle holding both."""
    return (
        slice(min(a[0].start, b[0].start), max(a[0].stop, b[0].stop)),
        slice(min(a[1].start, b[1].start), max(a[1].stop, b[1].stop)),
    )


def intersect_box(a: Slice2D, b: Slice2D) -> Slice2D | None:
    """The rectangle both hold (None when they do not meet)."""
    ys = slice(max(a[0].start, b[0].start), min(a[0].stop, b[0].stop))
    xs = slice(max(a[1].start, b[1].start), min(a[1].stop, b[1].stop))
    return (ys, xs) if ys.start < ys.stop and xs.start < xs.stop else None


def shift_box(box: Slice2D, dy: int, dx: int) -> Slice2D:
    """``box`` moved by ``dy`` rows and ``dx`` columns (a crop's box placed in its image)."""
    return slice(box[0].start + dy, box[0].stop + dy), slice(box[1].start + dx, box[1].stop + dx)
