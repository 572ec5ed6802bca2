"""Image loading and atomic file writing used by every SuperCuts path.

Every reader in the app (CLI, GUI, evaluation) goes through :func:`load_image`, so all of them
accept the same formats and reject bad input with the same one-line :class:`ImageLoadError`.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .defaults import UINT16_MAX

DEFAULT_MAX_PIXELS = 100_000_000
"""Largest image (width x height) accepted unless the caller raises the limit."""

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp")
"""File suffixes treated as images when a folder is scanned."""

_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"BM", b"II*\x00", b"MM\x00*", b"GIF8")

# OpenCV prints decoder warnings to stderr; our own one-line error says what went wrong.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)

# Pillow's own bomb guard uses a fixed global limit; ours is per call and checked before decoding.
Image.MAX_IMAGE_PIXELS = None


class ImageLoadError(ValueError):
    """An input file that cannot be used as an image.

    ``str()`` is one line naming the file and the cause.
    """

    def __init__(self, path: str | os.PathLike, cause: str) -> None:
        self.path = str(path)
        self.cause = cause
        super().__init__(f"{self.path}: {cause}")


def load_image(path: str | os.PathLike, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read an image file as 8-bit RGB with its EXIF orientation applied.

    Parameters
    ----------
    path : str or PathLike
        JPEG, PNG, TIFF, BMP or WebP file (other formats Pillow reads also work).
    max_pixels : int, optional
        Refuse images with more than this many pixels, checked before decoding.

    Returns
    -------
    numpy.ndarray
        Array of shape (H, W, 3), dtype uint8, C-contiguous.

    Raises
    ------
    ImageLoadError
        For a missing, empty, truncated, unreadable, non-image or oversized file.
    """
    path = Path(path)
    _check_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns on odd EXIF; the pixels are still fine
            with Image.open(path) as img:
                _check_size(path, img.width, img.height, max_pixels)
                img.load()
                img = ImageOps.exif_transpose(img)
                return _to_rgb8(img)
    except ImageLoadError:
        raise
    except UnidentifiedImageError:
        return _load_with_opencv(path, max_pixels)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageLoadError(path, f"truncated or corrupt image data ({_short(exc)})") from None
    except MemoryError:
        raise ImageLoadError(path, "not enough memory to decode this image") from None


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """(height, width) of an image as :func:`load_image` would return it, reading only its header
    when Pillow knows the format (raises :class:`ImageLoadError`)."""
    path = Path(path)
    _check_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as img:
                width, height = img.size
                # EXIF orientations 5-8 rotate by 90 degrees: load_image swaps the sides.
                if img.getexif().get(0x0112) in (5, 6, 7, 8):
                    width, height = height, width
                _check_size(path, width, height, DEFAULT_MAX_PIXELS)
                return height, width
    except ImageLoadError:
        raise
    except UnidentifiedImageError:
        return load_image(path).shape[:2]
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageLoadError(path, f"truncated or corrupt image data ({_short(exc)})") from None


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ImageLoadError(path, "file not found")
    if path.is_dir():
        raise ImageLoadError(path, "is a folder, not an image file")
    if not os.access(path, os.R_OK):
        raise ImageLoadError(path, "cannot be read (permission denied)")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImageLoadError(path, f"cannot be read ({_short(exc)})") from None
    if size == 0:
        raise ImageLoadError(path, "empty file (0 bytes)")


def _check_size(path: Path, width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise ImageLoadError(path, f"image has no pixels ({width} x {height})")
    if width * height > max_pixels:
        raise ImageLoadError(
            path,
            f"image is {width} x {height} = {width * height / 1e6:.1f} MP, over the limit of "
            f"{max_pixels / 1e6:g} MP (raise it with --max-pixels)",
        )


def _to_rgb8(img: Image.Image) -> np.ndarray:
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return _gray_to_rgb8(np.asarray(img))
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return np.array(img.convert("RGB"), dtype=np.uint8)  # a writable copy


def _gray_to_rgb8(values: np.ndarray) -> np.ndarray:
    """Map a high-bit-depth single-channel image to 8 bits by its type's range."""
    values = np.asarray(values)
    if values.dtype.kind == "f":
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
        scaled = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)
        gray = np.nan_to_num(scaled * 255.0 + 0.5).astype(np.uint8)
    else:
        top = UINT16_MAX if values.max(initial=0) > 255 or values.dtype.itemsize >= 2 else 255
        gray = (values.astype(np.float64) * (255.0 / top) + 0.5).clip(0, 255).astype(np.uint8)
    return np.ascontiguousarray(np.repeat(gray[..., None], 3, axis=2))


def _load_with_opencv(path: Path, max_pixels: int) -> np.ndarray:
    """Fallback for files Pillow does not identify (e.g. some 16-bit multi-channel TIFFs)."""
    data = np.fromfile(path, dtype=np.uint8)
    try:
        decoded = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    except cv2.error:
        decoded = None
    if decoded is None:
        if data[:12].tobytes().startswith(_SIGNATURES) or data[8:12].tobytes() == b"WEBP":
            raise ImageLoadError(path, "truncated or corrupt image data (header only or damaged)")
        raise ImageLoadError(path, "not an image (unrecognised or unsupported format)")
    _check_size(path, decoded.shape[1], decoded.shape[0], max_pixels)
    if decoded.ndim == 2:
        return _gray_to_rgb8(decoded)
    if decoded.dtype != np.uint8:
        decoded = decoded.astype(np.float64) * (255.0 / np.iinfo(decoded.dtype).max) + 0.5
        decoded = decoded.clip(0, 255).astype(np.uint8)
    code = cv2.COLOR_BGRA2RGB if decoded.shape[2] == 4 else cv2.COLOR_BGR2RGB
    return np.ascontiguousarray(cv2.cvtColor(decoded, code))


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
