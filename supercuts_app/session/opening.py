"""Opening one image of a project for annotation: its pixels, its annotations and their layer."""

from __future__ import annotations

from dataclasses import dataclass

from supercuts_app.base.tasks import CancelFn, ProgressFn, check_cancelled, report
from supercuts_app.segmentation.segment import LoadedImage, open_image
from supercuts_app.storage.project import Project

from .session import AnnotationSession


@dataclass
class OpenedImage:
    """An image of the project with its annotations, ready to show."""

    image_id: int
    loaded: LoadedImage
    session: AnnotationSession


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
    # Built here in the worker: drawing the mask layer reads every annotation's pixels.
    session = AnnotationSession(editor)
    report(progress, "loading annotations", 1.0)
    return OpenedImage(image_id, loaded, session)
