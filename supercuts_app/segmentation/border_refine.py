"""Pixel-precise borders: a minimum cut of the pixel grid in a narrow band around a mask.

Superpixel borders stop a few pixels short of the true boundary here and there, and a
superpixel can straddle it. Inside a band of ``width`` pixels on either side of the mask's
border (and inside any superpixel left undecided), each pixel is labelled again by a minimum
cut whose pixel-to-pixel costs are low across strong boundaries (the learned boundary map, or
colour differences without it): the band's inner rim stays in the mask, its outer rim out, and
seeds are hard constraints. The border therefore never moves by more than ``width`` pixels,
except inside undecided superpixels, which are labelled as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import maxflow
import numpy as np


@dataclass(frozen=True)
class BandOptions:
    """Settings of :func:`refine_border` (defaults chosen with the click robot on the first 20
    BSDS500 val images and the first 10 CCP photos; docs/results.md).

    Attributes
    ----------
    width : int
        Pixels on either side of the border that may change.
    seed_radius : int
        Pixels around a seed held to its side.
    contrast : float
        Neighbour costs fall as ``exp(-contrast * boundary)`` (boundary in [0, 1]).
    floor : float
        Smallest neighbour cost, relative to the largest (keeps the border smooth in flat areas).
    colour_weight : float
        With a boundary map, the share of the colour difference of the two pixels (relative to
        the mean over the band's pairs, as GrabCut's contrast) in a pair's cost: it picks, of
        the few pixels a boundary ridge spans, the pair where the colour changes. 0: off.
    """

    width: int = 3
    seed_radius: int = 2
    contrast: float = 2.0
    floor: float = 0.05
    colour_weight: float = 1.0


def refine_border(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    boundary: np.ndarray | None = None,
    positive: Sequence[tuple[float, float]] = (),
    negative: Sequence[tuple[float, float]] = (),
    undecided: np.ndarray | None = None,
    within: np.ndarray | None = None,
    options: BandOptions | None = None,
    band: bool = True,
    border_boxes: np.ndarray | None = None,
) -> np.ndarray:
    """The mask with its border moved onto the strongest nearby boundary.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W, 3) uint8 RGB (a crop holding the mask with room for the band).
    mask : numpy.ndarray
        (H, W) bool.
    boundary : numpy.ndarray, optional
        (H, W) boundary probabilities; colour differences are used without it.
    positive, negative : sequence of (y, x)
        Seeds in the crop's pixels.
    undecided : numpy.ndarray, optional
        (H, W) bool pixels to label whatever ``mask`` says (superpixels holding seeds of both
        signs).
    within : numpy.ndarray, optional
        (H, W) bool: pixels outside stay out.
    options : BandOptions, optional
    band : bool
        Relabel the band around the border (False: only ``undecided`` pixels).
    border_boxes : numpy.ndarray, optional
        (n, 4) [y0, y1, x0, x1) rectangles of the crop holding every pixel of ``mask`` that has
        a 4-neighbour on the other side (for an atom cut: the boxes of the atoms on its
        border); the band is then looked for only near them, not over the whole crop. Used
        only without ``undecided`` pixels.

    Returns
    -------
    numpy.ndarray
        (H, W) bool.
    """
    opts = options or BandOptions()
    # ``side`` is the mask's side of every pixel not free to change (a copy, changed in place:
    # the crop can be a large part of the image, so every whole-crop pass counts).
    side = np.array(mask, dtype=bool)
    found = None  # the free pixels' flat indices, when the band was found near border_boxes
    if undecided is None or not undecided.any():
        if not band:
            free = np.zeros(side.shape, bool)
        elif border_boxes is not None:
            free, found = _band_near(side, opts.width, border_boxes)
        else:
            free = _band_around(side, opts.width)
    else:
        free = undecided.astype(bool)
        if band:
            free |= _band(side & ~free, ~side & ~free, opts.width)
    # Disks around the seeds are held to the seed's side (a negative seed wins where disks of
    # both signs meet).
    for points, inside in ((positive, True), (negative, False)):
        for y, x in points:
            disk, box = _disk(side.shape, y, x, opts.seed_radius)
            side[box][disk] = inside
            free[box][disk] = False
    if within is not None:
        side &= within
        free &= within
    flat = _true_pixels(free) if found is None else found[free.reshape(-1)[found]]
    if not flat.size:
        return side
    inside, ys, xs = _cut(image, boundary, free, side, flat, opts)
    side[ys, xs] = inside
    return side


def _band_around(mask: np.ndarray, width: int) -> np.ndarray:
    """Pixels within ``width`` of the border of ``mask`` (a pixel of the mask is in the band when
    the mask does not hold its whole disk, a pixel outside when the disk meets the mask): one
    morphological gradient instead of two erosions."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    return cv2.morphologyEx(mask.view(np.uint8), cv2.MORPH_GRADIENT, kernel).view(bool)


