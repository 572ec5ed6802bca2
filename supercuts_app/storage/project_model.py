"""A project's own edge model: the levels adapted to its annotations (see
:mod:`supercuts_app.adapt.project`), kept in the project file so that it travels with the project
and is used for its images only.

It lives in the ``meta`` table under :data:`PROJECT_MODEL_KEY` as the model's ``.npz`` bytes
(base64) with a short description; no entry means the shipped model.
"""

from __future__ import annotations

import base64
import binascii
import zipfile

from supercuts_app.segmentation.edge_model import EdgeModel, EdgeModelError

from .rows import damaged
from .store import ProjectStore

PROJECT_MODEL_KEY = "edge_model"


def read_project_model(store: ProjectStore) -> EdgeModel | None:
    """The project's adapted edge model, or None when it uses the shipped one.

    Raises
    ------
    ProjectFileError
        When the stored model cannot be read (one line).
    EdgeModelError
        When it reads edge features this version does not compute.
    """
    value = store.get_setting(PROJECT_MODEL_KEY)
    if value is None:
        return None
    try:
        data = base64.b64decode(value["npz"], validate=True)
        return EdgeModel.from_bytes(data, source=f"{store.path.name}: the project's edge model")
    except EdgeModelError:
        raise
    except (TypeError, KeyError, ValueError, OSError, binascii.Error, zipfile.BadZipFile):
        raise damaged(store.path, "the project's edge model", "not an edge model") from None


def write_project_model(store: ProjectStore, model: EdgeModel | None) -> None:
    """Keep ``model`` as the project's edge model (None: go back to the shipped one), in one
    transaction."""
    if model is None:
        store.set_setting(PROJECT_MODEL_KEY, None)  # reads back as "no model"
        return
    value = {
        "npz": base64.b64encode(model.to_bytes()).decode("ascii"),
        "fingerprint": model.fingerprint(),
        "images": model.info.get("adapted_images"),
    }
    store.set_setting(PROJECT_MODEL_KEY, value)
