"""Window update speed without a display: a slider step and a click until the layers are redrawn.

Run: ``QT_QPA_PLATFORM=offscreen python tests/bench/bench_interaction.py``. Prints a Markdown table
(median of ``--repeat``). The image is scikit-image's astronaut resized to each size, with its
real superpixels and hierarchy, and 10 objects already annotated.

- *slider step*: the level changes, the boundary layer's lookup table is swapped, the hover
  highlight of the region under the cursor gets its table for the new level, and the view is
  painted offscreen (layers re-render the part in view at screen resolution);
- *click*: the region under the cursor is added to the active object (document edit, undo record,
  saved in one SQLite transaction), the owner map of the mask layer is recomputed at the changed
  pixels, and the view is painted.

Clicks land at random points and levels, so some take regions of several megapixels (the
slowest column). Like the app, the run first exempts the objects of the libraries from Python's
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
    from supercuts_app.segmentation.segment import segmentation_for_display
    from supercuts_app.session.annotator import FULL, Annotator
    from supercuts_app.storage.project import Project

    app = QApplication.instance() or QApplication([])
    w, h = size
    image = cv2.resize(data.astronaut(), (w, h), interpolation=cv2.INTER_LINEAR)
    shown = segmentation_for_display(image)
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
            window = annotator.click(y, x, remove=bool(i % 2))
            if window is not None:
                canvas.update_masks(None if window == FULL else window)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    try:
        rows = [bench(s, args.repeat) for s in ((481, 321), (1920, 1080), (4000, 3000))]
    finally:
        gc.unfreeze()
    print("| image | levels | slider step (ms) | slowest step | click (ms) | slowest click |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['size']} | {r['levels']} | {r['slider']:.1f} | {r['slider_max']:.1f} "
            f"| {r['click']:.1f} | {r['click_max']:.1f} |"
        )


if __name__ == "__main__":
    main()
