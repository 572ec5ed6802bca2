"""Checking a COCO run-length encoding before pycocotools decodes it.

pycocotools trusts its input: runs that add up to more pixels than the mask holds are written
past the end of the mask's buffer, fewer leave pixels uninitialised, and a compressed string cut
short is read past its end. Every RLE that comes from outside this process (a COCO file, a row
of a project file) goes through :func:`checked_rle` before it is decoded.
"""

from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils

MAX_MASK_PIXELS = 2**32 - 1
"""COCO RLE counts are 32-bit: no mask larger than this can be encoded."""

_DIGITS_PER_COUNT = 7
"""5 bits per character: 7 characters hold any count of a mask of :data:`MAX_MASK_PIXELS`."""


class RleError(ValueError):
    """An RLE that does not describe a mask of the given size; ``str()`` is one line."""


def checked_rle(counts: object, height: int, width: int) -> dict:
    """A COCO RLE of a ``height`` x ``width`` mask, checked, in the compressed form.

    Parameters
    ----------
    counts : str, bytes or list of int
        Compressed RLE text or uncompressed run lengths (background first, column-major).
    height, width : int
        The mask's size.

    Returns
    -------
    dict
        ``{"size": [height, width], "counts": bytes}``, safe to give to pycocotools.

    Raises
    ------
    RleError
        Runs that are negative or do not cover exactly ``height * width`` pixels, text that is
        not COCO's compressed RLE, or a size no RLE can hold.
    """
    pixels = height * width
    if height < 0 or width < 0 or pixels > MAX_MASK_PIXELS:
        raise RleError(f"a {width} x {height} mask cannot be run-length encoded")
    if isinstance(counts, str):
        try:
            counts = counts.encode("ascii")
        except UnicodeEncodeError:
            raise RleError("RLE text holds characters outside COCO's '0'..'o'") from None
    if isinstance(counts, bytes):
        if len(counts) > _DIGITS_PER_COUNT * (pixels + 1):  # more runs than pixels
            raise RleError(f"RLE text is too long for a {width} x {height} mask")
        runs = compressed_runs(counts)
        _check_total(runs, pixels)
        return {"size": [height, width], "counts": counts}
    if not isinstance(counts, list):
        raise RleError("RLE counts are neither text nor a list of run lengths")
    for run in counts:
        if type(run) is not int or not 0 <= run <= pixels:
            raise RleError(f"run length {str(run)[:20]} is not a whole number from 0 to {pixels}")
    _check_total(np.asarray(counts, np.int64), pixels)
    return mask_utils.frPyObjects({"size": [height, width], "counts": counts}, height, width)


def compressed_runs(counts: bytes) -> np.ndarray:
    """The run lengths of COCO's compressed RLE text (int64; as pycocotools' ``rleFrString``
    reads them, without its overflows)."""
    codes = np.frombuffer(counts, np.uint8).astype(np.int64) - 48
    if codes.size == 0:
        return codes
    if codes.min() < 0 or codes.max() > 63:
        raise RleError("RLE text holds characters outside COCO's '0'..'o'")
    last = (codes & 0x20) == 0  # a character without the continuation bit ends a number
    if not last[-1]:
        raise RleError("RLE text is cut short in the middle of a number")
    ends = np.flatnonzero(last)
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts + 1
    if lengths.max() > _DIGITS_PER_COUNT:
        raise RleError("RLE text holds a number longer than any run of a mask")
    shift = 5 * (np.arange(codes.size) - np.repeat(starts, lengths))
    values = np.add.reduceat((codes & 0x1F) << shift, starts)  # 5 bits per character
    negative = (codes[ends] & 0x10) != 0
    values[negative] -= np.int64(1) << (5 * lengths[negative])
    # From the fourth number on, each is stored as the difference to the one two before it.
    runs = values.copy()
    for first in (1, 2):
        runs[first::2] = np.cumsum(values[first::2])
    return runs


def compress_runs(runs: np.ndarray) -> bytes:
    """COCO's compressed RLE text of run lengths (the inverse of :func:`compressed_runs`, byte
    for byte what pycocotools' ``rleToString`` writes)."""
    runs = np.asarray(runs, np.int64)
    if runs.size == 0:
        return b""
    values = runs.copy()
    # pycocotools stores the fourth number on (index > 2) as the difference to two before.
    values[3:] -= runs[1:-2]
    # Characters per number: 5 bits each, the last one's top bit (0x10) being the sign.
    chars = np.ones(values.size, np.int64)
    for k in range(1, _DIGITS_PER_COUNT):
        limit = np.int64(1) << (5 * k - 1)
        chars += (values >= limit) | (values < -limit)
    owner = np.repeat(np.arange(values.size), chars)
    digit = np.arange(owner.size) - np.repeat(np.cumsum(chars) - chars, chars)
    codes = (values[owner] >> (5 * digit)) & 0x1F
    codes[digit < chars[owner] - 1] |= 0x20  # more characters of this number follow
    return (codes + 48).astype(np.uint8).tobytes()


def _check_total(runs: np.ndarray, pixels: int) -> None:
    if runs.size and runs.min() < 0:
        raise RleError("RLE has a negative run length")
    total = int(runs.sum()) if runs.size else 0
    if total != pixels:
        raise RleError(f"RLE runs cover {total} pixels, not the mask's {pixels}")
