"""Writing small data sets in CCP's layout for tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.io
from PIL import Image


def write_ccp(root: Path, image: np.ndarray, stems: Sequence[str]) -> Path:
    """``root`` as a CCP folder of ``image`` under each of ``stems``, the person its right half
    with hair above skin; returns ``root``."""
    (root / "photos").mkdir(parents=True)
    (root / "pixel-level").mkdir()
    names = np.empty((1, 3), dtype=object)
    names[0, :] = ["null", "hair", "skin"]
    scipy.io.savemat(root / "label_list.mat", {"label_list": names})
    h, w = image.shape[:2]
    labels = np.zeros((h, w), np.uint8)
    labels[: h // 2, w // 2 :] = 1
    labels[h // 2 :, w // 2 :] = 2
    for stem in stems:
        scipy.io.savemat(root / "pixel-level" / f"{stem}.mat", {"groundtruth": labels})
        Image.fromarray(image).save(root / "photos" / f"{stem}.jpg", quality=98)
    return root
