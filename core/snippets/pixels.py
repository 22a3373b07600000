"""The code shown in the "Show the code" panels of the page "How a computer sees an image".

Each function returns complete Python, with the page's current parameters
filled in, that runs as it is in a plain session (numpy, pydicom) and prints
the numbers the page shows. Code that needs the learner's image starts with
`image_code`: a built-in sample comes from the library that ships it
(`sample_code`), an upload from the ``.npy`` file the page offers for download.
"""

from __future__ import annotations

import io

import numpy as np

from core.data.noise import NOISE_KINDS
from core.pixels import X_SIZE, x_matrix
from core.text.safe_text import py_literal
from core.snippets.loading import pydicom_data_code

UPLOAD_FILE = "my_image.npy"
"""File name of the array the page offers for download when the image is an upload."""


DISPLAY_AXES = ("S", "P", "L")
"""Where the axes (slice, row, column) of a loaded 3D image point (as `core.io.orientation.DISPLAY_AXCODES`)."""

_NILEARN_TEMPLATES = {
    "mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz": "load_mni152_template",
    "mni_icbm152_gm_tal_nlin_sym_09a_converted.nii.gz": "load_mni152_gm_template",
    "mni_icbm152_wm_tal_nlin_sym_09a_converted.nii.gz": "load_mni152_wm_template",
}
_SKIMAGE_IMAGES = {
    "retina.jpg": "data.retina()",
    "microaneurysms.png": "data.microaneurysms()",
    "phantom.png": "np.round(data.shepp_logan_phantom() * 255).astype(np.uint8)  # scikit-image gives 0-1; "
                   "the file stores 0-255",
}
_REORIENT = f"""transform = ornt_transform(io_orientation(img.affine), axcodes2ornt({DISPLAY_AXES!r}))
volume = apply_orientation(data, transform)  # axes: slice (feet to head), row (front to back), column (right to left)
"""
_REORIENT_IMPORT = "from nibabel.orientations import apply_orientation, axcodes2ornt, io_orientation, ornt_transform\n"


def npy_bytes(array: np.ndarray) -> bytes:
    """The array as a ``.npy`` file (what the page offers as `UPLOAD_FILE` for the code panels of an upload).

    Examples
    --------
    >>> np.load(io.BytesIO(npy_bytes(np.arange(3)))).tolist()
    [0, 1, 2]
    """
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array))
    return buffer.getvalue()


def sample_code(name: str) -> tuple[str, str]:
    """Code that loads a built-in sample with the library that ships it, as the page shows it.

    DICOM files come from ``pydicom.data.get_testdata_file`` (values through the
    modality rescale, Hounsfield units for CT), the MNI templates from
    ``nilearn.datasets``, nibabel's images from ``nibabel.testing.data_path``
    (reoriented as the page shows a volume: slices from the feet up, rows from the
    front, columns from the patient's right), photographs and the phantom from
    ``skimage.data``. A sample only this course writes (the MNI DICOM series)
    comes from ``core.samples``.

    Parameters
    ----------
    name : str
        One of `core.samples.names()`.

    Returns
    -------
    imports : str
        The import lines.
    body : str
        Lines that set ``image`` (a 2D sample) or ``volume`` (3D: slices, rows,
        columns; 4D: time points first).

    Examples
    --------
    >>> imports, body = sample_code("CT: chest slice (pydicom CT_small)")
    >>> print(body.splitlines()[0])
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    """
    from core import samples  # the sample's provenance: which package ships which file

    sample = samples.info(name)
    if sample.package == "data_store":
        imports, _, body = pydicom_data_code(sample, "volume").partition("\n\n")
        return imports + "\n", body + "\nimage = volume  # one picture (a volume's slice is taken below)\n"
    if sample.package == "pydicom":
        imports = "import numpy as np\nimport pydicom\nfrom pydicom.data import get_testdata_file\n" \
                  "from pydicom.pixels import apply_modality_lut\n"
        body = (f"ds = pydicom.dcmread(get_testdata_file({py_literal(sample.file)}))\n"
                "image = apply_modality_lut(ds.pixel_array, ds)  # stored values through the file's rescale "
                "(Hounsfield units for CT)\n")
        return imports, body
    if sample.package == "nilearn" and sample.file in _NILEARN_TEMPLATES:
        loader = _NILEARN_TEMPLATES[sample.file]
        imports = f"import numpy as np\nfrom nilearn.datasets import {loader}\n{_REORIENT_IMPORT}"
        body = (f"img = {loader}(resolution=1)\n"
                "data = np.round(img.get_fdata() * 255).astype(np.uint8)  # nilearn scales to 0-1; the file "
                "stores 0-255\n" + _REORIENT)
        return imports, body
    if sample.package == "nibabel":
        imports = f"import os\n\nimport nibabel as nib\nimport numpy as np\nfrom nibabel.testing import data_path\n" \
                  f"{_REORIENT_IMPORT}"
        body = (f"img = nib.load(os.path.join(data_path, {py_literal(sample.file)}))\n"
                "data = np.asanyarray(img.dataobj)  # the stored values, scaled as the header says\n" + _REORIENT)
        body += "if volume.ndim == 4:\n    volume = np.moveaxis(volume, 3, 0)  # a series in time: time points first\n"
        return imports, body
    if sample.package == "skimage" and sample.file in _SKIMAGE_IMAGES:
        return "import numpy as np\nfrom skimage import data\n", f"image = {_SKIMAGE_IMAGES[sample.file]}\n"
    imports = "import numpy as np\nfrom core.samples import load  # a sample this course writes itself\n"
    return imports, f"volume = load({py_literal(name)}).data\n"


