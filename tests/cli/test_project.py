"""``supercuts export`` and ``import``: the demo, round trips, bad input (exit 2, no writes)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO

from supercuts_app.base.resources import resource_path
from supercuts_app.cli.main import main

DEMO = resource_path("samples", "demo")


def test_demo_project_exports_coco_with_parts_linked_to_objects(tmp_path: Path, capsys):
    out = tmp_path / "c.json"
    assert main(["export", "coco", str(DEMO), "--out", str(out)]) == 0
    assert "3 images" in capsys.readouterr().out
    coco = COCO(str(out))
    anns = coco.loadAnns(coco.getAnnIds())
    parts = [a for a in anns if "parent_id" in a]
    assert parts and len(anns) > len(parts)
    for a in anns:
        mask = coco.annToMask(a).astype(bool)
        ys, xs = np.nonzero(mask)
        assert a["area"] == mask.sum()
        assert a["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
    for p in parts:
        parent = coco.anns[p["parent_id"]]
        assert "parent_id" not in parent
        inside = coco.annToMask(p).astype(bool) & ~coco.annToMask(parent).astype(bool)
        assert not inside.any()
    assert not any(DEMO.glob("*-wal")), "exporting must not write beside the demo"


def test_export_import_export_round_trip_on_the_command_line(tmp_path: Path):
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    assert main(["export", "coco", str(DEMO / "demo.supercuts"), "--out", str(first)]) == 0
    project = tmp_path / "copy"
    project.mkdir()
    args = ["import", "coco", str(first), "--images", str(DEMO), "--project", str(project)]
    assert main(args) == 0
    assert (project / "copy.supercuts").is_file()
    assert main(["export", "coco", str(project), "--out", str(second)]) == 0
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    assert a["categories"] == b["categories"] and a["annotations"] == b["annotations"]
    masks = tmp_path / "masks"
    assert main(["export", "masks", str(project), "--out", str(masks)]) == 0
    assert len(list(masks.glob("*_parts.png"))) == 3 and (masks / "legend.json").is_file()


def test_polygon_export(tmp_path: Path):
    out = tmp_path / "p.json"
    assert main(["export", "coco", str(DEMO), "--out", str(out), "--polygons"]) == 0
    ann = json.loads(out.read_text())["annotations"][0]
    assert isinstance(ann["segmentation"], list) and len(ann["segmentation"][0]) >= 6


def snapshot(folder: Path) -> dict:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    "setup, args, message",
    [
        (lambda d: (d / "c.json").write_text("{oops"), ["c.json"], "malformed JSON"),
        (
            lambda d: (d / "c.json").write_text('{"images": [], "categories": []}'),
            ["c.json"],
            "no 'annotations' list",
        ),
        (
            lambda d: (d / "c.json").write_text(
                json.dumps(
                    {
                        "images": [{"id": 1, "file_name": "none.png", "width": 4, "height": 4}],
                        "categories": [],
                        "annotations": [],
                    }
                )
            ),
            ["c.json"],
            "'none.png' not found",
        ),  # fmt: skip
        (
            lambda d: (d / "c.json").write_text(
                json.dumps(
                    {
                        "images": [{"id": 1, "file_name": "img.png", "width": 8, "height": 6}],
                        "categories": [{"id": 1, "name": "a"}],
                        "annotations": [
                            {
                                "id": 5,
                                "image_id": 2,
                                "category_id": 1,
                                "segmentation": [[0, 0, 1, 0, 1, 1]],
                            }
                        ],
                    }
                )
            ),
            ["c.json"],
            "annotation 5: image_id 2",
        ),  # fmt: skip
        (lambda d: None, ["missing.json"], "file not found"),
    ],
)
def test_bad_import_exits_2_with_one_line_and_changes_nothing(
    tmp_path: Path, capsys, setup, args, message
):
    Image.fromarray(np.zeros((6, 8, 3), np.uint8)).save(tmp_path / "img.png")
    setup(tmp_path)
    before = snapshot(tmp_path)
    os.chdir(tmp_path)
    code = main(["import", "coco", *args, "--images", ".", "--project", "p.supercuts"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1
    assert snapshot(tmp_path) == before


def test_bad_export_arguments(tmp_path: Path, capsys):
    (tmp_path / "fake.supercuts").write_text("not sqlite")
    cases = [
        (["export", "coco", str(tmp_path), "--out", str(tmp_path / "c.json")], "not an SQLite"),
        (["export", "coco", str(tmp_path / "x"), "--out", "c.json"], "not a .supercuts file"),
        (["export", "coco", str(DEMO), "--out", str(tmp_path / "no" / "c.json")], "does not exist"),
    ]
    for args, message in cases:
        assert main(args) == 2
        assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake.supercuts"]


def test_read_only_output_folder(tmp_path: Path, capsys):
    # Root ignores folder permissions; /proc refuses new files even to root.
    as_root = os.geteuid() == 0
    locked = Path("/proc") if as_root else tmp_path / "locked"
    if not as_root:
        locked.mkdir()
        locked.chmod(0o500)
    try:
        assert main(["export", "masks", str(DEMO), "--out", str(locked)]) == 2
        assert "cannot write" in capsys.readouterr().err
        assert main(["export", "coco", str(DEMO), "--out", str(locked / "c.json")]) == 2
        assert "cannot write" in capsys.readouterr().err
        coco = tmp_path / "c.json"
        assert main(["export", "coco", str(DEMO), "--out", str(coco)]) == 0
        target = str(locked / "p.supercuts")
        assert main(["import", "coco", str(coco), "--images", str(DEMO), "--project", target]) == 2
        assert "cannot write here" in capsys.readouterr().err
    finally:
        if not as_root:
            locked.chmod(0o700)
    assert not (locked / "c.json").exists() and not (locked / "legend.json").exists()
