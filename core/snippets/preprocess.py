"""The Python of the "Preparing data" page's "Show the code" panels.

Each function returns complete code, with the current parameters filled in,
that runs as it is in a plain Python session (numpy, scipy, scikit-image) and
prints the numbers the page shows. The code starts from the same grey image
as the page: a built-in sample, read with the library that ships it (pydicom,
nibabel, imageio, scikit-image; only the DICOM series the course writes
itself comes through `core.samples`), the synthetic shapes (generated in the
code itself) or, for an upload, a ``.npy`` file of the slice that the page
offers for download (page 2 shows how to read the file itself).
"""

from __future__ import annotations

from dataclasses import dataclass

from core import preprocess, samples
from core.text.safe_text import py_literal
from core.snippets.loading import pydicom_data_code

SYNTHETIC_CODE = '''rows, cols = np.mgrid[:{size}, :{size}] / {size}
truth = (rows - 0.35) ** 2 + (cols - 0.35) ** 2 <= 0.2**2               # disc
truth |= (rows >= 0.6) & (rows < 0.85) & (cols >= 0.55) & (cols < 0.8)  # square
truth |= (rows >= 0.1) & (rows < 0.5) & (cols >= 0.8) & (cols < 0.83)   # thin bar
truth |= (rows - 0.8) ** 2 + (cols - 0.2) ** 2 <= 0.04**2               # small dot
{name} = np.where(truth, 160, 60).astype(float)                          # the synthetic shapes'''
"""Code that builds `core.preprocess.synthetic_shapes` as ``{name}`` (the image) and ``truth``."""


@dataclass(frozen=True)
class Source:
    """Where the page's grey image comes from, for the code's first lines.

    Attributes
    ----------
    sample : str
        A built-in sample's name ("" otherwise).
    synthetic_size : int
        Rows and columns of the synthetic shapes (0 otherwise).
    npy_name : str
        For an upload: the ``.npy`` file of the grey slice (or volume) the
        page offers for download.
    index : tuple of int
        Leading indices of the slice in the sample's data: ``()`` for 2D,
        ``(slice,)`` for 3D, ``(time, slice)`` for 4D.
    rgb : bool
        The sample is in colour (converted to grey luminance, 0-255).
    step : int
        Keep every `step`-th row and column (the page reduces very large
        images so that it stays interactive).
    """

    sample: str = ""
    synthetic_size: int = 0
    npy_name: str = ""
    index: tuple[int, ...] = ()
    rgb: bool = False
    step: int = 1


def _grey_lines(name: str, rgb: bool) -> str:
    if rgb:
        return f"{name} = color.rgb2gray({name}[..., :3].astype(float))  # colour to grey (rgb2gray), in its own units"
    return f"{name} = {name}.astype(float)"


NIFTI_READ = """img = nib.load(path)
to_display = orientations.ornt_transform(orientations.io_orientation(img.affine),
                                         orientations.axcodes2ornt(("S", "P", "L")))
{target} = orientations.apply_orientation(np.asanyarray(img.dataobj), to_display)  # (slice, row, column), as shown
if {target}.ndim == 4:
    {target} = np.moveaxis({target}, 3, 0)  # a time series: (time, slice, row, column)"""
"""nibabel code that reads ``path`` into ``{target}`` in the course's display frame (axial slices, as on the page)."""


