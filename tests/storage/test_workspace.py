"""What opening an image, a folder, a project or nothing gives."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from supercuts_app.base.images import ImageLoadError
from supercuts_app.base.resources import resource_path
from supercuts_app.storage.store import ProjectFileError
from supercuts_app.storage.workspace import open_workspace, user_projects_dir


def test_folder_image_and_project_open_the_same_project(tmp_path):
    for name in ("b.png", "a.jpg"):
        Image.fromarray(np.zeros((8, 9, 3), np.uint8)).save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("x")
    project, first = open_workspace(tmp_path)
    assert project.path == tmp_path / f"{tmp_path.name}.supercuts"
    assert [r.path for r in project.images()] == ["a.jpg", "b.png"]
    assert project.image(first).path == "a.jpg"
    project.close()
    Image.fromarray(np.zeros((8, 9, 3), np.uint8)).save(tmp_path / "c.png")
    project, shown = open_workspace(tmp_path / "c.png")
    assert project.image(shown).path == "c.png" and len(project.images()) == 3
    project.close()
    project, _ = open_workspace(tmp_path / f"{tmp_path.name}.supercuts")
    assert len(project.images()) == 3
    project.close()


def test_sample_and_demo_open_from_user_data_without_touching_the_package(tmp_path):
    package_files = sorted(resource_path("samples").rglob("*"))
    project, image = open_workspace(None)
    assert user_projects_dir() in project.path.parents
    assert project.image_path(project.image(image)).resolve().is_file()
    project.close()
    demo, _ = open_workspace(resource_path("samples", "demo"))
    assert user_projects_dir() in demo.path.parents
    assert len(demo.images()) == 3 and demo.store.annotation_counts()
    demo.close()
    assert sorted(resource_path("samples").rglob("*")) == package_files


def test_bad_paths(tmp_path):
    with pytest.raises(ProjectFileError, match="not found"):
        open_workspace(tmp_path / "missing")
    with pytest.raises(ProjectFileError, match="holds no images"):
        open_workspace(tmp_path)
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(ImageLoadError, match="not an image"):
        open_workspace(tmp_path / "x.txt")
