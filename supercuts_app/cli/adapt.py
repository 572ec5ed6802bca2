"""Levels adapted to a project: ``supercuts train affinity --project`` and ``supercuts eval
adapt``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import CLIError, checked_output, positive_int, write_outputs, writing_output


def add_train_options(ta: argparse.ArgumentParser) -> None:
    """The project options of ``train affinity``."""
    ta.add_argument(
        "--project",
        default=None,
        metavar="PROJECT",
        help="fine-tune the shipped model on this project's annotated images and keep it in the "
        "project (with --out: write it to that file instead)",
    )
    ta.add_argument(
        "--revert",
        action="store_true",
        help="with --project: go back to the shipped edge model for the project's images",
    )


def cmd_train_affinity_project(ns: argparse.Namespace) -> int:
    """``supercuts train affinity --project``: adapt (or ``--revert``) a project's edge model."""
    from supercuts_app.adapt.project import FineTuneOptions, adapt_to_project
    from supercuts_app.segmentation.cache import SegmentationCache
    from supercuts_app.segmentation.edge_model import EdgeModelError
    from supercuts_app.segmentation.segment import SegmentationSettings
    from supercuts_app.storage.project import Project
    from supercuts_app.storage.project_model import write_project_model
    from supercuts_app.storage.store import ProjectFileError

    if ns.data is not None:
        raise CLIError("--data and --project exclude each other")
    if ns.revert and ns.out is not None:
        raise CLIError("--revert writes no file: leave out --out")
    out = checked_output("--out", ns.out, folder=False) if ns.out is not None else None
    try:
        project = Project.open(ns.project, readonly=out is not None)
    except ProjectFileError as exc:
        raise CLIError(str(exc)) from None
    try:
        if ns.revert:
            write_project_model(project.store, None)
            print(f"{project.path}: its images use the shipped edge model again")
            return 0
        options = FineTuneOptions() if ns.steps is None else FineTuneOptions(steps=ns.steps)
        bar = _ProgressLine()
        try:
            adapted = adapt_to_project(
                project,
                settings=SegmentationSettings.resolve(n_segments=ns.n_segments),
                options=options,
                cache=SegmentationCache(),
                progress=bar,
            )
        except (ValueError, EdgeModelError, ProjectFileError) as exc:
            raise CLIError(str(exc)) from None
        finally:
            bar.close()
        where = str(out) if out is not None else f"{project.path} (used for its images)"
        if out is not None:
            with writing_output(f"--out {out}"):
                adapted.model.save(out)
        else:
            try:
                write_project_model(project.store, adapted.model)
            except ProjectFileError as exc:
                raise CLIError(str(exc)) from None
    finally:
        project.close()
    borders = adapted.offsets.describe() or "no border offset"
    print(
        f"edge model adapted on {adapted.images} images ({adapted.samples} edge samples, "
        f"{adapted.seconds:.0f} s; seed clicks: {borders}) -> {where}"
    )
    return 0


class _ProgressLine:
    """A tqdm bar fed by the ``(stage, fraction)`` progress reports."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, stage: str, fraction: float) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=100, desc=stage, unit="%", file=sys.stderr)
        self.bar.set_description(stage)
        self.bar.n = round(100 * fraction)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def add_eval_parser(ev_sub: argparse._SubParsersAction) -> None:
    """Register ``eval adapt``."""
    ea = ev_sub.add_parser(
        "adapt",
        help="clicks on held-apart CCP photos with levels adapted to the first k photos, "
        "against the shipped levels",
    )
    ea.add_argument("--data", required=True, help="CCP folder")
    ea.add_argument(
        "--train-images",
        type=positive_int,
        nargs="+",
        default=[10, 30, 70],
        metavar="K",
        help="adapt on the first K photos, for each K (default: 10 30 70)",
    )
    ea.add_argument(
        "--test-images",
        type=positive_int,
        default=30,
        metavar="N",
        help="the folder's last N photos are held apart and annotated by the robots",
    )
    ea.add_argument("--mode", default="both", choices=("seeds", "regions", "both"))
    ea.add_argument("--max-clicks", type=positive_int, default=20)
    ea.add_argument("--steps", type=positive_int, default=None, help="fine-tuning steps")
    ea.add_argument(
        "--no-border-offsets",
        action="store_true",
        help="adapt the edge model only (seed clicks keep the boundary map's borders)",
    )
    ea.add_argument(
        "--offsets-only",
        action="store_true",
        help="learn the border offsets only (the adapted levels are the shipped ones)",
    )
    ea.add_argument("--json", default=None, metavar="OUT", help="summaries and per-target rows")
    ea.set_defaults(func=cmd_eval_adapt)


def cmd_eval_adapt(ns: argparse.Namespace) -> int:
    from tqdm import tqdm

    from supercuts_app.adapt.project import FineTuneOptions
    from supercuts_app.datasets.bsds import DatasetError
    from supercuts_app.datasets.ccp import iter_ccp
    from supercuts_app.eval.adapt import evaluate_adaptation, format_adapt_table, split_photos
    from supercuts_app.eval.click_benchmark import MODES
    from supercuts_app.segmentation.border_offset import BorderOffsets
    from supercuts_app.segmentation.cache import SegmentationCache

    if ns.json:
        checked_output("--json", ns.json, folder=False)
    try:
        items = list(iter_ccp(ns.data))
        split_photos(items, ns.train_images, ns.test_images)
    except (DatasetError, ValueError) as exc:
        raise CLIError(str(exc)) from None
    if ns.offsets_only and ns.no_border_offsets:
        raise CLIError("--offsets-only and --no-border-offsets exclude each other")
    options = FineTuneOptions() if ns.steps is None else FineTuneOptions(steps=ns.steps)
    total = max(ns.train_images) + ns.test_images
    with tqdm(desc="eval adapt", total=total, unit="img", file=sys.stderr) as bar:
        result = evaluate_adaptation(
            ns.data,
            train_counts=ns.train_images,
            test_images=ns.test_images,
            modes=MODES if ns.mode == "both" else (ns.mode,),
            max_clicks=ns.max_clicks,
            options=options,
            border_offsets=not ns.no_border_offsets,
            edges=not ns.offsets_only,
            cache=SegmentationCache(),
            on_image=lambda what: bar.update(1),
        )
    if ns.json:
        write_outputs(f"--json {ns.json}", {Path(ns.json): json.dumps(result, indent=1).encode()})
    print(format_adapt_table(result))
    learnt = [
        f"{name}: {BorderOffsets(**offsets).describe() or 'none'}"
        for name, offsets in result["border_offsets"].items()
        if name != "shipped"
    ]
    if learnt:
        print("border offsets for seed clicks: " + "; ".join(learnt))
    return 0
