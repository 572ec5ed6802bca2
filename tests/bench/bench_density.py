"""Superpixels and levels on large photos at several superpixel counts: time and peak memory.

Run: ``python tests/bench/bench_density.py`` (24 MP with 600 and 4,000 superpixels); e.g.
``--size 4000x3000 --counts 600`` for 12 MP, ``--code DIR`` to time another checkout of the
package (``git worktree add DIR <commit>``) on the same image. The image is synthetic: textured
shapes (stripes of random period and angle, in random colours) over a shaded background with
noise, made once per size. Each case runs in a fresh process with ``--threads`` torch threads:
``segment_image`` with the shipped models and no cache (superpixels, boundary map, region graph,
merge and levels, as the window's worker runs it), then what the window derives from it
(``window_segmentation``: contour map, region index, hover ids) and the seed clicks' cutter
(``cutter_for_window``). Peaks are the process's resident memory, sampled every 5 ms during
each step; "added" is over the process right before the step (the image, the models and a
warm-up run already loaded).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, threading, time
import numpy as np
import torch

path, count, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
from supercuts_app.segmentation.segment import (
    cutter_for_window, segment_image, window_segmentation,
)

def rss_mb():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20

class Peak:
    def __init__(self):
        self.value, self.running = rss_mb(), True
        threading.Thread(target=self.sample, daemon=True).start()
    def sample(self):
        while self.running:
            self.value = max(self.value, rss_mb())
            time.sleep(0.005)
    def stop(self):
        self.running = False
        return max(self.value, rss_mb())

def step(fn):
    before, peak = rss_mb(), Peak()
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    top = peak.stop()
    return out, {"seconds": seconds, "peak_mb": top, "added_mb": top - before}

image = np.load(path)
warm = np.random.default_rng(0).integers(0, 255, (96, 96, 3), dtype=np.uint8)
cutter_for_window(segment_image(warm, n_segments=20).tree, warm)
starts = {}
def progress(stage, fraction):
    starts.setdefault(stage, time.perf_counter())
seg, segment = step(lambda: segment_image(image, n_segments=count, progress=progress))
end = time.perf_counter()
marks = sorted(starts.items(), key=lambda kv: kv[1])
first = marks[0][1]
marks = [(name, t) for name, t in marks if name in ("superpixels", "hierarchy")] + [("end", end)]
segment["stages"] = {a[0]: b[1] - a[1] for a, b in zip(marks, marks[1:])}
segment["stages"]["superpixels"] += marks[0][1] - first  # loading the backbone (cached): ~0
segment["segments"] = int(seg.tree.tables.shape[1])
segment["levels"] = int(seg.tree.n_levels)
_, window = step(lambda: window_segmentation(seg))
_, cutter = step(lambda: cutter_for_window(seg.tree, image))
print(json.dumps({"segment": segment, "window": window, "cutter": cutter}))
"""


def textured_shapes(width: int, height: int, *, seed: int = 0, n_shapes: int = 60):
    """(height, width, 3) uint8: shapes with striped texture over a shaded, noisy background."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    ys = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    xs = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    image = np.empty((height, width, 3), np.uint8)
    for c in range(3):
        image[..., c] = (60 + 120 * (0.5 * ys + 0.3 * xs + 0.2 * rng.random())).astype(np.uint8)
    side = min(width, height)
    for _ in range(n_shapes):
        mask = np.zeros((height, width), np.uint8)
        cx, cy = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(side * rng.uniform(0.02, 0.2))
        kind = rng.integers(0, 3)
        if kind == 0:
            axes = (r, int(r * rng.uniform(0.4, 1.0)))
            cv2.ellipse(mask, (cx, cy), axes, float(rng.uniform(0, 180)), 0, 360, 255, -1)
        elif kind == 1:
            cv2.rectangle(mask, (cx - r, cy - r // 2), (cx + r, cy + r // 2), 255, -1)
        else:
            corners = rng.normal(0, r, (6, 2)).astype(np.int32) + [cx, cy]
            cv2.fillPoly(mask, [cv2.convexHull(corners)], 255)
        rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
        if rows.size == 0:
            continue
        box = slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)
        inside = mask[box] > 0
        gy, gx = np.mgrid[box].astype(np.float32)
        angle, period = rng.uniform(0, np.pi), rng.uniform(6, 40)
        phase = (gx * np.cos(angle) + gy * np.sin(angle)) * (2 * np.pi / period)
        fill = rng.integers(0, 256, 3).astype(np.float32) + 25 * np.sin(phase)[..., None]
        patch = image[box]
        patch[inside] = np.clip(fill[inside], 0, 255).astype(np.uint8)
    noise = np.empty((height, width, 3), np.int16)
    cv2.randn(noise, 0, 8)
    return np.clip(image.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def run_case(image: Path, count: int, threads: int, code: str | None) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join([code, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(image), str(count), str(threads)],
        capture_output=True,
        text=True,
        env=env,
        cwd=code or None,
    )
    if out.returncode != 0:
        raise SystemExit(f"case {count} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--size", default="6000x4000", help="WIDTHxHEIGHT (default 24 MP)")
    parser.add_argument("--counts", type=int, nargs="+", default=[600, 4000], metavar="K")
    parser.add_argument("--threads", type=int, default=2, help="torch and OpenMP threads")
    parser.add_argument("--code", default=None, metavar="DIR", help="another checkout to time")
    parser.add_argument("--label", default=None, help="name of the code in the table")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    import numpy as np

    label = args.label or (Path(args.code).name if args.code else "this checkout")
    print(f"{width}x{height}, {args.threads} threads, code: {label}")
    print(
        "| code | image | MP | asked | superpixels | levels | seconds | superpixels / levels s "
        "| peak RSS MB | added MB | window s / peak MB | seed cutter s / peak MB |"
    )
    print("|" + "---|" * 12)
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "image.npy"
        np.save(image, textured_shapes(width, height))
        for count in args.counts:
            row = run_case(image, count, args.threads, args.code)
            seg, win, cut = row["segment"], row["window"], row["cutter"]
            stages = seg["stages"]
            print(
                f"| {label} | {width}x{height} | {width * height / 1e6:.0f} | {count} | "
                f"{seg['segments']} | {seg['levels']} | {seg['seconds']:.2f} | "
                f"{stages.get('superpixels', 0):.2f} / {stages.get('hierarchy', 0):.2f} | "
                f"{seg['peak_mb']:.0f} | {seg['added_mb']:.0f} | "
                f"{win['seconds']:.2f} / {win['peak_mb']:.0f} | "
                f"{cut['seconds']:.2f} / {cut['peak_mb']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
