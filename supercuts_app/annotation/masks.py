"""Small helpers on boolean masks: brush strokes, and COCO run-length encoding of whole masks
and of cropped ones (:class:`~supercuts_app.annotation.cropped_mask.CroppedMask`, encoded and
decoded in proportion to their rectangle and runs, never to the image)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from supercuts_app.base.boxes import Slice2D

from .cropped_mask import CroppedMask
from .rle import compress_runs, compressed_runs


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
    if y1 == y0 or x1 == x0:  # a stroke wholly outside the image (OpenCV refuses empty arrays)
        return np.zeros((y1 - y0, x1 - x0), bool), (slice(y0, y1), slice(x0, x1))
    out = np.zeros((y1 - y0, x1 - x0), np.uint8)
    local = [(x - x0, y - y0) for x, y in pts]
    for p, q in zip(local, local[1:] or local, strict=False):
        cv2.line(out, p, q, 1, thickness=2 * r + 1)
    for p in local:
        cv2.circle(out, p, r, 1, thickness=-1)
    return out.astype(bool), (slice(y0, y1), slice(x0, x1))


_MANY_RUNS = 20_000


def encode_mask(mask: np.ndarray, columns: slice | None = None) -> dict:
    """COCO compressed RLE of a (H, W) bool mask (``counts`` as bytes).

    Column-major masks (as the document keeps them) are encoded without a copy. ``columns``
    (``slice(x0, x1)``, no step) may say that the mask is empty outside those columns; then
    only they are read, so a small object on a large image encodes in proportion to itself.
    """
    h, w = mask.shape
    columns = slice(0, w) if columns is None else columns
    # Column-major runs: the band of columns is one stretch of the flattened mask.
    band = np.asfortranarray(mask[:, columns]).ravel(order="F")
    offset = columns.start * h
    changes = np.flatnonzero(band[1:] != band[:-1]) + (1 + offset)
    if changes.size > _MANY_RUNS:
        # The run lengths pass through a Python list below; pycocotools' own loop is faster
        # for masks of very many runs (noise, stripes).
        return mask_utils.encode(np.asfortranarray(mask).view(np.uint8))
    first = [offset] if band.size and band[0] else []
    last = [offset + band.size] if band.size and band[-1] else []
    counts = np.diff(np.concatenate(([0], first, changes, last, [h * w])))
    if counts.size > 1 and counts[-1] == 0:  # a run that ends on the last pixel
        counts = counts[:-1]
    return mask_utils.frPyObjects({"counts": counts.tolist(), "size": [h, w]}, h, w)


def decode_mask(rle: dict) -> np.ndarray:
    """(H, W) bool mask of a COCO RLE."""
    with warnings.catch_warnings():
        # pycocotools' Cython decoder trips numpy 2's __array__(copy=...) deprecation; harmless.
        warnings.filterwarnings("ignore", "__array__ implementation", DeprecationWarning)
        # pycocotools writes 0 and 1 only: a bool view is exact and saves a 1-byte-per-pixel copy.
        return mask_utils.decode(rle).view(bool)


def encode_cropped(mask: CroppedMask) -> dict:
    """COCO compressed RLE (``counts`` as bytes) of a cropped mask, read only in its crop."""
    height, width = mask.shape
    if mask.is_empty():
        runs = np.array([height * width] if height * width else [], np.int64)
        return {"size": [height, width], "counts": compress_runs(runs)}
    (ys, xs), (h, w) = mask.box, mask.crop.shape
    # A background row above and below each crop column: every run starts and ends in its
    # column, so the changes of the flattened padding are the runs' ends.
    padded = np.zeros((h + 2, w), bool, order="F")
    padded[1:-1] = mask.crop
    flat = padded.ravel(order="F")
    col, row = np.divmod(np.flatnonzero(flat[1:] != flat[:-1]) + 1, h + 2)
    changes = (xs.start + col) * height + (ys.start + row - 1)
    # A run reaching the bottom of the image and one starting at the top of the next column
    # are one run: drop the end and start they share.
    shared = changes[1:] == changes[:-1]
    keep = np.ones(changes.size, bool)
    keep[:-1] &= ~shared
    keep[1:] &= ~shared
    runs = np.diff(np.concatenate(([0], changes[keep], [height * width])))
    if runs[-1] == 0:  # a run that ends on the last pixel
        runs = runs[:-1]
    return {"size": [height, width], "counts": compress_runs(runs)}


def decode_cropped(rle: dict) -> CroppedMask:
    """The cropped mask of a checked COCO RLE (see :func:`.rle.checked_rle`), decoded straight
    into its tight rectangle."""
    height, width = (int(v) for v in rle["size"])
    counts = rle["counts"]
    runs = compressed_runs(counts) if isinstance(counts, bytes) else np.asarray(counts, np.int64)
    ends = np.cumsum(runs)
    starts, ends = ends[1::2] - runs[1::2], ends[1::2]  # runs of pixels (odd runs)
    nonempty = ends > starts
    starts, ends = starts[nonempty], ends[nonempty]
    if starts.size == 0 or height == 0:
        return CroppedMask((height, width))
    # Split runs at column ends: one piece per column a run passes through.
    first, last = starts // height, (ends - 1) // height
    per_run = last - first + 1
    run = np.repeat(np.arange(starts.size), per_run)
    col = first[run] + np.arange(run.size) - np.repeat(np.cumsum(per_run) - per_run, per_run)
    top = np.where(col == first[run], starts[run] - first[run] * height, 0)
    bottom = np.where(col == last[run], ends[run] - last[run] * height, height)
    y0, y1, x0, x1 = int(top.min()), int(bottom.max()), int(col[0]), int(col[-1]) + 1
    h = y1 - y0
    piece_start = (col - x0) * h + (top - y0)
    piece_stop = (col - x0) * h + (bottom - y0)
    # Background before each piece, then the piece, then background to the crop's end.
    lengths = np.empty(2 * piece_start.size + 1, np.int64)
    lengths[0:-1:2] = piece_start - np.concatenate(([0], piece_stop[:-1]))
    lengths[1::2] = piece_stop - piece_start
    lengths[-1] = h * (x1 - x0) - piece_stop[-1]
    values = np.zeros(lengths.size, bool)
    values[1::2] = True
    crop = np.repeat(values, lengths).reshape((h, x1 - x0), order="F")
    return CroppedMask.from_tight((height, width), crop, (slice(y0, y1), slice(x0, x1)))


def rle_bbox_area(rle: dict) -> tuple[list[int], int]:
    """COCO ``bbox`` [x, y, w, h] (whole pixels) and ``area`` of a mask's RLE."""
    area = int(mask_utils.area(rle))
    bbox = [int(round(v)) for v in mask_utils.toBbox(rle)] if area else [0, 0, 0, 0]
    return bbox, area
