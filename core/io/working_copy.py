"""A bounded working copy of a huge image, for lessons that do not need every pixel.

A 10000 × 10000 picture is within the course's decoded budget, but a lesson
that builds histograms, grids, noise and clusterings over it would take tens
of seconds and gigabytes. `working_copy` keeps one row and one column in
`step` (a strided view: no pixel is copied or changed, every kept value is
as stored), so that one 2D image holds at most `MAX_WORKING_PIXELS`; the
spacing grows by the same step, so millimetres stay right. The lesson says
so on the page.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from core.volume import Volume

MAX_WORKING_PIXELS = 2048 * 2048
"""Most pixels of one 2D image a lesson works on (4.2 million)."""


def working_step(rows: int, cols: int, max_pixels: int = MAX_WORKING_PIXELS) -> int:
    """The smallest step such that keeping every `step`-th row and column leaves at most `max_pixels`.

    Examples
    --------
    >>> working_step(512, 512), working_step(10000, 10000), working_step(6000, 6000)
    (1, 5, 3)
    """
    step = max(1, math.isqrt(max(rows * cols // max_pixels, 1)))
    while math.ceil(rows / step) * math.ceil(cols / step) > max_pixels:
        step += 1
    return step


def working_copy(volume: Volume, max_pixels: int = MAX_WORKING_PIXELS) -> tuple[Volume, int]:
    """`volume` itself when each 2D image fits `max_pixels`, else a strided view keeping one row and column in `step`.

    Parameters
    ----------
    volume : Volume
        Any course image (2D, colour, 3D, 4D).
    max_pixels : int
        Most pixels of one 2D image.

    Returns
    -------
    (Volume, int)
        The working volume (same name and metadata; data, stored values,
        spacing and affine for the kept rows and columns; no file affine) and
        the step (1: the volume itself).
    """
    rows, cols = volume.spatial_shape[-2:]
    step = working_step(rows, cols, max_pixels)
    if step == 1:
        return volume, 1
    trailing = 1 if volume.rgb else 0
    index = (Ellipsis, slice(None, None, step), slice(None, None, step)) + (slice(None),) * trailing

    def thin(array: np.ndarray | None) -> np.ndarray | None:
        """The kept rows and columns of `array` (a view), or None."""
        return None if array is None else array[index]

    spacing = tuple(volume.spacing[:-2]) + tuple(float(s) * step for s in volume.spacing[-2:])
    affine = None
    if volume.affine is not None:
        affine = np.array(volume.affine, dtype=float)
        n = len(volume.spatial_shape)
        affine[:, n - 2:n] *= step  # the row and column index vectors, one kept pixel = `step` stored ones
    return dataclasses.replace(volume, data=thin(volume.data), stored=thin(volume.stored), spacing=spacing,
                               affine=affine, file_affine=None), step
