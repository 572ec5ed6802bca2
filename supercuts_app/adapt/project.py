"""Adapting the levels to a project: the shipped edge model fine-tuned on the project's own
annotations (``supercuts train affinity --project``, Tools > Adapt levels to this project).

The project's samples (:mod:`.project_samples`) are mixed with the anchor set (:mod:`.anchor`)
so that the model keeps what it knew; it starts from the shipped weights and feature scaling and
is pulled back towards them, so a few images move it only where they have something to say.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from supercuts_app.base.tasks import CancelFn, ProgressFn, check_cancelled, report
from supercuts_app.segmentation.border_offset import BORDER_OFFSETS_KEY, BorderOffsets
from supercuts_app.segmentation.density import SuperpixelDensity
from supercuts_app.segmentation.edge_graph_model import region_model_of
from supercuts_app.segmentation.edge_model import EdgeModel
from supercuts_app.segmentation.segment import SegmentationSettings
from supercuts_app.storage.project import Project

from .border_calibration import project_border_offsets
from .edge_samples import EdgeSamples

MIN_ANNOTATED_IMAGES = 5
"""Images with annotations a project needs before the window offers to adapt its levels."""
OFFER_EVERY_IMAGES = 10
"""With Tools > Offer to adapt on, the window offers to adapt again after this many more images
have annotations (than the project's model was adapted on)."""


@dataclass(frozen=True)
class FineTuneOptions:
    """How the shipped model is fine-tuned.

    ``anchor_share``: the anchor set's share of the loss (the project's samples have the rest)."""

    steps: int = 600
    lr: float = 0.01
    anchor_share: float = 0.3
    seed: int = 0


DEFAULT_FINE_TUNE = FineTuneOptions()


def fine_tune_edge_model(
    base: EdgeModel,
    samples: EdgeSamples,
    *,
    anchor: EdgeSamples | None = None,
    options: FineTuneOptions = DEFAULT_FINE_TUNE,
    cancel: CancelFn | None = None,
) -> EdgeModel:
    """``base`` fine-tuned on ``samples`` (border-length-weighted BCE), with ``anchor`` mixed in.

    Full-batch Adam from ``base``'s weights, keeping its feature scaling; deterministic for a
    given seed.

    Parameters
    ----------
    base : EdgeModel
        The starting model (the shipped one).
    samples : EdgeSamples
        The project's samples.
    anchor : EdgeSamples, optional
        Samples the base model learnt from (see :func:`~.anchor.default_anchor_samples`).
    options : FineTuneOptions
    cancel : callable, optional

    Returns
    -------
    EdgeModel
        A new model (``base`` is not changed).
    """
    if len(samples.targets) == 0:
        raise ValueError("no edge samples to learn from")
    torch.manual_seed(options.seed)
    params = [
        torch.tensor(a, dtype=torch.float32, requires_grad=True)
        for a in (base.w1, base.b1, base.w2, base.b2)
    ]
    sets = [(samples, 1.0)]
    if anchor is not None and len(anchor.targets) and options.anchor_share > 0:
        sets = [(samples, 1.0 - options.anchor_share), (anchor, options.anchor_share)]
    batches = [(*_tensors(base, s), share) for s, share in sets]
    opt = torch.optim.Adam(params, lr=options.lr)
    for step in range(options.steps):
        if step % 50 == 0:
            check_cancelled(cancel)
        opt.zero_grad()
        loss = sum(share * _weighted_bce(params, x, y, w) for x, y, w, share in batches)
        loss.backward()
        opt.step()
    w1, b1, w2, b2 = (p.detach().numpy().astype(np.float64) for p in params)
    return EdgeModel(
        mean=base.mean.copy(),
        std=base.std.copy(),
        w1=w1,
        b1=b1,
        w2=w2,
        b2=b2,
        info=dict(base.info),
        feature_names=base.feature_names,
    )


def _weighted_bce(params, x, y, w) -> torch.Tensor:
    """The MLP's binary cross-entropy on ``x``, weighted by ``w``."""
    w1, b1, w2, b2 = params
    logits = (torch.relu(x @ w1 + b1) @ w2 + b2)[:, 0]
    return (
        w * torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none")
    ).sum()


def _tensors(base: EdgeModel, samples: EdgeSamples) -> tuple[torch.Tensor, ...]:
    """Scaled features, targets and weights summing to 1."""
    x = torch.tensor((samples.features - base.mean) / base.std, dtype=torch.float32)
    y = torch.tensor(samples.targets, dtype=torch.float32)
    w = torch.tensor(samples.weights / samples.weights.sum(), dtype=torch.float32)
    return x, y, w


@dataclass
class AdaptedModel:
    """A project's adapted edge model, what it was learnt from, and the border offsets learnt
    with it (also in the model's ``info``)."""

    model: EdgeModel
    images: int
    samples: int
    seconds: float
    offsets: BorderOffsets = BorderOffsets()


def adapt_to_project(
    project: Project,
    *,
    settings: SegmentationSettings | None = None,
    image_ids: Sequence[int] | None = None,
    options: FineTuneOptions = DEFAULT_FINE_TUNE,
    cache=None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> AdaptedModel:
    """Fine-tune the shipped edge model on a project's annotated images.

    Parameters
    ----------
    project : Project
        Read only (open it read-only beside a window that owns it).
    settings : SegmentationSettings, optional
        The segmentation the levels use (default: the app's, with the shipped edge model, whose
        hierarchy gives the merged-region pairs).
    image_ids : sequence of int, optional
        Learn from these images only (default: every image with annotations).
    options : FineTuneOptions
    cache : SegmentationCache, optional
        Where the images' segmentations are read from (and kept).
    progress, cancel : callable, optional

    Returns
    -------
    AdaptedModel

    Raises
    ------
    ValueError
        When the project has no annotated image to learn from, or no shipped edge model is
        installed.
    """
    from .anchor import default_anchor_samples
    from .project_samples import annotated_images, project_truths, samples_of_truths

    t0 = time.perf_counter()
    settings = settings or SegmentationSettings.resolve()
    # The graph networks are not adapted: the project's model is the MLP, fine-tuned; its
    # levels score merged regions with it (see ``project_scorer``).
    base = region_model_of(settings.edge_model)
    if not isinstance(base, EdgeModel):
        raise ValueError("no shipped edge model is installed to adapt")
    ids = annotated_images(project, image_ids=image_ids)
    if not ids:
        raise ValueError(f"{project.path}: no annotated images to learn from")
    report(progress, "learning from annotations", 0.0)
    samples, n_images = samples_of_truths(
        project_truths(project, ids),
        settings,
        total=len(ids),
        region_counts=base.info.get("region_counts", ()),
        cache=cache,
        progress=progress,
        cancel=cancel,
    )
    if n_images == 0:
        raise ValueError(f"{project.path}: none of the annotated images could be read")
    report(progress, "fitting", 0.0)
    model = fine_tune_edge_model(
        base, samples, anchor=default_anchor_samples(), options=options, cancel=cancel
    )
    report(progress, "fitting", 1.0)
    offsets, counted = project_border_offsets(
        project, ids, settings, cache=cache, progress=progress, cancel=cancel
    )
    seconds = time.perf_counter() - t0
    model.info = {
        **base.info,
        "adapted_to": project.path.name,
        "adapted_images": n_images,
        "adapted_samples": int(len(samples.targets)),
        "base_fingerprint": base.fingerprint(),
        BORDER_OFFSETS_KEY: offsets.to_info(),
        "border_offsets_from": counted,
    }
    return AdaptedModel(model, n_images, int(len(samples.targets)), seconds, offsets)


def adapt_project_file(
    path,
    *,
    method: str | None = None,
    n_segments: int | None = None,
    density: SuperpixelDensity | None = None,
    backbone: str | None = None,
    cache=None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> AdaptedModel:
    """:func:`adapt_to_project` on a project file opened read-only for the purpose (the window's
    background job: the window keeps the only writing connection)."""
    settings = SegmentationSettings.resolve(method, n_segments, backbone, density=density)
    with Project.open(path, readonly=True) as project:
        return adapt_to_project(
            project, settings=settings, cache=cache, progress=progress, cancel=cancel
        )
