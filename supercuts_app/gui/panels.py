"""Side panels: the object/part tree, the class list and the image list.

Panels show state and emit what the user asked for; the main window applies it through the
annotator and refreshes them.
"""

from __future__ import annotations

from pathlib import PurePath

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
)

from supercuts_app.annotation.categories import RGB, CategorySet
from supercuts_app.annotation.document import ImageAnnotations
from supercuts_app.storage.project import Project
from supercuts_app.storage.store import ImageRecord

ID_ROLE = Qt.ItemDataRole.UserRole


def swatch(color: RGB, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(QColor(*color))
    return QIcon(pix)


class ObjectPanel(QTreeWidget):
    """Objects with their parts as children: select, hide, relabel, delete, drag a part to
    another object."""

    selected = Signal(object)  # annotation id or None
    visibility_changed = Signal(int, bool)  # id, visible
    delete_requested = Signal(int)
    relabel_requested = Signal(int)
    part_moved = Signal(int, int)  # part id, new object id

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(["Objects and parts", "#"])
        self.setColumnWidth(0, 190)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.itemSelectionChanged.connect(self._selection_changed)
        self.itemChanged.connect(self._item_changed)
        self._filling = False

    def show_document(
        self,
        doc: ImageAnnotations | None,
        colors: dict,
        active: int | None,
        hidden: set[int],
        empty: set[int] = frozenset(),
    ) -> None:
        """Rebuild the tree from ``doc`` (``colors``: id -> (rgb, is_part) as drawn; ``empty``:
        ids drawn greyed, having no pixels yet)."""
        self._filling = True
        self.clear()
        if doc is not None:
            cats = doc.categories
            for obj in reversed(doc.objects()):  # topmost first, as in layer lists
                item = self._item(obj, cats, colors, hidden, empty)
                self.addTopLevelItem(item)
                for part in doc.parts_of(obj.id):
                    item.addChild(self._item(part, cats, colors, hidden, empty))
                item.setExpanded(True)
            if active is not None:
                found = self._find(active)
                if found is not None:
                    self.setCurrentItem(found)
        self._filling = False

    def _item(
        self, ann, cats: CategorySet, colors: dict, hidden: set[int], empty: set[int]
    ) -> QTreeWidgetItem:
        name = cats.get(ann.category_id).name if ann.category_id in cats else "?"
        item = QTreeWidgetItem([name, str(ann.id)])
        item.setData(0, ID_ROLE, ann.id)
        item.setIcon(0, swatch(colors.get(ann.id, ((128, 128, 128), False))[0]))
        flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
        if ann.is_part:
            flags &= ~Qt.ItemFlag.ItemIsDropEnabled
        else:
            flags &= ~Qt.ItemFlag.ItemIsDragEnabled
        item.setFlags(flags)
        item.setCheckState(
            0, Qt.CheckState.Unchecked if ann.id in hidden else Qt.CheckState.Checked
        )
        if ann.id in empty:
            item.setForeground(0, QBrush(QColor("#888")))
        return item

    def _find(self, ann_id: int) -> QTreeWidgetItem | None:
        for i in range(self.topLevelItemCount()):
            top = self.topLevelItem(i)
            for item in (top, *(top.child(j) for j in range(top.childCount()))):
                if item.data(0, ID_ROLE) == ann_id:
                    return item
        return None

    def _selection_changed(self) -> None:
        if self._filling:
            return
        items = self.selectedItems()
        self.selected.emit(items[0].data(0, ID_ROLE) if items else None)

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if not self._filling and column == 0:
            visible = item.checkState(0) == Qt.CheckState.Checked
            self.visibility_changed.emit(item.data(0, ID_ROLE), visible)

    def _menu(self, pos) -> None:
        item = self.itemAt(pos)
        if item is None:
            return
        ann_id = item.data(0, ID_ROLE)
        menu = QMenu(self)
        menu.addAction("Change class…", lambda: self.relabel_requested.emit(ann_id))
        menu.addAction("Delete", lambda: self.delete_requested.emit(ann_id))
        menu.exec(self.viewport().mapToGlobal(pos))

    def dropEvent(self, event) -> None:
        # Only "part onto another object" is meaningful; the tree is rebuilt from the document.
        source = self.currentItem()
        target = self.itemAt(event.position().toPoint())
        event.ignore()
        if source is None or target is None or source.parent() is None:
            return
        obj_item = target if target.parent() is None else target.parent()
        part_id, obj_id = source.data(0, ID_ROLE), obj_item.data(0, ID_ROLE)
        if obj_id != source.parent().data(0, ID_ROLE):
            self.part_moved.emit(part_id, obj_id)


class ClassPanel(QTreeWidget):
    """Object classes with their part classes; the selection is the class N and P use."""

    add_requested = Signal(object)  # parent class id (None: an object class)
    rename_requested = Signal(int)
    remove_requested = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(["Classes"])
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)

    def show_classes(self, cats: CategorySet) -> None:
        keep = self.current_class()
        self.clear()
        for obj in cats.objects():
            item = QTreeWidgetItem([obj.name])
            item.setIcon(0, swatch(obj.color))
            item.setData(0, ID_ROLE, obj.id)
            self.addTopLevelItem(item)
            for part in cats.parts_of(obj.id):
                child = QTreeWidgetItem([part.name])
                child.setIcon(0, swatch(part.color))
                child.setData(0, ID_ROLE, part.id)
                item.addChild(child)
            item.setExpanded(True)
        self.select_class(keep)

    def current_class(self) -> int | None:
        item = self.currentItem()
        return None if item is None else item.data(0, ID_ROLE)

    def select_class(self, class_id: int | None) -> None:
        for i in range(self.topLevelItemCount()):
            top = self.topLevelItem(i)
            for item in (top, *(top.child(j) for j in range(top.childCount()))):
                if item.data(0, ID_ROLE) == class_id:
                    self.setCurrentItem(item)
                    return

    def _menu(self, pos) -> None:
        item = self.itemAt(pos)
        menu = QMenu(self)
        menu.addAction("Add object class…", lambda: self.add_requested.emit(None))
        if item is not None:
            cid = item.data(0, ID_ROLE)
            owner = cid if item.parent() is None else item.parent().data(0, ID_ROLE)
            menu.addAction("Add part class…", lambda: self.add_requested.emit(owner))
            menu.addAction("Rename…", lambda: self.rename_requested.emit(cid))
            menu.addAction("Remove", lambda: self.remove_requested.emit(cid))
        menu.exec(self.viewport().mapToGlobal(pos))


