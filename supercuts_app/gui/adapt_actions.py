"""Tools > Adapt levels to this project / Use the shipped levels: the project's own edge model.

Adapting runs as a background job that survives moving between images (the user goes on
annotating); Cancel in the status bar stops it. Its result is kept in the project file and the
shown image's levels are recomputed with it; the following images open with adapted levels.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from supercuts_app.adapt.project import (
    MIN_ANNOTATED_IMAGES,
    OFFER_EVERY_IMAGES,
    AdaptedModel,
    adapt_project_file,
)
from supercuts_app.adapt.project_samples import annotated_images
from supercuts_app.segmentation.border_offset import BorderOffsets
from supercuts_app.segmentation.edge_graph_model import GraphEdgeScorer, project_scorer
from supercuts_app.segmentation.edge_model import EdgeModel, EdgeModelError
from supercuts_app.segmentation.seeded_cut import SeedCutOptions
from supercuts_app.storage.project import Project
from supercuts_app.storage.project_model import read_project_model, write_project_model
from supercuts_app.storage.store import ProjectFileError

from .toolbar import count_options
from .worker import Worker


class AdaptActions:
    """The project's edge model in the window: which one is used, adapting, reverting."""

    def __init__(self, window) -> None:
        self.window = window
        self.edge_model: EdgeModel | None = None  # None: the shipped model
        self.running = False
        # A worker of its own: adapting takes minutes, and images must go on opening meanwhile.
        self.worker = Worker(window)
        self.offer = window.settings.value("adapt_offer", False, type=bool)
        self.offer_box: QMessageBox | None = None
        self._declined_at: int | None = None  # annotated images when an offer was declined

    @property
    def busy(self) -> bool:
        return self.worker.busy

    def cancel(self) -> None:
        """Stop adapting (nothing is kept)."""
        self.worker.cancel_all()

    # -- which model ----------------------------------------------------------------------------
    def project_opened(self, project: Project) -> None:
        """Use the project's model, if it has one (a damaged one: the shipped model, said so)."""
        self.edge_model, self._declined_at = None, None
        try:
            self.edge_model = read_project_model(project.store)
        except (ProjectFileError, EdgeModelError) as exc:
            self.window.status_label.setText(f"{exc}; using the shipped levels")

    def describe(self) -> str:
        """A few words for the status line on the levels in use."""
        if self.edge_model is None:
            return "shipped edge model"
        images = self.edge_model.info.get("adapted_images")
        borders = self.border_offsets().describe()
        return f"adapted to this project's {images} annotated images" + (
            f"; {borders}" if borders else ""
        )

    def levels_scorer(self) -> EdgeModel | GraphEdgeScorer | None:
        """The edge scoring this project's levels are computed with (None: the shipped one)."""
        return project_scorer(self.edge_model)

    def border_offsets(self) -> BorderOffsets:
        """Where this project's labels draw borders (zero with the shipped model)."""
        return BorderOffsets.from_info(None if self.edge_model is None else self.edge_model.info)

    def cut_options(self) -> SeedCutOptions:
        """How seed clicks cut masks in this project."""
        return SeedCutOptions(offsets=self.border_offsets())

    def refresh(self) -> None:
        """Enable the menu items that make sense now (called as the Tools menu opens)."""
        actions = self.window.actions_by_slot
        project = self.window.project
        annotated = 0 if project is None else self.annotated_images(project)
        start = actions["adapt.start"]
        start.setEnabled(not self.running and annotated >= MIN_ANNOTATED_IMAGES)
        start.setToolTip(
            f"{annotated} of the {MIN_ANNOTATED_IMAGES} annotated images needed"
            if annotated < MIN_ANNOTATED_IMAGES
            else "learn this project's borders from its annotated images"
        )
        actions["adapt.revert"].setEnabled(not self.running and self.edge_model is not None)

    @staticmethod
    def annotated_images(project: Project) -> int:
        return len(annotated_images(project))

    # -- offering -------------------------------------------------------------------------------
    def toggle_offer(self) -> None:
        """Tools > Offer to adapt every N annotated images (off by default; remembered)."""
        self.offer = not self.offer
        self.window.settings.setValue("adapt_offer", self.offer)
        state = "on" if self.offer else "off"
        self.window.statusBar().showMessage(f"Offers to adapt the levels: {state}", 5000)

    def maybe_offer(self) -> None:
        """Ask (without blocking) whether to adapt, when offers are on and enough images got
        annotations since the project's model was made (or since the last declined offer)."""
        project = self.window.project
        if not self.offer or self.running or project is None or self.offer_box is not None:
            return
        annotated = self.annotated_images(project)
        adapted_on = 0 if self.edge_model is None else self.edge_model.info.get("adapted_images", 0)
        since = max(adapted_on, self._declined_at or 0)
        if annotated < MIN_ANNOTATED_IMAGES or annotated - since < OFFER_EVERY_IMAGES:
            return
        self.offer_box = QMessageBox(
            QMessageBox.Icon.Question,
            "SuperCuts",
            f"{annotated} images of this project have annotations. Adapt the levels to them now "
            "(in the background)?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window,
        )
        self.offer_box.finished.connect(lambda result: self._offer_answered(result, annotated))
        self.offer_box.open()

    def _offer_answered(self, result: int, annotated: int) -> None:
        self.offer_box = None
        if result == QMessageBox.StandardButton.Yes:
            self.start()
        else:
            self._declined_at = annotated

    # -- adapting -------------------------------------------------------------------------------
    def start(self) -> None:
        """Tools > Adapt levels to this project."""
        window = self.window
        project = window.project
        if project is None or self.running:
            return
        annotated = self.annotated_images(project)
        if annotated < MIN_ANNOTATED_IMAGES:
            window.status_label.setText(
                f"Adapting needs {MIN_ANNOTATED_IMAGES} annotated images; this project has "
                f"{annotated}"
            )
            return
        self.running = True
        window.status_label.setText(f"Adapting the levels to {annotated} annotated images…")
        job = self.worker.submit(
            adapt_project_file,
            project.path,
            method=window.method,
            **count_options(window.n_segments, window.density),
            backbone=window.backbone_name,
            cache=window.cache,
            on_result=lambda adapted: self._adapted(project, adapted),
            on_progress=window.status.show_progress,
            on_failed=window.show_failure,
            on_cancelled=lambda: window.status_label.setText("Adapting the levels cancelled"),
        )
        job.signals.finished.connect(self._ended)

    def _ended(self) -> None:
        self.running = False

    def _adapted(self, project: Project, adapted: AdaptedModel) -> None:
        window = self.window
        if window.project is not project:
            return  # another project was opened meanwhile: this model is not for it
        try:
            write_project_model(project.store, adapted.model)
        except ProjectFileError as exc:
            window.status_label.setText(f"Failed: {exc}")
            return
        self.edge_model = adapted.model
        borders = adapted.offsets.describe() or "borders as the boundary map draws them"
        window.status_label.setText(
            f"Levels adapted to {adapted.images} annotated images ({adapted.seconds:.0f} s; "
            f"{borders}); images now open with them"
        )
        window.levels_model_changed()

    def revert(self) -> None:
        """Tools > Use the shipped levels: forget the project's model."""
        window = self.window
        project = window.project
        if project is None or self.edge_model is None:
            return
        answer = QMessageBox.question(
            window,
            "SuperCuts",
            "Forget the levels adapted to this project and use the shipped ones again?",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            write_project_model(project.store, None)
        except ProjectFileError as exc:
            window.status_label.setText(f"Failed: {exc}")
            return
        self.edge_model = None
        window.status_label.setText("Images now open with the shipped levels")
        window.levels_model_changed()
