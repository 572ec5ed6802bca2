"""A labelling project: the store, its images and, per image, an editor that persists every edit.

:class:`Project` is what the GUI and the CLI hold. :class:`ImageEditor` runs one document
operation, writes the annotations it touched in one transaction and pushes it on the undo
history; if the write fails the operation is reverted, so memory and disk never disagree.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from supercuts_app.annotation.categories import RGB, CategorySet
from supercuts_app.annotation.document import DocumentError, Edit, History, ImageAnnotations
from supercuts_app.annotation.seeds import Seed
from supercuts_app.base.boxes import Slice2D
from supercuts_app.base.images import ImageLoadError, image_size

from .store import ImageRecord, ProjectFileError, ProjectStore

PROJECT_SUFFIX = ".supercuts"


def find_project(path: str | os.PathLike) -> Path:
    """The project file ``path`` names: a ``.supercuts`` file or a folder holding exactly one."""
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob(f"*{PROJECT_SUFFIX}"))
        if not found:
            raise ProjectFileError(f"{path}: folder holds no {PROJECT_SUFFIX} project")
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            raise ProjectFileError(f"{path}: folder holds several projects ({names}); name one")
        return found[0]
    if path.suffix != PROJECT_SUFFIX:
        raise ProjectFileError(f"{path}: not a {PROJECT_SUFFIX} file or a folder holding one")
    if not path.exists():
        raise ProjectFileError(f"{path}: project file not found")
    return path


def project_path_for(path: str | os.PathLike) -> Path:
    """Where a project named by ``path`` lives or would be created (for commands that create)."""
    path = Path(path)
    if path.suffix == PROJECT_SUFFIX:
        return path
    if path.is_dir():
        found = sorted(path.glob(f"*{PROJECT_SUFFIX}"))
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ProjectFileError(f"{path}: folder holds several projects; name one")
        return path / f"{path.resolve().name or 'project'}{PROJECT_SUFFIX}"
    raise ProjectFileError(f"{path}: not a {PROJECT_SUFFIX} file or a folder")


class Project:
    """An open project file. Use :meth:`open` or :meth:`create`; close when done."""

    def __init__(self, store: ProjectStore) -> None:
        self.store = store
        self.categories = store.load_categories()
        self.allow_overlap = bool(store.get_setting("allow_overlap", False))
        self._editors: dict[int, ImageEditor] = {}

    @classmethod
    def open(cls, path: str | os.PathLike, *, readonly: bool = False) -> Project:
        return cls(ProjectStore(find_project(path), readonly=readonly))

    @classmethod
    def create(
        cls,
        path: str | os.PathLike,
        categories: CategorySet | None = None,
        *,
        allow_overlap: bool = False,
    ) -> Project:
        """A new project file at ``path`` (which must not exist)."""
        project = cls(ProjectStore(path, create=True))
        if categories is not None:
            with project.store.transaction():
                for category in categories:  # objects come before their parts
                    project.store.insert_category(
                        category.name, category.color, category.parent_id, category_id=category.id
                    )
            project._reload_categories()
        if allow_overlap:
            project.store.set_setting("allow_overlap", True)
            project.allow_overlap = True
        return project

    def close(self) -> None:
        self.store.close()

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the project file (every edit is saved already)."""
        self.store.checkpoint()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def path(self) -> Path:
        return self.store.path

    @property
    def root(self) -> Path:
        """The folder image paths are relative to."""
        return self.store.path.parent

    # -- images ------------------------------------------------------------------------------
    def images(self) -> list[ImageRecord]:
        return self.store.images()

    def image(self, image_id: int) -> ImageRecord:
        for record in self.store.images():
            if record.id == image_id:
                return record
        raise DocumentError(f"no image with id {image_id} in {self.path.name}")

    def image_path(self, record: ImageRecord) -> Path:
        return self.root / record.path

    def relative_path(self, path: str | os.PathLike) -> str:
        """``path`` relative to the project folder, in POSIX form."""
        rel = os.path.relpath(Path(path).resolve(), self.root.resolve())
        return Path(rel).as_posix()

    def add_images(
        self, paths: Sequence[str | os.PathLike], *, skip_unreadable: bool = False
    ) -> list[ImageRecord]:
        """Add image files in one transaction (their headers are read for the size).

        A bad file raises ``ImageLoadError`` before anything is written, or with
        ``skip_unreadable`` is left out."""
        entries = []
        for p in paths:
            try:
                height, width = image_size(p)
            except ImageLoadError:
                if skip_unreadable:
                    continue
                raise
            entries.append((self.relative_path(p), width, height))
        self.store.add_images(entries)
        wanted = {e[0] for e in entries}
        return [r for r in self.store.images() if r.path in wanted]

    # -- classes ---------------------------------------------------------------------------
    # Each change is checked against the classes as stored now (another program may have added
    # some since this project was opened) and written row by row, ids given by the database.
    def add_category(
        self, name: str, *, parent_id: int | None = None, color: RGB | None = None
    ) -> int:
        """Add an object class (or a part class of ``parent_id``); returns its id."""
        with self.store.transaction():
            new = self.store.load_categories().add(name, parent_id=parent_id, color=color)
            category_id = self.store.insert_category(new.name, new.color, new.parent_id)
        self._reload_categories()
        return category_id

    def rename_category(self, category_id: int, name: str) -> None:
        with self.store.transaction():
            renamed = self.store.load_categories().rename(category_id, name)
            self.store.rename_category(category_id, renamed.name)
        self._reload_categories()

    def remove_category(self, category_id: int) -> None:
        """Remove an unused class (with its part classes)."""
        with self.store.transaction():
            stored = self.store.load_categories()
            name = stored.get(category_id).name
            gone = stored.remove(category_id)
            used = self.store.category_use_count(gone)
            if used:
                raise DocumentError(
                    f"class {name!r} is used by {used} annotations; relabel them first"
                )
            self.store.delete_categories(gone)
        self._reload_categories()

    def _reload_categories(self) -> None:
        self.categories = self.store.load_categories()
        for editor in self._editors.values():
            editor.doc.categories = self.categories

    # -- annotations -------------------------------------------------------------------------
    def editor(self, image_id: int) -> ImageEditor:
        """The editor of one image (loaded on first use, then kept)."""
        if image_id not in self._editors:
            record = self.image(image_id)
            annotations = self.store.load_annotations(record)
            if any(a.category_id not in self.categories for a in annotations):
                self._reload_categories()  # an import in another program added classes
            doc = ImageAnnotations(
                record.shape,
                self.categories,
                annotations,
                new_id=self.store.reserve_annotation_id,
                allow_overlap=self.allow_overlap,
            )
            self._editors[image_id] = ImageEditor(self.store, record, doc)
        return self._editors[image_id]


