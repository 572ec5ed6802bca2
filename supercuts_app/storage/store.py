"""The project file: one SQLite database (WAL mode) holding classes, images and annotations.

This class holds every SQL statement of the application. Masks are stored as COCO run-length
encodings (pycocotools), encoded from and decoded into the crop of their rectangle, so reading
and writing an annotation costs its size and runs, not the image's. Every edit is written in one
transaction, so a process killed at any moment loses at most the edit in flight.

Connections: each thread gets its own connection, made on its first use (``threading.local``):
the GUI thread and the worker never share one, and SQLite serialises their writes the way it
serialises two processes (``BEGIN IMMEDIATE``, waiting up to ``BUSY_TIMEOUT_S``). :meth:`close`
closes all of them.

Rows are checked as they are read (:mod:`.rows`): one that passed SQLite's own checks but is not
what SuperCuts writes raises :class:`ProjectFileError` naming it, before anything uses it.

Ids: class and annotation ids come from the database (``AUTOINCREMENT``), never from a counter
kept in memory, so two programs writing one file never hand out the same id, and an id is never
reused, not even after its row is deleted.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from supercuts_app.annotation.categories import RGB, CategoryError, CategorySet, color_hex
from supercuts_app.annotation.document import Annotation, AnnotationMeta
from supercuts_app.annotation.masks import decode_cropped, encode_cropped, rle_bbox_area
from supercuts_app.annotation.seeds import Seed, seeds_to_json

from .rows import (
    category_from_row,
    check_image_row,
    checked_annotation_rle,
    checked_seeds,
    damaged,
)
from .schema import ProjectFileError, connect, connect_checked, create_file, sqlite_problem

__all__ = ["ImageRecord", "ProjectFileError", "ProjectStore", "StoredRle"]


@dataclass(frozen=True)
class ImageRecord:
    """An image of the project; ``path`` is relative to the project's folder (POSIX form)."""

    id: int
    path: str
    width: int
    height: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)


@dataclass(frozen=True)
class StoredRle:
    """One stored annotation with its mask left encoded (COCO RLE)."""

    id: int
    category_id: int
    parent_id: int | None
    z: int
    rle: dict
    seeds: tuple[Seed, ...] = ()


