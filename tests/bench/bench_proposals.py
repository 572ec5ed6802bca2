"""What Tools > Propose objects and Propose parts cost on photos of several sizes.

Run: ``OMP_NUM_THREADS=1 python tests/bench/bench_proposals.py [--sizes 1920x1080 4000x3000
6000x4000]``. Each size runs in a fresh process: the image is segmented first (not timed), then
:func:`~supercuts_app.segmentation.suggestions.suggest` runs as the window's worker runs it, for
objects and then for the parts of the best object proposal. "Peak MB" is the most memory
the proposing held at once (``tracemalloc``: numpy's arrays and Python's objects, not torch's
buffers); "held MB" what the suggestions keep (the window holds them until they are answered).
Run it with ``PYTHONPATH=<another checkout>`` to time that checkout's code.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_superpixels import make_photo

CHILD = r"""
import json, sys, time, tracemalloc
import numpy as np
import supercuts_app
from supercuts_app.base.images import load_image
from supercuts_app.segmentation.segment import segment_image
from supercuts_app.segmentation.suggestions import suggest

image = load_image(sys.argv[1])
seg = segment_image(image)
tracemalloc.start()
t0 = time.perf_counter()
objects = suggest(image, seg.tree)
t1 = time.perf_counter()
objects_peak = tracemalloc.get_traced_memory()[1]
tracemalloc.reset_peak()
first = objects[0]
# The window asks for the parts of an object with its crop (code before: its whole mask).
if hasattr(first, "crop"):
    where = {"object_mask": first.crop, "object_box": first.box}
else:
    where = {"object_mask": first.mask}
t2 = time.perf_counter()
parts = suggest(image, seg.tree, parent=1, **where)
t3 = time.perf_counter()
parts_peak = tracemalloc.get_traced_memory()[1]

def held(s):
    return sum(v.nbytes for v in vars(s).values() if isinstance(v, np.ndarray))

print(json.dumps({
    "code": supercuts_app.__file__,
    "objects_s": t1 - t0, "parts_s": t3 - t2, "n_objects": len(objects), "n_parts": len(parts),
    "objects_mb": objects_peak / 2**20, "parts_mb": parts_peak / 2**20,
    "held_mb": (sum(held(s) for s in objects) + sum(held(s) for s in parts)) / 2**20,
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1920x1080", "4000x3000", "6000x4000"])
    args = parser.parse_args()
    print("| image | objects s | peak MB | parts s | peak MB | objects / parts | held MB |")
    print("|" + "---|" * 7)
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            width, height = (int(v) for v in size.split("x"))
            photo = make_photo(width, height, Path(tmp))
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(photo)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            row = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"| {size} | {row['objects_s']:.2f} | {row['objects_mb']:.0f} | "
                f"{row['parts_s']:.2f} | {row['parts_mb']:.0f} | "
                f"{row['n_objects']} / {row['n_parts']} | {row['held_mb']:.0f} |"
            )
        print(f"code: {row['code']}")


if __name__ == "__main__":
    main()
