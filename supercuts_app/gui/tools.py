"""Pointer tools: region clicking (with hover and Shift+click splitting), seed clicking (with
the hover showing what a positive seed would take), brush and eraser.

The tool controller turns canvas events into calls of the shown image's
:class:`~supercuts_app.session.session.AnnotationSession` and passes on what each returns to
redraw; it never touches pixels itself beyond the hover lookup table.

Seed clicks are cut off the GUI thread, on a worker of their own (so a cut never waits behind
the next image's precompute): the click becomes a request on the GUI thread, the cut runs in the
worker, and its edit is applied back on the GUI thread. Clicks made meanwhile wait in a queue and
are cut one after another, each from the seeds its predecessors left; a cut whose seeds changed
before it arrived (an undo) is made again from the new state.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QPen

from supercuts_app.annotation.document import DocumentError
from supercuts_app.annotation.seeds import Seed
from supercuts_app.base.defaults import Z_BRUSH_PREVIEW
from supercuts_app.session.annotator import Annotator
from supercuts_app.session.seed_cuts import SeedCutResult, SeedRequest, compute_seed_cut

from .canvas import ImageCanvas
from .failures import Failure
from .worker import Worker

CLICK, SEEDS, BRUSH, ERASE = "click regions", "seeds", "brush", "erase"
NO_SELECTION = "Press N to start an object (or pick one in the panel)"
SEED_HINT = (
    "Seed clicks: left click inside the selected object or part, right click outside it "
    "(the slider's level is the first guess; S: back to regions)"
)


@dataclass(frozen=True)
class _SeedClick:
    """A seed click waiting for its cut: where, which sign, and what was shown when it was made."""

    y: float
    x: float
    positive: bool
    level: int
    annotation: int


def _cut_seeds(request: SeedRequest, *, progress, cancel) -> SeedCutResult:
    """The worker job of one seed click (a cut takes milliseconds: no progress, no cancel)."""
    return compute_seed_cut(request)


class ToolController(QObject):
    """Routes canvas input to the annotator; ``changed`` carries what to redraw."""

    changed = Signal(object)  # the session's Redraw, or None when nothing changed
    message = Signal(str)
    mode_changed = Signal(str)

    def __init__(self, canvas: ImageCanvas) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.annotator: Annotator | None = None
        self.mode = CLICK
        self.pixel_borders = True
        self.radius = 8.0
        self._hover: tuple[int, int] | None = None
        self._seed_hover: tuple | None = None  # what the seed preview shown was computed for
        self._pointer: tuple[float, float] | None = None
        self._stroke: list[tuple[float, float]] = []
        self._stroke_button = Qt.MouseButton.LeftButton
        self._seed_worker = Worker(self)
        self._seed_clicks: deque[_SeedClick] = deque()
        self._cutting: tuple[Annotator, _SeedClick] | None = None
        self.stroke_preview = pg.PlotCurveItem()
        self.stroke_preview.setZValue(Z_BRUSH_PREVIEW)
        canvas.view.addItem(self.stroke_preview)
        canvas.hovered.connect(self.hover)
        canvas.clicked.connect(self.click)
        canvas.dragged.connect(self.drag)

    def set_annotator(self, annotator: Annotator | None) -> None:
        # Clicks on the image shown before are dropped (a cut still running is, when it ends).
        self._seed_clicks.clear()
        self.annotator = annotator
        if annotator is not None:
            annotator.set_pixel_borders(self.pixel_borders)
        self._hover = self._seed_hover = None

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.canvas.brush_cursor.setVisible(False)
        self.clear_hover()
        self.mode_changed.emit(mode)

    def toggle_pixel_borders(self) -> None:
        """Tools > Pixel-precise seed borders: on (the default) or atoms only."""
        self.pixel_borders = not self.pixel_borders
        if self.annotator is not None:
            self.annotator.set_pixel_borders(self.pixel_borders)
        state = "pixel-precise" if self.pixel_borders else "along the atoms only"
        self.message.emit(f"Seed borders: {state}")

    def toggle_seeds(self) -> None:
        """S: seed clicks, or back to region clicks."""
        self.set_mode(CLICK if self.mode == SEEDS else SEEDS)
        self.message.emit(SEED_HINT if self.mode == SEEDS else "Region clicks")

    def use_brush(self) -> None:
        self.set_mode(BRUSH)

    def use_eraser(self) -> None:
        self.set_mode(ERASE)

    def resize_brush(self, factor: float) -> None:
        self.radius = float(np.clip(self.radius * factor, 1, 500))
        self.message.emit(f"Brush radius {self.radius:.0f} px")

    def bigger_brush(self) -> None:
        self.resize_brush(1.25)

    def smaller_brush(self) -> None:
        self.resize_brush(0.8)

    # -- hover ---------------------------------------------------------------------------------
    def hover(self, y: float, x: float) -> None:
        a = self.annotator
        if a is None:
            return
        self._pointer = (y, x)
        if self.mode == SEEDS:
            self.show_seed_preview(y, x)
            return
        if self.mode != CLICK:
            self.canvas.show_brush(y, x, self.radius)
            return
        target = a.target_at(y, x) if a.tree is not None else None
        if target == self._hover:
            return
        self.show_target(target)

    def show_target(self, target: tuple[int, int] | None) -> None:
        """Highlight ``(level, region)`` (None: nothing), plus the split view if one is open."""
        a = self.annotator
        if a is None or a.tree is None:
            return
        k = a.tree.tables.shape[1]
        selected = np.zeros(k, bool)
        if target is not None:
            selected |= a.selection(*target)
        split = None
        if a.split is not None:
            inside = a.selection(a.split.level, a.split.region)
            selected |= inside
            split = np.where(inside, a.tree.tables[a.split.fine_level], 0)
        self.canvas.highlight(selected, split=split)
        self._hover = target

    def show_seed_preview(self, y: float, x: float) -> None:
        """Highlight what a positive seed at (y, x) would take (computed again only when the
        superpixel under the pointer, the level or the selection's seeds changed)."""
        a = self.annotator
        if a is None or a.tree is None or a.cutter is None:
            return
        h, w = a.tree.superpixels.shape
        inside = 0 <= y < h and 0 <= x < w
        superpixel = int(a.tree.superpixels[int(y), int(x)]) if inside else None
        key = (superpixel, a.level, a.active, a.seeds_of_active())
        if key == self._seed_hover:
            return
        selected = a.seed_preview(y, x) if inside else None
        if selected is None:
            selected = np.zeros(a.tree.tables.shape[1], bool)
        self.canvas.highlight(selected)
        self._seed_hover = key

    def clear_hover(self) -> None:
        self._seed_hover = None
        if self.annotator is not None and self.annotator.tree is not None:
            self.show_target(None)

    def refresh_hover(self) -> None:
        """Redraw the hover layer after the level, the split view or the seeds changed."""
        if self.mode == SEEDS:
            if self._pointer is not None:
                self.show_seed_preview(*self._pointer)
            return
        target = self._hover
        if self.annotator is not None and target is not None and self.annotator.tree is not None:
            self._hover = None
            self.show_target(target)

    # -- clicks and strokes -------------------------------------------------------------------
    def click(self, y: float, x: float, button, modifiers) -> None:
        a = self.annotator
        if a is None:
            return
        if self.mode == SEEDS:
            self.seed_click(y, x, button)
            return
        if self.mode != CLICK:  # a click without a drag paints (or erases) one dab
            self.drag("start", y, x, button)
            self.drag("finish", y, x, button)
            return
        try:
            if modifiers & Qt.KeyboardModifier.ShiftModifier:
                self._hover = None
                view = a.toggle_split(y, x)
                self.show_target(a.target_at(y, x))
                if view is not None:
                    n = len(np.unique(a.tree.tables[view.fine_level][
                        a.selection(view.level, view.region)]))  # fmt: skip
                    self.message.emit(f"Split view: {n} finer regions (Shift+click to leave)")
                return
            if a.active is None:
                self.message.emit(NO_SELECTION)
                return
            remove = button == Qt.MouseButton.RightButton
            self.changed.emit(a.click(y, x, remove=remove))
        except DocumentError as exc:
            self.message.emit(str(exc))

    def seed_click(self, y: float, x: float, button) -> None:
        """A positive (left button) or negative (right button) seed for the selection: queued,
        cut in the seed worker and applied when its cut arrives (see the module's notes)."""
        a = self.annotator
        if a.active is None:
            self.message.emit(NO_SELECTION)
            return
        if a.cutter is None:
            self.message.emit("Seed clicks work in a moment: still preparing this image")
            return
        positive = button != Qt.MouseButton.RightButton
        self._seed_clicks.append(_SeedClick(y, x, positive, a.level, a.active))
        self._show_seed_dots()
        self._cut_next_seed()

    @property
    def seed_cuts_pending(self) -> int:
        """Seed clicks whose cut is running or waiting."""
        return len(self._seed_clicks) + (self._cutting is not None)

    def _cut_next_seed(self) -> None:
        """Start the cut of the oldest waiting click (one at a time, so each is cut from the
        seeds the clicks before it left)."""
        a = self.annotator
        while self._cutting is None and self._seed_clicks and a is not None:
            click = self._seed_clicks.popleft()
            try:
                request = a.seed_request(
                    click.y,
                    click.x,
                    positive=click.positive,
                    level=click.level,
                    annotation=click.annotation,
                )
            except DocumentError as exc:  # e.g. a part's seed outside its object
                self.message.emit(str(exc))
                self._show_seed_dots()
                continue
            if request is None:
                continue
            self._cutting = (a, click)
            self._seed_worker.submit(
                _cut_seeds,
                request,
                on_result=self._seed_cut_ready,
                on_failed=self._seed_cut_failed,
            )

    def _seed_cut_ready(self, result: SeedCutResult) -> None:
        annotator, click = self._cutting
        self._cutting = None
        a = self.annotator
        if a is annotator:
            if a.seed_request_is_current(result.request):
                try:
                    self.changed.emit(a.apply_seed_cut(result))
                except DocumentError as exc:
                    self.message.emit(str(exc))
                self.refresh_hover()  # a negative seed changes what a positive one would take
            else:  # the seeds changed meanwhile (an undo): cut this click again from them
                self._seed_clicks.appendleft(click)
            self._show_seed_dots()
        self._cut_next_seed()

    def _seed_cut_failed(self, failure: Failure) -> None:
        self._cutting = None
        self.message.emit(failure.message)
        self._show_seed_dots()
        self._cut_next_seed()

    def _show_seed_dots(self) -> None:
        """The active annotation's seeds, and its clicks still being cut."""
        a = self.annotator
        if a is None:
            return
        waiting = list(self._seed_clicks)
        if self._cutting is not None and self._cutting[0] is a:
            waiting.insert(0, self._cutting[1])
        pending = [Seed(c.y, c.x, c.positive, c.level) for c in waiting if c.annotation == a.active]
        self.canvas.show_seeds((*a.seeds_of_active(), *pending))

    def _stroke_pen(self, button) -> QPen:
        """The stroke drawn live while dragging, as wide as what it will paint: a pen in image
        pixels (not screen pixels) with round caps and joins, like the brush itself."""
        erase = self.mode == ERASE or button == Qt.MouseButton.RightButton
        color = QColor(255, 80, 80, 110) if erase else QColor(255, 255, 255, 110)
        pen = QPen(color, 2 * round(self.radius) + 1)
        pen.setCosmetic(False)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        return pen

    def drag(self, stage: str, y: float, x: float, button) -> None:
        a = self.annotator
        if a is None or self.mode in (CLICK, SEEDS):
            return
        if stage == "start":
            self._stroke = []
            self._stroke_button = button
            self.stroke_preview.setPen(self._stroke_pen(button))
        self._stroke.append((x, y))
        xs, ys = zip(*self._stroke, strict=True)
        self.stroke_preview.setData(np.array(xs), np.array(ys))
        self.canvas.show_brush(y, x, self.radius)
        if stage != "finish":
            return
        self.stroke_preview.setData([], [])
        erase = self.mode == ERASE or self._stroke_button == Qt.MouseButton.RightButton
        if a.active is None:
            self.message.emit(NO_SELECTION)
            return
        try:
            self.changed.emit(a.stroke(self._stroke, self.radius, erase=erase))
        except DocumentError as exc:
            self.message.emit(str(exc))
        self._stroke = []
