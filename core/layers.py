"""The operations of a convolutional network in plain numpy, for the worked examples.

A CNN is built from three kinds of layers. A *convolution* slides a small
kernel over the image and writes, at each place, the dot product of the
kernel with the patch under it. *ReLU* keeps positive values and sets
negative ones to zero. *Pooling* downsamples: each 2 × 2 block becomes its
maximum (max pooling) or its mean (average pooling), which halves the size
and makes the result barely care where exactly in the block a feature was.

>>> max_pool(MAX_POOL_EXAMPLE).tolist()
[[100, 184], [12, 45]]
"""

from __future__ import annotations

import numpy as np

RELU_EXAMPLE = np.array([[-249, -91, -37],
                         [250, -134, 101],
                         [27, 61, -153]])
"""The lecture's 3 × 3 feature map, the input of its ReLU example; ReLU gives [[0, 0, 0], [250, 0, 101], [27, 61, 0]]."""

MAX_POOL_EXAMPLE = np.array([[29, 15, 28, 184],
                             [0, 100, 70, 38],
                             [12, 12, 7, 2],
                             [12, 12, 45, 6]])
"""The lecture's 4 × 4 input of max pooling; 2 × 2 max pooling gives [[100, 184], [12, 45]]."""

AVERAGE_POOL_EXAMPLE = np.array([[31, 15, 28, 184],
                                 [0, 100, 70, 38],
                                 [12, 12, 7, 2],
                                 [12, 12, 45, 6]])
"""The lecture's 4 × 4 input of average pooling; its top-left mean is 36.5 (the slide prints 36)."""

KERNELS = {
    "Sobel, vertical edges": np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "Sobel, horizontal edges": np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
    "Gaussian blur": np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16.0,
    "Sharpen": np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
    "Laplacian (blobs and spots)": np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]),
}
"""Classic hand-made 3 × 3 kernels; a CNN learns its own from the data."""

SOBEL_NOTE = (
    "Two ways to write one Sobel filter: scikit-image (lesson 4) writes ¼ [[1, 0, −1], [2, 0, −2], [1, 0, −1]] and "
    "convolves (`scipy.ndimage.convolve` flips the kernel first); a CNN layer (lesson 6) slides its kernel "
    "unflipped (cross-correlation), so the same filter reads [[−1, 0, 1], [−2, 0, 2], [−1, 0, 1]]. The ¼ only "
    "scales the result to the image's range: the edges are in the same places.")
"""Why the Sobel kernels of lessons 4 and 6 differ in sign and scale (shown on both pages)."""


def relu(x: np.ndarray) -> np.ndarray:
    """Rectified linear unit: ``max(x, 0)`` element by element.

    Parameters
    ----------
    x : numpy.ndarray
        Any real array.

    Returns
    -------
    numpy.ndarray
        Same shape and type; negative values replaced by 0.

    Examples
    --------
    >>> relu(np.array([-2, 0, 3])).tolist()
    [0, 0, 3]
    """
    x = np.asarray(x)
    return np.where(x > 0, x, np.zeros((), dtype=x.dtype))


def _blocks(x: np.ndarray, size: int) -> np.ndarray:
    """View `x` as non-overlapping size × size blocks over its first two axes (rows and columns left over are dropped)."""
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError("pooling needs an array of at least two dimensions (rows, columns)")
    if int(size) != size or size < 1:
        raise ValueError("the pooling size must be a positive whole number")
    size = int(size)
    rows, cols = x.shape[0] // size, x.shape[1] // size
    if rows == 0 or cols == 0:
        raise ValueError(f"an array of {x.shape[0]} × {x.shape[1]} is smaller than one {size} × {size} pooling window")
    trimmed = x[: rows * size, : cols * size]
    return trimmed.reshape(rows, size, cols, size, *x.shape[2:])


def max_pool(x: np.ndarray, size: int = 2) -> np.ndarray:
    """Max pooling with a size × size window and stride `size` (Keras ``MaxPooling2D``, padding "valid").

    Parameters
    ----------
    x : numpy.ndarray
        ``(rows, cols)`` or ``(rows, cols, channels)``.
    size : int
        Window side and stride.

    Returns
    -------
    numpy.ndarray
        ``(rows // size, cols // size[, channels])``: the maximum of each block;
        rows and columns that do not fill a whole window are dropped.

    Examples
    --------
    >>> max_pool(np.arange(16).reshape(4, 4)).tolist()
    [[5, 7], [13, 15]]
    """
    return _blocks(x, size).max(axis=(1, 3))


def average_pool(x: np.ndarray, size: int = 2) -> np.ndarray:
    """Average pooling with a size × size window and stride `size` (Keras ``AveragePooling2D``).

    Parameters
    ----------
    x : numpy.ndarray
        ``(rows, cols)`` or ``(rows, cols, channels)``.
    size : int
        Window side and stride.

    Returns
    -------
    numpy.ndarray of float
        The true mean of each block (never rounded).

    Examples
    --------
    >>> average_pool(AVERAGE_POOL_EXAMPLE).tolist()
    [[36.5, 80.0], [12.0, 15.0]]
    """
    return _blocks(x, size).mean(axis=(1, 3), dtype=np.float64)


def convolve(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Slide `kernel` over a grey image and take the dot product at each place (Keras ``Conv2D``, padding "valid").

    Like every deep-learning library, this is cross-correlation: the kernel
    is not flipped, so output cell ``(i, j)`` is
    ``sum(image[i:i+kr, j:j+kc] * kernel)``.

    Parameters
    ----------
    image : numpy.ndarray
        ``(rows, cols)``.
    kernel : numpy.ndarray
        ``(kr, kc)``, no larger than the image.

    Returns
    -------
    numpy.ndarray of float64
        ``(rows - kr + 1, cols - kc + 1)``.

    Examples
    --------
    >>> convolve(np.arange(9.0).reshape(3, 3), np.ones((2, 2))).tolist()
    [[8.0, 12.0], [20.0, 24.0]]
    """
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("convolve takes a 2D grey image and a 2D kernel")
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError(f"the {kernel.shape[0]} × {kernel.shape[1]} kernel is larger than the "
                         f"{image.shape[0]} × {image.shape[1]} image")
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("ijkl,kl->ij", windows, kernel)


def convolution_terms(image: np.ndarray, kernel: np.ndarray, row: int, col: int) -> tuple[np.ndarray, np.ndarray, float]:
    """The dot product behind one output cell of `convolve`, spelled out.

    Parameters
    ----------
    image, kernel : numpy.ndarray
        As in `convolve`.
    row, col : int
        The output cell; its patch is ``image[row:row+kr, col:col+kc]``.

    Returns
    -------
    patch : numpy.ndarray
        The pixels under the kernel.
    products : numpy.ndarray
        ``patch * kernel``, cell by cell.
    total : float
        Their sum, equal to ``convolve(image, kernel)[row, col]``.

    Examples
    --------
    >>> convolution_terms(np.arange(9.0).reshape(3, 3), np.eye(2), 1, 1)[2]
    12.0
    """
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kr, kc = kernel.shape
    if not (0 <= row <= image.shape[0] - kr and 0 <= col <= image.shape[1] - kc):
        raise ValueError(f"output cell ({row}, {col}) is outside the valid range for this image and kernel")
    patch = image[row:row + kr, col:col + kc]
    products = patch * kernel
    return patch, products, float(products.sum())
