"""Image basics the whole course shares: one grey conversion and one value range.

Every lesson turns a colour image into grey the same way, so the same photo
gives the same grey image (and the same numbers) in lessons 1, 4, 5 and 6.
"""

from __future__ import annotations

import numpy as np
from skimage import color

GREY_WEIGHTS = (0.2125, 0.7154, 0.0721)
"""scikit-image's ``rgb2gray`` weights of red, green and blue (ITU-R BT.709 luminance)."""


def to_grey(rgb: np.ndarray) -> np.ndarray:
    """Grey value of a colour image with scikit-image's ``rgb2gray``, in the image's own units.

    ``0.2125 R + 0.7154 G + 0.0721 B``: an 8-bit photo gives grey values from 0 to 255.
    An alpha channel, if any, is ignored.

    Parameters
    ----------
    rgb : numpy.ndarray
        ``(..., 3)`` or ``(..., 4)`` colour values of any numeric type.

    Returns
    -------
    numpy.ndarray of float64
        ``rgb.shape[:-1]``.

    Examples
    --------
    >>> to_grey(np.array([[[255, 0, 0], [100, 100, 100]]], np.uint8)).round(4).tolist()
    [[54.1875, 100.0]]
    """
    values = np.asarray(rgb, dtype=np.float64)[..., :3]
    return color.rgb2gray(values)


def value_range(image: np.ndarray) -> tuple[float, float]:
    """Smallest and largest finite value (``(0.0, 0.0)`` when there is none).

    Examples
    --------
    >>> value_range(np.array([3.0, np.nan, -1.0, np.inf]))
    (-1.0, 3.0)
    """
    values = np.asarray(image)
    if values.dtype.kind == "f":
        values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, 0.0
    return float(values.min()), float(values.max())
