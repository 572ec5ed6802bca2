"""Opening one image of a project for annotation: its pixels, its annotations and their layer."""

from __future__ import annotations

from dataclasses import dataclass

from supercuts_app.base.images import ImageLoadError
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
    """Read the image's pixels, its annotations and draw their mask layer.

    Raises :class:`~supercuts_app.base.images.ImageLoadError` (one line) when the file cannot
    be read or is no longer the size the project has for it: its masks would not fit it.
    """
    record = project.image(image_id)
    path = project.image_path(record)
    loaded = open_image(path, progress=progress, cancel=cancel)
    if loaded.pixels.shape[:2] != record.shape:
        height, width = loaded.pixels.shape[:2]
        raise ImageLoadError(
            path,
            f"the file is now {width} x {height} but the project has it as "
            f"{record.width} x {record.height}; its annotations would not fit (not opened)",
        )
    report(progress, "loading annotations", 0.5)
    editor = project.editor(image_id)
    check_cancelled(cancel)
    # Built here in the worker: drawing the mask layer reads every annotation's pixels.
    session = AnnotationSession(editor)
    report(progress, "loading annotations", 1.0)
    return OpenedImage(image_id, loaded, session)
