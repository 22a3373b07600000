"""A small image-preparation pipeline: ordered steps, every intermediate image, and its Python code.

A pipeline is a list of `Step`. `run` applies it to one 2D image and keeps
every intermediate; `run_volume` applies it to a whole volume slice by slice
(thresholds computed once from all slices); `pipeline_code` writes the
Python that does the same with numpy and scikit-image.

>>> import numpy as np
>>> steps = [Step("gaussian", value=1.0), Step("threshold", "otsu")]
>>> images = run(np.array([[0.0, 0, 100, 100]] * 4), steps, (0.0, 100.0))
>>> len(images), images[-1].dtype
(3, dtype('bool'))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from core import preprocess, samples
from core.text.safe_text import py_literal
from core.snippets.preprocess import Source, clean_code, imports, noise_code, volume_code

STEP_KINDS = ("noise", "gaussian", "median", "threshold", "mask", "edges")
"""What a step can do."""

STEP_OPTIONS = {
    "noise": ("gaussian", "salt and pepper", "poisson", "rician"),
    "threshold": preprocess.THRESHOLD_METHODS,
    "mask": ("circle", "brain (computed)"),
    "edges": preprocess.EDGE_METHODS,
}
"""The choices of each kind of step (kinds not listed have none)."""

VALUE_LABELS = {
    "noise": "level (% of range)",
    "gaussian": "sigma (pixels)",
    "median": "size (pixels)",
    "threshold": "manual level (0-255)",
    "mask": "circle radius (% of the smaller side)",
    "edges": "Canny sigma",
}
"""What the number of each kind of step means."""


@dataclass(frozen=True)
class Step:
    """One step of a pipeline.

    Attributes
    ----------
    kind : str
        One of `STEP_KINDS`.
    option : str
        The choice of `STEP_OPTIONS` (noise kind, threshold method, mask shape, edge detector).
    value : float
        The number of `VALUE_LABELS`: noise level in % of the range,
        Gaussian sigma, median size, manual threshold level, circle radius
        in % of the smaller side, Canny's sigma.
    seed : int
        The noise's seed (slice ``k`` of a volume uses ``seed + k``).
    """

    kind: str
    option: str = ""
    value: float = 0.0
    seed: int = 0

    def label(self) -> str:
        """A short description, e.g. ``"Gaussian (sigma 2)"``."""
        if self.kind == "noise":
            return f"{self.option} noise ({self.value:g} %)"
        if self.kind == "gaussian":
            return f"Gaussian (sigma {self.value:g})"
        if self.kind == "median":
            return f"median ({int(self.value)} × {int(self.value)})"
        if self.kind == "threshold":
            return f"threshold: {self.option}" + (f" ({self.value:g}/255)" if self.option == "manual" else "")
        if self.kind == "mask":
            return "mask: circle" + f" ({self.value:g} %)" if self.option == "circle" else f"mask: {self.option}"
        return f"edges: {self.option}" + (f" (sigma {self.value:g})" if self.option == "canny" else "")


def _mask(image: np.ndarray, step: Step) -> np.ndarray:
    if step.option == "circle":
        rows, cols = image.shape
        return preprocess.circle_mask(image.shape, ((rows - 1) / 2, (cols - 1) / 2), step.value / 100 * min(rows, cols))
    return preprocess.computed_brain_mask(image)


def apply_step(image: np.ndarray, step: Step, scale: tuple[float, float], slice_index: int = 0,
               threshold: float | None = None, fill: float | None = None) -> np.ndarray:
    """Apply one step to a 2D image.

    Parameters
    ----------
    image : numpy.ndarray
        The 2D image (grey values or a boolean mask from an earlier threshold).
    step : Step
    scale : (float, float)
        The original image's range, which noise levels and the manual threshold refer to.
    slice_index : int
        The slice's index in its volume (noise seed ``seed + slice_index``).
    threshold : float, optional
        Use this threshold instead of computing it from `image` (for a volume).
    fill : float, optional
        Value of the pixels a mask removes: the clean image's minimum (air in
        CT), as the masking section does; `image`'s minimum when None (which,
        after noise, can be a value no scanner gives).

    Returns
    -------
    numpy.ndarray
        float64, or bool after a threshold or Canny; same shape.
    """
    if step.kind == "noise":
        return preprocess.NoiseSettings(step.option, step.value, step.seed).apply(image, scale, slice_index)
    if step.kind == "gaussian":
        return preprocess.gaussian(image, step.value)
    if step.kind == "median":
        return preprocess.median(image, int(step.value))
    if step.kind == "threshold":
        if threshold is None:
            threshold = preprocess.threshold_value(image, step.option, step.value, scale)
        return preprocess.binarize(image, threshold)
    if step.kind == "mask":
        values = np.asarray(image, dtype=np.float64)
        if fill is None:
            fill = float(values.min()) if values.size else 0.0
        return preprocess.apply_mask(values, _mask(values, step), fill=fill)
    if step.kind == "edges":
        return preprocess.edges(image, step.option, step.value)
    raise ValueError(f"unknown step {step.kind!r}; choose one of {STEP_KINDS}")


def run(image: np.ndarray, steps: list[Step], scale: tuple[float, float], slice_index: int = 0) -> list[np.ndarray]:
    """Apply the steps in order to a 2D image, keeping every intermediate.

    Returns
    -------
    list of numpy.ndarray
        The input (as float64) followed by the output of each step. A mask
        sets the pixels it removes to the input's (clean) minimum.
    """
    images = [np.asarray(image, dtype=np.float64)]
    fill = float(images[0].min()) if images[0].size else 0.0
    for step in steps:
        images.append(apply_step(images[-1], step, scale, slice_index, fill=fill))
    return images


def run_volume(volume: np.ndarray, steps: list[Step], scale: tuple[float, float],
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Apply the steps to every slice of a 3D volume; thresholds are computed once from the whole volume.

    Parameters
    ----------
    volume : numpy.ndarray
        ``(slices, rows, cols)`` grey values.
    steps : list of Step
    scale : (float, float)
        The volume's range.
    progress : callable, optional
        Called as ``progress(done, total)`` after each slice of each step.

    Returns
    -------
    numpy.ndarray
        The final volume (float64, or bool after a threshold or Canny).
    """
    current = np.asarray(volume, dtype=np.float64)
    n = current.shape[0]
    fills = current.reshape(n, -1).min(axis=1) if current.size else np.zeros(n)  # each clean slice's minimum
    total, done = max(len(steps) * n, 1), 0
    for step in steps:
        threshold = None
        if step.kind == "threshold":
            threshold = preprocess.threshold_value(current, step.option, step.value, scale)
        outputs = []
        for k in range(n):
            outputs.append(apply_step(current[k], step, scale, k, threshold, float(fills[k])))
            done += 1
            if progress is not None:
                progress(done, total)
        current = np.stack(outputs)
    return current


