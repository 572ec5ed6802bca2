"""Atoms: superpixels split along the learned boundary map's watershed lines.

Superpixels of a ~600-piece image straddle real boundaries here and there: measured on BSDS500
val, the best union of superpixels stays under IoU 0.90 for 29 % of human regions. Splitting
each superpixel by the watershed basins of the boundary map (shallow minima merged away) gives
a few thousand atoms that follow every boundary the network sees (7.6 % of regions under 0.90),
while each atom still belongs to one superpixel, and so to one leaf of the merge tree.
"""

from __future__ import annotations

import cv2
import numpy as np
from skimage.measure import label
from skimage.morphology import h_minima
from skimage.segmentation import watershed

from supercuts_app.base.defaults import BOUNDARY_MAX_PIXELS

from .superpixels import working_image

DEFAULT_BASIN_DEPTH = 0.02
"""Boundary-map minima shallower than this merge with a neighbour before the watershed."""


def boundary_basins(
    boundary: np.ndarray,
    *,
    depth: float = DEFAULT_BASIN_DEPTH,
    max_pixels: int = BOUNDARY_MAX_PIXELS,
) -> np.ndarray:
    """(H, W) int32 watershed basins of a boundary map, computed at most at ``max_pixels``.

    Parameters
    ----------
    boundary : numpy.ndarray
        (H, W) boundary probabilities.
    depth : float
        Minima shallower than this are not basins of their own.
    max_pixels : int
        Larger maps are shrunk for the watershed and the basins scaled back (nearest).
    """
    h, w = boundary.shape
    # Shrunk first, then made float64 (h_minima's depth test wants it): no full-size copy.
    work = working_image(np.asarray(boundary, dtype=np.float32), max_pixels).astype(np.float64)
    markers = label(h_minima(work, depth), connectivity=2) if depth > 0 else None
    basins = watershed(work, markers=markers).astype(np.int32)
    if work.shape != boundary.shape:
        basins = cv2.resize(basins, (w, h), interpolation=cv2.INTER_NEAREST)
    return basins


def split_superpixels(superpixels: np.ndarray, basins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Atoms: the 4-connected pieces of every superpixel cut by the basins.

    Returns
    -------
    tuple of numpy.ndarray
        (H, W) int32 atom ids 0..A-1 and (A,) int64 superpixel of each atom.
    """
    n_basins = int(basins.max()) + 1
    # int32 whenever the pairs fit it (a 24 MP map: 96 MB instead of 192 MB).
    wide = int(superpixels.max()) * n_basins + n_basins > np.iinfo(np.int32).max
    combined = superpixels.astype(np.int64 if wide else np.int32)
    combined *= n_basins
    combined += basins
    atoms = label(combined, connectivity=1, background=-1)
    del combined
    atoms -= 1
    atoms = atoms.astype(np.int32, copy=False)
    n_atoms = int(atoms.max()) + 1
    owner = np.zeros(n_atoms, np.int64)
    owner[atoms.ravel()] = superpixels.ravel()
    return atoms, owner
