"""Checking a COCO dataset against a project and writing it in one transaction.

:func:`plan_import` reads and checks everything (ids, images on disk, mask sizes, parts inside
their objects, overlaps) and returns an :class:`ImportPlan`; only :meth:`ImportPlan.write`
touches the project file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from supercuts_app.annotation.categories import CategoryError, CategorySet, parse_color
from supercuts_app.annotation.document import Annotation, AnnotationMeta
from supercuts_app.annotation.masks import encode_mask
from supercuts_app.storage.project import Project

from .coco_export import (
    CocoError,
    ImportSummary,
    annotations_overlap,
    image_shape_checked,
    segmentation_mask,
)


@dataclass
class _ImagePlan:
    path: str
    width: int
    height: int
    rows: list[tuple[int, AnnotationMeta, dict]] = field(default_factory=list)


@dataclass
class ImportPlan:
    """Everything an import will write, already checked."""

    categories: CategorySet
    images: list[_ImagePlan]
    overlapping: bool
    replace_paths: list[str]
    notes: list[str]

    def write(self, project: Project, *, created: bool) -> ImportSummary:
        """Write classes, images and annotations in one transaction."""
        store = project.store
        with store.transaction() as conn:
            store.write_categories(conn, self.categories)
            ids = store.insert_images(conn, [(p.path, p.width, p.height) for p in self.images])
            for path in self.replace_paths:
                conn.execute("DELETE FROM annotations WHERE image_id = ?", (ids[path],))
            for plan in self.images:
                for ann_id, meta, rle in plan.rows:
                    store.write_rle(conn, ids[plan.path], ann_id, meta, rle)
        rows = [m for p in self.images for _, m, _ in p.rows]
        return ImportSummary(
            project=project.path,
            images=len(self.images),
            objects=sum(m.parent_id is None for m in rows),
            parts=sum(m.parent_id is not None for m in rows),
            created=created,
            notes=self.notes,
        )


def plan_import(
    data: dict,
    images_dir: Path,
    project_path: Path,
    existing: Project | None,
    *,
    replace: bool = False,
    clip_parts: bool = False,
) -> ImportPlan:
    """Check a parsed COCO dict against the images and the project; see :class:`ImportPlan`."""
    if not images_dir.is_dir():
        raise CocoError(f"{images_dir}: images folder not found")
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
    categories, class_of = _plan_categories(coco_cats, anns, existing)
    ids = _plan_ids(anns, existing)

    root = project_path.resolve().parent
    present = {r.path: r.id for r in existing.images()} if existing else {}
    counts = existing.store.annotation_counts() if existing else {}
    overlap_allowed = existing.allow_overlap if existing else True
    by_image: dict[int, list[dict]] = {}
    for a in anns.values():
        by_image.setdefault(a["image_id"], []).append(a)
    plans, replace_paths, notes, overlapping = [], [], [], False
    for image_id, entry in coco_images.items():
        where = f"image {image_id}"
        name = entry.get("file_name")
        if not isinstance(name, str) or not name:
            raise CocoError(f"{where}: no file_name")
        file = images_dir / name
        if not file.is_file():
            raise CocoError(f"{where}: file {name!r} not found in {images_dir}")
        height, width = image_shape_checked(file, entry, f"{where} ({name})")
        rel = Path(os.path.relpath(file.resolve(), root)).as_posix()
        if counts.get(present.get(rel), 0) and by_image.get(image_id):
            if not replace:
                raise CocoError(
                    f"{where}: {rel} already has {counts[present[rel]]} annotations in "
                    f"{project_path.name}; use --replace to overwrite them"
                )
            replace_paths.append(rel)
        plan = _ImagePlan(rel, width, height)
        masks = _image_masks(by_image.get(image_id, []), height, width, ids, class_of, clip_parts)
        clash = annotations_overlap(masks)
        if clash is not None:
            if not overlap_allowed:
                coco_id = {new: old for old, new in ids.items()}
                a, b, n = coco_id[clash[0]], coco_id[clash[1]], clash[2]
                raise CocoError(
                    f"{where}: annotations {a} and {b} overlap ({n} pixels) and "
                    f"{project_path.name} does not allow overlap"
                )
            overlapping = True
        plan.rows = [(m.id, m.meta, encode_mask(m.mask)) for m in masks]
        plans.append(plan)
    if overlapping and existing is None:
        notes.append("objects overlap: the new project allows overlap")
    return ImportPlan(categories, plans, overlapping, replace_paths, notes)


def _by_id(entries: list, kind: str) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get("id"), int) or isinstance(e["id"], bool):
            raise CocoError(f"{kind} #{i} in the list has no integer 'id'")
        if e["id"] in out:
            raise CocoError(f"{kind} id {e['id']} appears twice")
        out[e["id"]] = e
    return out


def _plan_categories(
    coco_cats: dict[int, dict], anns: dict[int, dict], existing: Project | None
) -> tuple[CategorySet, dict[tuple[int, int | None], int]]:
    """The project's classes after the import, and (COCO category, object class) -> class id.

    A COCO category used by parts becomes a part class of each object class its parts belong to;
    an unused one is a part class when ``part_of`` or ``supercategory`` names an object class.
    """
    cats = CategorySet(existing.categories if existing else ())
    used_by_objects = {a["category_id"] for a in anns.values() if a.get("parent_id") is None}
    part_owners: dict[int, set[int]] = {}
    for a in anns.values():
        if a.get("parent_id") is not None:
            part_owners.setdefault(a["category_id"], set()).add(anns[a["parent_id"]]["category_id"])
    for cid in used_by_objects & part_owners.keys():
        name = coco_cats[cid].get("name")
        raise CocoError(f"category {cid} ({name!r}) is used by objects and by parts")
    names = {cid: _name(c) for cid, c in coco_cats.items()}
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
    class_of: dict[tuple[int, int | None], int] = {}
    # A new project keeps the file's ids when every category maps to one class.
    keep = existing is None and all(len(o) == 1 for o in part_owners.values())
    try:
        for cid in coco_cats:
            if cid in used_by_objects:
                found = cats.find(names[cid]) or cats.add(
                    names[cid], color=_color(coco_cats[cid]), category_id=cid if keep else None
                )
                class_of[(cid, None)] = found.id
        for cid in coco_cats:
            for owner in sorted(part_owners.get(cid, ())):
                parent = class_of[(owner, None)]
                found = cats.find(names[cid], parent) or cats.add(
                    names[cid],
                    parent_id=parent,
                    color=_color(coco_cats[cid]),
                    category_id=cid if keep else None,
                )
                class_of[(cid, owner)] = found.id
    except CategoryError as exc:
        raise CocoError(f"categories: {exc}") from None
    return cats, class_of


def _name(category: dict) -> str:
    name = category.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CocoError(f"category {category['id']}: no name")
    return name.strip()


def _color(category: dict):
    try:
        return parse_color(category["color"], "") if "color" in category else None
    except CategoryError:
        return None


def _plan_ids(anns: dict[int, dict], existing: Project | None) -> dict[int, int]:
    """COCO annotation id -> project id: kept when free, otherwise all renumbered."""
    taken = existing.store.annotation_ids() if existing else set()
    if all(i > 0 for i in anns) and not taken & anns.keys():
        return {i: i for i in anns}
    start = max(taken, default=0) + 1
    return {old: start + n for n, old in enumerate(sorted(anns))}


def _image_masks(
    anns: list[dict],
    height: int,
    width: int,
    ids: dict[int, int],
    class_of: dict[tuple[int, int | None], int],
    clip_parts: bool,
) -> list[Annotation]:
    objects = [a for a in anns if a.get("parent_id") is None]
    parts = [a for a in anns if a.get("parent_id") is not None]
    out: dict[int, Annotation] = {}
    object_category = {a["id"]: a["category_id"] for a in objects}
    for z, a in enumerate(objects):
        mask = segmentation_mask(a.get("segmentation"), height, width, f"annotation {a['id']}")
        out[a["id"]] = Annotation(ids[a["id"]], class_of[(a["category_id"], None)], mask, None, z)
    part_z: dict[int, int] = {}
    for a in parts:
        where = f"annotation {a['id']}"
        mask = segmentation_mask(a.get("segmentation"), height, width, where)
        parent = out[a["parent_id"]]
        outside = int(np.count_nonzero(mask & ~parent.mask))
        if outside:
            if not clip_parts:
                raise CocoError(
                    f"{where}: part has {outside} pixels outside its object {a['parent_id']} "
                    "(--clip-parts trims them)"
                )
            mask &= parent.mask
        z = part_z[parent.id] = part_z.get(parent.id, -1) + 1
        part_class = class_of[(a["category_id"], object_category[a["parent_id"]])]
        out[a["id"]] = Annotation(ids[a["id"]], part_class, mask, parent.id, z)
    return list(out.values())
