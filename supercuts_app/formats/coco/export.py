"""COCO export of a project's objects and parts.

``images`` (``file_name`` relative to the project folder), ``categories`` (object classes, then
part classes with ``supercategory`` = their object class and ``part_of`` = its id),
``annotations`` with RLE (or polygon) ``segmentation``, exact ``bbox`` and ``area``, and
``parent_id`` on every part. Everything is read in one transaction, so an edit or an import
committed meanwhile is either wholly in the export or not at all.
"""

from __future__ import annotations

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from supercuts_app import __version__
from supercuts_app.annotation.categories import CategorySet, color_hex
from supercuts_app.annotation.masks import decode_cropped, rle_bbox_area
from supercuts_app.storage.project import Project
from supercuts_app.storage.store import ImageRecord


def export_coco(project: Project, *, polygons: bool = False) -> dict:
    """The project as a COCO dict; empty masks are left out (COCO has no empty annotations).

    Parameters
    ----------
    project : Project
        An open project (read-only is enough).
    polygons : bool
        Write outer contours as polygons instead of RLE masks (holes are lost).

    Returns
    -------
    dict
        ``info``, ``licenses``, ``images``, ``categories`` and ``annotations``.
    """
    with project.store.snapshot():
        return _export(project, polygons)


def _export(project: Project, polygons: bool) -> dict:
    cats = project.store.load_categories()
    out = {
        "info": {"description": f"{project.path.name}", "version": "1.0",
                 "contributor": f"SuperCuts {__version__}"},
        "licenses": [],
        "images": [],
        "categories": coco_categories(cats),
        "annotations": [],
    }  # fmt: skip
    for record in project.store.images():
        out["images"].append(
            {"id": record.id, "file_name": record.path, "width": record.width,
             "height": record.height}
        )  # fmt: skip
        kept: set[int] = set()
        for stored in project.store.load_rles(record):
            if stored.parent_id is not None and stored.parent_id not in kept:
                continue
            entry = _annotation_entry(stored.rle, record, polygons)
            if entry is None:
                continue
            entry.update(
                id=stored.id, image_id=record.id, category_id=stored.category_id, iscrowd=0
            )
            if stored.parent_id is not None:
                entry["parent_id"] = stored.parent_id
            kept.add(stored.id)
            out["annotations"].append(entry)
    return out


def coco_categories(cats: CategorySet) -> list[dict]:
    """COCO ``categories``: object classes, then part classes linked to theirs."""
    entries = [
        {"id": c.id, "name": c.name, "supercategory": "object", "color": color_hex(c.color)}
        for c in cats.objects()
    ]
    for obj in cats.objects():
        entries.extend(
            {"id": p.id, "name": p.name, "supercategory": obj.name, "part_of": obj.id,
             "color": color_hex(p.color)}
            for p in cats.parts_of(obj.id)
        )  # fmt: skip
    return entries


def _annotation_entry(rle: dict, record: ImageRecord, polygons: bool) -> dict | None:
    if polygons:
        pixels = decode_cropped(rle)
        poly = mask_to_polygons(pixels.crop, origin=(pixels.box[1].start, pixels.box[0].start))
        if not poly:
            return None
        # bbox and area are those of the polygons as a reader rasterises them.
        rle = mask_utils.merge(mask_utils.frPyObjects(poly, record.height, record.width))
        segmentation: object = poly
    else:
        segmentation = {"size": [record.height, record.width], "counts": rle["counts"].decode()}
    bbox, area = rle_bbox_area(rle)
    if area == 0:
        return None
    return {"segmentation": segmentation, "area": area, "bbox": bbox}


def mask_to_polygons(mask: np.ndarray, origin: tuple[int, int] = (0, 0)) -> list[list[float]]:
    """Outer contours of a mask as COCO polygons (holes cannot be expressed and are lost).

    ``origin`` (x, y) is where ``mask`` lies in the image when it is a crop."""
    if mask.size == 0:
        return []
    # A background frame: contours of a crop then trace as they would in the whole image.
    framed = np.pad(mask.astype(np.uint8), 1)
    contours, _ = cv2.findContours(
        framed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE, offset=(origin[0] - 1, origin[1] - 1)
    )
    return [c.reshape(-1).astype(float).tolist() for c in contours if len(c) >= 3]
