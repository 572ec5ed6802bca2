"""Objects and parts of one image, the operations that edit them, and undo/redo.

Every operation returns an :class:`Edit`, a command object holding, per touched annotation, its
metadata before and after and the changed rectangle of its mask before and after. Applying or
reverting an edit is therefore exact and cheap, the store persists exactly the touched
annotations, and the undo history is unlimited without keeping whole masks per step.

Each annotation holds its pixels as the crop of their tight rectangle
(:class:`~supercuts_app.annotation.cropped_mask.CroppedMask`), and every operation reads and
writes crops only: the document's memory is the sum of its annotations' rectangles, and an
operation costs the rectangles it touches, however large the image.

Rules kept by every operation:

- a part's mask is inside its object's mask (adding to a part grows its object; removing from an
  object removes from its parts);
- unless ``allow_overlap``, no pixel belongs to two objects, nor to two parts of one object
  (adding pixels to one takes them from the others).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
from scipy import ndimage

from supercuts_app.base.boxes import Slice2D, intersect_box, mask_bbox, shift_box

from .categories import CategorySet
from .cropped_mask import CroppedMask
from .edits import AnnotationChange, AnnotationMeta, Edit, EditRecorder, History
from .item import Annotation
from .masks import brush_crop, brush_mask
from .seeds import Seed

__all__ = [  # the edit commands and mask helpers are part of this module's interface too
    "Annotation",
    "AnnotationChange",
    "AnnotationMeta",
    "CroppedMask",
    "DocumentError",
    "Edit",
    "History",
    "ImageAnnotations",
    "Slice2D",
    "brush_crop",
    "brush_mask",
    "mask_bbox",
]


class DocumentError(ValueError):
    """An operation that the rules forbid; the message says which annotation and why."""


class ImageAnnotations:
    """All objects and parts of one image and the operations on them.

    Parameters
    ----------
    shape : tuple of int
        (H, W) of the image.
    categories : CategorySet
        The project's classes (objects must use object classes; parts a part class of their
        object's class).
    annotations : iterable of Annotation
        Existing annotations (their pixels cropped masks of an (H, W) image).
    new_id : callable
        Returns a fresh, project-unique annotation id.
    allow_overlap : bool
        Let objects (and parts of one object) share pixels.
    """

    def __init__(
        self,
        shape: tuple[int, int],
        categories: CategorySet,
        annotations: Iterable[Annotation] = (),
        *,
        new_id: Callable[[], int],
        allow_overlap: bool = False,
    ) -> None:
        self.shape = (int(shape[0]), int(shape[1]))
        self.categories = categories
        self.annotations: dict[int, Annotation] = {a.id: a for a in annotations}
        self.new_id = new_id
        self.allow_overlap = allow_overlap

    # -- queries ---------------------------------------------------------------------------
    def get(self, ann_id: int) -> Annotation:
        try:
            return self.annotations[ann_id]
        except KeyError:
            raise DocumentError(f"no annotation with id {ann_id} in this image") from None

    def objects(self) -> list[Annotation]:
        """Objects from bottom to top (drawing order)."""
        return sorted((a for a in self.annotations.values() if not a.is_part), key=_order)

    def parts_of(self, object_id: int) -> list[Annotation]:
        return sorted(
            (a for a in self.annotations.values() if a.parent_id == object_id), key=_order
        )

    # -- operations (each returns the applied Edit, or None when nothing changed) --------------
    def new_object(self, category_id: int) -> Edit:
        """An empty object of an object class, on top of the others."""
        if self.categories.get(category_id).is_part:
            raise DocumentError(f"{self.categories.get(category_id).name!r} is a part class")
        z = max((o.z for o in self.objects()), default=-1) + 1
        return self._create(Annotation(self.new_id(), category_id, self._empty(), None, z))

    def new_part(self, object_id: int, category_id: int) -> Edit:
        """An empty part of ``object_id``, of one of its class's part classes."""
        obj = self._object(object_id)
        self._check_part_class(obj, category_id)
        z = max((p.z for p in self.parts_of(object_id)), default=-1) + 1
        return self._create(Annotation(self.new_id(), category_id, self._empty(), object_id, z))

    def add(
        self,
        ann_id: int,
        mask: np.ndarray,
        name: str = "add region",
        *,
        window: Slice2D | None = None,
    ) -> Edit | None:
        """Add the pixels of ``mask`` (H, W) bool to an object or part.

        With ``window``, ``mask`` is only that rectangle's crop (the rest is False)."""
        ann = self.get(ann_id)
        mask, window = self._crop(mask, window)
        if window is None:
            return None
        rec = EditRecorder(self.annotations)
        gain = mask & ~ann.pixels.read(window)
        if not ann.is_part:
            self._grow_object(rec, ann, gain, window)
        else:
            owner = self.annotations[ann.parent_id]
            self._grow_object(rec, owner, gain & ~owner.pixels.read(window), window)
            rec.touch(ann.id, window)
            self._leave_siblings(rec, ann, gain, window)
            ann.pixels.add(window, gain)
        return rec.edit(name)

    def remove(
        self,
        ann_id: int,
        mask: np.ndarray,
        name: str = "remove region",
        *,
        window: Slice2D | None = None,
    ) -> Edit | None:
        """Remove the pixels of ``mask`` from an object (and its parts) or from a part.

        With ``window``, ``mask`` is only that rectangle's crop."""
        ann = self.get(ann_id)
        mask, window = self._crop(mask, window)
        if window is None:
            return None
        rec = EditRecorder(self.annotations)
        targets = [ann] if ann.is_part else [ann, *self.parts_of(ann.id)]
        for t in targets:
            _take_away(rec, t, mask, window)
        return rec.edit(name)

    def paint(
        self, ann_id: int, points: Sequence[tuple[float, float]], radius: float
    ) -> Edit | None:
        """Brush stroke through ``points`` (x, y) adding to an object or part."""
        crop, window = brush_crop(self.shape, points, radius)
        return self.add(ann_id, crop, name="paint", window=window)

    def erase(
        self, ann_id: int, points: Sequence[tuple[float, float]], radius: float
    ) -> Edit | None:
        """Eraser stroke removing from an object (and its parts) or a part."""
        crop, window = brush_crop(self.shape, points, radius)
        return self.remove(ann_id, crop, name="erase", window=window)

    def fill_holes(self, ann_id: int) -> Edit | None:
        """Add every hole (background enclosed by the mask) to an object or part."""
        ann = self.get(ann_id)
        if ann.is_empty():
            return None
        window, own = ann.pixels.box, ann.pixels.crop
        holes = ndimage.binary_fill_holes(own) & ~own
        return self.add(ann_id, holes, name="fill holes", window=window)

    def apply_seed_cut(
        self,
        ann_id: int,
        seeds: Sequence[Seed],
        gain: np.ndarray,
        loss: np.ndarray,
        *,
        window: Slice2D,
    ) -> Edit | None:
        """Give an object or part new seeds and the pixels their cut changed: one edit, "seed".

        Parameters
        ----------
        ann_id : int
            The object or part.
        seeds : sequence of Seed
            Its seeds from now on (undo brings back the ones it had).
        gain, loss : numpy.ndarray
            (h, w) bool crops at ``window``: pixels the new cut takes that the old one did not,
            and pixels it gives up (a pixel in both is gained). Pixels the cut did not change,
            brush strokes made on the result among them, stay as they are.
        window : tuple of slice
            Where the crops lie in the image.

        Returns
        -------
        Edit or None
            The applied edit (None: neither seeds nor pixels changed).

        Notes
        -----
        The rules hold as in :meth:`add` and :meth:`remove`: a part's gain grows its object and
        leaves its siblings, an object's gain leaves the other objects (unless overlap is
        allowed), and an object's loss leaves its parts too.
        """
        ann = self.get(ann_id)
        for crop in (gain, loss):
            self._check_fits(crop, window)
        gain, loss = np.asfortranarray(gain), np.asfortranarray(loss)  # as ``_crop`` does
        rec = EditRecorder(self.annotations)
        # Recorded over the whole window, not by the rectangles it really changes in (as
        # ``add`` records an object): its seeds change too, and it may gain and lose pixels.
        rec.touch(ann.id, window)
        ann.seeds = tuple(seeds)
        own = ann.pixels.read(window)
        lost = loss & ~gain & own
        gain = gain & ~own
        if ann.is_part:
            owner = self.annotations[ann.parent_id]
            self._grow_object(rec, owner, gain & ~owner.pixels.read(window), window)
            self._leave_siblings(rec, ann, gain, window)
        else:
            for part in self.parts_of(ann.id):
                _take_away(rec, part, lost, window)
            self._take_for(rec, ann, gain, window)
        ann.pixels.subtract(window, lost)
        ann.pixels.add(window, gain)
        return rec.edit("seed")

    def delete(self, ann_id: int) -> Edit:
        """Delete an object with its parts, or one part."""
        ann = self.get(ann_id)
        rec = EditRecorder(self.annotations)
        targets = [ann] if ann.is_part else [*self.parts_of(ann.id), ann]
        for t in targets:
            rec.touch(t.id, t.bounds())
        for t in targets:
            del self.annotations[t.id]
        return rec.edit("delete") or Edit("delete", ())

    def relabel(self, ann_id: int, category_id: int) -> Edit | None:
        """Change the class of an object or part.

        An object's parts move to the new class's part classes of the same name; a part class
        missing there is an error naming it.
        """
        ann = self.get(ann_id)
        rec = EditRecorder(self.annotations)
        if ann.is_part:
            self._check_part_class(self.annotations[ann.parent_id], category_id)
            rec.touch(ann.id, None)
            ann.category_id = category_id
            return rec.edit("relabel")
        if self.categories.get(category_id).is_part:
            raise DocumentError(f"{self.categories.get(category_id).name!r} is a part class")
        mapping = {}
        for part in self.parts_of(ann.id):
            name = self.categories.get(part.category_id).name
            match = self.categories.find(name, category_id)
            if match is None:
                new_name = self.categories.get(category_id).name
                raise DocumentError(
                    f"part {part.id} is a {name!r}; class {new_name!r} has no such part class"
                )
            mapping[part.id] = match.id
        rec.touch(ann.id, None)
        ann.category_id = category_id
        for pid, cid in mapping.items():
            rec.touch(pid, None)
            self.annotations[pid].category_id = cid
        return rec.edit("relabel")

    def reorder(self, ann_id: int, position: int) -> Edit | None:
        """Move an object among objects (or a part among its siblings) to ``position``
        (0 = bottom)."""
        ann = self.get(ann_id)
        group = self.parts_of(ann.parent_id) if ann.is_part else self.objects()
        group.remove(ann)
        group.insert(max(0, min(position, len(group))), ann)
        rec = EditRecorder(self.annotations)
        for z, a in enumerate(group):
            rec.touch(a.id, None)
            a.z = z
        return rec.edit("reorder")

    def move_part(self, part_id: int, object_id: int) -> Edit | None:
        """Make a part belong to another object; the object grows to hold the part's pixels."""
        part = self.get(part_id)
        if not part.is_part:
            raise DocumentError(f"annotation {part_id} is an object, not a part")
        target = self._object(object_id)
        if target.id == part.parent_id:
            return None
        name = self.categories.get(part.category_id).name
        match = self.categories.find(name, target.category_id)
        if match is None:
            cls = self.categories.get(target.category_id).name
            raise DocumentError(f"class {cls!r} has no part class {name!r} for part {part_id}")
        rec = EditRecorder(self.annotations)
        window = None if part.is_empty() else part.bounds()
        rec.touch(part.id, window)
        part.parent_id, part.category_id = target.id, match.id
        part.z = max((p.z for p in self.parts_of(target.id) if p.id != part.id), default=-1) + 1
        if window is not None:
            pixels = part.pixels.crop
            # Out of the document while its new object takes it in, so that it is not taken
            # from itself; put back whole afterwards.
            part.pixels = CroppedMask(self.shape)
            self._grow_object(rec, target, pixels & ~target.pixels.read(window), window)
            if not self.allow_overlap:
                for sibling in self.parts_of(target.id):
                    if sibling.id != part.id:
                        _take_away(rec, sibling, pixels, window)
            part.pixels = CroppedMask.from_tight(self.shape, pixels, window)
        return rec.edit("move part")

    # -- applying recorded edits (undo / redo / replay) ----------------------------------------
    def apply(self, edit: Edit) -> None:
        """Bring every annotation the edit touches to its ``after`` state."""
        for change in edit.changes:
            if change.after is None:
                self.annotations.pop(change.id, None)
                continue
            ann = self.annotations.get(change.id)
            if ann is None:
                ann = Annotation(change.id, change.after.category_id, self._empty())
                self.annotations[change.id] = ann
            after = change.after
            ann.category_id, ann.parent_id, ann.z = after.category_id, after.parent_id, after.z
            ann.seeds = after.seeds
            box = change.box
            if box is not None:
                ann.pixels.write(box, change.mask_after)

    def revert(self, edit: Edit) -> None:
        """Bring every annotation the edit touches back to its ``before`` state."""
        self.apply(edit.inverse())

    # -- helpers ------------------------------------------------------------------------------
    def _empty(self) -> CroppedMask:
        return CroppedMask(self.shape)

    def _create(self, ann: Annotation) -> Edit:
        self.annotations[ann.id] = ann
        return Edit("new", (AnnotationChange(ann.id, None, ann.meta),))

    def _object(self, object_id: int) -> Annotation:
        obj = self.get(object_id)
        if obj.is_part:
            raise DocumentError(f"annotation {object_id} is a part, not an object")
        return obj

    def _check_part_class(self, obj: Annotation, category_id: int) -> None:
        cat = self.categories.get(category_id)
        if cat.parent_id != obj.category_id:
            owner = self.categories.get(obj.category_id).name
            raise DocumentError(f"{cat.name!r} is not a part class of {owner!r}")

    def _crop(self, mask: np.ndarray, window: Slice2D | None) -> tuple[np.ndarray, Slice2D | None]:
        """The tightest crop of a full mask, or of a ``window`` crop, and where it lies; the crop
        column-major, as the masks are (mixing orders slows every operation several times)."""
        if window is None:
            if mask.shape != self.shape:
                raise DocumentError(f"mask of shape {mask.shape} on an image of shape {self.shape}")
            window = (slice(0, self.shape[0]), slice(0, self.shape[1]))
        self._check_fits(mask, window)
        box = mask_bbox(mask)
        if box is None:
            return mask, None
        return np.asfortranarray(mask[box]), shift_box(box, window[0].start, window[1].start)

    def _check_fits(self, crop: np.ndarray, window: Slice2D) -> None:
        """Refuse a crop that is not the size of ``window``, or a window not in the image."""
        ys, xs = window
        inside = 0 <= ys.start <= ys.stop <= self.shape[0] and 0 <= xs.start <= xs.stop
        inside = inside and xs.stop <= self.shape[1]
        if not inside or crop.shape != (ys.stop - ys.start, xs.stop - xs.start):
            raise DocumentError(f"mask of shape {crop.shape} does not fit the window {window}")

    def _grow_object(
        self, rec: EditRecorder, obj: Annotation, gain: np.ndarray, window: Slice2D
    ) -> None:
        """Add ``gain`` (a crop at ``window``, none of it in ``obj`` yet) to ``obj``, taking it
        from other objects."""
        box = mask_bbox(gain)
        if box is None:
            return
        self._take_for(rec, obj, gain, window)
        where = shift_box(box, window[0].start, window[1].start)
        rec.replace(obj, where, obj.pixels.read(where) | gain[box])

    def _take_for(
        self, rec: EditRecorder, obj: Annotation, gain: np.ndarray, window: Slice2D
    ) -> None:
        """Take ``gain`` (a crop at ``window``) from every other object and its parts, unless
        overlap is allowed."""
        if not self.allow_overlap:
            for other in self.annotations.values():
                if other.id != obj.id and other.parent_id != obj.id:
                    _take_away(rec, other, gain, window)

    def _leave_siblings(
        self, rec: EditRecorder, part: Annotation, gain: np.ndarray, window: Slice2D
    ) -> None:
        """Take ``gain`` (a crop at ``window``) from the other parts of ``part``'s object,
        unless overlap is allowed."""
        if not self.allow_overlap:
            for sibling in self.parts_of(part.parent_id):
                if sibling.id != part.id:
                    _take_away(rec, sibling, gain, window)


def _take_away(rec: EditRecorder, ann: Annotation, pixels: np.ndarray, window: Slice2D) -> None:
    """Remove ``pixels`` (a crop at ``window``) from ``ann``, reading only where it may have
    pixels; undo keeps only the rectangle it loses."""
    where = intersect_box(window, ann.bounds())
    if where is None:
        return
    hit = ann.pixels.read(where) & pixels[shift_box(where, -window[0].start, -window[1].start)]
    box = mask_bbox(hit)
    if box is None:
        return
    lost = shift_box(box, where[0].start, where[1].start)
    # ``hit`` is in the mask: flipping clears it.
    rec.replace(ann, lost, ann.pixels.read(lost) ^ hit[box])


def _order(a: Annotation) -> tuple[int, int]:
    return (a.z, a.id)
