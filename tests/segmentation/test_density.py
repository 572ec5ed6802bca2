"""The superpixel density: counts that follow the image size, which count wins, and cache keys
that hold the resolved count."""

from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.base.defaults import (
    DEFAULT_SUPERPIXELS,
    SUPERPIXEL_DENSITY_CAP,
    SUPERPIXEL_DENSITY_FLOOR,
)
from supercuts_app.segmentation.density import SuperpixelDensity, superpixel_count
from supercuts_app.segmentation.segment import SegmentationSettings, segment_image


def test_the_count_follows_the_megapixels_within_floor_and_cap():
    density = SuperpixelDensity(170)
    assert (density.floor, density.cap) == (SUPERPIXEL_DENSITY_FLOOR, SUPERPIXEL_DENSITY_CAP)
    assert density.count(4000, 6000) == 4080  # 24 MP
    assert density.count(3000, 4000) == 2040  # 12 MP
    assert density.count(321, 481) == SUPERPIXEL_DENSITY_FLOOR  # BSDS500: the floor
    assert SuperpixelDensity(1000).count(10_000, 10_000) == SUPERPIXEL_DENSITY_CAP
    assert SuperpixelDensity(100, floor=1, cap=50).count(100, 1000) == 10


@pytest.mark.parametrize(
    ("per_megapixel", "floor", "cap"), [(0, 1, 10), (-5, 1, 10), (10, 0, 10), (10, 20, 10)]
)
def test_bad_densities_are_refused(per_megapixel, floor, cap):
    with pytest.raises(ValueError, match="superpixel density"):
        SuperpixelDensity(per_megapixel, floor=floor, cap=cap)


def test_a_fixed_count_wins_then_the_density_then_the_default():
    density = SuperpixelDensity(170)
    assert superpixel_count(4000, 6000, n_segments=300, density=density) == 300
    assert superpixel_count(4000, 6000, density=density) == 4080
    assert superpixel_count(4000, 6000) == DEFAULT_SUPERPIXELS


def test_settings_resolve_the_count_per_image(backbone):
    density = SuperpixelDensity(1000, floor=1, cap=100)
    by_density = SegmentationSettings.resolve(backbone=backbone, density=density)
    assert by_density.n_segments is None and by_density.count(120, 160) == 19
    fixed = SegmentationSettings.resolve(n_segments=50, backbone=backbone, density=density)
    assert fixed.density is None and fixed.count(4000, 6000) == 50


def test_keys_hold_the_resolved_count(disk_image, backbone):
    """120 x 160 pixels at 1000 per megapixel are 19 superpixels: the key of a fixed 19."""
    density = SuperpixelDensity(1000, floor=1, cap=100)
    by_density = SegmentationSettings.resolve(backbone=backbone, density=density)
    fixed = SegmentationSettings.resolve(n_segments=19, backbone=backbone)
    other = SegmentationSettings.resolve(n_segments=20, backbone=backbone)
    assert by_density.cache_key(disk_image) == fixed.cache_key(disk_image)
    assert by_density.cache_key(disk_image) != other.cache_key(disk_image)
    # A larger image resolves to another count, so to another key than the fixed 19.
    large = np.zeros((400, 500, 3), np.uint8)
    assert by_density.cache_key(large) != fixed.cache_key(large)


@pytest.mark.slow
def test_segment_image_asks_for_the_density_count(disk_image, backbone):
    density = SuperpixelDensity(2000, floor=1, cap=100)
    segmentation = segment_image(disk_image, density=density, backbone=backbone)
    assert segmentation.result.requested == 38
    with pytest.raises(TypeError, match="not both"):
        segment_image(
            disk_image,
            settings=SegmentationSettings.resolve(backbone=backbone),
            density=density,
        )
