"""The project's own edge model: kept in the project file, read back, reverted, damage refused."""

from __future__ import annotations

import numpy as np
import pytest

from supercuts_app.segmentation.edge_model import default_edge_model
from supercuts_app.storage.project import Project
from supercuts_app.storage.project_model import (
    PROJECT_MODEL_KEY,
    read_project_model,
    write_project_model,
)
from supercuts_app.storage.store import ProjectFileError

pytestmark = pytest.mark.skipif(default_edge_model() is None, reason="no shipped edge model")


def _changed_model():
    model = default_edge_model()
    model.b2 = model.b2 + 0.5
    model.info = {**model.info, "adapted_images": 7}
    return model


def test_model_round_trips_and_reverts(tmp_path):
    path = tmp_path / "p.supercuts"
    with Project.create(path) as project:
        assert read_project_model(project.store) is None
        write_project_model(project.store, _changed_model())
    with Project.open(path, readonly=True) as project:
        model = read_project_model(project.store)
    assert model is not None and model.fingerprint() == _changed_model().fingerprint()
    assert model.info["adapted_images"] == 7
    with Project.open(path) as project:
        write_project_model(project.store, None)
        assert read_project_model(project.store) is None


def test_damaged_model_is_refused_in_one_line(tmp_path):
    with Project.create(tmp_path / "p.supercuts") as project:
        project.store.set_setting(PROJECT_MODEL_KEY, {"npz": "bm90IGEgemlw"})
        with pytest.raises(ProjectFileError, match="edge model") as info:
            read_project_model(project.store)
    assert "\n" not in str(info.value)


def test_model_bytes_round_trip():
    model = _changed_model()
    from supercuts_app.segmentation.edge_model import EdgeModel

    back = EdgeModel.from_bytes(model.to_bytes())
    np.testing.assert_array_equal(back.w1, model.w1)
    assert back.info == model.info
