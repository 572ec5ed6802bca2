"""What the window's worker runs when an image is opened: plain functions, no Qt."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.annotator import Annotator, superpixel_boxes
from ..core.pipeline import LoadedImage, ShownSegmentation, open_image, segmentation_for_display
from ..core.project import Project
from ..core.tasks import CancelFn, ProgressFn, check_cancelled, report


@dataclass
class OpenedImage:
    """An image of the project with its annotations, ready to show."""

    image_id: int
    loaded: LoadedImage
    annotator: Annotator


def load_annotated_image(
    project: Project,
    image_id: int,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> OpenedImage:
    """Read the image's pixels, its annotations and draw their mask layer."""
    record = project.image(image_id)
    loaded = open_image(project.image_path(record), progress=progress, cancel=cancel)
    if loaded.pixels.shape[:2] != record.shape:
        raise ValueError(
            f"{record.path}: the file is now {loaded.pixels.shape[1]} x {loaded.pixels.shape[0]}"
            f" but the project has it as {record.width} x {record.height}"
        )
    report(progress, "loading annotations", 0.5)
    editor = project.editor(image_id)
    check_cancelled(cancel)
    annotator = Annotator(editor)
    report(progress, "loading annotations", 1.0)
    return OpenedImage(image_id, loaded, annotator)


@dataclass
class WindowSegmentation:
    """A segmentation plus what the window derives from every pixel of it, computed here in the
    worker rather than on the GUI thread: per-superpixel boxes and the hover layer's id image."""

    shown: ShownSegmentation
    boxes: np.ndarray
    hover_ids: np.ndarray


def segmentation_for_window(image: np.ndarray, **options) -> WindowSegmentation:
    """:func:`~supercuts_app.core.pipeline.segmentation_for_display` and its derived arrays."""
    shown = segmentation_for_display(image, **options)
    sp = shown.tree.superpixels
    ids = sp.astype(np.uint16 if sp.max() < 65535 else np.int32)
    return WindowSegmentation(shown, superpixel_boxes(sp), ids)
