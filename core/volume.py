"""The image container shared by the whole course."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Volume:
    """An image with its header: pixels, voxel size, metadata and orientation.

    Parameters
    ----------
    data : numpy.ndarray
        Pixel values in physical units where the format defines them (e.g.
        Hounsfield units for CT). Shapes: 2D grey ``(rows, cols)``, 2D colour
        ``(rows, cols, 3)``, 3D grey ``(slices, rows, cols)``, 3D colour
        ``(slices, rows, cols, 3)`` and 4D grey ``(time, slices, rows, cols)``.
    spacing : tuple of float
        Millimetres per pixel along each spatial axis of `data`, in the same
        order (``(row, col)`` for 2D, ``(slice, row, col)`` for 3D and 4D).
    metadata : dict
        Header fields as a flat ``{name: value}`` dict for display, with
        protected health information already redacted.
    name : str
        What to call the image on screen (file or sample name).
    affine : numpy.ndarray or None
        4x4 matrix mapping a voxel index ``(slice, row, col, 1)`` to world
        coordinates in millimetres (RAS+, as in NIfTI: x grows towards the
        patient's right, y anterior, z superior), or None when the file has
        no orientation (PNG, JPEG...). Loaded 3D images are reoriented to the
        display frame of `core.io.orientation`.
    hidden_metadata : dict
        The original values of the redacted header fields, shown only when
        the user opts in for their own session.
    monochrome1 : bool
        DICOM MONOCHROME1: the lowest value is displayed white.
    file_affine : numpy.ndarray or None
        The affine as stored in the file, for its own voxel index order
        (``(i, j, k)`` of NIfTI); None when the file has none.
    rgb : bool
        True when the last axis of `data` holds red, green and blue.
    modality : str
        Short modality or format label ("CT", "MR", "photo", ...).
    source_format : str
        The file format it came from ("DICOM", "NIfTI-1", "PNG", ...).
    stored : numpy.ndarray or None
        The values as stored in the file before the rescale to physical
        units, when they differ from `data` (DICOM modality LUT, NIfTI
        scl_slope/scl_inter); None otherwise.
    spacing_known : bool
        False when the file records no pixel size (a DICOM without
        PixelSpacing, PNG, JPEG, TIFF, GIF): `spacing` then holds 1 per
        pixel, a unit to compute in pixels, never to be shown as millimetres.
    frame_axis : str
        What the first axis of a 3D image holds: ``"slices"`` in space, or
        ``"frames"`` in time (a cine loop such as an ultrasound clip).
    series_files : list of dict
        For a DICOM series, one row per file in the order given: ``file``,
        ``instance number``, ``position (mm)`` (along the slice normal) and
        ``place in the stack`` (0 = lowest position); empty otherwise.
    display_path : core.io.lut.DisplayPath or None
        For a grey DICOM image, how its header says stored values become
        greys (Modality LUT or rescale, then VOI LUT or window); None otherwise.
    """

    data: np.ndarray
    spacing: tuple[float, ...]
    metadata: dict = field(default_factory=dict)
    name: str = "image"
    affine: np.ndarray | None = None
    rgb: bool = False
    modality: str = ""
    source_format: str = ""
    stored: np.ndarray | None = None
    file_affine: np.ndarray | None = None
    hidden_metadata: dict = field(default_factory=dict)
    monochrome1: bool = False
    spacing_known: bool = True
    frame_axis: str = "slices"
    series_files: list = field(default_factory=list)
    display_path: object | None = None

    @property
    def low_values_white(self) -> bool:
        """True when its pictures show low values white: a grey MONOCHROME1 image, as its file asks."""
        return self.monochrome1 and not self.rgb

    @property
    def spatial_shape(self) -> tuple[int, ...]:
        """Shape of the spatial axes only (no colour or time axis)."""
        shape = self.data.shape[:-1] if self.rgb else self.data.shape
        return shape[1:] if self.is_4d else shape

    @property
    def is_3d(self) -> bool:
        """True for a stack of slices (3D or 4D)."""
        return len(self.spatial_shape) == 3

    @property
    def is_4d(self) -> bool:
        """True for a time series of volumes ``(time, slices, rows, cols)``."""
        return (not self.rgb) and self.data.ndim == 4

    @property
    def n_slices(self) -> int:
        """Number of slices (1 for a 2D image)."""
        return self.spatial_shape[0] if self.is_3d else 1

    @property
    def n_frames(self) -> int:
        """Number of time points (1 unless 4D)."""
        return self.data.shape[0] if self.is_4d else 1

    def frame(self, t: int = 0) -> np.ndarray:
        """The spatial image at time point `t` (the data itself unless 4D)."""
        return self.data[t] if self.is_4d else self.data

    def slice2d(self, index: int | None = None, t: int = 0) -> np.ndarray:
        """One 2D image: the image itself for 2D, slice `index` for 3D.

        Parameters
        ----------
        index : int, optional
            Slice index; the middle slice when None.
        t : int
            Time point of a 4D image.

        Returns
        -------
        numpy.ndarray
            ``(rows, cols)`` or ``(rows, cols, 3)`` for colour.
        """
        image = self.frame(t)
        if not self.is_3d:
            return image
        if index is None:
            index = self.n_slices // 2
        return image[int(np.clip(index, 0, self.n_slices - 1))]

    @property
    def pixel_spacing(self) -> tuple[float, float]:
        """Row and column spacing in mm of one 2D slice."""
        return tuple(self.spacing[-2:])  # type: ignore[return-value]

    @property
    def nbytes(self) -> int:
        """Size of the pixel data in memory."""
        return int(self.data.nbytes)
