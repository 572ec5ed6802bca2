"""``supercuts --self-test``: the smoke test the packaged app runs (a real start, offscreen)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

START = "from supercuts_app.cli import main; raise SystemExit(main(sys.argv[1:]))"


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-c", f"import sys; {START}", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_self_test_opens_the_sample_and_quits():
    done = _run("--self-test")
    assert done.returncode == 0, done.stderr
    assert "self-test ok: chelsea.png" in done.stdout
    assert "levels" in done.stdout
    # The libraries' objects frozen at start are released at exit (no leak reports).
    assert "leaked" not in done.stderr


@pytest.mark.slow
def test_self_test_reports_an_image_it_cannot_open(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    done = _run("--self-test", str(broken))
    # Bad input: its one line and exit 2, as on the command line; no traceback.
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"supercuts: {broken}: "), done.stderr
