"""Image loading used by every SuperCuts path.

Every reader in the app (CLI, GUI, evaluation) goes through :func:`load_image`, so all of them
accept the same formats and reject bad input with the same one-line :class:`ImageLoadError`.

Pillow reads most files; files it does not open go to OpenCV (float TIFFs, Radiance HDR, PFM,
OpenEXR where OpenCV is built with it), but only formats whose size can be read from their
header (:mod:`.image_headers`), so the pixel limit is always checked before decoding.

Images of more than 8 bits become 8-bit RGB: unsigned and signed integers are scaled by their
type's range (16-bit: 65535 is white); floating-point values are taken as 0 = black, 1 = white
when they all lie in [0, 1], and otherwise the range between their 0.5th and 99.5th percentile
is stretched to 0..255 (values beyond it clipped), which suits HDR radiance and scientific data
alike; NaN and infinite values become 0.
"""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .defaults import UINT16_MAX
from .files import unreachable_reason
from .image_headers import ImageHeader, read_header
from .messages import first_line

DEFAULT_MAX_PIXELS = 100_000_000
"""Largest image (width x height) accepted unless the caller raises the limit."""

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp")
"""File suffixes treated as images when a folder is scanned."""

# Formats Pillow reads: when it cannot open a file that starts like one, the file is damaged.
_PILLOW_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")

_FLOAT_SAMPLE = 1_000_000
"""Values sampled (evenly spaced) to find a float image's percentile range: enough for a
stable 0.5th percentile, and cheap for a 100 MP image."""

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
        JPEG, PNG, TIFF (also 16/32-bit integer and float), BMP, WebP, Radiance HDR or PFM file
        (other formats Pillow reads also work). Deep images are scaled to 8 bits as the module
        docstring says.
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
    pixels = _load_with_pillow(path, max_pixels)
    if pixels is None:  # outside the Pillow handlers: a failure here is reported on its own
        pixels = _load_with_opencv(path, max_pixels)
    return pixels


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """(height, width) of an image as :func:`load_image` would return it, reading only its
    header (raises :class:`ImageLoadError`)."""
    path = Path(path)
    _check_file(path)
    with _decoding_errors(path):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(path) as img:
                    width, height = img.size
                    # EXIF orientations 5-8 rotate by 90 degrees: load_image swaps the sides.
                    if img.getexif().get(0x0112) in (5, 6, 7, 8):
                        width, height = height, width
        except UnidentifiedImageError:
            header = _fallback_header(path)
            width, height = header.width, header.height
    _check_size(path, width, height, DEFAULT_MAX_PIXELS)
    return height, width


def _load_with_pillow(path: Path, max_pixels: int) -> np.ndarray | None:
    """The image as Pillow decodes it, or None when Pillow does not know the format."""
    with _decoding_errors(path):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Pillow warns on odd EXIF; pixels are fine
                with Image.open(path) as img:
                    _check_size(path, img.width, img.height, max_pixels)
                    img.load()
                    img = ImageOps.exif_transpose(img)
                    return _to_rgb8(img)
        except UnidentifiedImageError:
            return None


def _load_with_opencv(path: Path, max_pixels: int) -> np.ndarray:
    """Decode a file Pillow does not open (e.g. float or 16-bit multi-channel TIFFs, Radiance
    HDR), once its header has said its size."""
    header = _fallback_header(path)
    _check_size(path, header.width, header.height, max_pixels)
    with _decoding_errors(path):
        decoded = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
        if decoded is None:
            cause = f"neither Pillow nor OpenCV decodes this {header.kind}"
            raise ImageLoadError(path, f"truncated or corrupt image data ({cause})")
        _check_size(path, decoded.shape[1], decoded.shape[0], max_pixels)
        if decoded.ndim == 3:
            # BGR(A) to RGB, alpha dropped; one channel is gray.
            decoded = decoded[..., 2::-1] if decoded.shape[2] >= 3 else decoded[..., 0]
        return _deep_to_rgb8(decoded)


