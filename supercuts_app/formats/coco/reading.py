"""Reading a COCO file and checking everything in it that does not depend on a project.

:func:`check_coco` checks ids, references, images on disk and their sizes, masks, parts inside
their objects and overlaps, and returns the content ready to write (masks encoded). What depends
on the project (its classes, annotations already there, whether it allows overlap) is checked
when the import writes (:mod:`.importing`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pycocotools import mask as mask_utils

from supercuts_app.annotation.categories import RGB, CategoryError, parse_color
from supercuts_app.annotation.cropped_mask import CroppedMask
from supercuts_app.annotation.document import Annotation
from supercuts_app.annotation.masks import decode_cropped, encode_cropped
from supercuts_app.annotation.rle import RleError, checked_rle
from supercuts_app.base.boxes import intersect_box
from supercuts_app.base.files import unreachable_reason
from supercuts_app.base.images import ImageLoadError, image_size

from .structure import CocoError, check_structure


@dataclass(frozen=True)
class CocoMask:
    """One checked annotation of the file, with the file's ids and its mask encoded."""

    id: int
    category_id: int
    parent_id: int | None
    z: int
    rle: dict


@dataclass
class CocoImage:
    """One checked image of the file: its objects (bottom to top) come before its parts."""

    id: int
    file: Path
    width: int
    height: int
    annotations: list[CocoMask] = field(default_factory=list)
    overlap: tuple[int, int, int] | None = None
    """The first two objects (or sibling parts) sharing pixels: (id, id, pixel count)."""


@dataclass
class CheckedCoco:
    """A COCO file's content, checked; ids are the file's."""

    images: list[CocoImage]
    names: dict[int, str]
    colors: dict[int, RGB | None]
    object_classes: list[int]
    """Categories that become object classes, in the file's order."""
    part_owners: dict[int, set[int]]
    """Category -> the object categories it is a part class of."""

    @property
    def overlapping(self) -> bool:
        return any(image.overlap is not None for image in self.images)


