"""The code shown in the "Show the code" panels of the page "How a computer sees an image".

Each function returns complete Python, with the page's current parameters
filled in, that runs as it is in a plain session (numpy, pydicom) and prints
the numbers the page shows. Code that needs the learner's image starts with
`image_code`: a built-in sample comes from `core.samples`, an upload from the
``.npy`` file the page offers for download.
"""

from __future__ import annotations

import numpy as np

from core.noise import NOISE_KINDS
from core.pixels import LUMA, X_SIZE, x_matrix
from core.safe_text import py_literal

UPLOAD_FILE = "my_image.npy"
"""File name of the array the page offers for download when the image is an upload."""


def image_code(sample_name: str | None, slice_index: int | None = None, frame: int | None = None,
               colour_to: str | None = None) -> str:
    """Code that sets ``image`` to the 2D image the page works on (and ``volume`` for 3D).

    Parameters
    ----------
    sample_name : str or None
        The built-in sample's name, or None for an upload (read from `UPLOAD_FILE`).
    slice_index : int, optional
        The slice of a 3D image.
    frame : int, optional
        The time point of a 4D image.
    colour_to : str, optional
        For a colour image: "grey" (luminance) or a channel name to work on one grey image.

    Returns
    -------
    str
    """
    if sample_name is None:
        source = f'np.load("{UPLOAD_FILE}")  # your image, downloaded with the button at the top of the page'
        head = "import numpy as np\n\n"
    else:
        source = f"load({py_literal(sample_name)}).data"
        head = "import numpy as np\nfrom core.samples import load  # the course's built-in samples\n\n"
    if slice_index is None:
        body = f"image = {source}\n"
    else:
        if sample_name is not None and frame is not None:
            source = source.replace(".data", f".data[{frame}]") + f"  # time point {frame}"
        body = f"volume = {source}\nimage = volume[{slice_index}]  # slice {slice_index}\n"
    if colour_to == "grey":
        body += f"image = image[..., :3] @ np.array({list(LUMA)})  # grey = weighted sum of red, green and blue\n"
    elif colour_to in ("red", "green", "blue"):
        body += f"image = image[..., {('red', 'green', 'blue').index(colour_to)}]  # the {colour_to} channel\n"
    return head + body


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


def ct_range_snippet(path_code: str, top: int, left: int, size: int) -> str:
    """Code that reads the CT sample with pydicom, prints its Hounsfield range, the bits it needs, and an 8-bit copy.

    Parameters
    ----------
    path_code : str
        Code that sets ``path`` to the CT file.
    top, left, size : int
        The patch whose values are printed before and after 8 bits.

    Returns
    -------
    str
    """
    return f'''import numpy as np
import pydicom

{path_code}
ds = pydicom.dcmread(path)
hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
print("HU from", hu.min(), "to", hu.max(), "·", len(np.unique(hu)), "different values")
print("bits needed", int(np.ceil(np.log2(hu.max() - hu.min() + 1))))
print("bits stored in the file", ds.BitsStored, "· bytes per pixel", ds.BitsAllocated // 8)
print("with 8 bits one level spans", (hu.max() - hu.min()) / 2**8, "HU")
lo, hi = hu.min(), hu.max()
levels = np.minimum(np.floor((hu - lo) * (2**8 / (hi - lo))), 2**8 - 1)  # the 8-bit copy
back = lo + (levels + 0.5) * (hi - lo) / 2**8                            # each level's middle, in HU
print("8-bit copy", len(np.unique(back)), "values, largest error", np.abs(back - hu).max(), "HU")
np.set_printoptions(linewidth=200)
patch = (slice({top}, {top + size}), slice({left}, {left + size}))  # {size} x {size} pixels of soft tissue
print("patch, original")
print(hu[patch])
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
    """Code that adds the chosen noise (as `core.noise.add_noise` does) and prints the SNR before and after.

    Parameters
    ----------
    image_lines : str
        Code from `image_code` that sets a grey ``image``.
    signal, background : ((int, int), (int, int))
        Inclusive ``(first, last)`` rows and columns of the two regions.
    kind : str
        One of `core.noise.NOISE_KINDS`.
    strength : float
        As in `core.noise.add_noise`.
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
