"""Superpixels for the app: SSN (default) or SLIC, at a working resolution, then full size.

Large photos are segmented at a working resolution that grows with the superpixel count
(:func:`working_pixels_for`: at least 0.5 MP, and about a 16-pixel square per superpixel); the
labels are made connected regions numbered 0..K-1 there and brought back to full size with the
same ids by re-deciding only the pixels near superpixel borders against the full-resolution
colours (:mod:`.full_size`), so borders follow the photo's edges. The working labels are kept
beside the full-size ones, so the hierarchy can be computed on the working image.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np
import torch

from supercuts_app.base.defaults import (
    DEFAULT_SUPERPIXELS,
    WORKING_PIXELS,
    WORKING_PIXELS_PER_SUPERPIXEL,
)
from supercuts_app.base.tasks import CancelFn, ProgressFn, check_cancelled, report

from .boundaries import BoundaryNet
from .features import DEFAULT_BACKBONE, Backbone, cached_backbone
from .full_size import connected_superpixels, full_size_labels, upscale_labels
from .ssn import SSNParams, ssn_superpixels
from .ssn_head import SSNHead, default_head

Method = Literal["ssn", "slic"]
METHODS: tuple[str, ...] = ("ssn", "slic")
DEFAULT_WORKING_PIXELS = WORKING_PIXELS
"""The smallest working image (see :func:`working_pixels_for`)."""
__all__ = [
    "METHODS",
    "SuperpixelResult",
    "compute_superpixels",
    "connected_superpixels",
    "label_boundaries",
    "upscale_labels",
    "working_image",
    "working_pixels_for",
]


@dataclass
class SuperpixelResult:
    """Superpixels of one image.

    Attributes
    ----------
    labels : numpy.ndarray
        (H, W) int32 at the image's full resolution; every label is one connected region and the
        labels are exactly 0..n_segments-1.
    method : str
        ``"ssn"`` or ``"slic"``.
    requested : int
        The segment count asked for.
    seconds : float
        Wall time of the computation.
    params : dict
        Everything else that determined the result (for caching and reports).
    working_labels : numpy.ndarray or None
        (h, w) int32 labels of the working image the superpixels were computed on, with the
        same ids as ``labels`` (each present in both), or None when that was the image itself
        (and for results read from a cache).
    """

    labels: np.ndarray
    method: str
    requested: int
    seconds: float = 0.0
    params: dict = field(default_factory=dict)
    working_labels: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_segments(self) -> int:
        """Number of superpixels actually produced."""
        return int(self.labels.max()) + 1 if self.labels.size else 0


def compute_superpixels(
    image: np.ndarray,
    *,
    method: Method = "ssn",
    n_segments: int = DEFAULT_SUPERPIXELS,
    backbone: Backbone | str | None = DEFAULT_BACKBONE,
    ssn_params: SSNParams | None = None,
    head: SSNHead | str | None = "default",
    boundaries: np.ndarray | None = None,
    boundary_net: BoundaryNet | str | None = "default",
    slic_compactness: float = 10.0,
    max_working_pixels: int | None = None,
    min_size_factor: float = 0.25,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> SuperpixelResult:
    """Segment an image into about ``n_segments`` connected superpixels.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W, 3) uint8 RGB.
    method : {"ssn", "slic"}
        SSN on deep features (default) or scikit-image's SLIC (the baseline).
    n_segments : int
        Approximate number of superpixels.
    backbone : Backbone, str or None
        Feature backbone for SSN (a built one, or a timm name); None uses colour and position only.
    ssn_params : SSNParams, optional
        Feature weights and iterations for SSN.
    head : SSNHead, "default" or None
        SSN's learned pixel embedding: ``"default"`` is the shipped trained head when the
        backbone is the default one (else the untrained embedding); None always uses the
        untrained embedding (principal components of the backbone's features).
    boundaries : numpy.ndarray, optional
        (H, W) float32 boundary probabilities of ``image`` made by ``boundary_net`` (e.g. the
        map the hierarchy uses), for a boundary-aware head; computed here when the head needs
        one and none is given. Ignored by other heads.
    boundary_net : BoundaryNet or "default"
        The network that made ``boundaries``, or that computes them: ``"default"`` is the
        shipped one. Its fingerprint enters ``params`` when the head reads boundaries.
    slic_compactness : float
        SLIC's colour/space trade-off.
    max_working_pixels : int, optional
        Images larger than this are segmented at a reduced size and refined back to full size
        (default: :func:`working_pixels_for` ``n_segments``).
    min_size_factor : float
        Fragments smaller than this fraction of the mean superpixel area are merged into a
        neighbour.
    progress, cancel : callable, optional
        See :mod:`supercuts_app.base.tasks`.
    """
    if method not in METHODS:
        raise ValueError(f"unknown superpixel method '{method}' (choose from {', '.join(METHODS)})")
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError("image must be an (H, W, 3) uint8 array")
    if n_segments < 1:
        raise ValueError("n_segments must be at least 1")
    if method == "ssn" and isinstance(backbone, str):
        report(progress, "loading backbone", 0.0)
        backbone = cached_backbone(backbone)  # built once per process, not timed
    start = time.perf_counter()
    height, width = image.shape[:2]
    if max_working_pixels is None:
        max_working_pixels = working_pixels_for(n_segments)
    work = working_image(image, max_working_pixels)

    report(progress, "superpixels", 0.05)
    check_cancelled(cancel)
    if method == "ssn" and isinstance(head, str):
        head = default_head(backbone) if backbone is not None else None
    boundary_params = None
    work_boundaries = None
    if method == "ssn" and backbone is not None and head is not None and head.needs_boundaries:
        boundary_net, work_boundaries = _boundaries_for_head(image, work, boundaries, boundary_net)
        boundary_params = boundary_net.map_key()
    if method == "ssn":
        labels = ssn_superpixels(
            work,
            n_segments,
            backbone=backbone,
            params=ssn_params,
            head=head,
            boundaries=work_boundaries,
        )
    else:
        from skimage.segmentation import slic

        labels = slic(work, n_segments=n_segments, compactness=slic_compactness, start_label=0)
    report(progress, "superpixels", 0.7)
    check_cancelled(cancel)
    work_h, work_w = work.shape[:2]
    min_size = max(1, int(min_size_factor * work_h * work_w / max(n_segments, 1)))
    labels = connected_superpixels(labels, min_size=min_size)
    working_labels = None
    if labels.shape != (height, width):
        report(progress, "full resolution", 0.8)
        check_cancelled(cancel)
        workers = torch.get_num_threads()  # the caller's thread budget (e.g. --threads)
        full = upscale_labels(labels, image, work, workers=workers)
        labels, working_labels = full_size_labels(full, labels)
        del full
    report(progress, "superpixels", 1.0)
    params = {
        "working_pixels": max_working_pixels,
        "min_size_factor": min_size_factor,
    }
    if method == "ssn":
        params["backbone"] = backbone.name if backbone is not None else None
        params["ssn"] = vars(ssn_params or SSNParams()).copy()
        params["head"] = head.fingerprint() if head is not None else "pca"
        if boundary_params is not None:
            params["boundaries"] = boundary_params
    else:
        params["compactness"] = slic_compactness
    return SuperpixelResult(
        labels=labels,
        method=method,
        requested=n_segments,
        seconds=time.perf_counter() - start,
        params=params,
        working_labels=working_labels,
    )


def _boundaries_for_head(
    image: np.ndarray,
    work: np.ndarray,
    boundaries: np.ndarray | None,
    boundary_net: BoundaryNet | str | None,
) -> tuple[BoundaryNet, np.ndarray]:
    """The boundary network and its map of ``image``, resized to the working image ``work``."""
    from .boundaries import boundary_map, default_boundary_net

    if isinstance(boundary_net, str):
        boundary_net = default_boundary_net()
    if boundary_net is None:
        raise ValueError("this SSN head reads boundaries, but no boundary network is installed")
    if boundaries is None:
        # The map of the working image: the network runs at its own working size anyway, and a
        # full-size map of a large photo would only be shrunk again.
        return boundary_net, boundary_map(boundary_net, work)
    if boundaries.shape != image.shape[:2]:
        raise ValueError(
            f"the boundary map is {boundaries.shape[1]}x{boundaries.shape[0]}, "
            f"the image {image.shape[1]}x{image.shape[0]}"
        )
    if boundaries.shape != work.shape[:2]:
        size = (work.shape[1], work.shape[0])
        boundaries = cv2.resize(boundaries.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    return boundary_net, np.asarray(boundaries, dtype=np.float32)


def working_pixels_for(n_segments: int) -> int:
    """Pixels of the working image on which ``n_segments`` superpixels are computed.

    Parameters
    ----------
    n_segments : int
        Superpixels asked for.

    Returns
    -------
    int
        ``WORKING_PIXELS`` (0.5 MP), or ``WORKING_PIXELS_PER_SUPERPIXEL`` per superpixel when
        that is more (from 1,954 superpixels on; see :mod:`supercuts_app.base.defaults`).
    """
    return max(WORKING_PIXELS, int(n_segments) * WORKING_PIXELS_PER_SUPERPIXEL)


def working_size(
    height: int, width: int, max_pixels: int = DEFAULT_WORKING_PIXELS
) -> tuple[int, int]:
    """(height, width) of :func:`working_image` for an image of ``height`` x ``width``."""
    scale = min(1.0, (max_pixels / (height * width)) ** 0.5)
    if scale == 1.0:
        return height, width
    return max(1, round(height * scale)), max(1, round(width * scale))


def working_image(image: np.ndarray, max_pixels: int = DEFAULT_WORKING_PIXELS) -> np.ndarray:
    """``image`` shrunk (area-averaged) to at most ``max_pixels``, or itself if already smaller.

    Superpixels and hierarchy features both use it, so they see the very same working image.
    """
    height, width = image.shape[:2]
    size = working_size(height, width, max_pixels)
    if size == (height, width):
        return image
    return cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_AREA)


def label_boundaries(labels: np.ndarray) -> np.ndarray:
    """Boolean map of pixels whose right or lower neighbour has another label (1 px thick)."""
    edge = np.zeros(labels.shape, dtype=bool)
    edge[:, :-1] |= labels[:, :-1] != labels[:, 1:]
    edge[:-1, :] |= labels[:-1, :] != labels[1:, :]
    return edge
