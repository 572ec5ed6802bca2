"""Draw the README and results figures from the shipped models, so they show what users get.

Writes ``boundaries.png`` (a sample, its learned boundary map and the map thinned to ridges) and
``levels.png`` (three levels of the same sample's hierarchy) into ``--out``. Usage::

    python scripts/make_figures.py --sample resources/samples/coffee.png --out docs/img
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from supercuts_app.base.images import load_image
from supercuts_app.formats.render import boundary_overlay
from supercuts_app.segmentation.boundaries import boundary_map, default_boundary_net
from supercuts_app.segmentation.edge_thinning import edge_nms
from supercuts_app.segmentation.segment import segment_image

GAP = 8
"""White pixels between panels."""
PANEL_WIDTH = 600
"""Each panel is scaled to this width."""
LEVEL_REGION_COUNTS = (600, 24, 5)
"""The levels shown: those whose region counts are nearest these (finest first)."""


def captioned(panel: np.ndarray, caption: str) -> Image.Image:
    """The panel scaled to :data:`PANEL_WIDTH` with ``caption`` in a dark box at its top left."""
    img = Image.fromarray(panel)
    img = img.resize((PANEL_WIDTH, round(img.height * PANEL_WIDTH / img.width)), Image.LANCZOS)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=22)
    left, top, right, bottom = draw.textbbox((10, 8), caption, font=font)
    draw.rectangle((0, 0, right + 10, bottom + 8), fill=(30, 30, 36))
    draw.text((10, 8), caption, fill=(255, 255, 255), font=font)
    return img


def side_by_side(panels: list[Image.Image]) -> Image.Image:
    """Panels in one row on white, :data:`GAP` pixels apart."""
    width = sum(p.width for p in panels) + GAP * (len(panels) - 1)
    out = Image.new("RGB", (width, max(p.height for p in panels)), (255, 255, 255))
    x = 0
    for p in panels:
        out.paste(p, (x, 0))
        x += p.width + GAP
    return out


def grey(values: np.ndarray) -> np.ndarray:
    """(H, W) values in [0, 1] as an RGB image, boundaries dark on white."""
    level = (255 * (1.0 - np.clip(values, 0.0, 1.0))).astype(np.uint8)
    return np.repeat(level[..., None], 3, axis=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=Path("resources/samples/coffee.png"))
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    ns = parser.parse_args()
    image = load_image(ns.sample)
    net = default_boundary_net()
    if net is None:
        raise SystemExit("supercuts: the boundary network is not installed")
    probability = boundary_map(net, image)
    thinned = edge_nms(probability)
    side_by_side(
        [
            captioned(image, "image"),
            captioned(grey(probability), "learned boundary probability"),
            captioned(grey(thinned / max(float(thinned.max()), 1e-6)), "thinned (NMS)"),
        ]
    ).save(ns.out / "boundaries.png", optimize=True)

    tree = segment_image(image).tree
    counts = np.array([len(np.unique(table)) for table in tree.tables])
    panels = []
    for wanted in LEVEL_REGION_COUNTS:
        level = int(np.argmin(np.abs(counts - wanted)))
        labels = tree.tables[level][tree.superpixels]
        panels.append(
            captioned(boundary_overlay(image, labels), f"level {level}: {counts[level]} regions")
        )
    side_by_side(panels).save(ns.out / "levels.png", optimize=True)
    print(f"wrote {ns.out / 'boundaries.png'} and {ns.out / 'levels.png'}")


if __name__ == "__main__":
    main()
