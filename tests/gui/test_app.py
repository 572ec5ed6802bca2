"""App start-up policy."""

from __future__ import annotations

import gc
import sys

from supercuts_app.gui.app import settle_heavy_imports


def test_settling_imports_the_libraries_and_exempts_their_objects_from_collection():
    try:
        settle_heavy_imports()
        assert "torch" in sys.modules and "timm" in sys.modules
        assert gc.get_freeze_count() > 100_000
        # What is created afterwards is still collected.
        cycle: list = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
