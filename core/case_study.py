"""The lecture's Alzheimer's example, on simulated subjects: registration first, then a CNN on registered slices.

Bae et al. (Scientific Reports, 2020) aligned every T1-weighted MRI to a
template, cut slices from the same place in every brain, and trained a CNN on
them. This module runs the same two steps on data we can ship: subjects made
from one axial slice of the MNI152 template (through the lateral ventricles),
half of them with simulated atrophy (ventricles enlarged and the cortex
thinned by morphological operations), every one lying in the scanner a
little rotated, shifted and scaled, with noise. Step 1 registers each subject
to the template with `core.registration.register`; step 2 trains the same
small CNN (`core.cnn`) on the registered slices and, for comparison, on the
slices as scanned.

Morphology is done at the template's 1 mm resolution; the CNN sees the
slices shrunk to ``size`` pixels. TensorFlow is imported only by `train_and_test`.

>>> cohort = simulate(8, atrophy_mm=4.0, motion=1.0, size=48, seed=0)    # doctest: +SKIP
>>> cohort.images.shape, cohort.labels.tolist()                          # doctest: +SKIP
((8, 48, 48), [1, 0, 0, 1, 1, 0, 1, 0])
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import ndimage as ndi

from core.questions.selfcheck import Question

CLASS_NAMES = ("healthy", "atrophy")
SLICE = 92
"""Axial slice of the MNI152 2009 template (index along its first axis) through the bodies of the lateral ventricles."""
MAX_ROTATION_DEG = 15.0
MAX_SHIFT_MM = 10.0
MAX_SCALE = 0.15
"""Head motion at full strength: rotation up to ±15°, shift up to ±10 mm per axis, scale 1 ± 0.15
(head size: a larger head makes larger ventricles too, the confound registration removes)."""
NOISE = 0.03
"""Standard deviation of the Rician noise on the 0-1 scale."""


@dataclass(frozen=True)
class Anatomy:
    """One axial slice of the template and its tissues, at 1 mm per pixel, cropped to a square around the brain.

    Attributes
    ----------
    t1 : numpy.ndarray of float
        T1 intensities scaled to [0, 1].
    grey, white, ventricles : numpy.ndarray of bool
        Grey matter, white matter (probability above one half) and the lateral ventricles.
    csf : float
        Mean T1 value of the ventricles: what tissue lost to atrophy becomes.
    """

    t1: np.ndarray
    grey: np.ndarray
    white: np.ndarray
    ventricles: np.ndarray
    csf: float


def load_anatomy(z: int = SLICE) -> Anatomy:
    """The template slice `z` with its grey matter, white matter and ventricle masks.

    The ventricles are the large cerebrospinal-fluid regions enclosed by the
    brain: holes of the grey-plus-white mask, opened by a 1 mm disk (to drop
    thin sulci), keeping the pieces of at least 50 mm².

    Parameters
    ----------
    z : int
        Axial slice index of the MNI152 2009 template.

    Returns
    -------
    Anatomy
    """
    from skimage.morphology import disk

    from core import samples

    t1, grey, white = (samples.load(samples.SAMPLES[i].name).data[z].astype(np.float64) / 255 for i in (2, 3, 4))
    grey, white = grey > 0.5, white > 0.5
    brain = grey | white
    holes = ndi.binary_fill_holes(brain) & ~brain
    holes = ndi.binary_opening(holes, disk(1))
    labels, n = ndi.label(holes)
    areas = ndi.sum(holes, labels, range(1, n + 1))
    ventricles = np.isin(labels, 1 + np.flatnonzero(areas >= 50))
    rows = np.flatnonzero((t1 > 0.05).any(axis=1))
    cols = np.flatnonzero((t1 > 0.05).any(axis=0))
    side = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 + 2 * 16  # a margin for head motion
    r0, c0 = (rows[0] + rows[-1] - side) // 2, (cols[0] + cols[-1] - side) // 2
    crop = tuple(_padded_crop(a, r0, c0, side) for a in (t1, grey, white, ventricles))
    return Anatomy(crop[0], crop[1].astype(bool), crop[2].astype(bool), crop[3].astype(bool),
                   float(t1[ventricles].mean()))


def _padded_crop(a: np.ndarray, r0: int, c0: int, side: int) -> np.ndarray:
    out = np.zeros((side, side), a.dtype)
    rs, cs = slice(max(r0, 0), min(r0 + side, a.shape[0])), slice(max(c0, 0), min(c0 + side, a.shape[1]))
    out[rs.start - r0:rs.stop - r0, cs.start - c0:cs.stop - c0] = a[rs, cs]
    return out


def atrophy(anatomy: Anatomy, ventricle_mm: int, cortex_mm: int) -> tuple[np.ndarray, np.ndarray]:
    """The slice with enlarged ventricles and a thinner cortex, made by dilation and erosion.

    The ventricles are dilated by a disk of radius `ventricle_mm` (into the
    tissue around them); the cortex loses the grey matter within `cortex_mm`
    of the cerebrospinal fluid outside the brain (an erosion of the brain,
    ventricles counted as brain so that only the outer surface moves). Lost
    tissue takes the ventricles' T1 value: the head keeps its size, the
    fluid spaces grow, as in a real atrophying brain.

    Parameters
    ----------
    anatomy : Anatomy
    ventricle_mm, cortex_mm : int
        Radii in mm (= pixels) of the two structuring disks; 0 leaves that part unchanged.

    Returns
    -------
    image : numpy.ndarray of float
        The T1 slice.
    ventricles : numpy.ndarray of bool
        The enlarged ventricles.

    Examples
    --------
    >>> a = Anatomy(np.full((9, 9), 0.8), np.zeros((9, 9), bool), np.ones((9, 9), bool),
    ...             np.pad(np.ones((1, 1), bool), 4), 0.3)
    >>> int(atrophy(a, 1, 0)[1].sum())   # a 1-pixel ventricle dilated by a radius-1 disk
    5
    """
    from skimage.morphology import disk

    image = anatomy.t1.copy()
    ventricles = anatomy.ventricles
    if ventricle_mm > 0:
        tissue = anatomy.white | anatomy.grey | ventricles
        ventricles = ndi.binary_dilation(ventricles, disk(int(ventricle_mm))) & tissue
    lost = ventricles & ~anatomy.ventricles
    if cortex_mm > 0:
        inside = ndi.binary_erosion(anatomy.grey | anatomy.white | anatomy.ventricles, disk(int(cortex_mm)),
                                    border_value=1)
        lost |= anatomy.grey & ~inside
    image[lost] = anatomy.csf
    return image, ventricles


@dataclass(frozen=True)
class Motion:
    """How a subject's head lies in the scanner.

    Attributes
    ----------
    angle_deg : float
        Rotation, anticlockwise on screen.
    shift_mm : (float, float)
        Shift along rows and columns.
    scale : float
        Size relative to the template.
    """

    angle_deg: float = 0.0
    shift_mm: tuple[float, float] = (0.0, 0.0)
    scale: float = 1.0


def move(image: np.ndarray, motion: Motion) -> np.ndarray:
    """The image as it would appear with the head rotated, shifted and scaled about the image centre.

    Parameters
    ----------
    image : numpy.ndarray
        2D, 1 mm per pixel.
    motion : Motion

    Returns
    -------
    numpy.ndarray
        Same shape, linear interpolation, 0 outside.

    Examples
    --------
    >>> a = np.zeros((5, 5)); a[2, 3] = 1
    >>> float(move(a, Motion(shift_mm=(1.0, 0.0)))[3, 3])
    1.0
    """
    theta = np.radians(motion.angle_deg)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    forward = motion.scale * rotation           # output = forward @ (input - centre) + centre + shift
    inverse = np.linalg.inv(forward)
    centre = (np.array(image.shape) - 1) / 2
    offset = centre - inverse @ (centre + np.asarray(motion.shift_mm, float))
    return ndi.affine_transform(image, inverse, offset=offset, order=1, cval=0.0)


def shrink(image: np.ndarray, size: int) -> np.ndarray:
    """The image resized to ``size × size`` pixels with anti-aliasing."""
    from skimage.transform import resize

    return resize(image, (size, size), order=1, anti_aliasing=True, preserve_range=True)


def rician(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """MRI magnitude noise: the modulus of the image plus complex Gaussian noise of standard deviation `sigma`."""
    return np.hypot(image + rng.normal(0, sigma, image.shape), rng.normal(0, sigma, image.shape))


@dataclass
class Cohort:
    """Simulated subjects as scanned, and the template they are registered to.

    Attributes
    ----------
    images : numpy.ndarray of float32
        ``(n, size, size)`` in [0, 1], in shuffled order.
    labels : numpy.ndarray of int
        0 healthy, 1 atrophy.
    template : numpy.ndarray of float
        The template slice (healthy, unmoved, no noise), ``(size, size)``.
    motions : list of Motion
        Each subject's head position.
    ventricle_mm2 : numpy.ndarray
        Each subject's ventricle area in mm² (before motion).
    cortex_mm : numpy.ndarray
        Each subject's cortical thinning in mm.
    mm_per_pixel : float
        Pixel size of `images`.
    """

    images: np.ndarray
    labels: np.ndarray
    template: np.ndarray
    motions: list[Motion]
    ventricle_mm2: np.ndarray
    cortex_mm: np.ndarray
    mm_per_pixel: float


def subject_plan(label: int, atrophy_mm: float, motion: float, rng: np.random.Generator) -> tuple[int, int, Motion]:
    """Draw one subject's atrophy (ventricle and cortex radii in mm) and head position.

    Healthy subjects vary too: their ventricles are 0 to 1 mm larger than
    the template's. A subject with atrophy gets ventricles larger by
    `atrophy_mm` × (0.6 to 1.4) more, and a cortex thinner by a third of that.

    Parameters
    ----------
    label : int
        0 healthy, 1 atrophy.
    atrophy_mm : float
        The group's mean ventricle enlargement in mm.
    motion : float
        Head motion strength, 0 (every head in the template's position) to 1
        (`MAX_ROTATION_DEG`, `MAX_SHIFT_MM`, `MAX_SCALE`).
    rng : numpy.random.Generator

    Returns
    -------
    ventricle_mm, cortex_mm : int
    motion : Motion
    """
    extra = atrophy_mm * rng.uniform(0.6, 1.4) if label else 0.0
    ventricle_mm = int(round(rng.uniform(0, 1) + extra))
    cortex_mm = int(round(extra / 3))
    head = Motion(float(rng.uniform(-1, 1) * MAX_ROTATION_DEG * motion),
                  tuple(float(v) for v in rng.uniform(-1, 1, 2) * MAX_SHIFT_MM * motion),
                  float(1 + rng.uniform(-1, 1) * MAX_SCALE * motion))
    return ventricle_mm, cortex_mm, head


def simulate(n: int = 80, atrophy_mm: float = 3.0, motion: float = 1.0, size: int = 64, seed: int = 0,
             anatomy: Anatomy | None = None, noise: float = NOISE) -> Cohort:
    """Two groups of simulated subjects: half healthy, half with atrophy, each in its own head position.

    Parameters
    ----------
    n : int
        Number of subjects (at least 4); ``n // 2`` have atrophy.
    atrophy_mm : float
        Mean ventricle enlargement of the atrophy group, in mm (0 to about 8).
    motion : float
        Head motion strength, 0 to 1 (see `subject_plan`).
    size : int
        Side of the slices in pixels (at least 32).
    seed : int
        The same seed, the same subjects; subject ``k`` of a group does not depend on `n`.
    anatomy : Anatomy, optional
        The output of `load_anatomy` (loaded when omitted).
    noise : float
        Rician noise on the 0-1 scale.

    Returns
    -------
    Cohort
    """
    if n < 4:
        raise ValueError("the case study needs at least 4 subjects (2 per group)")
    if size < 32:
        raise ValueError("slices must be at least 32 pixels wide")
    if not 0 <= motion <= 1:
        raise ValueError("head motion must be between 0 and 1")
    anatomy = anatomy if anatomy is not None else load_anatomy()
    n_atrophy = n // 2
    plan = [(0, k) for k in range(n - n_atrophy)] + [(1, k) for k in range(n_atrophy)]
    order = np.random.default_rng(seed).permutation(n)
    images = np.empty((n, size, size), np.float32)
    motions, areas, cortex = [], np.zeros(n), np.zeros(n)
    for i, j in enumerate(order):
        label, k = plan[j]
        rng = np.random.default_rng([seed, label, k])
        ventricle_mm, cortex_mm, head = subject_plan(label, atrophy_mm, motion, rng)
        image, ventricles = atrophy(anatomy, ventricle_mm, cortex_mm)
        image = shrink(move(image, head), size) * rng.uniform(0.9, 1.1)
        images[i] = np.clip(rician(image, noise, rng), 0, 1)
        motions.append(head)
        areas[i], cortex[i] = float(ventricles.sum()), cortex_mm
    labels = np.array([plan[j][0] for j in order], dtype=np.int64)
    template = shrink(anatomy.t1, size)
    return Cohort(images, labels, template, motions, areas, cortex, anatomy.t1.shape[0] / size)


def register_cohort(cohort: Cohort, transform: str = "affine", iterations: int = 60,
                    on_subject: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Step 1: register every subject to the template with `core.registration.register`.

    Parameters
    ----------
    cohort : Cohort
    transform : str
        "affine" (finds the similarity first: shift, rotation and one scale)
        or "rigid" (shift and rotation only: head size stays).
    iterations : int
        Maximum optimiser iterations per resolution level.
    on_subject : callable, optional
        Called as ``on_subject(done, total)`` after each subject.

    Returns
    -------
    registered : numpy.ndarray of float32
        ``(n, size, size)`` in [0, 1], on the template's grid.
    seconds : numpy.ndarray
        Registration time of each subject.
    """
    from core.registration import register

    spacing = (cohort.mm_per_pixel,) * 2
    registered = np.empty_like(cohort.images)
    seconds = np.zeros(len(cohort.images))
    for i, image in enumerate(cohort.images):
        start = time.perf_counter()
        result = register(cohort.template, image, transform, "correlation", spacing=spacing, levels=2,
                          iterations=iterations, sampling=0.5, seed=1)
        registered[i] = np.clip(result.registered, 0, 1)
        seconds[i] = time.perf_counter() - start
        if on_subject is not None:
            on_subject(i + 1, len(cohort.images))
    return registered, seconds


def split(labels: np.ndarray, test_fraction: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices of training and held-out subjects, the same share of each group in both (stratified).

    Examples
    --------
    >>> train, test = split(np.array([0, 0, 0, 1, 1, 1]), 1 / 3)
    >>> len(train), len(test), int(np.array([0, 0, 0, 1, 1, 1])[test].sum())
    (4, 2, 1)
    """
    rng = np.random.default_rng(seed)
    train, test = [], []
    for group in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == group))
        n_test = min(max(1, int(round(len(members) * test_fraction))), len(members) - 1)
        test += members[:n_test].tolist()
        train += members[n_test:].tolist()
    return np.sort(train), np.sort(test)


def model_spec(size: int):
    """The small CNN of the case study: two convolution blocks, no random flips (the images are already varied)."""
    from core.cnn import ModelSpec

    return ModelSpec(input_size=size, channels=1, n_classes=2, conv_blocks=2, filters=8, dense_units=16,
                     dropout=0.3, augment=False)


@dataclass
class Arm:
    """One arm of the comparison: the CNN trained on registered, or on unregistered, slices.

    Attributes
    ----------
    accuracy : float
        Share of held-out subjects classified right.
    confusion : numpy.ndarray
        ``[true, predicted]`` counts on the held-out subjects.
    train_accuracy, val_accuracy : list of float
        Per epoch, on the training and held-out subjects.
    predict_seconds : float
        Time to classify one new subject's slice (median of a few single predictions).
    """

    accuracy: float
    confusion: np.ndarray
    train_accuracy: list[float]
    val_accuracy: list[float]
    predict_seconds: float


def train_and_test(images: np.ndarray, labels: np.ndarray, train: np.ndarray, test: np.ndarray, epochs: int = 15,
                   seed: int = 0, on_epoch: Callable[[int, object], None] | None = None) -> Arm:
    """Step 2: train the CNN on the training subjects' slices, then classify the held-out ones.

    Parameters
    ----------
    images : numpy.ndarray
        ``(n, size, size)`` in [0, 1].
    labels : numpy.ndarray of int
    train, test : numpy.ndarray of int
        Indices from `split`.
    epochs : int
    seed : int
        Seed of the weights, shuffling and dropout: the same seed, the same network.
    on_epoch : callable, optional
        Passed to `core.cnn.train`: ``on_epoch(epoch, history)``.

    Returns
    -------
    Arm
    """
    from core.cnn import build_model, evaluate, predict_proba, train as fit

    x = np.asarray(images, np.float32)[..., None]
    model = build_model(model_spec(x.shape[1]), seed=seed)
    history = fit(model, x[train], labels[train], x[test], labels[test], epochs=epochs, batch_size=16,
                  seed=seed, on_epoch=on_epoch)
    result = evaluate(labels[test], predict_proba(model, x[test]))
    times = []
    for i in test[:5]:
        start = time.perf_counter()
        predict_proba(model, x[i:i + 1])
        times.append(time.perf_counter() - start)
    return Arm(result.accuracy, result.confusion, history.accuracy, history.val_accuracy, float(np.median(times)))


@dataclass
class CaseStudy:
    """Everything the case-study page shows.

    Attributes
    ----------
    cohort : Cohort
    registered : numpy.ndarray
        The subjects after step 1.
    register_seconds : numpy.ndarray
        Step 1's time per subject.
    train, test : numpy.ndarray of int
        Training and held-out subjects.
    with_registration, without_registration : Arm
        The CNN on registered and on unregistered slices.
    """

    cohort: Cohort
    registered: np.ndarray
    register_seconds: np.ndarray
    train: np.ndarray
    test: np.ndarray
    with_registration: Arm
    without_registration: Arm

    @property
    def seconds_per_subject(self) -> float:
        """Time to handle one new subject: registration plus prediction (median registration time)."""
        return float(np.median(self.register_seconds)) + self.with_registration.predict_seconds


def gain_question(result: CaseStudy) -> Question:
    """The self-check question computed from a run: by how many points did registration change the accuracy?

    Parameters
    ----------
    result : CaseStudy
        The learner's last run.

    Returns
    -------
    core.questions.selfcheck.Question
        Numeric, answered within one point.
    """
    with_reg, without = result.with_registration.accuracy, result.without_registration.accuracy
    gain = 100 * (with_reg - without)
    return Question("In your last run, by how many percentage points did registration change the accuracy "
                    "(with minus without)?",
                    f"{100 * with_reg:.0f} % − {100 * without:.0f} % = {gain:.0f} points.", round(gain),
                    tolerance=1.0)


def run(n: int = 80, atrophy_mm: float = 3.0, motion: float = 1.0, epochs: int = 15, size: int = 64,
        seed: int = 0, anatomy: Anatomy | None = None,
        progress: Callable[[float, str], None] | None = None) -> CaseStudy:
    """The whole case study: simulate, register (step 1), train and test the CNN with and without step 1.

    Parameters
    ----------
    n, atrophy_mm, motion, size, seed
        See `simulate`.
    epochs : int
        Training epochs of each CNN.
    anatomy : Anatomy, optional
        The output of `load_anatomy`.
    progress : callable, optional
        Called as ``progress(fraction, message)``.

    Returns
    -------
    CaseStudy
    """
    report = progress or (lambda fraction, message: None)
    report(0.0, "Simulating the subjects")
    cohort = simulate(n, atrophy_mm, motion, size, seed, anatomy)
    registered, seconds = register_cohort(
        cohort, on_subject=lambda done, total: report(0.05 + 0.45 * done / total,
                                                      f"Step 1: registered {done} of {total} subjects"))
    train, test = split(cohort.labels, seed=seed)
    arms = []
    for number, (images, name) in enumerate(((registered, "registered"), (cohort.images, "unregistered"))):
        def on_epoch(epoch, history, number=number, name=name):
            """Report the epoch just trained."""
            report(0.5 + 0.25 * (number + epoch / epochs), f"Step 2: CNN on {name} slices, epoch {epoch} of {epochs}")
        arms.append(train_and_test(images, cohort.labels, train, test, epochs, seed, on_epoch))
    report(1.0, "Done")
    return CaseStudy(cohort, registered, seconds, train, test, arms[0], arms[1])
