"""What clicks, strokes and keys do to one image's annotations, without any Qt.

The window forwards pointer events here and redraws what each call returns (a
:class:`~supercuts_app.session.redraw.Redraw`: a rectangle of pixels, or the colour tables only),
so the whole interaction (levels, Shift+click splitting, seed clicks, active object or part,
undo) is testable headless. :class:`~supercuts_app.session.session.AnnotationSession` adds the
class choices and suggestions on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from supercuts_app.annotation.cropped_mask import CroppedMask
from supercuts_app.annotation.document import Annotation, DocumentError, Edit
from supercuts_app.annotation.overlay import MaskOverlay
from supercuts_app.annotation.seeds import Seed
from supercuts_app.base.boxes import Slice2D
from supercuts_app.segmentation.hierarchy import MergeHierarchy
from supercuts_app.segmentation.region_index import RegionIndex
from supercuts_app.storage.project import ImageEditor

from .redraw import Redraw, redraw_of
from .seed_cuts import SeedCutResult, SeedRequest, compute_seed_cut, cut_change

if TYPE_CHECKING:  # the cutter is built by the window's worker and handed in
    from supercuts_app.segmentation.seeded_cut import SeedCut, SeedCutter

__all__ = ["Annotator", "SplitView", "compute_seed_cut", "cut_change"]


@dataclass(frozen=True)
class SplitView:
    """A Shift+clicked region shown as its finer regions: clicks inside use ``fine_level``."""

    level: int
    region: int
    fine_level: int


class Annotator:
    """Interaction state of the image being annotated.

    Parameters
    ----------
    editor : ImageEditor
        The image's editor (every change is saved and undoable).
    """

    def __init__(self, editor: ImageEditor) -> None:
        self.editor = editor
        self.doc = editor.doc
        self.overlay = MaskOverlay(self.doc)
        # Which annotations have no pixels (the panels grey them out); kept up to date after each
        # edit (an annotation knows it from its rectangle, without reading pixels).
        self.empty = {a.id for a in self.doc.annotations.values() if a.is_empty()}
        self.tree: MergeHierarchy | None = None
        self.level = 0
        self.active: int | None = None
        self.split: SplitView | None = None
        self.regions: RegionIndex | None = None
        self.cutter: SeedCutter | None = None
        self.pixel_borders = True
        # Per annotation, the seeds of its last seed click and the cut they applied: the next
        # click changes the mask by the difference to that cut (see :meth:`seed_click`).
        self._applied_cuts: dict[int, tuple[tuple[Seed, ...], SeedCut]] = {}

    # -- segmentation ---------------------------------------------------------------------------
    def set_tree(self, tree: MergeHierarchy | None, regions: RegionIndex | None = None) -> None:
        """Use a hierarchy for clicks (None: only the brush works).

        ``regions`` is its :class:`RegionIndex` when already built (the window builds it in its
        worker: it reads every pixel)."""
        self.tree, self.split = tree, None
        if tree is not None and regions is None:
            regions = RegionIndex.from_tree(tree)
        self.regions = regions
        if tree is not None:
            self.level = min(self.level, tree.n_levels - 1)

    def target_at(self, y: float, x: float) -> tuple[int, int] | None:
        """(level, region) a click at (y, x) acts on: the current level, or the finer level of a
        split view when the point is inside the split region."""
        if self.tree is None or not self._inside(y, x):
            return None
        yi, xi = int(y), int(x)
        if self.split is not None:
            if self.tree.region_at(self.split.level, yi, xi) == self.split.region:
                return self.split.fine_level, self.tree.region_at(self.split.fine_level, yi, xi)
        return self.level, self.tree.region_at(self.level, yi, xi)

    def region_window(self, level: int, region: int) -> Slice2D:
        """Bounding rectangle of a region (no pixel scan)."""
        return self.regions.window(level, region)

    def selection(self, level: int, region: int) -> np.ndarray:
        """(K,) bool: the superpixels of a region (for the hover lookup table)."""
        return self.tree.tables[level] == region

    def toggle_split(self, y: float, x: float) -> SplitView | None:
        """Shift+click: show the finer regions inside the clicked one, or leave that view."""
        if self.tree is None or not self._inside(y, x):
            return None
        if self.split is not None:
            self.split = None
            return None
        region = self.tree.region_at(self.level, int(y), int(x))
        fine = self.level - 1
        # The first finer level at which the region is more than one piece.
        while (
            fine >= 0
            and len(np.unique(self.tree.tables[fine][self.selection(self.level, region)])) < 2
        ):
            fine -= 1
        if fine < 0:
            return None
        self.split = SplitView(self.level, region, fine)
        return self.split

    # -- seeds ----------------------------------------------------------------------------------
    def set_cutter(self, cutter: SeedCutter | None) -> None:
        """Use ``cutter`` for seed clicks (None: they do nothing). Built in a worker: it reads
        every pixel."""
        self.cutter = cutter

    def set_pixel_borders(self, on: bool) -> None:
        """Seed cuts with pixel-precise borders (the default) or on atoms only; the next seed
        click of an annotation changes its mask by the difference between its seeds' cuts made
        this way."""
        self.pixel_borders = on
        self._applied_cuts.clear()

    def seeds_of_active(self) -> tuple[Seed, ...]:
        """The active annotation's seeds, in click order (none when nothing is active)."""
        ann = self.doc.annotations.get(self.active) if self.active is not None else None
        return () if ann is None else ann.seeds

    def seed_preview(self, y: float, x: float) -> np.ndarray | None:
        """(K,) bool over superpixels: what a positive seed at (y, x) would ask for (the hover
        lookup table, like :meth:`selection`); None without a cutter or outside the image."""
        if self.cutter is None or not self._inside(y, x):
            return None
        return self.cutter.preview(y, x, level=self.level)

    def seed_click(self, y: float, x: float, *, positive: bool) -> Redraw | None:
        """A positive (inside) or negative (outside) seed for the active object or part.

        The seeds' cut (each positive seed asking for its region at the level shown when it was
        placed; the new one at the current level) is computed with and without the new
        seed, and the mask changes only where the two differ: brush strokes and region clicks
        made on an earlier result stay. One undoable edit, which also takes the seed back. A
        part's cut stays inside its object. With nothing active or no cutter, returns None.

        The three steps are also public, so that the window cuts off its GUI thread:
        :meth:`seed_request` (what to cut), :func:`compute_seed_cut` (the cut, touching no
        state) and :meth:`apply_seed_cut` (the edit).
        """
        request = self.seed_request(y, x, positive=positive)
        return None if request is None else self.apply_seed_cut(compute_seed_cut(request))

    def seed_request(
        self,
        y: float,
        x: float,
        *,
        positive: bool,
        level: int | None = None,
        annotation: int | None = None,
    ) -> SeedRequest | None:
        """What a seed at (y, x) asks to cut, read from the current state.

        Parameters
        ----------
        y, x : float
            The click in image pixels.
        positive : bool
            Inside (True) or outside the annotation.
        level : int, optional
            The level shown when the seed was placed (default: the current one).
        annotation : int, optional
            The annotation the seed is for (default: the active one).

        Returns
        -------
        SeedRequest or None
            None with nothing active, no cutter, or a click outside the image; raises
            ``DocumentError`` for a part's positive seed outside its object.
        """
        ann_id = self.active if annotation is None else annotation
        if self.cutter is None or ann_id is None or not self._inside(y, x):
            return None
        ann = self.doc.get(ann_id)
        within = self._seed_limit(ann, y, x, positive)
        seed = Seed(float(y), float(x), positive, self.level if level is None else int(level))
        known = self._applied_cuts.get(ann.id)
        before = known[1] if known is not None and known[0] == ann.seeds else None
        return SeedRequest(
            ann.id, (*ann.seeds, seed), within, before, self.cutter, self.pixel_borders
        )

    def seed_request_is_current(self, request: SeedRequest) -> bool:
        """Whether ``request`` still describes the state (no seed of its annotation was added or
        undone, the cutter and the pixel-borders switch are the same) since it was made."""
        ann = self.doc.annotations.get(request.annotation)
        return (
            ann is not None
            and ann.seeds == request.seeds[:-1]
            and request.cutter is self.cutter
            and request.refine == self.pixel_borders
        )

    def apply_seed_cut(self, cut: SeedCutResult) -> Redraw | None:
        """The document edit of a computed seed cut (one undoable edit, saved); None when it
        changed nothing. Raises ``DocumentError`` when its request is no longer current (see
        :meth:`seed_request_is_current`): cut it again from a new request."""
        request = cut.request
        if not self.seed_request_is_current(request):
            raise DocumentError("the seeds changed while the seed cut was computed")
        window, gain, loss = cut.change
        edit = self.editor.apply_seed_cut(
            request.annotation, request.seeds, gain, loss, window=window
        )
        self._applied_cuts[request.annotation] = (request.seeds, cut.after)
        return self._changed(edit)

    def _seed_limit(
        self, ann: Annotation, y: float, x: float, positive: bool
    ) -> CroppedMask | None:
        """Where ``ann``'s cut may lie: a part's object (a positive seed must be inside it), as
        a copy of its crop (the cut may run while the object changes; no whole-image mask)."""
        if not ann.is_part:
            return None
        owner = self.doc.get(ann.parent_id).pixels
        yi, xi = int(y), int(x)
        if positive and not owner.any_in((slice(yi, yi + 1), slice(xi, xi + 1))):
            raise DocumentError("Seeds of a part go inside its object")
        return CroppedMask.from_tight(owner.shape, owner.crop.copy(order="F"), owner.box)

    # -- editing --------------------------------------------------------------------------------
    def click(self, y: float, x: float, *, remove: bool = False) -> Redraw | None:
        """Add (or with ``remove`` take away) the region under (y, x) to the active annotation.

        With nothing active, a left click needs a new object first (returns None)."""
        target = self.target_at(y, x)
        if target is None or self.active is None:
            return None
        window = self.region_window(*target)
        mask = self.regions.mask(*target, window)
        op = self.editor.remove if remove else self.editor.add
        return self._changed(op(self.active, mask, window))

    def stroke(
        self, points: Sequence[tuple[float, float]], radius: float, *, erase: bool = False
    ) -> Redraw | None:
        """Brush (or eraser) stroke through ``points`` given as (x, y)."""
        if self.active is None or not points:
            return None
        op = self.editor.erase if erase else self.editor.paint
        return self._changed(op(self.active, points, radius))

    def add_crop(self, crop: np.ndarray, box: Slice2D) -> Redraw | None:
        """Add the pixels of ``crop``, a bool mask of the rectangle ``box`` (an accepted
        proposal), to the active annotation."""
        if self.active is None or not crop.any():
            return None
        return self._changed(self.editor.add(self.active, crop, box))

    def new_object(self, category_id: int) -> int:
        self.active = self.editor.new_object(category_id)
        self.empty.add(self.active)
        return self.active

    def new_part(self, category_id: int) -> int:
        """A new part of the active object (or of the active part's object)."""
        if self.active is None:
            raise DocumentError("select an object first, then add a part to it")
        obj = self.doc.get(self.active)
        parent = obj.parent_id if obj.is_part else obj.id
        self.active = self.editor.new_part(parent, category_id)
        self.empty.add(self.active)
        return self.active

    def select(self, ann_id: int | None) -> Redraw:
        """Make ``ann_id`` the active annotation (drawn highlighted: a colour-table change)."""
        if ann_id is not None:
            self.doc.get(ann_id)
        self.active = ann_id
        self.overlay.set_highlight(ann_id)
        return Redraw.tables()

    def delete(self, ann_id: int) -> Redraw | None:
        redraw = self._changed(self.editor.delete(ann_id))
        if self.active not in self.doc.annotations:
            self.active = None
        return redraw

    def fill_holes(self) -> Redraw | None:
        return None if self.active is None else self._changed(self.editor.fill_holes(self.active))

    def relabel(self, ann_id: int, category_id: int) -> Redraw | None:
        return self._changed(self.editor.relabel(ann_id, category_id))

    def move_part(self, part_id: int, object_id: int) -> Redraw | None:
        return self._changed(self.editor.move_part(part_id, object_id))

    def reorder(self, ann_id: int, position: int) -> Redraw | None:
        return self._changed(self.editor.reorder(ann_id, position))

    def undo(self) -> Redraw | None:
        """Revert the last edit; undoing a new (still empty) object changes the tables only."""
        edit = self.editor.undo()
        # What was done, seen from the state it goes back to ("after" is now the old state).
        redraw = self._changed(None if edit is None else edit.inverse())
        if self.active not in self.doc.annotations:
            self.active = None
        return redraw

    def redo(self) -> Redraw | None:
        return self._changed(self.editor.redo())

    def set_hidden(self, ann_id: int, hidden: bool) -> Redraw:
        """Hide or show an annotation (an object with its parts): a table change unless the
        project allows overlap (then its own rectangle is redrawn)."""
        self.doc.get(ann_id)
        return redraw_of(self.overlay.set_hidden(ann_id, hidden))

    # -- helpers --------------------------------------------------------------------------------
    def _inside(self, y: float, x: float) -> bool:
        h, w = self.doc.shape
        return 0 <= y < h and 0 <= x < w

    def _changed(self, edit: Edit | None) -> Redraw | None:
        """Bring the overlay up to date after ``edit`` (done, undone or redone); what the
        canvas must redraw (None: nothing changed)."""
        if edit is None:
            return None
        self._track_empty(edit)
        return redraw_of(self.overlay.apply_edit(edit))

    def _track_empty(self, edit: Edit) -> None:
        for c in edit.changes:
            ann = self.doc.annotations.get(c.id)
            if ann is not None and ann.is_empty():
                self.empty.add(c.id)
            else:
                self.empty.discard(c.id)
