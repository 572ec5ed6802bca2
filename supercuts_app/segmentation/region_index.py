"""What a click needs from a hierarchy: any region's mask and rectangle, in time per pixel that
is a couple of integer comparisons.

The levels of a :class:`~supercuts_app.segmentation.hierarchy.MergeHierarchy` are cuts of one merge
tree, so the superpixels can be ordered (sorted by their region at the coarsest level, then the
next, and so on) such that every region at every level is a run of consecutive positions. A
per-pixel map of those positions then gives a region's mask as ``start <= rank < stop``, which is
several times faster than a table lookup per pixel. The map is kept transposed, so masks come out
column-major like the document's masks and are added to them without a copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from supercuts_app.base.boxes import Slice2D, mask_bbox
from supercuts_app.base.defaults import fits_uint16

from .hierarchy import MergeHierarchy


def superpixel_boxes(superpixels: np.ndarray) -> np.ndarray:
    """(K, 4) [y0, y1, x0, x1) box of every superpixel."""
    k = int(superpixels.max(initial=0)) + 1
    # find_objects skips label 0: superpixel 0's box is read from its own mask rather than from
    # a shifted copy of the whole label map.
    boxes = [mask_bbox(superpixels == 0), *ndimage.find_objects(superpixels, max_label=k - 1)]
    out = np.zeros((k, 4), np.int64)
    for i, b in enumerate(boxes[:k]):
        if b is not None:
            out[i] = (b[0].start, b[0].stop, b[1].start, b[1].stop)
    return out


@dataclass(frozen=True)
class RegionIndex:
    """Masks and rectangles of the regions of a hierarchy.

    Attributes
    ----------
    ranks_t : numpy.ndarray
        (W, H) position of each pixel's superpixel in the nested order, transposed.
    rank_tables : list of numpy.ndarray
        Per level, (K,) region of the superpixel at each position.
    starts, stops : list of numpy.ndarray
        Per level, (n_l,) first and one-past-last position of each region (a run when
        ``nested[level]``).
    nested : numpy.ndarray
        (L,) bool: every region of the level is one run (always, for trees of
        :func:`~supercuts_app.segmentation.hierarchy.build_hierarchy`).
    boxes : list of numpy.ndarray
        Per level, (n_l, 4) [y0, y1, x0, x1) rectangle of each region.
    """

    ranks_t: np.ndarray
    rank_tables: list[np.ndarray]
    starts: list[np.ndarray]
    stops: list[np.ndarray]
    nested: np.ndarray
    boxes: list[np.ndarray]

    @classmethod
    def from_tree(cls, tree: MergeHierarchy) -> RegionIndex:
        """Index ``tree`` (reads every pixel once: build it in a worker for large images)."""
        tables = tree.tables
        k = tables.shape[1]
        # np.lexsort's last key is the primary one: the coarsest level.
        order = np.lexsort(tables)
        rank = np.empty(k, np.int64)
        rank[order] = np.arange(k)
        dtype = np.uint16 if fits_uint16(k - 1) else np.uint32
        ranks_t = np.ascontiguousarray(rank.astype(dtype)[tree.superpixels].T)
        sp_boxes = superpixel_boxes(tree.superpixels)
        rank_tables, starts, stops, nested, boxes = [], [], [], [], []
        for table in tables:
            n = int(table.max()) + 1
            first = np.full(n, k, np.int64)
            last = np.full(n, -1, np.int64)
            np.minimum.at(first, table, rank)
            np.maximum.at(last, table, rank)
            counts = np.bincount(table, minlength=n)
            rank_tables.append(table[order])
            starts.append(first)
            stops.append(last + 1)
            nested.append(bool(np.all(last + 1 - first == counts)))
            box = np.empty((n, 4), np.int64)
            box[:, 0], box[:, 2] = tree.superpixels.shape
            box[:, 1] = box[:, 3] = 0
            for col, ufunc in ((0, np.minimum), (1, np.maximum), (2, np.minimum), (3, np.maximum)):
                ufunc.at(box[:, col], table, sp_boxes[:, col])
            boxes.append(box)
        return cls(ranks_t, rank_tables, starts, stops, np.array(nested), boxes)

    @property
    def n_levels(self) -> int:
        return len(self.starts)

    def window(self, level: int, region: int) -> Slice2D:
        """The rectangle holding ``region`` at ``level``."""
        y0, y1, x0, x1 = (int(v) for v in self.boxes[level][region])
        return slice(y0, y1), slice(x0, x1)

    def mask(self, level: int, region: int, window: Slice2D | None = None) -> np.ndarray:
        """Column-major bool mask of ``region`` at ``level``: the crop at ``window`` (by default
        the region's rectangle; pass ``(slice(None), slice(None))`` for the whole image)."""
        ys, xs = self.window(level, region) if window is None else window
        ranks = self.ranks_t[xs, ys]
        if self.nested[level]:
            start, stop = int(self.starts[level][region]), int(self.stops[level][region])
            if ranks.dtype == np.uint16 and ranks.size:
                inside = np.not_equal(cv2.inRange(ranks, start, stop - 1), 0)
            else:
                # Unsigned wrap-around: positions before ``start`` become large, so one
                # comparison tests both ends of the run.
                kind = ranks.dtype.type
                inside = np.less(np.subtract(ranks, kind(start)), kind(stop - start))
        else:
            inside = (self.rank_tables[level] == region)[ranks]
        return inside.T
