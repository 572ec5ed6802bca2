from __future__ import annotations

import gc

import numpy as np
import pytest
from PIL import Image

from supercuts_app.base.resources import sample_image_path
from supercuts_app.gui.main_window import MainWindow


@pytest.fixture()
def window(qtbot):
    w = MainWindow(n_segments=200)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


@pytest.mark.slow
def test_opens_sample_and_shows_superpixels(qtbot, window):
    with qtbot.waitSignal(window.segmentation_shown, timeout=60_000) as blocker:
        window.open_path(sample_image_path())
    shown = blocker.args[0]
    assert shown.result.labels.shape == (300, 451)
    assert 100 <= shown.result.n_segments <= 300
    contours = window.canvas.boundaries.image
    assert contours is not None and contours.shape == (300, 451) and contours.max() > 1
    assert "superpixels" in window.status_label.text()
    assert window.levels.slider.maximum() == shown.tree.n_levels - 1


def test_slider_and_brackets_change_the_drawn_level(qtbot, window):
    with qtbot.waitSignal(window.segmentation_shown, timeout=60_000) as blocker:
        window.open_path(sample_image_path())
    tree = blocker.args[0].tree
    lut0 = window.canvas.boundaries.lut.copy()
    qtbot.keyClick(window.canvas, "]")
    assert window.levels.level == 1
    lut1 = window.canvas.boundaries.lut
    # Level 1 hides the borders that only existed between superpixels (contour value 1).
    assert lut0[1, 3] > 0 and lut1[1, 3] == 0 and lut1[2, 3] > 0
    window.levels.slider.setValue(tree.n_levels - 1)
    assert not window.canvas.boundaries.lut[:, 3].any()
    assert f"{tree.region_counts[-1]} regions" in window.levels.label.text()
    qtbot.keyClick(window.canvas, "[")
    assert window.levels.level == tree.n_levels - 2


def test_switching_images_never_shows_a_stale_result(qtbot, window, tmp_path, quadrants):
    small = tmp_path / "small.png"
    Image.fromarray(quadrants).save(small)
    shown = []
    window.segmentation_shown.connect(shown.append)
    window.open_path(sample_image_path())
    window.open_path(sample_image_path("coffee.png"))
    with qtbot.waitSignal(window.segmentation_shown, timeout=60_000):
        window.open_path(small)
    qtbot.wait(200)
    assert [s.result.labels.shape for s in shown] == [(96, 128)]
    assert window.current.path == small
    assert np.array_equal(window.canvas.photo.image, quadrants)


@pytest.mark.slow
def test_bad_image_shows_message_and_app_keeps_working(qtbot, window, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"nope")
    window.open_path(bad)
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Failed"), timeout=10_000)
    assert "broken.jpg" in window.status_label.text()
    window.error_box.close()
    with qtbot.waitSignal(window.segmentation_shown, timeout=60_000):
        window.open_path(sample_image_path("coffee.png"))


def test_run_app_opens_the_bundled_sample(qtbot, monkeypatch):
    from PySide6.QtWidgets import QApplication

    from supercuts_app.gui import app as app_module

    opened = []
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    monkeypatch.setattr(MainWindow, "open_path", lambda self, p: opened.append((self, p)))
    assert app_module.run_app() == 0
    window, path = opened[0]
    assert path == sample_image_path() and path.is_file()
    # The worker's first job settles the libraries (see test_app); here it runs after the
    # stubbed event loop returned, so this test undoes it itself.
    assert window.worker.wait(120_000)
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
    window.close()
