"""What the spectral proposals know about an image's superpixels: one node per superpixel with
its mean deep features, colour, centre, area and neighbours.

On a photo larger than the working size its superpixels were computed at, the features are
read on the working image (its shrunk copy), so proposing costs about the same at 24 MP as at
2 MP; masks are still painted at full size from the superpixels, inside their rectangles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from supercuts_app.base.boxes import NOWHERE, Slice2D

from .features import Backbone
from .region_graph import region_graph, superpixel_deep_features
from .region_index import superpixel_boxes
from .superpixels import working_image, working_pixels_for


@dataclass
class SuperpixelFeatures:
    """What the spectral methods know about one image's superpixels.

    The graph's N nodes are superpixels; on a photo larger than its working size the features
    are read on the working image, and the rare superpixel too small to survive the shrinking
    joins the node it falls in there (``node_of``). Masks are painted from the full-size
    ``superpixels`` inside their rectangles (``boxes``).
    """

    superpixels: np.ndarray  # (H, W) ids 0..K-1, full size
    node_of: np.ndarray  # (K,) node of each superpixel
    boxes: np.ndarray  # (K, 4) [y0, y1, x0, x1) of each superpixel
    deep: np.ndarray  # (N, C) mean backbone features, all levels
    colour: np.ndarray  # (N, 3) mean CIELAB
    centre: np.ndarray  # (N, 2) (y, x) / image diagonal
    area: np.ndarray  # (N,) pixels at full size
    border: np.ndarray  # (N,) pixels on the image's edge, at full size
    adjacency: sparse.csr_matrix  # (N, N) touching pairs
    edges: np.ndarray  # (E, 2) touching pairs i < j
    edge_gradient: np.ndarray  # (E,) mean CIELAB gradient along each shared border
    edge_length: np.ndarray  # (E,) border length

    @property
    def n(self) -> int:
        return len(self.area)

    def nodes_mask(self, nodes: np.ndarray) -> tuple[np.ndarray, Slice2D]:
        """Crop and rectangle of the pixels of ``nodes`` (node ids).

        Returns
        -------
        tuple
            ``(crop, box)``: the (h, w) bool crop of the nodes' superpixels at ``box``, the
            smallest rectangle holding them.
        """
        chosen = np.isin(self.node_of, nodes)
        b = self.boxes[chosen]
        b = b[b[:, 1] > b[:, 0]]  # ids with no pixels have no rectangle
        if b.size == 0:
            return np.zeros((0, 0), bool), NOWHERE
        box = (
            slice(int(b[:, 0].min()), int(b[:, 1].max())),
            slice(int(b[:, 2].min()), int(b[:, 3].max())),
        )
        return chosen[self.superpixels[box]], box


def superpixel_features(
    image: np.ndarray,
    labels: np.ndarray,
    backbone: Backbone,
    *,
    max_pixels: int | None = None,
) -> SuperpixelFeatures:
    """Per-superpixel features of ``image`` (one backbone forward pass).

    Parameters
    ----------
    image : np.ndarray
        (H, W, 3) uint8 RGB.
    labels : np.ndarray
        (H, W) superpixel ids 0..K-1.
    backbone : Backbone
        The feature extractor.
    max_pixels : int, optional
        Working size: larger images are read shrunk to this many pixels (default: the working
        size the superpixels themselves are computed at, see
        :func:`~supercuts_app.segmentation.superpixels.working_pixels_for`).

    Returns
    -------
    SuperpixelFeatures
    """
    k = int(labels.max()) + 1
    work = working_image(image, working_pixels_for(k) if max_pixels is None else max_pixels)
    boxes = superpixel_boxes(labels)
    node_of = np.arange(k)
    if work is image:
        work_labels = labels
    else:
        work_labels, node_of = _shrunk_labels(labels, boxes, work.shape[:2])
    n = int(work_labels.max()) + 1
    deep, _ = superpixel_deep_features(backbone, work, work_labels)
    graph = region_graph(work_labels, work)
    wh, ww = work_labels.shape
    flat = work_labels.ravel()
    rows = np.repeat(np.arange(wh, dtype=np.float64), ww)
    cols = np.tile(np.arange(ww, dtype=np.float64), wh)
    count = np.maximum(graph.area, 1)  # pixels of each node on the working image
    diag = float(np.hypot(wh, ww))
    centre = np.stack(
        [np.bincount(flat, rows, minlength=n), np.bincount(flat, cols, minlength=n)], axis=1
    ) / (count[:, None] * diag)
    # Areas and image-edge pixels are counted at full size, where every superpixel is present.
    area = np.bincount(node_of, np.bincount(labels.ravel(), minlength=k), minlength=n)
    edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    border = np.bincount(node_of[edge], minlength=n).astype(np.float64)
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    adj = sparse.coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    return SuperpixelFeatures(
        superpixels=labels,
        node_of=node_of,
        boxes=boxes,
        deep=deep.astype(np.float64),
        colour=graph.colour.astype(np.float64),
        centre=centre,
        area=area.astype(np.float64),
        border=border,
        adjacency=(adj + adj.T).tocsr(),
        edges=graph.edges,
        edge_gradient=graph.border_gradient,
        edge_length=graph.border_length,
    )


def _shrunk_labels(
    labels: np.ndarray, boxes: np.ndarray, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """``labels`` at ``size`` (nearest), renumbered to the ids still present, and the node of
    every superpixel: its own, or for one lost in the shrinking the node at its centre."""
    import cv2

    h, w = labels.shape
    # float32 holds every id exactly (at most 2**24) and has a nearest-neighbour resize.
    small = cv2.resize(labels.astype(np.float32), size[::-1], interpolation=cv2.INTER_NEAREST)
    small = small.astype(np.int64)
    present = np.zeros(len(boxes), bool)
    present[small.ravel()] = True
    compact = np.cumsum(present) - 1
    node_of = np.where(present, compact, -1)
    lost = np.flatnonzero(~present)
    if lost.size:
        b = boxes[lost]
        cy = np.minimum(((b[:, 0] + b[:, 1]) / 2 * size[0] / h).astype(int), size[0] - 1)
        cx = np.minimum(((b[:, 2] + b[:, 3]) / 2 * size[1] / w).astype(int), size[1] - 1)
        node_of[lost] = compact[small[cy, cx]]
    return compact[small], node_of