def sample_code(name: str, target: str = "data") -> tuple[set[str], str]:
    """Code that sets `target` to a built-in sample's pixel data, read with the library that ships it.

    The array is the one `core.samples.load(name).data` gives (the tests
    check it): pydicom's test files through ``get_testdata_file`` and the
    rescale to physical values, nibabel's and nilearn's NIfTI files through
    nibabel (reoriented to axial slices, time first for 4D), scikit-image's
    pictures through ``skimage.data`` or imageio. Only the DICOM series the
    course writes itself is read through ``core.samples``.

    Parameters
    ----------
    name : str
        One of `core.samples.names()`.
    target : str
        The variable to set.

    Returns
    -------
    imports : set of str
        The import lines the code needs.
    code : str
    """
    sample = samples.info(name)
    if sample.package == "data_store":
        imports, _, code = pydicom_data_code(sample, target).partition("\n\n")
        return set(imports.splitlines()), code
    if not sample.package:
        return {"from core.samples import load  # the DICOM series this course writes"}, \
            f"{target} = load({py_literal(name)}).data"
    if sample.package == "pydicom":
        return {"import pydicom", "from pydicom.data import get_testdata_file"}, (
            f"ds = pydicom.dcmread(get_testdata_file({py_literal(sample.file)}))\n"
            f'{target} = ds.pixel_array * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))')
    if sample.package in ("nibabel", "nilearn"):
        path = ("import os\nimport nibabel.testing\n"
                f"path = os.path.join(nibabel.testing.data_path, {py_literal(sample.file)})"
                if sample.package == "nibabel" else sample.path_code)
        return {"import nibabel as nib", "from nibabel import orientations"}, path + "\n" + NIFTI_READ.format(target=target)
    reader = {"retina.jpg": "data.retina()", "microaneurysms.png": "data.microaneurysms()"}.get(sample.file)
    if reader:
        return {"from skimage import data"}, f"{target} = {reader}"
    return {"import imageio.v3 as iio"}, (sample.path_code + f"\n{target} = iio.imread(path)[..., 0]"
                                          "  # a grey picture saved as RGB: the channels are equal")


def clean_code(source: Source, name: str = "clean") -> str:
    """Code that sets `name`: the page's grey 2D image before noise (float64).

    For the synthetic shapes it also sets ``truth``.
    """
    if source.synthetic_size:
        return SYNTHETIC_CODE.format(size=source.synthetic_size, name=name)
    if source.npy_name:
        return (f"{name} = np.load({py_literal(source.npy_name)})  # the grey slice of your upload, downloaded from the page\n"
                "# (page 2, Loading data, shows how to read your file itself)")
    where = "".join(f"[{i}]" for i in source.index) + _every(source.step)
    take = f"\n{name} = {name}{where}" if where else ""
    return sample_code(source.sample, name)[1] + take + "\n" + _grey_lines(name, source.rgb)


def _every(step: int, leading: str = "") -> str:
    if step <= 1:
        return ""
    return f"[{leading}::{step}, ::{step}]  # one row and column in {step}, as on the page"


def volume_code(source: Source) -> str:
    """Code that sets ``volume``: the whole grey volume (3D) the page's slice comes from (float64)."""
    if source.npy_name:
        return f"volume = np.load({py_literal(source.npy_name)})  # your grey volume, downloaded from the page"
    where = (f"[{source.index[0]}]" if len(source.index) == 2 else "") + _every(source.step, ":, ")
    take = f"\nvolume = volume{where}" if where else ""
    return sample_code(source.sample, "volume")[1] + take + "\n" + _grey_lines("volume", source.rgb)


def imports(source: Source, *modules: str) -> str:
    """The import lines: numpy, the sample's reader when needed, and `modules` (e.g. "from skimage import filters")."""
    lines = {"import numpy as np", *modules}
    if source.rgb:
        lines.add("from skimage import color")
    if source.sample:
        lines |= sample_code(source.sample)[0]
    return "\n".join(sorted(lines, key=lambda line: (line.startswith("from"), line)))