def summary(image: np.ndarray) -> str:
    """The numbers shown under an intermediate image.

    Examples
    --------
    >>> summary(np.array([True, False]))
    'foreground 50.00 %'
    >>> summary(np.array([1.0, 3.0]))
    'mean 2, std 1'
    """
    image = np.asarray(image)
    if image.dtype == bool:
        return f"foreground {100 * image.mean():.2f} %"
    return f"mean {image.mean():.6g}, std {image.std():.6g}"


_STEP_CODE = {
    "gaussian": "filters.gaussian({x}, sigma={value!r}, preserve_range=True)",
    "median": "filters.median({x}, np.ones(({size}, {size}), dtype=bool))",
    "roberts": "filters.roberts({x})",
    "sobel": "filters.sobel({x})",
    "prewitt": "filters.prewitt({x})",
    "scharr": "filters.scharr({x})",
    "canny": "feature.canny(to_unit({x}), sigma={value!r})",
    "circle": "keep_circle({x}, {fraction!r}, {fill})",
    "brain (computed)": "keep_largest_bright_region({x}, {fill})",
}

_HELPERS = {
    "to_unit": '''def to_unit(x):
    """Scale to 0-1 (Canny's thresholds 0.1 and 0.2 refer to it)."""
    x = x.astype(float)
    return (x - x.min()) / (x.max() - x.min()) if x.max() > x.min() else np.zeros_like(x)
''',
    "keep_circle": '''def keep_circle(x, fraction, fill):
    """Keep a centred disc of radius `fraction` of the smaller side; the rest takes `fill`."""
    rows, cols = np.ogrid[:x.shape[0], :x.shape[1]]
    r0, c0, radius = (x.shape[0] - 1) / 2, (x.shape[1] - 1) / 2, fraction * min(x.shape)
    return np.where((rows - r0) ** 2 + (cols - c0) ** 2 <= radius**2, x, fill)
''',
    "keep_largest_bright_region": '''def keep_largest_bright_region(x, fill):
    """Otsu, holes filled, largest connected region kept; the rest takes `fill`."""
    if x.min() == x.max():
        return np.full(x.shape, float(fill))  # a constant image: nothing to separate, no region kept
    mask = ndi.binary_fill_holes(x > filters.threshold_otsu(x))
    labels = measure.label(mask)
    if labels.max() > 0:
        mask = labels == np.argmax(np.bincount(labels.ravel())[1:]) + 1
    return np.where(mask, x, fill)
''',
}


