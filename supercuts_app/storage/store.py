"""The project file: one SQLite database (WAL mode) holding classes, images and annotations.

Masks are stored as COCO run-length encodings (pycocotools). Every edit is written in one
transaction, so a process killed at any moment loses at most the edit in flight. A file that is
not a SuperCuts project, comes from a newer version or is damaged is refused with one line and
never written to.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from supercuts_app.annotation.categories import Category, CategorySet, color_hex, parse_color
from supercuts_app.annotation.document import Annotation, AnnotationMeta
from supercuts_app.annotation.masks import decode_mask, encode_mask, rle_bbox_area

APPLICATION_ID = 0x53437574  # "SCut": marks the SQLite file as a SuperCuts project
SCHEMA_VERSION = 1
_SQLITE_HEADER = b"SQLite format 3\x00"

_SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    color TEXT NOT NULL,
    parent_id INTEGER REFERENCES categories(id),
    position INTEGER NOT NULL
);
CREATE TABLE images (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    position INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE annotations (
    id INTEGER PRIMARY KEY,
    image_id INTEGER NOT NULL REFERENCES images(id),
    category_id INTEGER NOT NULL REFERENCES categories(id),
    parent_id INTEGER REFERENCES annotations(id),
    z INTEGER NOT NULL,
    rle BLOB NOT NULL,
    area INTEGER NOT NULL,
    bbox TEXT NOT NULL
);
CREATE INDEX annotations_by_image ON annotations(image_id);
"""

# MIGRATIONS[v] upgrades a file of schema v to v + 1 (run in one transaction, after a backup).
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {}


class ProjectFileError(Exception):
    """A project file that cannot be opened or written; the message names it and says why."""


@dataclass(frozen=True)
class ImageRecord:
    """An image of the project; ``path`` is relative to the project's folder (POSIX form)."""

    id: int
    path: str
    width: int
    height: int
    done: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)