def noise_code(noise: preprocess.NoiseSettings, scale: tuple[float, float], source_name: str = "clean",
               target: str = "image", seed: str | None = None) -> str:
    """Code that sets `target` to `source_name` plus the noise of `core.data.noise.add_noise` (same random numbers).

    Parameters
    ----------
    noise : NoiseSettings
    scale : (float, float)
        The image's range, which the noise level refers to.
    source_name, target : str
        Variable names.
    seed : str, optional
        A seed expression to use instead of the literal seed (e.g. ``"seed + k"``).
    """
    strength = noise.strength(scale)
    if strength <= 0:
        return f"{target} = {source_name}.copy()  # no noise added"
    seed = seed or str(noise.seed)
    x = source_name
    head = f"rng = np.random.default_rng({seed})\n"
    if noise.kind == "gaussian":
        return head + f"{target} = {x} + rng.normal(0.0, {strength!r}, {x}.shape)  # Gaussian noise, sigma {strength:.4g}"
    if noise.kind == "salt and pepper":
        return head + (
            f"{target} = {x}.copy()\n"
            f"hit = rng.random({x}.shape) < {min(strength, 1.0)!r}  # pixels hit\n"
            f"salt = rng.random({x}.shape) < 0.5\n"
            f"{target}[hit & salt] = np.nanmax({x})   # salt: the maximum\n"
            f"{target}[hit & ~salt] = np.nanmin({x})  # pepper: the minimum")
    if noise.kind == "poisson":
        return head + (
            f"low = min(float(np.nanmin({x})), 0.0)\n"
            f"photons = rng.poisson(({x} - low) * {strength!r})  # photon counts\n"
            f"{target} = photons / {strength!r} + low")
    return head + (
        f"real = {x} + rng.normal(0.0, {strength!r}, {x}.shape)  # Rician: magnitude of a complex signal\n"
        f"imaginary = rng.normal(0.0, {strength!r}, {x}.shape)\n"
        f"{target} = np.hypot(real, imaginary)")


def truth_code(source: Source, truth: str) -> str:
    """Code that sets ``truth`` (a boolean mask of the 2D image) for one of `preprocess.sample_truths`' names.

    For the synthetic shapes ``truth`` is already set by `clean_code`; for
    an image without ground truth, ``truth`` is Otsu's answer on the clean image.
    """
    if source.synthetic_size:
        return "# truth: the synthetic shapes (set above)"
    if truth == "skull (value 255)":
        return "truth = clean == 255  # the phantom's skull"
    if truth == "head (value > 0)":
        return "truth = clean > 0  # the phantom's head"
    if truth.endswith("matter > 50 %") or truth.startswith("brain"):
        sample = samples.info(source.sample)
        if sample.file in (samples.MNI_GM, samples.MNI_WM):
            return "truth = clean > 127  # this tissue's probability above 50 % (0-255)"
        k = source.index[-1] * (1 if sample.file else 2)  # the DICOM series holds every second slice
        reader, gm = sample_code(samples.SAMPLES[3].name, "gm")
        wm = sample_code(samples.SAMPLES[4].name, "wm")[1]
        maps = ("" if sample.file else "\n".join(sorted(reader)) + "\n")  # the series' code reads no NIfTI yet
        maps += (f"{gm}\ngm = gm[{k}].astype(int)  # grey matter probability, 0-255\n"
                 f"{wm}\nwm = wm[{k}].astype(int)  # white matter probability, 0-255\n")
        if truth.startswith("brain"):
            return maps + "truth = gm + wm > 127  # brain: grey + white matter above 50 %"
        tissue = "gm" if truth.startswith("grey") else "wm"
        return maps + f"truth = {tissue} > 127  # {truth}"
    return "truth = clean > filters.threshold_otsu(clean)  # no ground truth: Otsu on the clean image"


def _scale_line(scale: tuple[float, float]) -> str:
    return f"lo, hi = {scale[0]!r}, {scale[1]!r}  # the image's range: noise level and manual threshold refer to it"


def _start(source: Source, noise: preprocess.NoiseSettings, scale: tuple[float, float], *modules: str) -> str:
    return "\n".join([imports(source, *modules), "", clean_code(source), _scale_line(scale),
                      noise_code(noise, scale), ""])


def noise_snippet(source: Source, noise: preprocess.NoiseSettings, scale: tuple[float, float]) -> str:
    """Code of the noise view: add the noise, and measure it (mean and standard deviation of noisy − clean)."""
    return _start(source, noise, scale) + """noise = image - clean
print(f"noise: mean {noise.mean():.4g}, standard deviation {noise.std():.4g}")
print(f"noisy image: min {image.min():.4g}, max {image.max():.4g}")
"""


