"""Proposals as COCO-style result records (RLE masks, parts listed inside their object)."""

from __future__ import annotations

from supercuts_app.annotation.cropped_mask import CroppedMask
from supercuts_app.annotation.masks import encode_cropped, rle_bbox_area
from supercuts_app.segmentation.proposals import Proposal


def proposal_records(objects: list[Proposal], image_id: int, first_id: int = 1) -> list[dict]:
    """COCO-style result records: one per object, its parts listed inside (RLE masks)."""

    def record(p: Proposal) -> dict:
        rle = encode_cropped(CroppedMask(p.shape, p.crop, p.box))
        bbox, area = rle_bbox_area(rle)
        counts = rle["counts"]
        rle = {"size": list(rle["size"]), "counts": counts.decode() if isinstance(counts, bytes)
               else counts}  # fmt: skip
        return {"segmentation": rle, "bbox": bbox, "area": area, "score": round(p.score, 4)}

    out = []
    for n, obj in enumerate(objects):
        rec = {"id": first_id + n, "image_id": image_id, **record(obj)}
        rec["parts"] = [record(part) for part in obj.parts]
        out.append(rec)
    return out
