"""Superpixel label maps made of connected regions, and brought from a working resolution to the
image's full size with the same ids.

Large photos are segmented at a working resolution (:mod:`.superpixels`); the labels are brought
back to full size by re-deciding only the pixels near superpixel borders against the
full-resolution colours (:func:`upscale_labels`), so borders follow the photo's edges. The ids
stay those of the working labels (:func:`full_size_labels`), so what is computed per superpixel
on the working image (the region graph, the hierarchy's levels) holds for the full-size map.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from skimage import measure

REFINE_CHUNK = 1 << 20
"""Border pixels re-decided per step of :func:`upscale_labels` (bounds its temporaries)."""
FRAGMENT_PASSES = 4
"""Rounds of moving stray pieces to a neighbour (a piece may first join another piece)."""
POINTER_JUMPS = 6
"""Pointer-jumping steps when stray pieces join stray pieces: chains up to 2**6 long resolve."""


def connected_superpixels(labels: np.ndarray, *, min_size: int) -> np.ndarray:
    """Split labels into 4-connected regions, merge those under ``min_size``, number 0..K-1.

    Each small fragment joins the neighbour it shares the longest border with; fragments that only
    touch other fragments are merged with them and re-checked on the next pass.
    """
    regions = _components(labels)
    for _ in range(FRAGMENT_PASSES):
        sizes = np.bincount(regions.ravel())
        small = sizes < min_size
        if not small.any() or len(sizes) == 1:
            break
        a, b, count = _border_pairs(regions, small)
        if a.size == 0:
            break
        # Longest border first, so the first row of each fragment is its best neighbour.
        order = np.lexsort((-count, a))
        a, b = a[order], b[order]
        first = _firsts(a)
        n = len(sizes)
        graph = sparse.coo_matrix((np.ones(first.sum()), (a[first], b[first])), shape=(n, n))
        _, merged = connected_components(graph, directed=False)
        regions = merged[regions]
        regions = _components(regions)
    return regions.astype(np.int32)


def upscale_labels(
    labels: np.ndarray,
    image: np.ndarray,
    work_image: np.ndarray,
    *,
    chunk: int = REFINE_CHUNK,
    workers: int = 1,
) -> np.ndarray:
    """Bring working-resolution labels to the full size of ``image`` along its edges.

    Every full-size pixel lies in one working pixel. Where that working pixel's 4 neighbours
    all share its label, the pixel keeps it; elsewhere (a band along each border) it chooses,
    among those up to 5 labels, the one whose mean CIELAB colour and centre (SLIC's distance)
    are closest to the pixel.

    Parameters
    ----------
    labels : numpy.ndarray
        (h, w) labels of ``work_image``.
    image : numpy.ndarray
        (H, W, 3) uint8 full-resolution image.
    work_image : numpy.ndarray
        (h, w, 3) uint8 image the labels were computed on.
    chunk : int
        Border pixels re-decided at a time (about: whole rows are taken).
    workers : int
        Threads re-deciding blocks of rows at once.

    Returns
    -------
    numpy.ndarray
        (H, W) int32 labels; a label may lose pixels to its neighbours, or all of them, or
        fall apart (see :func:`full_size_labels`).
    """
    height, width = image.shape[:2]
    small_h, small_w = labels.shape
    labels = np.ascontiguousarray(labels, dtype=np.int32)
    up = cv2.resize(labels, (width, height), interpolation=cv2.INTER_NEAREST)
    # The candidates of each working pixel: its own label and its 4 neighbours' (edges clamped).
    padded = np.pad(labels, 1, mode="edge")
    candidates = np.stack(
        [labels, padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]],
        axis=-1,
    ).reshape(-1, 5)
    del padded
    undecided = (candidates[:, 1:] != candidates[:, :1]).any(axis=1).reshape(small_h, small_w)
    band = cv2.resize(undecided.view(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST)
    ys, xs = np.nonzero(band)
    del band
    if ys.size == 0:
        return up
    # The working pixel of every full-size row and column, as the nearest-neighbour resize maps it.
    row_of = _nearest_index(small_h, height)
    col_of = _nearest_index(small_w, width)

    # Per label: mean CIELAB and centre, the centre scaled so that a squared distance over the
    # five values is SLIC's (a grid step of distance weighs like a colour difference of 10).
    n = int(labels.max()) + 1
    flat = labels.ravel()
    area = np.bincount(flat, minlength=n).astype(np.float64).clip(min=1)
    work_lab = _lab(work_image.reshape(-1, 1, 3))
    wy, wx = np.divmod(np.arange(flat.size), small_w)
    spatial = 10.0 / np.sqrt(height * width / n)
    stats = np.stack(
        [
            *(np.bincount(flat, work_lab[:, c], n) for c in range(3)),
            np.bincount(flat, (wy + 0.5) * (height / small_h * spatial), n),
            np.bincount(flat, (wx + 0.5) * (width / small_w * spatial), n),
        ],
        axis=1,
    )
    stats = np.ascontiguousarray((stats / area[:, None]).astype(np.float32).T)  # (5, K)
    del wy, wx, work_lab

    # Blocks of whole rows, in raster order: each block's colours are read from one slab. The
    # blocks write disjoint pixels, and numpy and OpenCV release the GIL: threads share them.
    block_rows = max(1, chunk // width)
    bounds = np.searchsorted(ys, np.arange(0, height + block_rows, block_rows))

    def refine(first: int, stop: int) -> None:
        y, x = ys[first:stop], xs[first:stop]
        top = int(y[0])
        cands = candidates[row_of[y] * small_w + col_of[x]]
        pixel = _lab(image[top : int(y[-1]) + 1][y - top, x][:, None, :])
        pixel_values = (*pixel.T, y * np.float32(spatial), x * np.float32(spatial))
        cost = np.zeros(cands.shape, np.float32)
        for means, value in zip(stats, pixel_values, strict=True):
            diff = means[cands]
            diff -= value[:, None]
            diff *= diff
            cost += diff
        best = np.argmin(cost, axis=1)
        up[y, x] = cands[np.arange(cands.shape[0]), best]

    blocks = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=False) if b > a]
    if workers > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda block: refine(*block), blocks))
    else:
        for block in blocks:
            refine(*block)
    return up


def _lab(pixels: np.ndarray) -> np.ndarray:
    """(N, 3) float32 CIELAB (L in 0..100) of (N, 1, 3) uint8 RGB, by OpenCV's 8-bit table
    (a few times faster than the float conversion, to within half a unit of L)."""
    lab = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2LAB).reshape(-1, 3)
    out = lab.astype(np.float32)
    out[:, 0] *= np.float32(100.0 / 255.0)
    out[:, 1:] -= np.float32(128.0)
    return out


def _nearest_index(small: int, large: int) -> np.ndarray:
    """(large,) the source index of each position of a nearest-neighbour resize (OpenCV's)."""
    source = np.arange(small, dtype=np.int32)[:, None]
    return cv2.resize(source, (1, large), interpolation=cv2.INTER_NEAREST)[:, 0]


def full_size_labels(full: np.ndarray, working: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Make upscaled labels one connected region per id, with the working labels' ids.

    Every piece of a label but its largest joins the neighbour it shares the longest border
    with (a neighbour that is a label's main piece first), so no id is added. A working label
    left without full-size pixels joins its longest-bordering working neighbour, and both maps
    are renumbered alike.

    Parameters
    ----------
    full : numpy.ndarray
        (H, W) int32 labels from :func:`upscale_labels` of ``working``.
    working : numpy.ndarray
        (h, w) labels 0..K-1, each one connected region.

    Returns
    -------
    tuple of numpy.ndarray
        (H, W) and (h, w) int32 label maps with the same ids 0..K'-1 (K' <= K): every id is
        present in both, and one connected region of the full-size map (a stray piece whose
        neighbours are all stray pieces may, very rarely, remain).
    """
    for _ in range(FRAGMENT_PASSES):
        pieces = _components(full)
        owner = np.zeros(int(pieces.max()) + 1, np.int32)
        owner[pieces.ravel()] = full.ravel()
        sizes = np.bincount(pieces.ravel())
        # Per label its largest piece: largest first within each label, the first row kept.
        order = np.lexsort((-sizes, owner))
        main = np.zeros(len(sizes), bool)
        main[order[_firsts(owner[order])]] = True
        if main.all():
            break
        a, b, count = _border_pairs(pieces, ~main)
        if a.size == 0:
            break
        # Main pieces first, then the longest border: each stray piece's first row decides.
        order = np.lexsort((-count, ~main[b], a))
        a, b = a[order], b[order]
        first = _firsts(a)
        # A stray piece joining another stray piece joins where that one goes (pointer jumping).
        target = np.arange(len(sizes))
        target[a[first]] = b[first]
        for _ in range(POINTER_JUMPS):
            target = target[target]
        full = owner[target][pieces]
        del pieces
        if main[target].all():
            break  # every stray piece reached a main piece through pieces it touches: done
    n = int(working.max()) + 1
    present = np.bincount(full.ravel(), minlength=n) > 0
    working = np.asarray(working, dtype=np.int32)
    if present.all():
        return full.astype(np.int32, copy=False), working
    # A label every pixel of which went to its neighbours at full size: its working pixels do too.
    a, b, count = _border_pairs(working, ~present)
    order = np.lexsort((-count, ~present[b], a))
    a, b = a[order], b[order]
    first = _firsts(a)
    joined = np.arange(n)
    joined[a[first]] = b[first]
    joined = joined[joined]  # a chain of two vanished labels: one hop more
    renumber = np.cumsum(present) - 1
    lookup = renumber[joined].astype(np.int32)
    return lookup[full], lookup[working]


def _firsts(sorted_keys: np.ndarray) -> np.ndarray:
    """(N,) bool: the first row of each run of equal keys."""
    first = np.ones(sorted_keys.size, dtype=bool)
    first[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return first


def _components(labels: np.ndarray) -> np.ndarray:
    """4-connected regions of equal label, numbered from 0 in raster order."""
    # background=-1 never occurs in labels >= 0, so every pixel belongs to a region.
    regions = measure.label(labels, background=-1, connectivity=1)
    regions -= 1
    return regions


def _border_pairs(
    regions: np.ndarray, small: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (a, b) of 4-adjacent regions with ``small[a]``, and their shared border length.

    Only the pixels of small regions are visited, so this stays cheap on 12 MP label maps.
    """
    height, width = regions.shape
    ys, xs = np.nonzero(small[regions])
    a_parts, b_parts = [], []
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        ny, nx = ys + dy, xs + dx
        ok = (ny >= 0) & (ny < height) & (nx >= 0) & (nx < width)
        a = regions[ys[ok], xs[ok]]
        b = regions[ny[ok], nx[ok]]
        diff = a != b
        a_parts.append(a[diff])
        b_parts.append(b[diff])
    a, b = np.concatenate(a_parts).astype(np.int64), np.concatenate(b_parts).astype(np.int64)
    n = int(regions.max()) + 1
    pairs, count = np.unique(a * n + b, return_counts=True)
    return pairs // n, pairs % n, count
