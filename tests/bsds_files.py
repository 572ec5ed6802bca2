"""Small data sets in BSDS500's layout for tests (images and ``.mat`` human segmentations)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.io
from PIL import Image

from supercuts_app.segmentation.superpixels import label_boundaries


def write_bsds_split(
    data: Path, split: str, names: tuple[str, ...], image: np.ndarray, humans: list[np.ndarray]
) -> None:
    """Write ``image`` as ``data/images/<split>/<name>.jpg`` for each name, with ``humans``
    (label maps) as its ground truth in ``data/groundTruth/<split>/<name>.mat``."""
    for kind in ("images", "groundTruth"):
        (data / kind / split).mkdir(parents=True)
    for name in names:
        Image.fromarray(image).save(data / "images" / split / f"{name}.jpg", quality=98)
        cells = np.empty((1, len(humans)), dtype=object)
        for i, seg in enumerate(humans):
            cells[0, i] = {
                "Segmentation": seg.astype(np.uint16),
                "Boundaries": label_boundaries(seg).astype(np.uint8),
            }
        scipy.io.savemat(data / "groundTruth" / split / f"{name}.mat", {"groundTruth": cells})
