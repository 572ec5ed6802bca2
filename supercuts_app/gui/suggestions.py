"""Tools > Propose objects / parts: suggestions drawn dashed, Enter accepts, Delete rejects.

Proposals are computed by the worker (:func:`~supercuts_app.segmentation.suggestions.suggest`)
and kept by the session, which also decides what accepting one makes
(:meth:`~supercuts_app.session.session.AnnotationSession.accept_suggestion`: an ordinary object
or part, saved, undoable and editable like any other). This controller asks for them and draws
their outlines.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal

from supercuts_app.annotation.document import DocumentError
from supercuts_app.base.boxes import Slice2D
from supercuts_app.base.defaults import (
    STATUS_MESSAGE_MS,
    Z_CURRENT_SUGGESTION,
    Z_OTHER_SUGGESTIONS,
)
from supercuts_app.segmentation.suggestions import Suggestion, suggest

CURRENT_PEN = pg.mkPen((0, 255, 255), width=3, style=Qt.PenStyle.DashLine)
OTHER_PEN = pg.mkPen((255, 255, 255, 160), width=1.5, style=Qt.PenStyle.DashLine)


class SuggestionController(QObject):
    """Asks the worker for proposals of the shown image and draws the session's pending ones.

    ``current_outline`` is the dashed outline of the current proposal, ``other_outlines`` those
    of the rest.
    """

    shown = Signal(int)  # how many suggestions are pending

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.other_outlines = pg.PlotCurveItem(pen=OTHER_PEN, connect="finite")
        self.current_outline = pg.PlotCurveItem(pen=CURRENT_PEN, connect="finite")
        for z, item in (
            (Z_OTHER_SUGGESTIONS, self.other_outlines),
            (Z_CURRENT_SUGGESTION, self.current_outline),
        ):
            item.setZValue(z)
            window.canvas.view.addItem(item)
        window.editing.suggestions_changed.connect(self.draw)

    @property
    def pending(self) -> list[Suggestion]:
        """The shown image's pending proposals, the current one first."""
        session = self.window.session
        return [] if session is None else session.suggestions

    @property
    def active(self) -> bool:
        return bool(self.pending)

    # -- asking -----------------------------------------------------------------------------
    def propose_objects(self) -> None:
        self._ask(None, None, None)

    def propose_parts(self) -> None:
        session = self.window.session
        if session is None:
            return
        try:
            obj = session.object_for_parts()
        except DocumentError as exc:
            self._message(str(exc))
            return
        # A copy of the object's crop: the worker reads it while the document may change.
        crop, box = session.object_crop(obj.id)
        self._ask(crop, box, obj.id)

    def _ask(
        self, object_mask: np.ndarray | None, object_box: Slice2D | None, parent: int | None
    ) -> None:
        w = self.window
        if w.segmentation is None or w.current is None:
            self._message("Wait for the superpixels of this image first")
            return
        generation = w.jobs.generation
        w.jobs.start(
            suggest,
            w.current.pixels,
            w.segmentation.tree,
            backbone_name=w.backbone_name,
            object_mask=object_mask,
            object_box=object_box,
            parent=parent,
            on_result=lambda found: self._arrived(generation, found),
        )
        w.status_label.setText("Proposing…")

    def _arrived(self, generation: int, found: list[Suggestion]) -> None:
        session = self.window.session
        if not self.window.jobs.is_current(generation) or session is None:
            return  # the image changed meanwhile
        session.show_suggestions(found)
        if not found:
            self._message("No proposal found")
        self.draw()

    # -- answering ----------------------------------------------------------------------------
    def accept(self) -> None:
        """Enter: the current suggestion becomes a new object (or part of its object)."""
        session = self.window.session
        if session is None or not session.suggestions:
            return
        editing = self.window.editing
        editing.run(session.accept_suggestion, editing.classes.current_class())
        self.draw()

    def reject(self) -> None:
        """Delete: drop the current suggestion."""
        session = self.window.session
        if session is not None and session.reject_suggestion():
            self.draw()

    def clear(self) -> None:
        """Esc, or another image: drop every suggestion."""
        if self.window.session is not None:
            self.window.session.clear_suggestions()
        self.draw()

    def draw(self) -> None:
        """Outline the pending suggestions (nothing when there are none)."""
        pending = self.pending
        if not pending:
            self.current_outline.setData([], [])
            self.other_outlines.setData([], [])
            self.shown.emit(0)
            return
        first, rest = pending[0], pending[1:]
        self.current_outline.setData(first.xs, first.ys)
        if rest:
            self.other_outlines.setData(
                np.concatenate([s.xs for s in rest]), np.concatenate([s.ys for s in rest])
            )
        else:
            self.other_outlines.setData([], [])
        self.window.status_label.setText(
            f"{first.kind.capitalize()} suggestion 1 of {len(pending)} (score "
            f"{first.score:.2f}): Enter accepts, Delete rejects, Esc drops all"
        )
        self.shown.emit(len(pending))

    def _message(self, text: str) -> None:
        self.window.statusBar().showMessage(text, STATUS_MESSAGE_MS)
