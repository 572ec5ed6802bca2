"""Pieces shared by the command-line modules: the user-error type and argument helpers."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path


class CLIError(Exception):
    """A user error: printed as one line, exit code 2."""


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def backbone_from(ns: argparse.Namespace):
    """The backbone an SSN command asked for, or a CLIError saying why it cannot be built."""
    from .core.features import DEFAULT_BACKBONE, BackboneError, create_backbone

    try:
        return create_backbone(
            ns.backbone or DEFAULT_BACKBONE, weights=ns.backbone_weights, device=ns.device
        )
    except BackboneError as exc:
        raise CLIError(str(exc)) from None


def expand_inputs(inputs: Sequence[str]) -> list[Path]:
    """Files as given and the images inside given folders (sorted); missing paths are kept so
    that loading reports them."""
    from .core.io import IMAGE_SUFFIXES

    paths: list[Path] = []
    for text in inputs:
        p = Path(text)
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise CLIError(f"{p}: folder holds no images ({', '.join(IMAGE_SUFFIXES)})")
            paths.extend(found)
        else:
            paths.append(p)
    return paths


def load_edge_model(path: str | None):
    from .core.hierarchy import EdgeModel, default_edge_model

    if path is None:
        return default_edge_model()
    try:
        return EdgeModel.load(path)
    except (OSError, KeyError, ValueError) as exc:
        raise CLIError(f"{path}: not an edge model ({exc})") from None


def split_size(ns: argparse.Namespace) -> int:
    """Images in the BSDS500 split that ``ns`` names, or a CLIError saying what is wrong."""
    from .eval.bsds import DatasetError, find_data_dir, iter_split

    try:
        find_data_dir(ns.data)
        return len(list(iter_split(ns.data, ns.split, limit=ns.limit)))
    except DatasetError as exc:
        raise CLIError(str(exc)) from None
