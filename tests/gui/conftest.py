"""The window over a test's ``folder`` (each module says what the folder holds)."""

from __future__ import annotations

import pytest

from supercuts_app.gui.main_window import MainWindow


@pytest.fixture
def n_segments() -> int:
    """Superpixels the window asks for (a module may override it)."""
    return 40


@pytest.fixture
def window(qtbot, folder, n_segments):
    """The window with ``folder`` opened and its first image's levels shown."""
    w = MainWindow(n_segments=n_segments)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.segmentation_shown, timeout=60_000):
        w.open_path(folder)
    yield w
    w.close()
