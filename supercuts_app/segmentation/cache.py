"""On-disk cache of computed superpixels and hierarchies, keyed by image content and parameters.

Entries live in the user cache folder (platformdirs; ``SUPERCUTS_CACHE_DIR`` overrides it) as
``<key>.npz``, written atomically, so reopening an image or resuming a batch costs a file read.
A damaged entry is ignored (and replaced by the next save), never trusted.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from supercuts_app.base.defaults import fits_uint16
from supercuts_app.base.files import write_bytes_atomic

from .hierarchy import MergeHierarchy
from .superpixels import SuperpixelResult

CACHE_FORMAT = 1
"""Bumped whenever what is cached, or how it is computed, changes meaning."""


def default_cache_dir() -> Path:
    """``$SUPERCUTS_CACHE_DIR`` or the platform's user cache folder for SuperCuts."""
    env = os.environ.get("SUPERCUTS_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("supercuts", appauthor=False)) / "segmentations"


def image_digest(image: np.ndarray) -> str:
    """Content hash of decoded pixels (independent of file name and format)."""
    h = hashlib.blake2b(str(image.shape).encode(), digest_size=20)
    h.update(np.ascontiguousarray(image).data)
    return h.hexdigest()


def segmentation_key(digest: str, params: dict) -> str:
    """Cache key of an image's segmentation under ``params`` (JSON-serialisable)."""
    text = json.dumps({"format": CACHE_FORMAT, "image": digest, **params}, sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


class SegmentationCache:
    """Superpixels + hierarchy per key, in ``root`` (default :func:`default_cache_dir`)."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def path(self, key: str) -> Path:
        return self.root / f"{key}.npz"

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    def load(self, key: str) -> tuple[SuperpixelResult, MergeHierarchy] | None:
        """The cached pair, or None when missing or unreadable."""
        try:
            with np.load(self.path(key), allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                labels = data["superpixels"].astype(np.int32)
                tree = MergeHierarchy(labels, data["tables"].astype(np.int32), data["linkage"])
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError):
            return None
        result = SuperpixelResult(
            labels, meta["method"], meta["requested"], meta["seconds"], meta["params"]
        )
        return result, tree

    def save(self, key: str, result: SuperpixelResult, tree: MergeHierarchy) -> Path:
        """Store the pair atomically; returns the file."""
        sp = result.labels
        small = sp.astype(np.uint16) if fits_uint16(sp.max(initial=0)) else sp
        meta = {
            "method": result.method,
            "requested": result.requested,
            "seconds": result.seconds,
            "params": result.params,
        }
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            superpixels=small,
            tables=tree.tables,
            linkage=tree.linkage,
            meta=np.array(json.dumps(meta, default=str)),
        )
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.path(key)
        write_bytes_atomic(path, buf.getvalue())
        return path
