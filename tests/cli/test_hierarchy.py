from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from PIL import Image

from supercuts_app.cli.main import main
from supercuts_app.segmentation.edge_model import EdgeModel
from supercuts_app.segmentation.superpixels import label_boundaries


def test_hierarchy_command_writes_levels_and_ucm(tmp_path, disk_image, capsys):
    src = tmp_path / "disk.png"
    Image.fromarray(disk_image).save(src)
    out = tmp_path / "h"
    assert main(["hierarchy", str(src), "--n-segments", "60", "--out", str(out)]) == 0
    with np.load(out / "disk.npz") as data:
        superpixels, tables = data["superpixels"], data["tables"]
        labels = tables[:, superpixels]  # the levels are tables over the superpixel map
        counts = data["region_counts"]
        tree = data["linkage"]
        level_heights = data["level_heights"]
        thresholds = data["ucm_level_values"]
    assert labels.ndim == 3 and labels.shape[1:] == disk_image.shape[:2]
    assert labels.shape[0] == len(counts) and counts[-1] == 1
    assert tree.shape == (counts[0] - 1, 4) and len(level_heights) == len(thresholds) == len(counts)
    for lv in range(len(counts)):
        assert labels[lv].max() + 1 == counts[lv]
        if lv:  # each region of level lv-1 lies inside one region of level lv
            pairs = np.unique(labels[lv - 1].astype(np.int64) * 100000 + labels[lv])
            assert len(pairs) == counts[lv - 1]
            assert level_heights[lv] == tree[counts[0] - counts[lv] - 1, 2]
    # The UCM holds merge heights (1..65535), not level indices: thresholds see the whole tree,
    # and its threshold for each level gives that level's borders (unless the level falls
    # inside a run of merges of equal height, which no threshold can split).
    ucm = cv2.imread(str(out / "disk_ucm.png"), cv2.IMREAD_UNCHANGED)
    assert ucm.dtype == np.uint16 and len(np.unique(ucm)) > len(counts)
    heights = np.concatenate([[-1.0], tree[:, 2], [np.inf]])  # before the first, after the last
    made = counts[0] - counts
    cuts = [lv for lv in range(len(counts)) if heights[made[lv] + 1] > heights[made[lv]]]
    assert 0 in cuts and len(counts) - 1 in cuts
    for lv in cuts:
        np.testing.assert_array_equal(ucm > thresholds[lv], label_boundaries(labels[lv]))
    assert abs((int(ucm.max()) - 1) / 65534 - tree[-1, 2]) < 1e-3
    assert "levels" in capsys.readouterr().out


def test_hierarchy_command_bad_inputs(tmp_path, capsys):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"")
    out = tmp_path / "h"
    assert main(["hierarchy", str(bad), "--out", str(out)]) == 2
    assert not out.exists()
    junk = tmp_path / "model.npz"
    junk.write_bytes(b"junk")
    assert main(["hierarchy", str(bad), "--edge-model", str(junk), "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("supercuts: ") and "empty file" in err[0]
    assert "not an edge model" in err[1]


def test_edge_model_with_other_features_is_refused(tmp_path, disk_image, capsys):
    """A model trained before the feature list changed says so instead of failing deep inside."""
    from supercuts_app.segmentation.hierarchy import build_hierarchy
    from supercuts_app.segmentation.region_graph import region_graph

    old = EdgeModel(
        mean=np.zeros(16),
        std=np.ones(16),
        w1=np.zeros((16, 2)),
        b1=np.zeros(2),
        w2=np.zeros((2, 1)),
        b2=np.zeros(1),
    )
    path = tmp_path / "old.npz"
    old.save(path)
    src = tmp_path / "disk.png"
    Image.fromarray(disk_image).save(src)
    assert main(["hierarchy", str(src), "--edge-model", str(path), "--out", str(tmp_path)]) == 2
    assert "retrain" in capsys.readouterr().err
    labels = np.arange(4).reshape(2, 2).repeat(8, 0).repeat(8, 1)
    graph = region_graph(labels, disk_image[:16, :16])
    with pytest.raises(ValueError, match="16 edge features"):
        build_hierarchy(labels, graph, model=old)


@pytest.mark.slow
def test_train_affinity_and_eval_hierarchy(tiny_bsds, tmp_path, capsys):
    # The tiny set has only a val split; train reads train too, so mirror it.
    data = tiny_bsds / "BSDS500" / "data"
    for kind in ("images", "groundTruth"):
        (data / kind / "train").symlink_to(data / kind / "val", target_is_directory=True)
    stage1 = tmp_path / "stage1.npz"
    code = main(
        [
            "train",
            "affinity",
            "--data",
            str(tiny_bsds),
            "--out",
            str(stage1),
            "--n-segments",
            "40",
            "--steps",
            "30",
        ]
    )
    assert code == 0
    model_path = tmp_path / "edge.npz"
    code = main(
        [
            "train",
            "affinity",
            "--data",
            str(tiny_bsds),
            "--out",
            str(model_path),
            "--n-segments",
            "40",
            "--steps",
            "30",
            "--region-counts",
            "8",
            "4",
            "--hierarchy-model",
            str(stage1),
            "--hierarchy-region-weight",
            "0.4",
        ]
    )
    assert code == 0
    first, model = EdgeModel.load(stage1), EdgeModel.load(model_path)
    assert first.info["region_counts"] == [] and model.info["region_counts"] == [8, 4]
    assert model.info["hierarchy_region_weight"] == 0.4
    assert model.info["train_edges"] > first.info["train_edges"] > 0
    assert model.info["val_bce"] > 0
    out = tmp_path / "h.json"
    code = main(
        [
            "eval",
            "hierarchy",
            "--data",
            str(tiny_bsds),
            "--n-segments",
            "40",
            "--edge-model",
            str(model_path),
            "--spectral-weight",
            "0",
            "0.3",
            "--region-weight",
            "0.5",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    results = json.loads(out.read_text())
    assert [r["spectral_weight"] for r in results] == [0.0, 0.3]
    assert [r["region_weight"] for r in results] == [0.5, 0.5]
    for r in results:
        assert 0.5 < r["boundary"]["ods"]["f"] <= 1.0
        assert 0.5 < r["covering"]["ods"]["value"] <= 1.0
    assert "F-ODS" in capsys.readouterr().out


def test_edge_model_with_unknown_feature_names_is_one_line(tmp_path, disk_image, capsys):
    from supercuts_app.segmentation.edge_features import EDGE_FEATURE_NAMES

    n = len(EDGE_FEATURE_NAMES)
    names = np.array([*EDGE_FEATURE_NAMES[:-1], "border_learned_edges"])
    arrays = {"mean": np.zeros(n), "std": np.ones(n), "w1": np.zeros((n, 2))}
    path = tmp_path / "future.npz"
    np.savez(path, **arrays, b1=np.zeros(2), w2=np.zeros((2, 1)), b2=np.zeros(1),
             feature_names=names)  # fmt: skip
    src = tmp_path / "disk.png"
    Image.fromarray(disk_image).save(src)
    out = tmp_path / "out"
    assert main(["hierarchy", str(src), "--edge-model", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("supercuts: ") and "border_learned_edges" in err[0]
    assert not out.exists()
