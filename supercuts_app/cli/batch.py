"""``supercuts precompute``: fill the segmentation cache for a folder or project, on Dask."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from supercuts_app.segmentation.edge_graph_model import GraphEdgeScorer
    from supercuts_app.segmentation.edge_model import EdgeModel

    Scorer = EdgeModel | GraphEdgeScorer

from .common import (
    MAX_PROCESSES,
    CLIError,
    add_superpixel_count_options,
    checked_output,
    density_from,
    expand_inputs,
    whole_number,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``precompute`` subcommand."""
    pc = sub.add_parser(
        "precompute",
        help="compute superpixels and hierarchies of many images into the cache (Dask)",
    )
    pc.add_argument(
        "inputs", nargs="+", metavar="FOLDER_OR_PROJECT", help="image folders, images or projects"
    )
    pc.add_argument(
        "--workers",
        type=whole_number(at_least=0, at_most=MAX_PROCESSES),
        default=2,
        metavar="N",
        help="local worker processes (0: no Dask)",
    )
    pc.add_argument(
        "--threads",
        type=whole_number(at_least=1, at_most=MAX_PROCESSES),
        default=1,
        metavar="T",
        help="torch threads per worker",
    )
    pc.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="use a running Dask scheduler"
    )
    pc.add_argument("--method", default="ssn", choices=("ssn", "slic"))
    add_superpixel_count_options(pc)
    pc.add_argument("--backbone", default=None, help="timm backbone name (default: Lite0)")
    pc.add_argument("--cache", default=None, metavar="DIR", help="cache folder (default: app's)")
    pc.set_defaults(func=cmd_precompute)


def image_paths(inputs: list[str]) -> dict[Path, Scorer | None]:
    """Images of folders and files, and the images of ``.supercuts`` projects, each with the
    edge scoring its levels use: its project's own MLP (see ``train affinity --project``, with
    the shipped graph networks), else None (the shipped scoring)."""
    from supercuts_app.base.files import unreachable_reason
    from supercuts_app.segmentation.edge_graph_model import project_scorer
    from supercuts_app.segmentation.edge_model import EdgeModelError
    from supercuts_app.storage.project import PROJECT_SUFFIX, Project
    from supercuts_app.storage.project_model import read_project_model
    from supercuts_app.storage.store import ProjectFileError

    found: list[tuple[Path, Scorer | None]] = []
    plain: list[str] = []
    for text in inputs:
        if text.endswith(PROJECT_SUFFIX):
            try:
                project = Project.open(text, readonly=True)
            except ProjectFileError as exc:
                raise CLIError(str(exc)) from None
            try:
                model = project_scorer(read_project_model(project.store))
                found.extend((project.image_path(r), model) for r in project.images())
            except (ProjectFileError, EdgeModelError) as exc:
                raise CLIError(str(exc)) from None
            finally:
                project.close()
        else:
            plain.append(text)
    if plain:
        for p in map(Path, plain):
            reason = unreachable_reason(p)
            if reason == "file not found":
                raise CLIError(f"{p}: no such file or folder")
            if reason is not None:
                raise CLIError(f"{p}: {reason}")
        found.extend((p, None) for p in expand_inputs(plain))
    # The same image twice would only be computed twice (the first mention decides its model).
    out: dict[Path, Scorer | None] = {}
    for path, model in found:
        out.setdefault(path.resolve(), model)
    return out


