"""The "Show the code" snippets of the exploratory data analysis page: pandas, pydicom and numpy.

Each function returns complete code, with the current parameters filled in,
that runs as it is in a Python session with the course's requirements and
prints the numbers the page shows. Code that obtains the data is built by the
``*_code`` helpers: the built-in cohort comes from ``core`` (the course writes
it), a built-in sample from the library that ships it, an upload from the
learner's own files.
"""

from __future__ import annotations

from core.snippets.loading import SERIES_CODE, pydicom_data_code, sample_path_code
from core.text.safe_text import py_literal
from core.samples import Sample

COHORT_FILES = "from core.data.cohort import build_cohort\nfiles = build_cohort().files  # (name, bytes) pairs"

FOLDER_FILES = '''import glob
import os
import zipfile

files = []  # (name, bytes) pairs: put your files (and .zip archives) in the folder my_dataset
for path in sorted(glob.glob("my_dataset/*")):
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            files += [(os.path.basename(path) + "/" + os.path.basename(member), archive.read(member))
                      for member in archive.namelist() if not member.endswith("/")]
    else:
        with open(path, "rb") as f:
            files.append((os.path.basename(path), f.read()))'''

_DICOM_VALUES = '''ds = pydicom.dcmread(io.BytesIO({data}))
{var} = ds.pixel_array * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))  # physical units'''


def _q(text: str) -> str:
    """A Python string literal (`repr`): a name stays data in the code."""
    return py_literal(text)


def cohort_file_code(name: str, var: str = "values") -> str:
    """Code that sets `var` to the pixel values of one file of the built-in cohort (pydicom)."""
    return (f"from core.data.cohort import build_cohort\n{var}_bytes = dict(build_cohort().files)[{_q(name)}]\n"
            + _DICOM_VALUES.format(data=f"{var}_bytes", var=var))


def sample_code(sample: Sample, source_format: str, var: str = "values") -> str:
    """Code that sets `var` to the values of a built-in sample, read with the library that ships it.

    Parameters
    ----------
    sample : Sample
        The sample (`core.samples.info`).
    source_format : str
        ``Volume.source_format`` of the loaded sample: it decides the reader.
    var : str
        The variable to set.
    """
    if sample.package == "data_store":
        return pydicom_data_code(sample, var)
    if not sample.package:  # the course's own series: no library ships it
        return (SERIES_CODE.replace("files =", f"{var}_files =") + "\n"
                + _SERIES_VALUES.format(slices=f"[pydicom.dcmread(io.BytesIO(data)) for _, data in {var}_files]",
                                        var=var))
    return _read_code(sample_path_code(sample, f"{var}_path"), source_format, var)


def upload_file_code(name: str, source_format: str, var: str = "values") -> str:
    """Code that sets `var` from the learner's own file, with the library of its format.

    Parameters
    ----------
    name : str
        The file name (the learner saves it next to the script).
    source_format : str
        ``Volume.source_format``: "DICOM", "NIfTI-1", "PNG", "TIFF"...
    var : str
        The variable to set.
    """
    if source_format == "DICOM series":
        return "import glob\n" + _SERIES_VALUES.format(
            slices='[pydicom.dcmread(p) for p in glob.glob("my_series/*")]  # the files of your series, in one folder',
            var=var)
    return _read_code(f"{var}_path = {_q(name.rsplit('/', 1)[-1])}  # your file, next to this script",
                      source_format, var)


_SERIES_VALUES = """{var}_slices = {slices}
normal = np.cross(*np.reshape(np.array({var}_slices[0].ImageOrientationPatient, dtype=float), (2, 3)))
{var}_slices.sort(key=lambda ds: float(np.dot(np.array(ds.ImagePositionPatient, dtype=float), normal)))
{var} = np.stack([ds.pixel_array * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
                  for ds in {var}_slices])  # physical units, slices in order along their normal"""

