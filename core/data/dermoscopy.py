"""Dermoscopy-like colour images of skin lesions in two classes, benign and malignant, made offline.

The public skin-cancer datasets cannot be downloaded here, so this module
paints look-alikes. The classes follow the ABCD rule of dermatology: a
malignant lesion (melanoma) tends to be **A**symmetric, to have an irregular
**B**order, several **C**olours (dark brown, black, blue-grey, red) and a
**D**iameter over 6 mm; a benign naevus tends to be round, smooth, of one
brown and small. Each feature is drawn from overlapping distributions, so
some benign lesions look suspicious and some melanomas look innocent, as in
real clinics. Skin tone, skin texture, hairs and the dermoscope's round field
vary independently of the class.

>>> data = generate(8, size=32, seed=1)
>>> data.images.shape, data.class_names
((8, 32, 32, 3), ('benign', 'malignant'))
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from core.data.labelled import LabelledImages, generation_plan

CLASS_NAMES = ("benign", "malignant")
FIELD_OF_VIEW_MM = 12.0
"""Width of skin each image shows, in millimetres."""

FEATURES = ("asymmetry", "border irregularity", "colours", "diameter (mm)")
"""The ABCD numbers kept for every image (asymmetry and border from 0 to 1, colours from 1 to 5)."""

PALETTE = {
    "light brown": (0.66, 0.45, 0.30),
    "dark brown": (0.38, 0.23, 0.14),
    "black": (0.13, 0.10, 0.09),
    "blue-grey": (0.40, 0.47, 0.57),
    "red": (0.76, 0.36, 0.33),
    "white": (0.90, 0.86, 0.83),
}
"""The colours of the C in ABCD; a benign naevus uses the browns only."""


def abcd_features(malignant: bool, rng: np.random.Generator) -> dict[str, float]:
    """Draw asymmetry, border irregularity, number of colours and diameter for one lesion.

    The two classes overlap: every feature alone misclassifies a fair share
    of lesions; together they separate most of them.

    Parameters
    ----------
    malignant : bool
        The class.
    rng : numpy.random.Generator
        The source of randomness.

    Returns
    -------
    dict
        Keys of `FEATURES`.
    """
    if malignant:
        asymmetry, border = rng.beta(5.0, 2.5), rng.beta(5.0, 2.5)
        colours = 2 + rng.binomial(3, 0.5)
        diameter = rng.normal(7.5, 1.7)
    else:
        asymmetry, border = rng.beta(2.0, 6.0), rng.beta(2.0, 6.0)
        colours = 1 + rng.binomial(2, 0.2)
        diameter = rng.normal(4.6, 1.3)
    return {"asymmetry": float(asymmetry), "border irregularity": float(border), "colours": int(colours),
            "diameter (mm)": float(np.clip(diameter, 2.0, 12.0))}


def _smooth_field(rng: np.random.Generator, size: int, sigma: float) -> np.ndarray:
    """Random smooth field of zero mean and unit standard deviation."""
    field = gaussian_filter(rng.standard_normal((size, size)), sigma, mode="wrap")
    return (field - field.mean()) / (field.std() + 1e-9)


def _skin(rng: np.random.Generator, size: int) -> np.ndarray:
    """Skin of a random tone with blotches, pores and fine lines."""
    tone = np.array([0.89, 0.72, 0.62]) * rng.uniform(0.82, 1.05) + rng.normal(0, 0.02, 3)
    blotches = 0.035 * _smooth_field(rng, size, size / 8)
    pores = 0.02 * _smooth_field(rng, size, max(size / 128, 0.6))
    angle = rng.uniform(0, np.pi)
    y, x = np.mgrid[0:size, 0:size] / size
    lines = 0.012 * np.sin(2 * np.pi * 14 * (x * np.cos(angle) + y * np.sin(angle)) + 3 * _smooth_field(rng, size, size / 10))
    shade = (1 + blotches + pores + lines)[..., None]
    redness = 0.03 * _smooth_field(rng, size, size / 6)[..., None] * np.array([1.0, -0.5, -0.5])
    return tone * shade + redness


def _lesion_shape(features: dict, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Soft lesion mask (0-1) and the normalised radius map (0 at the centre, 1 at the border)."""
    centre = size / 2 + rng.normal(0, 0.05 * size, 2)
    radius = features["diameter (mm)"] / 2 / FIELD_OF_VIEW_MM * size
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    dy, dx = y - centre[0], x - centre[1]
    tilt = rng.uniform(0, np.pi)
    elongation = rng.uniform(1.0, 1.3)  # an ellipse is still symmetric
    u = dx * np.cos(tilt) + dy * np.sin(tilt)
    v = (-dx * np.sin(tilt) + dy * np.cos(tilt)) * elongation
    rho, theta = np.hypot(u, v), np.arctan2(v, u)
    # asymmetry: low harmonics (1 to 3) bulge one side; border: high harmonics (6 to 18) make it ragged
    low = sum(rng.normal(0, 1) / k * np.cos(k * theta + rng.uniform(0, 2 * np.pi)) for k in (1, 2, 3))
    high = sum(rng.normal(0, 1) / k * np.cos(k * theta + rng.uniform(0, 2 * np.pi)) for k in range(5, 17))
    low = low / (np.abs(low).max() + 1e-9)
    high = high / (np.abs(high).max() + 1e-9)
    edge = radius * (1 + 0.45 * features["asymmetry"] * low + 0.25 * features["border irregularity"] * high)
    blur = max(0.5, size / 128) * (1.0 + 2.5 * features["border irregularity"] * rng.uniform(0, 1))
    mask = 1 / (1 + np.exp(-(edge - rho) / blur))
    return mask, rho / np.maximum(edge, 1e-6)


