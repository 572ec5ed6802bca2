"""Window update speed without a display: a slider step and a click until the layers are redrawn,
and table-only changes (hide/show, relabel, select, undo of a new object) with 80 annotations.

Run: ``QT_QPA_PLATFORM=offscreen python tests/bench/bench_interaction.py``. Prints two Markdown
tables (median of ``--repeat``). For the first, the image is scikit-image's astronaut resized to
each size, with its real superpixels and hierarchy, and 10 objects already annotated.

- *slider step*: the level changes, the boundary layer's lookup table is swapped, the hover
  highlight of the region under the cursor gets its table for the new level, and the view is
  painted offscreen (layers re-render the part in view at screen resolution);
- *click*: the region under the cursor is added to the active object (document edit, undo record,
  saved in one SQLite transaction), the owner map of the mask layer is recomputed at the changed
  pixels, and the view is painted.

Clicks land at random points and levels, so some take regions of several megapixels (the
slowest column).

The second table holds 20 objects with 3 parts each (80 annotations, tiling the image) and times,
each until the 1280x800 view is painted: hiding and showing a random annotation, relabelling an
object (its parts follow; saved in one transaction), selecting one, and N then Ctrl+Z (a new
object and its undo). None of them may recompute the owner map: they change the mask layer's
colour tables only. Like the app, the run first exempts the objects of the libraries from Python's
cycle collector (``settle_heavy_imports``); without that, a full collection walking torch's
objects (about 0.2 s) can land in any step.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import cv2
import numpy as np


def _render(canvas) -> None:
    """Paint the view into an offscreen pixmap, as the screen would (pyqtgraph builds the
    QImages of changed layers lazily, during this paint)."""
    canvas.grab()


def bench(size: tuple[int, int], repeat: int) -> dict:
    from PySide6.QtWidgets import QApplication
    from skimage import data

    from supercuts_app.annotation.categories import schema_from_data
    from supercuts_app.gui.app import settle_heavy_imports
    from supercuts_app.gui.canvas import ImageCanvas
    from supercuts_app.segmentation.segment import segment_image, window_segmentation
    from supercuts_app.session.annotator import Annotator
    from supercuts_app.storage.project import Project

    app = QApplication.instance() or QApplication([])
    w, h = size
    image = cv2.resize(data.astronaut(), (w, h), interpolation=cv2.INTER_LINEAR)
    shown = window_segmentation(segment_image(image)).shown
    tree = shown.tree
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cv2.imwrite(str(folder / "img.png"), image)
        project = Project.create(folder / "b.supercuts", schema_from_data({"thing": ["part"]}))
        [record] = project.add_images([folder / "img.png"])
        annotator = Annotator(project.editor(record.id))
        annotator.set_tree(tree)
        thing = project.categories.find("thing").id
        mid = tree.n_levels // 2
        for _ in range(10):
            annotator.new_object(thing)
            annotator.level = mid
            annotator.click(rng.integers(h), rng.integers(w))
        canvas = ImageCanvas()
        canvas.resize(1280, 800)
        canvas.set_image(image)
        canvas.set_contours(shown.ucm, tree.n_levels, 0)
        canvas.set_masks(annotator.overlay)
        canvas.set_superpixels(tree.superpixels, tree.tables.shape[1])
        _render(canvas)
        app.processEvents()
        settle_heavy_imports()  # as the app does when it starts
        slider, click = [], []
        for i in range(repeat):
            y, x = int(rng.integers(h)), int(rng.integers(w))
            level = 1 + i % (tree.n_levels - 2)
            t0 = time.perf_counter()
            canvas.set_level(level)
            annotator.level = level
            target = annotator.target_at(y, x)
            canvas.highlight(annotator.selection(*target))
            _render(canvas)
            t1 = time.perf_counter()
            redraw = annotator.click(y, x, remove=bool(i % 2))
            if redraw is not None:
                canvas.update_masks(redraw.window)
            _render(canvas)
            t2 = time.perf_counter()
            slider.append(t1 - t0)
            click.append(t2 - t1)
        project.close()
    return {
        "size": f"{w}x{h}",
        "levels": tree.n_levels,
        "slider": statistics.median(slider) * 1000,
        "slider_max": max(slider) * 1000,
        "click": statistics.median(click) * 1000,
        "click_max": max(click) * 1000,
    }


def bench_tables(size: tuple[int, int], repeat: int) -> dict:
    """Table-only changes with 80 annotations at ``size``: milliseconds per operation."""
    from PySide6.QtWidgets import QApplication

    from supercuts_app.annotation.categories import schema_from_data
    from supercuts_app.gui.canvas import ImageCanvas
    from supercuts_app.session.session import AnnotationSession
    from supercuts_app.storage.project import Project

    app = QApplication.instance() or QApplication([])
    w, h = size
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (h, w, 3), np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cv2.imwrite(str(folder / "img.png"), image)
        schema = {"thing": ["p1", "p2", "p3"], "other": ["p1", "p2", "p3"]}
        project = Project.create(folder / "b.supercuts", schema_from_data(schema))
        [record] = project.add_images([folder / "img.png"])
        session = AnnotationSession(project.editor(record.id))
        cats = project.categories
        thing, other = cats.find("thing").id, cats.find("other").id
        objects = []
        for i in range(20):
            row, col = divmod(i, 5)
            ys, xs = (
                slice(row * h // 4, (row + 1) * h // 4),
                slice(col * w // 5, (col + 1) * w // 5),
            )
            session.new_object(thing)
            objects.append(session.active)
            session.add_crop(np.ones((ys.stop - ys.start, xs.stop - xs.start), bool), (ys, xs))
            for j, part_class in enumerate(cats.parts_of(thing)):
                session.select(objects[-1])
                session.new_part(part_class.id)
                third = (ys.stop - ys.start) // 3
                rows = slice(ys.start + j * third, ys.start + (j + 1) * third)
                session.add_crop(np.ones((third, xs.stop - xs.start), bool), (rows, xs))
        assert len(session.doc.annotations) == 80
        canvas = ImageCanvas()
        canvas.resize(1280, 800)
        canvas.set_image(image)
        canvas.set_masks(session.overlay)
        _render(canvas)
        app.processEvents()
        owner = session.overlay.owner
        times: dict[str, list[float]] = {"hide": [], "relabel": [], "select": [], "undo_new": []}
        anns = list(session.doc.annotations)
        for _ in range(repeat):
            target = anns[rng.integers(len(anns))]
            obj = objects[rng.integers(len(objects))]
            steps = {
                "hide": lambda t=target: session.set_hidden(t, t not in session.overlay.hidden),
                "relabel": lambda o=obj: session.relabel(
                    o, other if session.doc.get(o).category_id == thing else thing
                ),
                "select": lambda t=target: session.select(t),
                "undo_new": lambda: (session.new_object(thing), session.undo())[1],
            }
            for name, step in steps.items():
                t0 = time.perf_counter()
                redraw = step()
                canvas.update_masks(redraw.window)
                _render(canvas)
                times[name].append(time.perf_counter() - t0)
                assert redraw.tables_only and session.overlay.owner is owner, name
        project.close()
    return {
        "size": f"{w}x{h}",
        **{k: statistics.median(v) * 1000 for k, v in times.items()},
        **{f"{k}_max": max(v) * 1000 for k, v in times.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--tables-only", action="store_true", help="only the second table")
    args = parser.parse_args()
    sizes = ((481, 321), (1920, 1080), (4000, 3000))
    try:
        rows = [] if args.tables_only else [bench(s, args.repeat) for s in sizes]
    finally:
        gc.unfreeze()
    tables = [bench_tables(s, args.repeat) for s in sizes]
    print("| image | levels | slider step (ms) | slowest step | click (ms) | slowest click |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['size']} | {r['levels']} | {r['slider']:.1f} | {r['slider_max']:.1f} "
            f"| {r['click']:.1f} | {r['click_max']:.1f} |"
        )
    print()
    print("80 annotations, ms (median / slowest):")
    print("| image | hide/show | relabel | select | new object + undo |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in tables:
        cells = " | ".join(
            f"{r[k]:.1f} / {r[k + '_max']:.1f}" for k in ("hide", "relabel", "select", "undo_new")
        )
        print(f"| {r['size']} | {cells} |")


if __name__ == "__main__":
    main()
