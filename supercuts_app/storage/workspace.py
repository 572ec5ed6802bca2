"""What ``supercuts [IMAGE | FOLDER | PROJECT]`` opens: always a project, created when needed.

- a ``.supercuts`` file: that project;
- a folder: its project (``<folder>/<folder name>.supercuts``, created with every image in the
  folder); images added to the folder since are added on opening;
- an image: its folder's project, showing that image;
- nothing: a project in the user data folder over the bundled sample image.

A folder that cannot be written gets its project in the user data folder instead, and projects
shipped inside the package (the demo) are copied there first, so the package is never modified.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.base.images import IMAGE_SUFFIXES, ImageLoadError, image_size
from supercuts_app.base.resources import resource_path, sample_image_path
from supercuts_app.base.tasks import CancelFn, ProgressFn, report

from .project import PROJECT_SUFFIX, Project, find_project
from .store import ProjectFileError

DEFAULT_CLASSES = {"object": ["part"]}
"""Classes of a project created by opening a folder (edit them in the Classes panel)."""


def user_projects_dir() -> Path:
    """``$SUPERCUTS_DATA_DIR/projects`` or the platform's user data folder."""
    env = os.environ.get("SUPERCUTS_DATA_DIR")
    if env:
        return Path(env) / "projects"
    from platformdirs import user_data_dir

    return Path(user_data_dir("supercuts", appauthor=False)) / "projects"


def folder_images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def open_workspace(
    path: str | os.PathLike | None,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> tuple[Project, int | None]:
    """The project for ``path`` and the image to show first (None: the project has none).

    Raises :class:`ProjectFileError` or :class:`ImageLoadError` with one line.
    """
    report(progress, "opening project", 0.0)
    if path is None:
        sample = sample_image_path()
        project = _project_for_folder(user_projects_dir() / "sample", [sample])
        return project, _image_id(project, sample)
    path = Path(path)
    if not path.exists():
        raise ProjectFileError(f"{path}: not found")
    if path.is_file() and path.suffix == PROJECT_SUFFIX or path.is_dir() and _has_project(path):
        project = Project.open(_writable_copy(find_project(path)))
        if path.is_dir():
            # A package project was copied with its images; any other copy points back.
            scanned = project.root if _inside_package(path) else path
            _add_new_images(project, folder_images(scanned))
        images = project.images()
        return project, images[0].id if images else None
    if path.is_dir():
        images = folder_images(path)
        if not images:
            raise ProjectFileError(f"{path}: folder holds no images ({', '.join(IMAGE_SUFFIXES)})")
        project = _project_for_folder(path, images)
        return project, project.images()[0].id
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise ImageLoadError(path, f"not an image or {PROJECT_SUFFIX} project")
    image_size(path)  # an unreadable image is refused before its folder's project is made
    project = _project_for_folder(path.parent, folder_images(path.parent))
    return project, _image_id(project, path)


def _has_project(folder: Path) -> bool:
    return any(folder.glob(f"*{PROJECT_SUFFIX}"))


def _project_for_folder(folder: Path, images: list[Path]) -> Project:
    """Open (or create) the project of ``folder``, adding ``images`` it does not hold yet."""
    home = folder if _writable(folder) else _fallback_home(folder)
    home.mkdir(parents=True, exist_ok=True)
    existing = sorted(home.glob(f"*{PROJECT_SUFFIX}"))
    if len(existing) > 1:
        raise ProjectFileError(f"{home}: folder holds several projects; open one of them")
    if existing:
        project = Project.open(existing[0])
    else:
        name = folder.resolve().name or "project"
        project = Project.create(
            home / f"{name}{PROJECT_SUFFIX}", schema_from_data(DEFAULT_CLASSES)
        )
    _add_new_images(project, images)
    if not project.images():
        project.close()
        if not existing:  # a refused open leaves no project behind
            project.path.unlink(missing_ok=True)
        raise ProjectFileError(f"{folder}: none of its {len(images)} images can be read")
    return project


def _add_new_images(project: Project, images: list[Path]) -> None:
    known = {r.path for r in project.images()}
    new = [p for p in images if project.relative_path(p) not in known]
    if new:
        # A broken file in the folder is left out, not fatal.
        project.add_images(new, skip_unreadable=True)


def _image_id(project: Project, image: Path) -> int:
    rel = project.relative_path(image)
    for r in project.images():
        if r.path == rel:
            return r.id
    project.add_images([image])  # raises ImageLoadError for a bad file
    return _image_id(project, image)


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK) and not _inside_package(folder)


def _inside_package(path: Path) -> bool:
    package = resource_path().resolve()
    return path.resolve() == package or package in path.resolve().parents


def _fallback_home(folder: Path) -> Path:
    digest = hashlib.blake2b(str(folder.resolve()).encode(), digest_size=6).hexdigest()
    return user_projects_dir() / f"{folder.resolve().name}-{digest}"


def _writable_copy(project_file: Path) -> Path:
    """``project_file`` itself, or a copy in the user data folder (made once, then reused) for a
    project shipped in the package (copied with its images) or in a read-only folder (the file
    alone, its image paths rewritten to point back at the images)."""
    folder = project_file.parent
    if _writable(folder) and os.access(project_file, os.W_OK):
        return project_file
    home = _fallback_home(folder)
    target = home / project_file.name
    if target.exists():
        return target
    if _inside_package(folder):
        shutil.copytree(folder, home, dirs_exist_ok=True)
        return target
    home.mkdir(parents=True, exist_ok=True)
    with Project.open(project_file, readonly=True) as source:
        moved = {r.id: Path(os.path.relpath(folder / r.path, home)).as_posix()
                 for r in source.images()}  # fmt: skip
        source.store.copy_to(target, moved)
    return target
