"""Checking the rows of a project file as they are read.

``PRAGMA quick_check`` finds damage to the file's pages, not rows another program (or a bad
disk) wrote with wrong content: a colour that is not a colour, a setting that is not JSON, an
image of width 0, mask bytes that are not an RLE of their image, an annotation of a class that
does not exist. Each such row raises :class:`ProjectFileError` naming it, before anything uses
it (pycocotools would write past a mask's end; numpy would make an array of negative size).
"""

from __future__ import annotations

from pathlib import Path

from supercuts_app.annotation.categories import Category, CategoryError, parse_color
from supercuts_app.annotation.rle import MAX_MASK_PIXELS, RleError, checked_rle
from supercuts_app.annotation.seeds import Seed, SeedError, seeds_from_json

from .schema import ProjectFileError


def damaged(path: Path, row: str, why: str) -> ProjectFileError:
    """The error for ``row`` of the project at ``path``."""
    return ProjectFileError(f"{path}: damaged project file: {row}: {why}")


def category_from_row(
    path: Path, class_id: int, name: object, color: object, parent_id: object
) -> Category:
    """A class from its row."""
    where = f"class {class_id}"
    if not isinstance(name, str) or not name.strip():
        raise damaged(path, where, f"name {name!r:.40} is not text")
    if parent_id is not None and not isinstance(parent_id, int):
        raise damaged(path, where, f"parent {parent_id!r:.40} is not a class id")
    try:
        rgb = parse_color(color, f"{where} ({name!r})")
    except CategoryError as exc:  # its message names the class
        raise ProjectFileError(f"{path}: damaged project file: {exc}") from None
    return Category(class_id, name, rgb, parent_id)


def check_image_row(path: Path, image_id: int, image_path: object, width: object, height: object):
    """Refuse an image row whose path is not text or whose size no mask can have."""
    if not isinstance(image_path, str) or not image_path:
        raise damaged(path, f"image {image_id}", f"path {image_path!r:.40} is not text")
    sizes = (width, height)
    if not all(isinstance(v, int) and v > 0 for v in sizes) or width * height > MAX_MASK_PIXELS:
        raise damaged(
            path, f"image {image_id} ({image_path})", f"size {width!r:.20} x {height!r:.20}"
        )


def checked_annotation_rle(
    path: Path,
    where: str,
    *,
    counts: object,
    height: int,
    width: int,
    has_class: bool,
    is_part: bool,
    of_part_class: bool,
    z: object,
) -> dict:
    """An annotation row's mask as a checked COCO RLE; the row must name an existing class of
    its kind (objects use object classes, parts part classes) and have an integer order."""
    if not has_class:
        raise damaged(path, where, "its class does not exist")
    if of_part_class != is_part:
        kind = "a part of an object class" if is_part else "an object of a part class"
        raise damaged(path, where, kind)
    if not isinstance(z, int):
        raise damaged(path, where, f"drawing order {z!r:.20} is not an integer")
    try:
        return checked_rle(counts if isinstance(counts, bytes | str) else None, height, width)
    except RleError as exc:
        raise damaged(path, where, f"mask: {exc}") from None


def checked_seeds(
    path: Path, where: str, text: object, *, height: int, width: int
) -> tuple[Seed, ...]:
    """An annotation row's seed clicks; each must lie in its image of ``height`` x ``width``."""
    try:
        seeds = seeds_from_json(text)
    except SeedError as exc:
        raise damaged(path, where, f"seeds {text!r:.40}: {exc}") from None
    outside = next((s for s in seeds if not (s.y < height and s.x < width)), None)
    if outside is not None:
        raise damaged(path, where, f"seed at ({outside.y:g}, {outside.x:g}) is outside the image")
    return seeds