def image_code(sample_name: str | None, slice_index: int | None = None, frame: int | None = None,
               colour_to: str | None = None) -> str:
    """Code that sets ``image`` to the 2D image the page works on (and ``volume`` for 3D).

    Parameters
    ----------
    sample_name : str or None
        The built-in sample's name (loaded as `sample_code` does), or None for an
        upload (read from `UPLOAD_FILE`).
    slice_index : int, optional
        The slice of a 3D image.
    frame : int, optional
        The time point of a 4D image (a sample's; an upload's file holds the chosen time point only).
    colour_to : str, optional
        For a colour image: "grey" (scikit-image's ``rgb2gray``, in the image's own
        units) or a channel name, to work on one grey image.

    Returns
    -------
    str
    """
    if sample_name is None:
        head = "import numpy as np\n"
        source = f'np.load("{UPLOAD_FILE}")  # your image, downloaded with the button at the top of the page'
        body = f"volume = {source}\n" if slice_index is not None else f"image = {source}\n"
    else:
        head, body = sample_code(sample_name)
    if colour_to == "grey":
        head += "from skimage.color import rgb2gray\n"
    if slice_index is not None:
        if frame is not None and sample_name is not None:  # an upload's file holds the chosen time point only
            body += f"volume = volume[{frame}]  # time point {frame}\n"
        body += f"image = volume[{slice_index}]  # slice {slice_index}\n"
    if colour_to == "grey":
        body += ("image = rgb2gray(image[..., :3].astype(np.float64))  # grey = 0.2125 red + 0.7154 green + "
                 "0.0721 blue, in the image's units\n")
    elif colour_to in ("red", "green", "blue"):
        body += f"image = image[..., {('red', 'green', 'blue').index(colour_to)}]  # the {colour_to} channel\n"
    return head + "\n" + body


def x_snippet(matrix: np.ndarray) -> str:
    """Code that builds the X matrix (or the learner's edited one) and prints it.

    Examples
    --------
    >>> "np.eye(6" in x_snippet(x_matrix())
    True
    """
    matrix = np.asarray(matrix)
    if matrix.shape == (X_SIZE, X_SIZE) and np.array_equal(matrix, x_matrix()):
        build = (f"eye = np.eye({X_SIZE}, dtype=int)\n"
                 "X = np.maximum(eye, np.fliplr(eye))  # ones on both diagonals\n")
    else:
        rows = ",\n              ".join(str([_number(v) for v in row]) for row in matrix)
        build = f"X = np.array([{rows}])\n"
    return f'''import numpy as np

{build}print(X)
print("shape", X.shape, "min", X.min(), "max", X.max())
'''