_NIFTI_VALUES = """import nibabel as nib
from nibabel import orientations
{path}
{var}_image = nib.load({var}_path)
{var} = np.asanyarray({var}_image.dataobj)  # scaled values, in the file's axis order
if {var}.ndim >= 3:  # the course's order: slices from foot to head, rows from front to back, columns right to left
    turn = orientations.ornt_transform(orientations.io_orientation({var}_image.affine),
                                       orientations.axcodes2ornt(("S", "P", "L")))
    {var} = orientations.apply_orientation({var}, turn)
if {var}.ndim == 4:
    {var} = np.moveaxis({var}, 3, 0)  # time first: {var}[0] is the first volume"""


def _read_code(path_line: str, source_format: str, var: str) -> str:
    """Code that sets `var` from the file at ``{var}_path`` (set by `path_line`), with its format's library."""
    if source_format.startswith("DICOM"):
        return path_line + "\n" + _DICOM_VALUES.format(data=f"open({var}_path, 'rb').read()", var=var)
    if source_format.startswith(("NIfTI", "ANALYZE")):
        return _NIFTI_VALUES.format(path=path_line, var=var)
    if source_format == "TIFF":
        return f"import tifffile\n{path_line}\n{var} = tifffile.imread({var}_path)"
    rotate = ", rotate=True" if source_format == "JPEG" else ""  # turned as its EXIF orientation says
    return (f"import imageio.v3 as iio\n{path_line}\n{var} = iio.imread({var}_path{rotate})\n"
            f"if {var}.ndim == 3 and {var}.shape[-1] == 4:\n    {var} = {var}[..., :3]  # drop the alpha channel\n"
            f"if {var}.ndim == 3 and {var}.shape[-1] == 3 and ({var} == {var}[..., :1]).all():\n"
            f"    {var} = {var}[..., 0]  # a grey picture saved as RGB: the three channels are equal")


def table_snippet(files_code: str) -> str:
    """Code that builds the per-file table with pydicom and pandas and prints the headline numbers.

    Parameters
    ----------
    files_code : str
        Code that sets ``files`` to ``(name, bytes)`` pairs: `COHORT_FILES` or `FOLDER_FILES`.

    Returns
    -------
    str
    """
    return f'''import io

import numpy as np
import pandas as pd
import pydicom

{files_code}

rows = []
for name, data in files:
    try:
        ds = pydicom.dcmread(io.BytesIO(data))
        stored = ds.pixel_array  # fails on a truncated file or a file without pixels
    except Exception as error:
        rows.append({{"file": name, "readable": False, "why unreadable": str(error)[:100]}})
        continue
    values = stored.astype(np.float64) * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
    finite = values[np.isfinite(values)]  # NaN and infinite values are counted apart
    spacing = [float(v) for v in ds.get("PixelSpacing", [np.nan, np.nan])]  # none recorded: unknown, not 1 mm
    rows.append({{
        "file": name, "readable": True, "modality": ds.get("Modality", ""),
        "patient": ds.get("PatientID", ""), "series": ds.get("SeriesInstanceUID", ""),  # identifying: count, don't show
        "sex": ds.get("PatientSex", ""), "age": ds.get("PatientAge", ""),
        "rows": ds.Rows, "columns": ds.Columns, "row spacing (mm)": spacing[0], "column spacing (mm)": spacing[1],
        "bit depth": ds.get("BitsStored", ds.BitsAllocated),
        "min": finite.min() if finite.size else np.nan, "max": finite.max() if finite.size else np.nan,
        "mean": finite.mean() if finite.size else np.nan,
        "non-finite (%)": 100 * (values.size - finite.size) / values.size,
    }})
table = pd.DataFrame(rows)
readable = table[table["readable"]].astype({{"rows": int, "columns": int, "bit depth": int}})
print("files", len(table), "images", len(readable), "unreadable files", len(table) - len(readable))
print("patients", readable["patient"].nunique(), "series", readable["series"].nunique())
with pd.option_context("display.max_rows", None, "display.width", 200):
    print(readable[["file", "modality", "rows", "columns", "row spacing (mm)", "bit depth", "min", "max", "mean"]]
          .to_string(index=False))
print(table.loc[~table["readable"], ["file", "why unreadable"]].to_string(index=False))
'''