def _fallback_header(path: Path) -> ImageHeader:
    """The header of a file Pillow does not open, or the ImageLoadError saying why not."""
    try:
        header = read_header(path)
    except OSError as exc:
        raise ImageLoadError(path, f"cannot be read ({first_line(exc)})") from None
    if header is not None:
        return header
    with open(path, "rb") as fh:
        head = fh.read(12)
    if head.startswith(_PILLOW_SIGNATURES) or head[8:12] == b"WEBP":
        raise ImageLoadError(path, "truncated or corrupt image data (header only or damaged)")
    raise ImageLoadError(path, "not an image (unrecognised or unsupported format)")


@contextmanager
def _decoding_errors(path: Path):
    """Turn whatever a decoder raises on a hostile file into one ImageLoadError line.

    Decoders raise many types for bad data (Pillow: OSError, SyntaxError, struct.error,
    IndexError, ...; OpenCV: cv2.error), so everything but our own error is caught here."""
    try:
        yield
    except ImageLoadError:
        raise
    except MemoryError:
        raise ImageLoadError(path, "not enough memory to decode this image") from None
    except (OSError, SyntaxError, EOFError) as exc:
        raise ImageLoadError(path, f"truncated or corrupt image data ({first_line(exc)})") from None
    except Exception as exc:  # any decoder failure is a bad file, reported in one line
        cause = f"{type(exc).__name__}: {first_line(exc)}"
        raise ImageLoadError(path, f"truncated or corrupt image data ({cause})") from None


def _check_file(path: Path) -> None:
    reason = unreachable_reason(path)
    if reason is not None:
        raise ImageLoadError(path, reason)
    if path.is_dir():
        raise ImageLoadError(path, "is a folder, not an image file")
    if not os.access(path, os.R_OK):
        raise ImageLoadError(path, "cannot be read (permission denied)")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImageLoadError(path, f"cannot be read ({first_line(exc)})") from None
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
        return _deep_to_rgb8(np.asarray(img))
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return np.array(img.convert("RGB"), dtype=np.uint8)  # a writable copy


def _deep_to_rgb8(values: np.ndarray) -> np.ndarray:
    """Map a gray (H, W) or RGB (H, W, 3) image of any numeric type to 8-bit RGB (the rules
    are in the module docstring)."""
    if values.dtype.kind == "f":
        scaled = _float_to_unit(values)
        scaled *= 255.0
        scaled += 0.5
        eight = scaled.astype(np.uint8)
    elif values.dtype == np.uint8:
        eight = values
    elif values.ndim == 2 and values.dtype.kind in "ui":
        # Gray: 16-bit and deeper types, and any value above 255, are on the 16-bit scale.
        top = UINT16_MAX if values.max(initial=0) > 255 or values.dtype.itemsize >= 2 else 255
        eight = (values.astype(np.float64) * (255.0 / top) + 0.5).clip(0, 255).astype(np.uint8)
    else:
        top = float(np.iinfo(values.dtype).max)
        eight = (values.astype(np.float64) * (255.0 / top) + 0.5).clip(0, 255).astype(np.uint8)
    if eight.ndim == 2:
        eight = np.repeat(eight[..., None], 3, axis=2)
    return np.ascontiguousarray(eight)


def _float_to_unit(values: np.ndarray) -> np.ndarray:
    """Float values mapped to [0, 1] as float32: as they are when within [0, 1], else the
    0.5th..99.5th percentile range stretched; NaN and infinities become 0."""
    # A decoded float32 array is ours to change; anything else is copied once, to float32.
    owned = values.dtype == np.float32 and values.flags.writeable and values.flags.owndata
    unit = values if owned else values.astype(np.float32)
    not_finite = ~np.isfinite(unit)
    unit[not_finite] = 0.0
    if unit.size and (unit.min() < 0.0 or unit.max() > 1.0):
        flat = unit.reshape(-1)
        sample = flat[:: max(1, flat.size // _FLOAT_SAMPLE)]
        lo, hi = np.percentile(sample, [0.5, 99.5])
        unit -= lo
        unit *= 1.0 / (hi - lo) if hi > lo else 0.0
        np.clip(unit, 0.0, 1.0, out=unit)
        unit[not_finite] = 0.0
    return unit
