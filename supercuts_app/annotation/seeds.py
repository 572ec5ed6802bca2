"""Seed clicks of an annotation: the positive and negative points its mask is cut from.

Seeds belong to an annotation like its class does (they are part of its
:class:`~supercuts_app.annotation.edits.AnnotationMeta`), so every edit records them before and
after and undo gives back the seeds with the pixels. The project file keeps them as JSON text
(:func:`seeds_to_json`, :func:`seeds_from_json`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass


class SeedError(ValueError):
    """Text that is not a list of seeds; the message says what is wrong with it."""


@dataclass(frozen=True)
class Seed:
    """One click at image coordinates (``y`` row, ``x`` column): inside the annotation
    (``positive``) or outside it, and the level the window showed when it was placed (the extent
    a positive seed asks for, kept so that later slider moves do not change its region)."""

    y: float
    x: float
    positive: bool
    level: int = 0


def seeds_to_json(seeds: Iterable[Seed]) -> str:
    """Seeds as JSON text: a list of ``{"y": .., "x": .., "positive": .., "level": ..}``."""
    return json.dumps(
        [{"y": s.y, "x": s.x, "positive": s.positive, "level": s.level} for s in seeds]
    )


def seeds_from_json(text: object) -> tuple[Seed, ...]:
    """The seeds written by :func:`seeds_to_json`.

    Parameters
    ----------
    text : object
        The stored value (anything: it comes from a file).

    Returns
    -------
    tuple of Seed
        The seeds in click order.

    Raises
    ------
    SeedError
        When ``text`` is not such a list (not text, not JSON, a point that is not two finite
        numbers and a true/false sign).
    """
    if not isinstance(text, str):
        raise SeedError("not text")
    try:
        items = json.loads(text)
    except ValueError:
        raise SeedError("not JSON") from None
    if not isinstance(items, list):
        raise SeedError("not a list")
    seeds = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"y", "x", "positive", "level"}:
            raise SeedError(f"{item!r:.40} is not a seed")
        y, x, positive, level = item["y"], item["x"], item["positive"], item["level"]
        coordinates = (y, x)
        if not all(_is_number(v) and math.isfinite(v) and v >= 0 for v in coordinates):
            raise SeedError(f"{item!r:.40} has no valid point")
        if not isinstance(positive, bool):
            raise SeedError(f"{item!r:.40} is neither positive nor negative")
        if not isinstance(level, int) or isinstance(level, bool) or level < 0:
            raise SeedError(f"{item!r:.40} has no valid level")
        seeds.append(Seed(float(y), float(x), positive, level))
    return tuple(seeds)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
