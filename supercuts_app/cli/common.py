"""Pieces shared by the command-line modules: the user-error type and argument helpers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np


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
    from supercuts_app.segmentation.features import (
        DEFAULT_BACKBONE,
        BackboneError,
        create_backbone,
    )

    try:
        return create_backbone(
            ns.backbone or DEFAULT_BACKBONE, weights=ns.backbone_weights, device=ns.device
        )
    except BackboneError as exc:
        raise CLIError(str(exc)) from None


def expand_inputs(inputs: Sequence[str]) -> list[Path]:
    """Files as given and the images inside given folders (sorted); missing paths are kept so
    that loading reports them."""
    from supercuts_app.base.images import IMAGE_SUFFIXES

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
    """The edge model at ``path`` (the shipped one when None), or a CLIError saying why it cannot
    be used."""
    from supercuts_app.segmentation.edge_model import EdgeModel, EdgeModelError, default_edge_model

    if path is None:
        return default_edge_model()
    try:
        model = EdgeModel.load(path)
    except EdgeModelError as exc:
        raise CLIError(str(exc)) from None
    except (OSError, KeyError, ValueError) as exc:
        raise CLIError(f"{path}: not an edge model ({exc})") from None
    try:
        model.check_features()
    except EdgeModelError as exc:
        raise CLIError(f"{path}: {exc}") from None
    return model


def check_training_paths(ns: argparse.Namespace) -> None:
    """A CLIError unless ``--data`` is a BSDS500 folder and ``--out``'s folder exists."""
    from supercuts_app.datasets.bsds import DatasetError, find_data_dir

    try:
        find_data_dir(ns.data)
    except DatasetError as exc:
        raise CLIError(str(exc)) from None
    if not Path(ns.out).parent.is_dir():
        raise CLIError(f"--out {ns.out}: folder does not exist")


def eval_dataset_size(ns: argparse.Namespace) -> int:
    """Images an ``eval`` command over BSDS500 or CCP (``ns.dataset``) will read, or a CLIError
    (also when ``--json``'s folder does not exist)."""
    from supercuts_app.datasets.bsds import DatasetError
    from supercuts_app.datasets.ccp import iter_ccp

    if ns.json and not Path(ns.json).resolve().parent.is_dir():
        raise CLIError(f"--json {ns.json}: folder does not exist")
    if ns.dataset == "bsds":
        return split_size(ns)
    try:
        return sum(1 for _ in iter_ccp(ns.data, limit=ns.limit))
    except DatasetError as exc:
        raise CLIError(str(exc)) from None


def split_size(ns: argparse.Namespace) -> int:
    """Images in the BSDS500 split that ``ns`` names, or a CLIError saying what is wrong."""
    from supercuts_app.datasets.bsds import DatasetError, find_data_dir, iter_split

    try:
        find_data_dir(ns.data)
        return len(list(iter_split(ns.data, ns.split, limit=ns.limit)))
    except DatasetError as exc:
        raise CLIError(str(exc)) from None


def run_per_image(
    inputs: Sequence[Path],
    process: Callable[[Path, np.ndarray], str],
    *,
    desc: str,
    max_pixels: int | None = None,
) -> int:
    """Load each image and call ``process(path, image)``; report and skip bad ones.

    ``process`` returns a one-line summary (printed when there is a single input) or raises
    :class:`CLIError` for a failure of that image alone. Returns the exit code: 2 if any failed.
    """
    from tqdm import tqdm

    from supercuts_app.base.images import DEFAULT_MAX_PIXELS, ImageLoadError, load_image

    failures = 0
    for path in tqdm(inputs, desc=desc, unit="img", disable=len(inputs) < 2):
        try:
            summary = process(path, load_image(path, max_pixels=max_pixels or DEFAULT_MAX_PIXELS))
        except (ImageLoadError, CLIError) as exc:
            tqdm.write(f"supercuts: {exc}", file=sys.stderr)
            failures += 1
            continue
        if len(inputs) == 1:
            print(summary)
    if failures and len(inputs) > 1:
        print(f"supercuts: {failures} of {len(inputs)} images failed", file=sys.stderr)
    return 2 if failures else 0
