"""``--density``: superpixels per megapixel for the commands that segment the user's images."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from supercuts_app.base.defaults import SUPERPIXEL_DENSITY_FLOOR
from supercuts_app.batch.precompute import cached_keys
from supercuts_app.cli.main import main
from supercuts_app.segmentation.cache import SegmentationCache
from supercuts_app.segmentation.density import SuperpixelDensity
from supercuts_app.segmentation.segment import SegmentationSettings


def test_a_density_gives_the_same_superpixels_as_the_count_it_resolves_to(tmp_path, disk_image):
    """At 0.02 MP any density below the floor's gives the floor's count."""
    src = tmp_path / "disk.png"
    Image.fromarray(disk_image).save(src)
    by_density, fixed = tmp_path / "d.png", tmp_path / "f.png"
    assert main(["superpixels", str(src), "--density", "100", "--out", str(by_density)]) == 0
    count = str(SUPERPIXEL_DENSITY_FLOOR)
    assert main(["superpixels", str(src), "--n-segments", count, "--out", str(fixed)]) == 0
    np.testing.assert_array_equal(
        cv2.imread(str(by_density), cv2.IMREAD_UNCHANGED),
        cv2.imread(str(fixed), cv2.IMREAD_UNCHANGED),
    )


@pytest.mark.parametrize("command", ["superpixels", "hierarchy", "propose", "precompute"])
def test_a_count_and_a_density_are_refused_together(tmp_path, capsys, command):
    args = [command, str(tmp_path), "--n-segments", "40", "--density", "100"]
    args += ["--out", str(tmp_path / "out")] if command != "precompute" else []
    assert main(args) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("supercuts: argument --density: not allowed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["0", "-3", "nan", "x"])
def test_bad_densities_are_one_line_errors(tmp_path, capsys, value):
    assert main(["superpixels", str(tmp_path), "--density", value, "--out", "x.png"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("supercuts: argument --density:")


@pytest.mark.slow
def test_precompute_stores_under_the_key_of_the_resolved_count(tmp_path, image_folder):
    cache = tmp_path / "cache"
    # 40,000 per megapixel: the floor's 600 for a.png (0.012 MP), 768 for b.png (0.019 MP).
    args = ["precompute", str(image_folder), "--workers", "0", "--density", "40000"]
    assert main([*args, "--cache", str(cache)]) == 0
    from supercuts_app.base.images import load_image

    keys, counts = set(), []
    for path in sorted(image_folder.iterdir()):
        image = load_image(path)
        count = SuperpixelDensity(40000).count(*image.shape[:2])
        counts.append(count)
        keys.add(SegmentationSettings.resolve(n_segments=count).cache_key(image))
    assert counts == [600, 768]
    assert cached_keys(SegmentationCache(cache)) == keys
