"""``supercuts boundaries``, ``train boundaries``, ``eval boundaries``: happy paths, refusals."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from supercuts_app.base.resources import resource_path
from supercuts_app.cli.main import main
from supercuts_app.segmentation.boundaries import BOUNDARY_FILE, BoundaryNet


def test_probability_pngs_in_8_and_16_bits(image_folder, tmp_path, weights, capsys):
    out8, out16 = tmp_path / "b8", tmp_path / "b16"
    assert main(["boundaries", str(image_folder), "--out", str(out8), "--weights", str(weights),
                 "--device", "cpu"]) == 0  # fmt: skip
    assert sorted(p.name for p in out8.iterdir()) == ["a.png", "b.png"]
    a8 = cv2.imread(str(out8 / "a.png"), cv2.IMREAD_UNCHANGED)
    assert a8.dtype == np.uint8 and a8.shape == (96, 128)
    one = image_folder / "b.png"
    args = ["boundaries", str(one), "--out", str(out16), "--bits", "16", "--nms"]
    assert main([*args, "--weights", str(weights), "--device", "cpu"]) == 0
    b16 = cv2.imread(str(out16 / "b.png"), cv2.IMREAD_UNCHANGED)
    thin = cv2.imread(str(out16 / "b_nms.png"), cv2.IMREAD_UNCHANGED)
    assert b16.dtype == np.uint16 and b16.shape == (120, 160) and thin.shape == (120, 160)
    assert (thin <= b16).all()
    # The 16-bit map is the 8-bit one at a finer step.
    b8 = cv2.imread(str(out8 / "b.png"), cv2.IMREAD_UNCHANGED)
    assert np.abs(b16 / 65535.0 - b8 / 255.0).max() <= 0.5 / 255 + 1e-6
    assert "boundaries (16-bit)" in capsys.readouterr().out


def test_bad_inputs_are_one_line_and_write_nothing(tmp_path, weights, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"garbage")
    out = tmp_path / "out"
    assert main(["boundaries", str(bad), "--out", str(out), "--weights", str(weights)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("supercuts: ") and str(bad) in err[0]
    assert not any(out.glob("*.png"))
    good = tmp_path / "good.png"
    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(good)
    assert main(["boundaries", str(good), "--out", str(out), "--weights", str(bad)]) == 2
    assert "not a boundary network file" in capsys.readouterr().err
    missing = tmp_path / "none.pt"
    assert main(["boundaries", str(good), "--out", str(out), "--weights", str(missing)]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["boundaries", str(good), "--out", str(out), "--bits", "12"]) == 2
    assert main(["boundaries", str(good), "--out", str(out), "--weights", str(weights),
                 "--device", "tpu9"]) == 2  # fmt: skip
    assert "--device tpu9" in capsys.readouterr().err
    if not resource_path("weights", BOUNDARY_FILE).is_file():
        assert main(["boundaries", str(good), "--out", str(out)]) == 2
        assert "no trained boundary network" in capsys.readouterr().err
    assert not any(out.glob("*.png"))


def test_eval_boundaries_prints_and_writes_json(tiny_bsds, tmp_path, weights, capsys):
    report = tmp_path / "edges.json"
    args = ["eval", "boundaries", "--data", str(tiny_bsds), "--weights", str(weights),
            "--thresholds", "9", "--limit", "1", "--device", "cpu",
            "--json", str(report)]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "ODS" in out and "OIS" in out and "AP" in out
    result = json.loads(report.read_text())
    assert result["images"] == 1 and len(result["per_threshold"]["threshold"]) == 9
    # Maps averaged over scales (RCF's multi-scale test) score too; a scale out of range is
    # refused in one line.
    assert main([*args, "--scales", "0.5", "1", "1.5"]) == 0
    assert json.loads(report.read_text())["scales"] == [0.5, 1.0, 1.5]
    assert main([*args, "--scales", "9"]) == 2
    assert "supercuts:" in capsys.readouterr().err
    # A split folder that is not there: one line, no JSON.
    again = tmp_path / "test.json"
    assert main([*args[:-2], "--split", "test", "--json", str(again)]) == 2
    assert "split 'test' not found" in capsys.readouterr().err and not again.exists()


def test_eval_accepts_any_split_folder_present(tiny_bsds, weights, capsys):
    data = tiny_bsds / "BSDS500" / "data"
    for kind in ("images", "groundTruth"):
        shutil.copytree(data / kind / "val", data / kind / "test")
    args = ["eval", "boundaries", "--data", str(tiny_bsds), "--split", "test",
            "--weights", str(weights), "--thresholds", "3", "--limit", "1"]  # fmt: skip
    assert main(args) == 0
    assert "1 images of test" in capsys.readouterr().out


@pytest.mark.slow
def test_train_boundaries_and_resume(tiny_bsds, tmp_path, capsys):
    data = tiny_bsds / "BSDS500" / "data"
    for kind in ("images", "groundTruth"):
        shutil.copytree(data / kind / "val", data / kind / "train")
    out = tmp_path / "net.pt"
    base = ["train", "boundaries", "--data", str(tiny_bsds), "--out", str(out),
            "--backbone-weights", "random", "--device", "cpu", "--batch", "1", "--crop", "32",
            "--val-every", "1", "--val-limit", "1", "--val-thresholds", "3",
            "--threads", "1"]  # fmt: skip
    assert main([*base, "--steps", "2"]) == 0
    assert "best step" in capsys.readouterr().out
    net = BoundaryNet.load(out)
    assert net.config["strides"] == [2, 4, 8, 16]
    last = tmp_path / "net.last.pt"
    assert main([*base, "--steps", "3", "--resume", str(last)]) == 0
    assert torch.load(last, weights_only=False)["step"] == 3
    assert main([*base, "--resume", str(tmp_path / "nope.pt")]) == 2
    assert main(["train", "boundaries", "--data", str(tmp_path / "none"), "--out", str(out)]) == 2