def _threshold_expression(step: Step, x: str) -> str:
    if step.option == "manual":
        return f"lo + {step.value!r} / 255 * (hi - lo)"
    return f"filters.threshold_{step.option}({x})"


def _step_lines(step: Step, number: int, scale: tuple[float, float], volume: bool) -> tuple[str, set[str]]:
    """Code of one step on ``image`` (2D) or ``volume`` (each slice), and the helpers it needs."""
    name = "volume" if volume else "image"
    helpers: set[str] = set()
    if step.kind == "noise":
        noise = preprocess.NoiseSettings(step.option, step.value, step.seed)
        if volume:
            body = noise_code(noise, scale, "x", "noisy", seed=f"{step.seed} + k")
            body = "\n".join("    " + line for line in body.splitlines())
            code = (f"slices = []\nfor k, x in enumerate(volume):  # slice k gets the seed {step.seed} + k\n{body}\n"
                    "    slices.append(noisy)\nvolume = np.stack(slices)")
        else:
            code = noise_code(noise, scale, "image", "image")
    elif step.kind == "threshold":
        code = f"t = {_threshold_expression(step, name)}" + ("  # one threshold for the whole volume" if volume else "")
        code += f"\n{name} = {name} > t"
    else:
        key = step.option if step.kind in ("edges", "mask") else step.kind
        expression = _STEP_CODE[key]
        helpers |= {h for h in _HELPERS if h + "(" in expression}
        call = expression.format(x="x", value=float(step.value), size=int(step.value), fraction=step.value / 100,
                                 fill="f")
        if volume and step.kind == "mask":
            code = f"volume = np.stack([{call} for x, f in zip(volume, fill)])  # slice by slice"
        elif volume:
            code = f"volume = np.stack([{call} for x in volume])  # slice by slice"
        else:
            code = "image = " + expression.format(x="image", value=float(step.value), size=int(step.value),
                                                  fraction=step.value / 100, fill="fill")
    printed = f'print("step {number}: {step.label()}:", summarise({name}))'
    return f"# step {number}: {step.label()}\n{code}\n{printed}", helpers


_SUMMARISE = '''def summarise(x):
    """The numbers the page shows under each image."""
    if x.dtype == bool:
        return f"foreground {100 * x.mean():.2f} %"
    return f"mean {x.mean():.6g}, std {x.std():.6g}"
'''


