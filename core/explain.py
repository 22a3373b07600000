"""Heatmaps put to the test: sanity checks, other explanations of the same prediction, and faithfulness.

A heatmap such as Grad-CAM (`core.cnn.grad_cam`) claims to show where a
network looked. This module holds the tests that say whether to believe it:

- **Model randomisation** (Adebayo et al., "Sanity Checks for Saliency
  Maps", NeurIPS 2018): replace the trained weights by random ones, layer by
  layer from the top (`cascading_randomisation`), and compare each new map
  with the original (Spearman rank correlation and SSIM). A map that does
  not change explains the image, not the model.
- **Data randomisation** (same paper): train the same network on shuffled
  labels (`train_on_shuffled_labels`); its maps should not look like the
  real model's.
- **Other explanations**: occlusion sensitivity (Zeiler and Fergus 2014,
  `occlusion_map`), HiResCAM (`core.cnn.grad_cams` with
  ``method="hirescam"``), and two baselines that ignore the model (an edge
  detector and a random map), all scored with the pointing game.
- **Faithfulness**: the deletion curve (Petsiuk et al., "RISE", BMVC 2018,
  `deletion_curve`): remove the most highlighted pixels first and watch the
  class probability fall; the area under it is smaller for a more faithful map.

Keras is imported inside the functions (through `core.cnn`), as in
`core.cnn`. Images are float arrays in [0, 1] shaped ``(rows, cols,
channels)``; maps are ``(rows, cols)`` in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from core import cnn
from core.basics import to_grey

METHODS = ("Grad-CAM", "HiResCAM", "occlusion", "edges (ignores the model)", "random (ignores the model)")
"""Explanations `explain_map` draws; the last two are baselines that know nothing of the network."""
MODEL_FREE = METHODS[3:]


def edge_map(image: np.ndarray) -> np.ndarray:
    """A map that ignores the model: the Sobel edge magnitude of the image, scaled to [0, 1].

    Parameters
    ----------
    image : numpy.ndarray
        ``(rows, cols)`` or ``(rows, cols, channels)``.

    Returns
    -------
    numpy.ndarray of float64
        ``(rows, cols)`` in [0, 1] (all zero for a flat image).

    Examples
    --------
    >>> step = np.zeros((5, 6)); step[:, 3:] = 1
    >>> edge_map(step).argmax(axis=1).tolist()
    [2, 2, 2, 2, 2]
    """
    from skimage.filters import sobel

    values = np.asarray(image, np.float64)
    grey = to_grey(values) if values.ndim == 3 and values.shape[-1] >= 3 else values.reshape(values.shape[:2])
    edges = sobel(grey)
    top = float(edges.max())
    return edges / top if top > 0 else np.zeros_like(edges)


def random_map(shape: tuple[int, int], seed: int = 0) -> np.ndarray:
    """A map that ignores the model and the image: uniform noise in [0, 1], the baseline of every score."""
    return np.random.default_rng(seed).random(shape)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation of two maps' pixels: 1 same order, 0 unrelated.

    A constant map has no order: its correlation with anything is 0 here (not
    undefined), because it says nothing about where the model looked.

    Examples
    --------
    >>> spearman(np.arange(4.0), np.arange(4.0) ** 2)
    1.0
    >>> spearman(np.arange(4.0), np.zeros(4))
    0.0
    """
    from scipy.stats import spearmanr

    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(spearmanr(a, b).statistic)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Structural similarity (scikit-image) of two [0, 1] maps: 1 identical."""
    from skimage.metrics import structural_similarity

    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    side = min(a.shape)
    window = 7 if side >= 7 else max(3, side - 1 + side % 2)
    return float(structural_similarity(a, b, data_range=1.0, win_size=window))


def class_probability(model, images: np.ndarray, class_index: int, batch_size: int = 256) -> np.ndarray:
    """The probability of one class for every image of a batch ``(n, rows, cols, channels)``."""
    return cnn.predict_proba(model, images, batch_size)[:, int(class_index)]


def occlusion_map(model, image: np.ndarray, class_index: int, patch: int = 8, stride: int = 4,
                  fill: float | None = None) -> np.ndarray:
    """Occlusion sensitivity: slide a grey patch over the image and measure the drop of the class probability.

    Every pixel gets the mean drop of the patches that covered it; rises
    (the patch helped the class) count as 0. Unlike a gradient map it needs
    no access to the network's inside, only its answers: one forward pass per
    patch position (Zeiler and Fergus 2014).

    Parameters
    ----------
    model : keras.Model
    image : numpy.ndarray
        ``(rows, cols, channels)`` in [0, 1].
    class_index : int
        The class whose probability is watched.
    patch, stride : int
        Side of the square patch and step between two positions, in pixels.
    fill : float, optional
        Value of the patch; None uses the image's mean.

    Returns
    -------
    numpy.ndarray of float64
        ``(rows, cols)`` in [0, 1]; all zero when no patch lowers the probability.
    """
    image = np.asarray(image, np.float32)
    rows, cols = image.shape[:2]
    patch = max(1, min(int(patch), rows, cols))
    stride = max(1, int(stride))
    value = float(image.mean()) if fill is None else float(fill)
    starts_r = list(range(0, rows - patch + 1, stride))
    starts_c = list(range(0, cols - patch + 1, stride))
    if starts_r[-1] != rows - patch:
        starts_r.append(rows - patch)
    if starts_c[-1] != cols - patch:
        starts_c.append(cols - patch)
    positions = [(r, c) for r in starts_r for c in starts_c]
    batch = np.repeat(image[None], len(positions), axis=0)
    for k, (r, c) in enumerate(positions):
        batch[k, r:r + patch, c:c + patch] = value
    base = class_probability(model, image[None], class_index)[0]
    drops = base - class_probability(model, batch, class_index)
    total = np.zeros((rows, cols))
    count = np.zeros((rows, cols))
    for (r, c), drop in zip(positions, drops):
        total[r:r + patch, c:c + patch] += drop
        count[r:r + patch, c:c + patch] += 1
    heat = np.clip(total / np.maximum(count, 1), 0, None)
    top = float(heat.max())
    return heat / top if top > 0 else heat


def explain_map(model, image: np.ndarray, method: str, class_index: int, layer_name: str | None = None,
                patch: int = 8, seed: int = 0) -> np.ndarray:
    """One of `METHODS` for one image and class, as a ``(rows, cols)`` map in [0, 1]."""
    if method == "Grad-CAM":
        return cnn.grad_cams(model, np.asarray(image)[None], class_index, layer_name)[0][0].astype(np.float64)
    if method == "HiResCAM":
        return cnn.grad_cams(model, np.asarray(image)[None], class_index, layer_name, "hirescam")[0][0].astype(np.float64)
    if method == "occlusion":
        return occlusion_map(model, image, class_index, patch, max(1, patch // 2))
    if method == MODEL_FREE[0]:
        return edge_map(image)
    if method == MODEL_FREE[1]:
        return random_map(np.asarray(image).shape[:2], seed)
    raise ValueError(f"method must be one of {METHODS}, not {method!r}")


@dataclass
class RandomisationStep:
    """One step of `cascading_randomisation`.

    Attributes
    ----------
    layer : str
        The layer randomised last ("original" for the trained network).
    heatmap : numpy.ndarray
        The map of the network with this layer and every layer above it randomised.
    spearman, ssim : float
        Rank correlation and structural similarity with the original map.
    """

    layer: str
    heatmap: np.ndarray
    spearman: float
    ssim: float


def weight_layers(model) -> list[str]:
    """Names of the layers that have weights, from the output down to the input (the order of randomisation)."""
    return [layer.name for layer in reversed(model.layers) if layer.get_weights()]


def _randomised(weights: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """New random weights like `weights`: kernels drawn from a normal law of the same spread, vectors shuffled."""
    out = []
    for w in weights:
        if w.ndim >= 2:
            std = float(w.std()) or 0.05
            out.append(rng.normal(0.0, std, w.shape).astype(w.dtype))
        else:  # biases (and scales): the same values in a random order, so their signs and sizes stay plausible
            out.append(rng.permutation(w.ravel()).reshape(w.shape).astype(w.dtype))
    return out


def copy_model(model):
    """A new model with the same architecture and weights (the original stays untouched)."""
    keras = cnn.keras_module()
    twin = keras.models.clone_model(model)
    twin.set_weights(model.get_weights())
    return twin


def cascading_randomisation(model, image: np.ndarray, explainer: Callable[[object, np.ndarray], np.ndarray],
                            seed: int = 0, on_step: Callable[[int, int], None] | None = None
                            ) -> list[RandomisationStep]:
    """Randomise the weights layer by layer from the top, and compare each step's map with the original.

    The model-randomisation test of Adebayo et al. (NeurIPS 2018). The map
    of a faithful explanation depends on the weights the network learned: it
    changes as soon as the top layers are random, and has nothing left in
    common with the original when every layer is. A map that barely changes
    (an edge detector does not change at all) explains the image, not the model.

    Parameters
    ----------
    model : keras.Model
        The trained network (not modified: a copy is randomised).
    image : numpy.ndarray
        ``(rows, cols, channels)``.
    explainer : callable
        ``explainer(model, image)`` returns a ``(rows, cols)`` map, e.g.
        ``lambda m, x: grad_cam(m, x, class_index=1)``. Keep the class fixed:
        the randomised network's prediction changes.
    seed : int
        Seed of the random weights.
    on_step : callable, optional
        Called as ``on_step(done, total)`` after each map; an exception it
        raises ends the work (a way to stop it).

    Returns
    -------
    list of RandomisationStep
        The original first, then one step per layer with weights, top first.
    """
    rng = np.random.default_rng(seed)
    twin = copy_model(model)
    original = np.asarray(explainer(twin, image), np.float64)
    steps = [RandomisationStep("original", original, 1.0, 1.0)]
    names = weight_layers(twin)
    if on_step is not None:
        on_step(1, len(names) + 1)
    for k, name in enumerate(names):
        layer = twin.get_layer(name)
        layer.set_weights(_randomised(layer.get_weights(), rng))
        heat = np.asarray(explainer(twin, image), np.float64)
        steps.append(RandomisationStep(name, heat, spearman(original, heat), ssim(original, heat)))
        if on_step is not None:
            on_step(k + 2, len(names) + 1)
    return steps


def shuffled_labels(labels: np.ndarray, seed: int = 0) -> np.ndarray:
    """The same labels in a random order: no image keeps a reason for its label."""
    return np.random.default_rng(seed).permutation(np.asarray(labels))


def train_on_shuffled_labels(spec: cnn.ModelSpec, x: np.ndarray, y: np.ndarray, x_val: np.ndarray,
                             y_val: np.ndarray, epochs: int = 5, batch_size: int = 32, learning_rate: float = 1e-3,
                             seed: int = 0, on_epoch: Callable[[int, cnn.History], None] | None = None):
    """The data-randomisation test (Adebayo et al. 2018): the same network trained on shuffled labels.

    It can only learn the training images by heart, so its validation
    accuracy stays near chance; a heatmap that still looks like the real
    model's is not showing what the model learned.

    Parameters
    ----------
    spec : core.cnn.ModelSpec
        The architecture of the real model.
    x, y, x_val, y_val : numpy.ndarray
        Training and validation images and labels (the training labels are shuffled here;
        the validation labels are kept true, to measure chance).
    epochs, batch_size, learning_rate, seed, on_epoch
        As `core.cnn.train`.

    Returns
    -------
    model : keras.Model
    history : core.cnn.History
    """
    model = cnn.build_model(spec, seed)
    history = cnn.train(model, x, shuffled_labels(y, seed), x_val, y_val, epochs, batch_size, learning_rate,
                        seed, on_epoch=on_epoch)
    return model, history


def deletion_curve(model, image: np.ndarray, heatmap: np.ndarray, class_index: int, steps: int = 20,
                   fill: float | None = None, seed: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """Delete the most highlighted pixels first, in steps, and follow the class probability.

    The deletion metric of Petsiuk et al. ("RISE", BMVC 2018): if the map
    is faithful, removing what it highlights destroys the evidence quickly
    and the probability falls fast: a small area under the curve. Ties (a
    blank region of the map) are broken at random, so a blank map behaves
    like a random one.

    Parameters
    ----------
    model : keras.Model
    image : numpy.ndarray
        ``(rows, cols, channels)``.
    heatmap : numpy.ndarray
        ``(rows, cols)``.
    class_index : int
    steps : int
        Number of deletion steps after the intact image.
    fill : float, optional
        Value of a deleted pixel; None uses the image's mean.
    seed : int
        Seed of the tie-breaking.

    Returns
    -------
    fractions : numpy.ndarray
        Share of pixels deleted, from 0 to 1 (``steps + 1`` values).
    probabilities : numpy.ndarray
        The class probability at each fraction.
    area : float
        Area under the curve (trapezoids), 0 to 1.
    """
    image = np.asarray(image, np.float32)
    rows, cols = image.shape[:2]
    value = float(image.mean()) if fill is None else float(fill)
    jitter = np.random.default_rng(seed).random(rows * cols) * 1e-9
    order = np.argsort(-(np.asarray(heatmap, np.float64).ravel() + jitter), kind="stable")
    fractions = np.linspace(0, 1, steps + 1)
    batch = np.repeat(image[None], steps + 1, axis=0)
    for k, f in enumerate(fractions):
        gone = order[:int(round(f * rows * cols))]
        batch[k].reshape(rows * cols, -1)[gone] = value
    probabilities = class_probability(model, batch, class_index)
    area = float(np.sum((probabilities[1:] + probabilities[:-1]) / 2 * np.diff(fractions)))
    return fractions, probabilities, area


def pointing_scores(model, images: np.ndarray, masks: np.ndarray, class_index: int, methods: tuple[str, ...] = METHODS,
                    layer_name: str | None = None, patch: int = 8, seed: int = 0,
                    on_step: Callable[[int, int], None] | None = None) -> dict[str, np.ndarray]:
    """The pointing game (`core.cnn.pointing_game`) of each method on images with a known finding.

    Parameters
    ----------
    model : keras.Model
    images : numpy.ndarray
        ``(n, rows, cols, channels)``.
    masks : numpy.ndarray of bool
        ``(n, rows, cols)``, where the finding is.
    class_index : int
        The class to explain (the finding's).
    methods : tuple of str
        Names from `METHODS`.
    layer_name : str, optional
        For the gradient methods.
    patch : int
        Occlusion patch side.
    seed : int
        Seed of the random maps.
    on_step : callable, optional
        ``on_step(done, total)`` after each image of the occlusion method and each other method.

    Returns
    -------
    dict
        ``{method: (n,) bool}``: its mean is the method's score.
    """
    total = len(methods) - 1 + len(images) if "occlusion" in methods else len(methods)
    done = 0
    hits = {}
    for method in methods:
        if method == "Grad-CAM" or method == "HiResCAM":
            maps = cnn.grad_cams(model, images, class_index, layer_name,
                                 "grad-cam" if method == "Grad-CAM" else "hirescam")[0]
        elif method == "occlusion":
            maps = []
            for image in images:
                maps.append(occlusion_map(model, image, class_index, patch, max(1, patch // 2)))
                done += 1
                if on_step is not None:
                    on_step(done, total)
            maps = np.array(maps)
            hits[method] = cnn.pointing_game(maps, masks)
            continue
        else:
            maps = np.array([explain_map(model, image, method, class_index, seed=seed + k)
                             for k, image in enumerate(images)])
        hits[method] = cnn.pointing_game(maps, masks)
        done += 1
        if on_step is not None:
            on_step(done, total)
    return hits
