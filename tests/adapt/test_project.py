"""Adapting the edge model to a project: the fine-tune learns the project's samples, end to end."""

from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.adapt.edge_samples import EdgeSamples, weighted_bce
from supercuts_app.adapt.project import FineTuneOptions, adapt_to_project, fine_tune_edge_model
from supercuts_app.segmentation.border_offset import BorderOffsets
from supercuts_app.segmentation.edge_features import EDGE_FEATURE_NAMES
from supercuts_app.segmentation.edge_model import default_edge_model
from supercuts_app.storage.project import Project

from .test_project_samples import project_path  # noqa: F401 - the fixture

pytestmark = pytest.mark.skipif(default_edge_model() is None, reason="no shipped edge model")


def _samples(rng, n: int, flip: bool) -> EdgeSamples:
    base = default_edge_model()
    x = base.mean + base.std * rng.normal(size=(n, len(EDGE_FEATURE_NAMES)))
    targets = (base.predict(x) > 0.5).astype(float)
    return EdgeSamples(x, 1.0 - targets if flip else targets, np.ones(n))


def test_fine_tune_lowers_the_loss_on_the_projects_samples():
    rng = np.random.default_rng(0)
    base = default_edge_model()
    project = _samples(rng, 400, flip=True)  # a project that disagrees with the shipped model
    tuned = fine_tune_edge_model(base, project, options=FineTuneOptions(steps=200, lr=0.01))
    assert weighted_bce(tuned, project) < 0.8 * weighted_bce(base, project)
    assert tuned.fingerprint() != base.fingerprint()
    np.testing.assert_array_equal(tuned.mean, base.mean)  # the shipped feature scaling is kept


def test_anchor_keeps_the_model_closer_to_what_it_knew():
    rng = np.random.default_rng(1)
    base = default_edge_model()
    project, anchor = _samples(rng, 400, flip=True), _samples(rng, 400, flip=False)
    options = FineTuneOptions(steps=200, lr=0.01, anchor_share=0.5)
    alone = fine_tune_edge_model(base, project, options=options)
    mixed = fine_tune_edge_model(base, project, anchor=anchor, options=options)
    assert weighted_bce(mixed, anchor) < weighted_bce(alone, anchor)


def test_fine_tune_is_deterministic():
    rng = np.random.default_rng(2)
    samples = _samples(rng, 100, flip=True)
    options = FineTuneOptions(steps=20)
    a = fine_tune_edge_model(default_edge_model(), samples, options=options)
    b = fine_tune_edge_model(default_edge_model(), samples, options=options)
    assert a.fingerprint() == b.fingerprint()


def test_adapt_to_project_end_to_end(project_path):  # noqa: F811
    with Project.open(project_path, readonly=True) as project:
        adapted = adapt_to_project(project, options=FineTuneOptions(steps=10))
    assert adapted.images == 1 and adapted.samples > 0
    assert adapted.model.info["adapted_images"] == 1
    # The border offsets were learnt with it and travel in the model.
    assert BorderOffsets.from_info(adapted.model.info) == adapted.offsets
    assert sum(adapted.model.info["border_offsets_from"].values()) > 0


def test_adapt_refuses_a_project_without_annotations(tmp_path, quadrants):
    from PIL import Image

    Image.fromarray(quadrants).save(tmp_path / "a.png")
    with Project.create(tmp_path / "p.supercuts") as project:
        project.add_images([tmp_path / "a.png"])
        with pytest.raises(ValueError, match="no annotated images"):
            adapt_to_project(project)
