from __future__ import annotations

import time

import pytest

from supercuts_app.base.tasks import check_cancelled
from supercuts_app.gui.worker import Worker


def _add(a, b, *, progress, cancel):
    progress("adding", 0.5)
    return a + b


def _boom(*, progress, cancel):
    raise RuntimeError("disk on fire")


def _slow(*, progress, cancel):
    for _ in range(200):
        check_cancelled(cancel)
        time.sleep(0.01)
    return "finished"


@pytest.fixture()
def worker(qtbot):
    w = Worker()
    yield w
    w.cancel_all()
    w.wait(5000)


def test_result_and_progress_arrive_on_gui_thread(qtbot, worker):
    got, stages = [], []
    job = worker.submit(
        _add, 2, 3, on_result=got.append, on_progress=lambda s, f: stages.append((s, f))
    )
    with qtbot.waitSignal(job.signals.finished, timeout=5000):
        pass
    assert got == [5] and stages == [("adding", 0.5)]


def test_failure_is_reported_not_raised(qtbot, worker):
    errors = []
    worker.submit(_boom, on_failed=errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=30_000)
    assert errors[0].unexpected
    assert errors[0].message.startswith("unexpected error: RuntimeError: disk on fire (details in ")


def test_cancel_drops_the_result(qtbot, worker):
    got, cancelled = [], []
    job = worker.submit(_slow, on_result=got.append, on_cancelled=lambda: cancelled.append(1))
    job.cancel()
    qtbot.waitUntil(lambda: cancelled == [1], timeout=30_000)
    qtbot.waitUntil(lambda: not worker.busy, timeout=30_000)
    assert got == []
