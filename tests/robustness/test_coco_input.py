"""``supercuts import coco`` refuses every bad COCO file in one line and writes nothing.

Each case builds a tiny COCO file (and image) in ``tmp_path`` and runs the real command line
under a 2 GB address-space limit: a NaN or a huge coordinate that reached pycocotools' rasteriser
once took 24 GB, so a regression must fail here rather than eat the machine. Issue 16, cases 1
(NaN, Infinity, huge numbers and RLE runs), 7 (one file listed twice) and 8 (wrong JSON types
and ids beyond SQLite's integers), and the kinds of bad input that were already refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from supercuts_app.formats.coco import import_coco

from .conftest import (
    assert_refused,
    assert_succeeded,
    coco_with,
    folder_state,
    run_cli,
    small_image,
)

Build = Callable[[Path], None]


def coco_file(data: dict | None = None, *, raw: str | None = None, **fields) -> Build:
    """A case writing ``c.json`` (``data``, ``coco_with(**fields)`` or the text ``raw``)."""

    def build(folder: Path) -> None:
        text = raw if raw is not None else json.dumps(data or coco_with(**fields))
        (folder / "c.json").write_text(text)

    return build


def rle(counts: object, size: object = (6, 8)) -> dict:
    return {"size": list(size), "counts": counts}


def twice(second_name: Callable[[Path], str]) -> Build:
    """``img.png`` listed as two images, the second under another spelling of its path."""

    def build(folder: Path) -> None:
        data = coco_with()
        data["images"].append({"id": 2, "file_name": second_name(folder)})
        data["annotations"].append(dict(data["annotations"][0], id=2, image_id=2))
        (folder / "c.json").write_text(json.dumps(data))

    return build


def compressed(mask: np.ndarray) -> str:
    return mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))["counts"].decode()


NAN, INF = float("nan"), float("inf")
POLY = [1, 1, 6, 1, 6, 5]

# (id, build, fragment of the one line). Every case runs in a folder holding img.png (8 x 6).
NUMBERS = [  # case 1: numbers that are not finite, or far outside the image
    ("nan-in-polygon", coco_file(segmentation=[[1, 1, NAN, 1, 6, 5]]), "NaN is not a JSON number"),
    ("infinity", coco_file(segmentation=[[1, 1, INF, 1, 6, 5]]), "Infinity is not"),
    ("minus-infinity", coco_file(segmentation=[[1, 1, -INF, 1, 6, 5]]), "-Infinity is not"),
    ("float-overflowing-to-inf", coco_file(raw=json.dumps(coco_with()).replace("6, 5", "6, 1e400")),
     "1e400 is not"),
    ("huge-finite-coordinate", coco_file(segmentation=[[1, 1, 1e300, 1, 6, 5]]),
     "polygon reaches outside"),
    ("huge-integer-coordinate", coco_file(segmentation=[[1, 1, 2**70, 1, 6, 5]]),
     "polygon reaches outside"),
    ("negative-coordinate", coco_file(segmentation=[[1, -1, 6, 1, 6, 5]]),
     "polygon reaches outside"),
    ("rle-run-past-the-end", coco_file(segmentation=rle([58, -10])), "unreadable RLE"),
    ("rle-run-of-2**40", coco_file(segmentation=rle([2**40, 48 - 2**40])), "unreadable RLE"),
    ("rle-runs-too-few", coco_file(segmentation=rle([10, 10])), "cover 20 pixels"),
    ("rle-bool-runs", coco_file(segmentation=rle([True, 47])), "RLE counts"),
    ("rle-text-garbage", coco_file(segmentation=rle("zz{}")), "unreadable RLE"),
    ("rle-text-cut-short", coco_file(segmentation=rle("a")), "cut short"),
    ("rle-text-of-a-larger-mask",
     coco_file(segmentation=rle(compressed(np.ones((12, 8), bool)))), "cover 96 pixels"),
    ("rle-size-not-a-pair", coco_file(segmentation=rle([48], size=["6", 8])), "RLE size"),
    ("bool-in-polygon", coco_file(segmentation=[[1, 1, True, 1, 6, 5]]), "number pairs"),
]  # fmt: skip
TYPES = [  # case 8: a wrong JSON type or an id no database integer holds
    ("image_id-a-list", coco_file(annotation={"image_id": [1]}), "image_id [1] is not an id"),
    ("category_id-a-dict", coco_file(annotation={"category_id": {"a": 1}}),
     "category_id {'a': 1} is not an id"),
    ("annotation-id-2**63", coco_file(annotation={"id": 2**63}), "annotation #0 in the list"),
    ("category-id-2**63", coco_file(category={"id": 2**63}), "category #0 in the list"),
    ("image-id-2**64", coco_file(image={"id": 2**64}), "image #0 in the list"),
    ("negative-id-beyond-json", coco_file(annotation={"id": -(2**60)}), "whole numbers within"),
    ("id-true", coco_file(annotation={"id": True}), "annotation #0 in the list"),
    ("id-a-float", coco_file(category={"id": 1.0}), "category #0 in the list"),
    ("parent_id-text", coco_file(annotation={"parent_id": "1"}), "parent_id '1' is not an id"),
    ("part_of-a-dict", coco_file(category={"part_of": {"id": 1}}), "part_of"),
    ("supercategory-a-list", coco_file(category={"supercategory": ["a"]}), "supercategory"),
    ("file_name-a-list", coco_file(image={"file_name": ["img.png"]}), "bad file_name"),
    ("file_name-with-nul", coco_file(image={"file_name": "img\u0000.png"}), "bad file_name"),
    ("width-as-text", coco_file(image={"width": "8"}), "width '8' is not a number"),
    ("entry-not-an-object", coco_file({"images": [1], "categories": [], "annotations": []}),
     "image #0 in the list is not an object"),
    ("nested-too-deeply", coco_file(raw="[" * 100_000 + "]" * 100_000), "nested too deeply"),
    ("integer-of-5000-digits", coco_file(raw='{"images": [' + "9" * 5000 + "]}"), "malformed"),
]  # fmt: skip
SAME_FILE = [  # case 7: one file, two images
    ("dot-slash", twice(lambda d: "./img.png"), "same file as image 1"),
    ("absolute-path", twice(lambda d: str(d / "img.png")), "same file as image 1"),
    ("through-a-subfolder", twice(lambda d: "sub/../img.png"), "same file as image 1"),
]
HELD_BEFORE = [  # refused before issue 16 too: kept here so the suite documents them
    ("malformed-json", coco_file(raw="{oops"), "malformed JSON"),
    ("not-an-object", coco_file(raw="[]"), "not a COCO file"),
    ("no-annotations-list", coco_file(raw='{"images": [], "categories": []}'),
     "no 'annotations' list"),
    ("image-file-missing", coco_file(image={"file_name": "none.png"}), "'none.png' not found"),
    ("unknown-image_id", coco_file(annotation={"image_id": 2}), "image_id 2 is not in"),
    ("unknown-category_id", coco_file(annotation={"category_id": 9}), "category_id 9 is not in"),
    ("size-mismatch", coco_file(image={"width": 9}), "says 9 x 6"),
    ("polygon-too-short", coco_file(segmentation=[[1, 1, 6, 1]]), "at least 3"),
    ("mask-size-mismatch", coco_file(segmentation=rle([48], size=(8, 6))), "mask size"),
    ("segmentation-missing", coco_file(segmentation=None), "neither RLE nor"),
    ("category-without-name", coco_file(category={"name": " "}), "bad name"),
    ("parent-not-an-annotation", coco_file(annotation={"parent_id": 7}), "parent_id 7"),
]  # fmt: skip


def _params(cases: list) -> list:
    return [pytest.param(build, fragment, id=name) for name, build, fragment in cases]


@pytest.mark.parametrize("build, fragment", _params(NUMBERS + TYPES + SAME_FILE + HELD_BEFORE))
def test_a_bad_coco_file_is_refused_and_no_project_is_created(
    tmp_path: Path, build: Build, fragment: str
):
    small_image(tmp_path / "img.png")
    (tmp_path / "sub").mkdir()
    build(tmp_path)
    before = folder_state(tmp_path)
    result = run_cli(
        "import", "coco", "c.json", "--images", ".", "--project", "p.supercuts",
        cwd=tmp_path, memory_limit=True,
    )  # fmt: skip
    assert_refused(result, fragment)
    assert folder_state(tmp_path) == before


@pytest.fixture()
def labelled_project(tmp_path: Path) -> Path:
    """A project (written, so in WAL mode) with one labelled image, ``other.png``."""
    small_image(tmp_path / "other.png")
    data = coco_with(image={"file_name": "other.png"})
    import_coco(data, tmp_path, tmp_path / "p.supercuts")
    return tmp_path / "p.supercuts"


@pytest.mark.parametrize(
    "build, fragment",
    _params([NUMBERS[0], NUMBERS[7], TYPES[2], TYPES[3], SAME_FILE[0], HELD_BEFORE[4]]),
)
def test_a_bad_coco_file_leaves_an_existing_project_byte_identical(
    labelled_project: Path, build: Build, fragment: str
):
    folder = labelled_project.parent
    small_image(folder / "img.png")
    (folder / "sub").mkdir()
    build(folder)
    before = folder_state(folder)
    result = run_cli(
        "import", "coco", "c.json", "--images", ".", "--project", labelled_project.name,
        cwd=folder, memory_limit=True,
    )  # fmt: skip
    assert_refused(result, fragment)
    assert folder_state(folder) == before


def test_the_good_file_beside_the_bad_ones_is_imported(tmp_path: Path):
    """The cases above fail for their one fault, not for something else in the template."""
    small_image(tmp_path / "img.png")
    coco_file(segmentation=rle(compressed(np.eye(6, 8, dtype=bool))))(tmp_path)
    result = run_cli(
        "import", "coco", "c.json", "--images", ".", "--project", "p.supercuts",
        cwd=tmp_path, memory_limit=True,
    )  # fmt: skip
    assert_succeeded(result)
    assert (tmp_path / "p.supercuts").is_file()
