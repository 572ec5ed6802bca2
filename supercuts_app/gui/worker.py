"""The one way the GUI runs core work: off the GUI thread, with progress, cancel and results.

A job is a plain core callable taking ``progress`` and ``cancel`` keyword arguments. It runs on a
QThreadPool thread; its progress, result and failure come back as Qt signals, which Qt delivers on
the GUI thread. The GUI never touches widgets from inside a job. A failure arrives as a
:class:`~supercuts_app.gui.failures.Failure`: bad input as its one-line message, a bug as a short
line naming the log file that holds its traceback; nothing is printed to the terminal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from supercuts_app.base.tasks import Cancelled

from .failures import Failure, describe_failure


class JobSignals(QObject):
    """Signals of one job (they live on the GUI thread)."""

    progress = Signal(str, float)
    result = Signal(object)
    failed = Signal(object)  # Failure
    cancelled = Signal()
    finished = Signal()


class Job(QRunnable):
    """A core callable wrapped for the thread pool; ``cancel()`` asks it to stop."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.signals = JobSignals()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop at its next check; its result, if any, is not delivered."""
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:  # runs on a pool thread
        try:
            value = self.fn(
                *self.args, progress=self._progress, cancel=self._cancel.is_set, **self.kwargs
            )
        except Cancelled:
            self._emit(self.signals.cancelled)
        except Exception as exc:  # a failing job must never take the app down
            failure = describe_failure(exc, during=getattr(self.fn, "__qualname__", repr(self.fn)))
            self._emit(self.signals.failed, failure)
        else:
            if self._cancel.is_set():
                self._emit(self.signals.cancelled)
            else:
                self._emit(self.signals.result, value)
        finally:
            self._emit(self.signals.finished)

    @staticmethod
    def _emit(signal, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:
            pass  # the app quit while this job ran: nobody is left to tell

    def _progress(self, stage: str, fraction: float) -> None:
        # A cancelled job's progress is of work nobody waits for (its window may be gone).
        if not self._cancel.is_set():
            self._emit(self.signals.progress, stage, float(fraction))


class Worker(QObject):
    """Runs jobs one after another on a background thread.

    One thread is enough: jobs are heavy (torch uses all cores itself) and a newer request
    cancels the older one, so queued stale work finishes at its first cancel check.
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._jobs: dict[JobSignals, Job] = {}

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_result: Callable[[Any], None] | None = None,
        on_progress: Callable[[str, float], None] | None = None,
        on_failed: Callable[[Failure], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> Job:
        """Queue ``fn(*args, progress=..., cancel=..., **kwargs)``.

        The callbacks run on the GUI thread.
        """
        job = Job(fn, *args, **kwargs)
        job.setAutoDelete(False)  # we keep it until its finished signal, then drop it
        sig = job.signals
        if on_result is not None:
            sig.result.connect(on_result)
        if on_progress is not None:
            sig.progress.connect(on_progress)
        if on_failed is not None:
            sig.failed.connect(on_failed)
        if on_cancelled is not None:
            sig.cancelled.connect(on_cancelled)
        # A bound slot (not a lambda) so Qt drops the connection if the worker is destroyed
        # before a late job reports back.
        sig.finished.connect(self._finished)
        self._jobs[sig] = job
        self.busy_changed.emit(True)
        self._pool.start(job)
        return job

    def cancel_all(self) -> None:
        """Ask every queued or running job to stop."""
        for job in list(self._jobs.values()):
            job.cancel()

    def wait(self, msecs: int = -1) -> bool:
        """Block until all jobs ended (for shutdown and tests)."""
        return self._pool.waitForDone(msecs)

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def _finished(self) -> None:
        self._jobs.pop(self.sender(), None)
        if not self._jobs:
            self.busy_changed.emit(False)
