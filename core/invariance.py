"""The lecture's CNN claims measured on a network: translation invariance per layer, and receptive fields.

"Pooling buys translation invariance; the deeper the network, the higher the
invariance": shift the input by a few pixels and measure, layer by layer, how
much each layer's output changes (`invariance_curves`). "Convolutional layers
apply a function to regions of the image": the region of the input one cell
of a feature map sees grows with depth (`receptive_field`, `field_size`).

The measures are pure numpy: a network enters as a function from a batch of
images to each layer's outputs, so a Keras model (`layer_outputs`) and a few
numpy operations in a test are measured alike. The geometry of a layer (its
window, step and padding) is a small `Layer`; `model_geometry` reads it from
a Keras model's layers.

>>> blocks = [Layer("conv1", 3, 1, 1), Layer("pool1", 2, 2), Layer("conv2", 3, 1, 1), Layer("pool2", 2, 2)]
>>> receptive_field(blocks, "pool2", 1, 1, (32, 32))
(1, 10, 1, 10)
>>> [field_size(blocks, name) for name in ("conv1", "pool1", "conv2", "pool2")]
[3, 4, 8, 10]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

POOLING_LAYERS = ("MaxPooling2D", "AveragePooling2D")
"""The Keras layers `layer_outputs` leaves out for the network "without pooling"."""
HEAD_LAYERS = ("Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D")
"""Where the feature maps end and the classifier begins."""


def shift_image(image: np.ndarray, columns: int, rows: int = 0) -> np.ndarray:
    """Move an image by whole pixels: `columns` to the right and `rows` down (negative: left, up).

    The border the move uncovers repeats the image's edge, so no dark band
    appears that a network could respond to.

    Parameters
    ----------
    image : numpy.ndarray
        ``(rows, cols)`` or ``(rows, cols, channels)``.
    columns : int
        Pixels to the right.
    rows : int
        Pixels down.

    Returns
    -------
    numpy.ndarray
        A new array of the same shape and type.

    Examples
    --------
    >>> shift_image(np.array([[1, 2, 3]]), 1).tolist()
    [[1, 1, 2]]
    >>> shift_image(np.array([[1], [2], [3]]), 0, rows=-1).ravel().tolist()
    [2, 3, 3]
    """
    out = np.array(image, copy=True)
    for axis, step in ((0, int(rows)), (1, int(columns))):
        if step:
            n = out.shape[axis]
            out = np.take(out, np.clip(np.arange(n) - step, 0, n - 1), axis=axis)
    return out


def relative_change(reference: np.ndarray, other: np.ndarray) -> float | np.ndarray:
    """How much `other` differs from `reference`: ``‖other − reference‖ / ‖reference‖`` over every value.

    0 means identical; 1 means a difference as large as the reference itself.
    A reference of zeros gives 0 where `other` is zero too, else infinity.

    Parameters
    ----------
    reference : numpy.ndarray
    other : numpy.ndarray
        Of the same shape, or a stack of such arrays (one more, leading, axis; each may be flattened).

    Returns
    -------
    float, or numpy.ndarray of float for a stack (one change per array of the stack)

    Examples
    --------
    >>> relative_change(np.array([3.0, 4.0]), np.array([3.0, 4.0]))
    0.0
    >>> relative_change(np.array([3.0, 4.0]), np.array([[0.0, 4.0], [6.0, 8.0]])).tolist()
    [0.6, 1.0]
    """
    reference = np.asarray(reference, dtype=np.float64)
    other = np.asarray(other)
    single = other.shape == reference.shape
    stack = other.reshape(1 if single else other.shape[0], -1) - reference.ravel()
    difference = np.sqrt(np.einsum("ij,ij->i", stack, stack))
    norm = float(np.sqrt(np.sum(reference * reference)))
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 is masked by the where
        changes = np.where(difference == 0.0, 0.0, difference / norm)
    return float(changes[0]) if single else changes


def invariance_curves(outputs: Callable[[np.ndarray], dict[str, np.ndarray]], images: np.ndarray,
                      shifts: Iterable[int], chunk: int = 4,
                      progress: Callable[[int, int], None] | None = None) -> dict[str, np.ndarray]:
    """Per layer, how much its output changes when the input moves right by each of `shifts` pixels.

    Each image goes through the network, then its shifted copies
    (`shift_image`) a few at a time, and each layer's output for a shifted
    copy is compared with its output for the original (`relative_change`);
    the changes are averaged over the images. A shift of 0 is the original:
    a change of 0 without a pass through the network.

    Parameters
    ----------
    outputs : callable
        ``outputs(batch) -> {layer name: array (n, ...)}``: each layer's output for a batch
        (`layer_outputs` for a Keras model).
    images : numpy.ndarray
        A stack of inputs ``(n, rows, cols[, channels])``.
    shifts : iterable of int
        Shifts in pixels.
    chunk : int
        Shifted copies per batch (the memory a deep network without pooling takes grows with it).
    progress : callable, optional
        Called as ``progress(done, total)`` after each batch, counting shifted copies.

    Returns
    -------
    dict
        Layer name -> array of the mean relative change, one per shift, in the order `outputs` gave the layers.
    """
    shifts = [int(s) for s in shifts]
    moved = [i for i, s in enumerate(shifts) if s]
    images = np.asarray(images)
    changes: dict[str, np.ndarray] = {}
    total, done = len(images) * len(moved), 0
    for n, image in enumerate(images):
        reference = outputs(image[None])
        for name in reference:
            changes.setdefault(name, np.zeros((len(images), len(shifts))))
        for start in range(0, len(moved), chunk):
            part = moved[start:start + chunk]
            values = outputs(np.stack([shift_image(image, shifts[i]) for i in part]))
            for name, out in values.items():
                changes[name][n, part] = relative_change(reference[name][0], np.asarray(out).reshape(len(part), -1))
            done += len(part)
            if progress:
                progress(done, total)
    return {name: change.mean(axis=0) for name, change in changes.items()}


def layer_outputs(model, batch: np.ndarray, names: list[str], pooling: bool = True) -> dict[str, np.ndarray]:
    """The outputs of the named layers of a Keras Sequential model for a batch, optionally without its pooling.

    The layers run one after the other in inference mode (random flips and
    dropout off). With ``pooling=False`` the pooling layers are left out: the
    same trained kernels then work on full-size maps, the network "without
    pooling". Only the feature-map layers can be asked for then (the
    classifier was trained on pooled maps of another size), and the walk
    stops at the last one asked for.

    Parameters
    ----------
    model : keras.Sequential
    batch : numpy.ndarray
        ``(n, rows, cols, channels)``.
    names : list of str
        Layers to return, in any order.
    pooling : bool
        False: leave the pooling layers out.

    Returns
    -------
    dict
        Name -> numpy array ``(n, ...)``, in the order of `names`.

    Raises
    ------
    ValueError
        For a model that is not a chain of layers (not Sequential), for a
        name that is not a layer, or without pooling, for a pooling layer or
        one of the classifier.
    """
    if type(model).__name__ != "Sequential":
        raise ValueError("this measure needs a network that is one chain of layers (a keras.Sequential model)")
    order = [layer.name for layer in model.layers]
    missing = [name for name in names if name not in order]
    if missing:
        raise ValueError(f"no layer {missing[0]!r} among {order}")
    last = max(order.index(name) for name in names)
    out, value = {}, np.asarray(batch, np.float32)
    for layer in model.layers[:last + 1]:
        kind = type(layer).__name__
        if not pooling and kind in HEAD_LAYERS:
            raise ValueError(f"without pooling, {layer.name!r} and the layers after it have no trained input")
        if not pooling and kind in POOLING_LAYERS:
            if layer.name in names:
                raise ValueError(f"{layer.name!r} is a pooling layer: it is left out without pooling")
            continue
        value = layer(value, training=False)
        if layer.name in names:
            out[layer.name] = np.asarray(value)
    return {name: out[name] for name in names}


@dataclass(frozen=True)
class Layer:
    """How one layer maps positions: a window of `kernel` pixels moved by `stride`, after `padding` on each side.

    A layer that maps each pixel to itself (ReLU, rescaling) has the defaults.
    """

    name: str
    kernel: int = 1
    stride: int = 1
    padding: int = 0


def model_geometry(model) -> list[Layer]:
    """How each layer of a Keras model maps positions, input side first.

    A convolution's window is its kernel (widened by its dilation), a pooling
    layer's its pool size; ``padding="same"`` pads ``(window − 1) // 2``
    pixels before the first row and column, as TensorFlow does at stride 1.
    Any other layer maps each position to itself (global pooling and the
    classifier are listed too, but have no feature map to click).

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    list of Layer
    """
    layers = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind.startswith("Conv") or kind in POOLING_LAYERS:
            if kind in POOLING_LAYERS:
                window = int(layer.pool_size[0])
            else:
                window = int(layer.dilation_rate[0]) * (int(layer.kernel_size[0]) - 1) + 1
            padding = (window - 1) // 2 if layer.padding == "same" else 0
            layers.append(Layer(layer.name, window, int(layer.strides[0]), padding))
        else:
            layers.append(Layer(layer.name))
    return layers


def _upto(layers: list[Layer], name: str) -> list[Layer]:
    """The layers from the input to `name` included."""
    names = [layer.name for layer in layers]
    if name not in names:
        raise ValueError(f"no layer {name!r} among {names}")
    return layers[:names.index(name) + 1]


def receptive_field(layers: list[Layer], name: str, row: int, col: int,
                    input_shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """The input pixels one cell of layer `name`'s output sees: its first and last row, first and last column.

    Walks back from the cell through the layers up to `name`: a window of
    k pixels moved by s after p pixels of padding maps output positions a..b
    to input positions ``a·s − p .. b·s − p + k − 1``. The result is clipped
    to the image (padding is not image).

    Parameters
    ----------
    layers : list of Layer
        Input side first (`model_geometry`).
    name : str
        The layer whose output cell is asked about.
    row, col : int
        The cell, in that layer's output.
    input_shape : (int, int)
        Rows and columns of the network's input.

    Returns
    -------
    (int, int, int, int)
        First row, last row, first column, last column (inclusive).

    Raises
    ------
    ValueError
        When `name` is not among `layers`.

    Examples
    --------
    >>> receptive_field([Layer("conv1", 3, 1, 1)], "conv1", 5, 0, (16, 16))
    (4, 6, 0, 1)
    """
    r0 = r1 = int(row)
    c0 = c1 = int(col)
    for layer in reversed(_upto(layers, name)):
        s, p, k = layer.stride, layer.padding, layer.kernel
        r0, r1 = r0 * s - p, r1 * s - p + k - 1
        c0, c1 = c0 * s - p, c1 * s - p + k - 1
    rows, cols = input_shape
    return max(r0, 0), min(r1, rows - 1), max(c0, 0), min(c1, cols - 1)


def field_size(layers: list[Layer], name: str) -> int:
    """The side, in input pixels, of the region one cell of `name` sees away from the border.

    Each layer widens it by its window less one, times the product of the
    strides below it.

    Parameters
    ----------
    layers : list of Layer
        Input side first.
    name : str

    Returns
    -------
    int

    Examples
    --------
    >>> field_size([Layer("conv1", 5, 1, 2), Layer("conv2", 5, 1, 2)], "conv2")
    9
    """
    size, jump = 1, 1
    for layer in _upto(layers, name):
        size += (layer.kernel - 1) * jump
        jump *= layer.stride
    return size


def convolution_at(inputs: np.ndarray, kernel: np.ndarray, bias: float, row: int, col: int,
                   padding: int) -> tuple[np.ndarray, float]:
    """One cell of a convolution, worked out by hand: the patch under the kernel and its weighted sum plus bias.

    The convolution layer computes the same sum at every cell (cross-correlation: the kernel is not flipped).
    Positions outside the maps are the zero padding of ``padding="same"``.

    Parameters
    ----------
    inputs : numpy.ndarray
        The layer's input ``(rows, cols, channels)``.
    kernel : numpy.ndarray
        One filter's weights ``(k, k, channels)``.
    bias : float
        That filter's bias.
    row, col : int
        The output cell (stride 1).
    padding : int
        Zero rows and columns added before the first row and column.

    Returns
    -------
    patch : numpy.ndarray
        ``(k, k, channels)``: the input values the kernel covers.
    value : float
        ``sum(patch * kernel) + bias``.

    Examples
    --------
    >>> maps = np.arange(16.0).reshape(4, 4, 1)
    >>> patch, value = convolution_at(maps, np.ones((3, 3, 1)), 0.5, 0, 0, 1)
    >>> patch[..., 0].tolist(), value
    ([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 4.0, 5.0]], 10.5)
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    k = kernel.shape[0]
    padded = np.pad(inputs, ((padding, padding + k), (padding, padding + k), (0, 0)))
    patch = padded[row:row + k, col:col + k]
    return patch, float(np.sum(patch * kernel) + bias)


def unpooled_cost(model) -> tuple[int, int]:
    """What one image costs the network without pooling: multiply-adds, and bytes of its largest layer output.

    Without pooling every convolution works on maps the size of the input,
    so the cost grows with depth: each layer's weights times the input's
    pixels.

    Parameters
    ----------
    model : keras.Model
        With a square input ``(size, size, channels)``.

    Returns
    -------
    (int, int)
        Multiply-adds, and the bytes (float32) of the widest feature map at full size.
    """
    size = int(model.inputs[0].shape[1])
    kernels = [layer.get_weights()[0] for layer in model.layers if type(layer).__name__.startswith("Conv")]
    macs = sum(size * size * kernel.size for kernel in kernels)
    widest = max((kernel.shape[-1] for kernel in kernels), default=int(model.inputs[0].shape[-1]))
    return macs, size * size * widest * 4
