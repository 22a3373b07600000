"""The Python shown in "Show the code" panels: plain library calls that reproduce a view's numbers.

Each function returns complete code, with the current parameters filled in,
that runs as it is in a Python session with the course's requirements.
"""

from __future__ import annotations

from core.describe import file_index
from core.safe_text import py_literal
from core.volume import Volume


def _path_code(path_code: str | None, filename: str) -> str:
    return path_code or f"path = {py_literal(filename)}  # the file you uploaded, saved next to this script"


def loading_snippet(volume: Volume, index: tuple[int, ...], path_code: str | None, series_code: str | None = None) -> str:
    """Code that loads the file with its own library and prints shape, type, spacing and one value.

    Parameters
    ----------
    volume : Volume
        The loaded image (its format decides the library).
    index : tuple of int
        The probed index into ``volume.data``.
    path_code : str or None
        Code that sets ``path`` (a sample's), or None for an upload.
    series_code : str, optional
        For a DICOM series: code that sets ``files`` to ``(name, bytes)`` pairs.

    Returns
    -------
    str
    """
    fmt = volume.source_format
    if fmt == "DICOM series":
        return _dicom_series(volume, index, series_code)
    if fmt == "DICOM":
        return _dicom(volume, index, _path_code(path_code, volume.name))
    if fmt.startswith("NIfTI") or fmt.startswith("ANALYZE"):
        return _nifti(volume, index, _path_code(path_code, volume.name))
    return _raster(volume, index, _path_code(path_code, volume.name))


def _dicom(volume: Volume, index, path_line: str) -> str:
    where = ", ".join(str(i) for i in index)
    head = f'''import pydicom

{path_line}
ds = pydicom.dcmread(path)
stored = ds.pixel_array                      # values as stored in the file
print("shape", stored.shape, "dtype", stored.dtype, "bits stored", ds.BitsStored)
'''
    spacing = '''print("pixel spacing (mm)", [float(v) for v in ds.PixelSpacing] if "PixelSpacing" in ds else "unknown (not recorded)")
'''
    path = volume.display_path
    if str(volume.metadata.get("PhotometricInterpretation", "")).upper() == "PALETTE COLOR":
        return head + spacing + f'''from pydicom.pixels import apply_color_lut

rgb = apply_color_lut(stored, ds)            # each stored value's red, green and blue from the palette
if rgb.dtype != "uint8":
    rgb = rgb >> 8                           # 16-bit palette entries shown as 8-bit colour
print("stored", stored[{where}], "is shown as its palette colour (red, green, blue)")
print("physical value", rgb[{where}])
'''
    if path is not None and path.modality_lut is not None:
        return head + spacing + f'''from pydicom.pixels import apply_modality_lut

value = stored[{where}]
print("stored", value, "goes through the file's Modality LUT (a table, not a rescale)")
print("physical value", apply_modality_lut(stored, ds)[{where}])
'''
    if path is not None and path.modality_step == "rescale" and "RescaleSlope" not in volume.metadata:
        head += '''# an enhanced multi-frame file keeps pixel size and rescale in its shared functional groups
shared = ds.SharedFunctionalGroupsSequence[0]
print("pixel spacing (mm)", [float(v) for v in shared.PixelMeasuresSequence[0].PixelSpacing])
rescale = shared.PixelValueTransformationSequence[0]
'''
        source = "rescale"
    else:
        head += spacing
        source = "ds"
    return head + f'''slope = float({source}.get("RescaleSlope", 1))
intercept = float({source}.get("RescaleIntercept", 0))
value = stored[{where}]
print("stored", value, "slope", slope, "intercept", intercept)
print("physical value", value * slope + intercept)  # Hounsfield units for CT
'''


def _dicom_series(volume: Volume, index, series_code: str | None) -> str:
    i, j, k = file_index(volume, index)
    files_line = series_code or 'import glob\nfiles = [(p, open(p, "rb").read()) for p in glob.glob("series/*")]  # your files'
    return f'''import io
import numpy as np
import pydicom

{files_line}
slices = [pydicom.dcmread(io.BytesIO(data)) for name, data in files]
# order the slices by position along the normal of the image plane, never by file name
normal = np.cross(*np.reshape(np.array(slices[0].ImageOrientationPatient, dtype=float), (2, 3)))
slices.sort(key=lambda ds: float(np.dot(np.array(ds.ImagePositionPatient, dtype=float), normal)))
volume = np.stack([ds.pixel_array * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
                   for ds in slices])
print("shape", volume.shape)
print("physical value", volume[{i}, {j}, {k}])
'''


def _nifti(volume: Volume, index, path_line: str) -> str:
    if volume.is_3d:
        i, j, k = file_index(volume, index[-3:])
        where = f"{i}, {j}, {k}" + (f", {index[0]}" if volume.is_4d else "")
        world = f"\nprint(\"world (mm)\", (img.affine @ [{i}, {j}, {k}, 1])[:3])"
    else:
        where, world = ", ".join(str(v) for v in index), ""
    return f'''import nibabel as nib
import numpy as np

{path_line}
img = nib.load(path)
data = np.asanyarray(img.dataobj)            # scaled by scl_slope and scl_inter
print("shape", img.shape, "dtype", img.get_data_dtype(), "voxel size (mm)", img.header.get_zooms())
print("orientation", nib.aff2axcodes(img.affine))
print("physical value", data[{where}]){world}
'''


def _raster(volume: Volume, index, path_line: str) -> str:
    where = ", ".join(str(i) for i in index)
    if volume.source_format == "TIFF":
        read = "import tifffile\n\n{path}\nimage = tifffile.imread(path)"
    else:
        options = ", rotate=True" if volume.source_format == "JPEG" else ""
        options += ", index=None" if volume.is_3d else ""
        read = "import imageio.v3 as iio\n\n{path}\nimage = iio.imread(path" + options + ")"
    grey_as_rgb = volume.metadata.get("Pillow mode") in ("RGB", "RGBA", "P") and not volume.rgb
    collapse = "\nimage = image[..., 0]  # a grey picture saved as RGB: the three channels are equal" if grey_as_rgb else ""
    return read.format(path=path_line) + collapse + f'''
print("shape", image.shape, "dtype", image.dtype)
print("physical value", image[{where}])
'''