def load_coco_file(path: str | Path) -> dict:
    """Parse a COCO JSON file (raises :class:`CocoError` with one line)."""
    path = Path(path)

    def refuse_constant(name: str) -> float:
        # Python's json reads NaN and Infinity, which JSON does not have: a NaN coordinate
        # passes every comparison and sends pycocotools' rasteriser through all of memory.
        raise CocoError(f"{path}: {name} is not a JSON number; COCO numbers must be finite")

    def finite_float(text: str) -> float:
        value = float(text)
        return value if math.isfinite(value) else refuse_constant(text)

    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text, parse_constant=refuse_constant, parse_float=finite_float)
    except FileNotFoundError:
        raise CocoError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise CocoError(f"{path}: a folder, not a COCO file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CocoError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    except json.JSONDecodeError as exc:
        raise CocoError(f"{path}: malformed JSON (line {exc.lineno}: {exc.msg})") from None
    except CocoError:
        raise
    except RecursionError:
        raise CocoError(f"{path}: malformed JSON (nested too deeply)") from None
    except ValueError as exc:  # an integer of thousands of digits
        raise CocoError(f"{path}: malformed JSON ({exc})") from None
    for key in ("images", "annotations", "categories"):
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            raise CocoError(f"{path}: not a COCO file (no '{key}' list)")
    return data


def check_coco(data: dict, images_dir: Path, *, clip_parts: bool = False) -> CheckedCoco:
    """Check a parsed COCO dict and its images; any problem raises :class:`CocoError`.

    With ``clip_parts``, part pixels outside their object are trimmed instead of refused."""
    if not images_dir.is_dir():
        raise CocoError(f"{images_dir}: images folder not found")
    check_structure(data)
    coco_images = _by_id(data["images"], "image")
    coco_cats = _by_id(data["categories"], "category")
    anns = _by_id(data["annotations"], "annotation")
    for a in anns.values():
        where = f"annotation {a['id']}"
        if a.get("image_id") not in coco_images:
            raise CocoError(f"{where}: image_id {a.get('image_id')!r} is not in 'images'")
        if a.get("category_id") not in coco_cats:
            raise CocoError(f"{where}: category_id {a.get('category_id')!r} is not in 'categories'")
        parent = a.get("parent_id")
        if parent is not None:
            if parent not in anns:
                raise CocoError(f"{where}: parent_id {parent!r} is not an annotation")
            if anns[parent].get("parent_id") is not None:
                raise CocoError(f"{where}: parent {parent} is itself a part")
            if anns[parent]["image_id"] != a["image_id"]:
                raise CocoError(f"{where}: parent {parent} is on another image")
    names = {cid: _name(c) for cid, c in coco_cats.items()}
    object_classes, part_owners = _class_roles(coco_cats, anns, names)
    by_image: dict[int, list[dict]] = {}
    for a in anns.values():
        by_image.setdefault(a["image_id"], []).append(a)
    images = []
    image_of_file: dict[Path, tuple[int, str]] = {}
    for image_id, entry in coco_images.items():
        where = f"image {image_id}"
        name = entry["file_name"]
        file = images_dir / name
        if not file.is_file():
            why = unreachable_reason(file)  # a link loop or a broken link is named as such
            if why is not None and why != "file not found":
                raise CocoError(f"{where}: {name!r} in {images_dir}: {why}")
            raise CocoError(f"{where}: file {name!r} not found in {images_dir}")
        # One project image per file: 'a.jpg', './a.jpg' and its absolute path are one image.
        resolved = file.resolve()
        if resolved in image_of_file:
            first_id, first_name = image_of_file[resolved]
            raise CocoError(
                f"{where}: {name!r} is the same file as image {first_id} ({first_name!r}); "
                "list each file once"
            )
        image_of_file[resolved] = (image_id, name)
        height, width = image_shape_checked(file, entry, f"{where} ({name})")
        image = CocoImage(image_id, resolved, width, height)
        masks = _image_masks(by_image.get(image_id, []), height, width, clip_parts)
        image.overlap = annotations_overlap(masks)
        image.annotations = [
            CocoMask(m.id, m.category_id, m.parent_id, m.z, encode_cropped(m.pixels)) for m in masks
        ]
        images.append(image)
    colors = {cid: _color(c) for cid, c in coco_cats.items()}
    return CheckedCoco(images, names, colors, object_classes, part_owners)


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


def segmentation_pixels(seg: object, height: int, width: int, where: str) -> CroppedMask:
    """Decode a COCO segmentation (RLE, uncompressed RLE or polygons) checked against the image,
    into the crop of its rectangle; its shape and types were checked by
    :func:`.structure.check_structure`."""
    if isinstance(seg, dict):
        size = seg.get("size")
        if size != [height, width]:
            raise CocoError(f"{where}: mask size {size} is not the image's [{height}, {width}]")
        try:
            return decode_cropped(checked_rle(seg.get("counts"), height, width))
        except RleError as exc:
            raise CocoError(f"{where}: unreadable RLE ({exc})") from None
    for poly in seg:  # polygons of at least 3 finite (x, y) pairs
        xs, ys = poly[0::2], poly[1::2]
        if min(xs) < 0 or min(ys) < 0 or max(xs) > width or max(ys) > height:
            raise CocoError(f"{where}: polygon reaches outside the {width} x {height} image")
    return decode_cropped(mask_utils.merge(mask_utils.frPyObjects(seg, height, width)))


def annotations_overlap(annotations: list[Annotation]) -> tuple[int, int, int] | None:
    """First pair of objects (or of sibling parts) sharing pixels: (id, id, pixel count)."""
    groups: dict[int | None, list[Annotation]] = {}
    for a in annotations:
        groups.setdefault(a.parent_id, []).append(a)
    for members in groups.values():
        if len(members) < 2:
            continue
        # Sorted by left edge, a pair can only share pixels while their columns meet.
        members = sorted(
            (a for a in members if not a.is_empty()), key=lambda a: a.bounds()[1].start
        )
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if b.bounds()[1].start >= a.bounds()[1].stop:
                    break
                common = intersect_box(a.bounds(), b.bounds())
                if common is None:
                    continue
                shared = int(np.count_nonzero(a.pixels.read(common) & b.pixels.read(common)))
                if shared:
                    return a.id, b.id, shared
    return None


def _by_id(entries: list, kind: str) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for e in entries:  # shapes checked by check_structure
        if e["id"] in out:
            raise CocoError(f"{kind} id {e['id']} appears twice")
        out[e["id"]] = e
    return out


def _class_roles(
    coco_cats: dict[int, dict], anns: dict[int, dict], names: dict[int, str]
) -> tuple[list[int], dict[int, set[int]]]:
    """Which categories are object classes, and which object categories each part class of.

    A category used by parts becomes a part class of each object class its parts belong to; an
    unused one is a part class when ``part_of`` or ``supercategory`` names an object class."""
    used_by_objects = {a["category_id"] for a in anns.values() if a.get("parent_id") is None}
    part_owners: dict[int, set[int]] = {}
    for a in anns.values():
        if a.get("parent_id") is not None:
            part_owners.setdefault(a["category_id"], set()).add(anns[a["parent_id"]]["category_id"])
    for cid in used_by_objects & part_owners.keys():
        raise CocoError(f"category {cid} ({names[cid]!r}) is used by objects and by parts")
    object_names = {names[c] for c in used_by_objects}
    for cid, c in coco_cats.items():
        if cid in used_by_objects or cid in part_owners:
            continue
        owner = c.get("part_of")
        if owner in coco_cats and owner != cid:
            part_owners[cid] = {owner}
        elif c.get("supercategory") in object_names - {names[cid]}:
            sup = c["supercategory"]
            part_owners[cid] = {o for o in used_by_objects if names[o] == sup}
        else:
            used_by_objects.add(cid)
    return [cid for cid in coco_cats if cid in used_by_objects], part_owners


def _name(category: dict) -> str:
    return category["name"].strip()  # text, not blank: check_structure


def _color(category: dict) -> RGB | None:
    try:
        return parse_color(category["color"], "") if "color" in category else None
    except CategoryError:
        return None


def _image_masks(anns: list[dict], height: int, width: int, clip_parts: bool) -> list[Annotation]:
    """An image's annotations decoded, with the file's ids and categories: objects (z in the
    file's order) then parts (z per object), parts checked (or clipped) inside their object."""
    objects = [a for a in anns if a.get("parent_id") is None]
    parts = [a for a in anns if a.get("parent_id") is not None]
    out: dict[int, Annotation] = {}
    for z, a in enumerate(objects):
        pixels = segmentation_pixels(a.get("segmentation"), height, width, f"annotation {a['id']}")
        out[a["id"]] = Annotation(a["id"], a["category_id"], pixels, None, z)
    part_z: dict[int, int] = {}
    for a in parts:
        where = f"annotation {a['id']}"
        pixels = segmentation_pixels(a.get("segmentation"), height, width, where)
        parent = out[a["parent_id"]]
        box = pixels.box
        inside = pixels.crop & parent.pixels.read(box)
        outside = pixels.area() - int(np.count_nonzero(inside))
        if outside:
            if not clip_parts:
                raise CocoError(
                    f"{where}: part has {outside} pixels outside its object {a['parent_id']} "
                    "(--clip-parts trims them)"
                )
            pixels.write(box, inside)
        z = part_z[parent.id] = part_z.get(parent.id, -1) + 1
        out[a["id"]] = Annotation(a["id"], a["category_id"], pixels, parent.id, z)
    return list(out.values())
