"""Label images per annotated image: semantic (object class), instance and part class PNGs.

For an image ``a/b.jpg`` of the project, ``OUT/a/b_semantic.png`` (palette PNG, pixel = object
class index, 0 background), ``OUT/a/b_instances.png`` (16-bit, pixel = instance number 1..N in
drawing order, 0 none) and ``OUT/a/b_parts.png`` (palette PNG, pixel = part class index, 0
none); ``OUT/legend.json`` maps every index to its class and every instance to its annotation.
Where objects overlap (projects that allow it), the one drawn on top wins.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image

from supercuts_app.annotation.categories import RGB, Category, CategorySet, color_hex
from supercuts_app.annotation.masks import decode_cropped
from supercuts_app.base.files import encode_png, write_bytes_atomic
from supercuts_app.storage.project import Project
from supercuts_app.storage.store import ImageRecord, ProjectFileError, StoredRle


def export_masks(
    project: Project,
    out_dir: str | Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Write the label PNGs and ``legend.json`` for every image; returns the legend.

    The project is read in one transaction (edits committed meanwhile are all in or all out),
    and wholly (masks still encoded) before anything is written: a damaged row raises
    :class:`ProjectFileError` with nothing written."""
    out_dir = Path(out_dir)
    with project.store.snapshot():
        cats = project.store.load_categories()
        records = project.store.images()
        stored = {r.id: project.store.load_rles(r) for r in records}
    for which, classes in _palette_classes(cats).items():
        if len(classes) > 255:  # index 0 is the background
            raise ProjectFileError(f"{len(classes)} {which} classes do not fit an 8-bit label PNG")
    _check_writable(out_dir)
    return _write_masks(cats, records, stored, out_dir, progress)


def _write_masks(
    cats: CategorySet,
    records: list[ImageRecord],
    stored_rles: dict[int, list[StoredRle]],
    out_dir: Path,
    progress: Callable[[int, int], None] | None,
) -> dict:
    palettes = _palette_classes(cats)
    object_index = {c.id: i for i, c in enumerate(palettes["objects"], start=1)}
    part_index = {c.id: i for i, c in enumerate(palettes["parts"], start=1)}
    legend = {
        "background": 0,
        "classes": [
            {"index": i, "id": c.id, "name": c.name, "color": color_hex(c.color)}
            for c, i in ((cats.get(k), v) for k, v in object_index.items())
        ],
        "part_classes": [
            {"index": i, "id": p.id, "name": p.name, "object_class": cats.get(p.parent_id).name,
             "color": color_hex(p.color)}
            for p, i in ((cats.get(k), v) for k, v in part_index.items())
        ],
        "images": [],
    }  # fmt: skip
    used_stems: set[str] = set()
    for n, record in enumerate(records, start=1):
        semantic = np.zeros(record.shape, np.uint8)
        instances = np.zeros(record.shape, np.uint16)
        parts = np.zeros(record.shape, np.uint8)
        listed = []
        number: dict[int, int] = {}
        for stored in stored_rles[record.id]:
            ann_id, cat_id, parent_id = stored.id, stored.category_id, stored.parent_id
            pixels = decode_cropped(stored.rle)
            if pixels.is_empty():
                continue  # empty objects and parts are not labels (as in the COCO export)
            # Written through the annotation's rectangle only: each costs its size.
            box, mask = pixels.box, pixels.crop
            if parent_id is None:
                number[ann_id] = len(number) + 1
                semantic[box][mask] = object_index[cat_id]
                instances[box][mask] = number[ann_id]
                listed.append({"instance": number[ann_id], "annotation_id": ann_id,
                               "class": cats.get(cat_id).name, "parts": []})  # fmt: skip
            elif parent_id in number:
                parts[box][mask & (instances[box] == number[parent_id])] = part_index[cat_id]
                listed[number[parent_id] - 1]["parts"].append(
                    {"annotation_id": ann_id, "part_class": cats.get(cat_id).name}
                )
        stem = _output_stem(record.path, record.id, used_stems)
        names = {k: f"{stem}_{k}.png" for k in ("semantic", "instances", "parts")}
        (out_dir / names["semantic"]).parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(out_dir / names["semantic"], _palette_png(semantic, cats, "objects"))
        write_bytes_atomic(out_dir / names["instances"], encode_png(instances))
        write_bytes_atomic(out_dir / names["parts"], _palette_png(parts, cats, "parts"))
        legend["images"].append({"file_name": record.path, **names, "instances_list": listed})
        if progress is not None:
            progress(n, len(records))
    text = json.dumps(legend, indent=1)
    write_bytes_atomic(out_dir / "legend.json", text.encode())
    return legend


def _output_stem(path: str, image_id: int, used: set[str]) -> str:
    """Where an image's PNGs go inside the output folder: its path in the project, or its bare
    name for an image outside the project folder (nothing lands outside the output folder);
    the image id is appended when two would collide."""
    parts = PurePosixPath(path).with_suffix("").parts
    if ".." in parts or PurePosixPath(path).is_absolute():
        parts = parts[-1:]
    stem = "/".join(parts) or f"image_{image_id}"
    if stem in used:
        stem = f"{stem}_{image_id}"
    used.add(stem)
    return stem


def _palette_classes(cats: CategorySet) -> dict[str, list[Category]]:
    """The classes of each palette PNG, in index order (1, 2, ...)."""
    return {
        "objects": list(cats.objects()),
        "parts": [p for o in cats.objects() for p in cats.parts_of(o.id)],
    }


def _palette_png(indices: np.ndarray, cats: CategorySet, which: str) -> bytes:
    colors: list[RGB] = [(0, 0, 0), *(c.color for c in _palette_classes(cats)[which])]
    height, width = indices.shape
    image = Image.frombytes("P", (width, height), np.ascontiguousarray(indices).tobytes())
    image.putpalette([v for c in colors for v in c])
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _check_writable(out_dir: Path) -> None:
    """Fail before writing anything if ``out_dir`` cannot be created or written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".supercuts-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ProjectFileError(f"{out_dir}: cannot write here ({exc.strerror})") from None
