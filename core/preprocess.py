"""Preparing an image: masks, thresholds, smoothing filters, edge detectors and the Dice score.

Every function takes a 2D grey image (a slice of a volume works the same way)
as a numpy array of real values in the image's own units (HU, 8-bit greys...),
keeps its shape and returns a documented dtype. Foreground is always
``image > threshold``, as in scikit-image.

>>> import numpy as np
>>> image = np.array([[10.0, 10.0], [200.0, 210.0]])
>>> t = threshold_value(image, "otsu")
>>> bool(10 < t < 200)
True
>>> dice(image > t, np.array([[False, False], [True, True]]))
1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi
from skimage import feature, filters, measure

from core.basics import to_grey, value_range

THRESHOLD_METHODS = ("manual", "otsu", "li", "yen", "triangle", "mean")
"""Threshold methods: the lecture's manual value and five of scikit-image's automatic ones."""

MANUAL_LEVEL = 127
"""The lecture's manual threshold, on an 8-bit scale (0-255)."""

EDGE_METHODS = ("roberts", "sobel", "prewitt", "scharr", "canny")
"""Edge detectors, from the smallest kernel to the multi-step Canny."""

NOISE_UNITS = {
    "gaussian": "standard deviation",
    "salt and pepper": "fraction of pixels hit",
    "poisson": "photons per unit of value",
    "rician": "standard deviation on each channel",
}
"""What the strength passed to `core.data.noise.add_noise` means for each kind."""


@dataclass(frozen=True)
class Kernel:
    """A small convolution kernel written as ``scale × integers``, as textbooks print it.

    Attributes
    ----------
    name : str
        What it responds to, e.g. "horizontal edges".
    integers : numpy.ndarray
        The integer matrix.
    divisor : int
        scikit-image convolves with ``integers / divisor``.
    """

    name: str
    integers: np.ndarray
    divisor: int

    @property
    def weights(self) -> np.ndarray:
        """The weights scikit-image uses: ``integers / divisor``."""
        return self.integers / self.divisor


def _pair(edge: list[int], smooth: list[int], divisor: int) -> tuple[Kernel, Kernel]:
    horizontal = np.outer(edge, smooth)
    return (Kernel("horizontal edges (change down the rows)", horizontal, divisor),
            Kernel("vertical edges (change along the columns)", horizontal.T.copy(), divisor))


EDGE_KERNELS: dict[str, tuple[Kernel, ...]] = {
    "roberts": (Kernel("positive diagonal", np.array([[1, 0], [0, -1]]), 1),
                Kernel("negative diagonal", np.array([[0, 1], [-1, 0]]), 1)),
    "sobel": _pair([1, 0, -1], [1, 2, 1], 4),
    "prewitt": _pair([1, 0, -1], [1, 1, 1], 3),
    "scharr": _pair([1, 0, -1], [3, 10, 3], 16),
    "canny": _pair([1, 0, -1], [1, 2, 1], 1),
}
"""The kernels each detector convolves with (`scipy.ndimage.convolve`), as in scikit-image 0.26.

Canny first smooths with a Gaussian, then takes unscaled Sobel gradients.
"""


# --- the image to work on ------------------------------------------------------------------------

def threshold_scale(image: np.ndarray) -> tuple[float, float]:
    """The scale the manual threshold and the noise level refer to.

    Not the image's value range in general: an 8-bit image's scale is its
    whole 0-255 range even when its values use only part of it, so that the
    lecture's v = 127 means 127.

    Parameters
    ----------
    image : numpy.ndarray
        The image as loaded (its dtype matters): grey, or colour on its last axis.

    Returns
    -------
    lo, hi : float
        0 and 255 for 8-bit images (uint8, grey or colour); 0 and 1 for
        boolean; otherwise the finite minimum and maximum
        (`core.basics.value_range`: 12- and 16-bit images, Hounsfield
        units, floats). ``(0, 0)`` when no value is finite.

    Examples
    --------
    >>> threshold_scale(np.array([-1000, 3000], np.int16))
    (-1000.0, 3000.0)
    >>> threshold_scale(np.array([3, 7], np.uint8))
    (0.0, 255.0)
    """
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return 0.0, 255.0
    if image.dtype == bool:
        return 0.0, 1.0
    return value_range(image)


