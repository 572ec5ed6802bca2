"""Batch precompute: results land in the cache under the window's key; bad images are listed."""

from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.batch.precompute import (
    DONE,
    FAILED,
    SKIPPED,
    PrecomputeSettings,
    cached_keys,
    precompute_on_dask,
    precompute_serial,
    summarize,
)
from supercuts_app.segmentation.cache import SegmentationCache
from supercuts_app.segmentation.segment import (
    SegmentationSettings,
    open_image,
    segment_image,
)


@pytest.fixture
def folder(image_folder):
    (image_folder / "c.jpg").write_bytes(b"not an image")
    return image_folder


SETTINGS = PrecomputeSettings(n_segments=40)


@pytest.mark.slow
def test_serial_precompute_fills_the_cache_the_window_reads_and_resumes(tmp_path, folder):
    cache = SegmentationCache(tmp_path / "cache")
    paths = sorted(folder.iterdir())
    outcomes = precompute_serial(paths, SETTINGS, cache)
    assert [o.status for o in outcomes] == [DONE, DONE, FAILED]
    assert "not an image" in outcomes[2].error and str(folder) not in outcomes[2].error
    assert all(o.result is None for o in outcomes)  # stored, not kept in memory
    # The window opens the image and asks the cache with its own key: a hit.
    image = open_image(paths[0]).pixels
    key = SegmentationSettings.resolve("ssn", 40).cache_key(image)
    assert key == outcomes[0].key and key in cache
    result, tree = cache.load(key)
    fresh = segment_image(image, n_segments=40)
    np.testing.assert_array_equal(result.labels, fresh.result.labels)
    np.testing.assert_array_equal(tree.tables, fresh.tree.tables)
    again = precompute_serial(paths, SETTINGS, cache)
    assert summarize(again) == {DONE: 0, SKIPPED: 2, FAILED: 1}
    assert cached_keys(cache) == {o.key for o in outcomes[:2]}


@pytest.mark.slow
def test_dask_precompute_on_a_local_cluster(tmp_path, folder):
    from dask.distributed import Client, LocalCluster

    cache = SegmentationCache(tmp_path / "cache")
    paths = sorted(folder.iterdir())
    seen = []
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        outcomes = precompute_on_dask(client, paths, SETTINGS, cache, seen.append)
        again = precompute_on_dask(client, paths, SETTINGS, cache)
    assert len(seen) == 3 and summarize(outcomes) == {DONE: 2, SKIPPED: 0, FAILED: 1}
    assert {o.path for o in outcomes if o.status == FAILED} == {str(paths[2])}
    assert summarize(again) == {DONE: 0, SKIPPED: 2, FAILED: 1}
    assert len(cached_keys(cache)) == 2
