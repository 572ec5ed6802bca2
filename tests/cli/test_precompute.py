"""``supercuts precompute``: serial, a separately started Dask scheduler + worker, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from supercuts_app.batch.precompute import cached_keys
from supercuts_app.cli.main import main
from supercuts_app.segmentation.cache import SegmentationCache


@pytest.fixture
def folder(image_folder):
    return image_folder


def test_serial_run_lists_a_bad_image_and_exit_code_says_so(tmp_path, folder, capsys):
    (folder / "c.jpg").write_bytes(b"")
    cache = tmp_path / "cache"
    args = ["precompute", str(folder), "--workers", "0", "--n-segments", "40"]
    args += ["--cache", str(cache)]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert "2 computed, 0 already cached, 1 failed" in captured.out
    assert "c.jpg" in captured.err
    assert len(cached_keys(SegmentationCache(cache))) == 2
    (folder / "c.jpg").unlink()
    assert main(args) == 0
    assert "0 computed, 2 already cached, 0 failed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["/nonexistent/folder"], "no such file or folder"),
        (["IMGS", "--scheduler", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler"),
        (["IMGS", "--workers", "-1"], "argument --workers: must be from 0 to 1024, not -1"),
        (["IMGS", "--scheduler", "notaurl"], "cannot reach the Dask scheduler at notaurl"),
        (
            ["IMGS", "--workers", "0", "--cache", "IMGS/a.png/cache"],
            "a.png is a file, not a folder",
        ),
        (["IMGS/missing.supercuts"], "missing.supercuts"),
        (["IMGS", "--workers", "0", "--cache", "IMGS/a.png"], "is not a folder"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, folder, capsys, extra, message):
    cache = tmp_path / "cache"
    args = [a.replace("IMGS", str(folder)) for a in extra]
    if "--cache" not in args:
        args += ["--cache", str(cache)]
    assert main(["precompute", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not cache.exists()


def test_a_cache_that_cannot_be_written_stops_with_one_line(tmp_path, folder, capsys, monkeypatch):
    # The folder checks pass; the disk fills up at the first result stored.
    from supercuts_app.base import files

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    cache = tmp_path / "cache"
    args = ["precompute", str(folder), "--workers", "0", "--n-segments", "40"]
    assert main([*args, "--cache", str(cache)]) == 2
    # The progress bar had started: the message is the one line after it.
    err = [line for line in capsys.readouterr().err.splitlines() if "supercuts:" in line]
    assert len(err) == 1 and "cannot write the cache" in err[0] and "No space left" in err[0]
    assert [p.name for p in cache.rglob("*") if p.is_file()] == []  # no half-written result


@pytest.mark.slow
def test_a_separately_started_scheduler_and_worker(tmp_path, folder, capsys):
    info = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--port", "0",
         "--no-dashboard", "--scheduler-file", str(info)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not info.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
             "--no-dashboard"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        cache = tmp_path / "cache"
        args = ["precompute", str(folder), "--scheduler", address, "--n-segments", "40"]
        assert main([*args, "--cache", str(cache)]) == 0
        assert "2 computed" in capsys.readouterr().out
        assert len(cached_keys(SegmentationCache(cache))) == 2
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
