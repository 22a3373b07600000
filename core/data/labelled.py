"""A labelled image set for supervised learning: images, their classes, counts, balance and splits.

The dermoscopy-like generator (`core.data.dermoscopy`), the brain-lesion set
(`core.data.lesions`) and a learner's class folders (`core.io.class_folders`) all
return a `LabelledImages`, so the model code never cares where images came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

IMBALANCE_RATIO = 1.5
"""A set whose largest class holds more than this many times the images of its smallest is called unbalanced."""


@dataclass
class LabelledImages:
    """Images with one class label each.

    Attributes
    ----------
    images : numpy.ndarray of float32
        ``(n, rows, cols, channels)``, values in [0, 1].
    labels : numpy.ndarray of int
        ``(n,)``, indices into `class_names`.
    class_names : tuple of str
        One name per class, in label order.
    names : tuple of str
        One name per image (its file name, or a generated label).
    masks : numpy.ndarray of bool or None
        ``(n, rows, cols)``: where the finding is (the lesion), when known.
    test : numpy.ndarray of bool or None
        ``(n,)``: True for images set aside for testing (a ``test/`` folder);
        None when the set has no test part.
    features : dict
        Per-image numbers that explain the label (e.g. the ABCD scores), each
        an array of length n.
    inverted : numpy.ndarray of bool or None
        ``(n,)``: True for images inverted when loaded (a MONOCHROME1 DICOM,
        whose lowest value is shown white); None when none was.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    names: tuple[str, ...] = ()
    masks: np.ndarray | None = None
    test: np.ndarray | None = None
    features: dict = field(default_factory=dict)
    inverted: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def subset(self, index: np.ndarray) -> "LabelledImages":
        """The images at `index` (integer indices or a boolean mask), with their labels, names and masks."""
        index = np.asarray(index)
        positions = np.flatnonzero(index) if index.dtype == bool else index
        return LabelledImages(
            images=self.images[positions], labels=self.labels[positions], class_names=self.class_names,
            names=tuple(self.names[i] for i in positions) if self.names else (),
            masks=None if self.masks is None else self.masks[positions],
            test=None if self.test is None else self.test[positions],
            features={k: np.asarray(v)[positions] for k, v in self.features.items()},
            inverted=None if self.inverted is None else self.inverted[positions],
        )


def generation_plan(n: int, positive_fraction: float, size: int, seed: int,
                    positive: str = "positive") -> list[tuple[int, int]]:
    """The class and the number within its class of each image of a generated two-class set, in shuffled order.

    The course's generated sets (`core.data.lesions`, `core.data.dermoscopy`)
    draw image ``k`` of class ``label`` from the seed ``[seed, label, k]``,
    so that image does not depend on `n` and a larger set extends a
    smaller one; only the order of the images depends on `n`.

    Parameters
    ----------
    n : int
        Number of images (at least 2).
    positive_fraction : float
        Share of class 1 images, 0 to 1; the count is ``round(n * positive_fraction)``.
    size : int
        Side of each square image in pixels (at least 16); only checked here.
    seed : int
        Seed of the shuffle.
    positive : str
        What class 1 is called in the message about a wrong fraction.

    Returns
    -------
    list of (int, int)
        ``(label, k)`` of each image position.

    Raises
    ------
    ValueError
        For fewer than 2 images, a fraction outside [0, 1] or a size under 16.

    Examples
    --------
    >>> sorted(generation_plan(3, 1 / 3, 16, seed=0))
    [(0, 0), (0, 1), (1, 0)]
    """
    if n < 2:
        raise ValueError("a labelled set needs at least 2 images")
    if not 0 <= positive_fraction <= 1:
        raise ValueError(f"the {positive} fraction must be between 0 and 1")
    if size < 16:
        raise ValueError("images must be at least 16 pixels wide")
    n_positive = int(round(n * positive_fraction))
    plan = [(0, k) for k in range(n - n_positive)] + [(1, k) for k in range(n_positive)]
    return [plan[j] for j in np.random.default_rng(seed).permutation(len(plan))]


