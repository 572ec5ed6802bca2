"""Defaults shared by several layers, each written once: superpixel count and density, the
superpixels' working image, the uint16 id limit, the working-image size of the hierarchy's
features and of the boundary network, the status-bar timeout and layer order.

Plain numbers only (no Qt, no numpy), so every layer can import them.
"""

from __future__ import annotations

DEFAULT_SUPERPIXELS = 600
"""Superpixels asked for per image by the window, the CLI, batch precompute, evaluation and
training: about 600 on a BSDS500-sized image keeps every object border while a click still
selects a useful piece (the quality tables in docs/results.md are measured at this count)."""

SUPERPIXEL_DENSITY = 170
"""Superpixels per megapixel suggested when the count follows the photo's size (the density
setting; off unless chosen): a 24 MP photo gets about 4,000 superpixels (some 6,000 pixels, a
77-pixel square, each: a shoe or a logo can be clicked out), a 12 MP one about 2,000."""

SUPERPIXEL_DENSITY_FLOOR = DEFAULT_SUPERPIXELS
"""Fewest superpixels the density setting gives: the fixed count, so images up to
``DEFAULT_SUPERPIXELS / density`` megapixels (3.5 MP at the suggested density) are segmented
exactly as with the fixed count."""

SUPERPIXEL_DENSITY_CAP = 8000
"""Most superpixels the density setting gives, however large the photo: it bounds the working
image (see ``WORKING_PIXELS_PER_SUPERPIXEL``), the time and the memory of a segmentation
(about 2 MP of working image and 15 s on two cores at 24 MP)."""

WORKING_PIXELS = 500_000
"""Fewest pixels of the working image on which superpixels are computed (larger images are
shrunk to it, and the labels refined back to full size along the photo's edges)."""

WORKING_PIXELS_PER_SUPERPIXEL = 256
"""Working-image pixels per superpixel once the count outgrows ``WORKING_PIXELS``: the working
image grows with the count so that each superpixel keeps about a 16-pixel square, the size SSN
is trained and measured at (600 superpixels on a 0.15 MP BSDS500 image). Up to 1,953
superpixels the working image stays at ``WORKING_PIXELS``."""

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
