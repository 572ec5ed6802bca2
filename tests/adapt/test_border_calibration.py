"""Learning a project's border offsets from its finished masks."""

import itertools

import numpy as np
import pytest

from supercuts_app.adapt.border_calibration import (
    OFFSETS,
    LabelledMask,
    calibrate_border_offsets,
    choose_offsets,
    document_masks,
    offset_ious,
)
from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.annotation.cropped_mask import CroppedMask
from supercuts_app.annotation.document import ImageAnnotations
from supercuts_app.segmentation.border_offset import BorderOffsets, shift_border
from supercuts_app.segmentation.seeded_cut import SeedCutter


@pytest.fixture(scope="module")
def square_cutter(square_scene):
    """The red square's seed cutter and its exact mask."""
    image, truth, tree = square_scene
    return SeedCutter(tree, image), truth


def test_labels_drawn_a_pixel_outside_the_edge_learn_plus_one(square_cutter):
    cutter, truth = square_cutter
    within = np.zeros(truth.shape, bool)
    within[10:90, 20:120] = True
    object_label = LabelledMask(False, CroppedMask.from_full(shift_border(truth, 1)))
    part_label = LabelledMask(
        True, CroppedMask.from_full(shift_border(truth, 1)), CroppedMask.from_full(within)
    )
    ious = offset_ious(cutter, object_label)
    assert ious[OFFSETS.index(1)] == pytest.approx(1.0)
    offsets, counted = calibrate_border_offsets([(cutter, [object_label, part_label])])
    assert offsets == BorderOffsets(object=1, part=1)
    assert counted == {"objects": 1, "parts": 1}


def test_labels_on_the_edge_learn_no_offset(square_cutter):
    cutter, truth = square_cutter
    label = LabelledMask(False, CroppedMask.from_full(truth))
    offsets, _ = calibrate_border_offsets([(cutter, [label])])
    assert offsets.is_zero()


def test_tiny_labels_and_small_gains_are_left_out(square_cutter):
    cutter, truth = square_cutter
    speck = np.zeros(truth.shape, bool)
    speck[2:6, 2:6] = True
    assert offset_ious(cutter, LabelledMask(False, CroppedMask.from_full(speck))) is None
    flat = np.full(len(OFFSETS), 0.8)
    flat[OFFSETS.index(1)] += 0.001  # below the margin: noise
    assert choose_offsets([flat], []) == BorderOffsets()


def test_document_masks_are_objects_and_their_parts():
    cats = schema_from_data({"person": ["sleeve"]})
    counter = itertools.count(1)
    doc = ImageAnnotations((20, 20), cats, new_id=lambda: next(counter))
    body = np.zeros((20, 20), bool)
    body[2:18, 2:18] = True
    sleeve = np.zeros((20, 20), bool)
    sleeve[4:8, 4:8] = True
    person = doc.new_object(cats.find("person").id).ids[0]
    doc.add(person, body)
    sleeve_class = cats.find("sleeve", parent_id=cats.find("person").id)
    part = doc.new_part(person, sleeve_class.id).ids[0]
    doc.add(part, sleeve)
    doc.new_object(cats.find("person").id)  # an empty object says nothing
    masks = document_masks(doc)
    assert [m.part for m in masks] == [False, True]
    assert np.array_equal(masks[0].pixels.full(), body)
    assert np.array_equal(masks[1].pixels.full(), sleeve)
    assert np.array_equal(masks[1].within.full(), body)