BAND_CELL = 128
"""Side of the square cells in which :func:`_band_near` looks for the band."""


def _band_near(mask: np.ndarray, width: int, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What :func:`_band_around` finds, computed only in the cells of the crop that lie within
    ``width`` of ``boxes`` (which hold every pixel with a 4-neighbour on the other side: a
    pixel whose disk holds both sides holds such a pair, so it lies within ``width`` of a box).

    Returns the (H, W) bool band (untouched pages elsewhere: allocated zeroed, never written)
    and its pixels' flat indices in ascending order."""
    h, w = mask.shape
    cells = (-(-h // BAND_CELL), -(-w // BAND_CELL))
    marked = np.zeros((cells[0] + 1, cells[1] + 1), np.int32)
    y0 = np.clip(boxes[:, 0] - width, 0, h) // BAND_CELL
    y1 = -(-np.clip(boxes[:, 1] + width, 0, h) // BAND_CELL)
    x0 = np.clip(boxes[:, 2] - width, 0, w) // BAND_CELL
    x1 = -(-np.clip(boxes[:, 3] + width, 0, w) // BAND_CELL)
    for ys, xs, step in ((y0, x0, 1), (y0, x1, -1), (y1, x0, -1), (y1, x1, 1)):
        np.add.at(marked, (ys, xs), step)
    marked = marked.cumsum(0).cumsum(1)[: cells[0], : cells[1]] > 0
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    source = mask.view(np.uint8)
    band = np.zeros((h, w), bool)
    found = []
    edges = np.diff(np.pad(marked.view(np.int8), ((0, 0), (1, 1))), axis=1)
    for row, column in zip(*np.nonzero(edges == 1), strict=True):
        stop_column = column + np.argmax(edges[row, column + 1 :] == -1) + 1
        r0, r1 = row * BAND_CELL, min(h, (row + 1) * BAND_CELL)
        c0, c1 = column * BAND_CELL, min(w, stop_column * BAND_CELL)
        # The gradient of a cell is exact where its disk lies in the computed area (or beyond
        # the crop, where both computations see no pixel).
        t0, t1 = max(0, r0 - width), min(h, r1 + width)
        u0, u1 = max(0, c0 - width), min(w, c1 + width)
        gradient = cv2.morphologyEx(source[t0:t1, u0:u1], cv2.MORPH_GRADIENT, kernel)
        cell = gradient[r0 - t0 : r1 - t0, c0 - u0 : c1 - u0].view(bool)
        band[r0:r1, c0:c1] = cell
        rows, columns = np.divmod(np.flatnonzero(cell), c1 - c0)
        found.append((rows + r0) * w + (columns + c0))
    flat = np.sort(np.concatenate(found)) if found else np.zeros(0, np.int64)
    return band, flat


def _band(inside: np.ndarray, outside: np.ndarray, width: int) -> np.ndarray:
    """Pixels within ``width`` of the border between ``inside`` and ``outside``."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    deep_in = cv2.erode(inside.view(np.uint8), kernel, borderValue=1).view(bool)
    deep_out = cv2.erode(outside.view(np.uint8), kernel, borderValue=1).view(bool)
    return (inside | outside) & ~deep_in & ~deep_out


def _disk(
    shape: tuple[int, int], y: float, x: float, radius: int
) -> tuple[np.ndarray, tuple[slice, slice]]:
    """The pixels of a filled circle (as :func:`cv2.circle` draws it) as a bool crop and its
    box (clipped to ``shape``)."""
    yi, xi = int(y), int(x)
    y0, x0 = max(0, yi - radius), max(0, xi - radius)
    y1, x1 = min(shape[0], yi + radius + 1), min(shape[1], xi + radius + 1)
    out = np.zeros((max(0, y1 - y0), max(0, x1 - x0)), np.uint8)
    cv2.circle(out, (xi - x0, yi - y0), radius, 1, thickness=-1)
    return out.view(bool), (slice(y0, y1), slice(x0, x1))


def _similarity(strength: np.ndarray, opts: BandOptions) -> np.ndarray:
    """Costs of separating pixel pairs across boundaries of ``strength`` (float64)."""
    return opts.floor + (1 - opts.floor) * np.exp(-opts.contrast * strength)


def _colour_costs(
    squared_difference: np.ndarray,
    mean: float,
    opts: BandOptions,
    strength: np.ndarray | None = None,
) -> np.ndarray:
    """Costs of separating pixel pairs whose colours differ by ``squared_difference``, relative
    to the ``mean`` squared difference of their direction's pairs as GrabCut's contrast (with
    ``strength``, the pairs' boundary strength: the two combined, the colour weighted by
    ``opts.colour_weight``)."""
    exponent = squared_difference / (2 * max(mean, 1e-6))
    if strength is not None:
        exponent = opts.contrast * strength + opts.colour_weight * exponent
    return opts.floor + (1 - opts.floor) * np.exp(-exponent)


def _spanned(crop: np.ndarray) -> tuple[np.ndarray, int]:
    """The memory a crop of a larger array spans as a read-only view with one axis for its
    pixels (and one for its channels, if any), and its row stride in pixels: pixel (y, x) is at
    ``y * stride + x`` (1-D gathers are faster than 2-D ones, and a crop needs no copy)."""
    pixel = crop.itemsize * (crop.shape[2] if crop.ndim == 3 else 1)
    channel_gap = crop.ndim == 3 and crop.strides[2] != crop.itemsize
    if crop.strides[1] != pixel or crop.strides[0] % pixel or crop.strides[0] < 0 or channel_gap:
        crop = np.ascontiguousarray(crop)
    stride = crop.strides[0] // pixel
    size = (crop.shape[0] - 1) * stride + crop.shape[1] if crop.size else 0
    shape, strides = (size, *crop.shape[2:]), (pixel, *crop.strides[2:])
    return np.lib.stride_tricks.as_strided(crop, shape, strides, writeable=False), stride


def _cut(
    image: np.ndarray,
    boundary: np.ndarray | None,
    free: np.ndarray,
    side: np.ndarray,
    flat: np.ndarray,
    opts: BandOptions,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min cut over the ``free`` pixels (at ``flat``, ascending), the others held to their
    ``side``; returns the free pixels' (n,) bool label (True: in the mask) and their (n,) rows
    and columns.

    Only pairs touching a free pixel are visited, and a free pixel's node is its place in
    ``flat`` (found by search, not through a crop-sized index map), so the cost follows the
    band, not the crop."""
    h, w = free.shape
    free_at = np.ascontiguousarray(free).reshape(-1)
    side_at = np.ascontiguousarray(side).reshape(-1)
    ys, xs = np.divmod(flat, w)
    n = len(flat)
    colour_contrast = boundary is None or bool(opts.colour_weight)
    if boundary is not None:
        strength_at, stride = _spanned(boundary)
        spot = ys * stride + xs
        strength_here = strength_at[spot]
    if colour_contrast:
        colour_at, colour_stride = _spanned(image)
        colour_spot = ys * colour_stride + xs
        # 8-bit colours: exact in int32 sums of squares, faster than floats.
        exact = np.int32 if image.dtype == np.uint8 else np.float64
        colour_here = np.take(colour_at, colour_spot, axis=0).astype(exact)

    def squared_difference(here: np.ndarray, dy: int, dx: int) -> np.ndarray:
        there = np.take(colour_at, colour_spot[here] + (dy * colour_stride + dx), axis=0)
        step = np.take(colour_here, here, axis=0) - there
        return np.einsum("ij,ij->i", step, step) if step.ndim == 2 else step * step

    def costs(
        here: np.ndarray, dy: int, dx: int, seen: tuple[float, int] = (0.0, 0)
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Costs of the pairs from ``here`` to the pixels ``(dy, dx)`` away, and their squared
        colour differences when colour counts (``seen``: the sum of the differences of the
        direction's other pairs, and their count, for the mean)."""
        strength = None
        if boundary is not None:
            there = strength_at[spot[here] + (dy * stride + dx)]
            strength = np.maximum(strength_here[here], there).astype(np.float64)
            if not opts.colour_weight:
                return _similarity(strength, opts), None
        difference = squared_difference(here, dy, dx)
        total = float(difference.sum()) + seen[0]
        mean = total / max(len(difference) + seen[1], 1)
        return _colour_costs(difference, mean, opts, strength), difference

    graph = maxflow.Graph[float](n, 2 * n)
    graph.add_nodes(n)  # node i is the pixel at flat[i]
    source = np.zeros(n)
    sink = np.zeros(n)
    # Per axis, the colour differences of the free-free pairs (sum, count): a backward
    # direction's pairs are the forward ones', so its mean needs only its pairs to fixed pixels.
    free_pairs: dict[int, tuple[float, int]] = {}
    for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
        if dx:
            inside = xs < w - 1 if dx == 1 else xs > 0
        else:
            inside = ys < h - 1 if dy == 1 else ys > 0
        here = np.flatnonzero(inside)
        there = flat[here] + (dy * w + dx)
        fixed = ~free_at[there]
        # Each free-free pair once (from its upper-left pixel); a fixed neighbour: a terminal.
        if (dy, dx) in ((0, 1), (1, 0)):
            cost, difference = costs(here, dy, dx)
            both = ~fixed
            pairs = here[both]
            # The free pixel right of flat[i] is flat[i + 1]; the one below is searched for.
            other = pairs + 1 if dx else np.searchsorted(flat, there[both])
            graph.add_edges(pairs, other, cost[both], cost[both])
            if difference is not None:
                free_pairs[abs(dy)] = (float(difference[both].sum()), int(both.sum()))
            cost, here, there = cost[fixed], here[fixed], there[fixed]
        else:
            here, there = here[fixed], there[fixed]
            cost, _ = costs(here, dy, dx, free_pairs.get(abs(dy), (0.0, 0)))
        held_in = side_at[there]
        # A pixel has one neighbour in each direction: adding in place sums as bincount did.
        source[here[held_in]] += cost[held_in]
        sink[here[~held_in]] += cost[~held_in]
    nodes = np.arange(n)
    graph.add_grid_tedges(nodes, source, sink)
    graph.maxflow()
    return ~graph.get_grid_segments(nodes), ys, xs


def _true_pixels(mask: np.ndarray) -> np.ndarray:
    """Flat indices of the True pixels of a sparse (H, W) bool array, in ascending order: the
    array is scanned 8 pixels at a time (a band is a few per cent of its crop)."""
    flat = np.ascontiguousarray(mask).reshape(-1)
    words = flat[: flat.size - flat.size % 8].view(np.uint64)
    hits = (np.flatnonzero(words)[:, None] * 8 + np.arange(8)).reshape(-1)
    tail = np.arange(flat.size - flat.size % 8, flat.size)
    candidates = np.concatenate([hits, tail])
    return candidates[flat[candidates]]