def _pigment(features: dict, malignant: bool, rng: np.random.Generator, size: int, radial: np.ndarray) -> np.ndarray:
    """The lesion's colours: concentric browns (benign) or scattered patches (malignant), with a pigment network."""
    n = features["colours"]
    first, second = rng.permutation(["light brown", "dark brown"])
    if malignant:  # a brown and others scattered in patches
        others = list(rng.permutation(["black", "blue-grey", "red", "white"]))
        names = [first] + others[:1] + list(rng.permutation(others[1:] + [second]))[:n - 2]
        fields = np.stack([_smooth_field(rng, size, size / 10) for _ in range(n)], axis=-1)
        fields[..., 0] += 0.5
        weights = np.exp(2.0 * fields)
    else:  # concentric rings, light outside and darker inside: symmetric however many colours
        names = ["light brown", "dark brown", "black"][:n] if n > 1 else [first]
        rings = np.linspace(1.0, 0.1, n)
        weights = np.exp(-(((np.minimum(radial, 1.2)[..., None] - rings) / 0.3) ** 2))
    weights = weights / weights.sum(axis=-1, keepdims=True)
    colours = np.array([PALETTE[c] for c in names]) * rng.uniform(0.9, 1.1)
    pigment = weights @ colours
    y, x = np.mgrid[0:size, 0:size] * (2 * np.pi / max(size / 20, 2.5))
    network = 0.5 + 0.25 * (np.cos(x + 1.5 * _smooth_field(rng, size, size / 10))
                            + np.cos(y + 1.5 * _smooth_field(rng, size, size / 10)))
    darker_centre = 1 - 0.12 * np.clip(1 - radial, 0, 1)
    return pigment * (1 - 0.1 * network[..., None]) * darker_centre[..., None]


