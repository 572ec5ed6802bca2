"""Image sizes read from file headers, for the files Pillow does not open.

Pillow reads an image's size without decoding it, so the pixel limit is checked before any
pixel is decoded. OpenCV, the fallback decoder, has no such call: it decodes first. So the
fallback decodes only formats whose header is read here (a few hundred bytes, whatever the
image's size); a file of any other format is refused before OpenCV sees it.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass

_HEADER_BYTES = 64 * 1024
"""Enough for every header read here (EXR attribute lists and Radiance comments are short)."""

_TIFF_TAGS = {256: "width", 257: "height", 258: "bits", 277: "samples", 339: "sample_format"}
_TIFF_VALUE_FORMATS = {3: "H", 4: "I", 16: "Q"}  # SHORT, LONG, LONG8
_TIFF_SAMPLE_FORMATS = {1: "unsigned", 2: "signed", 3: "float"}
_RADIANCE_SIZE = re.compile(rb"-Y +(\d+) +\+X +(\d+)")


@dataclass(frozen=True)
class ImageHeader:
    """What a file's header says: its format (in words) and its size in pixels."""

    kind: str
    width: int
    height: int


def read_header(path: str | os.PathLike) -> ImageHeader | None:
    """The format and size of an image file from its header, without decoding pixels.

    Reads TIFF (classic and BigTIFF), Radiance HDR, PFM, OpenEXR, PNG and BMP headers.

    Parameters
    ----------
    path : str or PathLike
        File to read (only its first bytes, and for TIFF its first directory).

    Returns
    -------
    ImageHeader or None
        None when the file is none of these formats or its header is unreadable.
    """
    with open(path, "rb") as fh:
        head = fh.read(_HEADER_BYTES)
        try:
            if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
                return _tiff(fh, head)
            if head.startswith(b"#?"):
                return _radiance(head)
            if head[:3] in (b"PF\n", b"Pf\n", b"PF\r", b"Pf\r"):
                return _pfm(head)
            if head.startswith(b"\x76\x2f\x31\x01"):
                return _openexr(head)
            if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
                width, height = struct.unpack(">II", head[16:24])
                return ImageHeader("PNG", width, height)
            if head.startswith(b"BM"):
                return _bmp(head)
        except (struct.error, ValueError, IndexError):
            return None
    return None


def _tiff(fh, head: bytes) -> ImageHeader | None:
    order = "<" if head[:2] == b"II" else ">"
    big = head[2:4] in (b"+\x00", b"\x00+")
    count_format, entry_size, offset_format = ("Q", 20, "Q") if big else ("H", 12, "I")
    first_ifd = struct.unpack(order + offset_format, head[8:16] if big else head[4:8])[0]
    fh.seek(first_ifd)
    count_size = struct.calcsize(count_format)
    offset_size = struct.calcsize(offset_format)  # also the size of an entry's value count
    (n_entries,) = struct.unpack(order + count_format, fh.read(count_size))
    if n_entries > 4096:  # a real first directory has a few dozen entries
        return None
    entries = fh.read(n_entries * entry_size)
    fields: dict[str, int] = {}
    for i in range(n_entries):
        entry = entries[i * entry_size : (i + 1) * entry_size]
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag in _TIFF_TAGS and kind in _TIFF_VALUE_FORMATS:
            count = struct.unpack(order + offset_format, entry[4 : 4 + offset_size])[0]
            value = entry[4 + offset_size :]
            fields[_TIFF_TAGS[tag]] = _tiff_first_value(fh, order, kind, count, value)
    if "width" not in fields or "height" not in fields:
        return None
    samples = fields.get("samples", 1)
    sample_format = _TIFF_SAMPLE_FORMATS.get(fields.get("sample_format", 1), "unknown")
    kind = f"TIFF of {samples} x {fields.get('bits', 1)}-bit {sample_format} samples"
    return ImageHeader(kind, fields["width"], fields["height"])


def _tiff_first_value(fh, order: str, kind: int, count: int, value: bytes) -> int:
    """The first value of a TIFF field: stored in the entry when all its values fit there,
    else at the offset the entry holds (e.g. BitsPerSample of an RGB image)."""
    value_format = _TIFF_VALUE_FORMATS[kind]
    if count * struct.calcsize(value_format) > len(value):
        offset_format = "Q" if len(value) == 8 else "I"
        fh.seek(struct.unpack(order + offset_format, value)[0])
        value = fh.read(struct.calcsize(value_format))
    return struct.unpack(order + value_format, value[: struct.calcsize(value_format)])[0]


def _radiance(head: bytes) -> ImageHeader | None:
    end = head.find(b"\n\n")
    if end < 0:
        return None
    size_line = head[end + 2 :].split(b"\n", 1)[0]
    # OpenCV reads the usual orientation only (rows top to bottom, columns left to right).
    match = _RADIANCE_SIZE.fullmatch(size_line.strip())
    if match is None:
        return None
    return ImageHeader("Radiance HDR", int(match[2]), int(match[1]))


def _pfm(head: bytes) -> ImageHeader | None:
    tokens = head[3:200].split()
    width, height = int(tokens[0]), int(tokens[1])
    return ImageHeader("PFM", width, height)


def _openexr(head: bytes) -> ImageHeader | None:
    pos = 8  # magic number and version
    while pos < len(head) and head[pos] != 0:
        name_end = head.index(b"\x00", pos)
        type_end = head.index(b"\x00", name_end + 1)
        (size,) = struct.unpack("<i", head[type_end + 1 : type_end + 5])
        value = head[type_end + 5 : type_end + 5 + size]
        if head[pos:name_end] == b"dataWindow" and head[name_end + 1 : type_end] == b"box2i":
            x_min, y_min, x_max, y_max = struct.unpack("<4i", value[:16])
            return ImageHeader("OpenEXR", x_max - x_min + 1, y_max - y_min + 1)
        pos = type_end + 5 + size
    return None


def _bmp(head: bytes) -> ImageHeader | None:
    (info_size,) = struct.unpack("<I", head[14:18])
    if info_size == 12:  # OS/2 bitmap: 16-bit sides
        width, height = struct.unpack("<HH", head[18:22])
    else:
        width, height = struct.unpack("<ii", head[18:26])
    return ImageHeader("BMP", width, abs(height))