class ImagePanel(QListWidget):
    """The project's images with how many annotations each has; a click opens one."""

    image_chosen = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.listed_count = 0  # annotations of the current image when the list was filled
        self.itemActivated.connect(lambda item: self.image_chosen.emit(item.data(ID_ROLE)))
        self.itemClicked.connect(lambda item: self.image_chosen.emit(item.data(ID_ROLE)))

    def show_project(self, project: Project, current: int | None) -> str:
        """List the project's images with their annotation counts (see :meth:`show_images`)."""
        counts = project.store.annotation_counts()
        self.listed_count = counts.get(current, 0)
        return self.show_images(project.images(), counts, current)

    def show_images(
        self, records: list[ImageRecord], counts: dict[int, int], current: int | None
    ) -> str:
        """Fill the list; returns the 'done/total' summary (an image is done when annotated)."""
        self.blockSignals(True)
        self.clear()
        for r in records:
            n = counts.get(r.id, 0)
            # The file name reads best; the path as stored (relative to the project) in the tip.
            item = QListWidgetItem(f"{'✓' if n else '·'} {PurePath(r.path).name}  ({n})")
            item.setToolTip(str(r.path))
            item.setData(ID_ROLE, r.id)
            self.addItem(item)
            if r.id == current:
                self.setCurrentItem(item)
        self.blockSignals(False)
        done = sum(1 for r in records if counts.get(r.id, 0))
        return f"{done}/{len(records)} images annotated"


def ask_text(parent, title: str, label: str, text: str = "") -> str | None:
    value, ok = QInputDialog.getText(parent, title, label, text=text)
    return value.strip() if ok and value.strip() else None