class ProjectStore:
    """Open a ``.supercuts`` file (``create=True`` makes a new one; it must not exist)."""

    def __init__(self, path: str | os.PathLike, *, create: bool = False, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        if create:
            _create_file(self.path)
        self.conn = _connect_checked(self.path, readonly=readonly)

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: all of it is on disk when the block ends, or none of it."""
        if self.readonly:
            raise ProjectFileError(f"{self.path}: opened read-only")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise ProjectFileError(f"{self.path}: cannot write ({exc})") from None
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self.conn.execute("ROLLBACK")
            raise ProjectFileError(f"{self.path}: cannot write ({exc})") from None

    # -- settings -------------------------------------------------------------------------------
    def get_setting(self, key: str, default: object = None) -> object:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: object) -> None:
        with self.transaction() as c:
            c.execute("REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    # -- categories -------------------------------------------------------------------------------
    def load_categories(self) -> CategorySet:
        rows = self.conn.execute(
            "SELECT id, name, color, parent_id FROM categories ORDER BY position, id"
        ).fetchall()
        return CategorySet(
            Category(i, n, parse_color(c, f"{self.path}: class {n!r}"), p) for i, n, c, p in rows
        )

    def save_categories(self, categories: CategorySet) -> None:
        """Replace the stored classes by ``categories`` (ids kept)."""
        with self.transaction() as c:
            self.write_categories(c, categories)

    def write_categories(self, conn: sqlite3.Connection, categories: CategorySet) -> None:
        """Replace the stored classes inside an open :meth:`transaction`."""
        conn.execute("PRAGMA defer_foreign_keys = ON")
        conn.execute("DELETE FROM categories")
        conn.executemany(
            "INSERT INTO categories (id, name, color, parent_id, position) VALUES (?,?,?,?,?)",
            [
                (cat.id, cat.name, color_hex(cat.color), cat.parent_id, pos)
                for pos, cat in enumerate(categories)
            ],
        )

    # -- images -----------------------------------------------------------------------------------
    def images(self) -> list[ImageRecord]:
        rows = self.conn.execute(
            "SELECT id, path, width, height, done FROM images ORDER BY position, id"
        ).fetchall()
        return [ImageRecord(i, p, w, h, bool(d)) for i, p, w, h, d in rows]

    def add_images(self, entries: Iterable[tuple[str, int, int]]) -> list[ImageRecord]:
        """Add (relative path, width, height) rows; paths already present are returned as is."""
        with self.transaction() as c:
            self.insert_images(c, entries)
        return self.images()

    def insert_images(
        self, conn: sqlite3.Connection, entries: Iterable[tuple[str, int, int]]
    ) -> dict[str, int]:
        """Add images inside an open :meth:`transaction`; returns every path's image id."""
        ids = dict(conn.execute("SELECT path, id FROM images").fetchall())
        pos = len(ids)
        for path, width, height in entries:
            if path in ids:
                continue
            cur = conn.execute(
                "INSERT INTO images (path, width, height, position) VALUES (?,?,?,?)",
                (path, width, height, pos),
            )
            ids[path] = cur.lastrowid
            pos += 1
        return ids

    def set_done(self, image_id: int, done: bool) -> None:
        with self.transaction() as c:
            c.execute("UPDATE images SET done = ? WHERE id = ?", (int(done), image_id))

    # -- annotations ------------------------------------------------------------------------------
    def max_annotation_id(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM annotations").fetchone()[0])

    def annotation_counts(self) -> dict[int, int]:
        """Number of annotations per image id."""
        rows = self.conn.execute("SELECT image_id, COUNT(*) FROM annotations GROUP BY image_id")
        return dict(rows.fetchall())

    def load_annotations(self, image: ImageRecord) -> list[Annotation]:
        rows = self.conn.execute(
            "SELECT id, category_id, parent_id, z, rle FROM annotations WHERE image_id = ?",
            (image.id,),
        ).fetchall()
        out = []
        for ann_id, cat, parent, z, counts in rows:
            rle = {"size": [image.height, image.width], "counts": bytes(counts)}
            out.append(Annotation(ann_id, cat, decode_mask(rle), parent, z))
        return out

    def load_rles(self, image: ImageRecord) -> list[tuple[int, int, int | None, int, dict]]:
        """(id, category_id, parent_id, z, rle) of an image's annotations, without decoding."""
        rows = self.conn.execute(
            "SELECT id, category_id, parent_id, z, rle FROM annotations WHERE image_id = ? "
            "ORDER BY parent_id IS NOT NULL, z, id",
            (image.id,),
        ).fetchall()
        size = [image.height, image.width]
        return [(i, c, p, z, {"size": size, "counts": bytes(r)}) for i, c, p, z, r in rows]

    def write_annotations(
        self,
        conn: sqlite3.Connection,
        image_id: int,
        present: Iterable[Annotation],
        deleted: Iterable[int] = (),
    ) -> None:
        """Upsert ``present`` and delete ``deleted`` inside an open :meth:`transaction`."""
        conn.execute("PRAGMA defer_foreign_keys = ON")
        for ann_id in deleted:
            conn.execute("DELETE FROM annotations WHERE id = ?", (ann_id,))
        for a in present:
            self.write_rle(conn, image_id, a.id, a.meta, encode_mask(a.mask, a.bounds()[1]))

    def write_rle(
        self, conn: sqlite3.Connection, image_id: int, ann_id: int, meta: AnnotationMeta, rle: dict
    ) -> None:
        """Upsert one annotation given as RLE inside an open :meth:`transaction`."""
        bbox, area = rle_bbox_area(rle)
        conn.execute(
            "REPLACE INTO annotations (id, image_id, category_id, parent_id, z, rle, area, bbox)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (ann_id, image_id, meta.category_id, meta.parent_id, meta.z, rle["counts"], area,
             json.dumps(bbox)),
        )  # fmt: skip

    def annotation_ids(self) -> set[int]:
        return {r[0] for r in self.conn.execute("SELECT id FROM annotations")}


def _create_file(path: Path) -> None:
    """Write a new, empty project at ``path`` atomically (never over an existing file)."""
    if path.exists():
        raise ProjectFileError(f"{path}: exists already; open it instead of creating it")
    if not path.parent.is_dir():
        raise ProjectFileError(f"{path.parent}: folder not found")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ProjectFileError(f"{path.parent}: cannot write here ({exc.strerror})") from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a project is an ordinary document
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.executescript("BEGIN;" + _SCHEMA_V1 + "COMMIT;")
            for version in range(1, SCHEMA_VERSION):
                MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        finally:
            conn.close()
        os.link(tmp, path)  # fails instead of replacing a file created meanwhile
    except FileExistsError:
        raise ProjectFileError(f"{path}: exists already; open it instead of creating it") from None
    except (OSError, sqlite3.Error) as exc:
        raise ProjectFileError(f"{path}: cannot create ({exc})") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _connect_checked(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """Connect after checking that ``path`` is a SuperCuts project this version can use."""
    if not path.is_file():
        raise ProjectFileError(f"{path}: project file not found")
    try:
        with open(path, "rb") as fh:
            header = fh.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise ProjectFileError(f"{path}: cannot read ({exc.strerror})") from None
    if header != _SQLITE_HEADER:
        raise ProjectFileError(f"{path}: not a SuperCuts project (not an SQLite database)")
    uri = path.resolve().as_uri() + ("?mode=ro" if readonly else "?mode=rw")
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise ProjectFileError(f"{path}: cannot open ({exc})") from None
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id != APPLICATION_ID:
            raise ProjectFileError(f"{path}: an SQLite database of another program, not SuperCuts")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ProjectFileError(
                f"{path}: made by a newer SuperCuts (schema {version}; this one reads up to "
                f"{SCHEMA_VERSION})"
            )
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise ProjectFileError(f"{path}: damaged project file ({check})")
        conn.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            if version < SCHEMA_VERSION:
                _migrate(conn, path, version)
        elif version < SCHEMA_VERSION:
            raise ProjectFileError(f"{path}: older schema {version}; open it once to upgrade it")
    except ProjectFileError:
        conn.close()
        raise
    except sqlite3.Error as exc:
        conn.close()
        raise ProjectFileError(f"{path}: damaged or unreadable project file ({exc})") from None
    return conn


def _migrate(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Upgrade to :data:`SCHEMA_VERSION`, keeping a copy of the file as it was."""
    backup = path.with_name(f"{path.name}.schema{version}.bak")
    if not backup.exists():
        copy = sqlite3.connect(backup)
        try:
            conn.backup(copy)
        finally:
            copy.close()
    conn.execute("BEGIN IMMEDIATE")
    try:
        for v in range(version, SCHEMA_VERSION):
            MIGRATIONS[v](conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
