"""What a failed job tells the user: bad input as its own line, a bug logged and named."""

from __future__ import annotations

import pytest

from supercuts_app.base.error_log import LOG_DIR_ENV
from supercuts_app.base.images import ImageLoadError
from supercuts_app.gui.failures import describe_failure
from supercuts_app.storage.store import ProjectFileError


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


@pytest.fixture()
def log_dir(tmp_path, monkeypatch):
    folder = tmp_path / "log"
    monkeypatch.setenv(LOG_DIR_ENV, str(folder))
    return folder


@pytest.mark.parametrize(
    "exc, message",
    [
        (ImageLoadError("a.png", "empty file"), "a.png: empty file"),
        (
            ProjectFileError("p.supercuts: damaged\nproject file"),
            "p.supercuts: damaged; project file",
        ),
        (
            FileNotFoundError(2, "No such file or directory", "x.json"),
            "x.json: No such file or directory",
        ),
        (PermissionError(13, "Permission denied", "a", None, "b"), "a -> b: Permission denied"),
        (OSError(28, "No space left on device"), "No space left on device"),
    ],
)
def test_bad_input_is_its_own_line_and_nothing_is_logged(log_dir, exc, message):
    failure = describe_failure(_raised(exc), during="a job")
    assert failure.message == message and not failure.unexpected
    assert not log_dir.exists()


def test_a_bug_is_logged_and_its_line_names_the_log(log_dir, capfd):
    failure = describe_failure(_raised(ZeroDivisionError("division by zero")), during="job x")
    log = log_dir / "supercuts.log"
    assert failure.unexpected
    assert (
        failure.message
        == f"unexpected error: ZeroDivisionError: division by zero (details in {log})"
    )
    text = log.read_text()
    assert "unexpected error during job x" in text and "in _raised" in text
    assert capfd.readouterr().err == ""


def test_a_long_bug_message_is_cut_in_the_line_not_in_the_log(log_dir):
    failure = describe_failure(_raised(RuntimeError("x" * 5000)), during="job")
    assert failure.message.count("x") < 200
    assert "x" * 5000 in (log_dir / "supercuts.log").read_text()


def test_when_the_log_cannot_be_written_the_traceback_goes_to_the_terminal(
    tmp_path, monkeypatch, capfd
):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(LOG_DIR_ENV, str(blocker / "log"))  # a folder under a file: cannot exist
    failure = describe_failure(_raised(KeyError(0)), during="job")
    assert failure.unexpected and "cannot be written" in failure.message
    assert "Traceback" in capfd.readouterr().err
