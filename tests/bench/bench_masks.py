"""Many annotations on big photos: opening, memory, a click, undo and export.

Run: ``OMP_NUM_THREADS=1 python tests/bench/bench_masks.py [--scenes 24mp-300 24mp-1000 12mp-80]``.
Prints a Markdown table (medians of ``--repeat`` clicks and of 3 openings). Run it with
``PYTHONPATH=<another checkout>`` to time that checkout's code on the same scenes (the first line
says which code ran).

Scenes (synthetic, written straight into a project as RLE, one image):

- ``24mp-300``: 6000 x 4000, 100 elliptic objects on a 10 x 10 grid, each with 2 parts (its top
  40 % and its lower left quarter);
- ``24mp-1000``: 6000 x 4000, 1,000 small elliptic objects (about 120 x 100 px) on a 40 x 25 grid;
- ``12mp-80``: 4000 x 3000, 20 objects with 3 parts each (horizontal bands), as in
  ``bench_document.py``.

Columns:

- *open*: ``Project.open`` + the image's document loaded (every mask decoded);
- *+ layer*: building the window's mask layer (owner map) for it, as opening an image does;
- *memory*: what the open project, document and mask layer hold afterwards (``tracemalloc``, which
  sees numpy's arrays; measured on a separate opening), and the peak while opening;
- *click*: a disk of 1 % of the image added to a random part (objects in ``24mp-1000``) at its
  centre (so it grows its object and takes pixels from neighbours), saved in one transaction,
  and the owner map updated;
- *undo + save*: that click undone, saved, and the owner map updated;
- *export*: ``export_coco`` of the project (RLE).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

SCENES = {
    # name: (height, width, grid rows, grid columns, parts per object, object fill of its cell)
    "24mp-300": (4000, 6000, 10, 10, 2, 0.8),
    "24mp-1000": (4000, 6000, 25, 40, 0, 0.75),
    "12mp-80": (3000, 4000, 4, 5, 3, 0.9),
}


def _ellipse(cy: float, cx: float, ry: float, rx: float, n: int = 96) -> list[float]:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.ravel(np.column_stack([cx + rx * np.cos(t), cy + ry * np.sin(t)])).tolist()


def _rect(y0: float, y1: float, x0: float, x1: float) -> list[float]:
    return [x0, y0, x1, y0, x1, y1, x0, y1]


def _rle(polygon: list[float], h: int, w: int) -> dict:
    return mask_utils.merge(mask_utils.frPyObjects([polygon], h, w))


def build_project(folder: Path, scene: str):
    """The scene's project (closed) and its image id, written as RLE rows (fast to make)."""
    from supercuts_app.annotation.categories import schema_from_data
    from supercuts_app.annotation.document import AnnotationMeta
    from supercuts_app.storage.project import Project

    h, w, rows, cols, n_parts, fill = SCENES[scene]
    Image.new("RGB", (w, h)).save(folder / "img.png")
    names = ["top", "corner", "band3"][:n_parts]
    project = Project.create(folder / "b.supercuts", schema_from_data({"thing": names}))
    [record] = project.add_images([folder / "img.png"])
    thing = project.categories.find("thing").id
    parts = [project.categories.find(n, thing).id for n in names]
    ch, cw = h / rows, w / cols
    with project.store.transaction():
        for i in range(rows * cols):
            r, c = divmod(i, cols)
            cy, cx, ry, rx = (r + 0.5) * ch, (c + 0.5) * cw, fill * ch / 2, fill * cw / 2
            obj_rle = _rle(_ellipse(cy, cx, ry, rx), h, w)
            obj = project.store.insert_rle(record.id, AnnotationMeta(thing, None, i), obj_rle)
            if n_parts == 2:
                shapes = [
                    _rect(cy - ry, cy - 0.2 * ry, cx - rx, cx + rx),
                    _rect(cy + 0.1 * ry, cy + ry, cx - rx, cx),
                ]
            else:
                edges = np.linspace(cy - ry, cy + ry, n_parts + 1)
                shapes = [_rect(a, b, cx - rx, cx + rx) for a, b in itertools.pairwise(edges)]
            for z, (pc, shape) in enumerate(zip(parts, shapes, strict=True)):
                rle = mask_utils.merge([obj_rle, _rle(shape, h, w)], intersect=True)
                project.store.insert_rle(record.id, AnnotationMeta(pc, obj, z), rle)
    project.close()
    return record.id


