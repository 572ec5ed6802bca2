"""Batch precompute throughput: the plain loop against Dask with 1 and N local workers.

Run: ``python tests/bench/bench_precompute.py [--images 24] [--workers 2]``. Prints a Markdown
table. Images are scikit-image samples cut and resized to BSDS500 size (481 x 321), all
different, each computed once into an empty cache (SSN superpixels + hierarchy, 600 segments,
one thread per worker and in the plain loop). The Dask rows time from submitting the first task
to storing the last result, with the cluster (and each worker's backbone) already started;
starting the cluster is reported separately.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

# One thread everywhere, as in each Dask worker (numpy's BLAS would otherwise give the plain
# loop a second core).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import cv2  # noqa: E402
import numpy as np  # noqa: E402


def make_images(folder: Path, count: int) -> list[Path]:
    from skimage import data

    sources = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket(), data.retina()]
    rng = np.random.default_rng(0)
    paths = []
    for i in range(count):
        src = sources[i % len(sources)]
        h, w = src.shape[:2]
        ch, cw = int(h * rng.uniform(0.6, 1.0)), int(w * rng.uniform(0.6, 1.0))
        y, x = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
        crop = cv2.resize(src[y : y + ch, x : x + cw], (481, 321), interpolation=cv2.INTER_AREA)
        path = folder / f"img{i:03d}.png"
        cv2.imwrite(str(path), crop[..., ::-1])
        paths.append(path)
    return paths


def run_serial(paths, settings, root: Path) -> float:
    from supercuts_app.batch.precompute import precompute_serial
    from supercuts_app.segmentation.cache import SegmentationCache

    precompute_serial(paths[:1], settings, SegmentationCache(root / "warm"))  # backbone built
    t0 = time.perf_counter()
    precompute_serial(paths, settings, SegmentationCache(root / "serial"))
    return time.perf_counter() - t0


def run_dask(paths, settings, root: Path, workers: int) -> tuple[float, float]:
    from dask.distributed import Client, LocalCluster

    from supercuts_app.batch.precompute import precompute_image, precompute_on_dask
    from supercuts_app.segmentation.cache import SegmentationCache

    t0 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        # Every worker builds its backbone once, as in a long run.
        client.run(precompute_image, str(paths[0]), settings)
        started = time.perf_counter() - t0
        t1 = time.perf_counter()
        precompute_on_dask(client, paths, settings, SegmentationCache(root / f"dask{workers}"))
        return time.perf_counter() - t1, started


def main() -> None:
    from supercuts_app.batch.precompute import PrecomputeSettings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    settings = PrecomputeSettings(threads=1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "imgs").mkdir()
        paths = make_images(root / "imgs", args.images)
        serial = run_serial(paths, settings, root)
        rows = [("plain loop (1 process)", 1, serial, None)]
        for n in sorted({1, args.workers}):
            took, started = run_dask(paths, settings, root, n)
            rows.append((f"Dask, {n} worker{'s' if n > 1 else ''}", n, took, started))
    n = len(paths)
    print(
        f"{n} images of 481 x 321, SSN + hierarchy, {settings.n_segments} superpixels, "
        "1 thread per worker\n"
    )
    print("| run | seconds | images/s | speed-up | overhead per image (ms) | cluster start (s) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, workers, took, started in rows:
        # Worker time spent beyond the plain loop's, per image.
        overhead = (workers * took - serial) / n * 1000
        print(
            f"| {name} | {took:.1f} | {n / took:.2f} | {serial / took:.2f} | "
            f"{'' if started is None else f'{overhead:.0f}'} | "
            f"{'' if started is None else f'{started:.1f}'} |"
        )


if __name__ == "__main__":
    main()
