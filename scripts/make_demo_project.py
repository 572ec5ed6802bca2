"""Build the demo project in resources/samples/demo/ from Clothing Co-Parsing (CCP) photos.

Each chosen photo's human annotation becomes one ``person`` object whose parts are its hair, skin
and clothing items (CCP, Apache-2.0). The labels go in through ``supercuts import coco``'s code
path, so the demo also exercises the importer. Usage::

    python scripts/make_demo_project.py --data ../shared/data/CCP --out resources/samples/demo

``--first N`` makes a project of the folder's first N photos instead (e.g. to time
``supercuts train affinity --project`` on 50 annotated images)::

    python scripts/make_demo_project.py --data ../shared/data/CCP --out /tmp/ccp50 --first 50
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
import scipy.io

from supercuts_app.annotation.masks import encode_mask
from supercuts_app.formats.coco import import_coco
from supercuts_app.storage.project import Project

PHOTOS = ("0006", "0016", "0026")


def ccp_coco(data: Path, out: Path, photos: tuple[str, ...]) -> dict:
    """COCO dict of the chosen photos (copied into ``out``): person objects with their parts."""
    names = [str(x[0]) if len(x) else "" for x in scipy.io.loadmat(data / "label_list.mat")[
        "label_list"][0]]  # fmt: skip
    coco: dict = {"images": [], "categories": [{"id": 1, "name": "person"}], "annotations": []}
    part_ids: dict[str, int] = {}
    next_ann = 1
    for image_id, stem in enumerate(photos, start=1):
        shutil.copyfile(data / "photos" / f"{stem}.jpg", out / f"ccp_{stem}.jpg")
        gt = scipy.io.loadmat(data / "pixel-level" / f"{stem}.mat")["groundtruth"]
        h, w = gt.shape
        coco["images"].append(
            {"id": image_id, "file_name": f"ccp_{stem}.jpg", "width": w, "height": h}
        )
        person = next_ann
        coco["annotations"].append(_ann(person, image_id, 1, gt > 0))
        next_ann += 1
        for label in np.unique(gt[gt > 0]):
            name = names[label]
            if name not in part_ids:
                part_ids[name] = len(part_ids) + 2
                coco["categories"].append(
                    {"id": part_ids[name], "name": name, "supercategory": "person"}
                )
            ann = _ann(next_ann, image_id, part_ids[name], gt == label)
            ann["parent_id"] = person
            coco["annotations"].append(ann)
            next_ann += 1
    return coco


def _ann(ann_id: int, image_id: int, category_id: int, mask: np.ndarray) -> dict:
    rle = encode_mask(mask)
    return {
        "id": ann_id,
        "image_id": image_id,
        "category_id": category_id,
        "segmentation": {"size": rle["size"], "counts": rle["counts"].decode()},
        "iscrowd": 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the CCP folder")
    parser.add_argument("--out", default="resources/samples/demo")
    parser.add_argument("--first", type=int, default=None, help="the first N photos instead")
    ns = parser.parse_args()
    data, out = Path(ns.data), Path(ns.out)
    if not (data / "label_list.mat").is_file():
        print(f"{data}: not the CCP folder (no label_list.mat)", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    project = out / "demo.supercuts"
    project.unlink(missing_ok=True)
    photos = PHOTOS
    if ns.first is not None:
        photos = tuple(p.stem for p in sorted((data / "pixel-level").glob("*.mat"))[: ns.first])
    summary = import_coco(ccp_coco(data, out, photos), out, project)
    # Ship a single self-contained file (no WAL side files) so it opens from read-only installs.
    with Project.open(project) as shipped:
        shipped.store.make_single_file()
    shutil.copyfile(data / "LICENSE", out / "LICENSE-CCP")
    print(f"{project}: {summary.images} images, {summary.objects} objects, {summary.parts} parts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