def _hairs(rng: np.random.Generator, size: int) -> np.ndarray:
    """Coverage (0-1) of a few dark curved hairs."""
    count = rng.poisson(1.5)
    if count == 0:
        return np.zeros((size, size))
    cover = np.zeros((size, size))
    t = np.linspace(0, 1, 4 * size)[:, None]
    for _ in range(count):
        p0, p2 = rng.uniform(-0.2, 1.2, 2) * size, rng.uniform(-0.2, 1.2, 2) * size
        p1 = (p0 + p2) / 2 + rng.normal(0, 0.15 * size, 2)
        curve = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t ** 2 * p2
        rows, cols = np.round(curve).astype(int).T
        inside = (rows >= 0) & (rows < size) & (cols >= 0) & (cols < size)
        cover[rows[inside], cols[inside]] = 1.0
    width = rng.uniform(0.35, 0.6) * max(size / 128, 0.5)
    return np.clip(gaussian_filter(cover, width) * 2.5, 0, 1)


def lesion_image(malignant: bool, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict]:
    """Paint one dermoscopy-like image.

    Parameters
    ----------
    malignant : bool
        The class.
    size : int
        Side of the square image in pixels.
    rng : numpy.random.Generator
        The source of randomness.

    Returns
    -------
    image : numpy.ndarray of float32
        ``(size, size, 3)`` RGB in [0, 1].
    mask : numpy.ndarray of bool
        ``(size, size)``: the lesion.
    features : dict
        Its ABCD numbers (`FEATURES`).
    """
    features = abcd_features(malignant, rng)
    skin = _skin(rng, size)
    shape, radial = _lesion_shape(features, rng, size)
    pigment = _pigment(features, malignant, rng, size, radial)
    alpha = shape[..., None] * rng.uniform(0.8, 0.95)
    image = skin * (1 - alpha) + pigment * alpha
    hair = _hairs(rng, size)[..., None]
    image = image * (1 - hair) + np.array([0.16, 0.11, 0.08]) * hair
    if rng.random() < 0.35:  # the dark rim of the dermoscope's round field
        y, x = (np.mgrid[0:size, 0:size] - (size - 1) / 2) / size
        rim = np.clip((np.hypot(y, x) - rng.uniform(0.5, 0.62)) * 25, 0, 1)[..., None]
        image = image * (1 - 0.9 * rim)
    image = image + rng.normal(0, 0.01, image.shape)
    return np.clip(image, 0, 1).astype(np.float32), shape > 0.5, features


def generate(n: int = 600, malignant_fraction: float = 0.5, size: int = 64, seed: int = 0) -> LabelledImages:
    """A labelled set of dermoscopy-like images, the same for the same arguments.

    Parameters
    ----------
    n : int
        Number of images (at least 2).
    malignant_fraction : float
        Share of malignant images, 0 to 1 (0.5 balances the classes); the
        count is ``round(n * malignant_fraction)``.
    size : int
        Side of each square image in pixels (at least 16).
    seed : int
        The same seed gives the same images; image ``k`` of a class does not
        depend on `n`, so a larger set extends a smaller one.

    Returns
    -------
    LabelledImages
        Images ``(n, size, size, 3)`` in shuffled order, labels (0 benign,
        1 malignant), lesion masks and the ABCD `features`.

    Examples
    --------
    >>> generate(10, malignant_fraction=0.3, size=32).labels.sum()
    np.int64(3)
    """
    plan = generation_plan(n, malignant_fraction, size, seed, "malignant")
    images = np.empty((n, size, size, 3), np.float32)
    masks = np.empty((n, size, size), bool)
    features = {name: np.empty(n) for name in FEATURES}
    names = []
    for i, (label, k) in enumerate(plan):
        image, mask, drawn = lesion_image(bool(label), size, np.random.default_rng([seed, label, k]))
        images[i], masks[i] = image, mask
        for name in FEATURES:
            features[name][i] = drawn[name]
        names.append(f"{CLASS_NAMES[label]} {k + 1}")
    features["colours"] = features["colours"].astype(int)
    labels = np.array([label for label, _ in plan], dtype=np.int64)
    return LabelledImages(images, labels, CLASS_NAMES, tuple(names), masks, None, features)