def _noise_code(kind: str, strength: float, seed: int) -> str:
    """The lines of `core.data.noise.add_noise` for one kind, setting ``other`` from ``values``."""
    start = f"rng = np.random.default_rng({seed})\nclean = np.asarray(values, dtype=np.float64)\n"
    if kind == "gaussian":
        body = f"other = clean + rng.normal(0.0, {strength!r}, clean.shape)  # Gaussian noise, sigma {strength:g}"
    elif kind == "salt and pepper":
        body = (f"other = clean.copy()\n"
                f"hit = rng.random(clean.shape) < {min(strength, 1.0)!r}  # {strength:.0%} of the pixels\n"
                "salt = rng.random(clean.shape) < 0.5\n"
                "other[hit & salt] = np.nanmax(clean)\nother[hit & ~salt] = np.nanmin(clean)")
    elif kind == "poisson":
        body = (f"low = min(float(np.nanmin(clean)), 0.0)\nother = rng.poisson((clean - low) * {strength!r}) / {strength!r} + low"
                f"  # {strength:g} photons per unit")
    elif kind == "rician":
        body = (f"other = np.hypot(clean + rng.normal(0.0, {strength!r}, clean.shape),\n"
                f"                 rng.normal(0.0, {strength!r}, clean.shape))  # MRI magnitude noise")
    else:
        raise ValueError(f"unknown noise {kind!r}")
    return start + body


def _bins_code(integer: bool, max_bins: int) -> str:
    if integer:
        return (f"if high - low + 1 <= {max_bins}:  # integers: one bin per grey level\n"
                "    bins, value_range = int(high - low + 1), (low - 0.5, high + 0.5)\n"
                f"else:\n    bins, value_range = {max_bins}, (low, high)")
    return f"bins, value_range = ({max_bins}, (low, high)) if high > low else (1, (low - 0.5, low + 0.5))"


SNR_CODE = '''
def snr(image):
    """(mean above Otsu's threshold - mean below) / noise sigma from the finest Haar wavelet details."""
    image = np.asarray(image, dtype=np.float64)
    if not np.isfinite(image).all() or image.min() == image.max():
        return np.nan  # NaN pixels or a constant image: no SNR
    above = image > threshold_otsu(image)
    contrast = image[above].mean() - image[~above].mean()
    details, padding = image, image == image.min()  # blocks all at the minimum: background padding, left out
    for axis in range(image.ndim):
        n = details.shape[axis] // 2 * 2
        even, odd = np.arange(0, n, 2), np.arange(1, n, 2)
        details = (details.take(even, axis) - details.take(odd, axis)) / np.sqrt(2)
        padding = padding.take(even, axis) & padding.take(odd, axis)
    sigma = np.median(np.abs(details[~padding])) / 0.6745  # Donoho's robust noise estimate
    return contrast / sigma if sigma > 0 else np.inf
'''


