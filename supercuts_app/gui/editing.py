"""The window's side of the annotation session: N, P, undo, delete, relabel, hide and show.

Every operation is the session's (:class:`~supercuts_app.session.session.AnnotationSession`);
this controller only supplies what the panels say (the chosen class, a dialog's answer), draws
what the operation returns (pixels in a rectangle, or the colour tables only) and the selected
annotation's seed clicks, lists the objects again, and shows a refused operation's message in the
status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QStatusBar

from supercuts_app.annotation.document import DocumentError
from supercuts_app.base.defaults import STATUS_MESSAGE_MS
from supercuts_app.session.redraw import Redraw
from supercuts_app.session.session import AnnotationSession

from .canvas import ImageCanvas
from .panels import ClassPanel, ObjectPanel


class EditController(QObject):
    """Runs the shown image's session operations for the window's keys, menus and panels.

    Parameters
    ----------
    canvas : ImageCanvas
        Where the mask layer is drawn.
    objects, classes : ObjectPanel, ClassPanel
        The object tree (refilled after edits) and the class list (its selection is the class
        N, P and accepted proposals use).
    status : QStatusBar
        Where refusals and announcements are shown.
    """

    edited = Signal()  # the document changed (the image list may need new counts)
    suggestions_changed = Signal()  # proposals were accepted or rejected

    def __init__(
        self, canvas: ImageCanvas, objects: ObjectPanel, classes: ClassPanel, status: QStatusBar
    ) -> None:
        super().__init__(canvas)
        self.canvas, self.objects, self.classes, self.status = canvas, objects, classes, status
        self.session: AnnotationSession | None = None
        objects.selected.connect(self.select)
        objects.visibility_changed.connect(self.set_visible)
        objects.delete_requested.connect(self.delete)
        objects.relabel_requested.connect(self.relabel)
        objects.part_moved.connect(self.move_part)

    def set_session(self, session: AnnotationSession | None) -> None:
        self.session = session
        self.refresh_objects()
        self.show_seeds()

    # -- running operations -------------------------------------------------------------------
    def run(self, operation: Callable[..., Any], *args: Any) -> Any:
        """Run a session operation, draw what it changed and list the objects again; a refusal
        is shown in the status bar. Returns the operation's result (None when refused)."""
        if self.session is None:
            return None
        try:
            result = operation(*args)
        except DocumentError as exc:
            self.status.showMessage(str(exc), STATUS_MESSAGE_MS)
            return None
        self.show_change(result if isinstance(result, Redraw) else None)
        return result

    def show_change(self, redraw: Redraw | None) -> None:
        """Draw what an operation changed (None: nothing on the canvas) and refresh the panel."""
        if redraw is not None:
            self.canvas.update_masks(redraw.window)
        self.refresh_objects()
        self.show_seeds()
        self.edited.emit()

    def show_seeds(self) -> None:
        """Draw the seed clicks of the selected object or part (after any edit or selection:
        undo, redo and delete change them too)."""
        self.canvas.show_seeds(() if self.session is None else self.session.seeds_of_active())

    def refresh_objects(self) -> None:
        s = self.session
        if s is None:
            self.objects.show_document(None, {}, None, set())
            return
        self.objects.show_document(s.doc, s.overlay.colors(), s.active, s.overlay.hidden, s.empty)

    # -- keys -----------------------------------------------------------------------------------
    def new_object(self) -> None:
        """N: a new object of the chosen class (N again on a still-empty one: the next class)."""
        if self.session is not None:
            self._announce(self.run(self.session.start_object, self.classes.current_class()))

    def new_part(self) -> None:
        """P: a new part of the selected object (P again on a still-empty one: the next class)."""
        if self.session is not None:
            self._announce(self.run(self.session.start_part, self.classes.current_class()))

    def undo(self) -> None:
        if self.session is not None:
            self.run(self.session.undo)

    def redo(self) -> None:
        if self.session is not None:
            self.run(self.session.redo)

    def fill_holes(self) -> None:
        if self.session is not None:
            self.run(self.session.fill_holes)

    def delete_selected(self) -> None:
        """Delete: rejects the current proposal if one is shown, else deletes the selection."""
        if self.session is None:
            return
        had_suggestions = bool(self.session.suggestions)
        self.run(self.session.delete_selected)
        if had_suggestions:
            self.suggestions_changed.emit()

    # -- panel requests -----------------------------------------------------------------------
    def select(self, ann_id: int | None) -> None:
        if self.session is not None:
            self.canvas.update_masks(self.session.select(ann_id).window)
            self.show_seeds()

    def set_visible(self, ann_id: int, visible: bool) -> None:
        if self.session is not None:
            self.canvas.update_masks(self.session.set_hidden(ann_id, not visible).window)

    def delete(self, ann_id: int) -> None:
        if self.session is not None:
            self.run(self.session.delete, ann_id)

    def move_part(self, part_id: int, object_id: int) -> None:
        if self.session is not None:
            self.run(self.session.move_part, part_id, object_id)

    def relabel(self, ann_id: int) -> None:
        """Change class…: pick one of the classes the annotation may have."""
        s = self.session
        if s is None:
            return
        options = s.relabel_options(ann_id)
        names = [c.name for c in options]
        current = [c.id for c in options].index(s.doc.get(ann_id).category_id)
        name, ok = QInputDialog.getItem(
            self.objects, "Change class", "Class:", names, current, False
        )
        if ok:
            self.run(s.relabel, ann_id, options[names.index(name)].id)

    def _announce(self, redraw: Redraw | None) -> None:
        if redraw is not None and self.session is not None:
            self.status.showMessage(self.session.announcement(), STATUS_MESSAGE_MS)
