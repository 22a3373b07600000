"""Atlas label transfer: register a subject to a template, then carry the template's tissue maps onto the subject.

An *atlas* is a template image with labels drawn once, carefully (here the
MNI152 T1 template and its grey and white matter probability maps). Once a
registration has found where each template point lies in the subject, the
labels follow: segmentation without labelling the subject at all.

Volumes are in the course's display frame (axes towards superior, posterior
and the patient's left, see `core.io.orientation`), so a position in mm in
array-axis order is ``(S, P, L)``: the same space as SimpleITK's LPS points,
read in reverse.

>>> import numpy as np
>>> block_mean(np.arange(8.0).reshape(2, 2, 2), 2).tolist()
[[[3.5]]]
"""

from __future__ import annotations

import numpy as np

from core.registration import RegistrationResult, to_sitk


def physical_origin(affine: np.ndarray) -> tuple[float, float, float]:
    """Position in mm of voxel ``(0, 0, 0)`` of a display-frame volume, in array-axis order ``(S, P, L)``.

    Parameters
    ----------
    affine : (4, 4) numpy.ndarray
        The volume's voxel-to-world (RAS) matrix.

    Returns
    -------
    tuple of float
        ``(z, -y, -x)`` of the RAS position: superior, posterior, left.

    Examples
    --------
    >>> physical_origin(np.array([[0, 0, -1, 98], [0, -1, 0, 98], [1, 0, 0, -72], [0, 0, 0, 1.0]]))
    (-72.0, -98.0, -98.0)
    """
    x, y, z = np.asarray(affine, dtype=float)[:3, 3]
    return (float(z), float(-y), float(-x))


def block_mean(data: np.ndarray, factor: int) -> np.ndarray:
    """Shrink a volume by averaging blocks of ``factor`` voxels per axis (incomplete blocks at the end are dropped).

    The same as SimpleITK's ``BinShrink``; the centre of the first block
    moves by ``(factor - 1) / 2`` voxels, see `shrunk_origin`.
    """
    data = np.asarray(data, dtype=np.float32)
    cut = tuple(slice(0, (n // factor) * factor) for n in data.shape)
    shape = [v for n in data.shape for v in (n // factor, factor)]
    return data[cut].reshape(shape).mean(axis=tuple(range(1, 2 * data.ndim, 2)))


def shrunk_origin(origin: tuple[float, ...], spacing: tuple[float, ...], factor: int) -> tuple[float, ...]:
    """The origin of `block_mean`'s output: the centre of the first block.

    Examples
    --------
    >>> shrunk_origin((0.0, 10.0), (1.0, 2.0), 2)
    (0.5, 11.0)
    """
    return tuple(float(o + (factor - 1) / 2 * s) for o, s in zip(origin, spacing))


def transfer_labels(result: RegistrationResult, maps: dict[str, np.ndarray], template_spacing: tuple[float, ...],
                    template_origin: tuple[float, ...], subject_shape: tuple[int, ...],
                    subject_spacing: tuple[float, ...], subject_origin: tuple[float, ...]) -> dict[str, np.ndarray]:
    """Resample template maps onto the subject's grid through the inverse of a template-to-subject registration.

    `result` comes from ``register(template, subject, ...)`` (template fixed,
    subject moving) with a linear transform: it maps template points to
    subject points, so its inverse brings every subject voxel to the
    template, where the map is read (linear interpolation).

    Parameters
    ----------
    result : RegistrationResult
        A translation, rigid or affine registration.
    maps : dict of str to numpy.ndarray
        Template-space maps (any values, e.g. probabilities 0-1).
    template_spacing, template_origin : tuple of float
        The maps' grid, array-axis order.
    subject_shape, subject_spacing, subject_origin : tuple
        The subject's grid.

    Returns
    -------
    dict of str to numpy.ndarray
        The maps on the subject's grid (0 outside the template).
    """
    import SimpleITK as sitk

    inverse = result.transform.GetInverse()
    reference = to_sitk(np.zeros(subject_shape, np.float32), subject_spacing, subject_origin)
    out = {}
    for name, values in maps.items():
        image = to_sitk(values, template_spacing, template_origin)
        out[name] = sitk.GetArrayFromImage(sitk.Resample(image, reference, inverse, sitk.sitkLinear, 0.0,
                                                         sitk.sitkFloat32)).astype(np.float64)
    return out


def resample_like(moving: np.ndarray, moving_spacing: tuple[float, ...], moving_origin: tuple[float, ...],
                  shape: tuple[int, ...], spacing: tuple[float, ...], origin: tuple[float, ...],
                  transform=None) -> np.ndarray:
    """Resample a volume onto another grid, through a transform (identity: the headers alone).

    Shows where the scanner put two images before any registration.

    Returns
    -------
    numpy.ndarray
        Shape `shape`; the moving image's minimum outside it.
    """
    import SimpleITK as sitk

    image = to_sitk(moving, moving_spacing, moving_origin)
    reference = to_sitk(np.zeros(shape, np.float32), spacing, origin)
    moved = sitk.Resample(image, reference, transform or sitk.Transform(), sitk.sitkLinear,
                          float(np.min(moving)), sitk.sitkFloat32)
    return sitk.GetArrayFromImage(moved).astype(np.float64)
