"""Training the boundary network on BSDS500, as RCF (Liu et al., CVPR 2017) trains its detector.

Labels are the annotators' consensus: a pixel is a boundary where at least a share of the humans
(half by default) mark it, background where none does, and ignored where some but fewer do, so
that the loss neither rewards nor punishes the boundaries people disagree about. The loss is
class-balanced binary cross-entropy (each image's positives weighted by its share of negatives and
the other way round, negatives by RCF's extra 1.1) on every side output and on the fused map
(deep supervision). Each step draws random crops (scale 0.5-1.5, a multiple of 90 degrees of
rotation, a horizontal flip, 320 x 320 pixels) from a seeded generator, so a run with the same
data, settings and seed gives the same weights, also when it is resumed from a checkpoint (the
generator's state is saved with it). The encoder's batch-norm statistics stay those of ImageNet:
batches of four crops are too small to estimate them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from supercuts_app.base.images import load_image
from supercuts_app.datasets.bsds import iter_split
from supercuts_app.segmentation.boundaries import BoundaryNet, create_boundary_net
from supercuts_app.segmentation.features import DEFAULT_BACKBONE
from supercuts_app.segmentation.superpixels import label_boundaries

BACKGROUND, BOUNDARY, IGNORED = 0, 1, 2
"""Values of a consensus label map."""


@dataclass
class BoundaryTrainConfig:
    """Settings of one training run (saved in checkpoints and with the weights)."""

    steps: int = 5000
    batch: int = 4
    crop: int = 320
    lr: float = 1e-3
    """Learning rate of the side outputs and the fusion (AdamW, cosine decay)."""
    encoder_lr: float = 1e-4
    """Learning rate of the pretrained encoder: smaller, so ImageNet's features are refined,
    not overwritten, by 200 images."""
    weight_decay: float = 1e-4
    min_scale: float = 0.5
    max_scale: float = 1.5
    consensus: float = 0.5
    """Share of the annotators that must mark a pixel for it to be a boundary."""
    label_radius: int = 0
    """Each annotator's boundary is widened by this many pixels before the votes are counted
    (0: as drawn, as RCF)."""
    negative_weight: float = 1.1
    """RCF's lambda: extra weight of the background pixels in the balanced loss."""
    val_every: int = 250
    """Steps between validations and checkpoints."""
    val_limit: int = 20
    val_thresholds: int = 25
    limit: int | None = None
    seed: int = 0


@dataclass
class TrainImage:
    """One training image and its human segmentations (label maps), kept in memory."""

    image: np.ndarray  # (H, W, 3) uint8
    humans: list[np.ndarray]  # (H, W) uint16 label maps


def load_training_images(
    root: str | Path,
    split: str = "train",
    *,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[TrainImage]:
    """Images and human segmentations of a BSDS500 split.

    Segmentations (not boundary maps) are kept so that boundaries can be drawn afresh, one pixel
    wide, at whatever scale a crop is taken.
    """
    items = list(iter_split(root, split, limit=limit))
    out = []
    for n, item in enumerate(items, start=1):
        humans = [_as_uint16(h.segmentation) for h in item.humans()]
        out.append(TrainImage(load_image(item.image_path), humans))
        if progress is not None:
            progress(n, len(items))
    return out


def _as_uint16(labels: np.ndarray) -> np.ndarray:
    # Renumbered so that OpenCV can resize them (it has no int32 nearest-neighbour path).
    _, compact = np.unique(labels, return_inverse=True)
    return compact.reshape(labels.shape).astype(np.uint16)


def consensus_labels(
    boundaries: Sequence[np.ndarray], *, consensus: float = 0.5, radius: int = 0
) -> np.ndarray:
    """Boundary (1), background (0) and ignored (2) pixels from several humans' boundary maps.

    Parameters
    ----------
    boundaries : sequence of np.ndarray
        Boolean (H, W) boundary maps, one per annotator.
    consensus : float
        A pixel is a boundary where at least this share of the annotators (and at least one)
        mark it; marked by fewer, it is ignored.
    radius : int
        Widen every annotator's boundary by this many pixels (a square neighbourhood) first.

    Returns
    -------
    np.ndarray
        (H, W) uint8 of :data:`BACKGROUND`, :data:`BOUNDARY` and :data:`IGNORED`.
    """
    if not boundaries:
        raise ValueError("need at least one annotator's boundaries")
    kernel = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8) if radius > 0 else None
    votes = np.zeros(np.shape(boundaries[0]), dtype=np.int32)
    for b in boundaries:
        marked = np.asarray(b, dtype=np.uint8)
        votes += cv2.dilate(marked, kernel) if kernel is not None else marked
    labels = np.full(votes.shape, BACKGROUND, dtype=np.uint8)
    labels[votes > 0] = IGNORED
    labels[(votes > 0) & (votes >= consensus * len(boundaries))] = BOUNDARY
    return labels


