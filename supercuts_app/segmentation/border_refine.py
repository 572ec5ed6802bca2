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
    """Settings of :func:`refine_border` (defaults chosen on BSDS500 val with the click robot).

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
    """

    width: int = 2
    seed_radius: int = 2
    contrast: float = 8.0
    floor: float = 0.05


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

    Returns
    -------
    numpy.ndarray
        (H, W) bool.
    """
    opts = options or BandOptions()
    # ``side`` is the mask's side of every pixel not free to change (a copy, changed in place:
    # the crop can be a large part of the image, so every whole-crop pass counts).
    side = np.array(mask, dtype=bool)
    if undecided is None or not undecided.any():
        free = _band_around(side, opts.width) if band else np.zeros(side.shape, bool)
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
    if not free.any():
        return side
    inside, ys, xs = _cut(image, boundary, free, side, opts)
    side[ys, xs] = inside
    return side


def _band_around(mask: np.ndarray, width: int) -> np.ndarray:
    """Pixels within ``width`` of the border of ``mask`` (a pixel of the mask is in the band when
    the mask does not hold its whole disk, a pixel outside when the disk meets the mask): one
    morphological gradient instead of two erosions."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    return cv2.morphologyEx(mask.view(np.uint8), cv2.MORPH_GRADIENT, kernel).view(bool)


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


def _pair_costs(
    image: np.ndarray,
    boundary: np.ndarray | None,
    first: tuple[np.ndarray, np.ndarray],
    second: tuple[np.ndarray, np.ndarray],
    opts: BandOptions,
) -> np.ndarray:
    """Costs of separating each pixel pair (``first`` from ``second``, index arrays)."""
    if boundary is not None:
        strength = np.maximum(boundary[first], boundary[second]).astype(np.float64)
        similarity = np.exp(-opts.contrast * strength)
    else:
        difference = ((image[first].astype(np.float64) - image[second]) ** 2).sum(-1)
        # GrabCut's contrast: relative to the mean squared difference of the pairs.
        mean = max(float(difference.mean()) if difference.size else 0.0, 1e-6)
        similarity = np.exp(-difference / (2 * mean))
    return opts.floor + (1 - opts.floor) * similarity


def _cut(
    image: np.ndarray,
    boundary: np.ndarray | None,
    free: np.ndarray,
    side: np.ndarray,
    opts: BandOptions,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min cut over the ``free`` pixels, the others held to their ``side``; returns the free
    pixels' (n,) bool label (True: in the mask) and their (n,) rows and columns.

    Only pairs touching a free pixel are visited, so the cost follows the band, not the crop."""
    h, w = free.shape
    # Read only where ``free`` holds (no whole-crop fill).
    index = np.empty(free.shape, np.int32)
    ys, xs = np.divmod(_true_pixels(free), w)
    n = len(ys)
    index[ys, xs] = np.arange(n)
    graph = maxflow.Graph[float](n, 2 * n)
    nodes = graph.add_nodes(n)
    source = np.zeros(n)
    sink = np.zeros(n)
    for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
        ny, nx = ys + dy, xs + dx
        ok = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)
        here, (py, px), (qy, qx) = np.flatnonzero(ok), (ys[ok], xs[ok]), (ny[ok], nx[ok])
        fixed = ~free[qy, qx]
        other = index[qy, qx]
        cost = _pair_costs(image, boundary, (py, px), (qy, qx), opts)
        # Each free-free pair once (from its upper-left pixel); a fixed neighbour: a terminal.
        if (dy, dx) in ((0, 1), (1, 0)):
            both = ~fixed
            graph.add_edges(nodes[here[both]], nodes[other[both]], cost[both], cost[both])
        held_in = side[qy, qx]
        to_in = fixed & held_in
        source += np.bincount(here[to_in], cost[to_in], minlength=n)
        to_out = fixed & ~held_in
        sink += np.bincount(here[to_out], cost[to_out], minlength=n)
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
