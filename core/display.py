"""From values to screen: windowing to 8-bit grey and the three orthogonal views.

A medical image holds many more values than a screen shows (a CT slice spans
about -1000 to 3000 HU, a screen 256 greys). The *window* picks which values
get the greys: ``width`` values centred on ``level`` are spread over 0-255,
everything below is black and everything above white.
"""

from __future__ import annotations

import numpy as np

CT_WINDOWS = {
    "brain": (80.0, 40.0),
    "soft tissue": (400.0, 40.0),
    "lung": (1500.0, -600.0),
    "bone": (2500.0, 480.0),
    "liver": (150.0, 90.0),
}
"""Common CT windows as (width, level) in Hounsfield units."""


def auto_window(image: np.ndarray, low: float = 1.0, high: float = 99.0) -> tuple[float, float]:
    """A window covering the `low` to `high` percentiles of the finite values.

    Parameters
    ----------
    image : numpy.ndarray
        Any real-valued array.
    low, high : float
        Percentiles (0-100) mapped to black and white.

    Returns
    -------
    width, level : float
        Never a zero width, so a constant image still displays.

    Examples
    --------
    >>> auto_window(np.array([0, 100]), 0, 100)
    (100.0, 50.0)
    """
    values = np.asarray(image)
    values = values[np.isfinite(values)] if values.dtype.kind == "f" else values.ravel()
    if values.size > 1_000_000:  # percentiles of a regular subsample are accurate and 10x faster
        values = values[:: values.size // 1_000_000]
    if values.size == 0:
        return 1.0, 0.0
    lo, hi = (float(v) for v in np.percentile(values, [low, high]))
    if hi <= lo:
        lo, hi = float(values.min()), float(values.max())
    if hi <= lo:  # a constant image: any window shows it as mid grey
        return 1.0, lo
    return hi - lo, (lo + hi) / 2


def apply_window(image: np.ndarray, width: float, level: float, invert: bool = False) -> np.ndarray:
    """Map values to 8-bit grey: ``(value - (level - width/2)) / width * 255``, clipped.

    Parameters
    ----------
    image : numpy.ndarray
        Real values (NaN becomes black).
    width, level : float
        The window; `width` must be positive.
    invert : bool
        Swap black and white (DICOM MONOCHROME1).

    Returns
    -------
    numpy.ndarray of uint8

    Examples
    --------
    >>> apply_window(np.array([-1000, 40, 1000]), width=400, level=40).tolist()
    [0, 128, 255]
    """
    lo = level - width / 2.0
    scaled = (np.asarray(image, dtype=np.float32) - np.float32(lo)) * np.float32(255.0 / width)
    grey = np.nan_to_num(np.clip(scaled + 0.5, 0, 255), nan=0.0).astype(np.uint8)
    return 255 - grey if invert else grey


def colour_to_uint8(image: np.ndarray) -> np.ndarray:
    """An RGB image as 8 bits per channel, whatever its stored type.

    Integer images are scaled by their type's range when they exceed 255;
    float images in [0, 1] are multiplied by 255, others stretched to their range.
    """
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    if image.dtype.kind in "iu":
        top = 255 if image.max(initial=0) <= 255 else np.iinfo(image.dtype).max
        return (image.astype(np.float32) * (255.0 / top)).clip(0, 255).astype(np.uint8)
    values = np.nan_to_num(image.astype(np.float32))
    lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    if lo >= 0 and hi <= 1:
        return (values * 255 + 0.5).astype(np.uint8)
    return ((values - lo) / max(hi - lo, 1e-12) * 255 + 0.5).astype(np.uint8)


def orthogonal_views(data: np.ndarray, index: tuple[int, int, int], radiological: bool = True):
    """The axial, coronal and sagittal slices through a voxel, oriented for display.

    `data` is in the course's display frame (axes towards superior, posterior
    and the patient's left; see `core.io.orientation`).

    Parameters
    ----------
    data : (slices, rows, cols) numpy.ndarray
    index : (int, int, int)
        The voxel ``(slice, row, col)`` the three planes pass through.
    radiological : bool
        True puts the patient's right on the screen's left (radiology);
        False is the neurological convention (left on the left).

    Returns
    -------
    dict
        For each plane, ``(image, (top, bottom, left, right))``: the 2D
        array with anterior or superior at the top, and the anatomical
        labels of its four edges.
    """
    k, r, c = index
    axial = data[k]
    coronal = data[::-1, r, :]
    sagittal = data[::-1, :, c]
    lr = ("R", "L")
    if not radiological:
        axial, coronal, lr = axial[:, ::-1], coronal[:, ::-1], ("L", "R")
    return {
        "axial": (axial, ("A", "P", *lr)),
        "coronal": (coronal, ("S", "I", *lr)),
        "sagittal": (sagittal, ("S", "I", "A", "P")),
    }


def plane_spacing(spacing: tuple[float, float, float]) -> dict[str, tuple[float, float]]:
    """Pixel height and width in mm of each plane of `orthogonal_views`."""
    ds, dr, dc = spacing
    return {"axial": (dr, dc), "coronal": (ds, dc), "sagittal": (ds, dr)}


def equal_aspect(image: np.ndarray, spacing: tuple[float, float]) -> np.ndarray:
    """Repeat rows or columns so that each screen pixel covers a square in mm.

    Nearest-neighbour, so no value is invented; used only for display.
    """
    dy, dx = spacing
    if np.isclose(dy, dx, rtol=0.05) or min(dy, dx) <= 0:
        return image
    ratio = dy / dx
    if ratio > 1:  # tall pixels: repeat rows
        index = np.minimum((np.arange(int(round(image.shape[0] * ratio))) / ratio).astype(int), image.shape[0] - 1)
        return image[index]
    index = np.minimum((np.arange(int(round(image.shape[1] / ratio))) * ratio).astype(int), image.shape[1] - 1)
    return image[:, index]
