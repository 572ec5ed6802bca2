"""Learning where a project's labels draw borders (:class:`~supercuts_app.segmentation.
border_offset.BorderOffsets`) from its finished masks.

For every finished object and part, the best mask seed clicks could give is made without any
click: the atoms (superpixels split along the boundary map) lying mostly inside the label, with
the pixel stage's borders (inside its object, for a part). That mask is grown and shrunk by
every offset in turn; the offset of best mean IoU with the labels, over all objects and over all
parts, is the project's, when it beats no offset by a clear margin. A project whose labels sit a
pixel outside the image's edges (CCP's clothing parts) learns +1 for parts; BSDS500's regions
learn 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from supercuts_app.annotation.cropped_mask import CroppedMask
from supercuts_app.annotation.document import ImageAnnotations
from supercuts_app.base.boxes import Slice2D, intersect_box, union_box
from supercuts_app.base.images import ImageLoadError, load_image
from supercuts_app.base.tasks import CancelFn, ProgressFn, check_cancelled, report
from supercuts_app.segmentation.border_offset import (
    MAX_BORDER_OFFSET,
    BorderOffsets,
    shift_border,
)
from supercuts_app.segmentation.border_refine import refine_border
from supercuts_app.segmentation.seeded_cut import SeedCutter, seed_cutter_for
from supercuts_app.segmentation.segment import SegmentationSettings, segment_image
from supercuts_app.storage.project import Project

OFFSETS = tuple(range(-MAX_BORDER_OFFSET, MAX_BORDER_OFFSET + 1))
"""The offsets tried (pixels)."""
MIN_IOU_GAIN = 0.002
"""Mean IoU an offset must add over none to be kept (less is noise)."""
MIN_PIXELS = 64
"""Masks smaller than this say nothing about borders and are left out."""
CALIBRATION_IMAGES = 15
"""Annotated images read at most (the latest): enough masks, a few seconds."""


@dataclass(frozen=True)
class LabelledMask:
    """A finished mask: an object's, or a part's with its object.

    Attributes
    ----------
    part : bool
        Whether it is a part.
    pixels : CroppedMask
    within : CroppedMask or None
        A part's object.
    """

    part: bool
    pixels: CroppedMask
    within: CroppedMask | None = None


def document_masks(doc: ImageAnnotations) -> list[LabelledMask]:
    """The non-empty objects and parts of an image's annotations."""
    found = []
    for obj in doc.objects():
        if obj.is_empty():
            continue
        found.append(LabelledMask(False, obj.pixels))
        for part in doc.parts_of(obj.id):
            if not part.is_empty():
                found.append(LabelledMask(True, part.pixels, obj.pixels))
    return found


def offset_ious(cutter: SeedCutter, label: LabelledMask) -> np.ndarray | None:
    """(len(OFFSETS),) IoU with ``label`` of its best click-free cut grown by each offset
    (None when the label is too small or no atom lies mostly inside it)."""
    pixels = label.pixels
    if pixels.area() < MIN_PIXELS:
        return None
    box = pixels.box
    held = cutter.atoms[box][pixels.read(box)]
    share = np.bincount(held, minlength=len(cutter.area)) / np.maximum(cutter.area, 1)
    chosen = share > 0.5
    if not chosen.any():
        return None
    window = _window(cutter, chosen, box)
    mask = cutter.runs.paint(chosen, window)
    truth = pixels.read(window)
    allowed = None if label.within is None else label.within.read(window)
    if allowed is not None:
        mask &= allowed
    boundary = None if cutter.boundary is None else cutter.boundary[window]
    cut = refine_border(
        cutter.image[window], mask, boundary=boundary, within=allowed, options=cutter.options.band
    )
    ious = []
    for offset in OFFSETS:
        grown = shift_border(cut, offset, within=allowed)
        union = int((grown | truth).sum())
        ious.append(int((grown & truth).sum()) / union if union else 0.0)
    return np.array(ious)


def choose_offsets(
    part_ious: Sequence[np.ndarray], object_ious: Sequence[np.ndarray]
) -> BorderOffsets:
    """The offsets of best mean IoU for parts and for objects (zero without a clear gain)."""
    zero = OFFSETS.index(0)

    def best(ious: Sequence[np.ndarray]) -> int:
        if not len(ious):
            return 0
        mean = np.mean(np.stack(ious), axis=0)
        top = int(np.argmax(mean))
        return OFFSETS[top] if mean[top] - mean[zero] >= MIN_IOU_GAIN else 0

    return BorderOffsets(object=best(object_ious), part=best(part_ious))


def calibrate_border_offsets(
    images: Iterable[tuple[SeedCutter, Sequence[LabelledMask]]],
) -> tuple[BorderOffsets, dict[str, int]]:
    """A project's border offsets from its finished masks.

    Parameters
    ----------
    images : iterable of (SeedCutter, sequence of LabelledMask)
        Each annotated image's seed cutter and finished masks.

    Returns
    -------
    tuple
        The offsets, and how many objects and parts they were learnt from
        (``{"objects": n, "parts": m}``).
    """
    parts: list[np.ndarray] = []
    objects: list[np.ndarray] = []
    for cutter, labels in images:
        for label in labels:
            ious = offset_ious(cutter, label)
            if ious is not None:
                (parts if label.part else objects).append(ious)
    return choose_offsets(parts, objects), {"objects": len(objects), "parts": len(parts)}


def image_cutter(image: np.ndarray, settings: SegmentationSettings, *, cache=None) -> SeedCutter:
    """The seed cutter of an image under ``settings`` (its superpixels from ``cache`` when
    there)."""
    segmentation = segment_image(image, settings=settings, cache=cache)
    return seed_cutter_for(
        segmentation.tree,
        image,
        boundary_net=settings.boundary_net,
        boundary=segmentation.boundary,
    )


def project_border_offsets(
    project: Project,
    image_ids: Sequence[int],
    settings: SegmentationSettings,
    *,
    cache=None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> tuple[BorderOffsets, dict[str, int]]:
    """:func:`calibrate_border_offsets` on the last :data:`CALIBRATION_IMAGES` of
    ``image_ids`` (annotated images of ``project``; moved or resized images are skipped)."""
    latest = list(image_ids)[-CALIBRATION_IMAGES:]

    def images():
        for done, image_id in enumerate(latest, start=1):
            check_cancelled(cancel)
            doc = project.editor(image_id).doc
            labels = document_masks(doc)
            try:
                image = load_image(project.image_path(project.image(image_id)))
            except ImageLoadError:
                continue
            if labels and image.shape[:2] == doc.shape:
                yield image_cutter(image, settings, cache=cache), labels
            report(progress, "learning borders", done / len(latest))

    return calibrate_border_offsets(images())


def _window(cutter: SeedCutter, chosen: np.ndarray, box: Slice2D) -> Slice2D:
    """The chosen atoms' and the label's rectangle, with room for the pixel stage and the
    offsets, inside the image."""
    boxes = cutter.boxes[chosen]
    atoms = (
        slice(int(boxes[:, 0].min()), int(boxes[:, 1].max())),
        slice(int(boxes[:, 2].min()), int(boxes[:, 3].max())),
    )
    pad = cutter.options.band.width + MAX_BORDER_OFFSET + 2
    h, w = cutter.shape
    both = union_box(atoms, box)
    padded = (
        slice(both[0].start - pad, both[0].stop + pad),
        slice(both[1].start - pad, both[1].stop + pad),
    )
    return intersect_box(padded, (slice(0, h), slice(0, w)))
