"""Image files made in memory from arrays, for the page tests' uploads."""

from __future__ import annotations

import io
import zipfile

import nibabel as nib
import numpy as np
import tifffile
from PIL import Image


def png(array: np.ndarray) -> bytes:
    """The array as a PNG file written by Pillow (a bool array makes a 1-bit PNG, uint16 a 16-bit one)."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def tiff(array: np.ndarray) -> bytes:
    """The array as a TIFF file, its values and type kept (floats with NaN or infinity too)."""
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, array)
    return buffer.getvalue()


def nifti(array: np.ndarray) -> bytes:
    """The array as an uncompressed NIfTI-1 file with voxels of 1 × 1 × 3 mm."""
    return nib.Nifti1Image(array, np.diag([1.0, 1.0, 3.0, 1.0])).to_bytes()


def zip_of(files: dict[str, bytes]) -> bytes:
    """A .zip holding each ``path: content`` of `files` (folders from the paths), deflate-free as Python writes it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return buffer.getvalue()
