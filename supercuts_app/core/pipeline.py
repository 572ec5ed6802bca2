"""Steps the app runs for an image, as plain functions the GUI worker and the CLI both call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .io import DEFAULT_MAX_PIXELS, load_image
from .render import boundary_rgba
from .superpixels import SuperpixelResult, compute_superpixels
from .tasks import CancelFn, ProgressFn, check_cancelled, report


@dataclass
class LoadedImage:
    """An image read from disk."""

    path: Path
    pixels: np.ndarray


@dataclass
class ShownSuperpixels:
    """Superpixels of an image and the boundary layer the window draws."""

    result: SuperpixelResult
    boundary_layer: np.ndarray


def open_image(
    path: str | Path,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> LoadedImage:
    """Load an image for display (raises ``ImageLoadError`` on bad input)."""
    report(progress, "loading image", 0.0)
    pixels = load_image(path, max_pixels=max_pixels)
    check_cancelled(cancel)
    report(progress, "loading image", 1.0)
    return LoadedImage(Path(path), pixels)


def superpixels_for_display(
    image: np.ndarray,
    *,
    method: str = "ssn",
    n_segments: int = 600,
    backbone: str = "tf_efficientnet_lite0",
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ShownSuperpixels:
    """Superpixels of ``image`` and their RGBA boundary layer."""
    result = compute_superpixels(
        image,
        method=method,
        n_segments=n_segments,
        backbone=backbone,
        progress=progress,
        cancel=cancel,
    )
    check_cancelled(cancel)
    return ShownSuperpixels(result, boundary_rgba(result.labels))
