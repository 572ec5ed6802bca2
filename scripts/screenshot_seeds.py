"""The README's seed-click screenshot: the real window on a bundled sample, seeds placed.

Run: ``QT_QPA_PLATFORM=offscreen python scripts/screenshot_seeds.py --out docs/img/seeds.png``
(an X display or ``xvfb-run`` works as well). Opens a copy of the coffee sample in a temporary
folder, waits for the levels and the seed cutter, starts an object of the first class, places a
positive seed on the cup and a negative seed on the saucer, and saves the window as shown.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/img/seeds.png")
    parser.add_argument("--size", default="1280x800", help="window size WxH")
    parser.add_argument("--level", type=int, default=6, help="the slider's level for the seeds")
    args = parser.parse_args()

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication
    from skimage import data

    from supercuts_app.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    folder = Path(tempfile.mkdtemp())
    try:
        from PIL import Image

        Image.fromarray(data.coffee()).save(folder / "coffee.png")
        window = MainWindow()
        width, height = (int(v) for v in args.size.split("x"))
        window.resize(width, height)
        window.show()
        window.open_path(folder)
        _wait(app, lambda: window.session is not None and window.session.cutter is not None)
        window.canvas.fit()
        session = window.session
        window.tools.toggle_seeds()
        window.editing.new_object()
        # Through the slider, as a person sets the level (the session follows it).
        for _ in range(min(session.tree.n_levels - 1, args.level)):
            window.bar.levels.coarser()
        for y, x, positive in ((150, 300, True), (330, 170, False)):
            button = Qt.MouseButton.LeftButton if positive else Qt.MouseButton.RightButton
            window.tools.click(y, x, button, Qt.KeyboardModifier.NoModifier)
            _wait(app, lambda: False, seconds=0.3)
        window.tools.hover(100, 450)
        _wait(app, lambda: False, seconds=1.0)
        window.grab().save(args.out)
        print(f"wrote {args.out}")
        window.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait(app, done, *, seconds: float = 120.0) -> None:
    end = time.monotonic() + seconds
    while not done() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


if __name__ == "__main__":
    main()
