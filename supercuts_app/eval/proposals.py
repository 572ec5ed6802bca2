"""``supercuts eval proposals``: object proposals on BSDS500, part proposals on CCP.

Objects: for every human region covering at least 5 % of a BSDS500 image (all humans), the best
IoU among the top 1 and the top 5 proposals, against a same-run baseline: the segments of the
image's own coarse hierarchy level (at most 10 regions), largest first, those not touching the
image's edge before those that do.

Parts: for every labelled part covering at least 1 % of the CCP person, the best IoU among the
part proposals made inside the true person mask, with k = the number of such parts (and with k
chosen by the eigengap), against k-means on the person's CIELAB colours with the same k.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.cluster.vq import kmeans2

from supercuts_app.base.images import load_image
from supercuts_app.segmentation.cache import SegmentationCache
from supercuts_app.segmentation.features import cached_backbone
from supercuts_app.segmentation.hierarchy import MergeHierarchy
from supercuts_app.segmentation.proposal_features import superpixel_features
from supercuts_app.segmentation.proposals import (
    hierarchy_regions,
    propose_objects,
    propose_parts,
)
from supercuts_app.segmentation.segment import segment_image
from supercuts_app.segmentation.ssn import lab_image


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero(a | b)
    return float(np.count_nonzero(a & b) / union) if union else 0.0


def best_iou(target: np.ndarray, masks: list[np.ndarray]) -> float:
    return max((mask_iou(target, m) for m in masks), default=0.0)


def coarse_segments(tree: MergeHierarchy, max_regions: int = 10) -> list[np.ndarray]:
    """Baseline object guesses: the finest level with at most ``max_regions`` regions, its
    segments by area, those off the image's edge first."""
    level = next(
        (lv for lv in range(tree.n_levels) if tree.region_counts[lv] <= max_regions),
        tree.n_levels - 1,
    )
    labels = tree.labels_at(level)
    edge = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])))
    ids, area = np.unique(labels, return_counts=True)
    order = sorted(zip(ids, area, strict=True), key=lambda t: (t[0] in edge, -t[1]))
    return [labels == i for i, _ in order]


def colour_kmeans_parts(image: np.ndarray, mask: np.ndarray, k: int, seed: int = 0):
    """Baseline parts: k-means on the CIELAB colour of the mask's pixels."""
    lab = lab_image(image)[mask].astype(np.float64)
    if len(lab) < k:
        return []
    rng = np.random.default_rng(seed)
    sample = lab[rng.choice(len(lab), min(len(lab), 20000), replace=False)]
    centres, _ = kmeans2(sample, k, minit="++", seed=rng, missing="warn")
    assign = np.argmin(((lab[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
    out = []
    for c in range(k):
        m = np.zeros(mask.shape, bool)
        m[mask] = assign == c
        out.append(m)
    return out


def evaluate_object_proposals(
    root,
    *,
    split: str = "val",
    limit: int | None = None,
    n_objects: int = 5,
    min_share: float = 0.05,
    cache: SegmentationCache | None = None,
    on_image: Callable[[int], None] | None = None,
) -> dict:
    """Best-overlap IoU of top-1 / top-5 proposals and of the baseline, per human region."""
    from supercuts_app.datasets.bsds import iter_split

    backbone = cached_backbone()
    rows = []
    for n, item in enumerate(iter_split(root, split, limit=limit), start=1):
        image = load_image(item.image_path)
        tree = segment_image(image, backbone=backbone, cache=cache).tree
        feats = superpixel_features(image, tree.superpixels, backbone)
        regions = hierarchy_regions(tree)
        props = [p.full_mask() for p in propose_objects(feats, n_objects, regions=regions)]
        base = coarse_segments(tree)[:n_objects]
        for h, human in enumerate(item.humans()):
            seg = human.segmentation
            ids, counts = np.unique(seg, return_counts=True)
            for i in ids[counts >= min_share * seg.size]:
                target = seg == i
                rows.append({
                    "image": item.name, "human": h, "segment": int(i),
                    "share": float(target.mean()),
                    "spectral_top1": best_iou(target, props[:1]),
                    "spectral_top5": best_iou(target, props[:5]),
                    "baseline_top1": best_iou(target, base[:1]),
                    "baseline_top5": best_iou(target, base[:5]),
                })  # fmt: skip
        if on_image is not None:
            on_image(n)
    keys = ("spectral_top1", "spectral_top5", "baseline_top1", "baseline_top5")
    summary = {k: float(np.mean([r[k] for r in rows])) if rows else 0.0 for k in keys}
    summary["regions"] = len(rows)
    return {"task": "objects", "split": split, "summary": summary, "rows": rows}


def evaluate_part_proposals(
    root,
    *,
    limit: int | None = None,
    min_share: float = 0.01,
    cache: SegmentationCache | None = None,
    on_image: Callable[[int], None] | None = None,
) -> dict:
    """Best-overlap IoU per CCP part: spectral parts (k known / eigengap) and colour k-means."""
    from supercuts_app.datasets.ccp import iter_ccp

    backbone = cached_backbone()
    rows = []
    for n, item in enumerate(iter_ccp(root, limit=limit), start=1):
        image = load_image(item.image_path)
        if image.shape[:2] != item.labels.shape:
            raise ValueError(f"{item.image_path}: labels do not match the photo's size")
        tree = segment_image(image, backbone=backbone, cache=cache).tree
        feats = superpixel_features(image, tree.superpixels, backbone)
        person = item.person
        parts = item.parts(min_share)
        k = max(len(parts), 1)
        known = [p.full_mask() for p in propose_parts(feats, person, k)]
        auto = [p.full_mask() for p in propose_parts(feats, person, None)]
        base = colour_kmeans_parts(image, person, k)
        for name, mask in parts:
            rows.append({
                "image": item.name, "part": name, "share": float(mask.sum() / person.sum()),
                "k": k, "spectral": best_iou(mask, known), "spectral_auto_k": best_iou(mask, auto),
                "auto_k": len(auto), "colour_kmeans": best_iou(mask, base),
            })  # fmt: skip
        if on_image is not None:
            on_image(n)
    keys = ("spectral", "spectral_auto_k", "colour_kmeans")
    summary = {k: float(np.mean([r[k] for r in rows])) if rows else 0.0 for k in keys}
    summary["parts"] = len(rows)
    return {"task": "parts", "summary": summary, "rows": rows}


def format_proposal_table(result: dict) -> str:
    s = result["summary"]
    if result["task"] == "objects":
        return "\n".join([
            f"{s['regions']} human regions over 5 % of the image; best-overlap IoU",
            "| method | top 1 | top 5 |",
            "| --- | ---: | ---: |",
            f"| spectral proposals | {s['spectral_top1']:.3f} | {s['spectral_top5']:.3f} |",
            f"| coarse-level segments (baseline) | {s['baseline_top1']:.3f} | "
            f"{s['baseline_top5']:.3f} |",
        ])  # fmt: skip
    return "\n".join([
        f"{s['parts']} parts over 1 % of the person; best-overlap IoU",
        "| method | mean IoU |",
        "| --- | ---: |",
        f"| spectral parts, k = number of true parts | {s['spectral']:.3f} |",
        f"| spectral parts, k by eigengap | {s['spectral_auto_k']:.3f} |",
        f"| k-means on colour, same k (baseline) | {s['colour_kmeans']:.3f} |",
    ])  # fmt: skip
