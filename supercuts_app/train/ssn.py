"""Training the SSN pixel-embedding head on BSDS500, as in Jampani et al. (ECCV 2018).

The backbone is frozen, so its feature maps are computed once per training image and kept in
memory (float16); each step takes random crops with flips and scale jitter, runs differentiable
SLIC on position + CIELAB + the head's embedding, and minimises the reconstruction of a human
segmentation through the soft assignment (cross-entropy on one-hot labels) plus a compactness
term (reconstruction of pixel positions). Val ASA and boundary recall choose the checkpoint.
A boundary-aware head (``boundary_input``) also gets each image's boundary map, computed once
by the boundary network and cropped and flipped with the image.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from supercuts_app.base.defaults import DEFAULT_SUPERPIXELS
from supercuts_app.base.images import load_image
from supercuts_app.datasets.bsds import iter_split
from supercuts_app.segmentation.boundaries import BoundaryNet, boundary_map
from supercuts_app.segmentation.features import Backbone
from supercuts_app.segmentation.ssn import (
    SSNParams,
    _update,
    contour_penalty,
    grid_shape,
    lab_image,
    position_channels,
    soft_slic,
)
from supercuts_app.segmentation.ssn_head import SSNHead, stacked_maps
from supercuts_app.segmentation.superpixels import working_image

INITIAL_CONTOUR_SCALE = 20.0
"""Start of a boundary-aware head's contour weight (training learns it): the best fixed weight
for the shipped head on the first 20 val images (of 2, 5, 10, 20, 40 and 80)."""


@dataclass
class SSNTrainConfig:
    """Settings of one training run (saved in checkpoints)."""

    n_segments: int = DEFAULT_SUPERPIXELS
    epochs: int = 12
    steps_per_epoch: int = 60
    batch: int = 4
    crop: int = 160
    lr: float = 2e-3
    embed_dims: int = 10
    hidden: int = 64
    compactness: float = 0.02
    val_limit: int = 20
    limit: int | None = None
    seed: int = 0
    inference_pos_scale: float | None = None
    """Position weight written into the saved head for inference (chosen on val: training's
    compactness term pulls the learned one up, and a lower one follows borders better);
    None keeps the learned weight. Validation during training uses the learned one."""
    boundary_input: bool = False
    """Train a boundary-aware head: the boundary network's map is a fourth input of the colour
    branch and gives the intervening-contour cost, whose weight is learned too."""


@dataclass
class TrainImage:
    """One BSDS500 image ready for cropping."""

    lab: np.ndarray  # (H, W, 3) float32
    features: torch.Tensor  # (C, H/s, W/s) float16, stacked backbone maps
    stride: int
    humans: list[np.ndarray]  # (H, W) int label maps
    boundary: np.ndarray | None = None  # (H, W) float32 boundary probabilities


class Batch(NamedTuple):
    """Training crops: lab (B, 3, S, S), features (B, C, S/4, S/4), labels (B, S, S) int64
    (0..L-1) and, for a boundary-aware head, boundary (B, 1, S, S) (else None)."""

    lab: torch.Tensor
    features: torch.Tensor
    labels: torch.Tensor
    boundary: torch.Tensor | None


def prepare_images(
    root: str | Path,
    split: str,
    backbone: Backbone,
    *,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    boundary_net: BoundaryNet | None = None,
) -> list[TrainImage]:
    """Backbone maps (computed once), human segmentations and, with ``boundary_net``, boundary
    maps of a split."""
    items = list(iter_split(root, split, limit=limit))
    out = []
    for n, item in enumerate(items, start=1):
        # The map is made from the full image, as compute_superpixels does, then brought to the
        # working image.
        full = load_image(item.image_path)
        image = working_image(full)
        with torch.no_grad():
            feats = stacked_maps(backbone(image))[0].to(torch.float16).cpu()
        stride = round(image.shape[0] / feats.shape[1])
        humans = [h.segmentation.astype(np.int64) for h in item.humans()]
        boundary = None
        if boundary_net is not None:
            boundary = boundary_map(boundary_net, full)
            if boundary.shape != image.shape[:2]:
                size = (image.shape[1], image.shape[0])
                boundary = cv2.resize(boundary, size, interpolation=cv2.INTER_AREA)
        out.append(TrainImage(lab_image(image).astype(np.float32), feats, stride, humans, boundary))
        if progress is not None:
            progress(n, len(items))
    return out


def sample_batch(items: list[TrainImage], cfg: SSNTrainConfig, rng: np.random.Generator) -> Batch:
    """Random crops (scale jitter 0.75-1.25, horizontal flips) of random images; boundary maps,
    where the images have them, take the same crop, scale and flip."""
    size = cfg.crop
    labs, feats, labels, boundaries = [], [], [], []
    for _ in range(cfg.batch):
        item = items[rng.integers(len(items))]
        h, w = item.lab.shape[:2]
        s = item.stride
        scale = rng.uniform(0.75, 1.25)
        side = min(int(size / scale) // s * s, h // s * s, w // s * s)
        y0 = int(rng.integers(0, (h - side) // s + 1)) * s
        x0 = int(rng.integers(0, (w - side) // s + 1)) * s
        lab = torch.from_numpy(item.lab[y0 : y0 + side, x0 : x0 + side]).permute(2, 0, 1)
        feat = item.features[:, y0 // s : (y0 + side) // s, x0 // s : (x0 + side) // s].float()
        human = item.humans[rng.integers(len(item.humans))][y0 : y0 + side, x0 : x0 + side]
        _, lbl = np.unique(human, return_inverse=True)
        lbl = torch.from_numpy(lbl.reshape(human.shape))
        lab = F.interpolate(lab[None], size=(size, size), mode="bilinear", align_corners=False)[0]
        feat = F.interpolate(feat[None], size=(size // 4, size // 4), mode="bilinear",
                             align_corners=False)[0]  # fmt: skip
        lbl = F.interpolate(lbl[None, None].float(), size=(size, size), mode="nearest")[0, 0]
        boundary = None
        if item.boundary is not None:
            boundary = torch.from_numpy(item.boundary[y0 : y0 + side, x0 : x0 + side])[None]
            boundary = F.interpolate(boundary[None], size=(size, size), mode="bilinear",
                                     align_corners=False)[0]  # fmt: skip
        if rng.random() < 0.5:
            lab, feat, lbl = lab.flip(-1), feat.flip(-1), lbl.flip(-1)
            boundary = boundary.flip(-1) if boundary is not None else None
        labs.append(lab)
        feats.append(feat)
        labels.append(lbl.long())
        boundaries.append(boundary)
    stacked = None if any(b is None for b in boundaries) else torch.stack(boundaries)
    return Batch(torch.stack(labs), torch.stack(feats), torch.stack(labels), stacked)


def ssn_loss(
    head: SSNHead,
    lab: torch.Tensor,
    feats: torch.Tensor,
    labels: torch.Tensor,
    *,
    n_cells: int,
    compactness: float,
    params: SSNParams | None = None,
    boundary: torch.Tensor | None = None,
) -> tuple[torch.Tensor, dict]:
    """Label reconstruction cross-entropy + compactness for one batch.

    The soft assignment pools each one-hot label (and each position) into the superpixels and
    spreads it back to the pixels; a good assignment reconstructs the human segmentation.
    ``boundary`` (B, 1, H, W) is required by a boundary-aware head.
    """
    params = params or SSNParams()
    b, _, h, w = lab.shape
    rows, cols = grid_shape(h, w, n_cells)
    emb = F.interpolate(head(feats), size=(h, w), mode="bilinear", align_corners=False)
    emb = head.refine(emb, lab, boundary)
    pos = position_channels(h, w, rows, cols, lab.device)[None].expand(b, -1, -1, -1)
    pos_scale, color_scale = head.scales()
    pixel = torch.cat([pos * pos_scale, lab * color_scale, emb], dim=1)
    penalty = None
    if head.contour_weight() is not None:
        if boundary is None:
            raise ValueError("this SSN head needs a boundary map")
        penalty = contour_penalty(boundary, rows, cols) * head.contour_weight()
    a = soft_slic(pixel, rows, cols, n_iter=params.n_iter, penalty=penalty)
    k = rows * cols
    n_labels = int(labels.max()) + 1
    onehot = F.one_hot(labels.view(b, -1), n_labels).permute(0, 2, 1).float()  # (B, L, N)
    recon = _reconstruct(onehot, a.q, a.neighbours, k)
    ce = -(onehot * torch.log(recon.clamp_min(1e-8))).sum(dim=1).mean()
    flat_pos = pos.reshape(b, 2, -1)
    pos_recon = _reconstruct(flat_pos, a.q, a.neighbours, k)
    compact = ((pos_recon - flat_pos) ** 2).sum(dim=1).mean()
    loss = ce + compactness * compact
    return loss, {"ce": float(ce.detach()), "compact": float(compact.detach())}


def _reconstruct(values: torch.Tensor, q, neighbours, k: int) -> torch.Tensor:
    """Pool ``values`` (B, C, N) into superpixels by ``q`` and spread them back to pixels."""
    pooled = _update(values, q, neighbours, k)  # (B, C, K)
    out = torch.zeros_like(values)
    for d in range(neighbours.shape[0]):
        out = out + q[:, d : d + 1] * pooled[:, :, neighbours[d]]
    return out


def for_inference(head: SSNHead, cfg: SSNTrainConfig) -> SSNHead:
    """The head as it is saved: a copy with ``cfg.inference_pos_scale`` when one is set."""
    if cfg.inference_pos_scale is None:
        return head
    out = copy.deepcopy(head)
    with torch.no_grad():
        out.log_scales[0] = math.log(cfg.inference_pos_scale)
    return out


def cells_for_crop(cfg: SSNTrainConfig, image_pixels: int = 481 * 321) -> int:
    """Superpixels in a crop at the density of ``n_segments`` on a BSDS-sized image."""
    return max(4, round(cfg.crop * cfg.crop / (image_pixels / cfg.n_segments)))


def _recorded_config(cfg: SSNTrainConfig) -> dict:
    """The settings saved in the head file; ``boundary_input`` only when on, so the documented
    command of a head without it still writes the very same bytes as before the option."""
    config = asdict(cfg)
    if not cfg.boundary_input:
        del config["boundary_input"]
    return config


def train_ssn(
    root: str | Path,
    backbone: Backbone,
    cfg: SSNTrainConfig,
    out: str | Path,
    *,
    resume: str | Path | None = None,
    log: Callable[[str], None] = print,
    on_step: Callable[[int, int, float], None] | None = None,
    validate: Callable[[SSNHead], dict] | None = None,
    boundary_net: BoundaryNet | None = None,
) -> dict:
    """Train a head and save the best one (by val ASA + boundary recall) to ``out``.

    Every epoch also writes ``<out>.last.pt`` (head, optimiser, epoch, history) for ``resume``.
    ``boundary_net`` makes the boundary maps of a boundary-aware head (``cfg.boundary_input``);
    its fingerprint is saved with the head. Returns the history and the best epoch's scores.
    """
    if cfg.boundary_input and boundary_net is None:
        raise ValueError("a boundary-aware SSN head needs a boundary network to train")
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    out = Path(out)
    last = out.with_name(out.stem + ".last.pt")
    head = SSNHead(
        sum(backbone.channels),
        cfg.embed_dims,
        cfg.hidden,
        backbone.name,
        boundary_input=cfg.boundary_input,
        contour_scale=INITIAL_CONTOUR_SCALE if cfg.boundary_input else None,
    )
    opt = torch.optim.Adam(head.parameters(), lr=cfg.lr)
    start_epoch, history, best = 0, [], None
    if resume is not None:
        state = torch.load(resume, map_location="cpu", weights_only=False)
        head.load_state_dict(state["state"])
        opt.load_state_dict(state["optimizer"])
        start_epoch, history, best = state["epoch"], state["history"], state.get("best")
        rng = np.random.default_rng(cfg.seed + start_epoch)
        log(f"resumed from {resume} at epoch {start_epoch}")
    t0 = time.perf_counter()
    boundary_net = boundary_net if cfg.boundary_input else None
    items = prepare_images(root, "train", backbone, limit=cfg.limit, boundary_net=boundary_net)
    took = time.perf_counter() - t0
    what = "backbone features" + (" and boundary maps" if boundary_net is not None else "")
    log(f"cached {what} of {len(items)} train images in {took:.0f} s")
    facts = {"config": _recorded_config(cfg)}
    if boundary_net is not None:
        facts["boundary_net"] = boundary_net.fingerprint()
    n_cells = cells_for_crop(cfg)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs * cfg.steps_per_epoch)
    if resume is not None and "scheduler" in state:
        sched.load_state_dict(state["scheduler"])
    for epoch in range(start_epoch, cfg.epochs):
        head.train()
        losses = []
        for step in range(cfg.steps_per_epoch):
            batch = sample_batch(items, cfg, rng)
            loss, parts = ssn_loss(
                head,
                batch.lab,
                batch.features,
                batch.labels,
                n_cells=n_cells,
                compactness=cfg.compactness,
                boundary=batch.boundary,
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
            if on_step is not None:
                on_step(epoch * cfg.steps_per_epoch + step + 1, cfg.epochs * cfg.steps_per_epoch,
                        float(loss.detach()))  # fmt: skip
        head.eval()
        scores = validate(head) if validate is not None else {}
        row = {"epoch": epoch + 1, "loss": float(np.mean(losses)), **scores,
               "seconds": time.perf_counter() - t0}  # fmt: skip
        history.append(row)
        log(
            " ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items())
        )
        score = scores.get("asa", 0.0) + scores.get("boundary_recall", 0.0)
        if best is None or score > best["score"] or not scores:
            best = {"epoch": epoch + 1, "score": score, **scores}
            for_inference(head, cfg).save(out, extra={"training": {**facts, "best": best}})
        torch.save(
            {"state": head.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": sched.state_dict(), "epoch": epoch + 1,
             "history": history, "best": best, "config": asdict(cfg)},
            last,
        )  # fmt: skip
    return {"history": history, "best": best}
