from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

from supercuts_app.base.resources import sample_image_path
from supercuts_app.cli.main import main


def _write(path, array):
    Image.fromarray(array).save(path)
    return path


def test_superpixels_one_image_writes_16_bit_png_and_overlay(tmp_path, disk_image, capsys):
    src = _write(tmp_path / "disk.png", disk_image)
    out = tmp_path / "l.png"
    assert (
        main(["superpixels", str(src), "--n-segments", "50", "--out", str(out), "--overlay"]) == 0
    )
    labels = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert labels.dtype == np.uint16 and labels.shape == disk_image.shape[:2]
    assert 25 <= labels.max() + 1 <= 80
    overlay = cv2.imread(str(tmp_path / "l_overlay.png"))
    assert overlay.shape == disk_image.shape
    assert "superpixels" in capsys.readouterr().out


def test_superpixels_folder_skips_bad_images_and_exit_code_says_so(tmp_path, quadrants, capsys):
    src = tmp_path / "in"
    src.mkdir()
    _write(src / "a.png", quadrants)
    (src / "b.jpg").write_bytes(b"")
    _write(src / "c.png", quadrants[::-1].copy())
    out = tmp_path / "out"
    code = main(
        ["superpixels", str(src), "--method", "slic", "--n-segments", "8", "--out", str(out)]
    )
    assert code == 2
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "c.png"]
    err = capsys.readouterr().err
    assert "b.jpg: empty file" in err and "1 of 3 images failed" in err


@pytest.mark.slow
@pytest.mark.parametrize(
    "content",
    [b"", b"garbage", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20],
    ids=["empty", "text", "png-head"],
)
def test_bad_single_image_exit_2_no_output(tmp_path, content):
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    out = tmp_path / "l.png"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "supercuts_app",
            "superpixels",
            str(bad),
            "--method",
            "slic",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines[0].startswith("supercuts: ") and str(bad) in lines[0]
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_user_errors_are_one_line_exit_2(tmp_path, capsys):
    sample = str(sample_image_path())
    assert main(["superpixels", sample, sample, "--out", str(tmp_path / "x.png")]) == 2
    assert main(["superpixels", sample, "--out", str(tmp_path / "no" / "x.png")]) == 2
    assert (
        main(["superpixels", sample, "--backbone", "nope_net", "--out", str(tmp_path / "x.png")])
        == 2
    )
    assert main(["eval", "superpixels", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(line.startswith("supercuts: ") for line in err)
    assert list(tmp_path.iterdir()) == []
    assert main(["superpixels", sample, "--n-segments", "0", "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "supercuts: argument --n-segments: must be from 1 to 1000000, not 0 "
        "(see 'supercuts superpixels --help')"
    ]


def test_a_folder_run_goes_on_past_an_unexpected_error(tmp_path, quadrants, capsys, monkeypatch):
    """A bug met on one image (here a ValueError deep in the computation) is one line for that
    image; the other images are computed."""
    from supercuts_app.segmentation import superpixels

    real = superpixels.compute_superpixels

    def fails_on_dark_images(image, **options):
        if image.mean() < 1:
            raise ValueError("array must not contain infs or NaNs")
        return real(image, **options)

    monkeypatch.setattr(superpixels, "compute_superpixels", fails_on_dark_images)
    src = tmp_path / "in"
    src.mkdir()
    _write(src / "a.png", quadrants)
    _write(src / "b.png", np.zeros_like(quadrants))
    _write(src / "c.png", quadrants[::-1].copy())
    out = tmp_path / "out"
    args = ["superpixels", str(src), "--method", "slic", "--n-segments", "8", "--out", str(out)]
    assert main(args) == 2
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "c.png"]
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("supercuts: ")]
    assert err == [
        f"supercuts: {src / 'b.png'}: unexpected error (ValueError: array must not contain infs"
        " or NaNs)",
        "supercuts: 1 of 3 images failed",
    ]
