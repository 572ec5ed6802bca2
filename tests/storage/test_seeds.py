"""Seeds in the project file: saved with each edit, read back, schema 2 upgraded, damage refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.annotation.seeds import Seed
from supercuts_app.formats.coco import export_coco
from supercuts_app.storage import schema as schema_module
from supercuts_app.storage.project import Project
from supercuts_app.storage.store import ProjectFileError

WINDOW = (slice(5, 15), slice(10, 30))


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    Image.fromarray(np.full((40, 60, 3), 90, np.uint8)).save(tmp_path / "a.png")
    cats = schema_from_data({"person": ["head"]})
    with Project.create(tmp_path / "p.supercuts", cats) as project:
        project.add_images([tmp_path / "a.png"])
    return tmp_path / "p.supercuts"


def seeded_object(project: Project) -> tuple[int, tuple[Seed, ...]]:
    """An object made by two seed cuts (the second changes seeds only) and a relabel."""
    editor = project.editor(project.images()[0].id)
    person = project.categories.find("person").id
    obj = editor.new_object(person)
    seeds = (Seed(8.5, 12.25, True),)
    gain = np.ones((10, 20), bool)
    editor.apply_seed_cut(obj, seeds, gain, ~gain, window=WINDOW)
    seeds = (*seeds, Seed(1.0, 2.0, False))
    editor.apply_seed_cut(obj, seeds, ~gain, ~gain, window=WINDOW)
    editor.relabel(obj, person)
    return obj, seeds


def test_seeds_survive_saving_and_reopening_and_undo_of_a_seed_is_saved(project_path: Path):
    with Project.open(project_path) as project:
        obj, seeds = seeded_object(project)
    with Project.open(project_path) as project:
        editor = project.editor(project.images()[0].id)
        ann = editor.doc.get(obj)
        assert ann.seeds == seeds and ann.mask.sum() == 200 and ann.mask[WINDOW].all()
        editor.reorder(obj, 0)  # a metadata-only save keeps them
    with Project.open(project_path) as project:
        editor = project.editor(project.images()[0].id)
        assert editor.doc.get(obj).seeds == seeds
        none = np.zeros((0, 0), bool)
        editor.apply_seed_cut(obj, seeds[:1], none, none, window=(slice(0, 0), slice(0, 0)))
        editor.undo()
    with Project.open(project_path, readonly=True) as project:
        assert project.editor(project.images()[0].id).doc.get(obj).seeds == seeds
        assert "seeds" not in str(export_coco(project))


def downgrade_to_schema_2(path: Path) -> None:
    """The file as SuperCuts before seed clicks wrote it: no seeds column, schema 2."""
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE annotations DROP COLUMN seeds")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()


def test_a_schema_2_file_is_read_as_it_is_and_upgraded_with_a_backup(project_path: Path):
    with Project.open(project_path) as project:
        obj, _ = seeded_object(project)
    downgrade_to_schema_2(project_path)
    before = project_path.read_bytes()
    with Project.open(project_path, readonly=True) as project:
        assert project.store.schema_version() == 2
        ann = project.editor(project.images()[0].id).doc.get(obj)
        assert ann.seeds == () and ann.mask.sum() == 200
    assert project_path.read_bytes() == before
    with Project.open(project_path) as project:
        assert project.store.schema_version() == schema_module.SCHEMA_VERSION == 3
        editor = project.editor(project.images()[0].id)
        assert editor.doc.get(obj).seeds == () and editor.doc.get(obj).mask.sum() == 200
        seeds = (Seed(6, 11, False),)
        editor.apply_seed_cut(obj, seeds, np.zeros((10, 20), bool), np.ones((10, 20), bool),
                              window=WINDOW)  # fmt: skip
    with Project.open(project_path) as project:
        ann = project.editor(project.images()[0].id).doc.get(obj)
        assert ann.seeds == seeds and not ann.mask.any()
    backup = project_path.with_name("p.supercuts.schema2.bak")
    assert sqlite3.connect(backup).execute("PRAGMA user_version").fetchone()[0] == 2


@pytest.mark.parametrize(
    "value, why",
    [
        ("nonsense", "seeds 'nonsense': not JSON"),
        ('[{"y": 1, "x": 2}]', "is not a seed"),
        (
            '[{"y": 39, "x": 60, "positive": true, "level": 0}]',
            "seed at (39, 60) is outside the image",
        ),
    ],
)
def test_a_damaged_seeds_value_is_refused_in_one_line(project_path: Path, value: str, why: str):
    with Project.open(project_path) as project:
        obj, _ = seeded_object(project)
    conn = sqlite3.connect(project_path)
    with conn:
        conn.execute("UPDATE annotations SET seeds = ? WHERE id = ?", (value, obj))
    conn.close()
    for readonly in (True, False):
        with Project.open(project_path, readonly=readonly) as project:
            with pytest.raises(ProjectFileError) as refused:
                project.editor(project.images()[0].id)
        line = str(refused.value)
        assert "\n" not in line and "damaged project file" in line
        assert f"annotation {obj} of image 1 (a.png)" in line and why in line
