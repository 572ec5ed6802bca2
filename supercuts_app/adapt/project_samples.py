"""Edge samples from a project's own annotations: what adapting the levels to a project learns.

A finished image says which borders separate things: each object without parts, and each part,
is one segment; the rest of an object that has parts is left unknown (its parts say nothing about
it); pixels outside every annotation are *outside*. A pair of superpixels (or of merged regions,
by the majority of their pixels) is

- **positive** when it lies in two different segments, or in a segment and outside (the user
  annotated the whole object, so its border is an object border);
- **negative** when both lie in the same segment;
- **left out** when either lies in an unknown place, or both outside (nothing was said there).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from supercuts_app.annotation.document import ImageAnnotations
from supercuts_app.annotation.item import Annotation
from supercuts_app.base.images import ImageLoadError, load_image
from supercuts_app.base.tasks import CancelFn, ProgressFn, check_cancelled, report
from supercuts_app.segmentation.region_graph import deep_region_graph
from supercuts_app.segmentation.segment import (
    SegmentationSettings,
    graph_inputs,
    segment_image,
)
from supercuts_app.storage.project import Project

from .edge_samples import (
    EdgeSamples,
    PairTargets,
    concat_samples,
    image_edge_samples,
    region_tables,
)

OUTSIDE = 0
"""Partition value of pixels outside every annotation."""
UNKNOWN = -1
"""Partition value of pixels whose segment is not known (an object's pixels outside its parts)."""


def annotation_partition(doc: ImageAnnotations) -> np.ndarray:
    """(H, W) int32 map of an image's segments: 1, 2, ... one per part and per object without
    parts, :data:`OUTSIDE` and :data:`UNKNOWN` elsewhere (objects drawn bottom to top)."""
    partition = np.full(doc.shape, OUTSIDE, dtype=np.int32)
    segment = 0
    for obj in doc.objects():
        parts = [p for p in doc.parts_of(obj.id) if not p.is_empty()]
        if obj.is_empty():
            continue
        if parts:
            _paint(partition, obj, UNKNOWN)
        for ann in parts or [obj]:
            segment += 1
            _paint(partition, ann, segment)
    return partition


def _paint(partition: np.ndarray, ann: Annotation, value: int) -> None:
    box = ann.bounds()
    partition[box][ann.pixels.read(box)] = value


def partition_targets(partition: np.ndarray) -> PairTargets:
    """Hard targets of region pairs from an :func:`annotation_partition` (see the module's
    rules): 1 = separated, 0 = same segment; ``known`` False where nothing was said."""
    values, inverse = np.unique(partition.ravel(), return_inverse=True)

    def targets(edges: np.ndarray, regions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n_regions, n_values = int(regions.max()) + 1, len(values)
        table = np.bincount(
            regions.ravel().astype(np.int64) * n_values + inverse, minlength=n_regions * n_values
        )
        major = values[table.reshape(n_regions, n_values).argmax(axis=1)]
        a, b = major[edges[:, 0]], major[edges[:, 1]]
        known = (a != UNKNOWN) & (b != UNKNOWN) & ~((a == OUTSIDE) & (b == OUTSIDE))
        return (a != b).astype(np.float64), known

    return targets


@dataclass
class ImageTruth:
    """One annotated image: its pixels and segment partition."""

    name: str
    image: np.ndarray
    partition: np.ndarray


def annotated_images(project: Project, *, image_ids: Sequence[int] | None = None) -> list[int]:
    """Ids of the project's images with at least one annotation (of ``image_ids`` if given), in
    the project's order."""
    counts = project.store.annotation_counts()
    wanted = None if image_ids is None else set(image_ids)
    return [
        r.id
        for r in project.images()
        if counts.get(r.id, 0) > 0 and (wanted is None or r.id in wanted)
    ]


def project_truths(project: Project, image_ids: Sequence[int]) -> Iterator[ImageTruth]:
    """The pixels and partitions of the given images (images that moved, changed size or have
    no annotated pixels are skipped)."""
    for image_id in image_ids:
        record = project.image(image_id)
        doc = project.editor(image_id).doc
        partition = annotation_partition(doc)
        if not (partition > OUTSIDE).any():
            continue
        try:
            image = load_image(project.image_path(record))
        except ImageLoadError:  # a moved file is one image less to learn from
            continue
        if image.shape[:2] != partition.shape:
            continue
        yield ImageTruth(record.path, image, partition)


def truth_samples(
    truth: ImageTruth,
    settings: SegmentationSettings,
    *,
    region_counts: Sequence[int] = (),
    cache=None,
) -> EdgeSamples:
    """Edge samples of one annotated image, on its superpixels and the merged regions of its
    hierarchy (cut at ``region_counts``) under ``settings``, over the very region graph the
    levels are built on (a large photo's at its working size)."""
    segmentation = segment_image(truth.image, settings=settings, cache=cache, keep_graph=True)
    image, labels = graph_inputs(truth.image, segmentation.result)
    graph = segmentation.graph
    if graph is None:  # read from the cache: the graph is computed again
        graph = deep_region_graph(
            settings.backbone, image, labels, boundary_net=settings.boundary_net
        )
    tables = region_tables(segmentation.tree.linkage, graph.n_nodes, region_counts)
    partition = _resized(truth.partition, labels.shape)
    return image_edge_samples(image, labels, graph, partition_targets(partition), tables)


def _resized(partition: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``partition`` at ``shape`` (nearest pixel; unchanged when it has that shape)."""
    if partition.shape == tuple(shape):
        return partition
    rows = np.arange(shape[0]) * partition.shape[0] // shape[0]
    cols = np.arange(shape[1]) * partition.shape[1] // shape[1]
    return partition[np.ix_(rows, cols)]


def samples_of_truths(
    truths: Sequence[ImageTruth] | Iterator[ImageTruth],
    settings: SegmentationSettings,
    *,
    total: int,
    region_counts: Sequence[int] = (),
    cache=None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> tuple[EdgeSamples, int]:
    """All images' samples and the number of images they came from."""
    found = []
    for truth in truths:
        check_cancelled(cancel)
        found.append(truth_samples(truth, settings, region_counts=region_counts, cache=cache))
        report(progress, "learning from annotations", len(found) / max(total, 1))
    return concat_samples(found), len(found)
