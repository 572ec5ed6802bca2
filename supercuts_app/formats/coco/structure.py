"""The shape of a COCO file, checked before anything in it is used.

Every field the import reads is checked here for its type and range, so that the code after it
can hash, compare and store the values (in SQLite, in pycocotools) without a surprise: ids are
integers within JSON's exact range, names are text, segmentations are RLE dicts or lists of
polygons of finite numbers. What needs the image (its size) is checked when the masks are
decoded (:func:`.reading.segmentation_pixels`). Each problem raises :class:`CocoError` naming the
entry.
"""

from __future__ import annotations

import math

MAX_ID = 2**53 - 1
"""Largest id (and smallest, negated): integers beyond it are not exact in JSON readers
(RFC 8259), and ids kept from a file below it leave a project room for its own ids (SQLite's
go up to 2**63 - 1)."""


_ID_RANGE = f" (ids are whole numbers within +-{MAX_ID})"


class CocoError(ValueError):
    """A COCO file that cannot be imported; the message names the offending entry (one line)."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split("\n")))


def check_structure(data: object) -> None:
    """Check the types and ranges of everything an import reads in a parsed COCO file.

    Parameters
    ----------
    data : object
        The parsed JSON.

    Raises
    ------
    CocoError
        Naming the first entry and field that is wrong.
    """
    if not isinstance(data, dict):
        raise CocoError("not a COCO file (not a JSON object)")
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            raise CocoError(f"not a COCO file (no '{key}' list)")
    for n, image in enumerate(data["images"]):
        where = _entry(image, "image", n)
        _text(image, "file_name", where)
        for key in ("width", "height"):
            value = image.get(key)
            if value is not None and not _finite_number(value):
                raise CocoError(f"{where}: {key} {_show(value)} is not a number")
    for n, category in enumerate(data["categories"]):
        where = _entry(category, "category", n)
        _text(category, "name", where)
        _optional_id(category, "part_of", where)
        if not isinstance(category.get("supercategory"), str | None):
            raise CocoError(
                f"{where}: supercategory {_show(category['supercategory'])} is not text"
            )
    for n, annotation in enumerate(data["annotations"]):
        where = _entry(annotation, "annotation", n)
        for key in ("image_id", "category_id"):
            if not _is_id(annotation.get(key)):
                raise CocoError(
                    f"{where}: {key} {_show(annotation.get(key))} is not an id{_ID_RANGE}"
                )
        _optional_id(annotation, "parent_id", where)
        _segmentation(annotation.get("segmentation"), where)


def _entry(entry: object, kind: str, n: int) -> str:
    """``entry``'s name in messages, once it is a dict with an integer id."""
    if not isinstance(entry, dict):
        raise CocoError(f"{kind} #{n} in the list is not an object")
    if not _is_id(entry.get("id")):
        raise CocoError(
            f"{kind} #{n} in the list: id {_show(entry.get('id'))} is not an id{_ID_RANGE}"
        )
    return f"{kind} {entry['id']}"


def _is_id(value: object) -> bool:
    return type(value) is int and -MAX_ID <= value <= MAX_ID


def _optional_id(entry: dict, key: str, where: str) -> None:
    value = entry.get(key)
    if value is not None and not _is_id(value):
        raise CocoError(f"{where}: {key} {_show(value)} is not an id{_ID_RANGE}")


def _text(entry: dict, key: str, where: str) -> None:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise CocoError(f"{where}: no {key}" if value is None else f"{where}: bad {key}")


def _finite_number(value: object) -> bool:
    return type(value) is int or (type(value) is float and math.isfinite(value))


def _segmentation(seg: object, where: str) -> None:
    if isinstance(seg, dict):
        size = seg.get("size")
        if not (isinstance(size, list) and len(size) == 2 and all(_is_id(v) for v in size)):
            raise CocoError(f"{where}: RLE size {_show(size)} is not [height, width]")
        counts = seg.get("counts")
        if isinstance(counts, list):
            if not all(type(v) is int for v in counts):
                raise CocoError(f"{where}: RLE counts hold something other than whole numbers")
        elif not isinstance(counts, str):
            raise CocoError(f"{where}: segmentation counts are neither text nor a list")
        return
    if isinstance(seg, list) and seg and all(isinstance(p, list) for p in seg):
        for poly in seg:
            if len(poly) < 6 or len(poly) % 2 or not all(_finite_number(v) for v in poly):
                raise CocoError(
                    f"{where}: a polygon needs at least 3 (x, y) number pairs, all finite"
                )
        return
    raise CocoError(f"{where}: segmentation is neither RLE nor a list of polygons")


def _show(value: object) -> str:
    """A value as shown in a message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."
