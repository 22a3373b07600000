"""The Loading page's "Show the code" panels: each file read with its own library, as a learner would.

Each function returns complete code, with the current parameters filled in,
that runs as it is from any folder with the course's interpreter. A built-in
sample's file is found through the library that ships it
(`pydicom.data.get_testdata_file`, `nibabel.testing.data_path`,
`nilearn.datasets.MNI152_FILE_PATH`, `skimage.data.data_dir`), never through
the course's own code.
"""

from __future__ import annotations

from core.describe import file_index
from core.text.safe_text import py_literal
from core.samples import Sample
from core.volume import Volume

NILEARN_PATHS = {
    "mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz": "MNI152_FILE_PATH",
    "mni_icbm152_gm_tal_nlin_sym_09a_converted.nii.gz": "GM_MNI152_FILE_PATH",
    "mni_icbm152_wm_tal_nlin_sym_09a_converted.nii.gz": "WM_MNI152_FILE_PATH",
}
"""The constants by which nilearn.datasets names its bundled template files."""

SERIES_CODE = "from core.samples import mni_dicom_series\nfiles = mni_dicom_series()  # (name, bytes) pairs written by the course"
"""The course's own DICOM series sample: no library ships it, so the course writes it."""


PYDICOM_DATA_VALUES = """import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.pixels import apply_color_lut, apply_modality_lut

ds = pydicom.dcmread(get_testdata_file({file}))  # from the pydicom-data package, on this computer
stored = ds.pixel_array
if ds.PhotometricInterpretation == "PALETTE COLOR":
    {var} = apply_color_lut(stored, ds)  # each stored value's red, green and blue from the palette
    {var} = {var} >> 8 if {var}.dtype != np.uint8 else {var}  # 16-bit palette entries as 8-bit colour
elif "PerFrameFunctionalGroupsSequence" in ds:  # an enhanced multi-frame file: each frame has its own rescale
    shared = ds.SharedFunctionalGroupsSequence[0].PixelValueTransformationSequence[0]
    rescales = [g.get("PixelValueTransformationSequence", [shared])[0] for g in ds.PerFrameFunctionalGroupsSequence]
    {var} = np.stack([frame * float(r.RescaleSlope) + float(r.RescaleIntercept) for frame, r in zip(stored, rescales)])
elif "ModalityLUTSequence" in ds:
    {var} = apply_modality_lut(stored, ds)  # a table, not a rescale
else:
    slope, intercept = float(ds.get("RescaleSlope", 1)), float(ds.get("RescaleIntercept", 0))
    {var} = stored * np.float32(slope) + np.float32(intercept) if (slope, intercept) != (1, 0) else stored"""
"""How every lesson's code reads a pydicom-data file's values: its palette, per-frame rescale or LUT."""


def pydicom_data_code(sample: Sample, var: str) -> str:
    """Code that sets `var` to a pydicom-data sample's values, read with pydicom as the course reads them."""
    return PYDICOM_DATA_VALUES.format(file=py_literal(sample.file), var=var)


def sample_path_code(sample: Sample, var: str = "path") -> str:
    """Code that sets `var` to a built-in sample's file, found by the library that ships it.

    Parameters
    ----------
    sample : Sample
        A sample with a package (not the course's own DICOM series).
    var : str
        The variable to set.

    Returns
    -------
    str

    Examples
    --------
    >>> from core import samples
    >>> print(sample_path_code(samples.info(samples.DEFAULT)))
    from pydicom.data import get_testdata_file
    path = get_testdata_file("CT_small.dcm")
    """
    name = py_literal(sample.file)
    if sample.package.startswith("pydicom") or sample.package == "data_store":  # pydicom's files and pydicom-data's
        return f"from pydicom.data import get_testdata_file\n{var} = get_testdata_file({name})"
    if sample.package == "nibabel":
        return f"import os\nfrom nibabel.testing import data_path\n{var} = os.path.join(data_path, {name})"
    if sample.package == "nilearn" and sample.file in NILEARN_PATHS:
        constant = NILEARN_PATHS[sample.file]
        return f"from nilearn.datasets import {constant}\n{var} = {constant}"
    if sample.package == "skimage":
        return f"import os\nimport skimage.data\n{var} = os.path.join(skimage.data.data_dir, {name})"
    raise ValueError(f"no library path known for {sample.package}/{sample.file}")


def _path_code(sample: Sample | None, filename: str) -> str:
    if sample is not None and sample.package:
        return sample_path_code(sample)
    return f"path = {py_literal(filename)}  # the file you uploaded, saved next to this script"


def loading_snippet(volume: Volume, index: tuple[int, ...], sample: Sample | None = None) -> str:
    """Code that loads the file with its own library and prints shape, type, spacing and one value.

    Parameters
    ----------
    volume : Volume
        The loaded image (its format decides the library).
    index : tuple of int
        The probed index into ``volume.data``.
    sample : Sample, optional
        The built-in sample shown, or None for the learner's own upload.

    Returns
    -------
    str
    """
    fmt = volume.source_format
    if fmt == "DICOM series":
        return _dicom_series(volume, index, SERIES_CODE if sample is not None and not sample.package else None)
    if fmt == "DICOM":
        return _dicom(volume, index, _path_code(sample, volume.name))
    if fmt.startswith("NIfTI") or fmt.startswith("ANALYZE"):
        return _nifti(volume, index, _path_code(sample, volume.name))
    return _raster(volume, index, _path_code(sample, volume.name))


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
