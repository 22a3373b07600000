"""Learned registration: small networks that predict a displacement field in one forward pass (VoxelMorph in 2D).

The recipe of Balakrishnan et al., "VoxelMorph: A Learning Framework for
Deformable Medical Image Registration", IEEE Transactions on Medical Imaging
38(8), 2019: an encoder-decoder (a U-Net) takes the moving and the fixed
image and outputs a dense displacement field ``u``; a differentiable warp
layer (`warp_cubic`, bicubic sampling) resamples the moving image at ``x + u(x)``;
the loss is the dissimilarity of the warped and the fixed image (mean squared
error or normalised cross-correlation) plus a smoothness penalty on the
field's gradient. No labels and no true fields are used: the network learns
to register from pairs of images alone.

Three choices make a short training go further (`Config.affine`,
`Config.stages`, `Config.downsize`). An affine stage comes first: a small
encoder and a dense layer predict the 6 parameters of an affine map
(`affine_field`), starting from the identity (de Vos et al., "A deep
learning framework for unsupervised affine and deformable image
registration", Medical Image Analysis 52, 2019). Three U-Nets follow in a
cascade, each registering what the previous stages left, their fields
composed, all trained together end to end (Zhao et al., "Recursive Cascaded
Networks for Unsupervised Medical Image Registration", ICCV 2019). Each
U-Net predicts its field on a grid 4 times coarser than the image
(VoxelMorph's ``int_downsize``: a smooth field and a quarter of the
decoder's work); the fields are composed on that grid and upsampled
bilinearly only to warp an image.

The pairs are MNI152 axial slices (the course's template, `core.data.lesions`)
moved by random known motions of the course's own generator
(`core.data.warps.make_problem`: shift, rotation, scale and a smooth bend), so
every result can be scored against the truth (TRE in mm, as in
`core.registration`).

Conventions: images ``(rows, cols)`` in [0, 1]; displacements ``(rows, cols,
2)`` in array-axis order (rows, then cols), in pixels inside the network and
in mm where a function says so. ``fixed(x) ~ moving(x + u(x))``: a point
``x`` of the fixed image is found at ``x + u(x)`` in the moving one, as
`core.data.warps.Problem.true_points` and `core.registration.RegistrationResult.map_points`
say it. Keras is imported inside the functions (`core.cnn.keras_module`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from core.cnn import TrainingHistory
from core.data import warps

SIMILARITIES = ("mse", "ncc")
"""Image similarity terms of the loss: mean squared error (same contrast) or local normalised cross-correlation."""


@dataclass(frozen=True)
class Config:
    """What to train: the data, the network and the loss.

    Attributes
    ----------
    size : int
        Side of the square images in pixels.
    pairs : int
        Training pairs (a new random motion for each).
    epochs, batch_size : int
        Passes over the pairs, and pairs per weight update.
    features : tuple of int
        Filters of the encoder's levels (the decoder mirrors them).
    similarity : str
        One of `SIMILARITIES`. Local NCC by default: on the benchmark's 10
        held-out pairs it gave a median TRE of 0.24-0.29 mm over three seeds
        where MSE gave 0.35-0.40 mm, for the same CPU (benchmarks/RESULTS.md,
        issue 23's trials).
    smoothness : float
        Weight ``lambda`` of the smoothness penalty (mean squared gradient of
        the field, in pixels): about 1 for local NCC, 0.01 for MSE (the two
        losses differ in scale by about that much, as in VoxelMorph).
    learning_rate : float
        Adam's step size.
    scales : tuple of int
        The similarity is averaged over the images and their copies shrunk by
        these factors (mean pooling): the shrunk copies still overlap when a
        motion is large, which gives the network a gradient from the start.
    max_shift_mm, max_angle_deg, max_scale : float
        Largest shift, rotation and scale change of the random motions.
    warp_share : float
        Largest bend amplitude as a share of `core.data.warps.max_warp_mm` (the most that cannot fold).
    seed : int
        Seed of the motions, the split of slices and the network's weights.
    downsize : int
        The field is predicted on a grid this many times coarser than the
        image (a power of 2; the decoder stops there), composed there with
        the previous stages' and upsampled bilinearly to warp an image: a
        smooth field, and a cheaper network (VoxelMorph's ``int_downsize``).
    stages : int
        U-Nets in a cascade: each registers what the previous ones left,
        and their fields are composed (a recursive cascade, Zhao et al.,
        ICCV 2019), trained together end to end.
    affine : bool
        An affine stage first: a small encoder and a dense layer predict
        the 6 parameters of an affine map (identity at the start), whose
        field the U-Nets then refine (de Vos et al., Medical Image Analysis
        52, 2019; Zhao et al.'s cascades start the same way).
    """

    size: int = 64
    pairs: int = 1200
    epochs: int = 10
    batch_size: int = 16
    features: tuple[int, ...] = (16, 32, 32, 32)
    similarity: str = "ncc"
    smoothness: float = 1.0
    learning_rate: float = 3e-3
    scales: tuple[int, ...] = (1,)
    max_shift_mm: float = 8.0
    max_angle_deg: float = 8.0
    max_scale: float = 0.06
    warp_share: float = 0.8
    seed: int = 0
    downsize: int = 4
    stages: int = 3
    affine: bool = True


@dataclass
class Pairs:
    """Moving and fixed images made from template slices, with the truth of each pair.

    Attributes
    ----------
    moving, fixed : numpy.ndarray of float32
        ``(n, size, size)`` in [0, 1].
    problems : list of core.data.warps.Problem
        The known motion of each pair (``problems[k].true_points``).
    spacing : (float, float)
        mm per pixel.
    """

    moving: np.ndarray
    fixed: np.ndarray
    problems: list
    spacing: tuple[float, float]


@dataclass
class History(TrainingHistory):
    """Loss per epoch (total, similarity, smoothness) on training and held-out pairs, and the time taken."""

    similarity: list = field(default_factory=list)
    smoothness: list = field(default_factory=list)
    val_similarity: list = field(default_factory=list)


@dataclass
class Trained:
    """A trained registration network, as its weights, and what it was trained on.

    A Keras model does not travel between processes (a Dask worker trains,
    the session or another worker uses it); its weights, numpy arrays, do.
    `model` builds the network from them on first use in a process (the
    same `build_model` with the same settings, then the weights) and keeps
    it; a copy made by pickling carries the weights only.

    Attributes
    ----------
    weights : list of numpy.ndarray
        The network's weights, in `build_model`'s order (``model.get_weights()``).
    config : Config
    spacing : (float, float)
        mm per pixel of the images it was trained on.
    history : History
    train_slices, held_out_slices : list of int
        Axial template slices used for training and kept apart.
    """

    weights: list
    config: Config
    spacing: tuple[float, float]
    history: History
    train_slices: list
    held_out_slices: list
    _model: object = field(default=None, init=False, repr=False, compare=False)

    @property
    def model(self):
        """The network, ``[moving, fixed] -> [warped, field]`` (a keras.Model), built from `weights` once per process."""
        if self._model is None:
            config = self.config
            model = build_model(config.size, config.features, config.seed, config.downsize, config.stages,
                                config.affine)
            model.set_weights(self.weights)
            self._model = model
        return self._model

    def __getstate__(self) -> dict:
        """What pickling keeps: everything but the Keras model (rebuilt from the weights where it lands)."""
        state = dict(self.__dict__)
        state["_model"] = None
        return state


# ---------------------------------------------------------------- data

def template_slices(size: int = 64) -> tuple[np.ndarray, list[int], tuple[float, float]]:
    """Axial slices of the MNI152 T1 template through the brain, resized to ``size x size``.

    Returns
    -------
    slices : numpy.ndarray of float32
        ``(k, size, size)`` in [0, 1].
    indices : list of int
        The template's slice index of each.
    spacing : (float, float)
        mm per pixel after resizing (the template is 1 mm).
    """
    from skimage.transform import resize

    from core.data import lesions

    t1, brain = lesions.load_template()
    chosen = lesions.brain_slices(brain, 0.5)[::2]
    side = t1.shape[1]
    slices = np.array([resize(t1[z], (size, size), order=1, anti_aliasing=True, preserve_range=True)
                       for z in chosen], np.float32)
    return slices, [int(z) for z in chosen], (side / size, side / size)


def split_slices(count: int, held_out_every: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Positions of training and held-out slices: every `held_out_every`-th one is kept apart."""
    positions = np.arange(count)
    held = positions[1::held_out_every]
    return np.setdiff1d(positions, held), held


def random_motion(rng: np.random.Generator, shape: tuple[int, int], spacing: tuple[float, float],
                  config: Config) -> warps.Motion:
    """A random `core.data.warps.Motion` within the limits of `config` (uniform in each parameter)."""
    bend = config.warp_share * warps.max_warp_mm(shape, spacing)
    return warps.Motion(shift_mm=tuple(float(v) for v in rng.uniform(-config.max_shift_mm, config.max_shift_mm, 2)),
                        angles_deg=(float(rng.uniform(-config.max_angle_deg, config.max_angle_deg)),),
                        scale=float(1 + rng.uniform(-config.max_scale, config.max_scale)),
                        warp_mm=float(rng.uniform(-bend, bend)))


def make_pairs(slices: np.ndarray, spacing: tuple[float, float], n: int, config: Config, seed: int,
               contrast: float = 0.0) -> Pairs:
    """`n` pairs: a slice (fixed) and the same slice moved by a random known motion (moving).

    Parameters
    ----------
    slices : numpy.ndarray
        ``(k, size, size)`` images to draw from.
    spacing : (float, float)
    n : int
    config : Config
        The motion limits.
    seed : int
    contrast : float
        0 to 1: how much of `core.data.warps.other_contrast` the moving images get
        (the network is trained with 0; more shows where it fails).

    Returns
    -------
    Pairs
    """
    rng = np.random.default_rng(seed)
    moving = np.empty((n,) + slices.shape[1:], np.float32)
    fixed = np.empty_like(moving)
    problems = []
    for k in range(n):
        image = slices[rng.integers(len(slices))].astype(np.float64)
        problem = warps.make_problem(image, spacing, random_motion(rng, image.shape, spacing, config),
                                     contrast=contrast)
        moving[k] = np.clip(problem.moving, 0, 1)
        fixed[k] = image
        problems.append(problem)
    return Pairs(moving, fixed, problems, (float(spacing[0]), float(spacing[1])))


# ---------------------------------------------------------------- network

def _positions(moving, flow):
    """Where `warp` and `warp_cubic` sample: ``x + flow(x)`` clipped to the image, and ``n, rows, cols``."""
    import tensorflow as tf

    shape = tf.shape(moving)
    n, rows, cols = shape[0], shape[1], shape[2]
    grid_r, grid_c = tf.meshgrid(tf.range(rows, dtype=tf.float32), tf.range(cols, dtype=tf.float32), indexing="ij")
    along_rows, along_cols = tf.unstack(flow, axis=-1)  # its gradient: a stack, cheaper than two slices'
    r = tf.clip_by_value(grid_r[None] + along_rows, 0.0, tf.cast(rows - 1, tf.float32))
    c = tf.clip_by_value(grid_c[None] + along_cols, 0.0, tf.cast(cols - 1, tf.float32))
    return r, c, n, rows, cols


def warp(moving, flow):
    """Differentiable bilinear resampling: ``out(x) = moving(x + flow(x))`` (TensorFlow tensors).

    Parameters
    ----------
    moving : tensor
        ``(n, rows, cols, channels)``.
    flow : tensor
        ``(n, rows, cols, 2)``, displacements in pixels (rows, then cols).
        Positions outside the image take the nearest edge value.

    Returns
    -------
    tensor
        ``(n, rows, cols, channels)``.
    """
    import tensorflow as tf

    moving = tf.convert_to_tensor(moving, tf.float32)
    flow = tf.convert_to_tensor(flow, tf.float32)
    r, c, n, rows, cols = _positions(moving, flow)
    r0 = tf.floor(r)
    c0 = tf.floor(c)
    wr = (r - r0)[..., None]
    wc = (c - c0)[..., None]
    r0i = tf.cast(r0, tf.int32)
    c0i = tf.cast(c0, tf.int32)
    r1i = tf.minimum(r0i + 1, rows - 1)
    c1i = tf.minimum(c0i + 1, cols - 1)
    flat = tf.reshape(moving, (n * rows * cols, -1))
    base = (tf.range(n) * rows * cols)[:, None, None]

    def _at(ri, ci):
        return tf.gather(flat, base + ri * cols + ci)

    top = _at(r0i, c0i) * (1 - wc) + _at(r0i, c1i) * wc
    bottom = _at(r1i, c0i) * (1 - wc) + _at(r1i, c1i) * wc
    return top * (1 - wr) + bottom * wr


def keys_weights(fraction):
    """Keys' cubic convolution weights (``a = -0.5``) of the neighbours at -1, 0, 1 and 2 pixels from a position
    whose fraction past its pixel is `fraction` (a tensor in [0, 1)): the kernel's four pieces written as
    polynomials of the fraction; they sum to 1 (R. Keys, "Cubic convolution interpolation for digital image
    processing", IEEE Transactions on Acoustics, Speech, and Signal Processing 29(6), 1981)."""
    f2 = fraction * fraction
    f3 = f2 * fraction
    return [-0.5 * f3 + f2 - 0.5 * fraction, 1.5 * f3 - 2.5 * f2 + 1, -1.5 * f3 + 2 * f2 + 0.5 * fraction,
            0.5 * f3 - 0.5 * f2]


def warp_cubic(moving, flow):
    """Differentiable bicubic resampling (Keys' cubic convolution, `keys_weights`), otherwise as `warp`.

    The network's last warp, the one its loss sees. The training pairs are
    moved with cubic splines (`core.data.warps.make_problem`); resampled
    back bilinearly, an image is blurred by an amount that depends on the
    sub-pixel position, and local NCC then scored fields a little off the
    true one better than the true one. Keys' kernel reproduces quadratics
    exactly, and a network trained with it came closer to the truth
    (benchmarks/RESULTS.md, issue 23's fifth round). The 4 x 4 neighbours
    are read in one gather, of 16 shifted copies of the image stacked as
    channels: cheap when the image needs no gradient (an input). Its
    parameters and result are `warp`'s.
    """
    import tensorflow as tf

    moving = tf.convert_to_tensor(moving, tf.float32)
    flow = tf.convert_to_tensor(flow, tf.float32)
    r, c, n, rows, cols = _positions(moving, flow)
    channels = moving.shape[-1]
    r0, c0 = tf.floor(r), tf.floor(c)
    # copy k of the image, shifted by k - 1 (k = 0..3), its edges repeated: copy k at x holds moving(x + k - 1)
    padded = tf.concat([moving[:, :1], moving, moving[:, -1:], moving[:, -1:]], 1)
    padded = tf.concat([padded[:, :, :1], padded, padded[:, :, -1:], padded[:, :, -1:]], 2)
    copies = tf.concat([padded[:, i:i + rows, j:j + cols] for i in range(4) for j in range(4)], -1)
    flat = tf.reshape(copies, (n * rows * cols, 16 * channels))
    index = (tf.range(n) * rows * cols)[:, None, None] + tf.cast(r0, tf.int32) * cols + tf.cast(c0, tf.int32)
    near = tf.split(tf.gather(flat, index), 16, axis=-1)  # near[4 i + j]: the neighbour at (i - 1, j - 1)
    wr, wc = keys_weights((r - r0)[..., None]), keys_weights((c - c0)[..., None])
    return tf.add_n([wr[i] * tf.add_n([wc[j] * near[4 * i + j] for j in range(4)]) for i in range(4)])


def warp_numpy(image: np.ndarray, flow: np.ndarray, cubic: bool = False) -> np.ndarray:
    """`warp` (or `warp_cubic`) for one numpy image ``(rows, cols)`` and field ``(rows, cols, 2)`` in pixels."""
    resample = warp_cubic if cubic else warp
    out = resample(np.asarray(image, np.float32)[None, ..., None], np.asarray(flow, np.float32)[None])
    return np.asarray(out)[0, ..., 0].astype(np.float64)


def affine_field(params, size: int, downsize: int = 1):
    """The displacement field (pixels) of affine maps on a ``size x size`` image, or on a grid `downsize` times coarser (TensorFlow tensors).

    Parameters
    ----------
    params : tensor
        ``(n, 6)``: rows ``(a, b, c)`` and ``(d, e, f)`` of each map in
        coordinates centred on the image and scaled to [-1, 1] (``y`` along
        rows, ``x`` along columns): ``u_rows = h (a y + b x + c)``,
        ``u_cols = h (d y + e x + f)`` with ``h = (size - 1) / 2``. Zeros are
        the identity; ``c`` and ``f`` are shifts in half-images.
    size : int
    downsize : int
        The field is sampled at the centres of the image's ``downsize x
        downsize`` blocks (image position ``downsize * i + (downsize - 1) / 2``,
        where bilinear upsampling puts a coarse pixel), still in image pixels.

    Returns
    -------
    tensor
        ``(n, size // downsize, size // downsize, 2)``.
    """
    import tensorflow as tf

    half = (size - 1) / 2
    coords = (tf.range(size // downsize, dtype=tf.float32) * downsize + (downsize - 1) / 2) / half - 1
    y, x = tf.meshgrid(coords, coords, indexing="ij")
    grid = tf.stack([y, x, tf.ones_like(y)], -1)
    return tf.einsum("nij,rcj->nrci", tf.reshape(tf.cast(params, tf.float32), (-1, 2, 3)), grid) * half


def build_model(size: int = 64, features: tuple[int, ...] = (16, 32, 32, 32), seed: int = 0, downsize: int = 4,
                stages: int = 3, affine: bool = True):
    """The affine stage and the U-Nets with their warp layer: ``[moving, fixed] -> [warped, field]``.

    The affine stage (`affine`) is an encoder of stride-2 3 x 3
    convolutions with LeakyReLU on the pair, flattened, and a dense layer
    with small initial weights that outputs the 6 parameters of an affine
    map (`affine_field`): it starts from the identity. Each U-Net's encoder
    level is a 3 x 3 convolution with stride 2 and LeakyReLU; the decoder
    upsamples and concatenates the encoder's map of the same size (the
    U-Net's skip connections) down to the field's grid, then a last 3 x 3
    convolution with small initial weights outputs the 2-channel field, so
    training starts from the identity. Each U-Net after the first stage
    (the affine one, or the first U-Net) sees the moving image warped by
    the field so far and the fixed one, and its field is composed with it:
    ``u(x) = r(x) + u_prev(x + r(x))``. The fields stay on the coarse grid
    (`downsize`) and are composed there; a field is upsampled bilinearly to
    the image's grid only to warp an image. Composing on the coarse grid
    samples 16 times fewer points for ``downsize = 4``, and its gradient (a
    scatter) was a third of a training step's time at full resolution. The
    stages' inputs are warped bilinearly (`warp`), the output, which the
    loss sees, bicubically (`warp_cubic`).

    Parameters
    ----------
    size : int
        Side of the square images (a multiple of ``2 ** len(features)``).
    features : tuple of int
        Filters per level (of the U-Nets and of the affine stage's encoder).
    seed : int
        Seed of the initial weights.
    downsize : int
        How many times coarser the field's grid is (a power of 2, at most ``2 ** len(features)``).
    stages : int
        U-Nets in the cascade.
    affine : bool
        An affine stage before them.

    Returns
    -------
    keras.Model
    """
    from core.cnn import keras_module

    keras = keras_module()
    if size % (2 ** len(features)):
        raise ValueError(f"the image side must be a multiple of {2 ** len(features)}")
    if downsize not in [2 ** k for k in range(len(features) + 1)]:
        raise ValueError(f"downsize must be a power of 2 up to {2 ** len(features)}")
    if stages < 1:
        raise ValueError("there must be at least one stage")
    keras.utils.set_random_seed(seed)
    layers = keras.layers
    coarse = size // downsize
    moving = keras.Input((size, size, 1), name="moving")
    fixed = keras.Input((size, size, 1), name="fixed")

    def small():
        """Small initial weights for a layer that outputs a field's parameters: training starts from the identity."""
        return keras.initializers.RandomNormal(0.0, 1e-5)

    def unet(source, tag):
        """One stage: a U-Net from (source, fixed) to a field on the coarse grid, its layers' names prefixed by `tag`."""
        x = layers.Concatenate(name=f"{tag}pair")([source, fixed])
        x = layers.LeakyReLU(0.2)(layers.Conv2D(features[0], 3, padding="same", name=f"{tag}enc0")(x))
        skips = [x]
        for level, filters in enumerate(features):
            x = layers.LeakyReLU(0.2)(layers.Conv2D(filters, 3, strides=2, padding="same", name=f"{tag}down{level + 1}")(x))
            skips.append(x)
        skips.pop()
        for level, filters in reversed(list(enumerate(features))):
            if 2 ** level < downsize:
                break
            x = layers.UpSampling2D(name=f"{tag}up{level + 1}")(x)
            x = layers.Concatenate(name=f"{tag}skip{level + 1}")([x, skips[level]])
            x = layers.LeakyReLU(0.2)(layers.Conv2D(filters, 3, padding="same", name=f"{tag}dec{level + 1}")(x))
        return layers.Conv2D(2, 3, padding="same", name=f"{tag}field", kernel_initializer=small())(x)

    def full(flow, name):
        """A field on the coarse grid, upsampled bilinearly to the image's."""
        return layers.UpSampling2D(downsize, interpolation="bilinear", name=name)(flow) if downsize > 1 else flow

    def affine_stage():
        """The affine map's field on the coarse grid from (moving, fixed): encoder, flatten, 6 parameters."""
        x = layers.Concatenate(name="affine_pair")([moving, fixed])
        for level, filters in enumerate(features):
            x = layers.LeakyReLU(0.2)(layers.Conv2D(filters, 3, strides=2, padding="same", name=f"affine_down{level + 1}")(x))
        params = layers.Dense(6, name="affine_params", kernel_initializer=small())(layers.Flatten(name="affine_flat")(x))
        return layers.Lambda(lambda t: affine_field(t, size, downsize), output_shape=(coarse, coarse, 2),
                             name="affine_field")(params)

    def refine(flow, stage, tag):
        """A U-Net on the moving image warped by `flow`, its field composed with `flow` on the coarse grid."""
        warped = layers.Lambda(lambda t: warp(t[0], t[1]), output_shape=(size, size, 1), name=f"warp_{stage - 1}")(
            [moving, full(flow, f"field_full_{stage - 1}")])
        residual = unet(warped, tag)
        # r is in image pixels, the coarse grid's are `downsize` of them
        return layers.Lambda(lambda t: t[1] + warp(t[0], t[1] / downsize), output_shape=(coarse, coarse, 2),
                             name=f"compose_{stage}")([flow, residual])

    flow = refine(affine_stage(), 1, "") if affine else unet(moving, "")
    for stage in range(2, stages + 1):
        flow = refine(flow, stage, f"s{stage}_")
    flow = full(flow, "field_full")
    warped = layers.Lambda(lambda t: warp_cubic(t[0], t[1]), output_shape=(size, size, 1), name="warp")([moving, flow])
    return keras.Model([moving, fixed], [warped, flow], name="voxelmorph_2d")


def smoothness_loss(flow):
    """Mean squared finite differences of the field along rows and columns (VoxelMorph's ``Grad('l2')``).

    The differences ``flow[:, 1:] - flow[:, :-1]`` (and along columns) are
    taken as depthwise convolutions with the kernel ``(-1, 1)``: the same
    numbers, and a gradient that is a convolution too, where slicing's
    (StridedSliceGrad, four of them) cost about 5 ms of a training step's
    80 (benchmarks/RESULTS.md).
    """
    import tensorflow as tf

    channels = flow.shape[-1]
    difference = tf.constant([-1.0, 1.0])
    down = tf.tile(tf.reshape(difference, (2, 1, 1, 1)), (1, 1, channels, 1))
    along = tf.tile(tf.reshape(difference, (1, 2, 1, 1)), (1, 1, channels, 1))
    dr = tf.nn.depthwise_conv2d(flow, down, [1, 1, 1, 1], "VALID")
    dc = tf.nn.depthwise_conv2d(flow, along, [1, 1, 1, 1], "VALID")
    return (tf.reduce_mean(dr * dr) + tf.reduce_mean(dc * dc)) / 2


def ncc_loss(fixed, warped, window: int = 9):
    """Minus the local normalised cross-correlation (squared, as VoxelMorph's ``NCC``) over `window`-pixel windows.

    The five local means (of ``f``, ``w``, ``f f``, ``w w`` and ``f w``) are
    one box filter over the five images stacked as channels, run down the
    columns and then along the rows: the sums of a ``window x window`` box
    with zeros outside, in half the time of five square convolutions.
    """
    import tensorflow as tf

    stack = tf.concat([fixed, warped, fixed * fixed, warped * warped, fixed * warped], -1)
    down = tf.ones((window, 1, 5, 1)) / window
    along = tf.ones((1, window, 5, 1)) / window
    means = tf.nn.depthwise_conv2d(tf.nn.depthwise_conv2d(stack, down, [1, 1, 1, 1], "SAME"), along, [1, 1, 1, 1],
                                   "SAME")
    mf, mw, ff, ww, fw = tf.unstack(means, axis=-1)
    cross = fw - mf * mw
    return -tf.reduce_mean(cross * cross / ((ff - mf * mf) * (ww - mw * mw) + 1e-5))


def train(config: Config = Config(), on_epoch: Callable[[int, History], None] | None = None,
          on_batch: Callable[[int, int, int], None] | None = None, batch_every: float = 0.5,
          validation_pairs: int = 64) -> Trained:
    """Train the registration network without labels on random known motions of template slices.

    A pure function of `config` (seeded): it can run in a worker as it is.
    An exception raised by `on_epoch` or `on_batch` (a request to stop)
    ends the training at once and propagates unchanged.

    Parameters
    ----------
    config : Config
    on_epoch : callable, optional
        ``on_epoch(epoch, history)`` after each epoch (from 1).
    on_batch : callable, optional
        ``on_batch(epoch, done, batches)`` during an epoch, at most every `batch_every` seconds.
    batch_every : float
    validation_pairs : int
        Held-out pairs (from held-out slices) whose loss is followed.

    Returns
    -------
    Trained
    """
    import tensorflow as tf

    from core.cnn import keras_module

    if config.similarity not in SIMILARITIES:
        raise ValueError(f"similarity must be one of {SIMILARITIES}")
    keras = keras_module()
    slices, indices, spacing = template_slices(config.size)
    train_pos, held_pos = split_slices(len(slices))
    data = make_pairs(slices[train_pos], spacing, config.pairs, config, config.seed)
    val = make_pairs(slices[held_pos], spacing, validation_pairs, config, config.seed + 10_000)
    model = build_model(config.size, config.features, config.seed, config.downsize, config.stages, config.affine)
    optimizer = keras.optimizers.Adam(config.learning_rate)
    optimizer.build(model.trainable_variables)  # its moments made now, not inside the first step's trace (3 s less)
    single = (lambda f, w: tf.reduce_mean((f - w) ** 2)) if config.similarity == "mse" else ncc_loss

    def _similarity(f, w):
        terms = [single(f, w) if k == 1 else single(tf.nn.avg_pool2d(f, k, k, "VALID"), tf.nn.avg_pool2d(w, k, k, "VALID"))
                 for k in config.scales]
        return tf.add_n(terms) / len(terms)

    lam = float(config.smoothness)

    @tf.function(reduce_retracing=True)
    def _step(moving, fixed):
        with tf.GradientTape() as tape:
            warped, flow = model([moving, fixed], training=True)
            sim = _similarity(fixed, warped)
            smooth = smoothness_loss(flow)
            loss = sim + lam * smooth
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss, sim, smooth

    @tf.function(reduce_retracing=True)
    def _evaluate(moving, fixed):
        warped, flow = model([moving, fixed], training=False)
        sim = _similarity(fixed, warped)
        return sim + lam * smoothness_loss(flow), sim

    x_moving, x_fixed = data.moving[..., None], data.fixed[..., None]
    v_moving, v_fixed = tf.constant(val.moving[..., None]), tf.constant(val.fixed[..., None])
    batches = -(-len(x_moving) // config.batch_size)
    rng = np.random.default_rng(config.seed)
    history = History()
    start = reported = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        order = rng.permutation(len(x_moving))
        totals = np.zeros(3)
        for b in range(batches):
            chosen = order[b * config.batch_size:(b + 1) * config.batch_size]
            values = _step(tf.constant(x_moving[chosen]), tf.constant(x_fixed[chosen]))
            totals += np.array([float(v) for v in values]) * len(chosen)
            if on_batch is not None and time.perf_counter() - reported >= batch_every:
                reported = time.perf_counter()
                on_batch(epoch, b + 1, batches)
        totals /= len(x_moving)
        val_loss, val_sim = (float(v) for v in _evaluate(v_moving, v_fixed))
        history.record(time.perf_counter() - start, loss=totals[0], similarity=totals[1], smoothness=totals[2],
                       val_loss=val_loss, val_similarity=val_sim)
        reported = time.perf_counter()
        if on_epoch is not None:
            on_epoch(epoch, history)
    trained = Trained(model.get_weights(), config, spacing, history, [indices[i] for i in train_pos],
                      [indices[i] for i in held_pos])
    trained._model = model  # kept in this process; a copy elsewhere rebuilds it from the weights
    return trained


# ---------------------------------------------------------------- using it

@dataclass
class PairResult:
    """One pair registered by the network or by SimpleITK, scored against the known motion.

    Attributes
    ----------
    registered : numpy.ndarray
        The moving image resampled onto the fixed grid.
    displacement_mm : numpy.ndarray
        ``(rows, cols, 2)``: where each fixed pixel is found in the moving image, minus its position, in mm.
    tre_mm : float
        Mean target registration error over the anatomy's points (`core.data.warps.anatomy_points`).
    folding : float
        Share of pixels where the Jacobian determinant is 0 or below (the field folds).
    seconds : float
        Time to register the pair.
    """

    registered: np.ndarray
    displacement_mm: np.ndarray
    tre_mm: float
    folding: float
    seconds: float


def predict(model, moving: np.ndarray, fixed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The network's warped images and fields (in pixels) for a batch of pairs ``(n, rows, cols)``: one forward pass.

    A cascade (``Config.stages``) is part of the network, trained with it:
    registering a result again afterwards, with a network trained for one
    pass, made the TRE worse (README, Speed).
    """
    moving = np.asarray(moving, np.float32)[..., None]
    fixed = np.asarray(fixed, np.float32)[..., None]
    # predict_on_batch runs a compiled graph (built at its first call, see `register_pairs`): a few ms a pair
    warped, flow = (np.asarray(v) for v in model.predict_on_batch([moving, fixed]))
    return warped[..., 0].astype(np.float64), flow.astype(np.float64)


def _sample_field(field_mm: np.ndarray, points_mm: np.ndarray, spacing: tuple[float, float]) -> np.ndarray:
    """The field (mm) at physical points, by bilinear interpolation."""
    from scipy.ndimage import map_coordinates

    index = (np.asarray(points_mm, float) / np.asarray(spacing, float)).T
    return np.stack([map_coordinates(field_mm[..., i], index, order=1, mode="nearest") for i in range(2)], axis=-1)


def score(problem: warps.Problem, displacement_mm: np.ndarray, registered: np.ndarray, seconds: float) -> PairResult:
    """TRE against the known motion and folding of a displacement field on `problem`'s fixed grid."""
    from core.registration import jacobian_determinant

    points = warps.anatomy_points(problem.fixed, problem.spacing)
    mapped = points + _sample_field(displacement_mm, points, problem.spacing)
    error = warps.tre(mapped, problem.true_points(points))["mean"]
    folding = float((jacobian_determinant(displacement_mm, problem.spacing) <= 0).mean())
    return PairResult(registered, displacement_mm, error, folding, seconds)


def register_learned(model, problem: warps.Problem) -> PairResult:
    """Register one pair with the trained network (one forward pass, see `predict`) and score it."""
    start = time.perf_counter()
    warped, flow = predict(model, problem.moving[None], problem.fixed[None])
    seconds = time.perf_counter() - start
    return score(problem, flow[0] * np.asarray(problem.spacing), warped[0], seconds)


def register_bspline(problem: warps.Problem, metric: str = "ssd", mesh_size: int = 6) -> PairResult:
    """Register one pair with SimpleITK (affine, then B-spline: `core.registration.register`) and score it.

    `metric` is a key of `core.registration.METRICS`: ``"ssd"`` for the same
    contrast, ``"mattes_mi"`` when the moving image has another contrast.
    """
    from core.registration import register

    result = register(problem.fixed, problem.moving, "deformable", metric, spacing=problem.spacing,
                      deformable="bspline", mesh_size=mesh_size, levels=2)
    return score(problem, result.displacement(), result.registered, result.seconds)


def identity(problem: warps.Problem) -> PairResult:
    """Doing nothing, scored the same way: the baseline every registration must beat."""
    return score(problem, np.zeros(problem.fixed.shape + (2,)), problem.moving, 0.0)


def register_pairs(trained: Trained, problems: list, metrics: list[str],
                   progress: Callable[[int, int], None] | None = None) -> list[tuple[PairResult, PairResult]]:
    """Register pairs both ways, the network and B-spline, each scored against its known motion: a task function.

    The network is built from `trained`'s weights where this runs (a Dask
    worker: the session needs no TensorFlow) and makes one untimed pass
    first: TensorFlow's first call in a process sets itself up (hundreds of
    ms, once), which is not the time a pair takes.

    Parameters
    ----------
    trained : Trained
    problems : list of core.data.warps.Problem
        The pairs, on the network's grid (``config.size`` pixels a side).
    metrics : list of str
        B-spline's metric for each pair (see `register_bspline`).
    progress : callable, optional
        ``progress(done, total)`` after each pair; an exception it raises (a request to stop) ends the work.

    Returns
    -------
    list of (PairResult, PairResult)
        The network's and B-spline's result for each pair, in order.
    """
    if len(metrics) != len(problems):
        raise ValueError("give one B-spline metric per pair")
    model = trained.model
    size = trained.config.size
    predict(model, np.zeros((1, size, size)), np.zeros((1, size, size)))  # the untimed pass
    results = []
    for k, (problem, metric) in enumerate(zip(problems, metrics)):
        results.append((register_learned(model, problem), register_bspline(problem, metric)))
        if progress is not None:
            progress(k + 1, len(problems))
    return results


def held_out_pairs(trained: Trained, n: int, seed: int = 1, contrast: float = 0.0,
                   slices: tuple | None = None) -> Pairs:
    """`n` new pairs from the held-out slices, with motions the network never saw (same limits).

    `slices` is the output of `template_slices` for the network's size, if the caller keeps it (it is
    computed otherwise); `contrast` remaps the moving images (see `make_pairs`).
    """
    slices, _, spacing = slices if slices is not None else template_slices(trained.config.size)
    _, held_pos = split_slices(len(slices))
    return make_pairs(slices[held_pos], spacing, n, trained.config, 100_000 + seed, contrast)


def own_pair(image: np.ndarray, size: int, spacing: tuple[float, float], motion: warps.Motion,
             contrast: float = 0.0, invert: bool = False) -> warps.Problem:
    """A learner's image resized to the network's `size`, scaled to [0, 1], and moved by `motion`.

    The network's pixel size is kept (`spacing`): the image is squeezed into
    the same grid as the template slices, so its motion is measured in the
    network's millimetres.

    Parameters
    ----------
    image : numpy.ndarray
        A grey 2D image in any units.
    size : int
        The network's input side.
    spacing : (float, float)
        The network's mm per pixel.
    motion : warps.Motion
        The known motion of the moving image.
    contrast : float
        0 to 1: how much of `core.data.warps.other_contrast` the moving image gets.
    invert : bool
        An image shown low values white (DICOM MONOCHROME1, see
        `core.volume.Volume.low_values_white`): 1 - x after the scaling, so
        the network sees it as it is shown.

    Returns
    -------
    core.data.warps.Problem
    """
    from skimage.transform import resize

    values = np.asarray(image, np.float64)
    finite = np.isfinite(values)
    values = np.where(finite, values, values[finite].min() if finite.any() else 0.0)
    small = resize(values, (size, size), order=1, anti_aliasing=True, preserve_range=True)
    lo, hi = float(small.min()), float(np.percentile(small, 99.5))
    unit = np.clip((small - lo) / (hi - lo), 0, 1) if hi > lo else np.zeros_like(small)
    if invert:
        unit = 1 - unit
    bend = float(np.clip(motion.warp_mm, -warps.max_warp_mm(unit.shape, spacing), warps.max_warp_mm(unit.shape, spacing)))
    problem = warps.make_problem(unit, spacing, warps.Motion(motion.shift_mm, motion.angles_deg, motion.scale, bend),
                                 contrast=contrast)
    problem.moving = np.clip(problem.moving, 0, 1)
    return problem
