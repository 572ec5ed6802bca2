"""Outputs that cannot be written: one line, exit 2, no result line, nothing half-written.

Issue 16, case 4: a read-only ``--out`` folder and an ``--out`` inside a file gave tracebacks
(exit 1) in ``superpixels``, ``hierarchy`` and ``propose``, and ``propose`` printed its result
line first. Every command that writes now checks its output before any work
(``cli/common.checked_output``) and writes through one helper (``write_outputs``: all the files
of an image or none); a write that still fails (a full disk, simulated here) is one line too.
"""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from supercuts_app.base import files
from supercuts_app.formats.coco import import_coco

from .conftest import (
    assert_refused,
    coco_with,
    folder_state,
    read_only_folder,
    run_main,
    small_image,
)


@pytest.fixture()
def inputs(tmp_path: Path) -> Path:
    """``tmp_path/in``: ``disk.png`` (48 x 64, a red disk by a green band) and a one-image
    project ``p.supercuts`` beside ``img.png``."""
    folder = tmp_path / "in"
    folder.mkdir()
    y, x = np.mgrid[:48, :64]
    pixels = np.zeros((48, 64, 3), np.uint8)
    pixels[(y - 24) ** 2 + (x - 36) ** 2 < 200] = (200, 40, 40)
    pixels[:, :10] = (20, 200, 20)
    Image.fromarray(pixels).save(folder / "disk.png")
    small_image(folder / "img.png")
    import_coco(coco_with(), folder, folder / "p.supercuts")
    return folder


SLIC = ["--method", "slic", "--n-segments", "6"]
WRITERS = {
    # name: command line writing under OUT (a folder that the test makes unusable)
    "superpixels to a folder": lambda i, out: ["superpixels", i / "disk.png", *SLIC, "--out",
                                               out / "labels", "--overlay"],
    "superpixels to a file": lambda i, out: ["superpixels", i / "disk.png", *SLIC, "--out",
                                             out / "l.png"],
    "hierarchy": lambda i, out: ["hierarchy", i / "disk.png", *SLIC, "--no-cache", "--out",
                                 out / "h"],
    "propose": lambda i, out: ["propose", i / "disk.png", "--out", out / "p.json"],
    "propose overlays": lambda i, out: ["propose", i / "disk.png", "--out", i.parent / "p.json",
                                        "--overlay", out / "ov"],
    "boundaries": lambda i, out: ["boundaries", i / "disk.png", "--out", out / "b"],
    "export coco": lambda i, out: ["export", "coco", i / "p.supercuts", "--out", out / "c.json"],
    "export masks": lambda i, out: ["export", "masks", i / "p.supercuts", "--out", out / "m"],
}  # fmt: skip


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_read_only_output_folder_is_one_line(tmp_path, inputs, capsys, writer):
    out = tmp_path / "locked"
    out.mkdir()
    before = folder_state(tmp_path)
    with read_only_folder(out):
        result = run_main(capsys, *WRITERS[writer](inputs, out))
    assert_refused(result, contains="cannot write in folder")
    assert result.stdout == ""
    assert folder_state(tmp_path) == before


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_an_output_inside_a_file_is_one_line(tmp_path, inputs, capsys, writer):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    before = folder_state(tmp_path)
    result = run_main(capsys, *WRITERS[writer](inputs, blocker))
    assert_refused(result, contains="notes.txt is a file, not a folder")
    assert result.stdout == ""
    assert folder_state(tmp_path) == before


@pytest.mark.parametrize(
    "writer", ["superpixels to a folder", "hierarchy", "propose", "export coco", "export masks"]
)
def test_a_full_disk_is_one_line_with_nothing_half_written(
    tmp_path, inputs, capsys, monkeypatch, writer
):
    """The disk fills up as the first output is written: no result line was printed before,
    no output and no temporary file is left (an image's labels and overlay go together)."""

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "out"
    out.mkdir()
    before = folder_state(tmp_path)
    monkeypatch.setattr(files.os, "fsync", disk_full)
    result = run_main(capsys, *WRITERS[writer](inputs, out))
    assert_refused(result, contains="cannot write (No space left on device)")
    assert result.stdout == ""
    assert folder_state(tmp_path) == before