def sample_crop(
    item: TrainImage, cfg: BoundaryTrainConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One augmented crop: scaled, cut out, rotated by a multiple of 90 degrees, maybe flipped.

    Returns
    -------
    tuple of np.ndarray
        (crop, crop, 3) uint8 image and (crop, crop) uint8 consensus labels; where a scaled-down
        image is smaller than the crop, the rest repeats its border and is :data:`IGNORED`.
    """
    scale = rng.uniform(cfg.min_scale, cfg.max_scale)
    h, w = item.image.shape[:2]
    win_h, win_w = min(h, math.ceil(cfg.crop / scale)), min(w, math.ceil(cfg.crop / scale))
    y0 = int(rng.integers(0, h - win_h + 1))
    x0 = int(rng.integers(0, w - win_w + 1))
    turns, flip = int(rng.integers(4)), bool(rng.random() < 0.5)
    size = (min(cfg.crop, round(win_w * scale)), min(cfg.crop, round(win_h * scale)))
    window = np.s_[y0 : y0 + win_h, x0 : x0 + win_w]
    shrink = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    image = cv2.resize(item.image[window], size, interpolation=shrink)
    humans = [cv2.resize(seg[window], size, interpolation=cv2.INTER_NEAREST) for seg in item.humans]
    labels = consensus_labels(
        [label_boundaries(seg) for seg in humans], consensus=cfg.consensus, radius=cfg.label_radius
    )
    pad_y, pad_x = cfg.crop - size[1], cfg.crop - size[0]
    if pad_y or pad_x:
        image = cv2.copyMakeBorder(image, 0, pad_y, 0, pad_x, cv2.BORDER_REPLICATE)
        labels = cv2.copyMakeBorder(labels, 0, pad_y, 0, pad_x, cv2.BORDER_CONSTANT, value=IGNORED)
    image, labels = np.rot90(image, turns), np.rot90(labels, turns)
    if flip:
        image, labels = image[:, ::-1], labels[:, ::-1]
    return np.ascontiguousarray(image), np.ascontiguousarray(labels)


def sample_batch(
    items: Sequence[TrainImage], cfg: BoundaryTrainConfig, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """``cfg.batch`` crops of random images: RGB (B, 3, S, S) in 0..1 and labels (B, 1, S, S)."""
    images, labels = [], []
    for _ in range(cfg.batch):
        image, label = sample_crop(items[int(rng.integers(len(items)))], cfg, rng)
        images.append(torch.from_numpy(image).permute(2, 0, 1))
        labels.append(torch.from_numpy(label)[None])
    return torch.stack(images).float().div_(255.0), torch.stack(labels)


def balanced_bce(
    logits: torch.Tensor, labels: torch.Tensor, *, negative_weight: float = 1.1
) -> torch.Tensor:
    """Class-balanced binary cross-entropy of every output channel, ignored pixels left out.

    Parameters
    ----------
    logits : torch.Tensor
        (B, K, H, W): K maps (side outputs and the fusion) of B images.
    labels : torch.Tensor
        (B, 1, H, W) consensus labels (:data:`BOUNDARY`, :data:`BACKGROUND`, :data:`IGNORED`).
    negative_weight : float
        Extra weight of background pixels.

    Returns
    -------
    torch.Tensor
        Scalar: per image, the weighted sum over its labelled pixels divided by their number,
        summed over the K maps and averaged over images.
    """
    positive = (labels == BOUNDARY).float()
    negative = (labels == BACKGROUND).float()
    n_pos = positive.sum(dim=(1, 2, 3), keepdim=True)
    n_neg = negative.sum(dim=(1, 2, 3), keepdim=True)
    labelled = (n_pos + n_neg).clamp_min(1.0)
    weights = positive * (n_neg / labelled) + negative * (negative_weight * n_pos / labelled)
    per_pixel = F.binary_cross_entropy_with_logits(
        logits, positive.expand_as(logits), reduction="none"
    )
    per_image = (per_pixel * weights).sum(dim=(1, 2, 3)) / labelled.view(-1)
    return per_image.mean()


def boundary_loss(
    net: BoundaryNet, images: torch.Tensor, labels: torch.Tensor, *, negative_weight: float = 1.1
) -> tuple[torch.Tensor, dict[str, float]]:
    """Deep-supervision loss of one batch: the balanced BCE of every side and of the fusion.

    ``images`` is (B, 3, H, W) RGB in 0..1 and ``labels`` (B, 1, H, W); sizes that are not
    multiples of the network's coarsest stride are padded (the padding ignored).
    """
    h, w = images.shape[-2:]
    x = net.pad(net.normalize(images.to(net.device)))
    ph, pw = x.shape[-2] - h, x.shape[-1] - w
    labels = F.pad(labels.to(net.device), (0, pw, 0, ph), value=IGNORED)
    logits = net(x)
    loss = balanced_bce(logits, labels, negative_weight=negative_weight)
    fused = balanced_bce(logits[:, -1:], labels, negative_weight=negative_weight)
    return loss, {"fused": float(fused.detach())}


def set_training_mode(net: BoundaryNet) -> BoundaryNet:
    """Train mode with the encoder's batch-norm layers kept in eval mode (frozen statistics)."""
    net.train()
    for module in net.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.eval()
    return net


def train_boundaries(
    root: str | Path,
    cfg: BoundaryTrainConfig,
    out: str | Path,
    *,
    backbone: str = DEFAULT_BACKBONE,
    encoder_weights: str | Path | None = None,
    device: str | torch.device | None = None,
    resume: str | Path | None = None,
    log: Callable[[str], None] = print,
    on_step: Callable[[int, int, float], None] | None = None,
    validate: Callable[[BoundaryNet], dict] | None = None,
) -> dict:
    """Train a boundary network and save the best one (by val ODS F) to ``out``.

    Parameters
    ----------
    root : str or Path
        BSDS500 folder; its ``train`` split is used.
    cfg : BoundaryTrainConfig
        Settings; ``cfg.seed`` seeds the new layers and every crop.
    out : str or Path
        Best network file; every ``cfg.val_every`` steps (and at the end) ``<out>.last.pt``
        holds the network, optimiser, schedule, generator state and history for ``resume``.
    backbone, encoder_weights : str
        Encoder and its starting weights (see :func:`create_boundary_net`).
    device : str or torch.device, optional
        CUDA when present, else CPU.
    resume : str or Path, optional
        A ``<out>.last.pt`` checkpoint to continue from.
    log : callable
        Receives one line per validation.
    on_step : callable, optional
        ``on_step(step, total, loss)`` after every step.
    validate : callable, optional
        ``validate(net) -> {"ods": ..., ...}`` on val; without it the latest network is kept.

    Returns
    -------
    dict
        ``{"history": [...], "best": {...}}``.
    """
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    out = Path(out)
    last = out.with_name(out.stem + ".last.pt")
    net = create_boundary_net(backbone, encoder_weights=encoder_weights, device=device)
    encoder = list(net.encoder.parameters())
    head = [p for name, p in net.named_parameters() if not name.startswith("encoder.")]
    opt = torch.optim.AdamW(
        [{"params": encoder, "lr": cfg.encoder_lr}, {"params": head, "lr": cfg.lr}],
        weight_decay=cfg.weight_decay,
    )
    # Closed-form cosine decay over cfg.steps (not CosineAnnealingLR, whose restored state would
    # keep the old length when a run is resumed with more steps).
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: 0.5 * (1.0 + math.cos(math.pi * min(step, cfg.steps) / cfg.steps))
    )
    start, history, best = 0, [], None
    if resume is not None:
        state = torch.load(resume, map_location="cpu", weights_only=False)
        net.load_state_dict(state["state"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        rng.bit_generator.state = state["rng"]
        start, history, best = state["step"], state["history"], state.get("best")
        log(f"resumed from {resume} at step {start}")
        changed = [k for k, v in asdict(cfg).items() if k not in _MAY_CHANGE_ON_RESUME
                   and state["config"].get(k) != v]  # fmt: skip
        if changed:
            log(f"note: settings differ from the checkpoint's: {', '.join(changed)}")
    t0 = time.perf_counter()
    items = load_training_images(root, "train", limit=cfg.limit)
    log(f"read {len(items)} train images in {time.perf_counter() - t0:.0f} s")
    losses: list[float] = []
    for step in range(start + 1, cfg.steps + 1):
        set_training_mode(net)
        images, labels = sample_batch(items, cfg, rng)
        loss, _ = boundary_loss(net, images, labels, negative_weight=cfg.negative_weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if on_step is not None:
            on_step(step, cfg.steps, losses[-1])
        if step % cfg.val_every and step != cfg.steps:
            continue
        net.eval()
        scores = validate(net) if validate is not None else {}
        row = {"step": step, "loss": float(np.mean(losses)), **scores,
               "seconds": time.perf_counter() - t0}  # fmt: skip
        losses = []
        history.append(row)
        log(
            " ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items())
        )
        score = float(scores.get("ods", 0.0))
        if best is None or not scores or score > best["score"]:
            best = {"step": step, "score": score, **scores}
            net.save(out, extra={"training": {"config": asdict(cfg), "best": best}})
        _save_checkpoint(last, net, opt, sched, rng, step, history, best, cfg)
    net.eval()
    return {"history": history, "best": best}


_MAY_CHANGE_ON_RESUME = ("steps", "val_every", "val_limit", "val_thresholds")


def _save_checkpoint(path, net, opt, sched, rng, step, history, best, cfg) -> None:
    import io

    from supercuts_app.base.files import write_bytes_atomic

    buf = io.BytesIO()
    torch.save(
        {"state": net.state_dict(), "optimizer": opt.state_dict(),
         "scheduler": sched.state_dict(), "rng": rng.bit_generator.state, "step": step,
         "history": history, "best": best, "config": asdict(cfg)},
        buf,
    )  # fmt: skip
    write_bytes_atomic(path, buf.getvalue())
