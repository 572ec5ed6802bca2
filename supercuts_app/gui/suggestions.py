"""Tools > Propose objects / parts: suggestions drawn dashed, Enter accepts, Delete rejects.

Proposals are computed by the worker (:func:`~supercuts_app.gui.loading.suggest`); an accepted
one becomes an ordinary object or part through the annotator, so it is saved, undoable and
editable by clicks and brush like any other.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal

from supercuts_app.segmentation.suggestions import Suggestion, suggest

CURRENT_PEN = pg.mkPen((0, 255, 255), width=3, style=Qt.PenStyle.DashLine)
OTHER_PEN = pg.mkPen((255, 255, 255, 160), width=1.5, style=Qt.PenStyle.DashLine)


class SuggestionController(QObject):
    """The pending suggestions of the shown image and their dashed outlines."""

    shown = Signal(int)  # how many suggestions are pending

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.pending: list[Suggestion] = []
        self._others = pg.PlotCurveItem(pen=OTHER_PEN, connect="finite")
        self._current = pg.PlotCurveItem(pen=CURRENT_PEN, connect="finite")
        for z, item in ((36, self._others), (37, self._current)):
            item.setZValue(z)
            window.canvas.view.addItem(item)

    @property
    def active(self) -> bool:
        return bool(self.pending)

    # -- asking -----------------------------------------------------------------------------
    def propose_objects(self) -> None:
        self._ask(None, None)

    def propose_parts(self) -> None:
        w = self.window
        a = w.annotator
        if a is None or a.active is None:
            w.statusBar().showMessage("Select an object first, then propose its parts", 6000)
            return
        ann = a.doc.get(a.active)
        obj = a.doc.get(ann.parent_id) if ann.is_part else ann
        if obj.is_empty():
            w.statusBar().showMessage("The selected object is still empty", 6000)
            return
        self._ask(obj.mask.copy(), obj.id)

    def _ask(self, object_mask: np.ndarray | None, parent: int | None) -> None:
        w = self.window
        if w.segmentation is None or w.current is None:
            w.statusBar().showMessage("Wait for the superpixels of this image first", 6000)
            return
        generation = w._generation
        w._start(
            suggest,
            w.current.pixels,
            w.segmentation.tree,
            backbone_name=w.backbone_name,
            object_mask=object_mask,
            parent=parent,
            on_result=lambda found: self._arrived(generation, found),
        )
        w.status_label.setText("Proposing…")

    def _arrived(self, generation: int, found: list[Suggestion]) -> None:
        if generation != self.window._generation:
            return  # the image changed meanwhile
        self.pending = list(found)
        if not found:
            self.window.statusBar().showMessage("No proposal found", 6000)
        self._draw()

    # -- answering ----------------------------------------------------------------------------
    def accept(self) -> None:
        """Enter: the current suggestion becomes a new object (or part of its object)."""
        w = self.window
        a = w.annotator
        if not self.pending or a is None or w.project is None:
            return
        s = self.pending.pop(0)
        cats = w.project.categories
        if s.kind == "object":
            classes = cats.objects()
            if not classes:
                w.statusBar().showMessage("Add an object class first (Classes panel)", 6000)
                self.pending.insert(0, s)
                return
            chosen = w.classes.current_class()
            if chosen is not None and cats.get(chosen).is_part:
                chosen = cats.get(chosen).parent_id
            w._edit(a.new_object, chosen if chosen is not None else classes[0].id)
        else:
            if s.parent not in a.doc.annotations:
                self._draw()
                return
            obj = a.doc.get(s.parent)
            ids = [c.id for c in cats.parts_of(obj.category_id)]
            if not ids:
                name = cats.get(obj.category_id).name
                w.statusBar().showMessage(f"Class {name!r} has no part classes", 6000)
                self.pending.insert(0, s)
                return
            used = {p.category_id for p in a.doc.parts_of(obj.id)}
            chosen = w.classes.current_class()
            if chosen not in ids:
                chosen = next((i for i in ids if i not in used), ids[0])
            w._apply_change(a.select(obj.id))
            w._edit(a.new_part, chosen)
        w._edit(a.add_mask, s.mask)
        self._draw()

    def reject(self) -> None:
        """Delete: drop the current suggestion."""
        if self.pending:
            self.pending.pop(0)
            self._draw()

    def clear(self) -> None:
        self.pending = []
        self._draw()

    def _draw(self) -> None:
        if not self.pending:
            self._current.setData([], [])
            self._others.setData([], [])
            self.shown.emit(0)
            return
        first, rest = self.pending[0], self.pending[1:]
        self._current.setData(first.xs, first.ys)
        if rest:
            self._others.setData(
                np.concatenate([s.xs for s in rest]), np.concatenate([s.ys for s in rest])
            )
        else:
            self._others.setData([], [])
        self.window.status_label.setText(
            f"{first.kind.capitalize()} suggestion 1 of {len(self.pending)} (score "
            f"{first.score:.2f}): Enter accepts, Delete rejects, Esc drops all"
        )
        self.shown.emit(len(self.pending))
