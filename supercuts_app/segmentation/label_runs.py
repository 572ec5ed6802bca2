"""A label map held as its runs along each row, to paint per-label values over a window fast.

A seed cut maps the atoms it chose to pixels over a window that can be most of a 12 MP photo:
gathering a value per pixel through the label map reads four bytes of labels per pixel at random
into the value table, while a row of a few thousand pixels holds only a few dozen runs of one
label. Repeating each run's value along the run writes the same mask several times faster.
"""

from __future__ import annotations

import numpy as np

from supercuts_app.base.boxes import Slice2D


class LabelRuns:
    """The runs of equal labels along the rows of an (H, W) label map.

    Parameters
    ----------
    labels : numpy.ndarray
        (H, W) integer labels.
    """

    def __init__(self, labels: np.ndarray) -> None:
        h, w = labels.shape
        self.shape = (int(h), int(w))
        starts = np.ones((h, w), bool)
        starts[:, 1:] = labels[:, 1:] != labels[:, :-1]
        flat = np.flatnonzero(starts)
        rows, columns = np.divmod(flat, w)
        self.label = np.ascontiguousarray(labels.reshape(-1)[flat])
        self.start = columns.astype(np.int32)
        ends = np.append(columns[1:], w)
        ends[np.flatnonzero(np.diff(rows))] = w  # a row's last run ends at the row's end
        self.stop = ends.astype(np.int32)
        # Runs of row y are [row_first[y], row_first[y + 1]).
        self.row_first = np.searchsorted(rows, np.arange(h + 1))

    def paint(self, values: np.ndarray, window: Slice2D) -> np.ndarray:
        """``values[labels[window]]``: the (h, w) array of each pixel's label's value.

        Parameters
        ----------
        values : numpy.ndarray
            (n_labels,) values of each label.
        window : tuple of slice
            Rows and columns inside the map.

        Returns
        -------
        numpy.ndarray
            (h, w), ``values``' dtype, C order.
        """
        (y0, y1), (x0, x1) = (window[0].start, window[0].stop), (window[1].start, window[1].stop)
        first, last = self.row_first[y0], self.row_first[y1]
        start = np.maximum(self.start[first:last], x0)
        stop = np.minimum(self.stop[first:last], x1)
        length = np.maximum(stop - start, 0)
        painted = np.repeat(values[self.label[first:last]], length)
        return painted.reshape(y1 - y0, x1 - x0)
