"""Superpixel speed and memory, end to end from a JPEG file, on this machine's CPU.

Run: ``python tests/bench/bench_superpixels.py`` (add ``--repeat N``). Each case runs in a fresh
process so peak memory is its own: "peak RSS" is the whole process (Python, torch, the model);
"added" is the growth over the process right before the image was loaded.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

SIZES = [(481, 321), (1920, 1080), (4000, 3000)]
METHODS = ["slic", "ssn"]

CHILD = r"""
import json, resource, statistics, sys, time
import numpy as np
from supercuts_app.segmentation.features import cached_backbone
from supercuts_app.base.images import load_image
from supercuts_app.segmentation.superpixels import compute_superpixels

path, method, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
backbone = cached_backbone() if method == "ssn" else None
warm = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
compute_superpixels(warm, method=method, n_segments=20, backbone=backbone)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times, loads, count = [], [], 0
for _ in range(repeat):
    t0 = time.perf_counter()
    image = load_image(path)
    t1 = time.perf_counter()
    res = compute_superpixels(image, method=method, backbone=backbone)
    times.append(time.perf_counter() - t0)
    loads.append(t1 - t0)
    count = res.n_segments
    del image, res
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": statistics.median(times), "load": statistics.median(loads),
                  "segments": count, "peak_mb": peak / 1024, "added_mb": (peak - base) / 1024}))
"""


def make_photo(width: int, height: int, folder: Path) -> Path:
    """A real photo (scikit-image's astronaut, public domain) resized to the size asked for."""
    import cv2
    from skimage import data

    image = cv2.resize(data.astronaut(), (width, height), interpolation=cv2.INTER_CUBIC)
    path = folder / f"photo_{width}x{height}.jpg"
    cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import torch

    from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS

    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"device {'cuda' if torch.cuda.is_available() else 'cpu'}; K = {DEFAULT_SUPERPIXELS}; "
        f"median of {args.repeat}"
    )
    header = "| method | image | MP | segments | seconds | of which load | peak RSS MB | added MB |"
    print(header)
    print("|" + "---|" * 8)
    with tempfile.TemporaryDirectory() as tmp:
        for width, height in SIZES:
            photo = make_photo(width, height, Path(tmp))
            for method in METHODS:
                out = subprocess.run(
                    [sys.executable, "-c", CHILD, str(photo), method, str(args.repeat)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(
                    f"| {method} | {width}x{height} | {width * height / 1e6:.1f} | {r['segments']} "
                    f"| {r['seconds']:.2f} | {r['load']:.2f} | {r['peak_mb']:.0f} "
                    f"| {r['added_mb']:.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
