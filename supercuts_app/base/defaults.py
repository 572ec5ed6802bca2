"""Defaults shared by several layers, each written once: superpixel count, the uint16 id limit,
the working-image size of the hierarchy's features and of the boundary network, the status-bar
timeout and layer order.

Plain numbers only (no Qt, no numpy), so every layer can import them.
"""

from __future__ import annotations

DEFAULT_SUPERPIXELS = 600
"""Superpixels asked for per image by the window, the CLI, batch precompute, evaluation and
training: about 600 on a BSDS500-sized image keeps every object border while a click still
selects a useful piece (the quality tables in docs/results.md are measured at this count)."""

UINT16_MAX = 65535
"""Largest value a uint16 array holds. Id maps (superpixels, regions, ranks) whose largest id is
at most this are stored as uint16 (half the memory and file size of int32); see
:func:`fits_uint16`."""

FEATURE_MAX_PIXELS = 250_000
"""Pixels of the working image on which the hierarchy's deep features and border cues are
computed. One value for both: the cue maps reuse the backbone's forward pass of the features,
which only holds when both ask for the same working image."""

BOUNDARY_MAX_PIXELS = 500_000
"""Pixels of the working image on which the boundary network runs: larger images are shrunk
(area-averaged) to it and the probability map is resized back to the image. The same budget as
the superpixels' working image, so both see the same pixels; at about 3 BSDS500 images it keeps
objects near the scales the network is trained at (BSDS500 crops scaled 0.5-1.5), bounds time
and memory on 12 MP photos, and a photo's texture detail finer than that is not a boundary a
click should follow anyway."""

STATUS_MESSAGE_MS = 6000
"""How long a status-bar message (a hint or a one-line error) stays shown, in milliseconds:
long enough to read a sentence, short enough not to hide the next one."""

# Drawing order of the canvas layers, bottom to top (the photo is at 0): borders under masks so a
# mask's colour is not cut by them, the hover tint over masks so the region under the cursor shows
# even inside an annotation, then the brush preview, the suggestion outlines (the current one above
# the others), the seed dots of the selected annotation and the brush cursor on top of everything.
Z_BOUNDARIES = 10
Z_MASKS = 20
Z_HOVER = 30
Z_BRUSH_PREVIEW = 35
Z_OTHER_SUGGESTIONS = 36
Z_CURRENT_SUGGESTION = 37
Z_SEEDS = 38
Z_BRUSH_CURSOR = 40


def fits_uint16(largest_id: int) -> bool:
    """Whether ids up to ``largest_id`` (non-negative) fit a uint16 array.

    Parameters
    ----------
    largest_id : int
        The largest id the array will hold (a count of ids ``n`` needs ``fits_uint16(n - 1)``).

    Returns
    -------
    bool
        True when ``largest_id <= UINT16_MAX``.
    """
    return int(largest_id) <= UINT16_MAX