def grey_slice(raw: np.ndarray, rgb: bool, step: int = 1) -> tuple[np.ndarray, int]:
    """The grey, finite float64 image the lesson works on, from one slice as loaded.

    Parameters
    ----------
    raw : numpy.ndarray
        ``(rows, cols)`` grey or ``(rows, cols, 3)`` colour values.
    rgb : bool
        True when the last axis holds red, green and blue: then the grey
        value is `core.basics.to_grey` (scikit-image's ``rgb2gray``) in the
        image's own units.
    step : int
        Keep one row and column in `step` (very large images).

    Returns
    -------
    image : numpy.ndarray of float64
    bad : int
        How many non-finite values were replaced (see `fill_non_finite`).

    Examples
    --------
    >>> grey_slice(np.full((2, 4, 3), 200, np.uint8), rgb=True, step=2)[0].round(6).tolist()
    [[200.0, 200.0]]
    """
    raw = np.asarray(raw)[::step, ::step]
    return fill_non_finite(to_grey(raw) if rgb else raw)


def fill_non_finite(image: np.ndarray) -> tuple[np.ndarray, int]:
    """Replace NaN and infinite values by the finite minimum, so that filters do not spread them.

    Returns
    -------
    image : numpy.ndarray of float64
        A copy with only finite values (all zeros when none was finite).
    count : int
        How many values were replaced.

    Examples
    --------
    >>> fill_non_finite(np.array([1.0, np.nan, 3.0]))[0].tolist()
    [1.0, 1.0, 3.0]
    """
    values = np.array(image, dtype=np.float64)
    bad = ~np.isfinite(values)
    count = int(bad.sum())
    if count:
        values[bad] = values[~bad].min() if count < values.size else 0.0
    return values, count


def is_constant(image: np.ndarray) -> bool:
    """True when the finite values of `image` are all equal (or there are none): nothing to separate.

    Examples
    --------
    >>> is_constant(np.full((3, 3), 7.0)), is_constant(np.eye(2))
    (True, False)
    """
    values = np.asarray(image)
    finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values.ravel()
    return finite.size == 0 or bool(finite.min() == finite.max())


def noise_strength(kind: str, percent: float, scale: tuple[float, float]) -> float:
    """The `strength` for `core.data.noise.add_noise` that gives noise of about `percent` % of the range.

    Parameters
    ----------
    kind : str
        One of `core.data.noise.NOISE_KINDS`.
    percent : float
        Noise level, 0-100.
    scale : (float, float)
        The image's `threshold_scale`.

    Returns
    -------
    float
        Gaussian and Rician: a standard deviation of ``percent`` % of the
        range. Salt and pepper: the fraction ``percent / 100`` of pixels.
        Poisson: photons per unit of value such that a pixel at the top of
        the range has a standard deviation of ``percent`` % of the range
        (``1 / (p² × range)``); 0 means no noise.

    Examples
    --------
    >>> noise_strength("gaussian", 10, (0, 255))
    25.5
    """
    if percent <= 0:
        return 0.0
    span = max(scale[1] - scale[0], 1e-12)
    fraction = percent / 100.0
    if kind == "salt and pepper":
        return fraction
    if kind == "poisson":
        return 1.0 / (fraction**2 * span)
    return fraction * span


@dataclass(frozen=True)
class NoiseSettings:
    """The noise added to work against: a kind, a level in % of the image's range, and a seed.

    Attributes
    ----------
    kind : str
        ``"none"`` or one of `core.data.noise.NOISE_KINDS`.
    percent : float
        Level in % of the range (see `noise_strength`).
    seed : int
        Seed of the random generator.
    """

    kind: str = "none"
    percent: float = 0.0
    seed: int = 0

    def strength(self, scale: tuple[float, float]) -> float:
        """The `strength` argument of `core.data.noise.add_noise` for an image of range `scale`."""
        return 0.0 if self.kind == "none" else noise_strength(self.kind, self.percent, scale)

    def apply(self, image: np.ndarray, scale: tuple[float, float], seed_offset: int = 0) -> np.ndarray:
        """A noisy float64 copy of `image`, seeded with ``seed + seed_offset`` (one offset per slice)."""
        from core.data.noise import add_noise

        strength = self.strength(scale)
        if strength <= 0:
            return np.array(image, dtype=np.float64)
        return add_noise(image, self.kind, strength, self.seed + seed_offset)


