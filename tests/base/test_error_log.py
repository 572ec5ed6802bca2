from __future__ import annotations

from supercuts_app.base import error_log
from supercuts_app.base.error_log import LOG_DIR_ENV, log_path, log_text


def test_the_log_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path / "logs"))
    assert log_path() == tmp_path / "logs" / "supercuts.log"
    assert not (tmp_path / "logs").exists()  # made by the first entry, not by asking


def test_entries_are_appended_with_a_header(tmp_path, monkeypatch):
    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path))
    log_text("first")
    path = log_text("second\n")
    text = path.read_text()
    assert text.count("--- ") == 2 and "SuperCuts " in text
    assert text.index("first") < text.index("second") and text.endswith("second\n")


def test_a_full_log_becomes_the_previous_one(tmp_path, monkeypatch):
    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(error_log, "MAX_LOG_BYTES", 400)
    for i in range(10):
        log_text(f"entry {i} " + "x" * 100)
    current, previous = tmp_path / "supercuts.log", tmp_path / "supercuts.log.1"
    assert current.stat().st_size <= 400 and previous.stat().st_size <= 400
    assert "entry 9" in current.read_text() and "entry 0" not in previous.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["supercuts.log", "supercuts.log.1"]
