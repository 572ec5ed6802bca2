"""The learnable pixel-embedding head of the Superpixel Sampling Network.

The head turns a frozen backbone's feature maps (all levels, brought to the finest level's grid)
into a few embedding channels per pixel; SSN clusters pixels on position, CIELAB colour and this
embedding. ``supercuts train ssn`` fits it on BSDS500 (Jampani et al., ECCV 2018) and the trained
head for the default backbone ships in ``resources/weights/``. Files hold the state dict and the
configuration, so a head refuses to run on a backbone it was not made for.

A *boundary-aware* head also reads the learned boundary map of :mod:`.boundaries`: as a fourth
channel of the colour branch (``boundary_input``), and/or through a weight of SSN's
intervening-contour cost (``contour_scale``, :func:`.ssn.contour_penalty`).
"""

from __future__ import annotations

import functools
import math
import pickle
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from supercuts_app.base.messages import first_line

from .features import DEFAULT_BACKBONE, Backbone
from .model_files import model_fingerprint, save_model_file

HEAD_FILE = "ssn_head_lite0.pt"


class HeadError(ValueError):
    """A head file that cannot be used (missing, damaged, or for another backbone)."""


class SSNHead(nn.Module):
    """Convolutions over the concatenated, standardised backbone maps, plus a small
    full-resolution branch on CIELAB, and learned weights of position and colour.

    The backbone's finest map has a stride of 2 or more, so on its own the embedding is blurred
    at object borders; the colour branch adds pixel-sharp detail, and learning the position and
    colour weights lets training choose how far superpixels may bend to follow borders.

    Parameters
    ----------
    in_channels : int
        Sum of the backbone's feature channels.
    embed_dims : int
        Embedding channels produced per pixel.
    hidden : int
        Width of the hidden layer.
    backbone : str
        Name of the backbone the head belongs to.
    lab_branch : bool
        Add the full-resolution colour branch.
    pos_scale, color_scale : float
        Initial weights of the position (in grid steps) and CIELAB channels.
    boundary_input : bool
        Read a boundary probability map as a fourth input of the colour branch.
    contour_scale : float, optional
        Initial (learned) weight of the cost of assigning a pixel to a superpixel across a
        boundary of that map; None for no such cost.
    """

    def __init__(
        self,
        in_channels: int,
        embed_dims: int = 10,
        hidden: int = 64,
        backbone: str = "",
        lab_branch: bool = True,
        pos_scale: float = 2.5,
        color_scale: float = 0.26,
        boundary_input: bool = False,
        contour_scale: float | None = None,
    ) -> None:
        super().__init__()
        self.config = {
            "in_channels": in_channels,
            "embed_dims": embed_dims,
            "hidden": hidden,
            "backbone": backbone,
            "lab_branch": lab_branch,
            "pos_scale": pos_scale,
            "color_scale": color_scale,
        }
        # Recorded only when on, so heads made before the options keep their fingerprint.
        if boundary_input:
            self.config["boundary_input"] = True
        if contour_scale is not None:
            self.config["contour_scale"] = float(contour_scale)
        self.norm = nn.GroupNorm(1, in_channels, affine=False)
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, hidden, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, hidden, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, embed_dims, 1),
        )
        self.lab_net = (
            nn.Sequential(
                nn.Conv2d(4 if boundary_input else 3, 16, 3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(16, embed_dims, 3, padding=1),
            )
            if lab_branch
            else None
        )
        # Log-weights keep the scales positive while training.
        self.log_scales = nn.Parameter(torch.log(torch.tensor([pos_scale, color_scale])))
        self.log_contour = (
            None
            if contour_scale is None
            else nn.Parameter(torch.log(torch.tensor(float(contour_scale))))
        )

    @property
    def embed_dims(self) -> int:
        return int(self.config["embed_dims"])

    @property
    def needs_boundaries(self) -> bool:
        """Whether the head reads a boundary map (``boundary_input`` or ``contour_scale``)."""
        return "boundary_input" in self.config or "contour_scale" in self.config

    def forward(self, stacked: torch.Tensor) -> torch.Tensor:
        """(B, C, h, w) stacked backbone maps -> (B, embed_dims, h, w) coarse embedding."""
        return self.net(self.norm(stacked))

    def refine(
        self, embedding: torch.Tensor, lab: torch.Tensor, boundary: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Add the colour branch to a coarse embedding already resampled to ``lab``'s size.

        ``lab`` is (B, 3, H, W) CIELAB with L in 0..100; ``boundary`` (B, 1, H, W) boundary
        probabilities, required by a head with ``boundary_input``."""
        if self.lab_net is None:
            return embedding
        colour = lab * 0.01
        if "boundary_input" in self.config:
            if boundary is None:
                raise ValueError("this SSN head needs a boundary map")
            colour = torch.cat([colour, boundary.to(colour.dtype)], dim=1)
        return embedding + self.lab_net(colour)

    def scales(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Learned weights of the position and the CIELAB channels."""
        pos, color = torch.exp(self.log_scales)
        return pos, color

    def contour_weight(self) -> torch.Tensor | None:
        """Learned weight of the intervening-contour cost, or None for a head without it."""
        return None if self.log_contour is None else torch.exp(self.log_contour)

    def with_contour_cost(self, scale: float) -> SSNHead:
        """A copy of this head with the intervening-contour cost at weight ``scale`` (replacing
        the weight it had): a boundary-aware head without training."""
        out = SSNHead(**{**self.config, "contour_scale": float(scale)})
        out.load_state_dict(self.state_dict(), strict=False)
        with torch.no_grad():
            out.log_contour.fill_(math.log(scale))
        return out.to(self.log_scales.device).eval()

    def fingerprint(self) -> str:
        return model_fingerprint(self.config, self)

    def save(self, path: str | Path, extra: dict | None = None) -> None:
        """Write config + weights (+ ``extra``, e.g. training facts) atomically."""
        save_model_file(path, self.config, self.state_dict(), extra)

    @classmethod
    def load(cls, path: str | Path) -> SSNHead:
        try:
            data = torch.load(path, map_location="cpu", weights_only=True)
            head = cls(**data["config"])
            head.load_state_dict(data["state"])
        except (OSError, EOFError, KeyError, RuntimeError, TypeError, ValueError,
                pickle.UnpicklingError) as exc:  # fmt: skip
            raise HeadError(f"{path}: not an SSN head file ({first_line(exc)})") from None
        return head.eval()


def default_head(backbone: Backbone) -> SSNHead | None:
    """The shipped trained head when ``backbone`` is the default one, else None."""
    from supercuts_app.base.resources import resource_path

    path = resource_path("weights", HEAD_FILE)
    if backbone.name != DEFAULT_BACKBONE or not path.is_file():
        return None
    return _load_cached(str(path), path.stat().st_mtime_ns, str(backbone.device))


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, mtime_ns: int, device: str) -> SSNHead:
    # Every image asks for the shipped head (superpixels and the cache key): read it once.
    return SSNHead.load(path).to(device)


def check_head(head: SSNHead, backbone: Backbone) -> None:
    """Refuse a head made for another backbone (channel counts would not even fit)."""
    if head.config["in_channels"] != sum(backbone.channels):
        raise HeadError(
            f"the SSN head expects {head.config['in_channels']} feature channels "
            f"({head.config['backbone'] or 'unknown backbone'}); {backbone.name} gives "
            f"{sum(backbone.channels)}"
        )


def stacked_maps(maps: list[torch.Tensor]) -> torch.Tensor:
    """Backbone maps resampled to the finest level's grid and concatenated: (B, C, h, w)."""
    base = maps[0].shape[-2:]
    return torch.cat(
        [F.interpolate(m, size=base, mode="bilinear", align_corners=False) for m in maps], dim=1
    )


def head_embedding(
    head: SSNHead,
    backbone: Backbone,
    image: np.ndarray,
    lab: torch.Tensor,
    boundary: torch.Tensor | None = None,
) -> torch.Tensor:
    """(embed_dims, H, W) embedding of an (H, W, 3) image whose CIELAB is ``lab`` (3, H, W)
    (and boundary probabilities ``boundary`` (1, H, W), for a head that reads them)."""
    check_head(head, backbone)
    with torch.no_grad():
        emb = head(stacked_maps(backbone(image)))
        ih, iw = image.shape[:2]
        p = backbone.patch_size
        ph = math.ceil(ih / p) * p if p > 1 else ih
        pw = math.ceil(iw / p) * p if p > 1 else iw
        # The padding a ViT needs is cropped after resampling to the padded size.
        full = F.interpolate(emb, size=(ph, pw), mode="bilinear", align_corners=False)
        if boundary is not None:
            boundary = boundary[None].to(full.device)
        full = head.refine(full[..., :ih, :iw], lab[None].to(full.device), boundary)
    return full[0]
