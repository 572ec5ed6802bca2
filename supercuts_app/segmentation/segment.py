"""Steps the app runs for an image, as plain functions the GUI worker and the CLI both call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from supercuts_app.base.images import DEFAULT_MAX_PIXELS, load_image
from supercuts_app.base.tasks import CancelFn, ProgressFn, check_cancelled, report

from .cache import SegmentationCache, image_digest, segmentation_key
from .hierarchy import MergeHierarchy
from .region_index import RegionIndex
from .superpixels import SuperpixelResult, compute_superpixels


@dataclass
class LoadedImage:
    """An image read from disk."""

    path: Path
    pixels: np.ndarray


@dataclass
class ShownSegmentation:
    """What the window shows for an image: superpixels, their hierarchy and its contour map.

    ``ucm`` (H, W) uint16 holds, on each border pixel, 1 + the coarsest level at which the border
    still separates two regions, so the borders of level ``l`` are exactly ``ucm > l``: moving the
    slider only changes which values are drawn.
    """

    result: SuperpixelResult
    tree: MergeHierarchy
    ucm: np.ndarray


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


def segmentation_for_display(
    image: np.ndarray,
    *,
    method: str = "ssn",
    n_segments: int = 600,
    backbone_name: str | None = None,
    cache: SegmentationCache | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ShownSegmentation:
    """Superpixels, hierarchy and contour map of ``image`` for the window.

    ``backbone_name`` is a timm model name (default: the shipped EfficientNet-Lite0); it is built
    once per process (raises ``BackboneError`` when its weights cannot be had).
    """
    from .features import DEFAULT_BACKBONE, cached_backbone

    backbone = cached_backbone(backbone_name or DEFAULT_BACKBONE)
    result, tree = hierarchy_for_image(
        image,
        method=method,
        n_segments=n_segments,
        backbone=backbone,
        cache=cache,
        progress=progress,
        cancel=cancel,
    )
    check_cancelled(cancel)
    return ShownSegmentation(result, tree, tree.ucm())


def hierarchy_for_image(
    image: np.ndarray,
    *,
    method: str = "ssn",
    n_segments: int = 600,
    backbone=None,
    edge_model=None,
    spectral_weight: float | None = None,
    region_weight: float | None = None,
    cache: SegmentationCache | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> tuple[SuperpixelResult, MergeHierarchy]:
    """Superpixels and their merge hierarchy for one image.

    ``backbone`` is a built :class:`~supercuts_app.segmentation.features.Backbone` (the default one
    when None); ``edge_model`` defaults to the shipped model when installed. With a ``cache``, a result
    computed before for the same pixels and parameters is read instead of recomputed, and a new
    one is stored.
    """
    from .hierarchy import build_hierarchy
    from .region_graph import deep_region_graph

    settings = SegmentationSettings.resolve(
        method, n_segments, backbone, edge_model, spectral_weight, region_weight
    )
    backbone = settings.backbone
    key = None
    if cache is not None:
        key = settings.cache_key(image)
        cached = cache.load(key)
        if cached is not None:
            report(progress, "hierarchy", 1.0)
            return cached
    result = compute_superpixels(
        image,
        method=method,
        n_segments=n_segments,
        backbone=backbone,
        progress=progress,
        cancel=cancel,
    )
    report(progress, "hierarchy", 0.0)
    check_cancelled(cancel)
    graph = deep_region_graph(backbone, image, result.labels)
    check_cancelled(cancel)
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
    return result, tree


@dataclass(frozen=True)
class SegmentationSettings:
    """Everything that decides an image's superpixels and hierarchy, defaults filled in.

    Its :meth:`cache_key` names the cached result, so the window, the CLI and batch precompute
    (possibly on other machines) agree on what is already computed."""

    method: str
    n_segments: int
    backbone: object
    edge_model: object
    spectral_weight: float
    region_weight: float

    @classmethod
    def resolve(
        cls,
        method: str = "ssn",
        n_segments: int = 600,
        backbone=None,
        edge_model=None,
        spectral_weight: float | None = None,
        region_weight: float | None = None,
    ) -> SegmentationSettings:
        from .features import cached_backbone
        from .hierarchy import DEFAULT_REGION_WEIGHT, DEFAULT_SPECTRAL_WEIGHT, default_edge_model

        return cls(
            method,
            n_segments,
            backbone or cached_backbone(),
            edge_model if edge_model is not None else default_edge_model(),
            DEFAULT_SPECTRAL_WEIGHT if spectral_weight is None else spectral_weight,
            DEFAULT_REGION_WEIGHT if region_weight is None else region_weight,
        )

    def cache_key(self, image: np.ndarray) -> str:
        """Cache key of ``image``'s segmentation under these settings."""
        params = {
            "method": self.method,
            "n_segments": self.n_segments,
            "backbone": self.backbone.fingerprint(),
            "ssn_head": _head_fingerprint(self.backbone) if self.method == "ssn" else None,
            "edge_model": self.edge_model.fingerprint() if self.edge_model is not None else None,
            "spectral_weight": self.spectral_weight,
            "region_weight": self.region_weight,
        }
        return segmentation_key(image_digest(image), params)


def _head_fingerprint(backbone) -> str | None:
    """Fingerprint of the SSN head the superpixels will use (the shipped one, if any)."""
    from .ssn_head import default_head

    head = default_head(backbone)
    return head.fingerprint() if head is not None else None


@dataclass
class WindowSegmentation:
    """A segmentation plus what the window derives from every pixel of it, computed here in the
    worker rather than on the GUI thread: the index of region masks and the hover layer's id
    image."""

    shown: ShownSegmentation
    regions: RegionIndex
    hover_ids: np.ndarray


def segmentation_for_window(image: np.ndarray, **options) -> WindowSegmentation:
    """:func:`segmentation_for_display` and its derived arrays."""
    shown = segmentation_for_display(image, **options)
    sp = shown.tree.superpixels
    ids = sp.astype(np.uint16 if sp.max() < 65535 else np.int32)
    return WindowSegmentation(shown, RegionIndex.from_tree(shown.tree), ids)
