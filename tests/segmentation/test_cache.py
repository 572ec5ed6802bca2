"""The segmentation cache: same pixels and parameters give the stored result, anything else not."""

from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.segmentation.cache import SegmentationCache, image_digest, segmentation_key
from supercuts_app.segmentation.segment import segment_image


@pytest.mark.slow
def test_second_request_reads_the_cache_and_matches(tmp_path, quadrants, backbone):
    cache = SegmentationCache(tmp_path)
    first = segment_image(quadrants, n_segments=24, backbone=backbone, cache=cache)
    result, tree = first.result, first.tree
    files = list(tmp_path.glob("*.npz"))
    assert len(files) == 1
    stages = []
    second = segment_image(
        quadrants,
        n_segments=24,
        backbone=backbone,
        cache=cache,
        progress=lambda stage, f: stages.append(stage),
    )
    again, tree2 = second.result, second.tree
    assert stages == ["hierarchy"]  # nothing was computed
    np.testing.assert_array_equal(again.labels, result.labels)
    np.testing.assert_array_equal(tree2.tables, tree.tables)
    np.testing.assert_array_equal(tree2.ucm(), tree.ucm())
    assert again.params == result.params
    # Other parameters or other pixels are other entries.
    segment_image(quadrants, n_segments=30, backbone=backbone, cache=cache)
    assert len(list(tmp_path.glob("*.npz"))) == 2


def test_keys_and_damaged_entries(tmp_path, quadrants):
    d = image_digest(quadrants)
    changed = quadrants.copy()
    changed[0, 0, 0] ^= 1
    assert image_digest(changed) != d
    assert segmentation_key(d, {"k": 1}) != segmentation_key(d, {"k": 2})
    cache = SegmentationCache(tmp_path)
    key = segmentation_key(d, {})
    cache.path(key).write_bytes(b"not a zip")
    assert cache.load(key) is None
    assert cache.load("missing") is None
