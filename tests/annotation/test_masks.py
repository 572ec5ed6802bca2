"""Run-length encoding of masks (COCO's compressed RLE)."""

from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils

from supercuts_app.annotation import masks as masks_module
from supercuts_app.annotation.masks import decode_mask, encode_mask


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
