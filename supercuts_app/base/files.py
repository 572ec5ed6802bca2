"""Files in and out: atomic writes, and one-line reasons why a path cannot be read or written.

Atomic writes: readers see the old file or the whole new one, never half of it; a write that
fails (a full disk, a folder made read-only meanwhile) leaves no temporary file behind.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import cv2
import numpy as np


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    write_files_atomic({path: data})


def write_files_atomic(files: Mapping[str | os.PathLike, bytes]) -> None:
    """Write several files (e.g. an image's labels and their overlay) as one step.

    Every file is first written completely to a temporary file beside its target; only when
    all of them are on disk are they renamed into place. A failure before that point (the
    usual one: a full disk) leaves every target as it was and no temporary file behind.

    Parameters
    ----------
    files : mapping of path to bytes
        Target path and its new contents; the targets' folders must exist.

    Raises
    ------
    OSError
        As raised by the failing write or rename.
    """
    pending: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            path = Path(path)
            pending.append((_write_temporary(path, data), path))
        while pending:
            tmp, path = pending[0]
            os.replace(tmp, path)
            pending.pop(0)
    except BaseException:
        for tmp, _ in pending:
            Path(tmp).unlink(missing_ok=True)
        raise


def _write_temporary(path: Path, data: bytes) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); outputs get the usual permissions instead.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def encode_png(array: np.ndarray) -> bytes:
    """Encode a uint8/uint16 gray (H, W) or uint8 RGB (H, W, 3) array as PNG bytes."""
    if array.ndim == 3:
        array = cv2.cvtColor(np.ascontiguousarray(array), cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".png", array)
    if not ok:
        raise ValueError("PNG encoding failed")
    return buf.tobytes()


def write_png_atomic(path: str | os.PathLike, array: np.ndarray) -> None:
    """Save ``array`` (see :func:`encode_png`) as a PNG file, atomically."""
    write_bytes_atomic(path, encode_png(array))


def os_error_text(exc: OSError) -> str:
    """The cause of an OS error in a few words (``strerror``), without paths or codes."""
    return exc.strerror or str(exc).splitlines()[0] or type(exc).__name__


def unreachable_reason(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot be reached, in a few words, or None when it can.

    Distinguishes a missing file from a broken symbolic link (whose target is missing), a
    symbolic link loop, a file where a folder is expected on the way and a folder that may not
    be searched; each of them makes ``Path.exists()`` merely False.
    """
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (the link leads back to itself)"
        if exc.errno == errno.ENOENT and os.path.islink(path):
            return f"broken symbolic link (to {os.readlink(path)}, which does not exist)"
        if exc.errno == errno.ENOENT:
            return "file not found"
        if exc.errno == errno.ENOTDIR:
            return "not found (a part of the path is a file, not a folder)"
        if exc.errno == errno.EACCES:
            return "cannot be reached (permission denied)"
        return f"cannot be reached ({os_error_text(exc)})"
    return None


def output_problem(path: str | os.PathLike, *, folder: bool) -> str | None:
    """Why ``path`` cannot be written as an output file (or folder), or None when it can.

    Checks what can be known before any work is done: an existing target of the wrong kind
    or not writable, and the nearest existing folder above it (which will hold the target or
    the folders made for it) being a file, a broken link, unreachable or not writable; for a
    file, its folder must exist. A write can still fail later (a full disk); callers handle
    that too.
    """
    path = Path(path)
    if os.path.exists(path):
        if folder and not os.path.isdir(path):
            return "exists and is not a folder"
        if not folder and os.path.isdir(path):
            return "is a folder, not a file"
        holder = path if folder else path.parent
        if not os.access(holder, os.W_OK | os.X_OK):
            return f"cannot write in folder {holder} (read-only or no permission)"
        return None
    above = path.parent
    while not os.path.exists(above) and above != above.parent:
        if os.path.islink(above):  # a broken link or a loop: no folder can be made there
            return f"{above}: {unreachable_reason(above)}"
        above = above.parent
    if not os.path.isdir(above):
        return f"{above} is a file, not a folder"
    if not os.access(above, os.W_OK | os.X_OK):
        return f"cannot write in folder {above} (read-only or no permission)"
    if not folder and above != path.parent:  # a file's folder must exist; folders are made
        return f"folder {path.parent} does not exist"
    return None