class ImageEditor:
    """Runs operations on one image's annotations; each is saved at once and undoable."""

    def __init__(self, store: ProjectStore, record: ImageRecord, doc: ImageAnnotations) -> None:
        self.store = store
        self.record = record
        self.doc = doc
        self.history = History()

    def new_object(self, category_id: int) -> int:
        """Start an empty object; returns its id."""
        return self._run(lambda d: d.new_object(category_id)).ids[0]

    def new_part(self, object_id: int, category_id: int) -> int:
        """Start an empty part of ``object_id``; returns its id."""
        return self._run(lambda d: d.new_part(object_id, category_id)).ids[0]

    def add(self, ann_id: int, mask: np.ndarray, window: Slice2D | None = None) -> Edit | None:
        """Add a mask (or, with ``window``, that rectangle's crop of one)."""
        return self._run(lambda d: d.add(ann_id, mask, window=window))

    def remove(self, ann_id: int, mask: np.ndarray, window: Slice2D | None = None) -> Edit | None:
        return self._run(lambda d: d.remove(ann_id, mask, window=window))

    def paint(self, ann_id: int, points, radius: float) -> Edit | None:
        return self._run(lambda d: d.paint(ann_id, points, radius))

    def erase(self, ann_id: int, points, radius: float) -> Edit | None:
        return self._run(lambda d: d.erase(ann_id, points, radius))

    def fill_holes(self, ann_id: int) -> Edit | None:
        return self._run(lambda d: d.fill_holes(ann_id))

    def apply_seed_cut(
        self,
        ann_id: int,
        seeds: Sequence[Seed],
        gain: np.ndarray,
        loss: np.ndarray,
        *,
        window: Slice2D,
    ) -> Edit | None:
        """New seeds and the pixels their cut changed (see
        :meth:`~supercuts_app.annotation.document.ImageAnnotations.apply_seed_cut`)."""
        return self._run(lambda d: d.apply_seed_cut(ann_id, seeds, gain, loss, window=window))

    def delete(self, ann_id: int) -> Edit | None:
        return self._run(lambda d: d.delete(ann_id))

    def relabel(self, ann_id: int, category_id: int) -> Edit | None:
        return self._run(lambda d: d.relabel(ann_id, category_id))

    def reorder(self, ann_id: int, position: int) -> Edit | None:
        return self._run(lambda d: d.reorder(ann_id, position))

    def move_part(self, part_id: int, object_id: int) -> Edit | None:
        return self._run(lambda d: d.move_part(part_id, object_id))

    def undo(self) -> Edit | None:
        """Revert the last edit (saved like any edit); None when there is nothing to undo."""
        if not self.history.can_undo():
            return None
        self._apply_saved(self.history.done[-1].inverse())
        return self.history.pop_undo()

    def redo(self) -> Edit | None:
        if not self.history.can_redo():
            return None
        self._apply_saved(self.history.undone[-1])
        return self.history.pop_redo()

    def _run(self, operation: Callable[[ImageAnnotations], Edit | None]) -> Edit | None:
        edit = operation(self.doc)
        if edit is not None:
            self._saved_or_reverted(edit)
            self.history.push(edit)
        return edit

    def _apply_saved(self, edit: Edit) -> None:
        self.doc.apply(edit)
        self._saved_or_reverted(edit)

    def _saved_or_reverted(self, edit: Edit) -> None:
        """Save an edit already applied in memory; if that fails, take it back and re-raise,
        so memory and disk never disagree."""
        try:
            self._save(edit)
        except BaseException:
            self.doc.revert(edit)
            raise

    def _save(self, edit: Edit) -> None:
        annotations = self.doc.annotations
        # A change of no pixel (an empty rectangle: a seed that moved no border) saves the
        # metadata only, without encoding the mask again.
        pixels_changed = {
            c.id
            for c in edit.changes
            if (c.box is not None and c.mask_after.size) or c.before is None
        }
        present = [annotations[i] for i in edit.ids if i in annotations and i in pixels_changed]
        metadata_only = [
            annotations[i] for i in edit.ids if i in annotations and i not in pixels_changed
        ]
        deleted = [i for i in edit.ids if i not in annotations]
        self.store.write_annotations(self.record.id, present, deleted, metadata_only=metadata_only)