def zoom_snippet(image_lines: str, top: int, left: int, size: int, colour: bool,
                 block: tuple[int, int, int, int, int] | None = None,
                 spacing: tuple[float, ...] | None = None) -> str:
    """Code that cuts the zoom window (and the block of voxels of a 3D image) and prints every value.

    Parameters
    ----------
    image_lines : str
        Code from `image_code` that sets ``image`` (and ``volume``).
    top, left, size : int
        The window.
    colour : bool
        Print the red, green and blue values separately.
    block : (int, int, int, int, int), optional
        A 3D block: first slice, number of slices, top row, left column and side.
    spacing : tuple of float, optional
        Voxel size in mm (slice, row, col), from the file's header.

    Returns
    -------
    str
    """
    code = image_lines + f'''np.set_printoptions(linewidth=200)

top, left, size = {top}, {left}, {size}
window = image[top:top + size, left:left + size]
print("rows", top, "to", top + window.shape[0] - 1, "columns", left, "to", left + window.shape[1] - 1)
'''
    if colour:
        code += '''for number, name in enumerate(("red", "green", "blue")):
    print(name)
    print(window[..., number])
'''
    else:
        code += "print(window)\n"
    if block is not None:
        first, depth, b_top, b_left, side = block
        code += f'''
first, depth, b_top, b_left, side = {first}, {depth}, {b_top}, {b_left}, {side}
block = volume[first:first + depth, b_top:b_top + side, b_left:b_left + side]
for k in range(block.shape[0]):
    print("slice", first + k)
    print(block[k])
'''
        if spacing is not None:
            code += f'''voxel_mm = {tuple(round(float(s), 6) for s in spacing)}  # slice, row, column: from the file's header
print("voxel volume (mm^3)", np.prod(voxel_mm))
print("block size (mm)", np.array(block.shape[:3]) * voxel_mm)
'''
    return code


def quantise_snippet(image_lines: str, bits: int) -> str:
    """Code that re-quantises the image to n bits and prints the levels and the bytes."""
    dtype = "np.uint8" if bits <= 8 else "np.uint16"
    return image_lines + f'''
n = {bits}  # bits per value: 2**n levels, 0 to 2**n - 1
finite = image[np.isfinite(image)]
lo, hi = float(finite.min()), float(finite.max())
scale = 2**n / (hi - lo) if hi > lo else 0.0
levels = np.floor((image.astype(np.float64) - lo) * scale)  # cut the range into 2**n equal steps
levels = np.where(np.isfinite(levels), np.clip(levels, 0, 2**n - 1), 0).astype({dtype})  # NaN, inf: 0
print("levels possible", 2**n, "from 0 to", 2**n - 1)
print("levels present", len(np.unique(levels)), "of", len(np.unique(finite)), "values in the original")
print("one level spans", (hi - lo) / 2**n, "units of the image")
channels = image.shape[2] if image.ndim == 3 else 1
print("bytes per pixel", channels * levels.itemsize, "bytes per image", levels.nbytes)
print("bytes if packed", levels.size * n / 8)
'''


def stored_range_snippet(file: str, units: str, top: int, left: int, size: int) -> str:
    """Code that reads a pydicom test file, prints its value range, the bits it needs, and an 8-bit copy.

    Parameters
    ----------
    file : str
        The file's name for ``pydicom.data.get_testdata_file`` (the sample of the bit-depth section).
    units : str
        The values' units after the file's rescale ("HU" for CT).
    top, left, size : int
        The patch whose values are printed before and after 8 bits.

    Returns
    -------
    str
    """
    return f'''import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.pixels import apply_modality_lut

ds = pydicom.dcmread(get_testdata_file({py_literal(file)}))
values = apply_modality_lut(ds.pixel_array, ds)  # stored values through the file's rescale: {units}
print("values from", values.min(), "to", values.max(), "·", len(np.unique(values)), "different values ({units})")
print("bits needed", int(np.ceil(np.log2(values.max() - values.min() + 1))))
print("bits stored in the file", ds.BitsStored, "· bytes per pixel", ds.BitsAllocated // 8)
print("with 8 bits one level spans", (values.max() - values.min()) / 2**8, {py_literal(units)})
lo, hi = values.min(), values.max()
levels = np.minimum(np.floor((values - lo) * (2**8 / (hi - lo))), 2**8 - 1)  # the 8-bit copy
back = lo + (levels + 0.5) * (hi - lo) / 2**8                                # each level's middle
print("8-bit copy", len(np.unique(back)), "values, largest error", np.abs(back - values).max(), {py_literal(units)})
np.set_printoptions(linewidth=200)
patch = (slice({top}, {top + size}), slice({left}, {left + size}))  # {size} x {size} pixels
print("patch, original")
print(values[patch])
print("patch, 8 bits")
print(back[patch].round(2))
'''


