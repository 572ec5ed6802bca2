"""Image sizes from file headers (the formats OpenCV decodes and Pillow does not open)."""

from __future__ import annotations

import io
import struct

import cv2
import numpy as np
import pytest
import tifffile
from PIL import Image

from supercuts_app.base.image_headers import ImageHeader, read_header


def _tiff(**options) -> bytes:
    buf = io.BytesIO()
    tifffile.imwrite(buf, np.zeros((5, 7, 3), np.float32), photometric="rgb", **options)
    return buf.getvalue()


def _exr_header(width: int, height: int) -> bytes:
    def attribute(name: bytes, kind: bytes, value: bytes) -> bytes:
        return name + b"\x00" + kind + b"\x00" + struct.pack("<i", len(value)) + value

    box = struct.pack("<4i", 10, 20, 10 + width - 1, 20 + height - 1)
    return (
        b"\x76\x2f\x31\x01" + struct.pack("<I", 2)
        + attribute(b"compression", b"compression", b"\x00")
        + attribute(b"dataWindow", b"box2i", box)
        + b"\x00"
    )  # fmt: skip


def _encoded(suffix: str, array: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(suffix, array)
    assert ok
    return buf.tobytes()


def _pil(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (7, 5)).save(buf, format=fmt)
    return buf.getvalue()


FLOAT_RGB = np.zeros((5, 7, 3), np.float32)
HEADERS = {
    "TIFF": (_tiff(), "TIFF of 3 x 32-bit float samples"),
    "big-endian TIFF": (_tiff(byteorder=">"), "TIFF of 3 x 32-bit float samples"),
    "BigTIFF": (_tiff(bigtiff=True), "TIFF of 3 x 32-bit float samples"),
    "Radiance HDR": (_encoded(".hdr", FLOAT_RGB), "Radiance HDR"),
    "PFM": (_encoded(".pfm", FLOAT_RGB), "PFM"),
    "OpenEXR": (_exr_header(7, 5), "OpenEXR"),
    "PNG": (_pil("PNG"), "PNG"),
    "BMP": (_pil("BMP"), "BMP"),
}


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_sizes_are_read_from_headers(tmp_path, name):
    data, kind = HEADERS[name]
    path = tmp_path / "image"
    path.write_bytes(data)
    assert read_header(path) == ImageHeader(kind, 7, 5)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello",
        b"II*\x00\xff\xff\xff\x7f",  # first directory far beyond the end
        b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n+X 5 -Y 7\n",  # an orientation OpenCV lacks
        b"#?RADIANCE\n",  # no size line
        b"PF\nseven five\n",
        b"\x76\x2f\x31\x01\x02\x00\x00\x00no terminator",
        b"\xff\xd8\xff\xe0",  # JPEG: Pillow's to read
    ],
)
def test_unreadable_or_other_headers_give_none(tmp_path, data):
    path = tmp_path / "image"
    path.write_bytes(data)
    assert read_header(path) is None


def test_a_radiance_header_is_read_without_its_pixels(tmp_path):
    path = tmp_path / "huge.hdr"
    path.write_bytes(b"#?RADIANCE\n# a comment\nFORMAT=32-bit_rle_rgbe\n\n-Y 11000 +X 12000\n")
    assert read_header(path) == ImageHeader("Radiance HDR", 12000, 11000)
