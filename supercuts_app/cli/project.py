"""``supercuts export coco|masks`` and ``supercuts import coco``: project files in and out."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager

from .common import CLIError, checked_output, write_outputs, writing_output


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register the ``export`` and ``import`` subcommands."""
    ex = sub.add_parser("export", help="write a project's labels (COCO JSON or label PNGs)")
    ex_sub = ex.add_subparsers(dest="what", required=True)
    ec = ex_sub.add_parser("coco", help="COCO instance JSON with parts linked to objects")
    ec.add_argument("project", metavar="PROJECT", help=".supercuts file or folder holding one")
    ec.add_argument("--out", required=True, metavar="FILE.json")
    ec.add_argument("--polygons", action="store_true", help="polygons instead of RLE masks")
    ec.set_defaults(func=cmd_export_coco)
    em = ex_sub.add_parser("masks", help="semantic, instance and part PNGs plus legend.json")
    em.add_argument("project", metavar="PROJECT", help=".supercuts file or folder holding one")
    em.add_argument("--out", required=True, metavar="DIR")
    em.set_defaults(func=cmd_export_masks)

    im = sub.add_parser("import", help="add labels from other files to a project")
    im_sub = im.add_subparsers(dest="what", required=True)
    ic = im_sub.add_parser("coco", help="COCO JSON (from SuperCuts or other tools)")
    ic.add_argument("coco", metavar="FILE.json")
    ic.add_argument("--images", required=True, metavar="DIR", help="folder of the file_names")
    ic.add_argument("--project", required=True, metavar="PROJECT", help="created when missing")
    ic.add_argument(
        "--replace", action="store_true", help="overwrite annotations of images already labelled"
    )
    ic.add_argument(
        "--clip-parts", action="store_true", help="trim part pixels outside their object"
    )
    ic.set_defaults(func=cmd_import_coco)


@contextmanager
def _open_project(path: str):
    from supercuts_app.storage.project import Project
    from supercuts_app.storage.store import ProjectFileError

    try:
        project = Project.open(path, readonly=True)
    except ProjectFileError as exc:
        raise CLIError(str(exc)) from None
    try:
        yield project
    finally:
        project.close()


def cmd_export_coco(ns: argparse.Namespace) -> int:
    from supercuts_app.formats.coco import export_coco
    from supercuts_app.storage.store import ProjectFileError

    out = checked_output("--out", ns.out, folder=False)
    with _open_project(ns.project) as project:
        try:
            data = export_coco(project, polygons=ns.polygons)
        except ProjectFileError as exc:  # a damaged row, found as it is read
            raise CLIError(str(exc)) from None
    write_outputs(f"--out {out}", {out: json.dumps(data).encode()})
    n_parts = sum("parent_id" in a for a in data["annotations"])
    print(
        f"{out}: {len(data['images'])} images, {len(data['annotations']) - n_parts} objects, "
        f"{n_parts} parts, {len(data['categories'])} categories"
    )
    return 0


def cmd_export_masks(ns: argparse.Namespace) -> int:
    from tqdm import tqdm

    from supercuts_app.formats.mask_png import export_masks
    from supercuts_app.storage.store import ProjectFileError

    bars: list[tqdm] = []  # made at the first image written: a refusal prints only its line

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, desc="masks", unit="img", file=sys.stderr))
        bars[0].update(1)

    checked_output("--out", ns.out, folder=True)
    with _open_project(ns.project) as project:
        try:
            with writing_output(f"--out {ns.out}"):
                legend = export_masks(project, ns.out, progress=progress)
        except ProjectFileError as exc:
            raise CLIError(str(exc)) from None
        finally:
            for bar in bars:
                bar.close()
    print(f"{ns.out}: label PNGs for {len(legend['images'])} images and legend.json")
    return 0


def cmd_import_coco(ns: argparse.Namespace) -> int:
    from supercuts_app.formats.coco import CocoError, import_coco, load_coco_file
    from supercuts_app.storage.project import project_path_for
    from supercuts_app.storage.store import ProjectFileError

    try:
        data = load_coco_file(ns.coco)
        project_path = project_path_for(ns.project)
        summary = import_coco(
            data, ns.images, project_path, replace=ns.replace, clip_parts=ns.clip_parts
        )
    except (CocoError, ProjectFileError) as exc:
        raise CLIError(str(exc)) from None
    verb = "created" if summary.created else "updated"
    print(
        f"{summary.project}: {verb}; {summary.images} images, {summary.objects} objects, "
        f"{summary.parts} parts"
    )
    for note in summary.notes:
        print(f"note: {note}")
    return 0
