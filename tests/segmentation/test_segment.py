"""segment_image, the one entry point: defaults, settings, the cache and what the window derives."""

from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS, fits_uint16
from supercuts_app.segmentation.cache import SegmentationCache
from supercuts_app.segmentation.region_index import RegionIndex
from supercuts_app.segmentation.segment import (
    SegmentationSettings,
    segment_for_window,
    segment_image,
    window_segmentation,
)


@pytest.mark.slow
def test_a_cache_hit_gives_the_computed_result(tmp_path, disk_image, backbone):
    cache = SegmentationCache(tmp_path)
    computed = segment_image(disk_image, n_segments=40, backbone=backbone, cache=cache)
    stages = []
    read = segment_image(
        disk_image,
        n_segments=40,
        backbone=backbone,
        cache=cache,
        progress=lambda stage, fraction: stages.append(stage),
    )
    assert stages == ["hierarchy"]  # read, not computed
    np.testing.assert_array_equal(read.result.labels, computed.result.labels)
    np.testing.assert_array_equal(read.tree.superpixels, computed.tree.superpixels)
    np.testing.assert_array_equal(read.tree.tables, computed.tree.tables)
    np.testing.assert_array_equal(read.tree.linkage, computed.tree.linkage)
    assert (read.result.method, read.result.requested) == ("ssn", 40)


def test_settings_give_the_same_key_and_result_as_options(tmp_path, disk_image, backbone):
    settings = SegmentationSettings.resolve("ssn", 40, backbone)
    cache = SegmentationCache(tmp_path)
    by_settings = segment_image(disk_image, settings=settings, cache=cache)
    assert settings.cache_key(disk_image) in cache
    # The same options, the backbone given by name: the same entry, read back.
    by_options = segment_image(disk_image, n_segments=40, backbone=backbone.name, cache=cache)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    np.testing.assert_array_equal(by_options.tree.tables, by_settings.tree.tables)
    with pytest.raises(TypeError, match="not both"):
        segment_image(disk_image, settings=settings, n_segments=40)


def test_default_settings_use_the_defaults_constant(backbone):
    settings = SegmentationSettings.resolve(backbone=backbone)
    assert (settings.method, settings.n_segments) == ("ssn", DEFAULT_SUPERPIXELS)


def test_window_extras_agree_with_the_tree(disk_image, backbone):
    segmentation = segment_image(disk_image, n_segments=40, backbone=backbone)
    window = window_segmentation(segmentation)
    tree = window.shown.tree
    assert tree is segmentation.tree and window.shown.result is segmentation.result
    np.testing.assert_array_equal(window.shown.ucm, tree.ucm())
    np.testing.assert_array_equal(window.hover_ids, tree.superpixels)
    assert window.hover_ids.dtype == np.uint16 and fits_uint16(tree.superpixels.max())
    assert isinstance(window.regions, RegionIndex) and window.regions.n_levels == tree.n_levels
    whole = (slice(None), slice(None))
    for level in range(tree.n_levels):
        for region in range(int(tree.tables[level].max()) + 1):
            np.testing.assert_array_equal(
                window.regions.mask(level, region, whole), tree.mask_of(level, region)
            )


def test_the_window_job_reports_progress_and_honours_cancel(disk_image, backbone):
    from supercuts_app.base.tasks import Cancelled

    stages = []
    window = segment_for_window(
        disk_image,
        n_segments=40,
        backbone=backbone,
        progress=lambda stage, fraction: stages.append(stage),
    )
    assert "superpixels" in stages and stages[-1] == "hierarchy"
    assert window.shown.tree.n_levels > 1
    with pytest.raises(Cancelled):
        segment_for_window(disk_image, n_segments=40, backbone=backbone, cancel=lambda: True)


def test_the_cutter_reuses_the_boundary_map_of_a_fresh_segmentation(tmp_path, disk_image, backbone):
    from supercuts_app.segmentation.boundaries import boundary_map, default_boundary_net
    from supercuts_app.segmentation.segment import cutter_for_window

    cache = SegmentationCache(tmp_path)
    fresh = segment_for_window(disk_image, n_segments=40, backbone=backbone, cache=cache)
    expected = boundary_map(default_boundary_net(), disk_image)
    np.testing.assert_array_equal(fresh.boundary, expected)
    cutter = cutter_for_window(fresh.shown.tree, disk_image, boundary=fresh.boundary)
    np.testing.assert_array_equal(cutter.boundary, expected)
    # A cached segmentation holds no map: the cutter job computes it.
    cached = segment_for_window(disk_image, n_segments=40, backbone=backbone, cache=cache)
    assert cached.boundary is None
    again = cutter_for_window(cached.shown.tree, disk_image)
    np.testing.assert_array_equal(again.boundary, expected)


def test_a_working_size_boundary_map_is_resized_as_boundary_map_does(disk_image, backbone):
    import cv2

    from supercuts_app.segmentation.boundaries import boundary_map, default_boundary_net
    from supercuts_app.segmentation.seeded_cut import seed_cutter_for
    from supercuts_app.segmentation.superpixels import working_image

    big = cv2.resize(disk_image, (disk_image.shape[1] * 3, disk_image.shape[0] * 3))
    net = default_boundary_net()
    limit = disk_image.shape[0] * disk_image.shape[1] * 2
    small = boundary_map(net, working_image(big, limit), max_pixels=limit)
    tree = segment_image(disk_image, n_segments=40, backbone=backbone).tree
    big_tree = type(tree)(
        np.kron(tree.superpixels, np.ones((3, 3), np.int32)), tree.tables, tree.linkage
    )
    cutter = seed_cutter_for(big_tree, big, boundary=small)
    np.testing.assert_array_equal(cutter.boundary, boundary_map(net, big, max_pixels=limit))
