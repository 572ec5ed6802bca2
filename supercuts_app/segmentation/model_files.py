"""What the small trained torch models (SSN head, boundary network) share: their fingerprint and
their file (config, weights and training facts, written atomically)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn


def model_fingerprint(config: Mapping, model: nn.Module) -> str:
    """Hash of ``config`` and every weight of ``model``: what results computed with it depend on.

    Parameters
    ----------
    config : mapping
        The settings the model was built from.
    model : torch.nn.Module
        The model.

    Returns
    -------
    str
        32 hexadecimal digits.
    """
    h = hashlib.blake2b(repr(sorted(config.items())).encode(), digest_size=16)
    for key, tensor in model.state_dict().items():
        h.update(key.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def save_model_file(
    path: str | Path, config: Mapping, state: Mapping, extra: Mapping | None = None
) -> None:
    """Write ``{"config", "state", **extra}`` with ``torch.save``, atomically.

    Parameters
    ----------
    path : str or Path
        The file.
    config : mapping
        The settings the model is rebuilt from.
    state : mapping
        Its weights (a state dict).
    extra : mapping, optional
        More entries, e.g. training facts.
    """
    from supercuts_app.base.files import write_bytes_atomic

    buf = io.BytesIO()
    torch.save({"config": config, "state": state, **(extra or {})}, buf)
    write_bytes_atomic(path, buf.getvalue())
