"""Two writers on one project file: concurrent imports, an import beside an open project, and the
GUI thread beside the worker thread never overwrite, move or lose each other's rows."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.formats.coco import export_coco, import_coco
from supercuts_app.storage.project import Project

# Large enough that checking a file takes as long as starting the process, so that the two
# imports overlap.
SHAPE = (1200, 1600)


def coco_for(folder: Path, name: str, n_objects: int, *, class_name: str = "thing") -> Path:
    """A COCO file of one image ``name`` (written into ``folder``) with ``n_objects`` objects and
    one part each, numbered from 1 as every exporter numbers them."""
    Image.fromarray(np.full((*SHAPE, 3), 60, np.uint8)).save(folder / name)
    annotations = []
    for i in range(n_objects):
        x = 2 + 40 * i
        annotations.append(
            {
                "id": 2 * i + 1,
                "image_id": 1,
                "category_id": 1,
                "segmentation": [[x, 2, x + 35, 2, x + 35, 1100, x, 1100]],
            }
        )
        annotations.append(
            {
                "id": 2 * i + 2,
                "image_id": 1,
                "category_id": 2,
                "parent_id": 2 * i + 1,
                "segmentation": [[x, 3, x + 30, 3, x + 30, 500, x, 500]],
            }
        )
    data = {
        "images": [{"id": 1, "file_name": name, "width": SHAPE[1], "height": SHAPE[0]}],
        "categories": [{"id": 1, "name": class_name},
                       {"id": 2, "name": "top", "supercategory": class_name}],
        "annotations": annotations,
    }  # fmt: skip
    path = folder / f"{Path(name).stem}.json"
    path.write_text(json.dumps(data))
    return path


def annotations_per_image(project_file: Path) -> dict[str, int]:
    with Project.open(project_file, readonly=True) as project:
        data = export_coco(project)
    names = {i["id"]: i["file_name"] for i in data["images"]}
    counts = dict.fromkeys(names.values(), 0)
    for a in data["annotations"]:
        counts[names[a["image_id"]]] += 1
    return counts


def run_import(coco: Path, folder: Path, project_file: Path) -> subprocess.Popen:
    args = [sys.executable, "-m", "supercuts_app", "import", "coco", str(coco),
            "--images", str(folder), "--project", str(project_file)]  # fmt: skip
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(5))
def test_two_concurrent_imports_of_different_images_keep_both(tmp_path: Path, attempt: int):
    project_file = tmp_path / "p.supercuts"
    Project.create(project_file).close()
    first = coco_for(tmp_path, "a.png", 30)
    second = coco_for(tmp_path, "b.png", 20)
    procs = [run_import(first, tmp_path, project_file), run_import(second, tmp_path, project_file)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert annotations_per_image(project_file) == {"a.png": 60, "b.png": 40}


def test_two_concurrent_imports_create_one_project_and_keep_both(tmp_path: Path):
    project_file = tmp_path / "new.supercuts"
    first = coco_for(tmp_path, "a.png", 30)
    second = coco_for(tmp_path, "b.png", 20)
    procs = [run_import(first, tmp_path, project_file), run_import(second, tmp_path, project_file)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert annotations_per_image(project_file) == {"a.png": 60, "b.png": 40}


def small_project(folder: Path) -> tuple[Project, int]:
    """A project of image a.png with one labelled person; returns it and a.png's id."""
    Image.fromarray(np.full((120, 160, 3), 90, np.uint8)).save(folder / "a.png")
    project = Project.create(folder / "p.supercuts", schema_from_data({"person": ["head"]}))
    (image,) = project.add_images([folder / "a.png"])
    editor = project.editor(image.id)
    obj = editor.new_object(project.categories.find("person").id)
    editor.paint(obj, [(40, 40)], 20)
    return project, image.id


def stored_rows(project_file: Path) -> dict[int, tuple[str, str, int | None, int]]:
    """annotation id -> (image, class name, parent id, pixel count), as stored."""
    rows = {}
    with Project.open(project_file, readonly=True) as project:
        for record in project.images():
            for a in project.store.load_annotations(record):
                name = project.categories.get(a.category_id).name
                rows[a.id] = (record.path, name, a.parent_id, int(a.mask.sum()))
    return rows


@pytest.mark.slow
@pytest.mark.parametrize("where", ["another process", "this process"])
def test_an_import_beside_an_open_project_and_its_next_edits_never_collide(
    tmp_path: Path, where: str
):
    window, image_id = small_project(tmp_path)  # stays open, as in the window
    editor = window.editor(image_id)
    coco = coco_for(tmp_path, "b.png", 5, class_name="thing")
    if where == "another process":
        proc = run_import(coco, tmp_path, tmp_path / "p.supercuts")
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    else:
        import_coco(json.loads(coco.read_text()), tmp_path, tmp_path / "p.supercuts")
    imported = stored_rows(tmp_path / "p.supercuts")
    assert sum(path == "b.png" for path, *_ in imported.values()) == 10

    person = window.categories.find("person").id
    new_object = editor.new_object(person)
    editor.paint(new_object, [(120, 90)], 10)
    tree = window.add_category("tree")
    branch = window.add_category("branch", parent_id=tree)
    imported_image = next(r.id for r in window.images() if r.path == "b.png")
    shown = window.editor(imported_image).doc  # the imported classes are known to the window
    assert all(window.categories.get(a.category_id) for a in shown.annotations.values())
    window.close()

    after = stored_rows(tmp_path / "p.supercuts")
    assert new_object not in imported
    assert {k: after[k] for k in imported} == imported  # nothing moved, relabelled or lost
    assert after[new_object][:2] == ("a.png", "person")
    with Project.open(tmp_path / "p.supercuts", readonly=True) as again:
        cats = again.categories
        thing = cats.find("thing")
        assert thing is not None and cats.find("top", thing.id) is not None
        assert cats.get(tree).name == "tree" and cats.get(branch).parent_id == tree
        assert len({c.id for c in cats}) == len(list(cats)) == 6


def test_each_thread_gets_its_own_connection_and_both_can_read_and_write(tmp_path: Path):
    project, image_id = small_project(tmp_path)
    editor = project.editor(image_id)
    record = project.image(image_id)
    own = project.store.connection_id()
    seen: dict[str, int] = {}
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            seen["worker"] = project.store.connection_id()
            start.wait()
            for i in range(30):
                project.store.load_annotations(record)
                project.store.annotation_counts()
                project.store.set_setting("worker_step", i)
        except BaseException as exc:  # reported below, on the test's thread
            failures.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    start.wait()
    person = project.categories.find("person").id
    for i in range(30):
        obj = editor.new_object(person)
        editor.paint(obj, [(5 + 5 * i, 100)], 2)
        export_coco(project)
    thread.join()
    assert not failures, failures
    assert seen["worker"] != own and project.store.connection_id() == own
    assert project.store.get_setting("worker_step") == 29
    project.close()
    assert len(stored_rows(tmp_path / "p.supercuts")) == 31
