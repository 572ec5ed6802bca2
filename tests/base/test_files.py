"""Atomic writes of several files, and why a path cannot be read or written."""

from __future__ import annotations

import errno
import os

import pytest

from supercuts_app.base import files
from supercuts_app.base.files import output_problem, unreachable_reason, write_files_atomic


def test_several_files_are_written_all_or_none(tmp_path, monkeypatch):
    first, second = tmp_path / "labels.png", tmp_path / "overlay.png"
    first.write_bytes(b"old")
    real_fsync, calls = os.fsync, []

    def full_on_second(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", full_on_second)
    with pytest.raises(OSError, match="No space left"):
        write_files_atomic({first: b"new labels", second: b"new overlay"})
    assert first.read_bytes() == b"old" and not second.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.png"]  # no temporary files
    monkeypatch.setattr(files.os, "fsync", real_fsync)
    write_files_atomic({first: b"new labels", second: b"new overlay"})
    assert first.read_bytes() == b"new labels" and second.read_bytes() == b"new overlay"


def test_unreachable_reasons(tmp_path):
    os.symlink("a", tmp_path / "b")
    os.symlink("b", tmp_path / "a")
    os.symlink("missing", tmp_path / "dangling")
    (tmp_path / "file").write_text("x")
    assert unreachable_reason(tmp_path / "file") is None
    assert unreachable_reason(tmp_path / "a").startswith("symbolic link loop")
    assert unreachable_reason(tmp_path / "dangling").startswith("broken symbolic link (to missing")
    assert unreachable_reason(tmp_path / "none") == "file not found"
    assert unreachable_reason(tmp_path / "file" / "x").startswith("not found (a part of the path")


def test_output_problems(tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dir").mkdir()
    os.symlink("loop", tmp_path / "loop")
    assert output_problem(tmp_path / "new.json", folder=False) is None
    assert output_problem(tmp_path / "new" / "deeper", folder=True) is None
    assert output_problem(tmp_path / "file", folder=False) is None  # replaced atomically
    assert output_problem(tmp_path / "file", folder=True) == "exists and is not a folder"
    assert output_problem(tmp_path / "dir", folder=False) == "is a folder, not a file"
    assert output_problem(tmp_path / "file" / "x.png", folder=False).endswith(
        "file is a file, not a folder"
    )
    assert output_problem(tmp_path / "new" / "x.json", folder=False).startswith("folder ")
    assert "symbolic link loop" in output_problem(tmp_path / "loop" / "out", folder=True)