def magenta_snippet(keep: tuple[bool, bool, bool]) -> str:
    """Code that builds the lecture's magenta X from three channels and recombines the kept ones."""
    return f'''import numpy as np

eye = np.eye({X_SIZE}, dtype=np.uint8)
X = np.maximum(eye, np.fliplr(eye)) * 255
red, green, blue = X, np.zeros_like(X), X  # the X in red and blue, green all zeros
for name, channel in (("red", red), ("green", green), ("blue", blue)):
    print(name)
    print(channel)
keep = {tuple(bool(k) for k in keep)}  # red, green, blue
rgb = np.dstack([c if k else np.zeros_like(c) for c, k in zip((red, green, blue), keep)])
print("shape", rgb.shape, "· pixel (0, 0) =", rgb[0, 0], "· pixel (0, 1) =", rgb[0, 1])
'''


def channels_snippet(image_lines: str, keep: tuple[bool, bool, bool]) -> str:
    """Code that splits a colour image into its channels, prints their statistics and recombines them."""
    return image_lines + f'''
red, green, blue = image[..., 0], image[..., 1], image[..., 2]  # three grey images
for name, channel in (("red", red), ("green", green), ("blue", blue)):
    print(name, "min", channel.min(), "mean", round(float(channel.mean()), 2), "max", channel.max())
print("split and stacked again, identical:", np.array_equal(np.dstack([red, green, blue]), image[..., :3]))
keep = {tuple(bool(k) for k in keep)}  # red, green, blue
rgb = np.dstack([c if k else np.zeros_like(c) for c, k in zip((red, green, blue), keep)])
print("recombined mean per channel", [round(float(rgb[..., c].mean()), 2) for c in range(3)])
'''


def snr_snippet(image_lines: str, signal: tuple[tuple[int, int], tuple[int, int]],
                background: tuple[tuple[int, int], tuple[int, int]], kind: str, strength: float,
                seed: int) -> str:
    """Code that adds the chosen noise (as `core.data.noise.add_noise` does) and prints the SNR before and after.

    Parameters
    ----------
    image_lines : str
        Code from `image_code` that sets a grey ``image``.
    signal, background : ((int, int), (int, int))
        Inclusive ``(first, last)`` rows and columns of the two regions.
    kind : str
        One of `core.data.noise.NOISE_KINDS`.
    strength : float
        As in `core.data.noise.add_noise`.
    seed : int
        Seed of the random generator.

    Returns
    -------
    str
    """
    if kind not in NOISE_KINDS:
        raise ValueError(f"unknown noise {kind!r}")
    (sr, sc), (br, bc) = signal, background
    noise = {
        "gaussian": f"noisy = values + rng.normal(0.0, {strength!r}, values.shape)  # electronics: N(0, sigma^2)",
        "salt and pepper": (f"hit = rng.random(values.shape) < {min(strength, 1.0)!r}  # dead or stuck pixels\n"
                            "salt = rng.random(values.shape) < 0.5\n"
                            "noisy = values.copy()\n"
                            "noisy[hit & salt] = np.nanmax(values)  # stuck at the brightest value\n"
                            "noisy[hit & ~salt] = np.nanmin(values)  # dead: the darkest value"),
        "poisson": (f"photons = {strength!r}  # photons per unit of value: fewer photons, more noise\n"
                    "low = min(values.min(), 0)\n"
                    "noisy = rng.poisson((values - low) * photons) / photons + low"),
        "rician": (f"real = values + rng.normal(0.0, {strength!r}, values.shape)  # MRI: noise on both channels\n"
                   f"imaginary = rng.normal(0.0, {strength!r}, values.shape)\n"
                   "noisy = np.hypot(real, imaginary)"),
    }[kind]
    if strength == 0:
        noise = "noisy = values.copy()  # no noise added"
    return image_lines + f'''
signal = (slice({sr[0]}, {sr[1] + 1}), slice({sc[0]}, {sc[1] + 1}))          # rows, columns
background = (slice({br[0]}, {br[1] + 1}), slice({bc[0]}, {bc[1] + 1}))


def snr(img):
    """Mean of the signal region over the standard deviation of the background."""
    spread = img[background].std()
    return np.inf if spread == 0 else img[signal].mean() / spread


def decibels(ratio):
    return 20 * np.log10(ratio) if ratio > 0 else -np.inf


values = image.astype(np.float64)
rng = np.random.default_rng({seed})
{noise}
for name, img in (("before", values), ("after", noisy)):
    print(name, "signal mean", img[signal].mean(), "background std", img[background].std(),
          "SNR", snr(img), "dB", decibels(snr(img)))
'''


def _number(value) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() else value
