"""The project file's format: its SQLite schema, the checks before opening one, and migrations.

A file that is not a SuperCuts project, comes from a newer version or is damaged is refused with
one line and never written to. :class:`~supercuts_app.storage.store.ProjectStore` is the only
user of this module.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

APPLICATION_ID = 0x53437574  # "SCut": marks the SQLite file as a SuperCuts project
SCHEMA_VERSION = 3
OLDEST_READABLE_SCHEMA = 1
"""Read-only opening takes files down to this schema (reading them is the same); writing
upgrades them first. A schema that :data:`MIGRATIONS` cannot upgrade is refused either way."""
BUSY_TIMEOUT_S = 30.0
"""How long a write waits for another connection's write (an import beside the window)."""
_SQLITE_HEADER = b"SQLite format 3\x00"

# Schema 1; every later schema is schema 1 plus MIGRATIONS, so a new file and an upgraded old
# one are the same. ``images.done`` is no longer used (nothing ever set it) but stays in files.
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

# Schema 2: class and annotation ids are AUTOINCREMENT, so an id is never handed out twice, not
# even one whose row was deleted (an undo in an open window may still bring that row back).
_AUTOINCREMENT_IDS = """
CREATE TABLE categories_v2 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    color TEXT NOT NULL,
    parent_id INTEGER REFERENCES categories(id),
    position INTEGER NOT NULL
);
INSERT INTO categories_v2 (id, name, color, parent_id, position)
    SELECT id, name, color, parent_id, position FROM categories;
CREATE TABLE annotations_v2 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    image_id INTEGER NOT NULL REFERENCES images(id),
    category_id INTEGER NOT NULL REFERENCES categories(id),
    parent_id INTEGER REFERENCES annotations(id),
    z INTEGER NOT NULL,
    rle BLOB NOT NULL,
    area INTEGER NOT NULL,
    bbox TEXT NOT NULL
);
INSERT INTO annotations_v2 (id, image_id, category_id, parent_id, z, rle, area, bbox)
    SELECT id, image_id, category_id, parent_id, z, rle, area, bbox FROM annotations;
DROP TABLE annotations;
DROP TABLE categories;
ALTER TABLE categories_v2 RENAME TO categories;
ALTER TABLE annotations_v2 RENAME TO annotations;
CREATE INDEX annotations_by_image ON annotations(image_id);
"""


def _autoincrement_ids(conn: sqlite3.Connection) -> None:
    # Statement by statement: executescript would commit the migration's transaction.
    for statement in _AUTOINCREMENT_IDS.split(";"):
        if statement.strip():
            conn.execute(statement)


def _seed_column(conn: sqlite3.Connection) -> None:
    """Schema 3: each annotation's seed clicks, as JSON text (see
    :func:`~supercuts_app.annotation.seeds.seeds_to_json`); annotations of older files have none."""
    conn.execute("ALTER TABLE annotations ADD COLUMN seeds TEXT NOT NULL DEFAULT '[]'")


# MIGRATIONS[v] upgrades a file of schema v to v + 1 (run in one transaction, after a backup,
# with foreign keys off so that tables can be rebuilt).
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _autoincrement_ids,
    2: _seed_column,
}


class ProjectFileError(Exception):
    """A project file that cannot be opened or written; the message names it and says why.

    The message is always one line: SQLite's own texts (``quick_check``'s report, for one) may
    span several, and they are joined with "; "."""

    def __init__(self, message: str) -> None:
        super().__init__("; ".join(line.strip() for line in message.splitlines() if line.strip()))


def sqlite_problem(path: Path, exc: sqlite3.Error) -> ProjectFileError:
    """The one-line error for an SQLite failure on ``path``, saying "damaged" only when the file
    is (a permission or lock problem is not damage)."""
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_FORMAT")):
        return ProjectFileError(f"{path}: damaged project file ({exc})")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return ProjectFileError(f"{path}: busy, another program is writing it ({exc})")
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_READONLY", "SQLITE_AUTH")):
        return ProjectFileError(f"{path}: cannot open, no permission or a read-only folder ({exc})")
    return ProjectFileError(f"{path}: cannot read or write ({exc})")


def create_file(path: Path) -> None:
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
            conn.execute("BEGIN")
            for statement in _SCHEMA_V1.split(";"):
                if statement.strip():
                    conn.execute(statement)
            for version in range(1, SCHEMA_VERSION):
                MIGRATIONS[version](conn)
            conn.execute("COMMIT")
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


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """One more connection to a file already checked by :func:`connect_checked`.

    ``check_same_thread`` is off only so that the store can close every thread's connection
    from the thread that closes the project; each connection is used by one thread. A read-only
    connection is made by :func:`_read_only_uri`."""
    uri = _read_only_uri(path) if readonly else path.resolve().as_uri() + "?mode=rw"
    conn = None
    try:
        conn = sqlite3.connect(
            uri, uri=True, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
        )
        conn.execute("PRAGMA foreign_keys = ON")
        if readonly:
            conn.execute("PRAGMA query_only = ON")
        else:
            conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise sqlite_problem(path, exc) from None
    return conn


