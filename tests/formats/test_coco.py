"""COCO export (loaded by pycocotools, exact bbox/area, parts linked) and import checks."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.base.resources import resource_path
from supercuts_app.formats.coco import CocoError, export_coco, import_coco
from supercuts_app.formats.mask_png import export_masks
from supercuts_app.storage.project import Project


def labelled_project(folder: Path) -> Project:
    """Two images: a person with head and torso, and a car with a wheel; one empty object."""
    Image.fromarray(np.full((40, 60, 3), 90, np.uint8)).save(folder / "a.png")
    (folder / "sub").mkdir()
    Image.fromarray(np.full((30, 50, 3), 10, np.uint8)).save(folder / "sub" / "b.png")
    cats = schema_from_data({"person": ["head", "torso"], "car": ["wheel"]})
    project = Project.create(folder / "p.supercuts", cats)
    a, b = project.add_images([folder / "a.png", folder / "sub" / "b.png"])
    c = project.categories
    person, car = c.find("person").id, c.find("car").id
    ed = project.editor(a.id)
    obj = ed.new_object(person)
    head = ed.new_part(obj, c.find("head", person).id)
    torso = ed.new_part(obj, c.find("torso", person).id)
    ed.paint(head, [(20, 8)], 5)
    ed.paint(torso, [(20, 16), (20, 30)], 6)
    ed.paint(obj, [(40, 30)], 2)
    ring = np.zeros(a.shape, bool)
    ring[2:12, 45:58] = True
    ring[5:8, 49:53] = False  # a hole, kept by RLE
    ed.add(ed.new_object(car), ring)
    ed.new_object(car)  # empty: not exported
    ed2 = project.editor(b.id)
    car_obj = ed2.new_object(car)
    wheel = ed2.new_part(car_obj, c.find("wheel", car).id)
    ed2.paint(wheel, [(10, 20)], 4)
    return project


def load_with_pycocotools(data: dict, tmp_path: Path) -> COCO:
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    return COCO(str(path))


@pytest.mark.parametrize("polygons", [False, True])
def test_export_loads_in_pycocotools_with_exact_bbox_area_and_parent_links(
    tmp_path: Path, polygons: bool
):
    project = labelled_project(tmp_path)
    data = export_coco(project, polygons=polygons)
    coco = load_with_pycocotools(data, tmp_path)
    assert [i["file_name"] for i in data["images"]] == ["a.png", "sub/b.png"]
    cats = {c["id"]: c for c in data["categories"]}
    assert cats[data["annotations"][0]["category_id"]]["name"] == "person"
    assert len(data["annotations"]) == 6  # 2 objects + 2 parts on a, 1 + 1 on b; empty left out
    by_id = {a["id"]: a for a in data["annotations"]}
    parts = [a for a in data["annotations"] if "parent_id" in a]
    assert len(parts) == 3
    for ann in data["annotations"]:
        mask = coco.annToMask(ann).astype(bool)
        ys, xs = np.nonzero(mask)
        assert ann["area"] == mask.sum() > 0
        assert ann["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
        assert ann["iscrowd"] == 0
        if "parent_id" in ann:
            parent = by_id[ann["parent_id"]]
            part_cat = cats[ann["category_id"]]
            assert part_cat["supercategory"] == cats[parent["category_id"]]["name"]
            assert part_cat["part_of"] == parent["category_id"]
            if not polygons:
                assert not (mask & ~coco.annToMask(parent).astype(bool)).any()
    if not polygons:
        ring = coco.annToMask(data["annotations"][1])
        assert ring[6, 50] == 0 and ring[3, 50] == 1


def test_export_import_export_gives_the_same_annotations(tmp_path: Path):
    project = labelled_project(tmp_path)
    first = export_coco(project)
    project.close()
    (tmp_path / "again").mkdir()
    summary = import_coco(first, tmp_path, tmp_path / "again" / "q.supercuts")
    assert (summary.images, summary.objects, summary.parts, summary.created) == (2, 3, 3, True)
    with Project.open(tmp_path / "again") as again:
        second = export_coco(again)
        found = again.image_path(again.images()[1]).resolve()
        assert found == (tmp_path / "sub" / "b.png").resolve()
    for key in ("categories", "annotations"):
        assert second[key] == first[key]
    assert [(i["width"], i["height"]) for i in second["images"]] == [(60, 40), (50, 30)]
    assert [i["file_name"] for i in second["images"]] == ["../a.png", "../sub/b.png"]


def foreign_coco(tmp_path: Path) -> dict:
    """COCO as another tool writes it: polygons, uncompressed RLE, generic part names."""
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(tmp_path / "x.jpg")
    return {
        "images": [{"id": 7, "file_name": "x.jpg", "width": 30, "height": 20}],
        "categories": [
            {"id": 1, "name": "person"},
            {"id": 2, "name": "dog"},
            {"id": 3, "name": "head", "supercategory": "body"},
        ],
        "annotations": [
            {"id": 10, "image_id": 7, "category_id": 1, "iscrowd": 0,
             "segmentation": [[0, 0, 10, 0, 10, 10, 0, 10]]},
            {"id": 11, "image_id": 7, "category_id": 3, "parent_id": 10,
             "segmentation": [[1, 1, 5, 1, 5, 5, 1, 5]]},
            {"id": 12, "image_id": 7, "category_id": 2,
             "segmentation": {"size": [20, 30], "counts": [300, 100, 200]}},
            {"id": 13, "image_id": 7, "category_id": 3, "parent_id": 12,
             "segmentation": {"size": [20, 30], "counts": [305, 10, 285]}},
        ],
    }  # fmt: skip


def test_import_of_other_tools_coco_splits_generic_part_classes_per_object(tmp_path: Path):
    summary = import_coco(foreign_coco(tmp_path), tmp_path, tmp_path / "p.supercuts")
    assert (summary.objects, summary.parts) == (2, 2)
    with Project.open(tmp_path) as project:
        cats = project.categories
        person, dog = cats.find("person").id, cats.find("dog").id
        assert cats.find("head", person) and cats.find("head", dog)
        doc = project.editor(project.images()[0].id).doc
        assert doc.get(12).mask.sum() == 100 and doc.get(13).parent_id == 12


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["annotations"][0].update(image_id=99), "annotation 10: image_id 99"),
        (lambda d: d["annotations"][0].update(category_id=42), "category_id 42"),
        (lambda d: d["annotations"][1].update(parent_id=77), "parent_id 77"),
        (lambda d: d["annotations"][1].update(parent_id=11), "itself a part|parent_id 11"),
        (lambda d: d["images"][0].update(file_name="gone.jpg"), "'gone.jpg' not found"),
        (lambda d: d["images"][0].update(width=31), "says 31 x 20"),
        (
            lambda d: d["annotations"][0].update(segmentation=[[0, 0, 40, 0, 40, 5]]),
            "outside the 30 x 20 image",
        ),
        (
            lambda d: d["annotations"][2].update(segmentation={"size": [9, 9], "counts": [81]}),
            "mask size",
        ),
        (
            lambda d: d["annotations"][1].update(segmentation=[[1, 1, 15, 1, 15, 5, 1, 5]]),
            "annotation 11: part has .* pixels outside its object 10",
        ),
        (lambda d: d["annotations"].append(dict(d["annotations"][0])), "id 10 appears twice"),
    ],
)
def test_bad_coco_is_refused_naming_the_offender_and_writes_nothing(tmp_path, mutate, message):
    data = foreign_coco(tmp_path)
    mutate(data)
    with pytest.raises(CocoError, match=message):
        import_coco(data, tmp_path, tmp_path / "p.supercuts")
    assert not (tmp_path / "p.supercuts").exists()


def test_import_into_existing_project_checks_overlap_and_replacement(tmp_path: Path):
    data = foreign_coco(tmp_path)
    import_coco(data, tmp_path, tmp_path / "p.supercuts")
    before = (tmp_path / "p.supercuts").read_bytes()
    with pytest.raises(CocoError, match="already has 4 annotations.*--replace"):
        import_coco(data, tmp_path, tmp_path / "p.supercuts")
    overlapping = copy.deepcopy(data)
    overlapping["annotations"][2]["segmentation"] = [[5, 5, 20, 5, 20, 15, 5, 15]]
    overlapping["annotations"].pop()
    with pytest.raises(CocoError, match="annotations 10 and 12 overlap"):
        import_coco(overlapping, tmp_path, tmp_path / "p.supercuts", replace=True)
    assert (tmp_path / "p.supercuts").read_bytes() == before
    summary = import_coco(data, tmp_path, tmp_path / "p.supercuts", replace=True)
    assert summary.objects == 2 and not summary.created
    with Project.open(tmp_path) as project:
        assert len(project.editor(project.images()[0].id).doc.annotations) == 4
    # A new project made from overlapping objects allows overlap (and says so).
    (tmp_path / "n").mkdir()
    fresh = import_coco(overlapping, tmp_path, tmp_path / "n" / "n.supercuts")
    assert fresh.notes and Project.open(tmp_path / "n").allow_overlap


def test_mask_export_writes_semantic_instance_and_part_pngs(tmp_path: Path):
    project = labelled_project(tmp_path)
    legend = export_masks(project, tmp_path / "masks")
    sem = Image.open(tmp_path / "masks" / "a_semantic.png")
    assert sem.mode == "P"
    sem = np.asarray(sem)
    inst = np.asarray(Image.open(tmp_path / "masks" / "a_instances.png"))
    parts = np.asarray(Image.open(tmp_path / "masks" / "a_parts.png"))
    assert (tmp_path / "masks" / "sub" / "b_parts.png").is_file()
    assert [c["name"] for c in legend["classes"]] == ["person", "car"]
    assert [(p["name"], p["object_class"]) for p in legend["part_classes"]] == [
        ("head", "person"), ("torso", "person"), ("wheel", "car"),
    ]  # fmt: skip
    assert set(np.unique(sem)) == {0, 1, 2} and set(np.unique(inst)) == {0, 1, 2}
    assert set(np.unique(parts)) == {0, 1, 2}
    assert (parts > 0).sum() <= (sem == 1).sum()
    listed = legend["images"][0]["instances_list"]
    assert [len(i["parts"]) for i in listed] == [2, 0]
    saved = json.loads((tmp_path / "masks" / "legend.json").read_text())
    assert saved == legend


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: None, "already has .* annotations.*--replace"),
        (lambda d: d["annotations"][0].update(category_id=999), "category_id 999"),
        (lambda d: d["annotations"][1].update(segmentation=[[0, 0, 1, 0]]), "3 .x, y. number"),
    ],
)
def test_a_refused_import_leaves_a_rollback_journal_project_byte_identical(
    tmp_path: Path, mutate, message
):
    """The shipped demo is a schema-1 file in rollback-journal mode: a refused import may not
    even switch it to WAL, upgrade it or leave a backup beside it."""
    demo = resource_path("samples", "demo")
    for name in ("demo.supercuts", *(p.name for p in demo.glob("*.jpg"))):
        shutil.copyfile(demo / name, tmp_path / name)
    with Project.open(tmp_path / "demo.supercuts", readonly=True) as project:
        data = export_coco(project)
    mutate(data)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(CocoError, match=message):
        import_coco(data, tmp_path, tmp_path / "demo.supercuts")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_project_created_by_an_import_that_fails_while_writing_is_removed(
    tmp_path: Path, monkeypatch
):
    from supercuts_app.storage.store import ProjectFileError, ProjectStore

    Image.fromarray(np.zeros((6, 8, 3), np.uint8)).save(tmp_path / "a.png")
    data = {
        "images": [{"id": 1, "file_name": "a.png"}],
        "categories": [{"id": 1, "name": "thing"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1,
                         "segmentation": [[1, 1, 6, 1, 6, 5]]}],
    }  # fmt: skip

    def disk_full(*args, **kwargs):
        raise ProjectFileError("disk full (test)")

    monkeypatch.setattr(ProjectStore, "insert_rle", disk_full)
    with pytest.raises(CocoError, match="disk full"):
        import_coco(data, tmp_path, tmp_path / "p.supercuts")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]
