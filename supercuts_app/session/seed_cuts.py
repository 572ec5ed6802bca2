"""A seed click in three steps, so that the window can cut off its GUI thread: the request (what
to cut, read from the session's state), the cut (:func:`compute_seed_cut`, which touches nothing
else) and the document edit of the difference between the cuts without and with the new seed
(:func:`cut_change`, found with the cut and applied by
:meth:`~supercuts_app.session.annotator.Annotator.apply_seed_cut`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from supercuts_app.annotation.cropped_mask import CroppedMask
from supercuts_app.annotation.seeds import Seed
from supercuts_app.base.boxes import NOWHERE, Slice2D, mask_bbox, shift_box, union_box

if TYPE_CHECKING:  # the cutter is built by the window's worker and handed in
    from supercuts_app.segmentation.seeded_cut import SeedCut, SeedCutter


@dataclass(frozen=True)
class SeedRequest:
    """What one seed click asks to cut (see :meth:`Annotator.seed_request`): everything the cut
    reads, so that :func:`compute_seed_cut` may run on another thread.

    Attributes
    ----------
    annotation : int
        The object or part the seed is for.
    seeds : tuple of Seed
        Its seeds, the new one last.
    within : CroppedMask or None
        Where its cut must stay (a copy of a part's object's pixels).
    before : SeedCut or None
        The cut its earlier seeds applied, when known (after an undo or reopening, it is
        computed again).
    cutter : SeedCutter
        The image's cutter.
    refine : bool
        Pixel-precise borders.
    """

    annotation: int
    seeds: tuple[Seed, ...]
    within: CroppedMask | None
    before: SeedCut | None
    cutter: SeedCutter
    refine: bool


@dataclass(frozen=True)
class SeedCutResult:
    """A computed :class:`SeedRequest`: the cuts of the seeds without and with the new one, and
    the change between them (:func:`cut_change`: window, gain, loss), found on the worker too so
    that the GUI thread only applies it."""

    request: SeedRequest
    before: SeedCut
    after: SeedCut
    change: tuple[Slice2D, np.ndarray, np.ndarray]


def compute_seed_cut(request: SeedRequest) -> SeedCutResult:
    """The cuts a seed click applies the difference of; reads only ``request`` (safe to run on
    a worker thread while the document changes)."""

    def cut(seeds: Sequence[Seed]) -> SeedCut:
        return request.cutter.cut(seeds, within=request.within, refine=request.refine)

    before = request.before if request.before is not None else cut(request.seeds[:-1])
    after = cut(request.seeds)
    return SeedCutResult(request, before, after, cut_change(before, after))


def cut_change(before: SeedCut, after: SeedCut) -> tuple[Slice2D, np.ndarray, np.ndarray]:
    """Where and how a mask changes from cut ``before`` to cut ``after``.

    Parameters
    ----------
    before, after : SeedCut
        Two cuts of one image.

    Returns
    -------
    tuple
        (window, gain, loss): the smallest rectangle holding every changed pixel (empty when
        none is) and (h, w) bool crops there of the pixels only ``after`` has and of those only
        ``before`` has (column-major, as the document's masks).
    """
    nowhere = NOWHERE, np.zeros((0, 0), bool), np.zeros((0, 0), bool)
    cuts = [c for c in (before, after) if c.mask.size]
    if not cuts:
        return nowhere
    window = cuts[0].window if len(cuts) == 1 else union_box(before.window, after.window)
    old, new = (_placed(c, window) for c in (before, after))
    # Only where the cuts differ: a seed that moves a small piece of a large mask costs the
    # document (and undo memory) that piece, not the whole mask's rectangle.
    box = mask_bbox(old != new)
    if box is None:
        return nowhere
    old, new = old[box], new[box]
    # Column-major, as the document keeps its masks: mixing orders there costs ten times more
    # per operation (85 ms against 7 for a 12 MP window), and this runs on the worker.
    gain, loss = np.asfortranarray(new & ~old), np.asfortranarray(old & ~new)
    return shift_box(box, window[0].start, window[1].start), gain, loss


def _placed(cut: SeedCut, window: Slice2D) -> np.ndarray:
    """``cut``'s mask as a crop at ``window`` (which holds it): the mask itself (not to be
    written to) when it lies there already."""
    if cut.window == window:
        return cut.mask
    out = np.zeros((window[0].stop - window[0].start, window[1].stop - window[1].start), bool)
    if cut.mask.size:
        y, x = cut.window[0].start - window[0].start, cut.window[1].start - window[1].start
        out[y : y + cut.mask.shape[0], x : x + cut.mask.shape[1]] = cut.mask
    return out
