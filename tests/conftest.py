"""Shared fixtures: small synthetic images, and Qt set to run without a display."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Computed segmentations go to a throw-away cache, never the user's.
os.environ["SUPERCUTS_CACHE_DIR"] = tempfile.mkdtemp(prefix="supercuts-test-cache-")
# Projects the app makes for read-only folders (the bundled samples) too.
os.environ["SUPERCUTS_DATA_DIR"] = tempfile.mkdtemp(prefix="supercuts-test-data-")
# Unexpected errors are logged to a throw-away folder, never the user's log.
os.environ["SUPERCUTS_LOG_DIR"] = tempfile.mkdtemp(prefix="supercuts-test-log-")
# QSettings (window geometry, recent files) go to a throw-away config folder.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="supercuts-test-config-")

import numpy as np
import pytest
from PIL import Image

from .bsds_files import write_bsds_split
from .ccp_files import write_ccp


@pytest.fixture(scope="session")
def quadrants() -> np.ndarray:
    """96 x 128 RGB image of four flat quadrants in clearly different colours."""
    img = np.zeros((96, 128, 3), np.uint8)
    img[:48, :64] = (200, 30, 30)
    img[:48, 64:] = (30, 200, 30)
    img[48:, :64] = (30, 30, 200)
    img[48:, 64:] = (220, 220, 40)
    return img


@pytest.fixture(scope="session")
def disk_image() -> np.ndarray:
    """120 x 160 RGB image: a bright disk on a dark, slightly noisy background."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:120, :160]
    inside = (yy - 60) ** 2 + (xx - 80) ** 2 < 35**2
    img = np.where(inside[..., None], (230, 180, 60), (40, 60, 90)).astype(np.float64)
    img += rng.normal(0, 4, img.shape)
    return img.clip(0, 255).astype(np.uint8)


@pytest.fixture(scope="session")
def square_scene():
    """A red square on grey with mild noise, its truth mask and its hierarchy (SLIC, 120)."""
    from supercuts_app.segmentation.segment import segment_image

    rng = np.random.default_rng(0)
    image = np.full((96, 128, 3), 70, np.uint8)
    image[24:72, 40:100] = (210, 60, 50)
    image = np.clip(image + rng.normal(0, 2, image.shape), 0, 255).astype(np.uint8)
    truth = np.zeros(image.shape[:2], bool)
    truth[24:72, 40:100] = True
    tree = segment_image(image, method="slic", n_segments=120).tree
    return image, truth, tree


@pytest.fixture(scope="session")
def backbone():
    """The default backbone with its shipped weights, built once."""
    from supercuts_app.segmentation.features import cached_backbone

    return cached_backbone()


@pytest.fixture()
def tiny_bsds(tmp_path, quadrants):
    """A two-image data set in BSDS500's layout, with two 'humans' per image."""
    data = tmp_path / "BSDS500" / "data"
    seg_fine = 1 + (np.arange(96)[:, None] >= 48) * 2 + (np.arange(128)[None, :] >= 64)
    seg_coarse = 1 + (np.arange(128)[None, :] >= 64) * np.ones((96, 1), int)
    write_bsds_split(data, "val", ("1001", "1002"), quadrants, [seg_fine, seg_coarse])
    return tmp_path


@pytest.fixture()
def tiny_ccp(tmp_path, quadrants):
    """A one-photo data set in CCP's layout: the person is the right half, hair above skin."""
    return write_ccp(tmp_path / "ccp", quadrants, ["0001"])


@pytest.fixture()
def image_folder(tmp_path, quadrants, disk_image):
    """A folder with two small images, ``a.png`` and ``b.png``."""
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.fromarray(quadrants).save(folder / "a.png")
    Image.fromarray(disk_image).save(folder / "b.png")
    return folder