MASK_CODE = {
    "circle": "rows, cols = np.ogrid[:image.shape[0], :image.shape[1]]\n"
              "mask = (rows - {row!r}) ** 2 + (cols - {col!r}) ** 2 <= {radius!r} ** 2",
    "rectangle": "mask = np.zeros(image.shape, dtype=bool)\nmask[{top}:{bottom}, {left}:{right}] = True",
    "lasso (drawn)": "vertices = np.array([{rows!r}, {cols!r}]).T  # the lasso you drew: (row, column) of each point\n"
                     "mask = draw.polygon2mask(image.shape, vertices) if len(vertices) >= 3 else np.ones(image.shape, bool)",
    "threshold (Otsu)": "mask = image > filters.threshold_otsu(image)",
    "brain (computed)": "mask = ndi.binary_fill_holes(image > filters.threshold_otsu(image))  # Otsu, holes filled\n"
                        "labels = measure.label(mask)\n"
                        "mask = labels == np.argmax(np.bincount(labels.ravel())[1:]) + 1  # the largest region",
}
"""Code that sets ``mask`` for each way of making one (see `mask_snippet`)."""


def mask_snippet(source: Source, noise: preprocess.NoiseSettings, scale: tuple[float, float],
                 how: str, params: dict, truth: str = "") -> str:
    """Code of the masking view: make the mask, apply it, count the removed pixels.

    Parameters
    ----------
    how : str
        A key of `MASK_CODE`, or ``"brain (MNI tissue maps)"`` (then `truth`
        names the brain ground truth).
    params : dict
        ``row, col, radius`` (circle), ``top, left, bottom, right`` (rectangle) or ``rows, cols`` (the
        vertices of a lasso), in pixels.
    """
    if how in MASK_CODE:
        make = MASK_CODE[how].format(**params)
    else:
        make = truth_code(source, truth) + "\nmask = truth"
    return _start(source, noise, scale, "from scipy import ndimage as ndi", "from skimage import draw, filters, measure") + f"""
{make}
fill = clean.min()  # the clean minimum (air in CT): removed pixels look like background; x * mask gives 0, water
masked = np.where(mask, image, fill)
removed = int((~mask).sum())
print(f"removed {{removed}} of {{mask.size}} pixels ({{100 * removed / mask.size:.2f}} %)")
print(f"kept {{int(mask.sum())}} pixels, filled with {{fill:.6g}}")
"""


THRESHOLD_CODE = {
    "otsu": "filters.threshold_otsu(image)",
    "li": "filters.threshold_li(image)",
    "yen": "filters.threshold_yen(image)",
    "triangle": "filters.threshold_triangle(image)",
    "mean": "filters.threshold_mean(image)",
}
"""scikit-image's call for each automatic method (``manual`` is ``lo + level / 255 * (hi - lo)``)."""


def threshold_snippet(source: Source, noise: preprocess.NoiseSettings, scale: tuple[float, float],
                      level: float, truth: str | None) -> str:
    """Code of the thresholding view: every method's threshold, foreground share and Dice."""
    methods = "\n".join(f'    "{m}": {c},' for m, c in THRESHOLD_CODE.items())
    truth_part = ""
    if truth is not None:
        truth_part = truth_code(source, truth) + "\n"
    dice_print = ('    dice = 2 * (mask & truth).sum() / (mask.sum() + truth.sum())\n'
                  '    print(f"{name:9s} threshold {t:12.6g}   foreground {100 * mask.mean():6.2f} %   Dice {dice:.4f}")'
                  if truth is not None else
                  '    print(f"{name:9s} threshold {t:12.6g}   foreground {100 * mask.mean():6.2f} %")')
    return _start(source, noise, scale, "from skimage import filters") + f"""{truth_part}
level = {float(level)!r}  # the lecture's v = 127 is on an 8-bit scale (0-255)
thresholds = {{
    "manual": lo + level / 255 * (hi - lo),  # {level:g}/255 of the way from lo to hi
{methods}
}}
for name, t in thresholds.items():
    mask = image > t  # foreground: brighter than the threshold
{dice_print}
"""


