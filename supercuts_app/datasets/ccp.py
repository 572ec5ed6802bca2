"""Reading Clothing Co-Parsing (CCP) photos as objects with parts.

Each photo shows one person, the **object** (every labelled pixel), whose **parts** are its
labelled items: clothing pieces, hair and skin. ``ROOT`` holds ``photos/NNNN.jpg``,
``pixel-level/NNNN.mat`` (``groundtruth``: H x W label map, 0 = background) and
``label_list.mat`` (the label names).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.io

from .bsds import DatasetError


@dataclass
class PersonItem:
    """One photo: its path, the person mask and named part masks (read when first asked for,
    so listing the photos costs no label file)."""

    image_path: Path
    truth_path: Path
    names: dict[int, str]

    @functools.cached_property
    def labels(self) -> np.ndarray:
        """(H, W) label map, 0 = background."""
        return scipy.io.loadmat(self.truth_path)["groundtruth"].astype(np.int32)

    @property
    def name(self) -> str:
        return self.image_path.stem

    @property
    def person(self) -> np.ndarray:
        return self.labels > 0

    def parts(self, min_share: float = 0.01) -> list[tuple[str, np.ndarray]]:
        """(name, mask) of each labelled item covering at least ``min_share`` of the person."""
        area = max(int(self.person.sum()), 1)
        ids, counts = np.unique(self.labels[self.labels > 0], return_counts=True)
        return [
            (self.names.get(int(i), str(i)), self.labels == i)
            for i, c in zip(ids, counts, strict=True)
            if c >= min_share * area
        ]


def label_names(root: str | Path) -> dict[int, str]:
    """Label id -> name from ``label_list.mat``."""
    path = Path(root) / "label_list.mat"
    if not path.is_file():
        raise DatasetError(f"{root}: not the CCP folder (no label_list.mat)")
    raw = scipy.io.loadmat(path)["label_list"].ravel()
    return {i: str(np.asarray(v).ravel()[0]) for i, v in enumerate(raw)}


def iter_ccp(root: str | Path, *, limit: int | None = None) -> Iterator[PersonItem]:
    """Photos with pixel-level labels, sorted by name (at most ``limit``)."""
    root = Path(root)
    names = label_names(root)
    found = sorted((root / "pixel-level").glob("*.mat"))
    if not found:
        raise DatasetError(f"{root}: no pixel-level/*.mat label files")
    for truth in found[:limit]:
        photo = root / "photos" / f"{truth.stem}.jpg"
        if not photo.is_file():
            continue
        yield PersonItem(photo, truth, names)
