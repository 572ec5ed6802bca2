from __future__ import annotations

import numpy as np

from supercuts_app.adapt.edge_samples import EdgeSamples, weighted_bce
from supercuts_app.train.affinity import edge_samples, fit_edge_model, majority_labels


def test_majority_labels():
    sp = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    truth = np.array([[5, 5, 5, 7], [5, 5, 7, 7]])
    assert majority_labels(sp, truth).tolist() == [0, 1]  # indices into the sorted labels


def test_region_pairs_add_samples_with_targets_in_range(tiny_bsds, backbone):
    plain = edge_samples(tiny_bsds, "val", backbone, n_segments=40, limit=1)
    more = edge_samples(tiny_bsds, "val", backbone, n_segments=40, limit=1, region_counts=(8, 4))
    assert len(more.targets) > len(plain.targets)
    np.testing.assert_array_equal(more.features[: len(plain.targets)], plain.features)
    assert ((more.targets >= 0) & (more.targets <= 1)).all()
    # The quadrant image: some pairs separate segments for every human, some for none.
    assert more.targets.max() == 1.0 and more.targets.min() == 0.0


def test_fitting_lowers_the_loss():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 16))
    y = (x[:, 3] > 0).astype(float)
    data = EdgeSamples(x, y, np.ones(400))
    short = fit_edge_model(data, steps=2)
    long = fit_edge_model(data, steps=200)
    assert weighted_bce(long, data) < weighted_bce(short, data) < 1.0
    assert weighted_bce(long, data) < 0.2
