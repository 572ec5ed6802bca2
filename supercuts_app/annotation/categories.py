"""Object classes and the part classes of each, loadable from a small YAML or JSON schema.

A schema file lists object classes, each with optional colour and part classes::

    categories:
      - name: person
        color: "#e6194b"
        parts: [head, torso, arm, leg]
      - name: car
        parts:
          - {name: wheel, color: "#3cb44b"}

The short form ``{person: [head, torso], car: [wheel]}`` is accepted too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from supercuts_app.base.messages import first_line

# Well-separated colours for masks (Sasha Trubetskoy's list of 20 distinct colours).
PALETTE = (
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
    (0, 128, 128), (220, 190, 255), (170, 110, 40), (255, 250, 200), (128, 0, 0),
    (170, 255, 195), (128, 128, 0), (255, 215, 180), (0, 0, 128), (128, 128, 128),
)  # fmt: skip

RGB = tuple[int, int, int]


class CategoryError(ValueError):
    """A category name, colour or schema that cannot be used; the message names it."""


@dataclass(frozen=True)
class Category:
    """An object class (``parent_id`` None) or a part class of the object class ``parent_id``."""

    id: int
    name: str
    color: RGB
    parent_id: int | None = None

    @property
    def is_part(self) -> bool:
        return self.parent_id is not None


def parse_color(value: object, where: str) -> RGB:
    """``"#rrggbb"`` or ``[r, g, b]`` as an RGB triple."""
    if isinstance(value, str) and len(value) == 7 and value.startswith("#"):
        try:
            return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]
        except ValueError:
            pass
    if (
        isinstance(value, list | tuple)
        and len(value) == 3
        and all(isinstance(v, int) and 0 <= v <= 255 for v in value)
    ):
        return tuple(value)  # type: ignore[return-value]
    raise CategoryError(f"{where}: colour {value!r} is not '#rrggbb' or [r, g, b]")


def color_hex(color: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*color)


class CategorySet:
    """The project's object classes and their part classes, in display order."""

    def __init__(self, categories: Iterable[Category] = ()) -> None:
        self._by_id: dict[int, Category] = {}
        for c in categories:
            self._put(c)

    def __iter__(self) -> Iterator[Category]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, category_id: object) -> bool:
        return category_id in self._by_id

    def get(self, category_id: int) -> Category:
        try:
            return self._by_id[category_id]
        except KeyError:
            raise CategoryError(f"no category with id {category_id}") from None

    def objects(self) -> list[Category]:
        """Object classes in order."""
        return [c for c in self._by_id.values() if c.parent_id is None]

    def parts_of(self, object_class_id: int) -> list[Category]:
        """Part classes of one object class, in order."""
        return [c for c in self._by_id.values() if c.parent_id == object_class_id]

    def find(self, name: str, parent_id: int | None = None) -> Category | None:
        """The object class ``name`` (or the part class ``name`` of ``parent_id``), if any."""
        for c in self._by_id.values():
            if c.name == name and c.parent_id == parent_id:
                return c
        return None

    def add(
        self,
        name: str,
        *,
        parent_id: int | None = None,
        color: RGB | None = None,
        category_id: int | None = None,
    ) -> Category:
        """A new object class, or a part class of ``parent_id``; names are unique per level.

        ``category_id`` asks for a specific unused id (imports keep the file's ids)."""
        name = _clean_name(name)
        if parent_id is not None and self.get(parent_id).is_part:
            owner = self.get(parent_id).name
            raise CategoryError(f"{owner!r} is a part class; parts have no parts")
        if self.find(name, parent_id) is not None:
            owner = f" of {self.get(parent_id).name!r}" if parent_id is not None else ""
            raise CategoryError(f"class {name!r}{owner} exists already")
        if category_id is not None and (category_id < 1 or category_id in self._by_id):
            raise CategoryError(f"class id {category_id} is taken or not positive")
        new_id = category_id or max(self._by_id, default=0) + 1
        if color is None:
            siblings = self.parts_of(parent_id) if parent_id is not None else self.objects()
            color = PALETTE[len(siblings) % len(PALETTE)]
        category = Category(new_id, name, color, parent_id)
        self._put(category)
        return category

    def rename(self, category_id: int, name: str) -> Category:
        current = self.get(category_id)
        name = _clean_name(name)
        other = self.find(name, current.parent_id)
        if other is not None and other.id != category_id:
            raise CategoryError(f"class {name!r} exists already")
        return self._put(replace(current, name=name))

    def recolor(self, category_id: int, color: RGB) -> Category:
        return self._put(replace(self.get(category_id), color=color))

    def remove(self, category_id: int) -> list[int]:
        """Remove a class and, for an object class, its part classes; returns the removed ids."""
        self.get(category_id)
        gone = [category_id, *(c.id for c in self.parts_of(category_id))]
        for cid in gone:
            del self._by_id[cid]
        return gone

    def to_schema(self) -> dict:
        """The schema-file form of this set (see the module docstring)."""
        return {
            "categories": [
                {
                    "name": o.name,
                    "color": color_hex(o.color),
                    "parts": [
                        {"name": p.name, "color": color_hex(p.color)} for p in self.parts_of(o.id)
                    ],
                }
                for o in self.objects()
            ]
        }

    def _put(self, category: Category) -> Category:
        self._by_id[category.id] = category
        return category


def _clean_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise CategoryError(f"class name {name!r} is empty or not text")
    return name.strip()


def schema_from_data(data: object, where: str = "schema") -> CategorySet:
    """Build a :class:`CategorySet` from parsed schema data (either form)."""
    if isinstance(data, dict) and "categories" in data:
        entries = data["categories"]
    elif isinstance(data, dict):
        entries = [{"name": k, "parts": v or []} for k, v in data.items()]
    else:
        raise CategoryError(f"{where}: expected a mapping with 'categories'")
    if not isinstance(entries, list):
        raise CategoryError(f"{where}: 'categories' must be a list")
    out = CategorySet()
    for i, entry in enumerate(entries):
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict):
            raise CategoryError(f"{where}: category {i} is not a mapping")
        here = f"{where}: category {entry.get('name', i)!r}"
        color = parse_color(entry["color"], here) if "color" in entry else None
        obj = out.add(entry.get("name"), color=color)
        parts = entry.get("parts", [])
        if not isinstance(parts, list):
            raise CategoryError(f"{here}: 'parts' must be a list")
        for part in parts:
            part = {"name": part} if isinstance(part, str) else part
            if not isinstance(part, dict):
                raise CategoryError(f"{here}: part {part!r} is not a name or mapping")
            pcolor = parse_color(part["color"], here) if "color" in part else None
            out.add(part.get("name"), parent_id=obj.id, color=pcolor)
    return out


def load_schema(path: str | Path) -> CategorySet:
    """Read a ``.yaml``/``.yml`` or ``.json`` schema file (raises :class:`CategoryError`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CategoryError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:
        first = first_line(exc)
        kind = path.suffix.lstrip(".") or "JSON"
        raise CategoryError(f"{path}: not valid {kind}: {first}") from None
    return schema_from_data(data, str(path))
