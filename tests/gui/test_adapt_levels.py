"""Tools > Adapt levels to this project, offscreen: enabled from 5 annotated images, the adapted
model kept in the project and used for its levels, Tools > Use the shipped levels reverts."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QMessageBox

from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.segmentation.border_offset import BorderOffsets
from supercuts_app.segmentation.edge_graph_model import region_model_of
from supercuts_app.segmentation.edge_model import default_edge_model
from supercuts_app.storage.project import Project
from supercuts_app.storage.project_model import read_project_model

pytestmark = pytest.mark.skipif(default_edge_model() is None, reason="no shipped edge model")


def _annotate(project: Project, record) -> None:
    editor = project.editor(record.id)
    obj = editor.new_object(project.categories.find("thing").id)
    mask = np.zeros(record.shape, bool)
    mask[:48, 64:] = True
    editor.add(obj, mask)


@pytest.fixture
def folder(tmp_path, quadrants):
    for i in range(6):
        Image.fromarray(np.roll(quadrants, 3 * i, axis=1)).save(tmp_path / f"img{i}.png")
    with Project.create(tmp_path / "p.supercuts", schema_from_data({"thing": []})) as project:
        project.add_images(sorted(tmp_path.glob("*.png")))
        for record in project.images()[:4]:
            _annotate(project, record)
    return tmp_path


def test_adapt_is_offered_from_five_annotated_images_and_reverts(
    qtbot, window, folder, monkeypatch
):
    start = window.actions_by_slot["adapt.start"]
    revert = window.actions_by_slot["adapt.revert"]
    window.adapt.refresh()
    assert not start.isEnabled() and not revert.isEnabled()  # 4 annotated images
    assert "shipped edge model" in window.status_label.text()
    _annotate(window.project, window.project.images()[4])
    window.adapt.refresh()
    assert start.isEnabled()

    start.trigger()
    assert not start.isEnabled() or window.adapt.running
    with qtbot.waitSignal(window.segmentation_shown, timeout=180_000):
        qtbot.waitUntil(lambda: window.adapt.edge_model is not None, timeout=180_000)
    assert "adapted to this project's 5 annotated images" in window.status_label.text()
    with Project.open(folder, readonly=True) as project:
        stored = read_project_model(project.store)
    assert stored is not None and stored.fingerprint() == window.adapt.edge_model.fingerprint()
    # The levels use it for merged regions, beside the shipped graph networks.
    assert region_model_of(window.adapt.levels_scorer()).fingerprint() == stored.fingerprint()
    # Seed clicks cut with the offsets learnt with the model (its cutter is built with them).
    learnt = BorderOffsets.from_info(stored.info)
    assert window.adapt.cut_options().offsets == learnt
    qtbot.waitUntil(lambda: window.opened.session.cutter is not None, timeout=60_000)
    assert window.opened.session.cutter.options.offsets == learnt
    window.adapt.refresh()
    assert revert.isEnabled()

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(window.segmentation_shown, timeout=60_000):
        revert.trigger()
    assert window.adapt.edge_model is None and window.adapt.levels_scorer() is None
    assert "shipped edge model" in window.status_label.text()
    with Project.open(folder, readonly=True) as project:
        assert read_project_model(project.store) is None


def test_offers_to_adapt_when_enough_images_got_annotations(qtbot, window, monkeypatch):
    from supercuts_app.gui import adapt_actions

    monkeypatch.setattr(adapt_actions, "OFFER_EVERY_IMAGES", 5)
    window.adapt.maybe_offer()
    assert window.adapt.offer_box is None  # offers are off by default
    toggle = window.actions_by_slot["adapt.toggle_offer"]
    assert not toggle.isChecked()
    toggle.trigger()
    assert window.adapt.offer and toggle.isChecked()
    window.adapt.maybe_offer()
    assert window.adapt.offer_box is None  # 4 annotated images: not yet
    _annotate(window.project, window.project.images()[4])
    window.adapt.maybe_offer()
    box = window.adapt.offer_box
    assert box is not None and "5 images" in box.text()
    box.done(QMessageBox.StandardButton.No)
    assert window.adapt.offer_box is None and not window.adapt.running
    window.adapt.maybe_offer()
    assert window.adapt.offer_box is None  # declined: not again until 5 more
    window.adapt.toggle_offer()  # leave the remembered setting as it was
