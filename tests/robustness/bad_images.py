"""Bad and unusual image files for the robustness suite, made in the test's folder (a few KB
each, except the one real decompression bomb, which is made only where it is needed)."""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image


def png_bytes(shape: tuple[int, int] = (48, 64)) -> bytes:
    """A noisy RGB PNG (noise: so that cutting it leaves its pixel data incomplete)."""
    pixels = np.random.default_rng(3).integers(0, 256, (*shape, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def _png(width: int, height: int, compressed_rows: bytes) -> bytes:
    """An 8-bit gray PNG of the given size and compressed pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    return head + chunk(b"IDAT", compressed_rows) + chunk(b"IEND", b"")


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header says ``width`` x ``height`` and whose one compressed row is all the
    data it has: readers know its size without decoding anything."""
    return _png(width, height, zlib.compress(b"\x00" * (width + 1)))


def png_bomb(path: Path, side: int = 12_000) -> Path:
    """A real, complete 8-bit gray PNG of ``side`` x ``side`` zeros: 144 MP (over the default
    100 MP limit) that compresses to a few hundred KB, written row by row."""
    squeeze = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte + pixels
    data = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()
    path.write_bytes(_png(side, side, data))
    return path


def radiance(width: int, height: int) -> bytes:
    """A complete, valid run-length encoded Radiance HDR image of one grey value: about 700
    bytes a row whatever its width, so 11000 x 11000 is 7.7 MB on disk and 1.45 GB decoded
    (float32 RGB)."""
    full, rest = divmod(width, 127)
    # One channel of a row: runs of 127 (a byte above 128 is a run of byte - 128) and the rest.
    channel = bytes([128 + 127, 128]) * full + (bytes([128 + rest, 128]) if rest else b"")
    row = bytes([2, 2, width >> 8, width & 255]) + channel * 4  # R, G, B and the exponent
    header = f"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y {height} +X {width}\n".encode()
    return header + row * height


def tiff_header(width: int, height: int, *, samples: int = 3, bits: int = 32) -> bytes:
    """A little-endian TIFF of float samples whose pixel data is missing: Pillow does not open
    float RGB, so only the header reader can say its size."""
    entries = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, bits),
        (277, 3, 1, samples),
        (273, 4, 1, 8),  # strip offset: the (missing) data would start at byte 8
        (279, 4, 1, width * height * samples * bits // 8),
        (339, 3, 1, 3),  # float samples
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        packed = struct.pack("<H", value) + b"\x00\x00" if kind == 3 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind, count) + packed
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00\x00\x00\x00"


def float16_tiff() -> bytes:
    """A valid RGB TIFF of 16-bit floats: neither Pillow nor OpenCV decodes it."""
    import tifffile

    buf = io.BytesIO()
    tifffile.imwrite(buf, np.full((6, 8, 3), 0.5, np.float16), photometric="rgb")
    return buf.getvalue()


def float_tiff(values: np.ndarray) -> bytes:
    """A TIFF of ``values`` as they are (float32 or float64, gray or RGB)."""
    import tifffile

    buf = io.BytesIO()
    tifffile.imwrite(buf, values, photometric="rgb" if values.ndim == 3 else "minisblack")
    return buf.getvalue()


def _write(data: bytes | Callable[[], bytes], name: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data() if callable(data) else data)
        return path

    return make


def _symlink_loop(folder: Path) -> Path:
    path = folder / "loop.png"
    os.symlink(path.name, path)  # a link to itself
    return path


def _broken_link(folder: Path) -> Path:
    path = folder / "gone.png"
    os.symlink("nowhere.png", path)
    return path


BAD_IMAGES: dict[str, tuple[Callable[[Path], Path], str]] = {
    # name: (maker of the file in a folder, text the refusal line must hold)
    "empty": (_write(b"", "empty.png"), "empty file (0 bytes)"),
    "text renamed .png": (_write(b"not an image\n" * 20, "text.png"), "not an image"),
    "html renamed .jpg": (_write(b"<!doctype html><p>404</p>", "page.jpg"), "not an image"),
    "truncated PNG": (_write(lambda: png_bytes()[:3000], "cut.png"), "truncated or corrupt"),
    "PNG header only": (_write(lambda: png_bytes()[:33], "head.png"), "truncated or corrupt"),
    "PNG over the pixel limit": (
        _write(lambda: png_header(20_000, 20_000), "huge.png"),
        "20000 x 20000 = 400.0 MP, over the limit",
    ),
    "Radiance HDR over the pixel limit": (
        _write(lambda: radiance(11_000, 11_000)[:4000], "huge.hdr"),
        "11000 x 11000 = 121.0 MP, over the limit",
    ),
    "float TIFF over the pixel limit": (
        _write(lambda: tiff_header(12_000, 9_000), "huge.tif"),
        "12000 x 9000 = 108.0 MP, over the limit",
    ),
    "16-bit float TIFF": (_write(float16_tiff, "half.tif"), "neither Pillow nor OpenCV"),
    "TIFF of no pixels": (_write(lambda: tiff_header(0, 5), "zero.tif"), "no pixels (0 x 5)"),
    "symbolic link loop": (_symlink_loop, "symbolic link loop"),
    "broken symbolic link": (_broken_link, "broken symbolic link (to nowhere.png"),
    "unicode path, fake image": (_write(b"\x00" * 64, "fotos_ñandú_猫.png"), "not an image"),
}
