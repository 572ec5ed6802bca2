"""Superpixels for the app: SSN (default) or SLIC, at a working resolution, then full size.

Large photos are segmented at a working resolution; the labels are brought back to full size by
re-deciding only the pixels near superpixel borders against the full-resolution colours, so
borders follow the photo's edges, and the result is made of connected regions numbered 0..K-1.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from skimage import measure

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS
from supercuts_app.base.tasks import CancelFn, ProgressFn, check_cancelled, report

from .boundaries import BoundaryNet
from .features import DEFAULT_BACKBONE, Backbone, cached_backbone
from .ssn import SSNParams, lab_image, ssn_superpixels
from .ssn_head import SSNHead, default_head

Method = Literal["ssn", "slic"]
METHODS: tuple[str, ...] = ("ssn", "slic")
DEFAULT_WORKING_PIXELS = 500_000


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
    """

    labels: np.ndarray
    method: str
    requested: int
    seconds: float = 0.0
    params: dict = field(default_factory=dict)

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
    max_working_pixels: int = DEFAULT_WORKING_PIXELS,
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
    max_working_pixels : int
        Images larger than this are segmented at a reduced size and refined back to full size.
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

    if labels.shape != (height, width):
        labels = upscale_labels(labels, image, work)
        report(progress, "full resolution", 0.85)
        check_cancelled(cancel)
    min_size = max(1, int(min_size_factor * height * width / max(n_segments, 1)))
    labels = connected_superpixels(labels, min_size=min_size)
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
        boundaries = boundary_map(boundary_net, image)
    elif boundaries.shape != image.shape[:2]:
        raise ValueError(
            f"the boundary map is {boundaries.shape[1]}x{boundaries.shape[0]}, "
            f"the image {image.shape[1]}x{image.shape[0]}"
        )
    if boundaries.shape != work.shape[:2]:
        size = (work.shape[1], work.shape[0])
        boundaries = cv2.resize(boundaries.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    return boundary_net, np.asarray(boundaries, dtype=np.float32)


def working_image(image: np.ndarray, max_pixels: int = DEFAULT_WORKING_PIXELS) -> np.ndarray:
    """``image`` shrunk (area-averaged) to at most ``max_pixels``, or itself if already smaller.

    Superpixels and hierarchy features both use it, so they see the very same working image.
    """
    height, width = image.shape[:2]
    scale = min(1.0, (max_pixels / (height * width)) ** 0.5)
    if scale == 1.0:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def connected_superpixels(labels: np.ndarray, *, min_size: int) -> np.ndarray:
    """Split labels into 4-connected regions, merge those under ``min_size``, number 0..K-1.

    Each small fragment joins the neighbour it shares the longest border with; fragments that only
    touch other fragments are merged with them and re-checked on the next pass.
    """
    regions = _components(labels)
    for _ in range(4):
        sizes = np.bincount(regions.ravel())
        small = sizes < min_size
        if not small.any() or len(sizes) == 1:
            break
        a, b, count = _border_pairs(regions, small)
        if a.size == 0:
            break
        # Longest border first, so the first row of each fragment is its best neighbour.
        order = np.lexsort((-count, a))
        a, b = a[order], b[order]
        first = np.ones(a.size, dtype=bool)
        first[1:] = a[1:] != a[:-1]
        n = len(sizes)
        graph = sparse.coo_matrix((np.ones(first.sum()), (a[first], b[first])), shape=(n, n))
        _, merged = connected_components(graph, directed=False)
        regions = merged[regions]
        regions = _components(regions)
    return regions.astype(np.int32)


def _components(labels: np.ndarray) -> np.ndarray:
    """4-connected regions of equal label, numbered from 0 in raster order."""
    # background=-1 never occurs in labels >= 0, so every pixel belongs to a region.
    regions = measure.label(labels, background=-1, connectivity=1)
    regions -= 1
    return regions


def _border_pairs(
    regions: np.ndarray, small: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (a, b) of 4-adjacent regions with ``small[a]``, and their shared border length.

    Only the pixels of small regions are visited, so this stays cheap on 12 MP label maps.
    """
    height, width = regions.shape
    ys, xs = np.nonzero(small[regions])
    a_parts, b_parts = [], []
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        ny, nx = ys + dy, xs + dx
        ok = (ny >= 0) & (ny < height) & (nx >= 0) & (nx < width)
        a = regions[ys[ok], xs[ok]]
        b = regions[ny[ok], nx[ok]]
        diff = a != b
        a_parts.append(a[diff])
        b_parts.append(b[diff])
    a, b = np.concatenate(a_parts).astype(np.int64), np.concatenate(b_parts).astype(np.int64)
    n = int(regions.max()) + 1
    pairs, count = np.unique(a * n + b, return_counts=True)
    return pairs // n, pairs % n, count


def upscale_labels(
    labels: np.ndarray, image: np.ndarray, work_image: np.ndarray, *, chunk: int = 1 << 20
) -> np.ndarray:
    """Bring working-resolution labels to the full size of ``image`` along its edges.

    Pixels away from superpixel borders keep the nearest-neighbour label. Pixels in a band around
    each border choose, among their own label and the labels one working pixel away, the one
    whose mean CIELAB colour and centre (SLIC's distance) are closest to the pixel.

    Parameters
    ----------
    labels : numpy.ndarray
        (h, w) labels of ``work_image``.
    image : numpy.ndarray
        (H, W, 3) uint8 full-resolution image.
    work_image : numpy.ndarray
        (h, w, 3) uint8 image the labels were computed on.
    """
    height, width = image.shape[:2]
    small_h, small_w = labels.shape
    up = cv2.resize(labels.astype(np.float32), (width, height), interpolation=cv2.INTER_NEAREST)
    step = max(1, int(np.ceil(max(height / small_h, width / small_w))))
    kernel = np.ones((2 * step + 1, 2 * step + 1), np.uint8)
    band = cv2.dilate(up, kernel) != cv2.erode(up, kernel)
    up = up.astype(np.int32)
    ys, xs = np.nonzero(band)
    del band
    if ys.size == 0:
        return up

    # Label statistics from the working image: cheap, and the same regions.
    n = int(labels.max()) + 1
    flat = labels.ravel()
    area = np.bincount(flat, minlength=n).astype(np.float32).clip(min=1)
    work_lab = lab_image(work_image).reshape(-1, 3)
    mean_lab = np.stack([np.bincount(flat, work_lab[:, c], n) for c in range(3)], 1) / area[:, None]
    wy, wx = np.divmod(np.arange(flat.size), small_w)
    centre = (
        np.stack(
            [
                np.bincount(flat, (wy + 0.5) * (height / small_h), n),
                np.bincount(flat, (wx + 0.5) * (width / small_w), n),
            ],
            1,
        )
        / area[:, None]
    )
    mean_lab, centre = mean_lab.astype(np.float32), centre.astype(np.float32)
    # Superpixel-sized spatial term, as in SLIC: one grid step of distance ~ a colour unit of 10.
    spatial_weight = np.float32((10.0 / np.sqrt(height * width / n)) ** 2)
    offsets = ((0, 0), (-step, 0), (step, 0), (0, -step), (0, step))

    for start in range(0, ys.size, chunk):
        y, x = ys[start : start + chunk], xs[start : start + chunk]
        cands = np.stack(
            [
                up[np.clip(y + dy, 0, height - 1), np.clip(x + dx, 0, width - 1)]
                for dy, dx in offsets
            ],
            axis=1,
        )
        pix = lab_image(image[y, x][:, None, :])[:, 0, :]
        cost = np.zeros(cands.shape, np.float32)
        for c in range(3):
            cost += (mean_lab[cands, c] - pix[:, c, None]) ** 2
        dy = centre[cands, 0] - y[:, None].astype(np.float32)
        dx = centre[cands, 1] - x[:, None].astype(np.float32)
        cost += (dy * dy + dx * dx) * spatial_weight
        best = np.argmin(cost, axis=1)
        up[y, x] = cands[np.arange(cands.shape[0]), best]
    return up


def label_boundaries(labels: np.ndarray) -> np.ndarray:
    """Boolean map of pixels whose right or lower neighbour has another label (1 px thick)."""
    edge = np.zeros(labels.shape, dtype=bool)
    edge[:, :-1] |= labels[:, :-1] != labels[:, 1:]
    edge[:-1, :] |= labels[:-1, :] != labels[1:, :]
    return edge
