"""One place for each default: every layer reads base/defaults, none repeats its value."""

from __future__ import annotations

import argparse
import inspect

import numpy as np
import pytest

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS, UINT16_MAX, fits_uint16


def _n_segments_actions(parser: argparse.ArgumentParser, path: str = "supercuts"):
    """(command path, action, the command's parser) of every ``--n-segments`` option in the
    argparse tree."""
    for action in parser._actions:  # argparse offers no public walk of its tree
        if action.dest == "n_segments":
            yield path, (action, parser)
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _n_segments_actions(sub, f"{path} {name}")


def test_every_cli_superpixel_count_defaults_to_the_constant():
    from supercuts_app.cli.main import build_parser

    found = dict(_n_segments_actions(build_parser()))
    assert len(found) >= 8  # superpixels, hierarchy, train x2, eval x4, propose, precompute
    with_density = 0
    for path, (action, parser) in found.items():
        if any(a.dest == "density" for a in parser._actions):
            # A fixed count wins over --density, so it has no value unless given; the default
            # count is the one the library falls back on.
            with_density += 1
            assert action.default is None and str(DEFAULT_SUPERPIXELS) in action.help, path
            continue
        expected = [DEFAULT_SUPERPIXELS] if action.nargs == "+" else DEFAULT_SUPERPIXELS
        assert action.default == expected, path
    assert with_density >= 4  # superpixels, hierarchy, propose, precompute


def test_library_superpixel_counts_default_to_the_constant():
    from supercuts_app.batch.precompute import PrecomputeSettings
    from supercuts_app.eval.click_benchmark import evaluate_clicks
    from supercuts_app.eval.hierarchy import evaluate_hierarchies
    from supercuts_app.eval.superpixels import evaluate_superpixels
    from supercuts_app.segmentation.superpixels import compute_superpixels
    from supercuts_app.train.affinity import edge_samples
    from supercuts_app.train.ssn import SSNTrainConfig

    for fn in (
        compute_superpixels,
        edge_samples,
        evaluate_hierarchies,
        evaluate_superpixels,
        evaluate_clicks,
    ):
        assert inspect.signature(fn).parameters["n_segments"].default == DEFAULT_SUPERPIXELS
    assert PrecomputeSettings().n_segments is None  # a fixed count only when given
    from supercuts_app.segmentation.density import superpixel_count

    assert superpixel_count(4000, 6000) == DEFAULT_SUPERPIXELS
    assert SSNTrainConfig().n_segments == DEFAULT_SUPERPIXELS


@pytest.mark.parametrize(
    ("largest", "fits"), [(0, True), (UINT16_MAX - 1, True), (UINT16_MAX, True), (65536, False)]
)
def test_fits_uint16_is_the_dtype_range(largest, fits):
    assert fits_uint16(largest) is fits
    assert fits == (largest <= np.iinfo(np.uint16).max)


def test_ids_up_to_the_limit_are_stored_as_uint16(tmp_path):
    """The cache keeps a superpixel map whose largest id is exactly UINT16_MAX as uint16."""
    from supercuts_app.segmentation.cache import SegmentationCache
    from supercuts_app.segmentation.hierarchy import MergeHierarchy
    from supercuts_app.segmentation.superpixels import SuperpixelResult

    k = UINT16_MAX + 1
    labels = np.arange(k, dtype=np.int32).reshape(256, 256)
    tree = MergeHierarchy(labels, np.arange(k, dtype=np.int32)[None], np.zeros((0, 4)))
    cache = SegmentationCache(tmp_path)
    path = cache.save("key", SuperpixelResult(labels, "slic", k, 0.0, {}), tree)
    with np.load(path) as data:
        assert data["superpixels"].dtype == np.uint16
    result, back = cache.load("key")
    np.testing.assert_array_equal(result.labels, labels)
