"""Non-maximum suppression of boundary probability maps: thin ridges for evaluation and contours.

A boundary network answers with ridges a few pixels wide; the BSDS edge protocol (and any
contour built on the map) wants them one pixel wide. Each pixel is compared with the map one
pixel away on either side across the ridge, the ridge's normal taken from the Hessian of a
smoothed copy of the map (its most negative curvature points across a ridge), and kept only
where it is the largest. This is the suppression HED, RCF and PiDiNet apply before the BSDS
benchmark (radius 1, a 1 % margin, the 5 pixels next to the image border faded out).
"""

from __future__ import annotations

import cv2
import numpy as np

DEFAULT_NMS_RADIUS = 1
"""Pixels compared on each side of the ridge."""

DEFAULT_NMS_MARGIN = 1.01
"""A pixel survives unless a neighbour exceeds it by more than this factor: plateaus of equal
values (and rounding noise) keep their pixels instead of vanishing."""

DEFAULT_NMS_BORDER = 5
"""Pixels next to the image border whose values fade linearly to 0 at the border, where
padding makes networks answer with spurious edges."""

DEFAULT_ORIENTATION_SMOOTHING = 4
"""Radius of the triangle filter applied before the orientation is measured: the Hessian of a
raw ridge is noise at its one-pixel scale."""


def triangle_blur(image: np.ndarray, radius: int) -> np.ndarray:
    """Separable triangle filter of ``radius`` (weights 1, 2, ..., r+1, ..., 2, 1), mirrored border.

    Parameters
    ----------
    image : np.ndarray
        (H, W) float map.
    radius : int
        Half-width in pixels; 0 returns a float32 copy.

    Returns
    -------
    np.ndarray
        (H, W) float32 smoothed map.
    """
    image = np.asarray(image, dtype=np.float32)
    if radius <= 0:
        return image.copy()
    ramp = np.arange(1, radius + 2, dtype=np.float32)
    kernel = np.concatenate([ramp, ramp[-2::-1]])
    kernel /= kernel.sum()
    return cv2.sepFilter2D(image, -1, kernel, kernel, borderType=cv2.BORDER_REFLECT)


def ridge_normals(edges: np.ndarray, *, smoothing: int = DEFAULT_ORIENTATION_SMOOTHING):
    """Unit vectors across the ridges (and their flanks) of a boundary map.

    Parameters
    ----------
    edges : np.ndarray
        (H, W) boundary strength.
    smoothing : int
        Triangle-filter radius applied before the second derivatives are taken.

    Returns
    -------
    tuple of np.ndarray
        ``(dy, dx)``, each (H, W) float32: the eigenvector of the Hessian whose eigenvalue is
        largest in magnitude, the direction in which the map bends most. On a ridge that is the
        strongly negative curvature across it; on its flanks, where the map is convex across
        the ridge and flat along it, the positive one, again across.
    """
    smooth = triangle_blur(edges, smoothing)
    gy, gx = np.gradient(smooth)
    hyy, hyx = np.gradient(gy)
    hxx = np.gradient(gx, axis=1)
    # Angle (x to the right, y down) of the eigenvector of [[hxx, hxy], [hxy, hyy]] with the
    # larger eigenvalue; that one is also the larger in magnitude exactly when the trace (their
    # sum) is positive, else the perpendicular one is.
    larger = 0.5 * np.arctan2(2.0 * hyx, hxx - hyy)
    across = np.where(hxx + hyy > 0, larger, larger + np.pi / 2)
    return np.sin(across).astype(np.float32), np.cos(across).astype(np.float32)


def edge_nms(
    edges: np.ndarray,
    *,
    radius: int = DEFAULT_NMS_RADIUS,
    margin: float = DEFAULT_NMS_MARGIN,
    border: int = DEFAULT_NMS_BORDER,
    smoothing: int = DEFAULT_ORIENTATION_SMOOTHING,
) -> np.ndarray:
    """Thin a boundary probability map to one-pixel ridges (non-maximum suppression).

    Parameters
    ----------
    edges : np.ndarray
        (H, W) boundary probabilities (any non-negative strength works).
    radius : int
        Neighbours compared at distances 1..radius on each side across the ridge.
    margin : float
        A pixel is suppressed when ``value * margin`` is below a neighbour.
    border : int
        Width of the band along the image border faded linearly to 0.
    smoothing : int
        Triangle-filter radius for the ridge orientation.

    Returns
    -------
    np.ndarray
        (H, W) float32 map: the input's values on ridge pixels, 0 elsewhere.
    """
    edges = np.asarray(edges, dtype=np.float32)
    if edges.ndim != 2:
        raise ValueError(f"expected an (H, W) map, got shape {edges.shape}")
    h, w = edges.shape
    if edges.size == 0:
        return edges.copy()
    dy, dx = ridge_normals(edges, smoothing=smoothing)
    rows, cols = np.mgrid[:h, :w].astype(np.float32)
    keep = np.ones(edges.shape, dtype=bool)
    scaled = edges * np.float32(margin)
    for distance in range(1, radius + 1):
        for sign in (-1.0, 1.0):
            step = np.float32(sign * distance)
            neighbour = cv2.remap(
                edges,
                cols + step * dx,
                rows + step * dy,
                interpolation=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            )
            keep &= scaled >= neighbour
    thinned = np.where(keep, edges, np.float32(0))
    return _fade_border(thinned, border)


def _fade_border(edges: np.ndarray, border: int) -> np.ndarray:
    h, w = edges.shape
    if border <= 0:
        return edges
    ramp = np.minimum(np.arange(border, dtype=np.float32) / border, 1.0)
    fade_rows = np.ones(h, dtype=np.float32)
    fade_cols = np.ones(w, dtype=np.float32)
    n_r, n_c = min(border, h), min(border, w)
    fade_rows[:n_r] = np.minimum(fade_rows[:n_r], ramp[:n_r])
    fade_rows[h - n_r :] = np.minimum(fade_rows[h - n_r :], ramp[:n_r][::-1])
    fade_cols[:n_c] = np.minimum(fade_cols[:n_c], ramp[:n_c])
    fade_cols[w - n_c :] = np.minimum(fade_cols[w - n_c :], ramp[:n_c][::-1])
    return edges * fade_rows[:, None] * fade_cols[None, :]
