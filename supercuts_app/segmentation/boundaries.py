"""The boundary network: a trained detector of object boundaries, as HED, RCF and PiDiNet are.

The encoder is a timm CNN (by default EfficientNet-Lite0, started from its shipped ImageNet
weights and fine-tuned end to end); each of its maps at strides 2, 4, 8 and 16 gets a 1x1
convolution to one channel (a *side output*), upsampled to the input's size, and a learned 1x1
convolution fuses the sides into the final map. Training supervises every side and the fused map
(deep supervision); ``supercuts train boundaries`` fits it on BSDS500.

Inference returns a boundary probability per pixel of the image. Images above
:data:`~supercuts_app.base.defaults.BOUNDARY_MAX_PIXELS` are shrunk to that many pixels first
(the documented working resolution) and the map is resized back, which bounds time and memory on
12 MP photos. Files hold the configuration and every weight (encoder included), so a file alone
rebuilds the network.
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from supercuts_app.base.defaults import BOUNDARY_MAX_PIXELS
from supercuts_app.base.messages import first_line

from .features import DEFAULT_BACKBONE, RANDOM_WEIGHTS, BackboneError, create_backbone
from .model_files import model_fingerprint, save_model_file

BOUNDARY_FILE = "boundaries_lite0.pt"
"""Name of the shipped trained network in ``resources/weights/`` (none is shipped yet)."""

SIDE_OUT_INDICES = (0, 1, 2, 3)
"""timm feature levels of the side outputs: strides 2, 4, 8 and 16 for EfficientNet-Lite0."""


class BoundaryNetError(ValueError):
    """A boundary network that cannot be built or read; ``str()`` is one user-facing line."""


class BoundaryNet(nn.Module):
    """Encoder + side outputs + learned fusion; returns logits of every side and of the fusion.

    Parameters
    ----------
    encoder : torch.nn.Module
        timm ``features_only`` module returning one map per entry of ``channels``.
    backbone : str
        timm name of the encoder (recorded so that a file rebuilds it).
    out_indices : sequence of int
        The encoder's feature levels used.
    channels, strides : sequence of int
        Channels and stride of each encoder map.
    mean, std : sequence of float
        Input normalisation the encoder expects (RGB in 0..1).
    """

    def __init__(
        self,
        encoder: nn.Module,
        *,
        backbone: str,
        out_indices: Sequence[int],
        channels: Sequence[int],
        strides: Sequence[int],
        mean: Sequence[float],
        std: Sequence[float],
    ) -> None:
        super().__init__()
        if len(set(strides)) != len(strides):
            raise BoundaryNetError(
                f"'{backbone}' returns maps of equal strides {tuple(strides)}: the boundary "
                "network needs a CNN whose levels have strides such as 2, 4, 8, 16"
            )
        self.config = {
            "backbone": backbone,
            "out_indices": [int(i) for i in out_indices],
            "channels": [int(c) for c in channels],
            "strides": [int(s) for s in strides],
            "mean": [float(m) for m in mean],
            "std": [float(s) for s in std],
        }
        self.encoder = _without_unused_blocks(encoder).requires_grad_(True)
        self.sides = nn.ModuleList(nn.Conv2d(c, 1, 1) for c in channels)
        self.fuse = nn.Conv2d(len(channels), 1, 1)
        # The fusion starts as the mean of the sides (as HED): every side is already trained
        # towards the same target, so the average is a sensible first answer.
        with torch.no_grad():
            self.fuse.weight.fill_(1.0 / len(channels))
            self.fuse.bias.zero_()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1))

    @property
    def n_sides(self) -> int:
        """Number of side outputs (the fused map comes after them)."""
        return len(self.sides)

    @property
    def size_multiple(self) -> int:
        """Input sides must be multiples of this (the coarsest stride), see :meth:`pad`."""
        return max(self.config["strides"])

    @property
    def device(self) -> torch.device:
        return self.fuse.weight.device

    def normalize(self, rgb: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) RGB in 0..1 -> the encoder's normalised input."""
        return (rgb - self.mean) / self.std

    def pad(self, x: torch.Tensor) -> torch.Tensor:
        """Pad (B, C, H, W) at the bottom and right, repeating the last row and column, up to
        sides that are multiples of :attr:`size_multiple` (so every side output upsamples to
        exactly the padded size and stays aligned with the pixels)."""
        m = self.size_multiple
        h, w = x.shape[-2:]
        ph, pw = (-h) % m, (-w) % m
        return F.pad(x, (0, pw, 0, ph), mode="replicate") if ph or pw else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of every side and of the fusion for a normalised, padded batch.

        Parameters
        ----------
        x : torch.Tensor
            (B, 3, H, W) normalised input with H and W multiples of :attr:`size_multiple`.

        Returns
        -------
        torch.Tensor
            (B, n_sides + 1, H, W) logits; channel ``-1`` is the fused map.
        """
        size = x.shape[-2:]
        sides = [
            F.interpolate(conv(m), size=size, mode="bilinear", align_corners=False)
            for conv, m in zip(self.sides, self.encoder(x), strict=True)
        ]
        stacked = torch.cat(sides, dim=1)
        return torch.cat([stacked, self.fuse(stacked)], dim=1)

    def fingerprint(self) -> str:
        """Hash of the configuration and every weight: what results computed with it depend on."""
        return model_fingerprint(self.config, self)

    def map_key(self) -> dict:
        """What :func:`boundary_map` results depend on (the network and its working resolution),
        for cache keys."""
        return {"fingerprint": self.fingerprint(), "max_pixels": BOUNDARY_MAX_PIXELS}

    def save(self, path: str | Path, extra: dict | None = None) -> None:
        """Write config + weights (+ ``extra``, e.g. training facts) atomically."""
        state = {k: v.detach().cpu() for k, v in self.state_dict().items()}
        save_model_file(path, self.config, state, extra)

    @classmethod
    def load(cls, path: str | Path, *, device: str | torch.device | None = None) -> BoundaryNet:
        """A network saved by :meth:`save`, in eval mode.

        Raises
        ------
        BoundaryNetError
            Missing, damaged or foreign files, in one line.
        """
        try:
            data = torch.load(path, map_location="cpu", weights_only=True)
            config = data["config"]
            net = create_boundary_net(
                config["backbone"],
                encoder_weights=RANDOM_WEIGHTS,
                out_indices=config["out_indices"],
                device="cpu",
            )
            if net.config["channels"] != list(config["channels"]):
                raise ValueError(f"channels {config['channels']} do not fit {config['backbone']}")
            net.load_state_dict(data["state"])
        except BoundaryNetError as exc:
            raise BoundaryNetError(f"{path}: {exc}") from None
        except (OSError, EOFError, KeyError, RuntimeError, TypeError, ValueError,
                pickle.UnpicklingError) as exc:  # fmt: skip
            reason = first_line(exc)
            raise BoundaryNetError(f"{path}: not a boundary network file ({reason})") from None
        return net.to(_device(device)).eval()


def _without_unused_blocks(encoder: nn.Module) -> nn.Module:
    """``encoder`` without the blocks after its deepest returned map.

    timm's EfficientNet feature modules run every block even when the deepest map asked for
    comes earlier; for Lite0 the stride-32 blocks hold 2.3 M of its 3 M weights and a quarter of
    the work, and their output would be thrown away.
    """
    blocks = getattr(encoder, "blocks", None)
    modules = [info["module"] for info in encoder.feature_info.get_dicts()]
    if not isinstance(blocks, nn.Sequential) or not all(m.startswith("blocks.") for m in modules):
        return encoder
    deepest = max(int(m.split(".")[1]) for m in modules)
    encoder.blocks = blocks[: deepest + 1]
    return encoder


def create_boundary_net(
    backbone: str = DEFAULT_BACKBONE,
    *,
    encoder_weights: str | Path | None = None,
    out_indices: Sequence[int] = SIDE_OUT_INDICES,
    device: str | torch.device | None = None,
) -> BoundaryNet:
    """Build an untrained boundary network on a timm encoder.

    Parameters
    ----------
    backbone : str
        timm CNN name; the default is EfficientNet-Lite0.
    encoder_weights : str, Path or None
        As ``weights`` of :func:`~supercuts_app.segmentation.features.create_backbone`: None for
        the standard ImageNet weights (shipped for the default), ``"random"``, or a file.
    out_indices : sequence of int
        The encoder levels given side outputs.
    device : str or torch.device, optional
        Defaults to CUDA when present, else CPU.

    Returns
    -------
    BoundaryNet
        In eval mode; side and fusion layers freshly initialised (seed torch for repeatability).

    Raises
    ------
    BoundaryNetError
        An encoder that cannot be built or that has no distinct strides.
    """
    try:
        encoder = create_backbone(
            backbone, weights=encoder_weights, out_indices=tuple(out_indices), device="cpu"
        )
    except BackboneError as exc:
        raise BoundaryNetError(str(exc)) from None
    net = BoundaryNet(
        encoder.model,
        backbone=encoder.name,
        out_indices=out_indices,
        channels=encoder.channels,
        strides=encoder.strides,
        mean=encoder.mean,
        std=encoder.std,
    )
    return net.to(_device(device)).eval()


def default_boundary_net(device: str | torch.device | None = None) -> BoundaryNet | None:
    """The shipped trained network, or None while none is shipped."""
    from supercuts_app.base.resources import resource_path

    path = resource_path("weights", BOUNDARY_FILE)
    if not path.is_file():
        return None
    return _load_cached(str(path), path.stat().st_mtime_ns, str(_device(device)))


@functools.lru_cache(maxsize=2)
def _load_cached(path: str, mtime_ns: int, device: str) -> BoundaryNet:
    # Every image asks for the shipped network: read it once per process and device.
    return BoundaryNet.load(path, device=device)


def _device(device: str | torch.device | None) -> torch.device:
    from .features import resolve_device

    return resolve_device(device)


def predict_boundaries(net: BoundaryNet, image: np.ndarray) -> np.ndarray:
    """Boundary probabilities of an image at its own resolution (no resizing).

    Parameters
    ----------
    net : BoundaryNet
        Used as it is (callers put it in eval mode; training validates through this too).
    image : np.ndarray
        (H, W, 3) uint8 RGB.

    Returns
    -------
    np.ndarray
        (H, W) float32 probabilities in [0, 1].
    """
    h, w = image.shape[:2]
    rgb = torch.from_numpy(np.ascontiguousarray(image, dtype=np.uint8)).to(net.device)
    rgb = rgb.permute(2, 0, 1)[None].float().div_(255.0)
    with torch.inference_mode():
        logits = net(net.pad(net.normalize(rgb)))[0, -1, :h, :w]
        return torch.sigmoid(logits).float().cpu().numpy()


def boundary_map(
    net: BoundaryNet,
    image: np.ndarray,
    *,
    max_pixels: int = BOUNDARY_MAX_PIXELS,
    scales: Sequence[float] = (1.0,),
) -> np.ndarray:
    """Boundary probabilities of an image, computed at its working resolution.

    Parameters
    ----------
    net : BoundaryNet
        The network (see :func:`default_boundary_net`).
    image : np.ndarray
        (H, W, 3) uint8 RGB of any size.
    max_pixels : int
        Working resolution: larger images are shrunk (area-averaged) to at most this many pixels
        and the map is resized back (bilinear). Results depend on it, so cache keys should hold it
        beside :meth:`BoundaryNet.fingerprint`.
    scales : sequence of float
        The map is the mean of the network's maps of the working image resized by each of these
        factors (RCF's multi-scale test; the app uses one scale, see ``eval boundaries
        --scales`` for what more would give).

    Returns
    -------
    np.ndarray
        (H, W) float32 probabilities in [0, 1].
    """
    h, w = image.shape[:2]
    scale = min(1.0, (max_pixels / max(1, h * w)) ** 0.5)
    work = image
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        work = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    small = _mean_over_scales(net, work, scales)
    if small.shape == (h, w):
        return small
    return np.clip(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), 0.0, 1.0)


def _mean_over_scales(net: BoundaryNet, image: np.ndarray, scales: Sequence[float]) -> np.ndarray:
    if tuple(scales) == (1.0,):
        return predict_boundaries(net, image)
    h, w = image.shape[:2]
    total = np.zeros((h, w), np.float32)
    for factor in scales:
        if factor == 1.0:
            total += predict_boundaries(net, image)
            continue
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        shrink = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_LINEAR
        resized = predict_boundaries(net, cv2.resize(image, size, interpolation=shrink))
        total += cv2.resize(resized, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(total / len(scales), 0.0, 1.0)
