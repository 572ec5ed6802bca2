"""Pictures of results for files and reports (the GUI draws its own layers)."""

from __future__ import annotations

import numpy as np

from supercuts_app.segmentation.superpixels import label_boundaries

BOUNDARY_RGB = (255, 214, 0)


def boundary_mask(labels: np.ndarray) -> np.ndarray:
    """Boolean map of pixels on either side of a label change (2 px thick, symmetric)."""
    edge = label_boundaries(labels)
    both = edge.copy()
    both[:, 1:] |= labels[:, 1:] != labels[:, :-1]
    both[1:, :] |= labels[1:, :] != labels[:-1, :]
    return both


def boundary_overlay(
    image: np.ndarray, labels: np.ndarray, *, color: tuple[int, int, int] = BOUNDARY_RGB
) -> np.ndarray:
    """A copy of the (H, W, 3) uint8 image with superpixel boundaries drawn in ``color``."""
    out = image.copy()
    out[boundary_mask(labels)] = color
    return out


def proposal_overlay(image: np.ndarray, proposals) -> np.ndarray:
    """Objects outlined in distinct colours (best first), their parts tinted in shades."""
    import cv2

    from supercuts_app.annotation.categories import PALETTE

    out = image.copy()
    for n, obj in enumerate(proposals):
        color = np.array(PALETTE[n % len(PALETTE)], float)
        for m, part in enumerate(obj.parts):
            shade = color * (0.4 + 0.6 * (m % 3) / 2) + 255 * (m % 2) * 0.3
            tint = np.clip(shade, 0, 255)
            region = out[part.box]  # a view: tinting it tints the picture
            region[part.crop] = (0.55 * region[part.crop] + 0.45 * tint).astype(np.uint8)
        contours, _ = cv2.findContours(
            obj.crop.astype(np.uint8),
            cv2.RETR_EXTERNAL,
            cv2.CHAIN_APPROX_NONE,
            offset=(obj.box[1].start, obj.box[0].start),
        )
        cv2.drawContours(out, contours, -1, tuple(int(c) for c in color), 2)
    return out
