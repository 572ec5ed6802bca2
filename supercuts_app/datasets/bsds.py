"""Reading the Berkeley Segmentation Data Set 500 (images and human segmentations).

``ROOT`` may be the folder holding ``BSDS500/data`` or any folder below it down to ``data``. A
split is any folder present under both ``images`` and ``groundTruth`` (BSDS500 has ``train``,
``val`` and ``test``; SuperCuts makes its own choices on ``val`` only).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.io


class DatasetError(ValueError):
    """A dataset folder that is missing or not laid out as expected."""


@dataclass
class HumanSegmentation:
    """One person's annotation: an integer label map and its boundary map."""

    segmentation: np.ndarray
    boundaries: np.ndarray


@dataclass
class BSDSItem:
    """An image of the data set and its human segmentations."""

    image_path: Path
    truth_path: Path

    @property
    def name(self) -> str:
        return self.image_path.stem

    def humans(self) -> list[HumanSegmentation]:
        """All human segmentations of this image (about five)."""
        return load_ground_truth(self.truth_path)


def find_data_dir(root: str | Path) -> Path:
    """Locate the ``data`` folder (holding ``images`` and ``groundTruth``) under ``root``."""
    root = Path(root)
    for candidate in (
        root,
        root / "data",
        root / "BSDS500" / "data",
        root / "BSDS500/BSDS500/data",
    ):
        if (candidate / "images").is_dir() and (candidate / "groundTruth").is_dir():
            return candidate
    raise DatasetError(
        f"{root}: no BSDS500 layout found (expected .../data/images and groundTruth)"
    )


def available_splits(root: str | Path) -> list[str]:
    """Names of the splits under ``root``: folders present in both ``images`` and
    ``groundTruth``, sorted.

    Raises
    ------
    DatasetError
        When ``root`` holds no BSDS500 layout.
    """
    data = find_data_dir(root)
    truths = data / "groundTruth"
    return sorted(
        folder.name
        for folder in (data / "images").iterdir()
        if folder.is_dir() and (truths / folder.name).is_dir()
    )


def iter_split(
    root: str | Path, split: str = "val", *, limit: int | None = None
) -> Iterator[BSDSItem]:
    """Items of one split in file-name order; ``limit`` keeps the first N.

    Raises
    ------
    DatasetError
        When ``split`` is not one of :func:`available_splits` (the message names those present)
        or has no images.
    """
    data = find_data_dir(root)
    present = available_splits(data)
    if split not in present:
        listed = ", ".join(present) if present else "none"
        raise DatasetError(f"{data}: split '{split}' not found (splits present: {listed})")
    images = data / "images" / split
    truths = data / "groundTruth" / split
    paths = sorted(p for p in images.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    if not paths:
        raise DatasetError(f"{images}: no images")
    for count, path in enumerate(paths):
        if limit is not None and count >= limit:
            return
        truth = truths / f"{path.stem}.mat"
        if truth.is_file():
            yield BSDSItem(path, truth)


def load_ground_truth(path: str | Path) -> list[HumanSegmentation]:
    """Human segmentations stored in a BSDS500 ``.mat`` file."""
    try:
        cells = scipy.io.loadmat(str(path))["groundTruth"][0]
    except (OSError, KeyError, ValueError) as exc:
        raise DatasetError(f"{path}: not a BSDS500 ground-truth file ({exc})") from None
    humans = []
    for cell in cells:
        seg = np.asarray(cell["Segmentation"][0, 0], dtype=np.int32)
        bnd = np.asarray(cell["Boundaries"][0, 0]).astype(bool)
        humans.append(HumanSegmentation(seg, bnd))
    return humans
