"""How many superpixels an image gets: a fixed count, or a density that follows the photo.

A fixed count (``n_segments``) spreads the same number of superpixels over any photo, so on a
24 MP photo 600 superpixels are 40,000 pixels each and small parts cannot be clicked out. A
:class:`SuperpixelDensity` asks for so many superpixels per megapixel instead, within a floor
(small images keep the fixed count's behaviour) and a cap (time and memory stay bounded).

Which wins: an explicit ``n_segments`` is a fixed count and always wins; else the density,
when one is set; else :data:`~supercuts_app.base.defaults.DEFAULT_SUPERPIXELS`. Only the count
an image resolves to enters the cache key, so a fixed count and a density that give the same
count share cached results.
"""

from __future__ import annotations

from dataclasses import dataclass

from supercuts_app.base.defaults import (
    DEFAULT_SUPERPIXELS,
    SUPERPIXEL_DENSITY_CAP,
    SUPERPIXEL_DENSITY_FLOOR,
)


@dataclass(frozen=True)
class SuperpixelDensity:
    """Superpixels per megapixel, kept within ``[floor, cap]``.

    Attributes
    ----------
    per_megapixel : float
        Superpixels asked for per million pixels (positive).
    floor, cap : int
        Fewest and most superpixels per image (``1 <= floor <= cap``).
    """

    per_megapixel: float
    floor: int = SUPERPIXEL_DENSITY_FLOOR
    cap: int = SUPERPIXEL_DENSITY_CAP

    def __post_init__(self) -> None:
        if not self.per_megapixel > 0:
            raise ValueError(f"superpixel density must be positive, not {self.per_megapixel}")
        if not 1 <= self.floor <= self.cap:
            raise ValueError(
                f"superpixel density floor {self.floor} and cap {self.cap} need 1 <= floor <= cap"
            )

    def count(self, height: int, width: int) -> int:
        """Superpixels for an image of ``height`` x ``width`` pixels.

        Parameters
        ----------
        height, width : int
            The image's size in pixels.

        Returns
        -------
        int
            ``round(per_megapixel * height * width / 1e6)`` clipped to ``[floor, cap]``.
        """
        wanted = round(self.per_megapixel * height * width / 1e6)
        return int(min(self.cap, max(self.floor, wanted)))


def superpixel_count(
    height: int,
    width: int,
    *,
    n_segments: int | None = None,
    density: SuperpixelDensity | None = None,
) -> int:
    """The superpixels an image gets (the rule in the module docstring).

    Parameters
    ----------
    height, width : int
        The image's size in pixels.
    n_segments : int, optional
        A fixed count: wins over ``density``.
    density : SuperpixelDensity, optional
        Used when no fixed count is given.

    Returns
    -------
    int
        The count to ask the superpixel method for.
    """
    if n_segments is not None:
        return int(n_segments)
    if density is not None:
        return density.count(height, width)
    return DEFAULT_SUPERPIXELS