def cmd_precompute(ns: argparse.Namespace) -> int:
    from supercuts_app.batch.precompute import (
        FAILED,
        PrecomputeSettings,
        precompute_on_dask,
        precompute_serial,
        summarize,
    )
    from supercuts_app.segmentation.cache import SegmentationCache

    models = image_paths(ns.inputs)
    if not models:
        raise CLIError("no images to precompute")
    settings = PrecomputeSettings(
        method=ns.method,
        n_segments=ns.n_segments,
        density=density_from(ns),
        backbone=ns.backbone,
        threads=ns.threads,
    )
    cache = SegmentationCache(ns.cache)
    checked_output("--cache", cache.root, folder=True)
    groups: dict[str | None, tuple[Scorer | None, list[Path]]] = {}
    for path, model in models.items():
        key = None if model is None else model.fingerprint()
        groups.setdefault(key, (model, []))[1].append(path)
    outcomes: list = []
    if ns.scheduler is None and ns.workers == 0:
        stopped = _run_groups(
            groups.values(),
            settings,
            outcomes,
            cache,
            lambda paths, chosen, tick: precompute_serial(paths, chosen, cache, tick),
        )
    else:
        # Connect (or start the local cluster) before the progress bar: a wrong address is a
        # one-line error, not a bar that never moves.
        with dask_client(ns.scheduler, ns.workers) as client:
            stopped = _run_groups(
                groups.values(),
                settings,
                outcomes,
                cache,
                lambda paths, chosen, tick: precompute_on_dask(client, paths, chosen, cache, tick),
            )
    if stopped:
        counts = summarize(outcomes)
        print(
            f"supercuts: stopped; {counts['done']} computed and stored, "
            f"{len(models) - len(outcomes)} left for the next run",
            file=sys.stderr,
        )
        return 130
    counts = summarize(outcomes)
    print(
        f"{counts['done']} computed, {counts['skipped']} already cached, "
        f"{counts['failed']} failed; cache: {cache.root}"
    )
    failed = [o for o in outcomes if o.status == FAILED]
    for o in failed:
        print(f"supercuts: {o.path}: {o.error}", file=sys.stderr)
    return 2 if failed else 0


def _run_groups(groups, settings, outcomes: list, cache, work) -> bool:
    """:func:`_run` for each group of images sharing an edge model (``work(paths, settings,
    tick)``); True when Ctrl+C stopped it."""
    from dataclasses import replace

    for model, paths in groups:
        chosen = replace(settings, edge_model=model)
        if _run(paths, outcomes, lambda tick, p=paths, c=chosen: work(p, c, tick), cache):
            return True
    return False


def _run(paths: list[Path], outcomes: list, work, cache) -> bool:
    """Run ``work(tick)`` under a progress bar with rate and ETA; True when Ctrl+C stopped it.

    A cache that cannot be written stops the run with one line (what was stored stays)."""
    from tqdm import tqdm

    from supercuts_app.batch.precompute import summarize

    # One image needs no bar (as in the other commands): its refusal is then the one line.
    bar = tqdm(total=len(paths), desc="precompute", unit="img", dynamic_ncols=True,
               disable=len(paths) < 2)  # fmt: skip
    with bar:

        def tick(outcome) -> None:
            outcomes.append(outcome)
            bar.set_postfix(summarize(outcomes), refresh=False)
            bar.update()

        try:
            work(tick)
        except KeyboardInterrupt:
            return True
        except OSError as exc:
            raise CLIError(f"cannot write the cache {cache.root}: {exc.strerror or exc}") from None
    return False


@contextmanager
def dask_client(scheduler: str | None, workers: int):
    """A client of the given scheduler, or of a new LocalCluster closed on exit.

    Ctrl+C reaches every process of the terminal's group: the local workers are started deaf
    to it (they would each print a traceback), and the run stops in this process, which
    cancels the tasks and closes the cluster quietly."""
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="5s")
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise CLIError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
        with client, _quiet_on_interrupt():
            yield client
        return
    with _ctrl_c_ignored(), warnings.catch_warnings():
        # The scheduler's small HTTP server (even without the dashboard) takes port 8787, or
        # another one with a warning when a second cluster runs: no news for our user.
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        # One thread per worker process: torch and numpy would otherwise fight over the cores.
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # Workers log at ERROR when the scheduler closes during a heartbeat (Ctrl+C on a
            # busy machine): expected, and each image's failure is reported by the run itself.
            silence_logs=logging.CRITICAL,
        )
    with cluster, _quiet_on_interrupt(), Client(cluster) as client:
        yield client


@contextmanager
def _ctrl_c_ignored():
    """Ignore SIGINT in the block. Processes started in it inherit that (a handler would not
    be inherited, and a blocked signal is unblocked by the way distributed starts them), so a
    terminal's Ctrl+C never reaches local Dask workers. The price: Ctrl+C while the workers
    start (a few seconds) is ignored; once they run it stops the run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _quiet_on_interrupt():
    """On Ctrl+C, silence distributed's loggers before the cluster closes: the workers it
    stops mid-task are expected, not errors to report."""
    try:
        yield
    except KeyboardInterrupt:
        logging.getLogger("distributed").setLevel(logging.CRITICAL + 1)
        raise
