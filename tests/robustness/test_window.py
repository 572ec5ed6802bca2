"""The window's open path and its failures (issue 16, case 13).

File > Open of a damaged, foreign or newer project, of an unreadable image, or of a project whose
image is missing or changed size since it was added: one readable message (no exception class
name), nothing on the terminal, nothing written (every file around the project byte-identical),
and the window still opens a good project afterwards. A bug in a job writes its traceback to the
log of unexpected errors and names that file. ``supercuts --self-test`` on bad input prints one
``supercuts:`` line and exits 2, as the command line does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from supercuts_app.base.error_log import LOG_DIR_ENV
from supercuts_app.formats.coco import import_coco
from supercuts_app.gui.main_window import MainWindow

from .conftest import assert_refused, coco_with, folder_state, run_cli, sha256, small_image
from .test_project_files import BAD_FILES

CLASS_NAME_PREFIX = re.compile(r"^\w*(Error|Exception|Warning)\b")
"""What a message shown for bad input must not start with (``ProjectFileError: ...``)."""


def make_project(folder: Path) -> Path:
    """``folder/p.supercuts`` over ``folder/img.png`` (8 x 6) with one object, closed."""
    folder.mkdir()
    small_image(folder / "img.png")
    import_coco(coco_with(), folder, folder / "p.supercuts")
    return folder / "p.supercuts"


@pytest.fixture()
def log_dir(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "log"
    monkeypatch.setenv(LOG_DIR_ENV, str(folder))
    return folder


@pytest.fixture()
def window(qtbot, log_dir):
    w = MainWindow(n_segments=40)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def open_from_menu(window: MainWindow, path: Path, monkeypatch) -> None:
    """File > Open… with the file dialog answering ``path``."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    window.actions_by_slot["files.ask_open_image"].trigger()


def open_and_fail(qtbot, window: MainWindow, path: Path, monkeypatch) -> str:
    """Open ``path`` from the menu; assert exactly one failure, shown as bad input (not a bug)
    in the status bar and the message box. Returns its message."""
    failures = []
    window.failed.connect(failures.append)
    open_from_menu(window, path, monkeypatch)
    qtbot.waitUntil(lambda: bool(failures) and not window.worker.busy, timeout=60_000)
    assert len(failures) == 1, failures
    failure = failures[0]
    assert not failure.unexpected, failure.message
    assert not CLASS_NAME_PREFIX.match(failure.message), failure.message
    assert "\n" not in failure.message and "Traceback" not in failure.message
    assert window.status_label.text() == "Failed: " + failure.message
    assert window.error_box.text() == failure.message
    window.error_box.close()
    return failure.message


def assert_still_opens(qtbot, window: MainWindow, good: Path, monkeypatch) -> None:
    with qtbot.waitSignal(window.image_shown, timeout=60_000) as shown:
        open_from_menu(window, good, monkeypatch)
    assert shown.args[0].pixels.shape == (6, 8, 3)
    assert window.project is not None and window.project.path == good


def assert_quiet(capfd) -> None:
    """Nothing on the terminal: no traceback, no message (the window shows it)."""
    out, err = capfd.readouterr()
    assert err == "" and out == "", f"stdout: {out!r}\nstderr: {err!r}"


@pytest.mark.parametrize("damage, fragment", [pytest.param(d, f, id=n) for n, d, f in BAD_FILES])
def test_a_damaged_foreign_or_newer_project_is_refused_in_one_message(
    qtbot, window, tmp_path: Path, monkeypatch, capfd, damage, fragment: str
):
    bad = make_project(tmp_path / "bad")
    damage(bad)
    good = make_project(tmp_path / "good")
    before, digest = folder_state(bad.parent), sha256(bad)
    capfd.readouterr()
    message = open_and_fail(qtbot, window, bad, monkeypatch)
    assert fragment in message and str(bad) in message
    assert sha256(bad) == digest and folder_state(bad.parent) == before
    assert_still_opens(qtbot, window, good, monkeypatch)
    assert_quiet(capfd)
    assert not (tmp_path / "log").exists()  # bad input is not a bug: nothing logged


