"""Orientation: from voxel indices to the patient, and the course's display frame.

Every 3D image the course loads is reoriented so that its axes
``(slice, row, col)`` point towards superior, posterior and the patient's
left. An axial slice ``data[k]`` then shows anterior at the top and the
patient's right on the viewer's left: the radiological convention used by
DICOM viewers.
"""

from __future__ import annotations

import numpy as np

DISPLAY_AXCODES = ("S", "P", "L")
"""Where the axes (slice, row, col) of a loaded 3D image point."""

OPPOSITE = {"L": "R", "R": "L", "A": "P", "P": "A", "S": "I", "I": "S"}

LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])
"""DICOM's patient frame (LPS) to NIfTI's (RAS): flip x and y."""


def axis_codes(affine: np.ndarray) -> tuple[str, str, str]:
    """Direction each voxel axis points to, such as ``("R", "A", "S")``.

    Parameters
    ----------
    affine : (4, 4) numpy.ndarray
        Voxel-to-world (RAS+) matrix.

    Returns
    -------
    tuple of str
        One letter per axis: the end of the patient the index grows towards.

    Examples
    --------
    >>> axis_codes(np.diag([-1.0, 1.0, 1.0, 1.0]))
    ('L', 'A', 'S')
    """
    from nibabel import orientations

    return tuple(orientations.aff2axcodes(affine))  # type: ignore[return-value]


def to_display_frame(data: np.ndarray, affine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Permute and flip the first three axes of `data` into the display frame.

    Parameters
    ----------
    data : numpy.ndarray
        Array whose first three axes are spatial (extra trailing axes, such
        as time, follow along).
    affine : (4, 4) numpy.ndarray
        Voxel-to-world matrix of `data`.

    Returns
    -------
    data : numpy.ndarray
        A view of the input with axes ``(slice, row, col)`` pointing to
        `DISPLAY_AXCODES`.
    affine : (4, 4) numpy.ndarray
        The matching voxel-to-world matrix.
    """
    from nibabel import orientations

    start = orientations.io_orientation(affine)
    end = orientations.axcodes2ornt(DISPLAY_AXCODES)
    transform = orientations.ornt_transform(start, end)
    moved = orientations.apply_orientation(data, transform)
    new_affine = affine @ orientations.inv_ornt_aff(transform, data.shape[:3])
    return moved, new_affine


def voxel_to_world(affine: np.ndarray, index) -> np.ndarray:
    """World coordinates in mm of a voxel index: ``affine @ [i, j, k, 1]``.

    Examples
    --------
    >>> voxel_to_world(np.diag([2.0, 2.0, 2.0, 1.0]), (1, 2, 3))
    array([2., 4., 6.])
    """
    return (affine @ np.append(np.asarray(index, dtype=float), 1.0))[:3]


def spacing_from_affine(affine: np.ndarray) -> tuple[float, float, float]:
    """Voxel size in mm along each index axis: the norms of the affine's columns."""
    return tuple(float(v) for v in np.linalg.norm(affine[:3, :3], axis=0))  # type: ignore[return-value]
