"""Draw the SuperCuts icon (``resources/icons/supercuts.png``): superpixel cells, one region of
them picked out as an object with a part, on a dark rounded tile. Deterministic.

Run: ``python packaging/make_icon.py``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

SIZE = 256
OUT = Path(__file__).resolve().parents[1] / "resources" / "icons" / "supercuts.png"


def draw_icon(size: int = SIZE) -> np.ndarray:
    """(size, size, 4) BGRA icon."""
    s = 4 * size  # drawn large, then reduced: smooth edges without an antialiasing library
    rng = np.random.default_rng(7)
    # Jittered grid of seeds -> cells (nearest seed), like superpixels.
    n = 7
    step = s / n
    seeds = np.array(
        [
            ((i + 0.5 + rng.uniform(-0.3, 0.3)) * step, (j + 0.5 + rng.uniform(-0.3, 0.3)) * step)
            for i in range(n)
            for j in range(n)
        ]  # fmt: skip
    )
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float32)
    d = (yy[..., None] - seeds[:, 0]) ** 2 + (xx[..., None] - seeds[:, 1]) ** 2
    cells = d.argmin(axis=-1)
    # The "object": cells whose seed lies in a disc; its "part": the cells in its upper third.
    centre = np.array([s * 0.52, s * 0.5])
    dist = np.hypot(*(seeds - centre).T)
    obj = dist < s * 0.3
    part = obj & (seeds[:, 0] < centre[0] - s * 0.08)
    tones = rng.uniform(0.18, 0.32, len(seeds))
    bgr = np.zeros((s, s, 3), np.float32)
    bgr[:] = (tones[cells] * 255)[..., None] * np.array([1.0, 0.95, 0.9])
    orange = np.array([40, 140, 250], np.float32)  # BGR
    teal = np.array([200, 200, 40], np.float32)
    bgr[obj[cells]] = orange
    bgr[part[cells]] = teal
    # Cell borders, brighter around the object.
    edges = (np.diff(cells, axis=0, prepend=cells[:1]) != 0) | (
        np.diff(cells, axis=1, prepend=cells[:, :1]) != 0
    )
    edges = cv2.dilate(edges.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    bgr[edges] = bgr[edges] * 0.55 + 255 * 0.45
    outline = cv2.morphologyEx(obj[cells].astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((17, 17)))
    bgr[outline > 0] = 255
    # Rounded tile.
    alpha = np.zeros((s, s), np.uint8)
    r = int(s * 0.18)
    cv2.rectangle(alpha, (r, 0), (s - r, s), 255, -1)
    cv2.rectangle(alpha, (0, r), (s, s - r), 255, -1)
    for cy in (r, s - r):
        for cx in (r, s - r):
            cv2.circle(alpha, (cx, cy), r, 255, -1)
    image = np.dstack([np.clip(bgr, 0, 255).astype(np.uint8), alpha])
    return cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(OUT), draw_icon())
    print(OUT)


if __name__ == "__main__":
    main()
