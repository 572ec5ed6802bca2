"""Class actions of the window: add, rename and remove classes, load a class schema.

The project's classes change at once (saved in the project file); the class list and the object
tree are shown again afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from supercuts_app.annotation.categories import CategoryError, load_schema
from supercuts_app.annotation.document import DocumentError
from supercuts_app.base.defaults import STATUS_MESSAGE_MS
from supercuts_app.storage.store import ProjectFileError

from .panels import ask_text


class ClassActions:
    """What the class panel's menu and File > Load classes do to the window's project."""

    def __init__(self, window) -> None:
        self.window = window
        window.classes.add_requested.connect(self.add_class)
        window.classes.rename_requested.connect(self.rename_class)
        window.classes.remove_requested.connect(self.remove_class)

    def ask_load_classes(self) -> None:
        """Add the classes of a schema file that the project does not have yet."""
        window = self.window
        if window.project is None:
            return
        path, _ = QFileDialog.getOpenFileName(
            window,
            "Load classes",
            str(window.settings.value("last_folder", str(Path.home()))),
            "Class schema (*.yaml *.yml *.json)",
        )
        if not path:
            return
        project = window.project
        try:
            schema = load_schema(path)
            for obj in schema.objects():
                found = project.categories.find(obj.name)
                owner = found.id if found else project.add_category(obj.name, color=obj.color)
                for part in schema.parts_of(obj.id):
                    if project.categories.find(part.name, owner) is None:
                        project.add_category(part.name, parent_id=owner, color=part.color)
        except (CategoryError, ProjectFileError) as exc:
            QMessageBox.warning(window, "SuperCuts", str(exc))
        window.classes.show_classes(project.categories)

    def add_class(self, owner: int | None) -> None:
        """A new object class (``owner`` None) or part class of ``owner``, named in a dialog."""
        project = self.window.project
        if project is None:
            return
        kind = "part class" if owner is not None else "object class"
        name = ask_text(self.window, f"New {kind}", "Name:")
        if name:
            self._change(lambda: project.add_category(name, parent_id=owner))

    def rename_class(self, class_id: int) -> None:
        project = self.window.project
        if project is None:
            return
        current = project.categories.get(class_id).name
        name = ask_text(self.window, "Rename class", "Name:", current)
        if name:
            self._change(lambda: project.rename_category(class_id, name))

    def remove_class(self, class_id: int) -> None:
        """Remove an unused class (a used one is refused with a message)."""
        project = self.window.project
        if project is not None:
            self._change(lambda: project.remove_category(class_id))

    def _change(self, change: Callable[[], object]) -> None:
        window = self.window
        try:
            change()
        except (CategoryError, DocumentError) as exc:
            window.statusBar().showMessage(str(exc), STATUS_MESSAGE_MS)
        window.classes.show_classes(window.project.categories)
        window.editing.refresh_objects()