def histogram_snippet(read_code: str, label: str, integer: bool, max_bins: int, *, per_level: bool,
                      other_code: str | None = None, other_label: str = "", noise: tuple | None = None,
                      snr_frame: str | None = "values") -> str:
    """Code that computes the intensity histogram (proportions) of one image, and of a second one to compare.

    Parameters
    ----------
    read_code : str
        Code that sets ``values`` (see the ``*_code`` helpers).
    label : str
        What to call the image in the printout.
    integer : bool
        Whether the values compared are all integers (one bin per grey level when few).
    max_bins : int
        The most bins.
    per_level : bool
        Whether the bins are one per grey level (`core.eda.HistogramView`): the
        tallest bin is then printed as the most common value, else by its edges.
    other_code : str, optional
        Code that sets ``other``: a second image to compare.
    other_label : str
        Its label.
    noise : (str, float, int), optional
        ``(kind, strength, seed)``: compare with a noisy copy of ``values`` instead.
    snr_frame : str or None
        Expression of the grey image whose SNR is printed (``"values"``,
        ``"values[0]"`` for 4D); None for colour images (no SNR).

    Returns
    -------
    str
    """
    lines = ["import io", "", "import numpy as np", "import pydicom"]
    if snr_frame:
        lines.append("from skimage.filters import threshold_otsu")
    lines += ["", read_code]
    compared = [("values", label)]
    if noise is not None:
        lines += ["", "# a noisy copy, as in core.data.noise.add_noise", _noise_code(*noise)]
        compared.append(("other", other_label or f"{noise[0]} noise"))
    elif other_code:
        lines += ["", other_code]
        compared.append(("other", other_label))
    names = ", ".join(v for v, _ in compared)
    lines += ["", f"finite = [a[np.isfinite(a)] for a in ({names},)]  # NaN and infinite values are left out",
              "low, high = min(float(f.min()) for f in finite), max(float(f.max()) for f in finite)",
              _bins_code(integer, max_bins)]
    if snr_frame:
        lines.append(SNR_CODE)
    lines.append(f"for label, f, image in zip({[lab for _, lab in compared]!r}, finite, ({names},)):")
    lines += [
        "    counts, edges = np.histogram(f, bins=bins, range=value_range)",
        "    proportions = counts / f.size  # the share of the pixels in each bin",
        "    p1, median, p99 = np.percentile(f, [1, 50, 99])",
        "    top = int(np.argmax(proportions))  # the tallest bin: "
        + ("one grey level, the most common value" if per_level else "many values, given by its edges"),
        '    print(label, "| bins", bins, "| sum of proportions", proportions.sum())',
        '    print("   most common value", (edges[top] + edges[top + 1]) / 2, "with", proportions[top])' if per_level
        else '    print("   tallest bin from", edges[top], "to", edges[top + 1], "with", proportions[top])',
        '    print("   mean", f.mean(), "median", median, "p1", p1, "p99", p99)',
    ]
    if snr_frame:
        frame = snr_frame.replace("values", "image")
        lines.append(f'    print("   SNR", snr({frame}))')
    return "\n".join(lines) + "\n"


def pooled_histogram_snippet(files_code: str, modality: str, integer: bool, max_bins: int) -> str:
    """Code for the histogram of every pixel of the dataset's images of one modality (pydicom).

    Parameters
    ----------
    files_code : str
        Code that sets ``files`` (see `table_snippet`).
    modality : str
        DICOM Modality of the images pooled.
    integer : bool
        Whether their values are all integers.
    max_bins : int
        The most bins.

    Returns
    -------
    str
    """
    return f'''import io

import numpy as np
import pydicom

{files_code}

images = []
for name, data in files:
    try:
        ds = pydicom.dcmread(io.BytesIO(data))
        if ds.get("Modality", "") == {_q(modality)}:
            values = ds.pixel_array * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
            images.append(values[np.isfinite(values)])
    except Exception:
        pass  # unreadable files are listed in the table
low, high = min(float(v.min()) for v in images if v.size), max(float(v.max()) for v in images if v.size)
{_bins_code(integer, max_bins)}
counts = sum(np.histogram(v, bins=bins, range=value_range)[0] for v in images)  # one image at a time
proportions = counts / counts.sum()
edges = np.linspace(*value_range, bins + 1)
centres = (edges[:-1] + edges[1:]) / 2
cumulative = np.cumsum(proportions)
median, p1, p99 = (centres[np.searchsorted(cumulative, q - 1e-12)] for q in (0.5, 0.01, 0.99))  # to within a bin
print({_q(modality)}, "images", len(images), "pixels", counts.sum(), "bins", bins,
      "sum of proportions", proportions.sum())
print("mean", sum(v.sum() for v in images) / counts.sum(), "median", median, "p1", p1, "p99", p99)
'''
