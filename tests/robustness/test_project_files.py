"""Project files: read-only exports write nothing, refused operations change nothing.

Issue 16, cases 5 (a written, WAL-mode project exported from a read-only folder, no ``-wal``
or ``-shm`` left), 6 (a refused import leaves the project byte-identical), 9 (rows damaged in
ways ``PRAGMA quick_check`` does not see), 10 (schema 0 with SuperCuts' application id) and the
project-file part of 11 (SQLite's multi-line reports), and the damaged, foreign and newer files
that were already refused. Every command runs as a separate process (:func:`.conftest.run_cli`).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from supercuts_app.base.resources import resource_path
from supercuts_app.formats.coco import import_coco
from supercuts_app.storage import schema

from .conftest import (
    assert_refused,
    assert_succeeded,
    coco_with,
    folder_state,
    read_only_folder,
    run_cli,
    small_image,
)

DEMO = resource_path("samples", "demo")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """``tmp_path/proj/p.supercuts``: one image with an object and a part, written once (so in
    WAL mode) and closed."""
    folder = tmp_path / "proj"
    folder.mkdir()
    small_image(folder / "img.png")
    data = coco_with(category={"name": "thing"})
    data["categories"].append({"id": 2, "name": "bit", "part_of": 1})
    part = {"id": 2, "image_id": 1, "category_id": 2, "parent_id": 1}
    data["annotations"].append({**part, "segmentation": [[1, 1, 3, 1, 3, 3]]})
    import_coco(data, folder, folder / "p.supercuts")
    path = folder / "p.supercuts"
    assert path.read_bytes()[18:20] == b"\x02\x02", "the fixture must be a WAL-mode file"
    return path


def export_args(kind: str, project: Path, out_root: Path) -> list[str | Path]:
    out = out_root / ("c.json" if kind == "coco" else "masks")
    return ["export", kind, project, "--out", out]


# -- case 5: read-only exports --------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["coco", "masks"])
def test_a_written_project_exports_from_a_read_only_folder_leaving_nothing(
    project: Path, tmp_path: Path, kind: str
):
    before = folder_state(project.parent)
    with read_only_folder(project.parent):
        assert_succeeded(run_cli(*export_args(kind, project, tmp_path)))
    assert folder_state(project.parent) == before  # no -wal, no -shm, same bytes
    assert (tmp_path / ("c.json" if kind == "coco" else "masks/legend.json")).is_file()


@pytest.mark.parametrize("kind", ["coco", "masks"])
def test_exporting_a_wal_project_leaves_no_side_files_in_a_writable_folder(
    project: Path, tmp_path: Path, kind: str
):
    before = folder_state(project.parent)
    assert_succeeded(run_cli(*export_args(kind, project, tmp_path)))
    assert folder_state(project.parent) == before


def _crash_after_a_write(project: Path) -> None:
    """Add a class in a process killed before it closes the project: its ``-wal`` (holding the
    class) and ``-shm`` stay beside the file."""
    code = (
        "import os, sys\n"
        "from supercuts_app.storage.project import Project\n"
        "Project.open(sys.argv[1]).add_category('left-in-the-log')\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(project)], check=True)
    assert project.with_name(project.name + "-wal").stat().st_size > 0


def test_a_log_left_by_a_crash_is_read_in_a_read_only_folder(project: Path, tmp_path: Path):
    """The edit in the log is exported; the file and its log are unchanged (the ``-shm`` index
    is SQLite's shared memory, which every reader updates)."""
    _crash_after_a_write(project)
    before = folder_state(project.parent)
    with read_only_folder(project.parent):
        assert_succeeded(run_cli(*export_args("coco", project, tmp_path)))
    after = folder_state(project.parent)
    assert after.keys() == before.keys()
    assert {k: v for k, v in after.items() if not k.endswith("-shm")} == {
        k: v for k, v in before.items() if not k.endswith("-shm")
    }
    names = [c["name"] for c in json.loads((tmp_path / "c.json").read_text())["categories"]]
    assert "left-in-the-log" in names


def test_a_log_without_its_index_in_a_read_only_folder_is_refused_as_a_permission_problem(
    project: Path, tmp_path: Path
):
    """SQLite cannot read a ``-wal`` without its ``-shm`` where it cannot create one: one line
    that says so, never "damaged"."""
    _crash_after_a_write(project)
    project.with_name(project.name + "-shm").unlink()
    before = folder_state(project.parent)
    with read_only_folder(project.parent):
        line = assert_refused(run_cli(*export_args("coco", project, tmp_path)), "read-only folder")
    assert "damaged" not in line
    assert folder_state(project.parent) == before
    assert not (tmp_path / "c.json").exists()


# -- case 6: a refused import changes nothing -----------------------------------------------------
def _demo_copy(folder: Path) -> Path:
    """The shipped demo (schema 1, rollback journal) copied with its images."""
    folder.mkdir()
    for item in DEMO.iterdir():
        shutil.copyfile(item, folder / item.name)
    return folder / "demo.supercuts"


@pytest.mark.parametrize("journal", ["rollback (the demo)", "wal"])
def test_a_refused_import_leaves_the_project_byte_identical(
    project: Path, tmp_path: Path, journal: str
):
    target = _demo_copy(tmp_path / "demo") if journal.startswith("rollback") else project
    bad = coco_with(annotation={"category_id": 9}, image={"file_name": "img.png"})
    (tmp_path / "c.json").write_text(json.dumps(bad))
    small_image(tmp_path / "img.png")
    before = folder_state(target.parent)
    result = run_cli(
        "import", "coco", tmp_path / "c.json", "--images", tmp_path, "--project", target
    )
    assert_refused(result, "category_id 9 is not in 'categories'")
    assert folder_state(target.parent) == before  # no WAL switch, no upgrade, no backup


# -- case 9: rows that pass quick_check ---------------------------------------------------------
DAMAGED_ROWS = [
    ("colour", "UPDATE categories SET color = 'zz' WHERE id = 1", "class 1 ('thing'): colour 'zz'"),
    ("class-name-a-blob", "UPDATE categories SET name = x'00' WHERE id = 2", "class 2: name"),
    ("setting-not-json", "INSERT OR REPLACE INTO meta VALUES ('allow_overlap', '{oops')",
     "setting 'allow_overlap': its value is not JSON"),
    ("rle-garbage-bytes", "UPDATE annotations SET rle = x'00ff10' WHERE id = 1",
     "annotation 1 of image 1 (img.png): mask"),
    ("rle-too-short", "UPDATE annotations SET rle = '1' WHERE id = 2", "annotation 2 of image 1"),
    ("rle-null", "UPDATE annotations SET rle = 5 WHERE id = 1", "annotation 1 of image 1"),
    ("width-0", "UPDATE images SET width = 0", "image 1 (img.png): size 0 x 6"),
    ("width-minus-5", "UPDATE images SET width = -5", "image 1 (img.png): size -5 x 6"),
    ("width-text", "UPDATE images SET width = 'wide'", "image 1 (img.png): size 'wide'"),
    ("size-beyond-rle", "UPDATE images SET width = 100000, height = 100000", "size 100000"),
    ("unknown-class", "UPDATE annotations SET category_id = 99 WHERE id = 1",
     "annotation 1 of image 1 (img.png): its class does not exist"),
    ("object-of-a-part-class", "UPDATE annotations SET category_id = 2 WHERE id = 1",
     "an object of a part class"),
    ("order-text", "UPDATE annotations SET z = 'top' WHERE id = 1", "drawing order 'top'"),
]  # fmt: skip


@pytest.mark.parametrize("kind", ["coco", "masks"])
@pytest.mark.parametrize(
    "statement, fragment", [pytest.param(s, f, id=n) for n, s, f in DAMAGED_ROWS]
)
def test_a_damaged_row_is_refused_naming_it_with_nothing_written(
    project: Path, tmp_path: Path, kind: str, statement: str, fragment: str
):
    conn = sqlite3.connect(project)  # foreign keys off: as another program could write it
    with conn:
        conn.execute(statement)
    assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    conn.close()
    before = folder_state(tmp_path)
    line = assert_refused(run_cli(*export_args(kind, project, tmp_path)), fragment)
    assert "damaged project file" in line
    assert folder_state(tmp_path) == before  # no output, project unchanged
    assert not (tmp_path / "masks").exists()


# -- case 10: schema 0 ----------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["export", "import"])
def test_schema_0_with_our_application_id_is_refused_before_anything_is_written(
    project: Path, tmp_path: Path, command: str
):
    conn = sqlite3.connect(project)
    conn.execute("PRAGMA user_version = 0")
    assert conn.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
    conn.close()
    other = tmp_path / "other"
    other.mkdir()
    small_image(other / "img2.png")
    (other / "c.json").write_text(json.dumps(coco_with(image={"file_name": "img2.png"})))
    before = folder_state(project.parent)
    if command == "export":
        args = export_args("coco", project, other)
    else:
        args = ["import", "coco", other / "c.json", "--images", other, "--project", project]
    assert_refused(run_cli(*args), "schema 0")
    assert folder_state(project.parent) == before  # no .bak, no upgrade, no WAL switch


# -- case 11 and the files refused before ---------------------------------------------------------
def _corrupt_a_table_page(path: Path) -> None:
    """Give the images table's page a cell count it cannot hold: quick_check then reports one
    problem per cell, on many lines."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'images'").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    header = (root - 1) * page_size + (100 if root == 1 else 0)
    data[header + 3 : header + 5] = (500).to_bytes(2, "big")
    path.write_bytes(bytes(data))


def _foreign(path: Path) -> None:
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.close()


def _newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()


BAD_FILES = [
    ("multi-line-sqlite-report", _corrupt_a_table_page, "damaged project file (On tree page"),
    ("truncated", lambda p: p.write_bytes(p.read_bytes()[:1500]), "damaged project file"),
    ("not-sqlite", lambda p: p.write_text("hello"), "not an SQLite database"),
    ("empty", lambda p: p.write_bytes(b""), "not an SQLite database"),
    ("foreign-database", _foreign, "an SQLite database of another program"),
    ("newer-schema", _newer, "made by a newer SuperCuts"),
]


@pytest.mark.parametrize("damage, fragment", [pytest.param(d, f, id=n) for n, d, f in BAD_FILES])
def test_a_damaged_foreign_or_newer_file_is_refused_in_one_line(
    project: Path, tmp_path: Path, damage, fragment: str
):
    damage(project)
    before = folder_state(tmp_path)
    line = assert_refused(run_cli(*export_args("coco", project, tmp_path)), fragment)
    assert len(line) < 300
    assert folder_state(tmp_path) == before


def test_a_project_that_is_not_there_or_not_one_is_refused(tmp_path: Path):
    (tmp_path / "a.supercuts").write_text("x")
    (tmp_path / "b.supercuts").write_text("x")
    before = folder_state(tmp_path)
    out = tmp_path / "c.json"
    assert_refused(run_cli("export", "coco", tmp_path / "no.supercuts", "--out", out), "not found")
    assert_refused(run_cli("export", "coco", tmp_path, "--out", out), "several projects")
    assert_refused(run_cli("export", "coco", tmp_path / "x.txt", "--out", out), "not a .supercuts")
    assert folder_state(tmp_path) == before
