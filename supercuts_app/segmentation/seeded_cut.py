"""Seed clicks: an object's mask from positive and negative seeds, as a minimum cut on the
superpixel graph, with pixel-precise borders.

Seeds are read in click order, as region clicks would be: a positive seed asks for its region at
the level the slider showed when it was placed, a negative seed asks to take away its region at
its level; each region stops short of the seeds of the other sign placed before it (the largest
subtree of the merge tree around the seed that holds none of them), so a later seed never undoes
an earlier one. That suggestion is only a prior (a per-pixel cost of leaving it, or of going
beyond it): the mask is the minimum cut of the graph of atoms (superpixels split along the
learned boundaries, :mod:`~supercuts_app.segmentation.atoms`), whose border costs fall with the
hierarchy's merge height, with every seed's atom a hard constraint. An atom holding seeds of both
signs is left to the pixel stage (:mod:`~supercuts_app.segmentation.border_refine`), which also
moves the mask's border, within a narrow band, onto the strongest boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import maxflow
import numpy as np

from supercuts_app.base.boxes import NOWHERE, Slice2D, intersect_box, mask_bbox, shift_box

from .adjacency import label_adjacency
from .atoms import DEFAULT_BASIN_DEPTH, boundary_basins, split_superpixels
from .border_offset import BorderOffsets, shift_border
from .border_refine import BandOptions, refine_border
from .hierarchy import MergeHierarchy
from .label_runs import LabelRuns
from .region_index import superpixel_boxes
from .tree_distances import TreeDistances

DEFAULT_SEED_LEVEL = 8
"""Level whose region a first positive seed asks for when no slider says (the click robot)."""

Point = tuple[float, float]
"""(y, x) in image pixels."""


class SeedLike(Protocol):
    """A seed as the cutter reads it (:class:`~supercuts_app.annotation.seeds.Seed` is one):
    where it is, its sign, and the level shown when it was placed."""

    y: float
    x: float
    positive: bool
    level: int


@dataclass(frozen=True)
class SeedPoint:
    """A plain :class:`SeedLike`."""

    y: float
    x: float
    positive: bool
    level: int = DEFAULT_SEED_LEVEL


class MaskCrop(Protocol):
    """A mask held as its pixels inside a rectangle of the image (a part's object:
    :class:`~supercuts_app.annotation.cropped_mask.CroppedMask` is one): False outside it."""

    box: Slice2D
    crop: np.ndarray


@dataclass(frozen=True)
class SeedCutOptions:
    """How seeds become a mask (defaults chosen with ``supercuts eval clicks --mode seeds`` on
    BSDS500 val).

    Attributes
    ----------
    prior_weight : float
        Cost per pixel of leaving the hierarchy's suggested region (or of going beyond it).
    smoothness : float
        Cost per border pixel of cutting a border of merge height 0.
    height_scale : float
        Border costs fall as ``exp(-height / height_scale)``.
    basin_depth : float or None
        Split superpixels into atoms along the boundary map's watershed lines
        (:mod:`~.atoms`); None keeps whole superpixels.
    refine : bool
        Move the border onto the pixel boundary (see :func:`~.border_refine.refine_border`).
    band : BandOptions
        The pixel stage's settings.
    offsets : BorderOffsets
        Pixels the finished mask grows (or shrinks) by, as a project's labels draw borders
        (zero unless adapted to a project).
    evidence_weight : float
        Cost per pixel and unit of log-odds of going against the ``evidence`` given to
        :meth:`SeedCutter.cut`.
    """

    prior_weight: float = 1.0
    smoothness: float = 1.0
    height_scale: float = 0.1
    basin_depth: float | None = DEFAULT_BASIN_DEPTH
    refine: bool = True
    band: BandOptions = field(default_factory=BandOptions)
    offsets: BorderOffsets = field(default_factory=BorderOffsets)
    evidence_weight: float = 1.0


@dataclass(frozen=True)
class SeedCut:
    """A mask made by :meth:`SeedCutter.cut`: its crop and where the crop lies."""

    mask: np.ndarray
    window: Slice2D

    def full(self, shape: tuple[int, int]) -> np.ndarray:
        """The (H, W) bool mask."""
        out = np.zeros(shape, bool)
        out[self.window] = self.mask
        return out

    def is_empty(self) -> bool:
        return not self.mask.any()


class SeedCutter:
    """Everything about one image that seed clicks need, computed once (in a worker).

    Parameters
    ----------
    tree : MergeHierarchy
        The image's superpixels and merge tree.
    image : numpy.ndarray
        (H, W, 3) uint8 RGB.
    boundary : numpy.ndarray, optional
        (H, W) float boundary probabilities (the learned boundary map); image gradients when None.
    options : SeedCutOptions, optional
    """

    def __init__(
        self,
        tree: MergeHierarchy,
        image: np.ndarray,
        *,
        boundary: np.ndarray | None = None,
        options: SeedCutOptions | None = None,
    ) -> None:
        self.tree = tree
        self.image = image
        self.boundary = boundary
        self.options = options or SeedCutOptions()
        sp = tree.superpixels
        self.shape = (int(sp.shape[0]), int(sp.shape[1]))
        self.n_superpixels = k = int(tree.tables.shape[1])
        if boundary is not None and self.options.basin_depth is not None:
            basins = boundary_basins(boundary, depth=self.options.basin_depth)
            self.atoms, self.owner = split_superpixels(sp, basins)
        else:
            self.atoms, self.owner = sp, np.arange(k)
        n_atoms = len(self.owner)
        self.area = np.bincount(self.atoms.ravel(), minlength=n_atoms).astype(np.float64)
        adjacency = label_adjacency(self.atoms, n_atoms)
        self.first, self.second = adjacency.first, adjacency.second
        self.border_length = adjacency.length
        self._tree_walk = TreeDistances(tree.linkage, k)
        a, b = self.owner[self.first], self.owner[self.second]
        self.border_height = np.zeros(len(a))
        between = a != b
        self.border_height[between] = self._tree_walk.pair_heights(a[between], b[between])
        self.boxes = superpixel_boxes(self.atoms)
        self.runs = LabelRuns(self.atoms)

    # -- public ----------------------------------------------------------------------------------
    def preview(self, y: float, x: float, *, level: int) -> np.ndarray:
        """(K,) bool: the superpixels a positive seed at (y, x) asks for at ``level`` (the
        hover)."""
        s = self._superpixel_at((y, x))
        if s is None:
            return np.zeros(self.n_superpixels, bool)
        level = min(max(int(level), 0), self.tree.n_levels - 1)
        return self.tree.tables[level] == self.tree.tables[level, s]

    def cut(
        self,
        seeds: Sequence[SeedLike],
        *,
        within: np.ndarray | MaskCrop | None = None,
        refine: bool | None = None,
        evidence: np.ndarray | None = None,
    ) -> SeedCut:
        """The mask the seeds ask for.

        Parameters
        ----------
        seeds : sequence of SeedLike
            In click order; seeds outside the image are ignored.
        within : numpy.ndarray or MaskCrop, optional
            Where the mask may lie (a part's object): an (H, W) bool mask, or a crop of one,
            which spares a whole-image array per cut.
        refine : bool, optional
            Pixel-precise borders (default: ``options.refine``).
        evidence : numpy.ndarray, optional
            (K,) log-odds that each superpixel belongs to the mask, from a model of what is
            being annotated (e.g. a part class learnt from a project's labels): each atom's
            cost of leaving it out (positive) or taking it (negative) grows by
            ``options.evidence_weight`` x its pixels x its superpixel's log-odds.

        Returns
        -------
        SeedCut
            Empty when there is no positive seed.
        """
        h, w = self.shape
        seeds = [s for s in seeds if 0 <= s.y < h and 0 <= s.x < w]
        if not any(s.positive for s in seeds):
            return SeedCut(np.zeros((0, 0), bool), NOWHERE)
        limit = _as_crop(within, self.shape)
        chosen, conflicted = self._atom_cut(seeds, limit, evidence)
        refine = self.options.refine if refine is None else refine
        window = self._window_of(chosen | conflicted, seeds)
        mask = self.runs.paint(chosen, window)
        allowed = None if limit is None else _read(limit, window)
        if allowed is not None:
            mask &= allowed
        undecided = conflicted.any()
        if refine or undecided:
            # Without a limit, the border lies on the atoms across the cut: look only there.
            near = self._border_boxes(chosen, window) if limit is None and refine else None
            mask = refine_border(
                self.image[window],
                mask,
                boundary=None if self.boundary is None else self.boundary[window],
                positive=_local([(s.y, s.x) for s in seeds if s.positive], window),
                negative=_local([(s.y, s.x) for s in seeds if not s.positive], window),
                undecided=self.runs.paint(conflicted, window) if undecided else None,
                within=allowed,
                options=self.options.band,
                band=refine,
                border_boxes=near,
            )
        offset = self.options.offsets.for_kind(part=limit is not None)
        if offset:
            mask = _keep_seeds(shift_border(mask, offset, within=allowed), seeds, window, allowed)
        return _tight(mask, window)

    def suggestion(self, seeds: Sequence[SeedLike]) -> np.ndarray:
        """(K,) bool: the superpixels the seeds' regions suggest, read in click order."""
        tables = self.tree.tables
        top = self.tree.n_levels - 1
        suggested = np.zeros(self.n_superpixels, bool)
        placed: dict[bool, list[int]] = {True: [], False: []}
        for seed in seeds:
            s = self._superpixel_at((seed.y, seed.x))
            level = min(max(int(seed.level), 0), top)
            region = tables[level] == tables[level, s]
            others = placed[not seed.positive]
            if others:
                to_seed = self._tree_walk.distances_from(s)
                region &= to_seed < to_seed[others].min()
            if seed.positive:
                suggested |= region
            else:
                suggested &= ~region
            placed[seed.positive].append(s)
        return suggested

    # -- the atom stage --------------------------------------------------------------------------
    def _atom_cut(
        self,
        seeds: Sequence[SeedLike],
        within: MaskCrop | None,
        evidence: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(A,) bool chosen atoms and (A,) bool atoms holding seeds of both signs."""
        opts = self.options
        n_atoms = len(self.owner)
        pos_atoms = np.unique([self._atom_at((s.y, s.x)) for s in seeds if s.positive])
        neg_atoms = np.unique([self._atom_at((s.y, s.x)) for s in seeds if not s.positive])
        neg_atoms = neg_atoms.astype(np.int64)
        conflicted = np.zeros(n_atoms, bool)
        conflicted[np.intersect1d(pos_atoms, neg_atoms)] = True
        suggested = self.suggestion(seeds)[self.owner]
        big = 1e9
        prior = opts.prior_weight * self.area
        source = np.where(suggested, prior, 0.0)  # the cost of leaving the suggestion
        sink = np.where(suggested, 0.0, prior)  # and of going beyond it
        if within is not None:
            held = self.atoms[within.box][within.crop]
            inside = np.bincount(held, minlength=n_atoms) / np.maximum(self.area, 1)
            sink = sink + np.where(inside < 0.5, big, 0.0)
        if evidence is not None:
            odds = opts.evidence_weight * self.area * np.asarray(evidence, float)[self.owner]
            source = source + np.maximum(odds, 0.0)
            sink = sink + np.maximum(-odds, 0.0)
        sure_in = np.zeros(n_atoms, bool)
        sure_in[pos_atoms] = True
        sure_out = np.zeros(n_atoms, bool)
        sure_out[neg_atoms] = True
        # An atom holding both signs takes no side here; the pixel stage splits it.
        sure_in &= ~conflicted
        sure_out &= ~conflicted
        source = np.where(sure_in, big, np.where(sure_out | conflicted, 0.0, source))
        sink = np.where(sure_out, big, np.where(sure_in | conflicted, 0.0, sink))
        pair = (
            opts.smoothness * self.border_length * np.exp(-self.border_height / opts.height_scale)
        )
        graph = maxflow.Graph[float](n_atoms, len(pair))
        nodes = graph.add_nodes(n_atoms)
        graph.add_edges(nodes[self.first], nodes[self.second], pair, pair)
        graph.add_grid_tedges(nodes, source, sink)
        graph.maxflow()
        chosen = ~graph.get_grid_segments(nodes)  # source side = in the mask
        return chosen & ~conflicted, conflicted

    # -- helpers --------------------------------------------------------------------------------
    def _superpixel_at(self, point: Point) -> int | None:
        y, x = int(point[0]), int(point[1])
        if not (0 <= y < self.shape[0] and 0 <= x < self.shape[1]):
            return None
        return int(self.tree.superpixels[y, x])

    def _atom_at(self, point: Point) -> int:
        return int(self.atoms[int(point[0]), int(point[1])])

    def _border_boxes(self, chosen: np.ndarray, window: Slice2D) -> np.ndarray:
        """(n, 4) boxes in ``window`` of the atoms with a neighbour on the other side of the
        cut: every pixel of ``chosen``'s mask with a 4-neighbour outside it lies in one."""
        across = chosen[self.first] != chosen[self.second]
        border = np.union1d(self.first[across], self.second[across])
        origin = np.array([window[0].start, window[0].start, window[1].start, window[1].start])
        return self.boxes[border] - origin

    def _window_of(self, members: np.ndarray, seeds: Sequence[SeedLike]) -> Slice2D:
        """A rectangle holding the chosen atoms and every seed, with room for the band."""
        boxes = self.boxes[members]
        ys = [int(s.y) for s in seeds]
        xs = [int(s.x) for s in seeds]
        y0 = min([*boxes[:, 0].tolist(), *ys])
        y1 = max([*boxes[:, 1].tolist(), *(y + 1 for y in ys)])
        x0 = min([*boxes[:, 2].tolist(), *xs])
        x1 = max([*boxes[:, 3].tolist(), *(x + 1 for x in xs)])
        pad = self.options.band.width + 2
        h, w = self.shape
        return slice(max(0, y0 - pad), min(h, y1 + pad)), slice(max(0, x0 - pad), min(w, x1 + pad))


def seed_cutter_for(
    tree: MergeHierarchy,
    image: np.ndarray,
    *,
    boundary_net=None,
    boundary: np.ndarray | None = None,
    options: SeedCutOptions | None = None,
) -> SeedCutter:
    """A :class:`SeedCutter` for an image, with the learned boundary map when a network is given
    or shipped (image gradients otherwise). Reads every pixel: call it in a worker.

    Parameters
    ----------
    tree : MergeHierarchy
        The image's hierarchy (from :func:`~supercuts_app.segmentation.segment.segment_image`).
    image : numpy.ndarray
        (H, W, 3) uint8 RGB.
    boundary_net : BoundaryNet, optional
        Default: the shipped network (None when not installed).
    boundary : numpy.ndarray, optional
        The network's map already computed (by :func:`~supercuts_app.segmentation.segment.
        segment_image`): at the image's size, or at the network's working size before
        :func:`~supercuts_app.segmentation.boundaries.boundary_map` resizes it (then resized
        here the same way).
    options : SeedCutOptions, optional
    """
    from .boundaries import boundary_map, default_boundary_net

    if boundary is None:
        net = boundary_net if boundary_net is not None else default_boundary_net()
        boundary = None if net is None else boundary_map(net, image)
    elif boundary.shape != image.shape[:2]:
        size = (image.shape[1], image.shape[0])
        boundary = np.clip(cv2.resize(boundary, size, interpolation=cv2.INTER_LINEAR), 0.0, 1.0)
    return SeedCutter(tree, image, boundary=boundary, options=options)


@dataclass(frozen=True)
class _WholeMask:
    """An (H, W) mask as a :class:`MaskCrop` whose rectangle is the image."""

    box: Slice2D
    crop: np.ndarray


def _as_crop(within: np.ndarray | MaskCrop | None, shape: tuple[int, int]) -> MaskCrop | None:
    if within is None or not isinstance(within, np.ndarray):
        return within
    return _WholeMask((slice(0, shape[0]), slice(0, shape[1])), within)


def _read(limit: MaskCrop, window: Slice2D) -> np.ndarray:
    """A new (h, w) bool array: the pixels of ``limit`` in ``window`` (False outside its
    rectangle)."""
    out = np.zeros((window[0].stop - window[0].start, window[1].stop - window[1].start), bool)
    common = intersect_box(window, limit.box)
    if common is not None:
        by, bx = limit.box[0].start, limit.box[1].start
        wy, wx = window[0].start, window[1].start
        out[shift_box(common, -wy, -wx)] = limit.crop[shift_box(common, -by, -bx)]
    return out


def _keep_seeds(
    mask: np.ndarray, seeds: Sequence[SeedLike], window: Slice2D, allowed: np.ndarray | None
) -> np.ndarray:
    """``mask`` (a crop at ``window``) with every seed's pixel on its seed's side, the later
    seed winning (a grown or shrunk border must not swallow or drop a click), never outside
    ``allowed``."""
    for seed in seeds:
        y, x = int(seed.y) - window[0].start, int(seed.x) - window[1].start
        if 0 <= y < mask.shape[0] and 0 <= x < mask.shape[1]:
            mask[y, x] = seed.positive and (allowed is None or bool(allowed[y, x]))
    return mask


def _local(points: list[Point], window: Slice2D) -> list[Point]:
    return [(p[0] - window[0].start, p[1] - window[1].start) for p in points]


def _tight(mask: np.ndarray, window: Slice2D) -> SeedCut:
    box = mask_bbox(mask)
    if box is None:
        return SeedCut(np.zeros((0, 0), bool), NOWHERE)
    placed = shift_box(box, window[0].start, window[1].start)
    return SeedCut(np.ascontiguousarray(mask[box]), placed)
