"""COCO export of a project's objects and parts, and import of COCO files into a project.

Export: ``images`` (``file_name`` relative to the project folder), ``categories`` (object
classes, then part classes with ``supercategory`` = their object class and ``part_of`` = its
id), ``annotations`` with RLE (or polygon) ``segmentation``, exact ``bbox`` and ``area``, and
``parent_id`` on every part. Import reads this and other tools' COCO (parts recognised by
``parent_id``), checks all of it, and only then writes, in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from supercuts_app import __version__
from supercuts_app.annotation.categories import CategorySet, color_hex
from supercuts_app.annotation.document import Annotation
from supercuts_app.annotation.masks import decode_mask, rle_bbox_area
from supercuts_app.base.images import ImageLoadError, image_size
from supercuts_app.storage.project import Project
from supercuts_app.storage.store import ImageRecord, ProjectFileError


class CocoError(ValueError):
    """A COCO file that cannot be imported; the message names the offending entry."""


# -- export -----------------------------------------------------------------------------------
def export_coco(project: Project, *, polygons: bool = False) -> dict:
    """The project as a COCO dict; empty masks are left out (COCO has no empty annotations)."""
    cats = project.categories
    out = {
        "info": {"description": f"{project.path.name}", "version": "1.0",
                 "contributor": f"SuperCuts {__version__}"},
        "licenses": [],
        "images": [],
        "categories": coco_categories(cats),
        "annotations": [],
    }  # fmt: skip
    for record in project.images():
        out["images"].append(
            {"id": record.id, "file_name": record.path, "width": record.width,
             "height": record.height}
        )  # fmt: skip
        kept: set[int] = set()
        for ann_id, cat_id, parent_id, _z, rle in project.store.load_rles(record):
            if parent_id is not None and parent_id not in kept:
                continue
            entry = _annotation_entry(rle, record, polygons)
            if entry is None:
                continue
            entry.update(id=ann_id, image_id=record.id, category_id=cat_id, iscrowd=0)
            if parent_id is not None:
                entry["parent_id"] = parent_id
            kept.add(ann_id)
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
        poly = mask_to_polygons(decode_mask(rle))
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


def mask_to_polygons(mask: np.ndarray) -> list[list[float]]:
    """Outer contours of a mask as COCO polygons (holes cannot be expressed and are lost)."""
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    return [c.reshape(-1).astype(float).tolist() for c in contours if len(c) >= 3]


# -- import -----------------------------------------------------------------------------------
@dataclass
class ImportSummary:
    """What an import added."""

    project: Path
    images: int = 0
    objects: int = 0
    parts: int = 0
    created: bool = False
    notes: list[str] = field(default_factory=list)


def load_coco_file(path: str | Path) -> dict:
    """Parse a COCO JSON file (raises :class:`CocoError` with one line)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CocoError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CocoError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    except json.JSONDecodeError as exc:
        raise CocoError(f"{path}: malformed JSON (line {exc.lineno}: {exc.msg})") from None
    for key in ("images", "annotations", "categories"):
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            raise CocoError(f"{path}: not a COCO file (no '{key}' list)")
    return data


def import_coco(
    data: dict,
    images_dir: str | Path,
    project_path: str | Path,
    *,
    replace: bool = False,
    clip_parts: bool = False,
) -> ImportSummary:
    """Add a COCO dataset's images, classes, objects and parts to a project (created if missing).

    Everything is checked first (images exist and match their sizes, ids resolve, masks lie in
    their image, parts in their object, objects do not overlap unless the project allows it);
    any problem raises :class:`CocoError` naming it, with nothing written.
    """
    from .coco_import import plan_import

    project_path = Path(project_path)
    creating = not project_path.exists()
    existing = None if creating else Project.open(project_path)
    try:
        plan = plan_import(
            data, Path(images_dir), project_path, existing, replace=replace, clip_parts=clip_parts
        )
        project = existing or Project.create(project_path, allow_overlap=plan.overlapping)
    except ProjectFileError as exc:
        if existing is not None:
            existing.close()
        raise CocoError(str(exc)) from None
    try:
        return plan.write(project, created=creating)
    finally:
        project.close()


def image_shape_checked(path: Path, entry: dict, where: str) -> tuple[int, int]:
    """(H, W) of an image file, checked against the COCO entry's width and height."""
    try:
        height, width = image_size(path)
    except ImageLoadError as exc:
        raise CocoError(f"{where}: {exc}") from None
    w, h = entry.get("width"), entry.get("height")
    if (w is not None and w != width) or (h is not None and h != height):
        raise CocoError(f"{where}: says {w} x {h} but {path.name} is {width} x {height}")
    return height, width


def segmentation_mask(seg: object, height: int, width: int, where: str) -> np.ndarray:
    """Decode a COCO segmentation (RLE, uncompressed RLE or polygons) checked against the image."""
    if isinstance(seg, dict):
        size = seg.get("size")
        if size != [height, width]:
            raise CocoError(f"{where}: mask size {size} is not the image's [{height}, {width}]")
        counts = seg.get("counts")
        try:
            if isinstance(counts, list):
                if sum(counts) != height * width:
                    raise CocoError(f"{where}: mask runs cover {sum(counts)} pixels, not {height}"
                                    f" x {width}")  # fmt: skip
                rle = mask_utils.frPyObjects(seg, height, width)
            elif isinstance(counts, str):
                rle = {"size": size, "counts": counts.encode()}
            else:
                raise CocoError(f"{where}: segmentation counts are neither text nor a list")
            return decode_mask(rle)
        except (TypeError, ValueError) as exc:
            raise CocoError(f"{where}: unreadable RLE ({exc})") from None
    if isinstance(seg, list) and seg and all(isinstance(p, list) for p in seg):
        for poly in seg:
            if len(poly) < 6 or len(poly) % 2 or not all(isinstance(v, int | float) for v in poly):
                raise CocoError(f"{where}: a polygon needs at least 3 (x, y) number pairs")
            xs, ys = np.asarray(poly[0::2]), np.asarray(poly[1::2])
            if xs.min() < 0 or ys.min() < 0 or xs.max() > width or ys.max() > height:
                raise CocoError(f"{where}: polygon reaches outside the {width} x {height} image")
        return decode_mask(mask_utils.merge(mask_utils.frPyObjects(seg, height, width)))
    raise CocoError(f"{where}: segmentation is neither RLE nor a list of polygons")


def annotations_overlap(annotations: list[Annotation]) -> tuple[int, int, int] | None:
    """First pair of objects (or of sibling parts) sharing pixels: (id, id, pixel count)."""
    groups: dict[int | None, list[Annotation]] = {}
    for a in annotations:
        groups.setdefault(a.parent_id, []).append(a)
    for members in groups.values():
        if len(members) < 2:
            continue
        count = np.zeros(members[0].mask.shape, np.uint16)
        for a in members:
            count += a.mask
        if (count > 1).any():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    shared = int(np.count_nonzero(a.mask & b.mask))
                    if shared:
                        return a.id, b.id, shared
    return None
