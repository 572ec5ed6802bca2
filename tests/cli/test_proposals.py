"""``supercuts propose`` and ``supercuts eval proposals`` end to end on tiny inputs."""

from __future__ import annotations

import json

from PIL import Image

from supercuts_app.cli.main import main


def test_propose_writes_objects_with_parts_and_overlays(tmp_path, disk_image, capsys):
    src = tmp_path / "disk.png"
    Image.fromarray(disk_image).save(src)
    out = tmp_path / "p.json"
    args = ["propose", str(src), "--objects", "2", "--parts", "2", "--n-segments", "100"]
    assert main([*args, "--out", str(out), "--overlay", str(tmp_path / "ov")]) == 0
    doc = json.loads(out.read_text())
    assert doc["images"][0]["width"] == 160 and doc["images"][0]["height"] == 120
    objects = doc["annotations"]
    assert 1 <= len(objects) <= 2 and all(len(o["parts"]) == 2 for o in objects)
    assert objects[0]["segmentation"]["size"] == [120, 160] and 0 <= objects[0]["score"] <= 1
    assert (tmp_path / "ov" / "disk_proposals.png").is_file()
    assert "objects" in capsys.readouterr().out


def test_propose_bad_input_is_one_line_and_writes_nothing(tmp_path, disk_image, capsys):
    src = tmp_path / "disk.png"
    Image.fromarray(disk_image).save(src)
    for args, message in (
        ([str(src), "--out", str(tmp_path / "no" / "p.json")], "no does not exist"),
        ([str(src), "--parts", "0", "--out", str(tmp_path / "p.json")], "--parts"),
        ([str(tmp_path / "missing.png"), "--out", str(tmp_path / "p.json")], "missing.png"),
    ):
        assert main(["propose", *args]) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "p.json").exists()


def test_eval_proposals_on_tiny_bsds_and_ccp(tmp_path, tiny_bsds, tiny_ccp, capsys):
    out = tmp_path / "o.json"
    assert main(["eval", "proposals", "--data", str(tiny_bsds), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    # Two humans per image: 4 quadrants + 2 halves, on two images.
    assert result["summary"]["regions"] == 12
    assert all(0 <= r["spectral_top5"] <= 1 for r in result["rows"])
    assert "top 5" in capsys.readouterr().out

    ccp = tiny_ccp
    assert main(["eval", "proposals", "--data", str(ccp), "--dataset", "ccp", "--json",
                 str(out)]) == 0  # fmt: skip
    result = json.loads(out.read_text())
    assert result["summary"]["parts"] == 2
    # Two flat colours, two parts: both the spectral parts and the baseline find them.
    assert result["summary"]["spectral"] > 0.9 and result["summary"]["colour_kmeans"] > 0.9
