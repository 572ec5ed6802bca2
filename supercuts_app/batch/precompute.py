"""Precomputing superpixels and hierarchies for many images, in one process or on Dask.

Workers only read images and compute; every result travels back to the caller, which writes it
to the segmentation cache atomically. So workers on other machines need the package and read
access to the images, not to the cache, and an interrupted run loses nothing already stored:
the next run skips those images (each worker checks its image's cache key against the keys
present when the run started).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from supercuts_app.base.images import DEFAULT_MAX_PIXELS
from supercuts_app.base.messages import first_line
from supercuts_app.segmentation.cache import SegmentationCache
from supercuts_app.segmentation.density import SuperpixelDensity
from supercuts_app.segmentation.edge_graph_model import GraphEdgeScorer
from supercuts_app.segmentation.edge_model import EdgeModel
from supercuts_app.segmentation.hierarchy import MergeHierarchy
from supercuts_app.segmentation.superpixels import SuperpixelResult

DONE, SKIPPED, FAILED = "done", "skipped", "failed"


@dataclass(frozen=True)
class PrecomputeSettings:
    """What to compute for every image (the window's defaults unless changed).

    ``n_segments`` is a fixed count and wins over ``density``; with neither, the default count
    (see :mod:`supercuts_app.segmentation.density`)."""

    method: str = "ssn"
    n_segments: int | None = None
    density: SuperpixelDensity | None = None
    backbone: str | None = None
    max_pixels: int = DEFAULT_MAX_PIXELS
    threads: int = 1
    edge_model: EdgeModel | GraphEdgeScorer | None = None
    """A project's own edge scoring (None: the shipped one)."""


@dataclass
class ImageOutcome:
    """What happened to one image; ``result`` holds the computed pair until it is stored."""

    path: str
    status: str
    seconds: float
    key: str | None = None
    error: str | None = None
    result: tuple[SuperpixelResult, MergeHierarchy] | None = None


def cached_keys(cache: SegmentationCache) -> frozenset[str]:
    """Keys of the results already in ``cache``."""
    if not cache.root.is_dir():
        return frozenset()
    return frozenset(p.stem for p in cache.root.glob("*.npz"))


_MALLOC_TUNED = False


def relax_malloc_trimming() -> None:
    """Undo Dask's malloc setting for this worker process (glibc only; once per process).

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also freezes glibc's
    mmap threshold, so every array above 128 KB is mapped and unmapped afresh: this work then
    runs about half as fast (measured: 2.5 s instead of 1.3 s per BSDS image). Larger thresholds
    keep freed memory for the next image.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 64 << 20)
        libc.mallopt(m_trim_threshold, 256 << 20)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to undo


def precompute_image(
    path: str | Path, settings: PrecomputeSettings, done: frozenset[str] = frozenset()
) -> ImageOutcome:
    """Load one image and compute its superpixels and hierarchy (runs on a worker).

    Never raises for a bad image: the error comes back as a ``failed`` outcome, one line.
    """
    import torch

    from supercuts_app.base.images import load_image
    from supercuts_app.segmentation.segment import SegmentationSettings, segment_image

    relax_malloc_trimming()
    t0 = time.perf_counter()
    torch.set_num_threads(settings.threads)
    try:
        image = load_image(path, max_pixels=settings.max_pixels)
        resolved = SegmentationSettings.resolve(
            settings.method,
            settings.n_segments,
            settings.backbone,
            settings.edge_model,
            density=settings.density,
        )
        key = resolved.cache_key(image)
        if key in done:
            return ImageOutcome(str(path), SKIPPED, time.perf_counter() - t0, key)
        segmentation = segment_image(image, settings=resolved)
        result = (segmentation.result, segmentation.tree)
    except Exception as exc:
        message = first_line(exc)
        # Messages that already name the file (load errors do) are kept without it.
        message = message.removeprefix(f"{path}: ")
        return ImageOutcome(str(path), FAILED, time.perf_counter() - t0, error=message)
    return ImageOutcome(str(path), DONE, time.perf_counter() - t0, key, result=result)


def store(outcome: ImageOutcome, cache: SegmentationCache) -> ImageOutcome:
    """Write a computed outcome's result to the cache and drop it from memory."""
    if outcome.status == DONE and outcome.result is not None:
        cache.save(outcome.key, *outcome.result)
        outcome.result = None
    return outcome


def precompute_serial(
    paths: Sequence[str | Path],
    settings: PrecomputeSettings,
    cache: SegmentationCache,
    on_outcome: Callable[[ImageOutcome], None] | None = None,
) -> list[ImageOutcome]:
    """The plain single-process loop (also the baseline of the throughput benchmark)."""
    done = cached_keys(cache)
    outcomes = []
    for path in paths:
        outcome = store(precompute_image(path, settings, done), cache)
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return outcomes


def precompute_on_dask(
    client,
    paths: Sequence[str | Path],
    settings: PrecomputeSettings,
    cache: SegmentationCache,
    on_outcome: Callable[[ImageOutcome], None] | None = None,
) -> list[ImageOutcome]:
    """Compute every image on a ``dask.distributed`` client's workers, storing results as they
    arrive. On KeyboardInterrupt the unfinished tasks are cancelled and it re-raises; what was
    stored stays stored."""
    from dask.distributed import as_completed

    # Sent once to every worker (wrapped in a list: scatter would split a bare set).
    [done] = client.scatter([cached_keys(cache)], broadcast=True)
    futures = client.map(
        precompute_image, [str(p) for p in paths], settings=settings, done=done, pure=False
    )
    path_of = {f.key: str(p) for f, p in zip(futures, paths, strict=True)}
    outcomes = []
    try:
        for future in as_completed(futures):
            outcome = store(_outcome_of(future, path_of[future.key]), cache)
            outcomes.append(outcome)
            future.release()
            if on_outcome is not None:
                on_outcome(outcome)
    except BaseException:
        client.cancel(futures)
        raise
    return outcomes


def _outcome_of(future, path: str) -> ImageOutcome:
    """A finished task's outcome; a task that died (e.g. its worker was killed) is a failure."""
    try:
        return future.result()
    except Exception as exc:
        message = first_line(exc)
        return ImageOutcome(path, FAILED, 0.0, error=message)


def summarize(outcomes: Iterable[ImageOutcome]) -> dict[str, int]:
    """Count of outcomes per status."""
    counts = {DONE: 0, SKIPPED: 0, FAILED: 0}
    for o in outcomes:
        counts[o.status] += 1
    return counts
