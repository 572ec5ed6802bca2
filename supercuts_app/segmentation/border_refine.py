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
    mask = mask.astype(bool)
    free = np.zeros(mask.shape, bool) if undecided is None else undecided.astype(bool)
    if band:
        free |= _band(mask & ~free, ~mask & ~free, opts.width)
    sure_in = mask & ~free
    sure_out = ~mask & ~free
    for points, side in ((positive, True), (negative, False)):
        disks = _disks(mask.shape, points, opts.seed_radius)
        held = disks & (free | (sure_out if side else sure_in))
        (sure_in if side else sure_out)[held] = True
        (sure_out if side else sure_in)[held] = False
        free &= ~disks
    if within is not None:
        sure_out |= ~within
        sure_in &= within
        free &= within
    if not free.any():
        return sure_in
    return sure_in | _cut(image, boundary, free, sure_in, sure_out, opts)


def _band(inside: np.ndarray, outside: np.ndarray, width: int) -> np.ndarray:
    """Pixels within ``width`` of the border between ``inside`` and ``outside``."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    deep_in = cv2.erode(inside.view(np.uint8), kernel, borderValue=1).view(bool)
    deep_out = cv2.erode(outside.view(np.uint8), kernel, borderValue=1).view(bool)
    return (inside | outside) & ~deep_in & ~deep_out


def _disks(shape: tuple[int, int], points, radius: int) -> np.ndarray:
    out = np.zeros(shape, np.uint8)
    for y, x in points:
        cv2.circle(out, (int(x), int(y)), radius, 1, thickness=-1)
    return out.view(bool)


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
    sure_in: np.ndarray,
    sure_out: np.ndarray,
    opts: BandOptions,
) -> np.ndarray:
    """Min cut over the ``free`` pixels; returns the (H, W) bool free pixels on the mask side.

    Only pairs touching a free pixel are visited, so the cost follows the band, not the crop."""
    h, w = free.shape
    index = np.full(free.shape, -1, np.int32)
    ys, xs = np.nonzero(free)
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
        other = index[qy, qx]
        cost = _pair_costs(image, boundary, (py, px), (qy, qx), opts)
        # Each free-free pair once (from its upper-left pixel); a fixed neighbour: a terminal.
        both = (other >= 0) & ((dy, dx) in ((0, 1), (1, 0)))
        graph.add_edges(nodes[here[both]], nodes[other[both]], cost[both], cost[both])
        to_in = sure_in[qy, qx]
        source += np.bincount(here[to_in], cost[to_in], minlength=n)
        to_out = sure_out[qy, qx]
        sink += np.bincount(here[to_out], cost[to_out], minlength=n)
    graph.add_grid_tedges(nodes, source, sink)
    graph.maxflow()
    inside = ~graph.get_grid_segments(nodes)
    out = np.zeros(free.shape, bool)
    out[ys[inside], xs[inside]] = True
    return out
