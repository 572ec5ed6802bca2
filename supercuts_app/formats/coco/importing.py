"""Importing a checked COCO file into a project, planned and written in one transaction.

The file is checked first (:func:`.reading.check_coco`), then against the project as it is on
disk through a read-only connection, so a refused import leaves the project file byte for byte
as it was. The import then plans again and writes inside one ``BEGIN IMMEDIATE`` transaction:
another import, or a window editing the same project, either committed before (and the plan sees
its classes and ids) or waits until this one commits. New classes and annotations get their ids
from the database; the file's ids are kept only when this project never used them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from supercuts_app.annotation.categories import Category, CategoryError, CategorySet
from supercuts_app.annotation.document import AnnotationMeta
from supercuts_app.storage.project import Project
from supercuts_app.storage.store import ProjectFileError, ProjectStore

from .reading import CheckedCoco, CocoError, check_coco


@dataclass
class ImportSummary:
    """What an import added."""

    project: Path
    images: int = 0
    objects: int = 0
    parts: int = 0
    created: bool = False
    notes: list[str] = field(default_factory=list)


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

    Parameters
    ----------
    data : dict
        A parsed COCO file (:func:`.reading.load_coco_file`).
    images_dir : path
        The folder the images' ``file_name`` are relative to.
    project_path : path
        The ``.supercuts`` file; created when missing.
    replace : bool
        Replace the annotations of images that have some already (else refuse).
    clip_parts : bool
        Trim part pixels outside their object (else refuse).

    Returns
    -------
    ImportSummary
    """
    checked = check_coco(data, Path(images_dir), clip_parts=clip_parts)
    project_path = Path(project_path)
    try:
        if project_path.exists():
            with Project.open(project_path, readonly=True) as project:
                with project.store.snapshot():
                    _Plan(checked, project.store, project_path, replace=replace)
        else:
            _Plan(checked, None, project_path, replace=replace)
        project, created = _open_or_create(project_path, checked.overlapping)
        try:
            with project.store.transaction():
                plan = _Plan(checked, project.store, project_path, replace=replace)
                plan.write(project.store)
        except BaseException:
            project.close()
            if created:
                _remove_if_empty(project_path)
            raise
        project.close()
    except ProjectFileError as exc:
        raise CocoError(str(exc)) from None
    rows = [m for image in checked.images for m in image.annotations]
    return ImportSummary(
        project=project_path,
        images=len(checked.images),
        objects=sum(m.parent_id is None for m in rows),
        parts=sum(m.parent_id is not None for m in rows),
        created=created,
        notes=plan.notes if created else [],
    )


def _open_or_create(path: Path, allow_overlap: bool) -> tuple[Project, bool]:
    """The project at ``path``, created when missing (or opened when another program created
    it meanwhile); and whether this call created it."""
    if not path.exists():
        try:
            return Project.create(path, allow_overlap=allow_overlap), True
        except ProjectFileError:
            if not path.exists():
                raise
    return Project.open(path), False


def _remove_if_empty(path: Path) -> None:
    """Remove a project this import created and failed to fill (unless another program has put
    images in it meanwhile), so that a refused import leaves no file behind."""
    try:
        with Project.open(path, readonly=True) as project:
            if project.images():
                return
    except ProjectFileError:
        return
    path.unlink(missing_ok=True)  # SQLite removed -wal and -shm when the last connection closed