def class_counts(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Number of images in each class.

    Examples
    --------
    >>> class_counts(np.array([0, 1, 1, 1]), 3).tolist()
    [1, 3, 0]
    """
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)[:n_classes]


def imbalance(counts: np.ndarray) -> float:
    """Largest class count over smallest (inf when a class is empty, 1 when balanced).

    Examples
    --------
    >>> imbalance(np.array([90, 10]))
    9.0
    """
    counts = np.asarray(counts)
    if counts.size == 0 or counts.max() == 0:
        return float("inf")
    return float("inf") if counts.min() == 0 else float(counts.max() / counts.min())


def stratified_split(labels: np.ndarray, fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a training part and a held-out part that keep each class's share.

    Parameters
    ----------
    labels : numpy.ndarray of int
        One class per image.
    fraction : float
        Share of each class held out (0 < fraction < 1); every class with at
        least two images keeps at least one image on each side.
    seed : int
        Seed of the shuffle.

    Returns
    -------
    train, held_out : numpy.ndarray of int
        Sorted indices.

    Examples
    --------
    >>> train, held = stratified_split(np.array([0] * 8 + [1] * 2), 0.5)
    >>> len(train), len(held)
    (5, 5)
    """
    if not 0 < fraction < 1:
        raise ValueError("the held-out fraction must be between 0 and 1")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    held = []
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        k = int(round(fraction * members.size))
        if members.size >= 2:
            k = min(max(k, 1), members.size - 1)
        held.extend(members[:k].tolist())
    held = np.sort(np.array(held, dtype=np.int64))
    train = np.setdiff1d(np.arange(labels.size), held)
    return train, held


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Resize a stack ``(n, rows, cols, channels)`` to ``(n, size, size, channels)`` (bilinear, anti-aliased).

    Parameters
    ----------
    images : numpy.ndarray
        Values in [0, 1].
    size : int
        Side of the square output.

    Returns
    -------
    numpy.ndarray of float32
    """
    from skimage.transform import resize

    images = np.asarray(images, dtype=np.float32)
    if images.shape[1:3] == (size, size):
        return images
    out = resize(images, (images.shape[0], size, size, images.shape[3]), order=1, anti_aliasing=True,
                 preserve_range=True)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def training_split(data: LabelledImages, fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which images train the network, which validate it, and which evaluate it in the end.

    Images of a ``test/`` folder are left out of training and validation
    and evaluate the model; without one, the validation images do.

    Parameters
    ----------
    data : LabelledImages
    fraction : float
        Share of each class of the non-test images held out for validation.
    seed : int
        Seed of the split.

    Returns
    -------
    train, validation, evaluation : numpy.ndarray of int
        Indices into `data`.
    """
    candidates = np.flatnonzero(~data.test) if data.test is not None else np.arange(len(data))
    train, held = stratified_split(data.labels[candidates], fraction, seed)
    validation = candidates[held]
    evaluation = np.flatnonzero(data.test) if data.test is not None else validation
    return candidates[train], validation, evaluation


def to_model_input(image: np.ndarray, size: int, channels: int, invert: bool = False) -> np.ndarray:
    """Turn any 2D picture into one network input: [0, 1] values, ``(size, size, channels)``.

    Parameters
    ----------
    image : numpy.ndarray
        ``(rows, cols)`` grey in any units (windowed from its 1st to 99th
        percentile) or ``(rows, cols, 3)`` colour.
    size : int
        The network's input side.
    channels : int
        1 (colour becomes grey through `core.basics.to_grey`, the course's one grey
        conversion) or 3 (grey is repeated).
    invert : bool
        A grey image shown low values white (DICOM MONOCHROME1, see
        `core.volume.Volume.low_values_white`): 1 - x after the windowing,
        so the network sees it as it is shown, as
        `core.io.class_folders.load_class_folders` does for its training
        images. Ignored for colour.

    Returns
    -------
    numpy.ndarray of float32

    Raises
    ------
    ValueError
        For an image with no finite value.
    """
    from core.basics import to_grey
    from core.display import apply_window, auto_window, colour_to_uint8

    image = np.asarray(image)
    colour = image.ndim == 3 and image.shape[-1] in (3, 4)
    if image.dtype.kind == "f" and not np.isfinite(image).any():
        raise ValueError("the image holds no finite value (all NaN or infinite)")
    if colour:
        unit = colour_to_uint8(image[..., :3]).astype(np.float32) / 255.0
        if channels == 1:
            unit = to_grey(unit)[..., None]
    else:
        width, level = auto_window(image)
        unit = (apply_window(image, width, level, invert=invert).astype(np.float32) / 255.0)[..., None]
    unit = resize_images(unit[None], size)[0]
    if channels == 3 and unit.shape[-1] == 1:
        unit = np.repeat(unit, 3, axis=-1)
    return unit.astype(np.float32)
