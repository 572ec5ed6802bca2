"""The project file: every edit persisted, foreign or damaged files refused, crash safety."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.base.resources import resource_path
from supercuts_app.formats.coco import export_coco
from supercuts_app.storage import schema as schema_module
from supercuts_app.storage.project import Project, find_project
from supercuts_app.storage.store import ProjectFileError, ProjectStore


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    Image.fromarray(np.full((40, 60, 3), 90, np.uint8)).save(tmp_path / "a.png")
    Image.fromarray(np.full((30, 20, 3), 10, np.uint8)).save(tmp_path / "b.jpg")
    return tmp_path


DEMO = resource_path("samples", "demo", "demo.supercuts")


def new_project(folder: Path) -> Project:
    cats = schema_from_data({"person": ["head", "torso"], "car": ["wheel"]})
    project = Project.create(folder / "p.supercuts", cats)
    project.add_images([folder / "a.png", folder / "b.jpg"])
    return project


def test_every_edit_and_undo_is_on_disk_at_once(project_dir: Path):
    project = new_project(project_dir)
    person = project.categories.find("person").id
    head = project.categories.find("head", person).id
    image = project.images()[0]
    assert (image.path, image.width, image.height) == ("a.png", 60, 40)
    editor = project.editor(image.id)
    obj = editor.new_object(person)
    part = editor.new_part(obj, head)
    mask = np.zeros(image.shape, bool)
    mask[5:15, 10:30] = True
    editor.add(part, mask)
    editor.paint(obj, [(50, 30)], 3)
    editor.undo()
    # A second connection sees exactly the committed state, without closing the first.
    with Project.open(project_dir, readonly=True) as other:
        anns = {a.id: a for a in other.editor(image.id).doc.annotations.values()}
    assert set(anns) == {obj, part}
    assert anns[part].parent_id == obj and anns[part].mask.sum() == 200
    assert anns[obj].mask.sum() == 200
    # Decoded straight into their rectangles, nothing of the image's size held.
    assert anns[part].bounds() == (slice(5, 15), slice(10, 30))
    assert anns[part].pixels.crop.shape == (10, 20) and anns[part].pixels.crop.all()
    editor.redo()
    project.close()
    with Project.open(project_dir / "p.supercuts") as again:
        doc = again.editor(image.id).doc
        assert doc.get(obj).mask[30, 50] and doc.get(obj).mask.sum() > 200
        # New ids never collide with stored ones.
        assert again.editor(image.id).new_object(person) > part


def test_project_uses_wal_and_relative_paths(project_dir: Path):
    project = new_project(project_dir)
    assert project.store.journal_mode() == "wal"
    assert [r.path for r in project.images()] == ["a.png", "b.jpg"]
    project.close()
    moved = project_dir.parent / "moved"
    project_dir.rename(moved)
    with Project.open(moved) as p:
        assert p.image_path(p.images()[1]).is_file()


def test_categories_edits_persist_and_used_classes_cannot_be_removed(project_dir: Path):
    project = new_project(project_dir)
    car = project.categories.find("car").id
    project.rename_category(car, "vehicle")
    door = project.add_category("door", parent_id=car, color=(1, 2, 3))
    editor = project.editor(project.images()[0].id)
    editor.new_object(car)
    with pytest.raises(ValueError, match="used by 1 annotations"):
        project.remove_category(car)
    project.remove_category(project.categories.find("person").id)
    project.close()
    with Project.open(project_dir) as p:
        assert [c.name for c in p.categories.objects()] == ["vehicle"]
        assert [c.name for c in p.categories.parts_of(car)] == ["wheel", "door"]
        assert p.categories.get(door).color == (1, 2, 3)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "not an SQLite database"),
        (b"hello, this is text\n" * 10, "not an SQLite database"),
        (b"SQLite format 3\x00" + os.urandom(2000), "damaged"),
    ],
)
def test_foreign_and_damaged_files_are_refused_untouched(tmp_path: Path, content, message):
    path = tmp_path / "x.supercuts"
    path.write_bytes(content)
    with pytest.raises(ProjectFileError, match=message):
        Project.open(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.supercuts"]


def test_other_programs_databases_and_newer_schemas_are_refused(tmp_path: Path):
    other = tmp_path / "other.supercuts"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    with pytest.raises(ProjectFileError, match="another program"):
        ProjectStore(other)
    assert other.read_bytes() == before

    newer = tmp_path / "newer.supercuts"
    ProjectStore(newer, create=True).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {schema_module.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ProjectFileError, match="newer SuperCuts"):
        ProjectStore(newer)


def test_creating_never_overwrites(tmp_path: Path):
    path = tmp_path / "p.supercuts"
    path.write_text("mine")
    with pytest.raises(ProjectFileError, match="exists already"):
        Project.create(path)
    assert path.read_text() == "mine"
    with pytest.raises(ProjectFileError, match="folder not found"):
        Project.create(tmp_path / "missing" / "p.supercuts")


def test_older_schema_is_migrated_after_a_backup(tmp_path: Path, monkeypatch):
    path = tmp_path / "old.supercuts"
    ProjectStore(path, create=True).close()
    current = schema_module.SCHEMA_VERSION
    added = []

    def to_next(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE images ADD COLUMN note TEXT")
        added.append(True)

    monkeypatch.setattr(schema_module, "SCHEMA_VERSION", current + 1)
    monkeypatch.setattr(schema_module, "OLDEST_READABLE_SCHEMA", current + 1)
    monkeypatch.setitem(schema_module.MIGRATIONS, current, to_next)
    with pytest.raises(ProjectFileError, match="open it once to upgrade"):
        ProjectStore(path, readonly=True)
    s = ProjectStore(path)
    assert added and s.schema_version() == current + 1
    s.close()
    columns = [r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(images)")]
    assert "note" in columns
    backup = tmp_path / f"old.supercuts.schema{current}.bak"
    assert sqlite3.connect(backup).execute("PRAGMA user_version").fetchone()[0] == current


def test_schema_1_files_are_read_as_they_are_and_upgraded_on_writing(tmp_path: Path):
    """The shipped demo is schema 1 in rollback-journal mode: exporting it reads it untouched;
    opening it for writing keeps a backup and moves ids to AUTOINCREMENT, rows unchanged."""
    path = tmp_path / "demo.supercuts"
    shutil.copyfile(DEMO, path)
    before = path.read_bytes()
    with Project.open(path, readonly=True) as project:
        assert project.store.schema_version() == 1
        exported = export_coco(project)
        last = project.store.last_annotation_id()
    assert path.read_bytes() == before
    with Project.open(path) as project:
        assert project.store.schema_version() == schema_module.SCHEMA_VERSION
        assert export_coco(project) == exported
        image = project.images()[0]
        person = project.categories.find("person").id
        assert project.editor(image.id).new_object(person) == last + 1
    backup = tmp_path / "demo.supercuts.schema1.bak"
    original = sqlite3.connect(DEMO.as_uri() + "?mode=ro", uri=True)
    assert list(sqlite3.connect(backup).iterdump()) == list(original.iterdump())


def test_ids_are_never_reused_after_a_delete(project_dir: Path):
    """Undo may bring a deleted row back, so its id must not go to anything else meanwhile."""
    project = new_project(project_dir)
    person = project.categories.find("person").id
    editor = project.editor(project.images()[0].id)
    first = editor.new_object(person)
    editor.delete(first)
    second = editor.new_object(person)
    assert second > first
    editor.undo()
    editor.undo()  # the first object is back, under its own id
    assert first in editor.doc.annotations and second not in editor.doc.annotations
    door = project.add_category("door")
    project.remove_category(door)
    assert project.add_category("gate") > door
    project.close()
    with Project.open(project_dir) as again:
        assert again.editor(again.images()[0].id).new_object(person) > second


def test_find_project_names_the_problem(tmp_path: Path):
    with pytest.raises(ProjectFileError, match="holds no .supercuts project"):
        find_project(tmp_path)
    (tmp_path / "a.supercuts").touch()
    (tmp_path / "b.supercuts").touch()
    with pytest.raises(ProjectFileError, match="several projects"):
        find_project(tmp_path)


EDIT_BURST = textwrap.dedent(
    """
    import sys
    import numpy as np
    from supercuts_app.storage.project import Project

    project = Project.open(sys.argv[1])
    image = project.images()[0]
    editor = project.editor(image.id)
    person = project.categories.find("person").id
    obj = editor.new_object(person)
    print("object", obj, flush=True)
    for i in range(100000):
        y, x = divmod(i % (image.height * image.width), image.width)
        mask = np.zeros(image.shape, bool)
        mask[y, x] = True
        editor.add(obj, mask)
        print("committed", i, flush=True)
    """
)


def test_killing_the_process_loses_at_most_the_edit_in_flight(project_dir: Path):
    new_project(project_dir).close()
    script = project_dir / "burst.py"
    script.write_text(EDIT_BURST)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(project_dir / "p.supercuts")],
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = [proc.stdout.readline()]
    obj = int(lines[0].split()[1])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        lines.append(proc.stdout.readline())
        if len(lines) > 60:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    lines += proc.stdout.read().splitlines()
    committed = [int(line.split()[1]) for line in lines if line.startswith("committed")]
    assert len(committed) >= 50
    with Project.open(project_dir) as project:
        image = project.images()[0]
        mask = project.editor(image.id).doc.get(obj).mask
    # Every edit reported as committed is there; at most one more (the one in flight) may be.
    assert mask.sum() in (len(committed), len(committed) + 1)
    for i in committed:
        y, x = divmod(i, image.width)
        assert mask[y, x]


def test_a_project_made_single_file_leaves_wal_mode(project_dir: Path):
    project = new_project(project_dir)
    project.store.make_single_file()
    project.close()
    assert not list(project_dir.glob("p.supercuts-*"))
    with Project.open(project_dir, readonly=True) as shipped:
        assert shipped.store.journal_mode() == "delete" and len(shipped.images()) == 2


def test_reading_a_wal_project_leaves_no_side_files_and_sees_an_open_writer(project_dir: Path):
    """Read-only opening of a written (WAL) project: nothing left beside it after closing, the
    edits of a program that has it open are seen, and it cannot write."""
    path = project_dir / "p.supercuts"
    new_project(project_dir).close()
    before = {p.name: p.read_bytes() for p in project_dir.iterdir()}
    with Project.open(path, readonly=True) as reader:
        assert reader.images()
        conn = schema_module.connect(path, readonly=True)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM images")
        conn.close()
    assert {p.name: p.read_bytes() for p in project_dir.iterdir()} == before
    with Project.open(path) as writer:
        writer.add_category("added by the window")
        with Project.open(path, readonly=True) as reader:
            assert reader.categories.find("added by the window") is not None
    assert sorted(p.name for p in project_dir.iterdir()) == sorted(before)


def test_a_failed_migration_leaves_the_file_as_it_was_and_no_backup(tmp_path: Path, monkeypatch):
    path = tmp_path / "old.supercuts"
    ProjectStore(path, create=True).close()
    before = path.read_bytes()
    current = schema_module.SCHEMA_VERSION

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE images ADD COLUMN note TEXT")
        raise ProjectFileError(f"{path}: cannot upgrade (test)")

    monkeypatch.setattr(schema_module, "SCHEMA_VERSION", current + 1)
    monkeypatch.setitem(schema_module.MIGRATIONS, current, broken)
    with pytest.raises(ProjectFileError, match="cannot upgrade"):
        ProjectStore(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.supercuts"]


def test_a_schema_without_migrations_is_refused_before_anything_is_written(tmp_path: Path):
    path = tmp_path / "zero.supercuts"
    ProjectStore(path, create=True).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 0")
    conn.close()
    before = path.read_bytes()
    for readonly in (True, False):
        with pytest.raises(ProjectFileError, match="schema 0, which no SuperCuts wrote"):
            ProjectStore(path, readonly=readonly)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zero.supercuts"]


def test_error_messages_are_one_line():
    assert str(ProjectFileError("p: damaged (*** in database main ***\nPage 3: x\n)")) == (
        "p: damaged (*** in database main ***; Page 3: x; )"
    )
