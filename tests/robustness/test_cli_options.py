"""Command options and interruptions: one line, exit 2 (130 for Ctrl+C), nothing written.

Issue 16, cases 11 (argparse errors printed a usage block and ``supercuts superpixels: error:``;
now one ``supercuts:`` line that points to ``--help``), 12 (``precompute --scheduler notaurl``
gave a traceback; Ctrl+C with Dask workers printed 63 lines with four worker tracebacks) and 14
(``--spectral-weight nan`` silently changed the levels, ``-3`` was ignored: every numeric
option is checked for range and finiteness, in one place, ``cli/common.py``), and 15 for
``precompute``'s inputs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from supercuts_app.cli.main import build_parser

from .conftest import CLI_TIMEOUT_S, assert_refused, folder_state, run_main, small_image

IMAGE = "IMG"  # replaced by a real image in the test's folder
COMMANDS = {
    "superpixels": ["superpixels", IMAGE, "--method", "slic", "--out", "OUT/l.png"],
    "hierarchy": ["hierarchy", IMAGE, "--no-cache", "--out", "OUT/h"],
    "propose": ["propose", IMAGE, "--out", "OUT/p.json"],
    "precompute": ["precompute", IMAGE, "--workers", "0", "--cache", "OUT/cache"],
    "eval hierarchy": ["eval", "hierarchy", "--data", "OUT/bsds"],
    "train ssn": ["train", "ssn", "--data", "OUT/bsds", "--out", "OUT/h.pt"],
    "train affinity": ["train", "affinity", "--data", "OUT/bsds", "--out", "OUT/e.npz"],
}
BAD_OPTIONS = [
    # (command, option, value, what the line says)
    ("hierarchy", "--spectral-weight", "nan", "must be a number at least 0 and at most 1"),
    ("hierarchy", "--spectral-weight", "-3", "not -3"),
    ("hierarchy", "--spectral-weight", "1.5", "at most 1"),
    ("hierarchy", "--region-weight", "inf", "not inf"),
    ("hierarchy", "--region-weight", "lots", "not a number: 'lots'"),
    ("eval hierarchy", "--spectral-weight", "nan", "at most 1, not nan"),
    ("eval hierarchy", "--region-weight", "-0.1", "not -0.1"),
    ("superpixels", "--n-segments", "0", "must be from 1 to 1000000, not 0"),
    ("superpixels", "--n-segments", "-5", "not -5"),
    ("superpixels", "--n-segments", "10000000", "not 10000000"),
    ("superpixels", "--n-segments", "2.5", "not a whole number: '2.5'"),
    ("superpixels", "--max-pixels", "0", "must be at least 1, not 0"),
    ("hierarchy", "--max-pixels", "1e9", "not a whole number: '1e9'"),
    ("propose", "--objects", "0", "must be at least 1"),
    ("propose", "--parts", "0", "must be at least 1"),
    ("propose", "--n-segments", "nan", "not a whole number: 'nan'"),
    ("precompute", "--workers", "-1", "must be from 0 to 1024, not -1"),
    ("precompute", "--workers", "100000", "not 100000"),
    ("precompute", "--threads", "0", "must be from 1 to 1024, not 0"),
    ("precompute", "--n-segments", "0", "not 0"),
    ("train ssn", "--lr", "0", "must be a number above 0, not 0"),
    ("train ssn", "--lr", "nan", "not nan"),
    ("train ssn", "--compactness", "-1", "must be a number at least 0, not -1"),
    ("train ssn", "--pos-scale", "-inf", "not -inf"),
    ("train ssn", "--threads", "0", "not 0"),
    ("train ssn", "--epochs", "0", "must be at least 1"),
    ("train affinity", "--hierarchy-region-weight", "2", "at most 1, not 2"),
    ("train affinity", "--steps", "-1", "not -1"),
]


def _command_line(tmp_path: Path, command: str, *extra: str) -> list[str]:
    image = small_image(tmp_path / "img.png")
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    args = [a.replace("OUT", str(out)) for a in COMMANDS[command]]
    return [str(image) if a == IMAGE else a for a in args] + list(extra)


@pytest.mark.parametrize(("command", "option", "value", "message"), BAD_OPTIONS)
def test_an_out_of_range_number_is_one_line(tmp_path, capsys, command, option, value, message):
    args = _command_line(tmp_path, command, f"{option}={value}")  # '-inf' is not an option
    before = folder_state(tmp_path)
    line = assert_refused(run_main(capsys, *args), contains=message)
    assert line.startswith(f"supercuts: argument {option}: ")
    assert line.endswith(f"(see 'supercuts {command} --help')")
    assert folder_state(tmp_path) == before


@pytest.mark.parametrize(
    ("command", "option", "value", "parsed"),
    [
        ("hierarchy", "--spectral-weight", "0", 0.0),
        ("hierarchy", "--spectral-weight", "1", 1.0),
        ("hierarchy", "--region-weight", "0.35", 0.35),
        ("superpixels", "--n-segments", "1000000", 1_000_000),
        ("precompute", "--workers", "0", 0),
        ("train ssn", "--compactness", "0", 0.0),
    ],
)
def test_numbers_at_the_ends_of_their_ranges_are_taken(tmp_path, command, option, value, parsed):
    ns = build_parser().parse_args(_command_line(tmp_path, command, option, value))
    assert getattr(ns, option.lstrip("-").replace("-", "_")) == parsed


@pytest.mark.parametrize(
    "args",
    [
        ["superpixels"],  # no input, no --out
        ["superpixels", "IMG", "--out", "x.png", "--method", "quickshift"],
        ["hierarchy", "IMG", "--out", "h", "--no-such-option"],
        ["export"],
        ["precompute", "IMG", "--workers"],
    ],
    ids=["missing", "bad choice", "unknown option", "no subcommand", "no value"],
)
def test_usage_errors_are_one_line(tmp_path, capsys, args):
    """Case 11: no usage block, one line pointing to --help, exit 2."""
    image = str(small_image(tmp_path / "img.png"))
    before = folder_state(tmp_path)
    line = assert_refused(run_main(capsys, *[image if a == "IMG" else a for a in args]))
    assert "--help')" in line
    assert folder_state(tmp_path) == before


@pytest.mark.slow
def test_a_usage_error_is_one_line_in_a_separate_process(tmp_path):
    from .conftest import run_cli

    assert_refused(run_cli("hierarchy", "x.png", "--out", "h", "--spectral-weight", "nan"))


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ("notaurl", "cannot reach the Dask scheduler at notaurl"),
        ("loop", "loop: symbolic link loop"),
        ("gone", "gone: broken symbolic link"),
    ],
)
def test_precompute_refuses_in_one_line(tmp_path, capsys, inputs, message):
    """Case 12 (a malformed scheduler address was a ValueError traceback) and case 15."""
    folder = tmp_path / "in"
    folder.mkdir()
    small_image(folder / "a.png")
    os.symlink("loop", tmp_path / "loop")
    os.symlink("nowhere", tmp_path / "gone")
    args = ["precompute", "--workers", "0", "--cache", tmp_path / "cache"]
    if inputs == "notaurl":
        args += [folder, "--scheduler", "notaurl"]
    else:
        args += [tmp_path / inputs]
    before = folder_state(tmp_path)
    assert_refused(run_main(capsys, *args), contains=message)
    assert folder_state(tmp_path) == before


@pytest.mark.slow
def test_ctrl_c_with_dask_workers_is_one_line(tmp_path):
    """Case 12: Ctrl+C reaches every process of the terminal's group; the workers printed a
    traceback each (63 lines in all). Now: one line, exit 130, only whole results cached."""
    folder = tmp_path / "in"
    folder.mkdir()
    noise = np.random.default_rng(0).integers(0, 256, (160, 240, 3), dtype=np.uint8)
    for i in range(30):
        Image.fromarray(np.roll(noise, i, axis=1)).save(folder / f"{i:02d}.png")
    cache = tmp_path / "cache"

    def as_in_a_terminal() -> None:  # a background process would start with SIGINT ignored
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    command = [sys.executable, "-m", "supercuts_app", "precompute", str(folder), "--workers", "2",
               "--method", "slic", "--cache", str(cache)]  # fmt: skip
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True, preexec_fn=as_in_a_terminal)  # fmt: skip
    try:
        deadline = time.monotonic() + CLI_TIMEOUT_S
        while not any(cache.glob("*.npz")) and time.monotonic() < deadline:
            time.sleep(0.2)  # until the workers are busy
        assert run.poll() is None, "the run ended before it could be interrupted"
        os.killpg(run.pid, signal.SIGINT)  # Ctrl+C: the whole process group
        _, err = run.communicate(timeout=CLI_TIMEOUT_S)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    # The progress bar redraws itself with carriage returns; everything else is lines.
    lines = [ln for ln in err.replace("\r", "\n").splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("precompute:")]
    assert run.returncode == 130, err
    assert len(lines) == 1 and lines[0].startswith("supercuts: stopped; "), err
    assert all(p.suffix == ".npz" for p in cache.iterdir())
