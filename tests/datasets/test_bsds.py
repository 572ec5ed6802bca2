"""BSDS500 reader: which splits a folder has, and the refusal of one it lacks."""

from __future__ import annotations

import pytest

from supercuts_app.datasets.bsds import DatasetError, available_splits, iter_split


def test_splits_are_the_folders_under_both_images_and_ground_truth(tiny_bsds):
    data = tiny_bsds / "BSDS500" / "data"
    (data / "images" / "test").mkdir()
    (data / "groundTruth" / "test").mkdir()
    (data / "images" / "train").mkdir()  # no ground truth: not a split
    (data / "groundTruth" / "extra").mkdir()  # no images: not a split
    (data / "images" / "notes.txt").write_text("not a folder")
    assert available_splits(tiny_bsds) == ["test", "val"]
    assert available_splits(data) == ["test", "val"]
    assert [item.name for item in iter_split(tiny_bsds, "val")] == ["1001", "1002"]
    with pytest.raises(DatasetError, match="no images"):
        list(iter_split(tiny_bsds, "test"))


@pytest.mark.parametrize("split", ["train", "extra", "../images/val", ".", ""])
def test_a_split_not_present_names_those_present(tiny_bsds, split):
    data = tiny_bsds / "BSDS500" / "data"
    (data / "images" / "train").mkdir()
    (data / "groundTruth" / "extra").mkdir()
    with pytest.raises(DatasetError, match=r"not found \(splits present: val\)$"):
        list(iter_split(tiny_bsds, split))


def test_a_folder_without_the_layout_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="no BSDS500 layout"):
        available_splits(tmp_path)
