"""Helpers for the robustness suite: run SuperCuts as a user would and check its promise.

The promise for bad input (``docs/robustness.md``): exactly one line on stderr, starting with
``supercuts:``; exit code 2; never a traceback; nothing written for that input; a project file
byte-identical afterwards. Each test module builds its bad inputs in ``tmp_path`` (tiny files,
none checked in) and checks them with these helpers:

- :func:`run_cli` runs ``python -m supercuts_app ARGS`` in a subprocess (a crash, a segfault or
  a stray print is seen as a user would see it), optionally under a memory limit
  (:data:`MEMORY_LIMIT`), so that a regression fails the test instead of eating the machine.
- :func:`run_main` runs the same command line in this process (capturing its output), where
  a separate process would only add its start-up time.
- :func:`assert_refused` checks the exit code, the one ``supercuts:`` line and the absence of a
  traceback, and returns the line for further checks.
- :func:`folder_state` records every file under a folder with its sha256 (:func:`sha256`);
  compare two states to show that nothing was written, changed or left behind.
- :func:`read_only_folder` makes a folder unwritable for the duration of a block, also when the
  tests run as root (who ignores permission bits).
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

MEMORY_LIMIT = 2 * 1024**3
"""Address space given to a command run with ``memory_limit=True`` (bytes)."""

CLI_TIMEOUT_S = 120
"""A command that runs longer than this fails its test (a hang is a failure, not a wait)."""


def run_cli(
    *args: str | os.PathLike,
    cwd: str | os.PathLike | None = None,
    memory_limit: int | bool = False,
    timeout: float = CLI_TIMEOUT_S,
) -> subprocess.CompletedProcess:
    """Run ``supercuts ARGS`` as a separate process with this interpreter.

    Parameters
    ----------
    *args : str or path
        The command line after ``supercuts``.
    cwd : path, optional
        Working folder of the command (relative paths in ``args`` are taken from it).
    memory_limit : int or bool
        ``True`` for :data:`MEMORY_LIMIT`, or a number of bytes: ``RLIMIT_AS`` of the child, so
        that an allocation beyond it fails there (MemoryError, or a crash) instead of swapping.
    timeout : float
        Seconds before the command is killed and the test fails.

    Returns
    -------
    subprocess.CompletedProcess
        With ``returncode``, ``stdout`` and ``stderr`` as text.
    """
    limit = MEMORY_LIMIT if memory_limit is True else int(memory_limit)

    def limit_memory() -> None:  # runs in the child, before it executes Python
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "supercuts_app", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit_memory if limit else None,
    )


def run_main(
    capsys: pytest.CaptureFixture, *args: str | os.PathLike
) -> subprocess.CompletedProcess:
    """Run ``supercuts ARGS`` in this process (``supercuts_app.cli.main.main``), for the cases
    where a separate process would only add its start-up time (torch: seconds). Returns what
    :func:`run_cli` returns, so that :func:`assert_refused` checks both alike."""
    from supercuts_app.cli.main import main

    capsys.readouterr()  # what came before is not this command's output
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(list(map(str, args)), code, out, err)


def assert_refused(result: subprocess.CompletedProcess, contains: str | None = None) -> str:
    """Assert SuperCuts' refusal of bad input: exit 2, one ``supercuts:`` line on stderr (and
    ``contains`` in it), no traceback. Returns that line."""
    err = result.stderr
    detail = f"exit {result.returncode}; stderr:\n{err}"
    assert "Traceback" not in err, detail
    assert result.returncode == 2, detail
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("supercuts: "), detail
    if contains is not None:
        assert contains in lines[0], detail
    return lines[0]


def assert_succeeded(result: subprocess.CompletedProcess) -> None:
    """Assert exit 0 and no traceback (for the good inputs beside the bad ones)."""
    detail = f"exit {result.returncode}; stderr:\n{result.stderr}"
    assert result.returncode == 0 and "Traceback" not in result.stderr, detail


def sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def folder_state(folder: str | os.PathLike) -> dict[str, str]:
    """Every file under ``folder`` (relative POSIX path) with its sha256; equal states before
    and after a command mean it wrote, changed and left behind nothing there."""
    root = Path(folder)
    return {
        p.relative_to(root).as_posix(): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()
    }


@contextmanager
def read_only_folder(folder: str | os.PathLike) -> Iterator[Path]:
    """Make ``folder`` unwritable (no file can be created, renamed or deleted in it) inside the
    block. As root, permission bits do not stop writes, so the folder is made immutable
    (``chattr +i``); where that is impossible the test is skipped."""
    folder = Path(folder)
    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(folder)]).returncode != 0:
        pytest.skip("cannot make a folder read-only for root here (no chattr +i)")
    try:
        yield folder
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def small_image(path: Path, shape: tuple[int, int] = (6, 8)) -> Path:
    """Write a black RGB PNG of ``shape`` (height, width) at ``path``."""
    import numpy as np
    from PIL import Image

    Image.fromarray(np.zeros((*shape, 3), np.uint8)).save(path)
    return path


def coco_with(
    segmentation: object = ((1, 1, 6, 1, 6, 5),),
    *,
    image: dict | None = None,
    category: dict | None = None,
    annotation: dict | None = None,
) -> dict:
    """A one-image, one-class, one-object COCO dict for ``img.png`` (8 x 6) whose entries can
    be overridden field by field."""
    seg = [list(p) for p in segmentation] if isinstance(segmentation, tuple) else segmentation
    return {
        "images": [{"id": 1, "file_name": "img.png", "width": 8, "height": 6, **(image or {})}],
        "categories": [{"id": 1, "name": "thing", **(category or {})}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "segmentation": seg, **(annotation or {})}
        ],
    }
