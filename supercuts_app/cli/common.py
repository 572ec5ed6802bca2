"""Pieces shared by the command-line modules: the user-error type, the parser that reports in
one line, the types of numeric options (one place for their ranges), output writing."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import numpy as np

MAX_SUPERPIXELS = 1_000_000
"""Largest ``--n-segments``: beyond it the grids and graphs outgrow memory before any image
could use them."""

MAX_PROCESSES = 1024
"""Largest ``--workers`` and ``--threads``."""


class CLIError(Exception):
    """A user error: printed as one line, exit code 2."""


class OutputFailure(CLIError):
    """An output that could not be written. It stops the whole command, also in a folder run:
    the next image would fail the same way (a full disk, a folder made read-only)."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one ``supercuts:`` line (exit 2), without the usage
    block; subcommand parsers made from it are of the same class."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"supercuts: {message} (see '{self.prog} --help')\n")


def whole_number(*, at_least: int = 1, at_most: int | None = None) -> Callable[[str], int]:
    """An argparse ``type`` for whole numbers within ``[at_least, at_most]``."""
    bounds = f"at least {at_least}" if at_most is None else f"from {at_least} to {at_most}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < at_least or (at_most is not None and value > at_most):
            raise argparse.ArgumentTypeError(f"must be {bounds}, not {text}")
        return value

    parse.__name__ = "whole number"
    return parse


def real_number(
    *, at_least: float | None = None, above: float | None = None, at_most: float | None = None
) -> Callable[[str], float]:
    """An argparse ``type`` for finite numbers (never NaN or infinity) within the bounds."""
    parts = [f"at least {at_least:g}" if at_least is not None else None]
    parts += [f"above {above:g}" if above is not None else None]
    parts += [f"at most {at_most:g}" if at_most is not None else None]
    bounds = " and ".join(p for p in parts if p) or "finite"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if (
            not math.isfinite(value)
            or (at_least is not None and value < at_least)
            or (above is not None and value <= above)
            or (at_most is not None and value > at_most)
        ):
            raise argparse.ArgumentTypeError(f"must be a number {bounds}, not {text}")
        return value

    parse.__name__ = "number"
    return parse


positive_int = whole_number(at_least=1)
"""Counts, limits and sizes: 1 or more."""

segment_count = whole_number(at_least=1, at_most=MAX_SUPERPIXELS)
"""``--n-segments``."""

superpixel_density = real_number(above=0.0, at_most=MAX_SUPERPIXELS)
"""``--density``: superpixels per megapixel."""

share = real_number(at_least=0.0, at_most=1.0)
"""Weights that are a share of a blend (``--spectral-weight``, ``--region-weight``)."""

positive_real = real_number(above=0.0)
"""Rates and scales (``--lr``, ``--pos-scale``)."""


def add_superpixel_count_options(parser: argparse.ArgumentParser) -> None:
    """``--n-segments K`` (a fixed count per image) or ``--density PER_MP`` (a count that
    follows the image's size), not both; with neither, the default count."""
    from supercuts_app.base.defaults import (
        DEFAULT_SUPERPIXELS,
        SUPERPIXEL_DENSITY,
        SUPERPIXEL_DENSITY_CAP,
        SUPERPIXEL_DENSITY_FLOOR,
    )

    count = parser.add_mutually_exclusive_group()
    count.add_argument(
        "--n-segments",
        type=segment_count,
        default=None,
        metavar="K",
        help=f"superpixels per image (default: {DEFAULT_SUPERPIXELS})",
    )
    count.add_argument(
        "--density",
        type=superpixel_density,
        default=None,
        metavar="PER_MP",
        help=f"superpixels per megapixel instead, at least {SUPERPIXEL_DENSITY_FLOOR} and at "
        f"most {SUPERPIXEL_DENSITY_CAP} per image (e.g. {SUPERPIXEL_DENSITY}: about 4,000 on a "
        "24 MP photo)",
    )


def density_from(ns: argparse.Namespace):
    """The :class:`~supercuts_app.segmentation.density.SuperpixelDensity` of ``--density``, or
    None when it was not given."""
    from supercuts_app.segmentation.density import SuperpixelDensity

    return None if ns.density is None else SuperpixelDensity(ns.density)


def checked_output(option: str, path: str | Path, *, folder: bool) -> Path:
    """``path`` given to ``option``, or a CLIError when it cannot be written (checked before any
    work is done: a target of the wrong kind, a file or a read-only folder on the way)."""
    from supercuts_app.base.files import output_problem

    reason = output_problem(path, folder=folder)
    if reason is not None:
        raise CLIError(f"{option} {path}: {reason}")
    return Path(path)


@contextmanager
def writing_output(label: str) -> Iterator[None]:
    """Turn a failed write inside the block into one :class:`OutputFailure` line naming
    ``label`` (e.g. ``--out results``) and the cause."""
    from supercuts_app.base.files import os_error_text

    try:
        yield
    except OSError as exc:
        raise OutputFailure(f"{label}: cannot write ({os_error_text(exc)})") from None


