"""Issue 19: do part classes learnt from a project's labels cut the clicks a part needs?

Usage::

    python scripts/experiment_part_classes.py --data ../shared/data/CCP --train-images 30 \
        --test-images 30 --weights 0 0.5 1 2

As ``supercuts eval adapt`` splits the photos: a per-superpixel classifier of CCP's part classes
(multinomial logistic regression on the superpixel's mean deep feature, mean CIELAB colour, a*b*
histogram and place inside the person's box) is fitted on the first k photos' labelled
superpixels, as if a user had annotated them. On the held-apart photos, the seed robot annotates
each part (inside the true person, the level chosen per seed as ``eval clicks`` does), with the
classifier's log-odds for the part's class as ``evidence`` of every cut (weight w per pixel and
unit of log-odds; 0: the shipped cut). In the window a part's class is chosen before its first
click, so the class is known there too. Prints NoC@90 mean / median and the failing share.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from supercuts_app.datasets.ccp import iter_ccp
from supercuts_app.eval.adapt import ccp_truth, split_photos
from supercuts_app.eval.clicks import summarize_runs
from supercuts_app.eval.seed_robot import seed_robot_annotate
from supercuts_app.segmentation.seeded_cut import SeedCutOptions, SeedCutter, seed_cutter_for
from supercuts_app.segmentation.segment import SegmentationSettings, segment_image


def superpixel_table(item, settings) -> dict:
    """A photo's superpixels: features, majority CCP label, and what the cutter needs."""
    truth = ccp_truth(item)
    image = truth.image
    segmentation = segment_image(image, settings=settings, keep_graph=True)
    labels = segmentation.result.labels
    graph = segmentation.graph
    k = graph.n_nodes
    person = item.person
    ys, xs = np.nonzero(person)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    rows, cols = np.indices(labels.shape)
    area = np.maximum(np.bincount(labels.ravel(), minlength=k), 1)
    cy = np.bincount(labels.ravel(), rows.ravel(), minlength=k) / area
    cx = np.bincount(labels.ravel(), cols.ravel(), minlength=k) / area
    place = np.stack([(cy - y0) / (y1 - y0), (cx - x0) / (x1 - x0)], axis=1)
    features = np.hstack([graph.deep, graph.colour / 50.0, graph.histograms[1], place])
    codes = item.labels.astype(np.int64)
    table = np.bincount(labels.ravel() * 256 + codes.ravel(), minlength=k * 256).reshape(k, 256)
    return {
        "image": image,
        "segmentation": segmentation,
        "features": features.astype(np.float32),
        "majority": table.argmax(axis=1),
        "names": item.names,
    }


def fit_classifier(tables, *, steps: int = 400, decay: float = 1e-3):
    """Multinomial logistic regression over the person's superpixels (classes: CCP codes)."""
    x = np.concatenate([t["features"][t["majority"] > 0] for t in tables])
    y = np.concatenate([t["majority"][t["majority"] > 0] for t in tables])
    classes = np.unique(y)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    xt = torch.tensor((x - mean) / std)
    yt = torch.tensor(np.searchsorted(classes, y))
    torch.manual_seed(0)
    layer = torch.nn.Linear(x.shape[1], len(classes))
    opt = torch.optim.Adam(layer.parameters(), lr=0.01, weight_decay=decay)
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(layer(xt), yt)
        loss.backward()
        opt.step()

    def log_odds(features: np.ndarray, code: int) -> np.ndarray | None:
        if code not in classes:
            return None
        with torch.no_grad():
            logp = torch.log_softmax(layer(torch.tensor((features - mean) / std)), dim=1).numpy()
        c = int(np.searchsorted(classes, code))
        p = np.exp(logp[:, c]).clip(1e-6, 1 - 1e-6)
        return np.log(p) - np.log1p(-p)

    return log_odds, float(loss.item())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--train-images", type=int, default=30)
    parser.add_argument("--test-images", type=int, default=30)
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.5, 1.0, 2.0])
    parser.add_argument("--limit-test", type=int, default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    items = list(iter_ccp(args.data))
    train, test = split_photos(items, [args.train_images], args.test_images)
    train = train[: args.train_images]
    settings = SegmentationSettings.resolve()
    log_odds, loss = fit_classifier([superpixel_table(item, settings) for item in train])
    print(f"classifier fitted on {len(train)} photos, train loss {loss:.3f}", flush=True)
    runs = {w: [] for w in args.weights}
    for item in test[: args.limit_test]:
        table = superpixel_table(item, settings)
        segmentation = table["segmentation"]
        base = seed_cutter_for(segmentation.tree, table["image"], boundary=segmentation.boundary)
        cutters = {
            w: SeedCutter(
                segmentation.tree,
                table["image"],
                boundary=base.boundary,
                options=SeedCutOptions(evidence_weight=w),
            )
            for w in args.weights
        }
        for _, mask in item.parts():
            odds = log_odds(table["features"], int(item.labels[mask][0]))
            for w, cutter in cutters.items():
                evidence = odds if w > 0 else None
                run = seed_robot_annotate(
                    cutter, mask, within=item.person, level=None, evidence=evidence
                )
                runs[w].append(run)
        print(item.name, flush=True)
    result = {}
    print("| evidence weight | parts | NoC@90 mean / median | failing 0.90 | NoC@85 mean |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for w, found in runs.items():
        s = summarize_runs(found, 20)
        result[str(w)] = s
        print(
            f"| {w:g} | {len(found)} | {s['noc90_mean']:.2f} / {s['noc90_median']:g} | "
            f"{100 * s['failed90']:.1f} % | {s['noc85_mean']:.2f} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
