"""Edge samples from a project's annotations: partition, pair targets, whole-project collection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from supercuts_app.adapt.project_samples import (
    OUTSIDE,
    UNKNOWN,
    annotated_images,
    annotation_partition,
    partition_targets,
    project_truths,
)
from supercuts_app.annotation.categories import schema_from_data
from supercuts_app.storage.project import Project


def _box(shape, ys, xs) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[ys, xs] = True
    return mask


@pytest.fixture
def project_path(tmp_path: Path, quadrants) -> Path:
    """Two images: one with a person (two parts: head above, body below, on the right half) and
    a ball without parts (top-left quadrant); one with nothing."""
    Image.fromarray(quadrants).save(tmp_path / "a.png")
    Image.fromarray(quadrants[::-1]).save(tmp_path / "b.png")
    cats = schema_from_data({"person": ["head", "body"], "ball": []})
    with Project.create(tmp_path / "p.supercuts", cats) as project:
        project.add_images([tmp_path / "a.png", tmp_path / "b.png"])
        editor = project.editor(project.images()[0].id)
        shape = (96, 128)
        cats = project.categories
        person_class = cats.find("person").id
        person = editor.new_object(person_class)
        editor.add(person, _box(shape, slice(0, 96), slice(64, 128)))
        head = editor.new_part(person, cats.find("head", person_class).id)
        editor.add(head, _box(shape, slice(0, 48), slice(64, 128)))
        body = editor.new_part(person, cats.find("body", person_class).id)
        editor.add(body, _box(shape, slice(48, 80), slice(64, 128)))  # 80..96: no part
        ball = editor.new_object(cats.find("ball").id)
        editor.add(ball, _box(shape, slice(0, 48), slice(0, 64)))
    return tmp_path / "p.supercuts"


def test_partition_has_one_segment_per_part_and_partless_object(project_path):
    with Project.open(project_path, readonly=True) as project:
        doc = project.editor(project.images()[0].id).doc
        partition = annotation_partition(doc)
    head, body, ball = partition[10, 100], partition[60, 100], partition[10, 10]
    assert len({head, body, ball}) == 3 and min(head, body, ball) > OUTSIDE
    assert (partition[:48, 64:] == head).all() and (partition[48:80, 64:] == body).all()
    assert (partition[80:, 64:] == UNKNOWN).all()  # the person's pixels outside its parts
    assert (partition[48:, :64] == OUTSIDE).all()


def test_pair_targets_follow_the_rules():
    partition = np.array([[1, 1, 2, 0, 0, -1]])
    regions = np.arange(6)[None, :]
    edges = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [0, 5]])
    targets, known = partition_targets(partition)(edges, regions)
    # same part: 0; two parts: 1; part/outside: 1; outside/outside: unknown; unknown: unknown
    assert known.tolist() == [True, True, True, False, False, False]
    assert targets[known].tolist() == [0.0, 1.0, 1.0]


def test_pair_targets_use_the_majority_of_a_regions_pixels():
    partition = np.array([[1, 1, 1, 2, 2, 2]])
    regions = np.array([[0, 0, 1, 1, 1, 1]])  # region 1 is mostly segment 2
    targets, known = partition_targets(partition)(np.array([[0, 1]]), regions)
    assert known.tolist() == [True] and targets.tolist() == [1.0]


def test_only_annotated_images_are_read(project_path):
    with Project.open(project_path, readonly=True) as project:
        ids = annotated_images(project)
        assert ids == [project.images()[0].id]
        truths = list(project_truths(project, ids))
    assert len(truths) == 1 and truths[0].image.shape == (96, 128, 3)


def test_samples_are_the_same_from_a_fresh_and_a_cached_segmentation(project_path, tmp_path):
    from supercuts_app.adapt.project_samples import truth_samples
    from supercuts_app.segmentation.cache import SegmentationCache
    from supercuts_app.segmentation.segment import SegmentationSettings

    settings = SegmentationSettings.resolve(n_segments=40)
    cache = SegmentationCache(tmp_path / "cache")
    with Project.open(project_path, readonly=True) as project:
        [truth] = project_truths(project, annotated_images(project))
    fresh = truth_samples(truth, settings, region_counts=(8, 4), cache=cache)
    cached = truth_samples(truth, settings, region_counts=(8, 4), cache=cache)
    np.testing.assert_allclose(fresh.features, cached.features)
    np.testing.assert_array_equal(fresh.targets, cached.targets)
    assert len(fresh.targets) > 0
