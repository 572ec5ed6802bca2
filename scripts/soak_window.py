"""Soak test of the window: minutes of fast image switching, clicks, slider moves and proposals.

Run (offscreen, or under ``xvfb-run -a`` to see the same on a virtual screen)::

    QT_QPA_PLATFORM=offscreen python scripts/soak_window.py FOLDER --minutes 3

Every 50-400 ms it does one random thing: next or previous image (often before the previous
one finished computing), a slider step, a click or right click at a random point with a new
object now and then, undo, hiding or showing an annotation, relabelling one (a refused relabel
shows its message in the status bar), or Tools > Propose objects. Everything goes through the
window's parts to the shown image's annotation session, as a person's keys and clicks do.
Any exception that reaches Qt's event loop, and any failure message the window shows, is
counted; the exit code is 1 if there was one. It prints a one-line summary of what it did.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", help="a folder of images (its project is created or reused)")
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from supercuts_app.gui.main_window import MainWindow

    errors: list[str] = []

    def hook(kind, value, tb) -> None:
        errors.append("".join(traceback.format_exception(kind, value, tb)))

    sys.excepthook = hook
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    failures: list[str] = []
    window.failed.connect(failures.append)
    window.open_path(args.folder)
    rng = random.Random(args.seed)
    counts: dict[str, int] = {}
    end = time.monotonic() + args.minutes * 60

    def act() -> None:
        if time.monotonic() > end:
            app.quit()
            return
        name = rng.choice(
            ["next", "next", "previous", "slider", "click", "click", "remove", "undo", "propose"]
            + ["hide", "relabel"]
        )
        counts[name] = counts.get(name, 0) + 1
        session = window.session
        if name == "next":
            window.next_image()
        elif name == "previous":
            window.previous_image()
        elif name == "slider":
            window.levels.step(rng.choice([-2, -1, 1, 2]))
        elif name in ("click", "remove") and session is not None and window.current is not None:
            h, w = window.current.pixels.shape[:2]
            if session.active is None or rng.random() < 0.2:
                window.editing.new_object()
            button = Qt.MouseButton.RightButton if name == "remove" else Qt.MouseButton.LeftButton
            window.tools.click(rng.uniform(0, h), rng.uniform(0, w), button, Qt.KeyboardModifier(0))
        elif name == "undo":
            window.editing.undo()
        elif name in ("hide", "relabel") and session is not None and session.doc.annotations:
            ann_id = rng.choice(list(session.doc.annotations))
            if name == "hide":
                window.editing.set_visible(ann_id, ann_id in session.overlay.hidden)
            else:
                options = session.relabel_options(ann_id)
                window.editing.run(session.relabel, ann_id, rng.choice(options).id)
        elif name == "propose":
            window.suggestions.propose_objects()
            if window.suggestions.active:
                window.suggestions.accept()
        QTimer.singleShot(rng.randint(50, 400), act)

    QTimer.singleShot(2000, act)
    app.exec()
    window.close()
    total = sum(counts.values())
    print(
        f"{total} actions in {args.minutes:g} min ({counts}); "
        f"{len(errors)} exceptions, {len(failures)} failure messages"
    )
    for e in errors[:3]:
        print(e, file=sys.stderr)
    for f in failures[:3]:
        print("failure:", f, file=sys.stderr)
    return 1 if errors or failures else 0


if __name__ == "__main__":
    sys.exit(main())
