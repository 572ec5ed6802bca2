"""The log of unexpected errors: where the window writes the tracebacks it does not show.

A user error (a damaged project, an unreadable image) is shown as one readable line and logged
nowhere. An unexpected error is a bug: the user sees a short line naming this file, and the
file holds the traceback to attach to a report. The file lives in the platform's user log folder
(``$SUPERCUTS_LOG_DIR`` when set, so that tests and portable set-ups choose their own) and never
grows past :data:`MAX_LOG_BYTES`: when the next entry would not fit, the file becomes
``supercuts.log.1`` (replacing the older one) and a new one starts.
"""

from __future__ import annotations

import os
import platform
import threading
import traceback
from datetime import datetime
from pathlib import Path

LOG_DIR_ENV = "SUPERCUTS_LOG_DIR"
"""Environment variable naming the folder of the log instead of the user log folder."""

LOG_FILE_NAME = "supercuts.log"

MAX_LOG_BYTES = 1_000_000
"""Largest size of the log file: a few hundred tracebacks, small enough to attach to a report."""

# Entries come from worker threads and from the GUI thread; one at a time keeps them whole.
_WRITING = threading.Lock()


def log_folder() -> Path:
    """``$SUPERCUTS_LOG_DIR``, or the platform's user log folder for SuperCuts.

    Returns
    -------
    pathlib.Path
        The folder; it is created by the first entry, not here.
    """
    env = os.environ.get(LOG_DIR_ENV)
    if env:
        return Path(env)
    from platformdirs import user_log_dir

    # The same application name as the user data folder (storage.workspace.user_projects_dir).
    return Path(user_log_dir("supercuts", appauthor=False))


def log_path() -> Path:
    """The log file that :func:`log_unexpected` writes (it may not exist yet).

    Returns
    -------
    pathlib.Path
        ``log_folder() / "supercuts.log"``.
    """
    return log_folder() / LOG_FILE_NAME


def log_unexpected(exc: BaseException, *, during: str) -> Path:
    """Append the traceback of ``exc`` to the log, with the time, the versions and what was
    being done.

    Parameters
    ----------
    exc : BaseException
        The exception, with its traceback.
    during : str
        What was running, e.g. the job's function name.

    Returns
    -------
    pathlib.Path
        The log file written.

    Raises
    ------
    OSError
        When the folder or the file cannot be written.
    """
    return log_text(
        f"unexpected error during {during}\n" + "".join(traceback.format_exception(exc))
    )


def log_text(text: str) -> Path:
    """Append one entry (``text`` under a header line) to the log.

    Parameters
    ----------
    text : str
        The entry; a newline is added when it has none at its end.

    Returns
    -------
    pathlib.Path
        The log file written.

    Raises
    ------
    OSError
        When the folder or the file cannot be written.
    """
    from supercuts_app import __version__

    header = (
        f"--- {datetime.now().isoformat(timespec='seconds')} SuperCuts {__version__}, "
        f"Python {platform.python_version()}, {platform.platform()}\n"
    )
    entry = (header + text.rstrip("\n") + "\n").encode("utf-8", "replace")[:MAX_LOG_BYTES]
    path = log_path()
    with _WRITING:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size + len(entry) > MAX_LOG_BYTES:
            os.replace(path, path.with_name(LOG_FILE_NAME + ".1"))
        with open(path, "ab") as log:
            log.write(entry)
    return path