def histogram(image: np.ndarray, bins: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Counts of the finite values in `bins` equal bins from minimum to maximum.

    Returns
    -------
    counts : numpy.ndarray of int64
    edges : numpy.ndarray of float64
        ``bins + 1`` bin edges.

    Examples
    --------
    >>> histogram(np.array([0.0, 0.0, 1.0]), bins=2)[0].tolist()
    [2, 1]
    """
    values = np.asarray(image, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return np.zeros(bins, np.int64), np.linspace(0.0, 1.0, bins + 1)
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    return np.histogram(values, bins=bins, range=(lo, hi))



def region_histograms(image: np.ndarray, region: np.ndarray, bins: int = 96
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Histograms of the whole image and of a region of it, on the same bins.

    Parameters
    ----------
    image : numpy.ndarray
        Grey values.
    region : numpy.ndarray of bool
        Same shape: True inside the region (a mask, a box or a lasso drawn on the picture).
    bins : int
        Equal bins from the image's minimum to its maximum.

    Returns
    -------
    whole, inside : numpy.ndarray of int64
        Counts of every finite pixel and of the finite pixels in the region.
    edges : numpy.ndarray of float64
        ``bins + 1`` bin edges.

    Examples
    --------
    >>> whole, inside, _ = region_histograms(np.array([0.0, 0.0, 1.0]), np.array([False, True, True]), bins=2)
    >>> whole.tolist(), inside.tolist()
    ([2, 1], [1, 1])
    """
    whole, edges = histogram(image, bins)
    values = np.asarray(image, dtype=np.float64)[np.asarray(region, dtype=bool)]
    inside = np.histogram(values[np.isfinite(values)], bins=edges)[0]
    return whole, inside, edges


def rmse(image: np.ndarray, reference: np.ndarray) -> float:
    """Root mean square difference between two images of the same shape (0 when they are equal).

    Examples
    --------
    >>> rmse(np.array([1.0, 3.0]), np.array([1.0, 1.0]))
    1.4142135623730951
    """
    difference = np.asarray(image, dtype=np.float64) - np.asarray(reference, dtype=np.float64)
    return float(np.sqrt(np.mean(difference**2)))

# --- masks -----------------------------------------------------------------------------------------

def circle_mask(shape: tuple[int, int], centre: tuple[float, float], radius: float) -> np.ndarray:
    """Pixels whose centre lies within `radius` pixels of `centre` ``(row, col)``.

    Returns
    -------
    numpy.ndarray of bool
        Of `shape`.

    Examples
    --------
    >>> int(circle_mask((5, 5), (2, 2), 1).sum())
    5
    """
    rows, cols = np.ogrid[: shape[0], : shape[1]]
    return (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius**2


def rectangle_mask(shape: tuple[int, int], top: int, left: int, bottom: int, right: int) -> np.ndarray:
    """Pixels with ``top <= row < bottom`` and ``left <= col < right``.

    Returns
    -------
    numpy.ndarray of bool
        Of `shape`.

    Examples
    --------
    >>> int(rectangle_mask((4, 4), 1, 1, 3, 4).sum())
    6
    """
    mask = np.zeros(shape, dtype=bool)
    mask[max(top, 0): max(bottom, 0), max(left, 0): max(right, 0)] = True
    return mask


def computed_brain_mask(image: np.ndarray) -> np.ndarray:
    """A quick head or body mask: Otsu threshold, holes filled, largest connected region kept.

    Parameters
    ----------
    image : numpy.ndarray
        A grey 2D image whose object is brighter than the background.

    Returns
    -------
    numpy.ndarray of bool
        Same shape; all False for a constant image.
    """
    if is_constant(image):
        return np.zeros(np.shape(image), dtype=bool)
    foreground = ndi.binary_fill_holes(np.asarray(image) > threshold_value(image, "otsu"))
    labels = measure.label(foreground)
    if labels.max() == 0:
        return foreground
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return labels == int(np.argmax(sizes))


def apply_mask(image: np.ndarray, mask: np.ndarray, fill: float | None = None) -> np.ndarray:
    """Keep the pixels inside `mask`; set the others to `fill`.

    Parameters
    ----------
    image : numpy.ndarray
        Grey values.
    mask : numpy.ndarray of bool
        Same shape; True keeps a pixel.
    fill : float, optional
        Value of the removed pixels; the image's finite minimum by default,
        so they look like background (multiplying by the mask would give 0,
        which is water, not air, in CT).

    Returns
    -------
    numpy.ndarray of float64

    Examples
    --------
    >>> apply_mask(np.array([5.0, 9.0]), np.array([False, True])).tolist()
    [5.0, 9.0]
    >>> apply_mask(np.array([5.0, 9.0]), np.array([False, True]), fill=0).tolist()
    [0.0, 9.0]
    """
    values = np.asarray(image, dtype=np.float64)
    if fill is None:
        fill = value_range(values)[0]
    return np.where(np.asarray(mask, dtype=bool), values, fill)


# --- thresholds and the Dice score ----------------------------------------------------------------

def manual_threshold(level: float, scale: tuple[float, float]) -> float:
    """An 8-bit threshold `level` (0-255) mapped onto the image's range.

    Parameters
    ----------
    level : float
        The threshold on an 8-bit scale, e.g. the lecture's 127.
    scale : (float, float)
        The image's `threshold_scale`: ``(0, 255)`` for 8-bit images, where the
        level is used as it is; otherwise its minimum and maximum, so that
        127 means 127/255 = 49.8 % of the way from minimum to maximum.

    Returns
    -------
    float

    Examples
    --------
    >>> manual_threshold(127, (0, 255))
    127.0
    >>> manual_threshold(255, (-1000, 3000))
    3000.0
    """
    lo, hi = scale
    return float(lo + level / 255.0 * (hi - lo))


def threshold_value(image: np.ndarray, method: str, level: float = MANUAL_LEVEL,
                    scale: tuple[float, float] | None = None) -> float:
    """The threshold of a method; foreground is ``image > threshold``.

    Parameters
    ----------
    image : numpy.ndarray
        Grey values; non-finite values are ignored.
    method : str
        One of `THRESHOLD_METHODS`: ``"manual"`` (`level` mapped by
        `manual_threshold`), ``"otsu"`` (maximises the variance between the
        two classes), ``"li"`` (minimum cross-entropy), ``"yen"`` (maximum
        correlation), ``"triangle"`` (farthest histogram point from the line
        joining the peak to the far end), ``"mean"`` (the mean value).
    level : float
        The manual level on an 8-bit scale.
    scale : (float, float), optional
        The range for the manual level; `threshold_scale(image)` by default.

    Returns
    -------
    float
        For a constant image every method returns its one value (so no
        pixel is foreground): there is nothing to separate.

    Raises
    ------
    ValueError
        For an unknown method or an image without a finite value.

    Examples
    --------
    >>> threshold_value(np.array([0, 0, 255, 255], np.uint8), "manual")
    127.0
    >>> threshold_value(np.full((4, 4), 3.0), "otsu")
    3.0
    """
    if method not in THRESHOLD_METHODS:
        raise ValueError(f"unknown threshold method {method!r}; choose one of {THRESHOLD_METHODS}")
    values = np.asarray(image)
    if values.dtype.kind == "f":
        values = values[np.isfinite(values)]
    if values.size == 0:
        raise ValueError("the image has no finite value to threshold")
    if method == "manual":
        return manual_threshold(level, scale if scale is not None else threshold_scale(image))
    values = values.astype(np.float64, copy=False).ravel()
    if values.min() == values.max():
        return float(values[0])
    function = {"otsu": filters.threshold_otsu, "li": filters.threshold_li, "yen": filters.threshold_yen,
                "triangle": filters.threshold_triangle, "mean": filters.threshold_mean}[method]
    return float(function(values))


def binarize(image: np.ndarray, threshold: float) -> np.ndarray:
    """The binary image ``image > threshold`` (bool, same shape; NaN is background)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(image) > threshold


def dice(a: np.ndarray, b: np.ndarray) -> float:
    """The Dice score ``2 |A ∩ B| / (|A| + |B|)`` of two masks: 1 is perfect overlap, 0 none.

    Parameters
    ----------
    a, b : numpy.ndarray
        Masks of the same shape (non-zero is inside).

    Returns
    -------
    float
        1.0 when both masks are empty (they agree).

    Examples
    --------
    >>> dice(np.array([1, 1, 0, 0]), np.array([1, 0, 0, 0]))
    0.6666666666666666
    """
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    if a.shape != b.shape:
        raise ValueError(f"masks of different shapes {a.shape} and {b.shape}")
    total = int(a.sum()) + int(b.sum())
    return 1.0 if total == 0 else 2.0 * int(np.logical_and(a, b).sum()) / total



def dice_by_truth(foreground: np.ndarray, truths: dict[str, np.ndarray]) -> dict[str, float]:
    """Dice of one foreground against each ground truth, by the truth's name.

    Examples
    --------
    >>> dice_by_truth(np.array([True, False]), {"a": np.array([True, False]), "b": np.array([False, True])})
    {'a': 1.0, 'b': 0.0}
    """
    return {name: dice(foreground, truth) for name, truth in truths.items()}

def compare_thresholds(image: np.ndarray, scale: tuple[float, float], truths: dict[str, np.ndarray] | None = None,
                       level: float = MANUAL_LEVEL, methods: tuple[str, ...] = THRESHOLD_METHODS) -> list[dict]:
    """Threshold methods side by side on one image: threshold, foreground share and Dice.

    Parameters
    ----------
    image : numpy.ndarray
        Grey values.
    scale : (float, float)
        The range for the manual level (see `manual_threshold`).
    truths : dict of str to numpy.ndarray, optional
        Ground-truth masks by name, same shape as `image`.
    level : float
        The manual level on an 8-bit scale.
    methods : tuple of str
        Which of `THRESHOLD_METHODS` to run (all by default).

    Returns
    -------
    list of dict
        One row per method: ``method``, ``threshold``, ``foreground %`` and
        ``Dice vs <name>`` for each truth.
    """
    rows = []
    for method in methods:
        t = threshold_value(image, method, level, scale)
        mask = binarize(image, t)
        row = {"method": method, "threshold": t, "foreground %": 100.0 * float(mask.mean())}
        for name, truth in (truths or {}).items():
            row[f"Dice vs {name}"] = dice(mask, truth)
        rows.append(row)
    return rows


# --- filters and edges ----------------------------------------------------------------------------

def gaussian(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing with standard deviation `sigma` pixels (0 returns a copy).

    Uses ``skimage.filters.gaussian(image, sigma=sigma, preserve_range=True)``
    (edges extended with the nearest value), so the units are kept.

    Returns
    -------
    numpy.ndarray of float64
        Same shape.

    Examples
    --------
    >>> gaussian(np.full((3, 3), 7.0), 2.0).round(6).tolist()[0]
    [7.0, 7.0, 7.0]
    """
    values = np.asarray(image, dtype=np.float64)
    if sigma <= 0:
        return values.copy()
    return filters.gaussian(values, sigma=sigma, preserve_range=True)


def median(image: np.ndarray, size: int) -> np.ndarray:
    """Median filter over a `size` × `size` square (1 returns a copy).

    Uses ``skimage.filters.median(image, np.ones((size, size)))``, which
    replaces each pixel by the middle value of its neighbourhood: isolated
    extreme pixels (salt and pepper) vanish, edges stay sharp.

    Returns
    -------
    numpy.ndarray of float64
        Same shape.

    Examples
    --------
    >>> median(np.array([[0, 0, 0], [0, 255, 0], [0, 0, 0]]), 3).max()
    np.float64(0.0)
    """
    values = np.asarray(image, dtype=np.float64)
    if size <= 1:
        return values.copy()
    return filters.median(values, np.ones((int(size), int(size)), dtype=bool))


def unit_range(image: np.ndarray) -> np.ndarray:
    """The image scaled linearly to 0-1 by its minimum and maximum (zeros for a constant image)."""
    values = np.asarray(image, dtype=np.float64)
    lo, hi = value_range(values)
    return np.zeros_like(values) if hi <= lo else (values - lo) / (hi - lo)


def edges(image: np.ndarray, method: str, sigma: float = 1.0) -> np.ndarray:
    """Edge map of one detector.

    Parameters
    ----------
    image : numpy.ndarray
        Grey 2D image.
    method : str
        One of `EDGE_METHODS`. Roberts, Sobel, Prewitt and Scharr return the
        gradient magnitude, ``sqrt((gx² + gy²) / 2)`` with the kernels of
        `EDGE_KERNELS`, in the image's units per pixel. Canny works on the
        image scaled to 0-1 (`unit_range`), smooths it with a Gaussian of
        `sigma`, keeps only the ridge of the gradient and links strong edges
        (above 0.2) with the weak ones (above 0.1) touching them.
    sigma : float
        Canny's smoothing.

    Returns
    -------
    numpy.ndarray
        float64 magnitudes, or bool one-pixel-wide lines for Canny; same shape.

    Examples
    --------
    >>> edges(np.array([[0.0, 0, 4, 4]] * 4), "sobel")[1].round(3).tolist()  # 4 / sqrt(2)
    [0.0, 2.828, 2.828, 0.0]
    """
    values = np.asarray(image, dtype=np.float64)
    if method == "canny":
        return feature.canny(unit_range(values), sigma=sigma)
    function = {"roberts": filters.roberts, "sobel": filters.sobel, "prewitt": filters.prewitt,
                "scharr": filters.scharr}.get(method)
    if function is None:
        raise ValueError(f"unknown edge detector {method!r}; choose one of {EDGE_METHODS}")
    return function(values)


# --- the lecture's pipeline ----------------------------------------------------------------------

@dataclass(frozen=True)
class OtsuComparison:
    """Otsu on the noisy image against Otsu after Gaussian smoothing, both scored against a truth.

    Attributes
    ----------
    filtered : numpy.ndarray
        The noisy image after the Gaussian.
    threshold_noisy, threshold_filtered : float
        Otsu's threshold of each.
    mask_noisy, mask_filtered : numpy.ndarray of bool
        ``noisy > threshold_noisy`` and ``filtered > threshold_filtered``.
    dice_noisy, dice_filtered : float
        Dice of each mask against the ground truth.
    """

    filtered: np.ndarray
    threshold_noisy: float
    threshold_filtered: float
    mask_noisy: np.ndarray
    mask_filtered: np.ndarray
    dice_noisy: float
    dice_filtered: float


def otsu_with_and_without_smoothing(noisy: np.ndarray, truth: np.ndarray, sigma: float) -> OtsuComparison:
    """The lecture's pipeline: noisy → Otsu, against noisy → Gaussian(`sigma`) → Otsu.

    Parameters
    ----------
    noisy : numpy.ndarray
        The noisy grey image.
    truth : numpy.ndarray of bool
        The clean ground truth, same shape.
    sigma : float
        The Gaussian's standard deviation in pixels.

    Returns
    -------
    OtsuComparison
    """
    filtered = gaussian(noisy, sigma)
    t_noisy, t_filtered = threshold_value(noisy, "otsu"), threshold_value(filtered, "otsu")
    mask_noisy, mask_filtered = binarize(noisy, t_noisy), binarize(filtered, t_filtered)
    return OtsuComparison(filtered, t_noisy, t_filtered, mask_noisy, mask_filtered,
                          dice(mask_noisy, truth), dice(mask_filtered, truth))


def sigma_sweep(noisy: np.ndarray, truth: np.ndarray, sigmas) -> list[tuple[float, float, float]]:
    """Gaussian(sigma) → Otsu for each sigma: the trade-off between removing noise and blurring edges.

    Parameters
    ----------
    noisy : numpy.ndarray
        The noisy grey image.
    truth : numpy.ndarray of bool
        The clean ground truth.
    sigmas : iterable of float
        Standard deviations to try (0 means no smoothing).

    Returns
    -------
    list of (sigma, threshold, dice)
    """
    rows = []
    for sigma in sigmas:
        smoothed = gaussian(noisy, float(sigma))
        t = threshold_value(smoothed, "otsu")
        rows.append((float(sigma), t, dice(binarize(smoothed, t), truth)))
    return rows


# --- ground truths ---------------------------------------------------------------------------------

def synthetic_shapes(size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """A test image with a known answer: a disc, a square, a thin bar and a small dot on a background.

    Objects are 160, the background 60 (8-bit). The thin bar (3 % of the
    width) and the dot show what too much smoothing erases.

    Parameters
    ----------
    size : int
        Rows and columns (at least 8).

    Returns
    -------
    image : numpy.ndarray of uint8
        ``(size, size)``.
    truth : numpy.ndarray of bool
        The objects.

    Examples
    --------
    >>> image, truth = synthetic_shapes(100)
    >>> sorted(np.unique(image).tolist()), round(float(truth.mean()), 3)
    ([60, 160], 0.205)
    """
    size = max(int(size), 8)
    rows, cols = np.mgrid[:size, :size] / size
    truth = ((rows - 0.35) ** 2 + (cols - 0.35) ** 2 <= 0.2**2)              # disc
    truth |= (rows >= 0.6) & (rows < 0.85) & (cols >= 0.55) & (cols < 0.8)  # square
    truth |= (rows >= 0.1) & (rows < 0.5) & (cols >= 0.8) & (cols < 0.83)   # thin bar
    truth |= (rows - 0.8) ** 2 + (cols - 0.2) ** 2 <= 0.04**2               # small dot
    image = np.where(truth, 160, 60).astype(np.uint8)
    return image, truth


def sample_truths(sample_file: str, data: np.ndarray) -> dict[str, np.ndarray]:
    """Ground-truth masks of a built-in sample, for the whole image, by name.

    Parameters
    ----------
    sample_file : str
        The sample's file name (`core.samples.Sample.file`); "" for the MNI
        DICOM series the course writes (every second slice of the template).
    data : numpy.ndarray
        The sample's pixel data as loaded (the phantom's truths come from it).

    Returns
    -------
    dict of str to numpy.ndarray of bool
        Shaped like `data`. The Shepp-Logan phantom: its skull (value 255)
        and its head (every non-zero pixel). The MNI T1 template and its
        DICOM series: brain (grey + white matter probability above 50 %),
        white matter and grey matter above 50 %, from the tissue maps that
        are aligned voxel for voxel with it. The grey and white matter maps:
        their own tissue above 50 % (a probability of 0-255, so ``> 127``).
        Empty for other images.
    """
    from core import samples

    data = np.asarray(data)
    if sample_file == "phantom.png":
        return {"skull (value 255)": data == 255, "head (value > 0)": data > 0}
    if sample_file == samples.MNI_GM:
        return {"grey matter > 50 %": data > 127}
    if sample_file == samples.MNI_WM:
        return {"white matter > 50 %": data > 127}
    if sample_file in (samples.MNI_T1, ""):
        step = 1 if sample_file else 2
        gm = samples.load(samples.SAMPLES[3].name).data[::step].astype(np.int16)
        wm = samples.load(samples.SAMPLES[4].name).data[::step].astype(np.int16)
        if gm.shape != data.shape:
            return {}
        return {"brain (grey + white matter > 50 %)": gm + wm > 127,
                "white matter > 50 %": wm > 127, "grey matter > 50 %": gm > 127}
    return {}
