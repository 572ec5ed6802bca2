"""Progress reporting and cancellation shared by every long computation in the core.

Core functions take ``progress`` (called with a stage name and a fraction in [0, 1]) and
``cancel`` (returns True when the caller wants the work dropped). Neither knows about Qt: the GUI
wraps them in its worker, the CLI in a progress bar.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressFn = Callable[[str, float], None]
CancelFn = Callable[[], bool]


class Cancelled(Exception):
    """Raised inside a computation when its ``cancel`` callback returned True."""


def report(progress: ProgressFn | None, stage: str, fraction: float) -> None:
    """Call ``progress`` if given."""
    if progress is not None:
        progress(stage, min(max(fraction, 0.0), 1.0))


def check_cancelled(cancel: CancelFn | None) -> None:
    """Raise :class:`Cancelled` if ``cancel`` says so."""
    if cancel is not None and cancel():
        raise Cancelled()
