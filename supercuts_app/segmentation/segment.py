"""Segmenting an image: :func:`segment_image` is the one function that computes (or reads from
the cache) an image's superpixels and merge hierarchy, for the window, the CLI, evaluation and
batch precompute alike; :func:`window_segmentation` derives what the window draws from its
result, and :func:`cutter_for_window` what its seed clicks need."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from supercuts_app.base.defaults import BOUNDARY_MAX_PIXELS, DEFAULT_SUPERPIXELS, fits_uint16
from supercuts_app.base.images import DEFAULT_MAX_PIXELS, load_image
from supercuts_app.base.tasks import CancelFn, ProgressFn, check_cancelled, report

from .boundaries import BoundaryNet
from .cache import SegmentationCache, image_digest, segmentation_key
from .density import SuperpixelDensity, superpixel_count
from .edge_graph_model import GraphEdgeScorer
from .edge_model import EdgeModel
from .features import Backbone
from .hierarchy import MergeHierarchy
from .region_graph import RegionGraph
from .region_index import RegionIndex
from .superpixels import (
    SuperpixelResult,
    compute_superpixels,
    working_image,
    working_pixels_for,
    working_size,
)

if TYPE_CHECKING:
    from .seeded_cut import SeedCutOptions, SeedCutter


@dataclass
class LoadedImage:
    """An image read from disk."""

    path: Path
    pixels: np.ndarray


@dataclass
class Segmentation:
    """An image's superpixels and their merge hierarchy: what :func:`segment_image` returns.

    ``boundary`` is the learned boundary map of the image at the boundary network's working
    resolution, as :func:`~supercuts_app.segmentation.boundaries.boundary_map` computes it before
    resizing to the image, when the hierarchy computed exactly that map (None when read from the
    cache): the seed cutter then does not run the network again."""

    result: SuperpixelResult
    tree: MergeHierarchy
    boundary: np.ndarray | None = field(default=None, kw_only=True)
    graph: RegionGraph | None = field(default=None, kw_only=True)
    """The region graph the hierarchy was built on (over :func:`graph_inputs`' labels), when
    computed here and asked for (``segment_image(..., keep_graph=True)``)."""


@dataclass
class ShownSegmentation(Segmentation):
    """A segmentation with its contour map, as the window shows it.

    ``ucm`` (H, W) uint16 holds, on each border pixel, 1 + the coarsest level at which the border
    still separates two regions, so the borders of level ``l`` are exactly ``ucm > l``: moving the
    slider only changes which values are drawn.
    """

    ucm: np.ndarray


@dataclass
class WindowSegmentation:
    """A segmentation plus what the window derives from every pixel of it, computed in the worker
    rather than on the GUI thread: the contour map, the index of region masks and the hover
    layer's id image."""

    shown: ShownSegmentation
    regions: RegionIndex
    hover_ids: np.ndarray
    boundary: np.ndarray | None = None


def open_image(
    path: str | Path,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> LoadedImage:
    """Load an image for display (raises ``ImageLoadError`` on bad input)."""
    report(progress, "loading image", 0.0)
    pixels = load_image(path, max_pixels=max_pixels)
    check_cancelled(cancel)
    report(progress, "loading image", 1.0)
    return LoadedImage(Path(path), pixels)


def segment_image(
    image: np.ndarray,
    *,
    method: str | None = None,
    n_segments: int | None = None,
    backbone: Backbone | str | None = None,
    edge_model: EdgeModel | GraphEdgeScorer | None = None,
    spectral_weight: float | None = None,
    region_weight: float | None = None,
    boundary_net: BoundaryNet | None = None,
    density: SuperpixelDensity | None = None,
    settings: SegmentationSettings | None = None,
    cache: SegmentationCache | None = None,
    keep_graph: bool = False,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> Segmentation:
    """Superpixels and their merge hierarchy for one image.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W, 3) uint8 RGB.
    method : str, optional
        Superpixel method, ``"ssn"`` (default) or ``"slic"``.
    n_segments : int, optional
        A fixed count of superpixels: wins over ``density`` (default: ``density``'s count, else
        :data:`~supercuts_app.base.defaults.DEFAULT_SUPERPIXELS`).
    backbone : Backbone or str, optional
        A built backbone, or a timm model name built once per process (default: the shipped
        EfficientNet-Lite0; raises ``BackboneError`` when its weights cannot be had).
    edge_model : EdgeModel or GraphEdgeScorer, optional
        Edge scoring (default: the shipped graph network with the shipped MLP when installed,
        else the hand-set weights).
    spectral_weight, region_weight : float, optional
        Hierarchy weights (default: ``DEFAULT_SPECTRAL_WEIGHT``, ``DEFAULT_REGION_WEIGHT``).
    boundary_net : BoundaryNet, optional
        The learned boundary network whose map gives the main border cues (default: the shipped
        one; only a broken install lacks it, and then those cues read as zero).
    density : SuperpixelDensity, optional
        Superpixels per megapixel within a floor and a cap, used when ``n_segments`` is not
        given (see :mod:`~supercuts_app.segmentation.density`).
    settings : SegmentationSettings, optional
        All of the above already resolved (e.g. to compute the cache key first); then none of
        them may be passed.
    cache : SegmentationCache, optional
        A result computed before for the same pixels and settings is read from it instead of
        recomputed, and a new one is stored in it.
    keep_graph : bool
        Return the region graph too, when it is computed (not for a cached result).
    progress, cancel : callable, optional
        Progress report ``(stage, fraction)`` and cancel flag (see :mod:`supercuts_app.base.tasks`).

    Returns
    -------
    Segmentation
        The superpixels (``result``) and the hierarchy (``tree``).
    """
    from .boundaries import boundary_map
    from .hierarchy import build_hierarchy
    from .region_graph import deep_region_graph

    options = (method, n_segments, backbone, edge_model, spectral_weight, region_weight)
    if settings is None:
        settings = SegmentationSettings.resolve(
            *options, boundary_net=boundary_net, density=density
        )
    elif any(option is not None for option in (*options, boundary_net, density)):
        raise TypeError("segment_image takes settings or separate options, not both")
    key = None
    if cache is not None:
        key = settings.cache_key(image)
        cached = cache.load(key)
        if cached is not None:
            report(progress, "hierarchy", 1.0)
            return Segmentation(*cached)
    result = compute_superpixels(
        image,
        method=settings.method,
        n_segments=settings.count(image.shape[0], image.shape[1]),
        backbone=settings.backbone,
        progress=progress,
        cancel=cancel,
    )
    report(progress, "hierarchy", 0.0)
    check_cancelled(cancel)
    graph_image, graph_labels = graph_inputs(image, result)
    boundary = None
    if settings.boundary_net is not None:
        boundary = boundary_map(settings.boundary_net, graph_image)
    graph = deep_region_graph(
        settings.backbone,
        graph_image,
        graph_labels,
        boundary_net=settings.boundary_net,
        boundary=boundary,
        cancel=cancel,
    )
    # The seed cutter's map is the network's map of the image shrunk to its working size: the
    # very same map when the graph image is that shrunk image (or the image itself).
    if graph_image.shape[:2] != working_size(*image.shape[:2], BOUNDARY_MAX_PIXELS):
        boundary = None
    del graph_image, graph_labels
    tree = build_hierarchy(
        result.labels,
        graph,
        model=settings.edge_model,
        spectral_weight=settings.spectral_weight,
        region_weight=settings.region_weight,
    )
    if cache is not None and key is not None:
        try:
            cache.save(key, result, tree)
        except OSError:
            pass  # a full or read-only cache folder costs a recomputation later, nothing else
    report(progress, "hierarchy", 1.0)
    return Segmentation(result, tree, boundary=boundary, graph=graph if keep_graph else None)


def graph_inputs(image: np.ndarray, result: SuperpixelResult) -> tuple[np.ndarray, np.ndarray]:
    """The image and label map an image's region graph is read on: the image and its
    superpixels, or for a large photo the working image and labels the superpixels were computed
    on (same ids). Its cues are made at most at that size anyway, its sizes and gradients stay
    near those the edge model is trained on, and no full-size per-pixel arrays are made."""
    if result.working_labels is None:
        return image, result.labels
    return working_image(image, result.params["working_pixels"]), result.working_labels


def window_segmentation(segmentation: Segmentation) -> WindowSegmentation:
    """What the window draws from ``segmentation``: its contour map, region index and hover ids
    (each reads every pixel: call it in the worker)."""
    tree = segmentation.tree
    sp = tree.superpixels
    ids = sp.astype(np.uint16 if fits_uint16(sp.max(initial=0)) else np.int32)
    shown = ShownSegmentation(segmentation.result, tree, tree.ucm())
    regions = RegionIndex.from_tree(tree)
    return WindowSegmentation(shown, regions, ids, segmentation.boundary)


def segment_for_window(
    image: np.ndarray,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    **options,
) -> WindowSegmentation:
    """The window's worker job: :func:`segment_image` (same ``options``) and
    :func:`window_segmentation` of its result."""
    segmentation = segment_image(image, progress=progress, cancel=cancel, **options)
    check_cancelled(cancel)
    return window_segmentation(segmentation)


def cutter_for_window(
    tree: MergeHierarchy,
    image: np.ndarray,
    *,
    boundary_net: BoundaryNet | None = None,
    boundary: np.ndarray | None = None,
    options: SeedCutOptions | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> SeedCutter:
    """The window's job after :func:`segment_for_window`: the seed clicks' cutter (see
    :func:`~supercuts_app.segmentation.seeded_cut.seed_cutter_for`). A job of its own, so that
    the levels are shown without waiting for it. ``boundary`` is the segmentation's boundary
    map (:attr:`WindowSegmentation.boundary`) when it computed one; a cached segmentation does
    not hold it, and the boundary network runs again. ``options``: how seeds become masks (a
    project's border offsets)."""
    from .seeded_cut import seed_cutter_for

    report(progress, "seed clicks", 0.0)
    check_cancelled(cancel)
    cutter = seed_cutter_for(
        tree, image, boundary_net=boundary_net, boundary=boundary, options=options
    )
    report(progress, "seed clicks", 1.0)
    return cutter


@dataclass(frozen=True)
class SegmentationSettings:
    """Everything that decides an image's superpixels and hierarchy, defaults filled in.

    Its :meth:`cache_key` names the cached result, so the window, the CLI and batch precompute
    (possibly on other machines) agree on what is already computed.

    ``n_segments`` is a fixed count, or None when ``density`` decides the count per image (see
    :meth:`count`); both None (as built by hand) mean the default count."""

    method: str
    n_segments: int | None
    backbone: Backbone
    edge_model: EdgeModel | GraphEdgeScorer | None
    spectral_weight: float
    region_weight: float
    boundary_net: BoundaryNet | None = None
    density: SuperpixelDensity | None = None

    @classmethod
    def resolve(
        cls,
        method: str | None = None,
        n_segments: int | None = None,
        backbone: Backbone | str | None = None,
        edge_model: EdgeModel | GraphEdgeScorer | None = None,
        spectral_weight: float | None = None,
        region_weight: float | None = None,
        *,
        boundary_net: BoundaryNet | None = None,
        density: SuperpixelDensity | None = None,
    ) -> SegmentationSettings:
        """The settings with every None replaced by its default (the backbone built, or taken
        from this process's cache of built ones, when given by name; the shipped boundary
        network, read once per process). A fixed ``n_segments`` wins over ``density``, which
        is then dropped; with neither, the count is the default one."""
        from .boundaries import default_boundary_net
        from .edge_graph_model import default_edge_scorer
        from .features import DEFAULT_BACKBONE, cached_backbone
        from .hierarchy import DEFAULT_REGION_WEIGHT, DEFAULT_SPECTRAL_WEIGHT

        if backbone is None or isinstance(backbone, str):
            backbone = cached_backbone(backbone or DEFAULT_BACKBONE)
        if n_segments is None and density is None:
            n_segments = DEFAULT_SUPERPIXELS
        return cls(
            method or "ssn",
            n_segments,
            backbone,
            edge_model if edge_model is not None else default_edge_scorer(),
            DEFAULT_SPECTRAL_WEIGHT if spectral_weight is None else spectral_weight,
            DEFAULT_REGION_WEIGHT if region_weight is None else region_weight,
            boundary_net if boundary_net is not None else default_boundary_net(),
            density if n_segments is None else None,
        )

    def count(self, height: int, width: int) -> int:
        """Superpixels asked for on an image of ``height`` x ``width`` pixels."""
        return superpixel_count(height, width, n_segments=self.n_segments, density=self.density)

    def cache_key(self, image: np.ndarray) -> str:
        """Cache key of ``image``'s segmentation under these settings.

        It holds the count the image resolves to, not how it was asked for: a fixed count and
        a density giving the same count share a key."""
        height, width = image.shape[:2]
        count = self.count(height, width)
        params = {
            "method": self.method,
            "n_segments": count,
            "backbone": self.backbone.fingerprint(),
            "ssn_head": _head_fingerprint(self.backbone) if self.method == "ssn" else None,
            "edge_model": self.edge_model.fingerprint() if self.edge_model is not None else None,
            "spectral_weight": self.spectral_weight,
            "region_weight": self.region_weight,
            "boundary_net": self.boundary_net.map_key() if self.boundary_net is not None else None,
        }
        work = working_size(height, width, working_pixels_for(count))
        if work != (height, width):
            # Only images segmented at a working size hold it, so the keys of smaller ones stay
            # those of the releases before the working size grew with the count.
            params["working_size"] = list(work)
        return segmentation_key(image_digest(image), params)


def _head_fingerprint(backbone) -> str | None:
    """Fingerprint of the SSN head the superpixels will use (the shipped one, if any)."""
    from .ssn_head import default_head

    head = default_head(backbone)
    return head.fingerprint() if head is not None else None