def test_an_unreadable_image_is_refused_and_no_project_is_made(
    qtbot, window, tmp_path: Path, monkeypatch, capfd
):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    good = make_project(tmp_path / "good")
    before = folder_state(folder)
    capfd.readouterr()
    message = open_and_fail(qtbot, window, folder / "broken.png", monkeypatch)
    assert message.startswith(f"{folder / 'broken.png'}: ")
    assert folder_state(folder) == before  # no project was made for its folder
    assert_still_opens(qtbot, window, good, monkeypatch)
    assert_quiet(capfd)


def test_a_folder_of_unreadable_images_is_refused_and_no_project_is_made(
    qtbot, window, tmp_path: Path, monkeypatch, capfd
):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"")
    (folder / "b.jpg").write_bytes(b"\xff\xd8\xff cut short")
    before = folder_state(folder)
    capfd.readouterr()
    failures = []
    window.failed.connect(failures.append)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    window.actions_by_slot["files.ask_open_folder"].trigger()
    qtbot.waitUntil(lambda: bool(failures) and not window.worker.busy, timeout=60_000)
    assert [f.message for f in failures] == [f"{folder}: none of its 2 images can be read"]
    assert folder_state(folder) == before
    assert_quiet(capfd)


@pytest.mark.parametrize("change", ["resized", "missing"])
def test_an_image_changed_since_it_was_added_is_refused_and_the_project_unchanged(
    qtbot, window, tmp_path: Path, monkeypatch, capfd, change: str
):
    project = make_project(tmp_path / "proj")
    good = make_project(tmp_path / "good")
    image = project.parent / "img.png"
    if change == "resized":
        small_image(image, shape=(7, 9))
    else:
        image.unlink()
    before, digest = folder_state(project.parent), sha256(project)
    capfd.readouterr()
    message = open_and_fail(qtbot, window, project, monkeypatch)
    assert message.startswith(f"{image}: ")
    if change == "resized":
        assert "now 9 x 7 but the project has it as 8 x 6" in message
    assert window.project is not None and window.project.path == project  # open, nothing shown
    assert sha256(project) == digest
    assert_still_opens(qtbot, window, good, monkeypatch)  # closes the first project
    assert folder_state(project.parent) == before  # no -wal, -shm or backup left beside it
    assert_quiet(capfd)


def test_a_bug_in_a_job_is_logged_with_its_traceback_and_named(qtbot, window, log_dir: Path, capfd):
    def job_with_a_bug(*, progress=None, cancel=None):
        return {}["no such key"]

    failures = []
    window.failed.connect(failures.append)
    capfd.readouterr()
    window.jobs.start(job_with_a_bug, on_result=lambda _: None)
    qtbot.waitUntil(lambda: bool(failures), timeout=30_000)
    (failure,) = failures
    log = log_dir / "supercuts.log"
    assert failure.unexpected
    assert failure.message == f"unexpected error: KeyError: 'no such key' (details in {log})"
    assert window.status_label.text() == "Failed: " + failure.message
    text = log.read_text()
    assert "unexpected error during " in text and "job_with_a_bug" in text
    assert "Traceback (most recent call last)" in text and "KeyError: 'no such key'" in text
    assert_quiet(capfd)


def test_help_about_names_the_log_file(window, log_dir: Path):
    window.actions_by_slot["about_dialog.open"].trigger()
    assert str(log_dir / "supercuts.log") in window.about_dialog.text.text()
    window.about_dialog.close()


# -- supercuts --self-test ------------------------------------------------------------------------
def _damaged(tmp_path: Path) -> tuple[Path, str]:
    project = make_project(tmp_path / "proj")
    project.write_text("hello")
    return project, "not an SQLite database"


def _unreadable_folder(tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"nope")
    return folder, "none of its 1 images can be read"


def _missing(tmp_path: Path) -> tuple[Path, str]:
    return tmp_path / "nowhere.png", "not found"


@pytest.mark.slow
@pytest.mark.parametrize("make", [_damaged, _unreadable_folder, _missing])
def test_self_test_on_bad_input_prints_one_line_and_exits_2(tmp_path: Path, log_dir: Path, make):
    inputs = tmp_path / "inputs"  # apart from the log, where Qt's warnings may go
    inputs.mkdir()
    path, fragment = make(inputs)
    before = folder_state(inputs)
    line = assert_refused(run_cli("--self-test", path), fragment)
    assert str(path) in line
    assert folder_state(inputs) == before
