"""What a seed click costs: the cut, and the whole click as the window runs it.

Run: ``python tests/bench/bench_seeds.py`` (add ``--clicks N``). On the astronaut photo resized
to 1920x1080 and 12 MP, segmented with the shipped models (no cache), the seed cutter is built
with the shipped boundary map; then, for each of a few objects, a first positive seed at a
mid level and further seeds alternating negative and positive at random points, each placed at
a random level, go through the three steps of :meth:`Annotator.seed_click`: the request and,
after the cut (:func:`compute_seed_cut`, which the window runs in a worker), the document edit,
its SQLite transaction and the mask overlay update (on the GUI thread): everything before the
canvas repaints. "GUI thread" is the request and the edit only.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_superpixels import make_photo

SIZES = [(1920, 1080), (4000, 3000)]


def bench(width: int, height: int, clicks: int, folder: Path) -> dict:
    from supercuts_app.annotation.categories import schema_from_data
    from supercuts_app.base.images import load_image
    from supercuts_app.segmentation.seeded_cut import seed_cutter_for
    from supercuts_app.segmentation.segment import segment_image
    from supercuts_app.session.annotator import Annotator, compute_seed_cut
    from supercuts_app.storage.project import Project

    photo = make_photo(width, height, folder)
    image = load_image(photo)
    tree = segment_image(image).tree
    start = time.perf_counter()
    cutter = seed_cutter_for(tree, image)
    build = time.perf_counter() - start
    project = Project.create(folder / f"bench_{width}.supercuts", schema_from_data({"thing": []}))
    [record] = project.add_images([photo])
    annotator = Annotator(project.editor(record.id))
    annotator.set_tree(tree)
    annotator.set_cutter(cutter)
    rng = np.random.default_rng(0)
    category = project.categories.find("thing").id
    whole, cuts, gui = [], [], []
    top = tree.n_levels - 1
    for n in range(clicks):
        if n % 5 == 0:
            annotator.new_object(category)
            annotator.level = top // 2
        else:
            annotator.level = int(rng.integers(0, top))
        y, x = float(rng.uniform(0, height)), float(rng.uniform(0, width))
        positive = n % 5 == 0 or n % 2 == 0
        t0 = time.perf_counter()
        request = annotator.seed_request(y, x, positive=positive)
        t1 = time.perf_counter()
        result = compute_seed_cut(request)
        t2 = time.perf_counter()
        annotator.apply_seed_cut(result)
        t3 = time.perf_counter()
        cuts.append(t2 - t1)
        gui.append((t1 - t0) + (t3 - t2))
        whole.append(t3 - t0)
    project.close()
    return {
        "atoms": len(cutter.owner),
        "build": build,
        "cut_median": statistics.median(cuts),
        "click_median": statistics.median(whole),
        "gui_median": statistics.median(gui),
        "gui_max": max(gui),
        "click_max": max(whole),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=40)
    args = parser.parse_args()
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {args.clicks} clicks")
    print(
        "| image | atoms | cutter build s | cut median ms | click median ms "
        "| GUI thread median ms | GUI thread max ms | click max ms |"
    )
    print("|" + "---|" * 8)
    with tempfile.TemporaryDirectory() as tmp:
        for width, height in SIZES:
            r = bench(width, height, args.clicks, Path(tmp))
            print(
                f"| {width}x{height} | {r['atoms']} | {r['build']:.2f} | "
                f"{1000 * r['cut_median']:.1f} | {1000 * r['click_median']:.1f} | "
                f"{1000 * r['gui_median']:.1f} | {1000 * r['gui_max']:.1f} | "
                f"{1000 * r['click_max']:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