def filter_snippet(source: Source, noise: preprocess.NoiseSettings, scale: tuple[float, float],
                   sigma: float, size: int) -> str:
    """Code of the filtering view: Gaussian and median, and how far each is from the clean image."""
    return _start(source, noise, scale, "from skimage import filters") + f"""
smooth = filters.gaussian(image, sigma={float(sigma)!r}, preserve_range=True)  # Gaussian, sigma in pixels
middle = filters.median(image, np.ones(({int(size)}, {int(size)}), dtype=bool))  # median of each {int(size)} x {int(size)} square
for name, x in (("noisy", image), ("gaussian", smooth), ("median", middle)):
    rmse = np.sqrt(np.mean((x - clean) ** 2))  # root mean square error against the clean image
    print(f"{{name:8s}} mean {{x.mean():10.6g}}  std {{x.std():10.6g}}  error vs clean (RMSE) {{rmse:10.6g}}")
"""


EDGE_CODE = {
    "roberts": "filters.roberts(image)",
    "sobel": "filters.sobel(image)",
    "prewitt": "filters.prewitt(image)",
    "scharr": "filters.scharr(image)",
}


def edges_snippet(source: Source, noise: preprocess.NoiseSettings, scale: tuple[float, float],
                  method: str, sigma: float) -> str:
    """Code of the edges view: the kernels, and the edge map's numbers.

    `sigma` is Canny's own smoothing, or the Gaussian applied before the
    other detectors (0: none).
    """
    kernels = preprocess.EDGE_KERNELS[method]
    kernel_lines = "\n".join(
        f"kernel_{i} = np.array({k.integers.tolist()}) / {k.divisor}  # {k.name}" for i, k in enumerate(kernels, 1))
    if method == "canny":
        body = f"""# Canny: scale to 0-1, Gaussian (sigma {float(sigma):g}), Sobel gradients, thin ridges, hysteresis (0.1 / 0.2)
unit = (image - image.min()) / (image.max() - image.min()) if image.max() > image.min() else np.zeros_like(image)
edges = feature.canny(unit, sigma={float(sigma)!r})
print(f"edge pixels {{int(edges.sum())}} of {{edges.size}} ({{100 * edges.mean():.2f}} %)")
"""
    else:
        smooth = (f"image = filters.gaussian(image, sigma={float(sigma)!r}, preserve_range=True)  # smooth first\n"
                  if sigma > 0 else "")
        body = smooth + f"""# scikit-image convolves with both kernels and combines them: sqrt((g1**2 + g2**2) / 2)
g1 = ndi.convolve(image, kernel_1)
g2 = ndi.convolve(image, kernel_2)
edges = {EDGE_CODE[method]}
print("same as the two convolutions:", bool(np.allclose(edges, np.sqrt((g1**2 + g2**2) / 2))))
print(f"edge strength: mean {{edges.mean():.6g}}  max {{edges.max():.6g}}")
"""
    return _start(source, noise, scale, "from scipy import ndimage as ndi", "from skimage import feature, filters") \
        + kernel_lines + "\n" + body


def lecture_snippet(source: Source, noise: preprocess.NoiseSettings, scale: tuple[float, float], sigma: float,
                    truth: str | None, sigmas: tuple[float, ...]) -> str:
    """Code of the lecture's pipeline: noisy → Otsu against noisy → Gaussian → Otsu, and the sigma sweep."""
    return _start(source, noise, scale, "from skimage import filters") + truth_code(source, truth or "") + f"""


def dice(a, b):
    return 2 * (a & b).sum() / (a.sum() + b.sum())


t_noisy = filters.threshold_otsu(image)
smooth = filters.gaussian(image, sigma={float(sigma)!r}, preserve_range=True)
t_smooth = filters.threshold_otsu(smooth)
print(f"noisy -> Otsu:            threshold {{t_noisy:.6g}}  Dice {{dice(image > t_noisy, truth):.4f}}")
print(f"noisy -> Gaussian -> Otsu: threshold {{t_smooth:.6g}}  Dice {{dice(smooth > t_smooth, truth):.4f}}")
for s in {list(sigmas)!r}:  # the trade-off: more smoothing removes noise but blurs edges and thin parts
    x = filters.gaussian(image, sigma=s, preserve_range=True) if s > 0 else image
    print(f"sigma {{s:4.2f}}  Dice {{dice(x > filters.threshold_otsu(x), truth):.4f}}")
"""
