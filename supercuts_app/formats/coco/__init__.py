"""COCO files in and out: export (:mod:`.export`), reading and checking (:mod:`.reading`), and
import into a project in one transaction (:mod:`.importing`)."""

from .export import coco_categories, export_coco, mask_to_polygons
from .importing import ImportSummary, import_coco
from .reading import CocoError, load_coco_file

__all__ = [
    "CocoError",
    "ImportSummary",
    "coco_categories",
    "export_coco",
    "import_coco",
    "load_coco_file",
    "mask_to_polygons",
]
