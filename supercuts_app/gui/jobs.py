"""The window's background jobs: one generation per request for an image, cancel, precompute.

Each request for an image (opening a project, showing an image) starts a new *generation*; a
result that arrives for an older generation is dropped by its caller, so a slow computation never
overwrites what is shown. Everything runs through the one
:class:`~supercuts_app.gui.worker.Worker`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .failures import Failure
from .worker import Job, Worker


class WindowJobs:
    """The jobs of one window.

    Parameters
    ----------
    worker : Worker
        The window's worker.
    on_progress : callable
        ``(stage, fraction)`` of the running job (the status bar).
    on_failed : callable
        Called with the :class:`~supercuts_app.gui.failures.Failure` of a failed job.
    """

    def __init__(
        self,
        worker: Worker,
        *,
        on_progress: Callable[[str, float], None],
        on_failed: Callable[[Failure], None],
    ) -> None:
        self.worker = worker
        self.on_progress, self.on_failed = on_progress, on_failed
        self._generation = 0
        self._jobs: list[Job] = []
        self._precompute: tuple[int, Job] | None = None

    # -- generations ----------------------------------------------------------------------------
    def next_generation(self) -> int:
        """Start a new request for an image; results of older ones are stale from now on."""
        self._generation += 1
        return self._generation

    @property
    def generation(self) -> int:
        return self._generation

    def is_current(self, generation: int) -> bool:
        return generation == self._generation

    # -- jobs -----------------------------------------------------------------------------------
    def start(self, fn: Callable[..., Any], *args: Any, on_result, **kwargs: Any) -> Job:
        """Run ``fn`` in the worker with the window's progress and failure reporting."""
        job = self.worker.submit(
            fn,
            *args,
            on_result=on_result,
            on_progress=self.on_progress,
            on_failed=self.on_failed,
            **kwargs,
        )
        self._jobs = [j for j in self._jobs if not j.is_cancelled] + [job]
        return job

    def precompute(
        self,
        image_id: int,
        fn: Callable[..., Any],
        *args: Any,
        on_progress: Callable[[str, float], None],
        **kwargs: Any,
    ) -> None:
        """Fill the cache for ``image_id`` quietly (a failure is not shown: the image is computed
        again when it is opened)."""
        job = self.worker.submit(
            fn,
            *args,
            on_result=lambda _: None,
            on_failed=lambda _: None,
            on_progress=on_progress,
            **kwargs,
        )
        self._precompute = (image_id, job)

    def cancel(self, *, keep_precompute_of: int | None = None) -> None:
        """Stop whatever is computing (except the precompute of ``keep_precompute_of``, which
        is about to be shown); results of stopped jobs are dropped."""
        for job in self._jobs:
            job.cancel()
        self._jobs = []
        if self._precompute is not None and self._precompute[0] != keep_precompute_of:
            self._precompute[1].cancel()
            self._precompute = None