def _open(folder: Path, image_id: int):
    from supercuts_app.session.annotator import Annotator
    from supercuts_app.storage.project import Project

    t0 = time.perf_counter()
    project = Project.open(folder)
    editor = project.editor(image_id)
    t1 = time.perf_counter()
    annotator = Annotator(editor)
    t2 = time.perf_counter()
    return project, annotator, t1 - t0, t2 - t1


def _disk(radius: int) -> np.ndarray:
    yy, xx = np.ogrid[-radius : radius + 1, -radius : radius + 1]
    return np.asfortranarray(yy**2 + xx**2 <= radius**2)


def bench(scene: str, repeat: int) -> dict:
    from supercuts_app.formats.coco import export_coco

    h, w = SCENES[scene][:2]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        image_id = build_project(folder, scene)
        opens, layers = [], []
        for _ in range(3):
            project, annotator, t_open, t_layer = _open(folder, image_id)
            opens.append(t_open)
            layers.append(t_layer)
            project.close()
            del project, annotator
            gc.collect()
        tracemalloc.start()
        project, annotator, _, _ = _open(folder, image_id)
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        doc, editor = annotator.doc, annotator.editor
        targets = sorted(a.id for a in doc.annotations.values() if a.is_part) or sorted(
            doc.annotations
        )
        rng = np.random.default_rng(0)
        disk = _disk(int(np.sqrt(0.01 * h * w / np.pi)))
        r = disk.shape[0] // 2
        clicks, undos = [], []
        for _ in range(repeat):
            target = doc.get(targets[rng.integers(len(targets))])
            ys, xs = target.bounds()
            cy, cx = (ys.start + ys.stop) // 2, (xs.start + xs.stop) // 2
            y0, x0 = min(max(cy - r, 0), h - disk.shape[0]), min(max(cx - r, 0), w - disk.shape[1])
            window = (slice(y0, y0 + disk.shape[0]), slice(x0, x0 + disk.shape[1]))
            t0 = time.perf_counter()
            edit = editor.add(target.id, disk, window)
            annotator.overlay.apply_edit(edit)
            t1 = time.perf_counter()
            annotator.undo()
            t2 = time.perf_counter()
            clicks.append(t1 - t0)
            undos.append(t2 - t1)
        t0 = time.perf_counter()
        coco = export_coco(project)
        t_export = time.perf_counter() - t0
        count = len(doc.annotations)
        assert len(coco["annotations"]) == count
        project.close()
    ms = 1000
    return {
        "scene": f"{w}x{h}, {count} annotations",
        "open": statistics.median(opens) * ms,
        "layer": statistics.median(layers) * ms,
        "held": held / 2**20,
        "peak": peak / 2**20,
        "click": statistics.median(clicks) * ms,
        "undo": statistics.median(undos) * ms,
        "export": t_export * ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenes", nargs="+", choices=list(SCENES), default=list(SCENES))
    parser.add_argument("--repeat", type=int, default=20, help="clicks (and undos) timed")
    args = parser.parse_args()
    import supercuts_app

    print(f"code: {Path(supercuts_app.__file__).parent}")
    print(
        "| scene | open (ms) | + layer (ms) | memory held (MB) | peak opening (MB) "
        "| click (ms) | undo + save (ms) | COCO export (ms) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for scene in args.scenes:
        r = bench(scene, args.repeat)
        print(
            f"| {r['scene']} | {r['open']:.0f} | {r['layer']:.0f} | {r['held']:.0f} "
            f"| {r['peak']:.0f} | {r['click']:.1f} | {r['undo']:.1f} | {r['export']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
