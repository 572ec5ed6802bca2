"""What opening an image costs: superpixels, boundary map and levels, end to end from a JPEG.

Run: ``python tests/bench/bench_segment.py`` (add ``--repeat N``). This is ``segment_image``
with the shipped models and no cache, as the window runs it in its worker. Each size runs in a
fresh process so peak memory is its own ("peak RSS" is the whole process: Python, torch, the
models; "added" is the growth over the warmed-up process before the image was loaded). Stage
columns are the time from one progress stage's first report to the next stage's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_superpixels import SIZES, make_photo

CHILD = r"""
import json, resource, statistics, sys, time
import numpy as np
from supercuts_app.base.images import load_image
from supercuts_app.segmentation.segment import segment_image

path, repeat = sys.argv[1], int(sys.argv[2])
warm = np.random.default_rng(0).integers(0, 255, (96, 96, 3), dtype=np.uint8)
segment_image(warm, n_segments=20)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
runs = []
for _ in range(repeat):
    starts = {}
    def progress(stage, fraction, starts=starts):
        starts.setdefault(stage, time.perf_counter())
    t0 = time.perf_counter()
    image = load_image(path)
    seg = segment_image(image, progress=progress)
    end = time.perf_counter()
    marks = sorted(starts.items(), key=lambda kv: kv[1]) + [("end", end)]
    stages = {a[0]: b[1] - a[1] for a, b in zip(marks, marks[1:])}
    runs.append({"seconds": end - t0, "stages": stages, "levels": seg.tree.n_levels,
                 "segments": int(seg.tree.superpixels.max()) + 1})
    del image, seg
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
best = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
print(json.dumps({**best, "peak_mb": peak / 1024, "added_mb": (peak - base) / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; median of {args.repeat}")
    print("| image | MP | segments | levels | seconds | stages (s) | peak RSS MB | added MB |")
    print("|" + "---|" * 8)
    with tempfile.TemporaryDirectory() as tmp:
        for width, height in SIZES:
            photo = make_photo(width, height, Path(tmp))
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(photo), str(args.repeat)],
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(out.stdout.strip().splitlines()[-1])
            stages = ", ".join(f"{k} {v:.2f}" for k, v in row["stages"].items())
            print(
                f"| {width}x{height} | {width * height / 1e6:.1f} | {row['segments']} | "
                f"{row['levels']} | {row['seconds']:.2f} | {stages} | {row['peak_mb']:.0f} | "
                f"{row['added_mb']:.0f} |"
            )


if __name__ == "__main__":
    main()