def pipeline_code(steps: list[Step], source: Source, scale: tuple[float, float], volume: bool = False,
                  output: str = "", invert: bool = False) -> str:
    """Python that runs the whole pipeline with numpy and scikit-image and prints each step's numbers.

    Parameters
    ----------
    steps : list of Step
    source : Source
        Where the image comes from (see `core.snippets.preprocess`).
    scale : (float, float)
        The image's range (noise levels and the manual threshold refer to it).
    volume : bool
        Run on the whole volume, slice by slice, instead of one 2D image.
    output : str
        Also save the result as `result_bytes` does: a ``.png`` (2D) or a
        ``.nii.gz`` (3D) file name; "" for none.
    invert : bool
        Save the PNG inverted, as `result_bytes` does with the same keyword.

    Returns
    -------
    str
    """
    parts, helpers = [], set()
    for number, step in enumerate(steps, 1):
        code, needed = _step_lines(step, number, scale, volume)
        parts.append(code)
        helpers |= needed
    modules = {"from skimage import filters"}
    if any(s.kind == "edges" and s.option == "canny" for s in steps):
        modules.add("from skimage import feature")
    if "keep_largest_bright_region" in helpers:
        modules |= {"from scipy import ndimage as ndi", "from skimage import measure"}
    name = "volume" if volume else "image"
    load = volume_code(source) if volume else clean_code(source, "image")
    save = ""
    if output and volume:
        modules.add("import nibabel as nib")
        affine = "np.eye(4)  # put your image's affine here to keep its orientation"
        if source.sample and samples.info(source.sample).package:  # read with nibabel above
            affine = "img.affine @ orientations.inv_ornt_aff(to_display, img.shape[:3])  # the orientation as shown"
        elif source.sample:
            affine = f"load({py_literal(source.sample)}).affine  # keeps the orientation of the sample"
        save = (f"affine = {affine}\n"
                f"data = volume.astype(np.uint8) if volume.dtype == bool else volume.astype(np.float32)\n"
                f'nib.save(nib.Nifti1Image(data, affine), "{output}")\nprint("saved {output}")')
    elif output:
        modules.add("import imageio.v3 as iio")
        save = ("grey = image.astype(float)\n"
                "span = grey.max() - grey.min()\n"
                "grey = 255 * (grey - grey.min()) / span if span > 0 else np.zeros_like(grey)  # stretched to 0-255\n"
                f'iio.imwrite("{output}", {"255 - " if invert else ""}np.round(grey).astype(np.uint8))'
                + ("  # MONOCHROME1: the lowest value white, as the page shows it" if invert else "")
                + f'\nprint("saved {output}")')
    scale_line = f"lo, hi = {scale[0]!r}, {scale[1]!r}  # the image's range: noise levels and manual thresholds refer to it"
    if any(s.kind == "mask" for s in steps):
        scale_line += ("\nfill = volume.min(axis=(1, 2))  # each clean slice's minimum (air in CT): masked pixels take it"
                       if volume else "\nfill = image.min()  # the clean image's minimum (air in CT): masked pixels take it")
    body = "\n\n".join(parts) if parts else "# no step chosen"
    return (imports(source, *modules) + "\n\n\n" + "".join(_HELPERS[h] + "\n\n" for h in sorted(helpers))
            + _SUMMARISE + "\n\n" + f"{load}\n{scale_line}\n"
            + f'print("input:", summarise({name}))\n\n{body}\n' + (f"\n{save}\n" if save else ""))


def result_bytes(result: np.ndarray, affine: np.ndarray | None = None, invert: bool = False) -> bytes:
    """The pipeline's result as a file: PNG for a 2D image, gzipped NIfTI for a volume (in memory).

    Parameters
    ----------
    result : numpy.ndarray
        2D image or 3D volume (bool or float).
    affine : numpy.ndarray, optional
        The volume's voxel-to-world matrix (identity when None).
    invert : bool
        For a 2D picture in the values of a MONOCHROME1 image, which is shown
        low values white: the PNG's grey levels are inverted (255 - level), so
        the file looks as the page shows it (a PNG has no photometric
        interpretation). Leave it False for a mask or a map of edges, drawn as
        they are. A volume's values are saved as they are.

    Returns
    -------
    bytes
        PNG: 8-bit grey, a mask as 0/255, values stretched from their minimum
        (0) to their maximum (255). NIfTI: uint8 for a mask, float32 otherwise.

    Examples
    --------
    >>> import imageio.v3 as iio
    >>> iio.imread(result_bytes(np.array([[-10.0, 0.0, 10.0]]), invert=True)).tolist()
    [[255, 127, 0]]
    """
    import io

    result = np.asarray(result)
    if result.ndim == 3:
        import gzip

        import nibabel as nib

        data = result.astype(np.uint8) if result.dtype == bool else result.astype(np.float32)
        image = nib.Nifti1Image(data, np.eye(4) if affine is None else affine)
        return gzip.compress(image.to_bytes(), compresslevel=1)
    import imageio.v3 as iio

    grey = result.astype(np.float64)
    span = grey.max() - grey.min() if grey.size else 0.0
    grey = 255 * (grey - grey.min()) / span if span > 0 else np.zeros_like(grey)
    buffer = io.BytesIO()
    grey = np.round(grey).astype(np.uint8)
    iio.imwrite(buffer, 255 - grey if invert else grey, extension=".png")
    return buffer.getvalue()