class ProjectStore:
    """Open a ``.supercuts`` file (``create=True`` makes a new one; it must not exist)."""

    def __init__(self, path: str | os.PathLike, *, create: bool = False, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        if create:
            create_file(self.path)
        first = connect_checked(self.path, readonly=readonly)
        self._local = threading.local()
        self._local.conn = first
        self._connections = [first]
        self._lock = threading.Lock()
        self._closed = False
        # Files before schema 3 have no seeds column; only read-only opening leaves one so
        # (writing upgrades it), so this is known once, at opening.
        self._has_seeds = not readonly or self._has_seeds_column(first)

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection (made on its first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or self._closed:
            with self._lock:
                if self._closed:
                    raise ProjectFileError(f"{self.path}: project is closed")
                conn = connect(self.path, readonly=self.readonly)
                self._connections.append(conn)
            self._local.conn = conn
        return conn

    def connection_id(self) -> int:
        """Identifies the calling thread's connection (tests check that threads do not share)."""
        return id(self._conn())

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            self._closed = True
            for conn in self._connections:
                conn.close()
            self._connections.clear()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic write: all of it is on disk when the block ends, or none of it.

        It takes the file's write lock at once (``BEGIN IMMEDIATE``), so what the block reads is
        still true when it writes. Inside a transaction of this thread, joins it."""
        if self.readonly:
            raise ProjectFileError(f"{self.path}: opened read-only")
        conn = self._conn()
        if conn.in_transaction:
            yield
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise ProjectFileError(f"{self.path}: cannot write ({exc})") from None
        try:
            yield
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise sqlite_problem(self.path, exc) from None
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except (sqlite3.OperationalError, sqlite3.IntegrityError) as exc:
            conn.execute("ROLLBACK")
            raise ProjectFileError(f"{self.path}: cannot write ({exc})") from None

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that see one state of the file, whatever other connections commit meanwhile."""
        conn = self._conn()
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            conn.execute("COMMIT")

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file, as far as readers allow."""
        self._conn().execute("PRAGMA wal_checkpoint(PASSIVE)")

    def make_single_file(self) -> None:
        """Leave WAL mode and compact the file, so that it opens from a read-only folder with no
        side files (the shipped demo). Other connections must be closed."""
        conn = self._conn()
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("VACUUM")

    def journal_mode(self) -> str:
        return self._conn().execute("PRAGMA journal_mode").fetchone()[0]

    def schema_version(self) -> int:
        return self._conn().execute("PRAGMA user_version").fetchone()[0]

    def copy_to(self, target: Path, image_paths: dict[int, str]) -> None:
        """Write a copy of the project to ``target`` with the images' paths replaced by
        ``image_paths`` (image id -> path relative to the copy's folder)."""
        copy = sqlite3.connect(target)
        try:
            self._conn().backup(copy)
            with copy:
                copy.executemany(
                    "UPDATE images SET path = ? WHERE id = ?",
                    [(p, i) for i, p in image_paths.items()],
                )
        finally:
            copy.close()

    # -- settings -------------------------------------------------------------------------------
    def get_setting(self, key: str, default: object = None) -> object:
        row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            return default
        try:
            return json.loads(row[0])
        except (TypeError, ValueError):
            raise damaged(self.path, f"setting {key!r}", "its value is not JSON") from None

    def set_setting(self, key: str, value: object) -> None:
        with self.transaction():
            self._conn().execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    # -- categories -------------------------------------------------------------------------------
    def load_categories(self) -> CategorySet:
        rows = (
            self._conn()
            .execute("SELECT id, name, color, parent_id FROM categories ORDER BY position, id")
            .fetchall()
        )
        classes = [category_from_row(self.path, *row) for row in rows]
        try:
            return CategorySet(classes)
        except CategoryError as exc:
            raise damaged(self.path, "classes", str(exc)) from None

    def insert_category(
        self, name: str, color: RGB, parent_id: int | None, *, category_id: int | None = None
    ) -> int:
        """Add a class after the others; returns its id (the database's, unless
        ``category_id`` asks for one never used in this file)."""
        with self.transaction():
            conn = self._conn()
            (position,) = conn.execute(
                "SELECT COALESCE(MAX(position), -1) + 1 FROM categories"
            ).fetchone()
            cur = conn.execute(
                "INSERT INTO categories (id, name, color, parent_id, position) VALUES (?,?,?,?,?)",
                (category_id, name, color_hex(color), parent_id, position),
            )
            return cur.lastrowid

    def rename_category(self, category_id: int, name: str) -> None:
        with self.transaction():
            self._conn().execute("UPDATE categories SET name = ? WHERE id = ?", (name, category_id))

    def delete_categories(self, category_ids: Iterable[int]) -> None:
        """Delete classes (the caller checked that no annotation uses them)."""
        with self.transaction():
            conn = self._conn()
            conn.execute("PRAGMA defer_foreign_keys = ON")  # parts and their object together
            conn.executemany("DELETE FROM categories WHERE id = ?", [(i,) for i in category_ids])

    def category_use_count(self, category_ids: Iterable[int]) -> int:
        """How many annotations use any of these classes."""
        ids = list(category_ids)
        marks = ",".join("?" * len(ids))
        row = (
            self._conn()
            .execute(f"SELECT COUNT(*) FROM annotations WHERE category_id IN ({marks})", ids)
            .fetchone()
        )
        return int(row[0])

    def last_category_id(self) -> int:
        """The highest class id this file ever handed out."""
        return self._last_id("categories")

    # -- images -----------------------------------------------------------------------------------
    def images(self) -> list[ImageRecord]:
        rows = (
            self._conn()
            .execute("SELECT id, path, width, height FROM images ORDER BY position, id")
            .fetchall()
        )
        for row in rows:
            check_image_row(self.path, *row)
        return [ImageRecord(i, p, w, h) for i, p, w, h in rows]

    def add_images(self, entries: Iterable[tuple[str, int, int]]) -> dict[str, int]:
        """Add (relative path, width, height) rows, leaving paths already present as they are;
        returns every path's image id."""
        with self.transaction():
            conn = self._conn()
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

    # -- annotations ------------------------------------------------------------------------------
    def reserve_annotation_id(self) -> int:
        """A new annotation id, never handed out before in this file, for a row written later
        (the document creates an annotation before its edit is saved)."""
        with self.transaction():
            conn = self._conn()
            conn.execute(
                "INSERT INTO sqlite_sequence (name, seq) SELECT 'annotations', "
                "(SELECT COALESCE(MAX(id), 0) FROM annotations) WHERE NOT EXISTS "
                "(SELECT 1 FROM sqlite_sequence WHERE name = 'annotations')"
            )
            (new,) = conn.execute(
                "UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'annotations' RETURNING seq"
            ).fetchone()
        return int(new)

    def last_annotation_id(self) -> int:
        """The highest annotation id this file ever handed out."""
        return self._last_id("annotations")

    def _last_id(self, table: str) -> int:
        conn = self._conn()
        # Schema-1 files (read-only) have no sequence: their highest row is the answer.
        row = conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)
        ).fetchone() if self._has_sequence(conn) else None  # fmt: skip
        highest = conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]
        return max(int(row[0]) if row else 0, int(highest))

    @staticmethod
    def _has_sequence(conn: sqlite3.Connection) -> bool:
        return conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"
        ).fetchone() is not None  # fmt: skip

    def annotation_counts(self) -> dict[int, int]:
        """Number of annotations per image id."""
        rows = self._conn().execute("SELECT image_id, COUNT(*) FROM annotations GROUP BY image_id")
        return dict(rows.fetchall())

    def load_annotations(self, image: ImageRecord) -> list[Annotation]:
        return [
            Annotation(r.id, r.category_id, decode_cropped(r.rle), r.parent_id, r.z, r.seeds)
            for r in self.load_rles(image)
        ]

    def load_rles(self, image: ImageRecord) -> list[StoredRle]:
        """An image's annotations, objects first, each level bottom to top, masks encoded."""
        conn = self._conn()
        seeds = "a.seeds" if self._has_seeds else "'[]'"
        rows = conn.execute(
            f"SELECT a.id, a.category_id, a.parent_id, a.z, a.rle, {seeds},"
            " c.parent_id IS NOT NULL, c.id IS NOT NULL FROM annotations AS a"
            " LEFT JOIN categories AS c ON c.id = a.category_id WHERE a.image_id = ?"
            " ORDER BY a.parent_id IS NOT NULL, a.z, a.id",
            (image.id,),
        ).fetchall()
        out = []
        for ann_id, category_id, parent_id, z, counts, text, of_part_class, has_class in rows:
            where = f"annotation {ann_id} of image {image.id} ({image.path})"
            rle = checked_annotation_rle(
                self.path,
                where,
                counts=counts,
                height=image.height,
                width=image.width,
                has_class=bool(has_class),
                is_part=parent_id is not None,
                of_part_class=bool(of_part_class),
                z=z,
            )
            clicks = checked_seeds(self.path, where, text, height=image.height, width=image.width)
            out.append(StoredRle(ann_id, category_id, parent_id, z, rle, clicks))
        return out

    @staticmethod
    def _has_seeds_column(conn: sqlite3.Connection) -> bool:
        return any(row[1] == "seeds" for row in conn.execute("PRAGMA table_info(annotations)"))

    def write_annotations(
        self,
        image_id: int,
        present: Iterable[Annotation],
        deleted: Iterable[int] = (),
        *,
        metadata_only: Iterable[Annotation] = (),
    ) -> None:
        """Write ``present`` (new ones, whose ids were reserved, or changed ones) and delete
        ``deleted``, all of image ``image_id``, in one transaction.

        ``metadata_only`` are stored annotations whose class, parent, order or seeds changed but
        not their pixels: only those columns are written, so a relabel or a reorder does not
        re-encode masks (one not stored yet is written whole).

        A row of another image is never touched: an id found there raises
        :class:`ProjectFileError`, and the transaction writes nothing."""
        with self.transaction():
            conn = self._conn()
            conn.execute("PRAGMA defer_foreign_keys = ON")  # an object and its parts together
            conn.executemany(
                "DELETE FROM annotations WHERE id = ? AND image_id = ?",
                [(ann_id, image_id) for ann_id in deleted],
            )
            unstored = []
            for a in metadata_only:
                m = a.meta
                cur = conn.execute(
                    "UPDATE annotations SET category_id = ?, parent_id = ?, z = ?, seeds = ?"
                    " WHERE id = ? AND image_id = ?",
                    (m.category_id, m.parent_id, m.z, seeds_to_json(m.seeds), a.id, image_id),
                )
                if cur.rowcount != 1:
                    unstored.append(a)
            for a in [*present, *unstored]:
                rle = encode_cropped(a.pixels)
                self._upsert_rle(conn, image_id, a.id, a.meta, rle)

    def insert_rle(
        self, image_id: int, meta: AnnotationMeta, rle: dict, *, ann_id: int | None = None
    ) -> int:
        """Add one annotation given as RLE; returns its id (the database's, unless ``ann_id``
        asks for one never used in this file)."""
        bbox, area = rle_bbox_area(rle)
        with self.transaction():
            cur = self._conn().execute(
                "INSERT INTO annotations"
                " (id, image_id, category_id, parent_id, z, rle, area, bbox, seeds)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (ann_id, image_id, meta.category_id, meta.parent_id, meta.z, rle["counts"], area,
                 json.dumps(bbox), seeds_to_json(meta.seeds)),
            )  # fmt: skip
            return cur.lastrowid

    def delete_image_annotations(self, image_id: int) -> None:
        with self.transaction():
            self._conn().execute("DELETE FROM annotations WHERE image_id = ?", (image_id,))

    def _upsert_rle(
        self, conn: sqlite3.Connection, image_id: int, ann_id: int, meta: AnnotationMeta, rle: dict
    ) -> None:
        bbox, area = rle_bbox_area(rle)
        cur = conn.execute(
            "INSERT INTO annotations"
            " (id, image_id, category_id, parent_id, z, rle, area, bbox, seeds)"
            " VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET"
            " category_id = excluded.category_id, parent_id = excluded.parent_id,"
            " z = excluded.z, rle = excluded.rle, area = excluded.area, bbox = excluded.bbox,"
            " seeds = excluded.seeds WHERE annotations.image_id = excluded.image_id",
            (ann_id, image_id, meta.category_id, meta.parent_id, meta.z, rle["counts"], area,
             json.dumps(bbox), seeds_to_json(meta.seeds)),
        )  # fmt: skip
        if cur.rowcount != 1:
            raise ProjectFileError(
                f"{self.path}: annotation {ann_id} belongs to another image; not written"
            )