def write_outputs(label: str, files: Mapping[Path, bytes]) -> None:
    """Write ``files`` as one step (their folders made as needed): all of them or, when a write
    fails, none of them, with one :class:`OutputFailure` line (see :func:`writing_output`)."""
    from supercuts_app.base.files import write_files_atomic

    with writing_output(label):
        for folder in dict.fromkeys(Path(p).parent for p in files):
            folder.mkdir(parents=True, exist_ok=True)
        write_files_atomic(files)


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
    """Files as given and the images inside given folders (sorted); paths that cannot be read
    (missing, a broken link, a link loop) are kept so that loading reports each of them and the
    rest of a batch goes on."""
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


@contextmanager
def image_progress(desc: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr fed by ``on_image(done, total)`` calls (the ``on_image`` of the
    training sample collectors)."""
    from tqdm import tqdm

    with tqdm(desc=desc, unit="img", file=sys.stderr) as bar:

        def tick(done: int, total: int) -> None:
            bar.total = total
            bar.update(1)

        yield tick


def load_edge_model(path: str | None):
    """The edge scoring at ``path`` (the shipped one when None), or a CLIError saying why it
    cannot be used. A graph network's file (``train edge-graph``) scores superpixel edges with
    the shipped MLP for merged regions; an MLP's file (``train affinity``) scores every edge."""
    from supercuts_app.segmentation.edge_graph_model import (
        GraphEdgeScorer,
        default_edge_scorer,
        is_graph_model_file,
        load_edge_graph,
    )
    from supercuts_app.segmentation.edge_model import EdgeModel, EdgeModelError, default_edge_model

    if path is None:
        return default_edge_scorer()
    graph_file = is_graph_model_file(path)
    try:
        if graph_file:
            region_model = default_edge_model()
            if region_model is None:
                raise CLIError(f"{path}: a graph network needs the shipped edge model beside it")
            model = GraphEdgeScorer(load_edge_graph(path), region_model)
        else:
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
    checked_output("--out", ns.out, folder=False)


def eval_dataset_size(ns: argparse.Namespace) -> int:
    """Images an ``eval`` command over BSDS500 or CCP (``ns.dataset``) will read, or a CLIError
    (also when ``--json``'s folder does not exist)."""
    from supercuts_app.datasets.bsds import DatasetError
    from supercuts_app.datasets.ccp import iter_ccp

    if ns.json:
        checked_output("--json", ns.json, folder=False)
    if ns.dataset == "bsds":
        return split_size(ns)
    try:
        return sum(1 for _ in iter_ccp(ns.data, limit=ns.limit))
    except DatasetError as exc:
        raise CLIError(str(exc)) from None


def add_split_option(parser: argparse.ArgumentParser) -> None:
    """``--split NAME``: any split folder of the data set (checked by :func:`split_size`)."""
    parser.add_argument(
        "--split", default="val", metavar="NAME", help="BSDS500 split folder (default: val)"
    )


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
    summaries: list[str] | None = None,
) -> int:
    """Load each image and call ``process(path, image)``; report and skip bad ones.

    ``process`` returns a one-line summary or raises :class:`CLIError` for a failure of that
    image alone; the rest of the batch always continues, also past an unexpected exception (a
    bug met on one image, reported in one line with its type), but an :class:`OutputFailure`
    or Ctrl+C stops it.
    With one input the summary is printed, unless ``summaries`` is given: then every summary
    is appended to it, for the caller to print once its own output is written. Returns the
    exit code: 2 if any image failed.
    """
    from tqdm import tqdm

    from supercuts_app.base.images import DEFAULT_MAX_PIXELS, ImageLoadError, load_image

    failures = 0
    for path in tqdm(inputs, desc=desc, unit="img", disable=len(inputs) < 2):
        try:
            summary = process(path, load_image(path, max_pixels=max_pixels or DEFAULT_MAX_PIXELS))
        except OutputFailure:
            raise
        except (ImageLoadError, CLIError) as exc:
            tqdm.write(f"supercuts: {exc}", file=sys.stderr)
            failures += 1
            continue
        except MemoryError:
            tqdm.write(f"supercuts: {path}: not enough memory for this image", file=sys.stderr)
            failures += 1
            continue
        except Exception as exc:  # a bug met on one image must not stop the others
            cause = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
            tqdm.write(f"supercuts: {path}: unexpected error ({cause})", file=sys.stderr)
            failures += 1
            continue
        if summaries is not None:
            summaries.append(summary)
        elif len(inputs) == 1:
            print(summary)
    if failures and len(inputs) > 1:
        print(f"supercuts: {failures} of {len(inputs)} images failed", file=sys.stderr)
    return 2 if failures else 0
