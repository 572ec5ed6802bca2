"""Window actions that need dialogs or class choices: opening, export, import, classes, N and P.

Kept apart from the main window so that it stays a composition of parts; every file operation
runs in the worker.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from supercuts_app.annotation.categories import CategoryError, load_schema
from supercuts_app.annotation.document import DocumentError
from supercuts_app.base.files import write_bytes_atomic
from supercuts_app.base.images import IMAGE_SUFFIXES, load_image
from supercuts_app.formats.coco_export import export_coco, import_coco, load_coco_file
from supercuts_app.formats.mask_png import export_masks
from supercuts_app.segmentation.segment import hierarchy_for_image
from supercuts_app.storage.project import PROJECT_SUFFIX
from supercuts_app.storage.store import ProjectFileError

from .panels import ask_text

MAX_RECENT = 8


def precompute_image(
    path, method: str, n_segments: int, cache, backbone_name=None, *, progress=None, cancel=None
):
    """Worker job: compute (or find) an image's segmentation in the cache."""
    from supercuts_app.segmentation.features import DEFAULT_BACKBONE, cached_backbone

    image = load_image(path)
    backbone = cached_backbone(backbone_name or DEFAULT_BACKBONE)
    hierarchy_for_image(
        image, method=method, n_segments=n_segments, backbone=backbone, cache=cache, cancel=cancel
    )
    return path


def ask_segmentation_settings(window) -> None:
    """Superpixel count and backbone; the current image is recomputed (or read from the cache)."""
    count, ok = QInputDialog.getInt(
        window, "Segmentation", "Superpixels per image:", window.n_segments, 50, 5000, 50
    )
    if not ok:
        return
    name, ok = QInputDialog.getText(
        window,
        "Segmentation",
        "timm backbone (empty: the shipped EfficientNet-Lite0; others need their weights online):",
        text=window.backbone_name or "",
    )
    if not ok:
        return
    window.n_segments, window.backbone_name = count, name.strip() or None
    window.settings.setValue("n_segments", count)
    window.settings.setValue("backbone", window.backbone_name or "")
    if window.image_id is not None:
        window.show_image(window.image_id)


def _start_dir(window) -> str:
    return str(window.settings.value("last_folder", str(Path.home())))


def remember_recent(window, path: Path) -> None:
    recent = [str(path.resolve())] + [
        p for p in (window.settings.value("recent") or []) if p != str(path.resolve())
    ]
    window.settings.setValue("recent", recent[:MAX_RECENT])


def ask_open_image(window) -> None:
    patterns = " ".join(f"*{s}" for s in IMAGE_SUFFIXES)
    path, _ = QFileDialog.getOpenFileName(
        window,
        "Open image or project",
        _start_dir(window),
        f"Images and projects ({patterns} *{PROJECT_SUFFIX})",
    )
    if path:
        window.open_path(path)


def ask_open_folder(window) -> None:
    path = QFileDialog.getExistingDirectory(window, "Open folder", _start_dir(window))
    if path:
        window.open_path(path)


def _done(window, text: str) -> None:
    window.status_label.setText(text)
    window.statusBar().showMessage(text, 8000)


def ask_export_coco(window) -> None:
    if window.project is None:
        return
    default = str(window.project.root / f"{window.project.path.stem}_coco.json")
    out, _ = QFileDialog.getSaveFileName(window, "Export COCO", default, "COCO JSON (*.json)")
    if not out:
        return
    project = window.project

    def job(*, progress=None, cancel=None) -> str:
        data = export_coco(project)
        write_bytes_atomic(out, json.dumps(data).encode())
        n_parts = sum("parent_id" in a for a in data["annotations"])
        return f"Exported {len(data['annotations']) - n_parts} objects and {n_parts} parts to {out}"

    window._start(job, on_result=lambda text: _done(window, text))


def ask_export_masks(window) -> None:
    if window.project is None:
        return
    out = QFileDialog.getExistingDirectory(window, "Export masks to folder", _start_dir(window))
    if not out:
        return
    project = window.project

    def job(*, progress=None, cancel=None) -> str:
        def tick(done: int, total: int) -> None:
            if progress is not None:
                progress("exporting masks", done / total)

        legend = export_masks(project, out, progress=tick)
        return f"Exported label PNGs of {len(legend['images'])} images to {out}"

    window._start(job, on_result=lambda text: _done(window, text))


def ask_import_coco(window) -> None:
    if window.project is None:
        return
    path, _ = QFileDialog.getOpenFileName(
        window, "Import COCO", _start_dir(window), "COCO JSON (*.json)"
    )
    if not path:
        return
    images = QFileDialog.getExistingDirectory(
        window, "Folder of its images", str(Path(path).parent)
    )
    if not images:
        return
    target = window.project.path

    def job(*, progress=None, cancel=None):
        return import_coco(load_coco_file(path), images, target, replace=True)

    def finished(summary) -> None:
        window.open_path(target)  # reload with the imported labels
        _done(window, f"Imported {summary.objects} objects and {summary.parts} parts")

    # The import writes through its own connection; the open project is reopened afterwards.
    window._start(job, on_result=finished)