class _Plan:
    """What an import writes into a project in its current state, or :class:`CocoError`.

    ``store`` None plans against a project that does not exist yet."""

    def __init__(
        self, checked: CheckedCoco, store: ProjectStore | None, path: Path, *, replace: bool
    ) -> None:
        self.checked = checked
        self.notes: list[str] = []
        existing = CategorySet(store.load_categories() if store else ())
        self.old_class_ids = {c.id for c in existing}
        last_class = store.last_category_id() if store else 0
        last_annotation = store.last_annotation_id() if store else 0
        image_ids = {r.path: r.id for r in store.images()} if store else {}
        counts = store.annotation_counts() if store else {}
        allow_overlap = bool(store.get_setting("allow_overlap", False)) if store else True

        ann_ids = [m.id for image in checked.images for m in image.annotations]
        self.keep_annotation_ids = min(ann_ids, default=1) > max(last_annotation, 0)
        self.categories, self.class_of = self._classes(existing, last_class)
        root = path.resolve().parent
        self.paths = [Path(os.path.relpath(i.file, root)).as_posix() for i in checked.images]
        self.replace_paths = []
        for image, rel in zip(checked.images, self.paths, strict=True):
            where = f"image {image.id}"
            held = counts.get(image_ids.get(rel), 0)
            if held and image.annotations:
                if not replace:
                    raise CocoError(
                        f"{where}: {rel} already has {held} annotations in {path.name}; use "
                        "--replace to overwrite them"
                    )
                self.replace_paths.append(rel)
            if image.overlap is not None and not allow_overlap:
                a, b, n = image.overlap
                raise CocoError(
                    f"{where}: annotations {a} and {b} overlap ({n} pixels) and {path.name} "
                    "does not allow overlap"
                )
        if checked.overlapping:
            self.notes.append("objects overlap: the new project allows overlap")

    def _classes(
        self, existing: CategorySet, last_class: int
    ) -> tuple[CategorySet, dict[tuple[int, int | None], int]]:
        """The project's classes after the import (new ones numbered here, renumbered by the
        database when written unless kept), and (category, object category) -> class id."""
        checked = self.checked
        cats = CategorySet(existing)
        owners = checked.part_owners
        # The file's ids are kept when each category is one class and the project never used them.
        self.keep_class_ids = all(len(o) == 1 for o in owners.values()) and min(
            checked.names, default=1
        ) > max(last_class, 0)
        class_of: dict[tuple[int, int | None], int] = {}
        try:
            for cid in checked.object_classes:
                name = checked.names[cid]
                found = cats.find(name) or cats.add(
                    name, color=checked.colors[cid], category_id=self._kept(cid)
                )
                class_of[(cid, None)] = found.id
            for cid in checked.names:
                for owner in sorted(owners.get(cid, ())):
                    parent = class_of[(owner, None)]
                    name = checked.names[cid]
                    found = cats.find(name, parent) or cats.add(
                        name, parent_id=parent, color=checked.colors[cid],
                        category_id=self._kept(cid),
                    )  # fmt: skip
                    class_of[(cid, owner)] = found.id
        except CategoryError as exc:
            raise CocoError(f"categories: {exc}") from None
        return cats, class_of

    def _kept(self, category_id: int) -> int | None:
        return category_id if self.keep_class_ids else None

    def new_classes(self) -> list[Category]:
        """Classes the import adds, objects before parts."""
        return [c for c in self.categories if c.id not in self.old_class_ids]

    def write(self, store: ProjectStore) -> None:
        """Write classes, images and annotations (inside the caller's transaction)."""
        class_ids = {c: c for c in self.old_class_ids}
        for c in self.new_classes():
            parent = class_ids[c.parent_id] if c.parent_id is not None else None
            kept = c.id if self.keep_class_ids else None
            class_ids[c.id] = store.insert_category(c.name, c.color, parent, category_id=kept)
        checked = self.checked
        image_ids = store.add_images(
            [(rel, i.width, i.height) for rel, i in zip(self.paths, checked.images, strict=True)]
        )
        for rel in self.replace_paths:
            store.delete_image_annotations(image_ids[rel])
        for image, rel in zip(checked.images, self.paths, strict=True):
            object_category = {m.id: m.category_id for m in image.annotations}
            ann_ids: dict[int, int] = {}
            for m in image.annotations:  # objects first, so parts find their object's new id
                owner = object_category[m.parent_id] if m.parent_id is not None else None
                meta = AnnotationMeta(
                    class_ids[self.class_of[(m.category_id, owner)]],
                    ann_ids[m.parent_id] if m.parent_id is not None else None,
                    m.z,
                )
                kept = m.id if self.keep_annotation_ids else None
                ann_ids[m.id] = store.insert_rle(image_ids[rel], meta, m.rle, ann_id=kept)
