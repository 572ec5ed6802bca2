"""Menus, keyboard shortcuts and the Help > Shortcuts dialog, from one table.

:data:`SHORTCUTS` is the single list the menus are built from and the help dialog shows, so the
dialog can never miss a key.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMainWindow, QTableWidget, QTableWidgetItem, QVBoxLayout

from supercuts_app.adapt.project import OFFER_EVERY_IMAGES


@dataclass(frozen=True)
class Shortcut:
    """One action: its menu, name, key and the window method it calls (a dotted path reaches a
    method of one of the window's parts, e.g. ``canvas.fit``); a ``checkable`` one is a switch
    (shown checked while on)."""

    menu: str
    name: str
    key: str
    slot: str
    checkable: bool = False


SHORTCUTS = (
    Shortcut("&File", "Open image…", "Ctrl+O", "files.ask_open_image"),
    Shortcut("&File", "Open folder…", "Ctrl+Shift+O", "files.ask_open_folder"),
    Shortcut("&File", "Save", "Ctrl+S", "save"),
    Shortcut("&File", "Export COCO…", "Ctrl+E", "files.ask_export_coco"),
    Shortcut("&File", "Export masks…", "", "files.ask_export_masks"),
    Shortcut("&File", "Import COCO…", "", "files.ask_import_coco"),
    Shortcut("&File", "Load classes from file…", "", "class_actions.ask_load_classes"),
    Shortcut("&File", "Next image", "D", "next_image"),
    Shortcut("&File", "Previous image", "A", "previous_image"),
    Shortcut("&File", "Quit", "Ctrl+Q", "close"),
    Shortcut("&Edit", "Undo", "Ctrl+Z", "editing.undo"),
    Shortcut("&Edit", "Redo", "Ctrl+Shift+Z", "editing.redo"),
    Shortcut("&Edit", "New object", "N", "editing.new_object"),
    Shortcut("&Edit", "New part of the selected object", "P", "editing.new_part"),
    Shortcut(
        "&Edit", "Delete selected (or reject the suggestion)", "Delete", "editing.delete_selected"
    ),
    Shortcut("&Edit", "Fill holes of selected", "Ctrl+F", "editing.fill_holes"),
    Shortcut("&Tools", "Click regions (drops suggestions)", "Esc", "tool_click"),
    Shortcut("&Tools", "Seed clicks (again: regions)", "S", "tools.toggle_seeds", checkable=True),
    Shortcut(
        "&Tools", "Pixel-precise seed borders", "", "tools.toggle_pixel_borders", checkable=True
    ),
    Shortcut("&Tools", "Brush", "B", "tools.use_brush"),
    Shortcut("&Tools", "Eraser", "E", "tools.use_eraser"),
    Shortcut("&Tools", "Bigger brush", "+", "tools.bigger_brush"),
    Shortcut("&Tools", "Smaller brush", "-", "tools.smaller_brush"),
    Shortcut("&Tools", "Propose objects", "Ctrl+P", "suggestions.propose_objects"),
    Shortcut(
        "&Tools", "Propose parts of selected object", "Ctrl+Shift+P", "suggestions.propose_parts"
    ),
    Shortcut("&Tools", "Accept suggestion", "Return", "suggestions.accept"),
    Shortcut("&Tools", "Segmentation settings…", "", "ask_segmentation_settings"),
    Shortcut("&Tools", "Adapt levels to this project", "", "adapt.start"),
    Shortcut("&Tools", "Use the shipped levels", "", "adapt.revert"),
    Shortcut(
        "&Tools",
        f"Offer to adapt every {OFFER_EVERY_IMAGES} annotated images",
        "",
        "adapt.toggle_offer",
        checkable=True,
    ),
    Shortcut("&View", "Show boundaries", "Tab", "canvas.toggle_boundaries"),
    Shortcut("&View", "Fit image", "F", "canvas.fit"),
    Shortcut("&View", "Finer level", "[", "levels.finer"),
    Shortcut("&View", "Coarser level", "]", "levels.coarser"),
    Shortcut("&Help", "Shortcuts…", "F1", "shortcuts_dialog.open"),
    Shortcut("&Help", "About SuperCuts…", "", "about_dialog.open"),
)

MOUSE_HELP = (
    ("Left click", "add the region under the cursor to the selected object or part"),
    ("Right click", "remove that region from it"),
    ("Shift+click", "show the finer regions inside a region (again to leave)"),
    ("Left click (seed clicks)", "a seed inside the selected object or part (green dot)"),
    ("Right click (seed clicks)", "a seed outside it (red dot); Ctrl+Z takes a seed back"),
    ("Left / right drag", "paint / erase with the brush or eraser"),
    ("Mouse wheel", "zoom at the cursor"),
    ("Middle drag, Space+drag", "pan"),
)


def build_actions(window: QMainWindow) -> dict[str, QAction]:
    """Create every action of :data:`SHORTCUTS` in the window's menus; returns them by slot."""
    menus = {}
    actions: dict[str, QAction] = {}
    for sc in SHORTCUTS:
        if sc.menu not in menus:
            menus[sc.menu] = window.menuBar().addMenu(sc.menu)
        action = QAction(sc.name, window)
        action.setCheckable(sc.checkable)
        if sc.key:
            action.setShortcut(QKeySequence(sc.key))
        slot: Callable = functools.reduce(getattr, sc.slot.split("."), window)
        action.triggered.connect(lambda _=False, slot=slot: slot())
        menus[sc.menu].addAction(action)
        window.addAction(action)
        actions[sc.slot] = action
    return actions


class ShortcutsDialog(QDialog):
    """Every key and mouse gesture, read from :data:`SHORTCUTS`."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("SuperCuts shortcuts")
        rows = [(sc.key, sc.name) for sc in SHORTCUTS if sc.key] + list(MOUSE_HELP)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Key", "Action"])
        for i, (key, name) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(key))
            self.table.setItem(i, 1, QTableWidgetItem(name))
        self.table.resizeColumnsToContents()
        self.table.verticalHeader().setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.resize(520, 640)
