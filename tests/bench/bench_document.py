"""Editing speed: one click's edit in memory and its transaction on disk, at three image sizes.

Run: ``python tests/bench/bench_document.py``. Prints a Markdown table (median of ``--repeat``).
The project holds 20 objects with 3 parts each; a "click" adds a region of about 1 % of the image
to a part (so its object grows and neighbours lose pixels). "Edit" is the document operation with
its undo record; "save" encodes the touched masks as RLE and commits them (WAL,
``synchronous=FULL``); "undo" reverts and saves. "Open" loads all 80 annotations of the image.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image


def _median(times: list[float]) -> float:
    return statistics.median(times) * 1000


def bench(shape: tuple[int, int], repeat: int) -> dict:
    from supercuts_app.annotation.categories import schema_from_data
    from supercuts_app.storage.project import Project

    h, w = shape
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        Image.new("RGB", (w, h)).save(folder / "img.png")
        project = Project.create(
            folder / "b.supercuts", schema_from_data({"thing": ["p1", "p2", "p3"]})
        )
        [record] = project.add_images([folder / "img.png"])
        thing = project.categories.find("thing").id
        parts = [c.id for c in project.categories.parts_of(thing)]
        editor = project.editor(record.id)
        part_ids = []
        for i in range(20):
            obj = editor.new_object(thing)
            y, x = divmod(i, 5)
            mask = np.zeros(shape, bool)
            mask[y * h // 4 : (y + 1) * h // 4, x * w // 5 : (x + 1) * w // 5] = True
            editor.add(obj, mask)
            for pc in parts:
                part_ids.append(editor.new_part(obj, pc))
        side = int(np.sqrt(0.01 * h * w))
        edit_t, save_t, undo_t = [], [], []
        for _ in range(repeat):
            y, x = rng.integers(0, h - side), rng.integers(0, w - side)
            region = np.zeros(shape, bool)
            region[y : y + side, x : x + side] = True
            target = part_ids[rng.integers(len(part_ids))]
            t0 = time.perf_counter()
            edit = editor.doc.add(target, region)
            t1 = time.perf_counter()
            editor._save(edit)
            editor.history.push(edit)
            t2 = time.perf_counter()
            editor.undo()
            t3 = time.perf_counter()
            edit_t.append(t1 - t0)
            save_t.append(t2 - t1)
            undo_t.append(t3 - t2)
        project.close()
        open_t = []
        for _ in range(max(1, repeat // 4)):
            t0 = time.perf_counter()
            with Project.open(folder) as again:
                again.editor(record.id)
            open_t.append(time.perf_counter() - t0)
        size = (folder / "b.supercuts").stat().st_size
    return {
        "size": f"{w}x{h}",
        "edit": _median(edit_t),
        "save": _median(save_t),
        "undo": _median(undo_t),
        "open": _median(open_t),
        "file_kb": size / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rows = [bench(s, args.repeat) for s in ((321, 481), (1080, 1920), (3000, 4000))]
    print("| image | edit (ms) | save (ms) | undo + save (ms) | open 80 masks (ms) | file (KB) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['size']} | {r['edit']:.1f} | {r['save']:.1f} | {r['undo']:.1f} "
            f"| {r['open']:.0f} | {r['file_kb']:.0f} |"
        )


if __name__ == "__main__":
    main()
