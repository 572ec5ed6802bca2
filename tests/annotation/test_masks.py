"""Run-length encoding of masks (COCO's compressed RLE)."""

from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils

from supercuts_app.annotation import masks as masks_module
from supercuts_app.annotation.cropped_mask import CroppedMask
from supercuts_app.annotation.masks import decode_cropped, decode_mask, encode_cropped, encode_mask
from supercuts_app.annotation.rle import compressed_runs


def test_encoding_reads_only_the_given_columns_and_equals_pycocotools(monkeypatch):
    rng = np.random.default_rng(0)
    for _ in range(500):
        h, w = (int(v) for v in rng.integers(1, 9, 2))
        mask = rng.random((h, w)) < rng.random()
        x0 = int(rng.integers(0, w + 1))
        x1 = int(rng.integers(x0, w + 1))
        mask[:, :x0] = mask[:, x1:] = False
        expected = mask_utils.encode(np.asfortranarray(mask).view(np.uint8))
        for m in (mask, np.asfortranarray(mask)):
            assert encode_mask(m) == expected
            assert encode_mask(m, slice(x0, x1)) == expected
        np.testing.assert_array_equal(decode_mask(encode_mask(mask, slice(x0, x1))), mask)
    # Masks of very many runs go to pycocotools' encoder, with the same result.
    monkeypatch.setattr(masks_module, "_MANY_RUNS", 3)
    stripes = np.zeros((6, 5), bool)
    stripes[::2, 1:4] = True
    expected = mask_utils.encode(np.asfortranarray(stripes).view(np.uint8))
    assert encode_mask(stripes, slice(1, 4)) == expected


def random_masks(rng: np.random.Generator, count: int):
    """Small masks of every kind: noise, empty, full, and rectangles reaching the image's top
    and bottom rows (runs that carry on into the next column)."""
    for _ in range(count):
        h, w = (int(v) for v in rng.integers(1, 9, 2))
        mask = rng.random((h, w)) < rng.random()
        if rng.random() < 0.4:
            mask[:] = False
            y0, x0 = int(rng.integers(0, h)), int(rng.integers(0, w))
            mask[y0 : y0 + int(rng.integers(1, h + 1)), x0 : x0 + int(rng.integers(1, w + 1))] = (
                True
            )
        yield mask


def test_cropped_masks_encode_and_decode_as_pycocotools_in_their_rectangle_only():
    rng = np.random.default_rng(1)
    for mask in random_masks(rng, 2000):
        expected = mask_utils.encode(np.asfortranarray(mask).view(np.uint8))
        cropped = CroppedMask.from_full(mask)
        assert encode_cropped(cropped) == {"size": list(mask.shape), "counts": expected["counts"]}
        decoded = decode_cropped(expected)
        np.testing.assert_array_equal(decoded.full(), mask)
        assert decoded.box == cropped.box and decoded.crop.flags.f_contiguous
        runs = compressed_runs(expected["counts"]).tolist()  # the same RLE, uncompressed
        np.testing.assert_array_equal(
            decode_cropped({"size": list(mask.shape), "counts": runs}).full(), mask
        )


def test_a_cropped_mask_of_a_large_image_decodes_into_its_rectangle():
    mask = np.zeros((3000, 4000), bool)
    mask[1000:1010, 2000:2030] = True
    decoded = decode_cropped(encode_mask(mask))
    assert decoded.box == (slice(1000, 1010), slice(2000, 2030))
    assert decoded.crop.shape == (10, 30) and decoded.crop.all()
