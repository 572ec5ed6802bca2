"""Small helpers on boolean masks: bounding boxes and brush strokes, whole or cropped."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

Slice2D = tuple[slice, slice]


def mask_bbox(mask: np.ndarray) -> Slice2D | None:
    """The smallest rectangle holding every True pixel of ``mask`` (None when empty)."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask[rows[0] : rows[-1] + 1].any(axis=0))
    return slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)


def brush_mask(
    shape: tuple[int, int], points: Sequence[tuple[float, float]], radius: float
) -> np.ndarray:
    """Pixels covered by a round brush of ``radius`` dragged through ``points`` (x, y)."""
    crop, window = brush_crop(shape, points, radius)
    out = np.zeros(shape, bool)
    out[window] = crop
    return out


def brush_crop(
    shape: tuple[int, int], points: Sequence[tuple[float, float]], radius: float
) -> tuple[np.ndarray, Slice2D]:
    """:func:`brush_mask` drawn only in the stroke's bounding rectangle: (crop, window)."""
    pts = [(round(x), round(y)) for x, y in points]
    r = max(0, round(radius))
    if not pts:
        return np.zeros((0, 0), bool), (slice(0, 0), slice(0, 0))
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    y0, y1 = max(0, min(ys) - r), min(shape[0], max(ys) + r + 1)
    x0, x1 = max(0, min(xs) - r), min(shape[1], max(xs) + r + 1)
    y1, x1 = max(y0, y1), max(x0, x1)
    out = np.zeros((y1 - y0, x1 - x0), np.uint8)
    local = [(x - x0, y - y0) for x, y in pts]
    for p, q in zip(local, local[1:] or local, strict=False):
        cv2.line(out, p, q, 1, thickness=2 * r + 1)
    for p in local:
        cv2.circle(out, p, r, 1, thickness=-1)
    return out.astype(bool), (slice(y0, y1), slice(x0, x1))


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
