"""Object and part suggestions as the window shows them: masks and outlines, computed off the GUI
thread."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supercuts_app.base.boxes import Slice2D
from supercuts_app.base.tasks import CancelFn, ProgressFn, check_cancelled, report


@dataclass
class Suggestion:
    """A proposal as the window shows it: its pixels (the crop ``crop`` at ``box``) and its
    outline as a polyline (x and y with NaN between contours), traced here in the worker."""

    kind: str  # "object" or "part"
    crop: np.ndarray
    box: Slice2D
    score: float
    xs: np.ndarray
    ys: np.ndarray
    parent: int | None = None  # the object a part suggestion belongs to


def outline(mask: np.ndarray, box: Slice2D | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Closed outer contours of a mask, joined with NaN breaks (pixel-centre coordinates).

    ``mask`` is the whole image's, or a crop at ``box`` (the outline is then placed there)."""
    import cv2

    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    y0, x0 = (0, 0) if box is None else (box[0].start, box[1].start)
    xs, ys = [], []
    for c in contours:
        pts = c[:, 0, :].astype(float) + (x0 + 0.5, y0 + 0.5)
        pts = np.vstack([pts, pts[:1], [np.nan, np.nan]])
        xs.append(pts[:, 0])
        ys.append(pts[:, 1])
    if not xs:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(xs), np.concatenate(ys)


def suggest(
    image: np.ndarray,
    tree,
    *,
    backbone_name: str | None = None,
    object_mask: np.ndarray | None = None,
    object_box: Slice2D | None = None,
    parent: int | None = None,
    n_objects: int = 5,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> list[Suggestion]:
    """Object suggestions for the image (from its hierarchy ``tree``'s superpixels and regions),
    or part suggestions inside ``object_mask`` (the whole image's mask, or its crop at
    ``object_box``)."""
    from supercuts_app.segmentation.features import DEFAULT_BACKBONE, cached_backbone
    from supercuts_app.segmentation.proposal_features import superpixel_features
    from supercuts_app.segmentation.proposals import (
        hierarchy_regions,
        propose_objects,
        propose_parts,
    )

    report(progress, "deep features", 0.1)
    backbone = cached_backbone(backbone_name or DEFAULT_BACKBONE)
    feats = superpixel_features(image, tree.superpixels, backbone)
    check_cancelled(cancel)
    report(progress, "spectral proposals", 0.6)
    if object_mask is None:
        regions = hierarchy_regions(tree)
        found, kind = propose_objects(feats, n_objects, regions=regions), "object"
    else:
        found, kind = propose_parts(feats, object_mask, box=object_box), "part"
    check_cancelled(cancel)
    out = [
        Suggestion(kind, p.crop, p.box, p.score, *outline(p.crop, p.box), parent=parent)
        for p in found
    ]
    report(progress, "spectral proposals", 1.0)
    return out
