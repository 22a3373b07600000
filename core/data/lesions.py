"""A brain-MRI set for supervised learning: MNI152 slices with and without a synthetic lesion.

Each image is an axial slice of the MNI152 T1 template (shipped with
nilearn), shifted and flipped a little, with MRI-like (Rician) noise. Half of
them, or the share asked for, get a lesion of random size, place and
contrast (brighter or darker than the tissue around it) inside the brain.
The lesion masks are kept, so an explanation such as Grad-CAM can be scored
against the truth.

>>> data = generate(6, size=32, seed=0)            # doctest: +SKIP
>>> data.class_names, data.images.shape            # doctest: +SKIP
(('no lesion', 'lesion'), (6, 32, 32, 1))
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import distance_transform_edt

from core.data.labelled import LabelledImages, generation_plan

CLASS_NAMES = ("no lesion", "lesion")
FEATURES = ("slice", "lesion radius (px)", "lesion contrast")
"""Numbers kept for every image: the template's axial slice, the lesion's mean radius and its contrast
(added intensity on the 0-1 scale, negative for a dark lesion; 0 without lesion)."""


def load_template() -> tuple[np.ndarray, np.ndarray]:
    """The MNI152 T1 template scaled to [0, 1] and its brain mask, cropped to the head.

    Returns
    -------
    t1 : numpy.ndarray of float32
        ``(slices, rows, cols)``, axial slices from foot to head, front at the top.
    brain : numpy.ndarray of bool
        Same shape: grey plus white matter probability over one half.
    """
    from core import samples

    t1, grey, white = (samples.load(samples.SAMPLES[i].name).data.astype(np.float32) for i in (2, 3, 4))
    brain = (grey + white) > 0.5 * 255
    head = t1 > 0.1 * t1.max()
    rows = np.flatnonzero(head.any(axis=(0, 2)))
    cols = np.flatnonzero(head.any(axis=(0, 1)))
    side = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    r0 = max(0, (rows[0] + rows[-1] - side) // 2)
    c0 = max(0, (cols[0] + cols[-1] - side) // 2)
    crop = (slice(None), slice(r0, r0 + side), slice(c0, c0 + side))
    return t1[crop] / t1.max(), brain[crop]


def brain_slices(brain: np.ndarray, share: float = 0.5) -> np.ndarray:
    """Indices of the axial slices whose brain area is at least `share` of the largest one."""
    area = brain.sum(axis=(1, 2))
    return np.flatnonzero(area >= share * area.max())


def _resize(image: np.ndarray, size: int) -> np.ndarray:
    from skimage.transform import resize

    return resize(image, (size, size), order=1, anti_aliasing=True, preserve_range=True)


def _lesion(brain: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """A soft elliptical blob (0-1) placed inside `brain`, and its mean radius in pixels."""
    size = brain.shape[0]
    radius = rng.uniform(0.06, 0.13) * size
    depth = distance_transform_edt(brain)
    room = np.argwhere(depth >= 0.8 * radius)
    if room.size == 0:
        room = np.argwhere(depth >= depth.max())
    centre = room[rng.integers(len(room))] + rng.uniform(-0.5, 0.5, 2)
    stretch, tilt = rng.uniform(0.7, 1.3), rng.uniform(0, np.pi)
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    dy, dx = y - centre[0], x - centre[1]
    u = (dx * np.cos(tilt) + dy * np.sin(tilt)) / (radius * stretch)
    v = (-dx * np.sin(tilt) + dy * np.cos(tilt)) * stretch / radius
    edge = max(0.6, 0.06 * radius)
    blob = 1 / (1 + np.exp((np.hypot(u, v) - 1) * radius / edge))
    return blob * brain, float(radius)


def generate(n: int = 400, lesion_fraction: float = 0.5, size: int = 64, seed: int = 0,
             template: tuple[np.ndarray, np.ndarray] | None = None, noise: float = 0.03) -> LabelledImages:
    """A labelled set of brain MRI slices, with and without a lesion, the same for the same arguments.

    Parameters
    ----------
    n : int
        Number of images (at least 2).
    lesion_fraction : float
        Share of images with a lesion, 0 to 1; the count is ``round(n * lesion_fraction)``.
    size : int
        Side of each square image in pixels (at least 16).
    seed : int
        The same seed gives the same images; image ``k`` of a class does not depend on `n`.
    template : (t1, brain), optional
        The output of `load_template` (loaded when omitted).
    noise : float
        Standard deviation of the Rician noise on the 0-1 scale.

    Returns
    -------
    LabelledImages
        Images ``(n, size, size, 1)`` in [0, 1] in shuffled order, labels
        (0 no lesion, 1 lesion), lesion masks (empty without lesion) and `FEATURES`.
    """
    plan = generation_plan(n, lesion_fraction, size, seed, "lesion")
    t1, brain = template if template is not None else load_template()
    usable = brain_slices(brain)
    images = np.empty((n, size, size, 1), np.float32)
    masks = np.zeros((n, size, size), bool)
    features = {name: np.zeros(n) for name in FEATURES}
    names = []
    for i, (label, k) in enumerate(plan):
        rng = np.random.default_rng([seed, label, k])
        z = int(rng.choice(usable))
        image, inside = _resize(t1[z], size), _resize(brain[z].astype(np.float64), size) > 0.5
        shift = rng.integers(-size // 20, size // 20 + 1, 2)
        image, inside = np.roll(image, shift, (0, 1)), np.roll(inside, shift, (0, 1))
        if rng.random() < 0.5:
            image, inside = image[:, ::-1], inside[:, ::-1]
        image = image * rng.uniform(0.85, 1.1)
        features["slice"][i] = z
        if label:
            blob, radius = _lesion(inside, rng)
            contrast = rng.uniform(0.25, 0.6)
            image = image + contrast * blob
            masks[i] = blob > 0.5
            features["lesion radius (px)"][i], features["lesion contrast"][i] = radius, contrast
        real = image + rng.normal(0, noise, image.shape)
        imaginary = rng.normal(0, noise, image.shape)
        images[i, ..., 0] = np.clip(np.hypot(real, imaginary), 0, 1)
        names.append(f"{CLASS_NAMES[label]} {k + 1} (slice {z})")
    labels = np.array([label for label, _ in plan], dtype=np.int64)
    return LabelledImages(images, labels, CLASS_NAMES, tuple(names), masks, None, features)
