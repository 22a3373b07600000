"""Colour maps that stay readable with the common colour-vision deficiencies.

Heat (Grad-CAM, magnitudes) uses viridis: it runs from dark purple through blue and
green to yellow, rising in lightness all the way, so it reads the same in grey, for
deuteranopes, protanopes and tritanopes — unlike "jet", whose red and green ends have
nearly the same lightness. Label colours use the Okabe-Ito palette (Okabe and Ito 2008).
"""

from __future__ import annotations

import numpy as np

__all__ = ["VIRIDIS_ANCHORS", "OKABE_ITO", "viridis"]

VIRIDIS_ANCHORS = np.array([
    [68, 1, 84], [72, 40, 120], [62, 73, 137], [49, 104, 142], [38, 130, 142],
    [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37]], dtype=np.float64) / 255
"""Matplotlib's viridis at 10 evenly spaced points from 0 to 1 (as plotly's ``Viridis`` scale)."""

OKABE_ITO = {
    "black": (0, 0, 0), "orange": (230, 159, 0), "sky blue": (86, 180, 233), "bluish green": (0, 158, 115),
    "yellow": (240, 228, 66), "blue": (0, 114, 178), "vermillion": (213, 94, 0), "reddish purple": (204, 121, 167)}
"""The Okabe-Ito colours, distinguishable with every common colour-vision deficiency."""


def viridis(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] as viridis RGB in [0, 1] (linear between the 10 anchors).

    Parameters
    ----------
    values : numpy.ndarray
        Any shape; clipped to [0, 1], NaN as 0.

    Returns
    -------
    numpy.ndarray
        ``values.shape + (3,)``, float64 in [0, 1].

    Examples
    --------
    >>> (viridis(np.array([0.0, 1.0])) * 255).round().astype(int).tolist()
    [[68, 1, 84], [253, 231, 37]]
    """
    v = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64)), 0, 1)
    grid = np.linspace(0, 1, len(VIRIDIS_ANCHORS))
    return np.stack([np.interp(v, grid, VIRIDIS_ANCHORS[:, c]) for c in range(3)], axis=-1)
