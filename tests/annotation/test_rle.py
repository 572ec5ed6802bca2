"""Checking COCO RLE before pycocotools decodes it: every valid one passes unchanged, every run
set that is not exactly the mask is refused."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from supercuts_app.annotation.rle import RleError, checked_rle, compress_runs, compressed_runs


def column_runs(mask: np.ndarray) -> list[int]:
    """Run lengths of a mask, column-major, background first (a 0 run when it starts set)."""
    flat = mask.ravel(order="F").astype(np.int8)
    changes = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate(([0], changes, [flat.size]))
    runs = np.diff(bounds).tolist()
    return [0, *runs] if flat[0] else runs


def test_compressed_text_is_read_as_pycocotools_writes_it():
    rng = np.random.default_rng(1)
    for n in range(400):
        h, w = (int(v) for v in rng.integers(1, 30, 2))
        mask = rng.random((h, w)) < (0.0 if n % 7 == 0 else 1.0 if n % 11 == 0 else rng.random())
        counts = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))["counts"]
        assert compressed_runs(counts).tolist() == column_runs(mask)
        assert compress_runs(np.array(column_runs(mask))) == counts  # and written back alike
        for given in (counts, counts.decode(), column_runs(mask)):
            np.testing.assert_array_equal(mask_utils.decode(checked_rle(given, h, w)), mask)


def test_long_runs_use_several_characters():
    mask = np.zeros((3000, 4000), np.uint8)
    mask[100:2000, 5:3999] = 1
    counts = mask_utils.encode(np.asfortranarray(mask))["counts"]
    assert compressed_runs(counts).tolist() == column_runs(mask.astype(bool))
    assert compress_runs(compressed_runs(counts)) == counts
    # Differences of either sign and up to 32-bit runs, as pycocotools writes them.
    runs = [0, 2**31, 5, 2**30, 7, 2**20, 3]
    expected = mask_utils.frPyObjects({"counts": runs, "size": [1, sum(runs)]}, 1, sum(runs))
    assert compress_runs(np.array(runs)) == expected["counts"]


@pytest.mark.parametrize(
    "counts, message",
    [
        ([58, -10], "whole number from 0 to 48"),
        ([2**40, 48 - 2**40], "whole number"),
        ([10, 10], "cover 20 pixels"),
        ([True, 47], "whole number"),
        ([47.0, 1], "whole number"),
        ({"a": 1}, "neither text nor"),
        (b"", "cover 0 pixels"),
        (b"zzzz", "outside COCO's"),
        ("é", "outside COCO's"),
        (b"\x00\x01", "outside COCO's"),
        (b"PPPP", "cut short"),
        (b"1", "cover 1 pixels"),
        (b"0" + b"o" * 7 + b"0", "longer than any run"),
        (mask_utils.encode(np.ones((12, 8), np.uint8, order="F"))["counts"], "cover 96"),
        (b"0" * 400, "too long"),
    ],
)
def test_runs_that_are_not_the_mask_are_refused(counts, message):
    with pytest.raises(RleError, match=message):
        checked_rle(counts, 6, 8)


def test_a_mask_larger_than_32_bit_counts_is_refused():
    with pytest.raises(RleError, match="cannot be run-length encoded"):
        checked_rle([2**33], 2**17, 2**16)