def ask_load_classes(window) -> None:
    if window.project is None:
        return
    path, _ = QFileDialog.getOpenFileName(
        window, "Load classes", _start_dir(window), "Class schema (*.yaml *.yml *.json)"
    )
    if not path:
        return
    try:
        schema = load_schema(path)
        for obj in schema.objects():
            found = window.project.categories.find(obj.name)
            owner = found.id if found else window.project.add_category(obj.name, color=obj.color)
            for part in schema.parts_of(obj.id):
                if window.project.categories.find(part.name, owner) is None:
                    window.project.add_category(part.name, parent_id=owner, color=part.color)
    except (CategoryError, ProjectFileError) as exc:
        QMessageBox.warning(window, "SuperCuts", str(exc))
    window.classes.show_classes(window.project.categories)


def add_class(window, owner: int | None) -> None:
    if window.project is None:
        return
    kind = "part class" if owner is not None else "object class"
    name = ask_text(window, f"New {kind}", "Name:")
    if name:
        _category_edit(window, lambda: window.project.add_category(name, parent_id=owner))


def rename_class(window, class_id: int) -> None:
    if window.project is None:
        return
    current = window.project.categories.get(class_id).name
    name = ask_text(window, "Rename class", "Name:", current)
    if name:
        _category_edit(window, lambda: window.project.rename_category(class_id, name))


def remove_class(window, class_id: int) -> None:
    if window.project is not None:
        _category_edit(window, lambda: window.project.remove_category(class_id))


def _category_edit(window, change) -> None:
    try:
        change()
    except (CategoryError, DocumentError) as exc:
        window.statusBar().showMessage(str(exc), 6000)
    window.classes.show_classes(window.project.categories)
    window._refresh_objects()


def new_object(window) -> None:
    """N: a new object of the chosen class; N again on a still-empty object cycles its class."""
    a, project = window.annotator, window.project
    if a is None or project is None:
        return
    classes = project.categories.objects()
    if not classes:
        window.statusBar().showMessage("Add an object class first (Classes panel)", 6000)
        return
    if a.active is not None and not a.doc.get(a.active).is_part:
        current = a.doc.get(a.active)
        if current.id in a.empty and not a.doc.parts_of(current.id):
            ids = [c.id for c in classes]
            nxt = ids[(ids.index(current.category_id) + 1) % len(ids)]
            window._edit(a.relabel, current.id, nxt)
            _announce(window, "Object", nxt)
            return
    chosen = window.classes.current_class()
    if chosen is not None and project.categories.get(chosen).is_part:
        chosen = project.categories.get(chosen).parent_id
    category = chosen if chosen is not None else classes[0].id
    window._edit(a.new_object, category)
    _announce(window, "Object", category)


def new_part(window) -> None:
    """P: a new part of the selected object; P again on a still-empty part cycles its class."""
    a, project = window.annotator, window.project
    if a is None or project is None:
        return
    if a.active is None:
        window.statusBar().showMessage("Select or start an object first (N)", 6000)
        return
    ann = a.doc.get(a.active)
    obj = a.doc.get(ann.parent_id) if ann.is_part else ann
    part_classes = project.categories.parts_of(obj.category_id)
    if not part_classes:
        name = project.categories.get(obj.category_id).name
        window.statusBar().showMessage(f"Class {name!r} has no part classes (Classes panel)", 6000)
        return
    ids = [c.id for c in part_classes]
    if ann.is_part and ann.id in a.empty:
        nxt = ids[(ids.index(ann.category_id) + 1) % len(ids)]
        window._edit(a.relabel, ann.id, nxt)
        _announce(window, "Part", nxt)
        return
    chosen = window.classes.current_class()
    if chosen not in ids:
        used = {p.category_id for p in a.doc.parts_of(obj.id)}
        chosen = next((i for i in ids if i not in used), ids[0])
    if ann.is_part:
        window._apply_change(a.select(obj.id))
    window._edit(a.new_part, chosen)
    _announce(window, "Part", chosen)


def _announce(window, kind: str, category: int) -> None:
    name = window.project.categories.get(category).name
    window.statusBar().showMessage(
        f"{kind}: {name}. Click regions to add them (press again to change the class)", 6000
    )


def relabel(window, ann_id: int) -> None:
    a, project = window.annotator, window.project
    if a is None or project is None:
        return
    ann = a.doc.get(ann_id)
    if ann.is_part:
        options = project.categories.parts_of(a.doc.get(ann.parent_id).category_id)
    else:
        options = project.categories.objects()
    names = [c.name for c in options]
    current = names.index(project.categories.get(ann.category_id).name)
    name, ok = QInputDialog.getItem(window, "Change class", "Class:", names, current, False)
    if ok:
        window._edit(a.relabel, ann_id, options[names.index(name)].id)