def _read_only_uri(path: Path) -> str:
    """How to read ``path`` without writing it and without leaving files beside it.

    - rollback journal (the shipped demo): ``mode=ro``; a read writes nothing.
    - WAL, in a folder and file this process may write: read-write with ``query_only``, so that
      SQLite shares the ``-wal``/``-shm`` of a window editing it, and deletes them when the
      last connection closes (``mode=ro`` would leave them behind).
    - WAL, where it may not write, with no ``-wal`` beside it: nobody is writing it (a writer
      needs that file), so ``immutable=1`` reads it with no side files at all; ``mode=ro``
      could not open it there.
    - WAL, where it may not write, with a ``-wal``: ``mode=ro`` (SQLite reads the log if its
      ``-shm`` exists; if not, opening fails with a permission error, never "damaged").
    """
    uri = path.resolve().as_uri()
    if not _is_wal(path):
        return uri + "?mode=ro"
    if os.access(path.parent, os.W_OK) and os.access(path, os.W_OK):
        return uri + "?mode=rw"
    if not _side_file(path, "-wal").exists():
        return uri + "?mode=ro&immutable=1"
    return uri + "?mode=ro"


def _is_wal(path: Path) -> bool:
    """Whether the file's header says WAL mode (its read and write format versions are 2)."""
    try:
        with open(path, "rb") as fh:
            header = fh.read(20)
    except OSError:
        return False  # then opening it reports the problem
    return header[18:20] == b"\x02\x02"


def _side_file(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def connect_checked(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """Connect after checking that ``path`` is a SuperCuts project this version can use.

    Opening for writing switches the file to WAL mode (readers never wait for the writer) and
    upgrades an older schema."""
    if not path.is_file():
        raise ProjectFileError(f"{path}: project file not found")
    try:
        with open(path, "rb") as fh:
            header = fh.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise ProjectFileError(f"{path}: cannot read ({exc.strerror})") from None
    if header != _SQLITE_HEADER:
        raise ProjectFileError(f"{path}: not a SuperCuts project (not an SQLite database)")
    had_log = _side_file(path, "-wal").exists()
    try:
        conn = connect(path, readonly=readonly)
    except ProjectFileError:
        _remove_empty_log(path, had_log)
        raise
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
        if any(v not in MIGRATIONS for v in range(version, SCHEMA_VERSION)):
            # No SuperCuts wrote this schema number (0: none at all), so nothing says what its
            # tables hold: refused before anything (a backup, an upgrade) is written.
            raise ProjectFileError(
                f"{path}: damaged project file (schema {version}, which no SuperCuts "
                "wrote); not opened, nothing changed"
            )
        problems = [
            line
            for (report,) in conn.execute("PRAGMA quick_check").fetchall()
            for line in report.splitlines()
            if line != "ok" and not line.startswith("***")  # "*** in database main ***"
        ]
        if problems:
            more = f"; and {len(problems) - 1} more" if len(problems) > 1 else ""
            raise ProjectFileError(f"{path}: damaged project file ({problems[0]}{more})")
        if not readonly:
            if version < SCHEMA_VERSION:
                _migrate(conn, path, version)  # first, so that the backup is the file as it was
            conn.execute("PRAGMA journal_mode = WAL")
        elif version < OLDEST_READABLE_SCHEMA:
            raise ProjectFileError(f"{path}: older schema {version}; open it once to upgrade it")
    except ProjectFileError:
        conn.close()
        _remove_empty_log(path, had_log)
        raise
    except sqlite3.Error as exc:
        conn.close()
        _remove_empty_log(path, had_log)
        raise sqlite_problem(path, exc) from None
    return conn


def _remove_empty_log(path: Path, had_log: bool) -> None:
    """Remove the empty ``-wal`` (and its ``-shm``) that opening a refused file made: SQLite
    keeps them when it cannot read a damaged file, and a refused file is left as it was."""
    wal = _side_file(path, "-wal")
    if not had_log and wal.exists() and wal.stat().st_size == 0:
        wal.unlink(missing_ok=True)
        _side_file(path, "-shm").unlink(missing_ok=True)


def _migrate(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Upgrade to :data:`SCHEMA_VERSION`, keeping a copy of the file as it was.

    If the upgrade fails, the file is left as it was and a backup made by this call removed."""
    backup = path.with_name(f"{path.name}.schema{version}.bak")
    made_backup = not backup.exists()
    if made_backup:
        copy = sqlite3.connect(backup)
        try:
            conn.backup(copy)
        finally:
            copy.close()
    try:
        _upgrade(conn, path, version)
    except BaseException:
        if made_backup:
            backup.unlink(missing_ok=True)
        raise


def _upgrade(conn: sqlite3.Connection, path: Path, version: int) -> None:
    conn.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction, so set before
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] == version:  # not done meanwhile
            for v in range(version, SCHEMA_VERSION):
                MIGRATIONS[v](conn)
            broken = conn.execute("PRAGMA foreign_key_check").fetchone()
            if broken is not None:
                raise ProjectFileError(f"{path}: damaged project file (dangling {broken[0]} row)")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
