"""What a failed job tells the user: one readable line for bad input, a logged traceback for a bug.

Bad input (a damaged project, an unreadable image, a COCO file that does not check) raises one of
:data:`USER_ERRORS`, whose message already names the file and says what is wrong: it is shown as
it is, with nothing printed to the terminal. Any other exception is a bug: its traceback goes to
the log of unexpected errors (:mod:`supercuts_app.base.error_log`) and the user sees a short line
that says where.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass

from supercuts_app.annotation.categories import CategoryError
from supercuts_app.annotation.document import DocumentError
from supercuts_app.annotation.rle import RleError
from supercuts_app.base.error_log import log_path, log_unexpected
from supercuts_app.base.images import ImageLoadError
from supercuts_app.datasets.bsds import DatasetError
from supercuts_app.formats.coco import CocoError
from supercuts_app.segmentation.edge_model import EdgeModelError
from supercuts_app.segmentation.features import BackboneError
from supercuts_app.segmentation.ssn_head import HeadError
from supercuts_app.storage.store import ProjectFileError

USER_ERRORS: tuple[type[Exception], ...] = (
    ImageLoadError,
    ProjectFileError,
    DocumentError,
    CategoryError,
    RleError,
    CocoError,
    DatasetError,
    EdgeModelError,
    BackboneError,
    HeadError,
)
"""The error types the layers raise for bad input; each message is one line naming the input.
An ``OSError`` with an error code (a missing file, no permission, a full disk) is bad input too."""

SUMMARY_CHARS = 200
"""Longest summary of an unexpected error in the status bar (the log has all of it)."""


@dataclass(frozen=True)
class Failure:
    """A failed job, as the window reports it.

    Attributes
    ----------
    message : str
        One readable line (no exception class name for bad input).
    unexpected : bool
        True for a bug (its traceback is in the log), False for bad input.
    """

    message: str
    unexpected: bool


def describe_failure(exc: BaseException, *, during: str) -> Failure:
    """The failure to show for ``exc``; a bug's traceback is written to the log here.

    Parameters
    ----------
    exc : BaseException
        The exception a job raised (with its traceback).
    during : str
        What was running (written to the log with a bug's traceback).

    Returns
    -------
    Failure
        Bad input: its own message. A bug: ``unexpected error: ... (details in LOG)``.
    """
    if isinstance(exc, USER_ERRORS):
        return Failure(_one_line(str(exc)) or type(exc).__name__, unexpected=False)
    if isinstance(exc, OSError) and exc.strerror:
        return Failure(_os_message(exc), unexpected=False)
    return _unexpected(exc, during)


def _os_message(exc: OSError) -> str:
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    return f"{' -> '.join(names)}: {exc.strerror}" if names else exc.strerror


def _unexpected(exc: BaseException, during: str) -> Failure:
    text = _one_line(str(exc))
    summary = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    if len(summary) > SUMMARY_CHARS:
        summary = summary[: SUMMARY_CHARS - 1] + "…"
    try:
        path = log_unexpected(exc, during=during)
    except OSError as log_error:
        # With no log to keep it, the terminal is the only place left for the traceback.
        traceback.print_exception(exc, file=sys.stderr)
        return Failure(
            f"unexpected error: {summary} (the log {log_path()} cannot be written: "
            f"{log_error.strerror or log_error})",
            unexpected=True,
        )
    return Failure(f"unexpected error: {summary} (details in {path})", unexpected=True)


def _one_line(text: str) -> str:
    return " ".join(text.split())
