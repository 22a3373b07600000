"""How a computer sees an image: tables of numbers, bit depth, colour channels and regions.

A digital image is an array of numbers. These functions build the small
examples of the lecture (the 6 × 6 "X", the same X in red and blue making
magenta), re-quantise an image to ``n`` bits, split and merge colour
channels, cut out windows and regions, and draw outlines for display.

Noise and the signal-to-noise ratio live in `core.data.noise`; the grey value of a colour image and
the value range are the course's own (`core.basics`).

>>> import numpy as np
>>> ramp = np.arange(1024)
>>> len(np.unique(quantise(ramp, 2)))  # 2 bits: 2**2 = 4 levels, 0 to 3
4
"""

from __future__ import annotations

import numpy as np

from core.basics import value_range
from core.display import apply_window, auto_window, colour_to_uint8
from core.data.noise import snr_db
from core.questions.selfcheck import Question

X_SIZE = 6
"""Side of the lecture's X matrix."""

ZOOM = 12
"""Side of the zoom window, in pixels."""

BLOCK = 6
"""Side of the block of voxels shown for a 3D image (the middle of the zoom window)."""

MAX_BITS = 16
"""The largest bit depth the page re-quantises to."""

HISTOGRAM_BINS = 256
"""Histograms of deeper images group levels into this many bins."""

CHANNELS = ("red", "green", "blue")

# --- pixels ------------------------------------------------------------------------------------


def x_matrix(size: int = X_SIZE) -> np.ndarray:
    """The lecture's "X": ones on both diagonals, zeros elsewhere.

    Parameters
    ----------
    size : int
        Rows and columns.

    Returns
    -------
    (size, size) numpy.ndarray of int64

    Examples
    --------
    >>> x_matrix(3).tolist()
    [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
    """
    eye = np.eye(size, dtype=np.int64)
    return np.maximum(eye, eye[:, ::-1])


def cells_picture(values: np.ndarray, cell: int = 64, line: int = 2,
                  line_colour: tuple[int, int, int] = (31, 111, 235)) -> np.ndarray:
    """A small matrix as the picture a screen makes of it: one grey square per value, outlined.

    The smallest value is black and the largest white (all black when every value is the same); each value fills
    a `cell` × `cell` square, and a `line`-pixel outline of `line_colour` marks where one pixel ends and the next
    begins, so the picture stays sharp at any size.

    Parameters
    ----------
    values : (rows, cols) array_like
        Finite numbers.
    cell : int
        Side of a pixel's square, in the picture's pixels.
    line : int
        Width of the outline between squares (and around the picture).
    line_colour : (int, int, int)
        RGB of the outline.

    Returns
    -------
    (rows * (cell + line) + line, cols * (cell + line) + line, 3) numpy.ndarray of uint8

    Examples
    --------
    >>> picture = cells_picture([[0, 5], [10, 5]], cell=2, line=1)
    >>> picture.shape
    (7, 7, 3)
    >>> picture[1:3, 1:3, 0].tolist(), picture[4:6, 1:3, 0].tolist(), int(picture[1, 4, 0])
    ([[0, 0], [0, 0]], [[255, 255], [255, 255]], 128)
    >>> picture[0, 0].tolist(), picture[3, 3].tolist()
    ([31, 111, 235], [31, 111, 235])
    """
    values = np.asarray(values, dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    grey = np.zeros(values.shape) if high == low else (values - low) / (high - low) * 255
    grey = np.round(grey).astype(np.uint8)
    rows, cols = values.shape
    step = cell + line
    picture = np.empty((rows * step + line, cols * step + line, 3), dtype=np.uint8)
    picture[:] = line_colour
    for r in range(rows):
        for c in range(cols):
            picture[line + r * step:line + r * step + cell, line + c * step:line + c * step + cell] = grey[r, c]
    return picture


def window_origin(shape: tuple[int, ...], top: int, left: int, size: int = ZOOM) -> tuple[int, int]:
    """The top-left corner of a `size` × `size` window moved, if needed, to lie inside the image.

    Parameters
    ----------
    shape : tuple of int
        ``(rows, cols, ...)`` of the image.
    top, left : int
        The requested corner.
    size : int
        Side of the window; an image smaller than that gives the whole image.

    Returns
    -------
    (int, int)

    Examples
    --------
    >>> window_origin((20, 30), 15, -4, 12)
    (8, 0)
    """
    rows, cols = shape[:2]
    return (int(np.clip(top, 0, max(rows - size, 0))), int(np.clip(left, 0, max(cols - size, 0))))


def zoom_window(image: np.ndarray, top: int, left: int, size: int = ZOOM) -> tuple[np.ndarray, tuple[int, int]]:
    """A `size` × `size` window of an image, with the corner it really starts at.

    Parameters
    ----------
    image : numpy.ndarray
        ``(rows, cols)`` or ``(rows, cols, channels)``.
    top, left : int
        Requested top-left corner (moved inside the image if needed).
    size : int
        Side of the window (smaller for images smaller than that).

    Returns
    -------
    window : numpy.ndarray
        A view of ``image[top:top + size, left:left + size]``.
    origin : (int, int)
        Its top-left corner.
    """
    top, left = window_origin(image.shape, top, left, size)
    return image[top:top + size, left:left + size], (top, left)


def voxel_block(data: np.ndarray, slice_index: int, top: int, left: int, size: int = ZOOM,
                depth: int = 3) -> tuple[np.ndarray, tuple[int, int, int]]:
    """A block of voxels: `depth` neighbouring slices of a `size` × `size` window.

    Parameters
    ----------
    data : numpy.ndarray
        ``(slices, rows, cols)``.
    slice_index : int
        The middle slice of the block (the block moves to stay inside the volume).
    top, left : int
        Top-left corner of the window in each slice.
    size, depth : int
        Side of the window and number of slices.

    Returns
    -------
    block : numpy.ndarray
        ``(depth, size, size)`` or smaller for a small volume.
    origin : (int, int, int)
        The first slice, row and column of the block.

    Examples
    --------
    >>> block, origin = voxel_block(np.zeros((5, 20, 20)), 4, 2, 3, size=4)
    >>> block.shape, origin
    ((3, 4, 4), (2, 2, 3))
    """
    n_slices = data.shape[0]
    first = int(np.clip(slice_index - depth // 2, 0, max(n_slices - depth, 0)))
    top, left = window_origin(data.shape[1:], top, left, size)
    return data[first:first + depth, top:top + size, left:left + size], (first, top, left)


def cell_labels(values: np.ndarray) -> np.ndarray:
    """The numbers of an array as short text, one label per cell (integers exactly, others to 4 significant digits).

    Examples
    --------
    >>> cell_labels(np.array([[3, -1000], [2, 7]])).tolist()
    [['3', '-1000'], ['2', '7']]
    >>> cell_labels(np.array([0.12345, np.nan])).tolist()
    ['0.1235', 'nan']
    """
    values = np.asarray(values)
    if values.dtype.kind in "iub":
        return values.astype(np.int64).astype(str)
    as_int = np.isfinite(values) & (values == np.round(values)) & (np.abs(values) < 1e6)
    text = np.array([f"{v:.4g}" for v in values.ravel()], dtype=object).reshape(values.shape)
    whole = np.array([str(int(v)) if ok else "" for v, ok in zip(values.ravel(), as_int.ravel())],
                     dtype=object).reshape(values.shape)
    return np.where(as_int, whole, text).astype(str)


# --- bit depth ---------------------------------------------------------------------------------


def level_count(bits: int) -> int:
    """Number of grey levels of an n-bit image: ``2**n`` (values 0 to ``2**n - 1``).

    Examples
    --------
    >>> level_count(1), level_count(2), level_count(8), level_count(12)
    (2, 4, 256, 4096)
    """
    if bits < 1:
        raise ValueError("an image needs at least 1 bit per pixel")
    return 2 ** int(bits)


def quantise(image: np.ndarray, bits: int) -> np.ndarray:
    """Re-quantise an image to n bits: its value range cut into ``2**n`` equal steps.

    ``level = floor((value - min) / (max - min) * 2**n)``, with the maximum
    put in the top level ``2**n - 1``. A colour image shares one range over
    its channels. Non-finite values go to level 0, a constant image is all 0.

    Parameters
    ----------
    image : numpy.ndarray
        Any real values, grey or colour.
    bits : int
        The bit depth n (1 to 32).

    Returns
    -------
    numpy.ndarray
        Integer levels 0 to ``2**n - 1`` in the smallest unsigned type that holds them.

    Examples
    --------
    >>> quantise(np.array([0, 10, 20, 30, 40]), 1).tolist()
    [0, 0, 1, 1, 1]
    """
    n_levels = level_count(bits)
    lo, hi = value_range(image)
    dtype = np.uint8 if bits <= 8 else np.uint16 if bits <= 16 else np.uint32
    values = np.asarray(image)
    if hi <= lo:
        return np.zeros(values.shape, dtype)
    scaled = np.subtract(values, lo, dtype=np.float64)  # one new array, then worked on in place
    scaled *= n_levels / (hi - lo)
    np.floor(scaled, out=scaled)
    if values.dtype.kind == "f":
        scaled[~np.isfinite(scaled)] = 0
    np.clip(scaled, 0, n_levels - 1, out=scaled)
    return scaled.astype(dtype)


def level_step(image: np.ndarray, bits: int) -> float:
    """Width of one level in the image's own units: ``(max - min) / 2**n``.

    Examples
    --------
    >>> level_step(np.array([-1024, 3072]), 8)
    16.0
    """
    lo, hi = value_range(image)
    return (hi - lo) / level_count(bits)


def level_values(levels: np.ndarray, image: np.ndarray, bits: int) -> np.ndarray:
    """The value each level stands for, back in the image's units: the middle of its step.

    Examples
    --------
    >>> level_values(np.array([0, 1]), np.array([0.0, 100.0]), 1).tolist()
    [25.0, 75.0]
    """
    lo, _ = value_range(image)
    return lo + (np.asarray(levels, dtype=np.float64) + 0.5) * level_step(image, bits)


def levels_to_uint8(levels: np.ndarray, bits: int, invert: bool = False) -> np.ndarray:
    """Levels 0 to ``2**n - 1`` spread over the screen's 0 to 255 (0 black, top level white).

    `invert` shades them the other way (0 white), as a DICOM MONOCHROME1 file asks.

    Examples
    --------
    >>> levels_to_uint8(np.array([0, 1, 2, 3]), 2).tolist()
    [0, 85, 170, 255]
    >>> levels_to_uint8(np.array([0, 1, 2, 3]), 2, invert=True).tolist()
    [255, 170, 85, 0]
    """
    top = level_count(bits) - 1
    return apply_window(levels, width=float(top), level=top / 2, invert=invert)


def distinct_values(image: np.ndarray) -> int:
    """How many different finite values an image holds (over all channels).

    Examples
    --------
    >>> distinct_values(np.array([[0, 3], [3, 3]]))
    2
    """
    values = np.asarray(image)
    if values.dtype.kind == "f":
        values = values[np.isfinite(values)]
    return int(np.unique(values).size)


def bits_needed(low: float, high: float) -> int:
    """Bits needed to store every integer from `low` to `high`: ``ceil(log2(high - low + 1))``.

    Examples
    --------
    >>> bits_needed(-1024, 3071)  # the CT scale, -1024 to 3071 HU: 4096 values
    12
    >>> bits_needed(0, 255)
    8
    """
    count = int(np.floor(high)) - int(np.ceil(low)) + 1
    return max(1, int(np.ceil(np.log2(max(count, 1)))))


def stored_range_facts(values: np.ndarray, target: float, size: int = BLOCK) -> dict:
    """What storing an image's values in 8 bits would lose: its range, the bits it needs, and a patch before and after.

    Parameters
    ----------
    values : numpy.ndarray
        A 2D image in its physical units (Hounsfield units for CT).
    target : float
        The patch shown is the `size` × `size` one whose mean is nearest this value (soft tissue: 40 HU).
    size : int
        Side of the patch.

    Returns
    -------
    dict
        ``low``, ``high``, ``distinct`` (values in the image), ``bits`` (`bits_needed`), ``step8`` (units per
        8-bit level), ``distinct8`` (values left in the 8-bit copy), ``error8`` (largest change of a value),
        ``top``, ``left``, ``patch`` and ``patch8`` (the patch's values, and their 8-bit copy: each level's middle).

    Examples
    --------
    >>> facts = stored_range_facts(np.arange(-1024, 3072).reshape(64, 64), target=40.0, size=2)
    >>> facts["bits"], facts["step8"], facts["distinct8"]
    (12, 15.99609375, 256)
    """
    low, high = value_range(values)
    eight = level_values(quantise(values, 8), values, 8)
    top, left = patch_near(values, target, size)
    return {"low": low, "high": high, "distinct": distinct_values(values), "bits": bits_needed(low, high),
            "step8": level_step(values, 8), "distinct8": distinct_values(eight),
            "error8": float(np.abs(eight - values).max()), "top": top, "left": left,
            "patch": np.asarray(values[top:top + size, left:left + size]), "patch8": eight[top:top + size, left:left + size]}


def bytes_per_sample(bits: int) -> int:
    """Bytes one value takes in memory: n bits rounded up to a standard type (1, 2, 4 or 8 bytes).

    Examples
    --------
    >>> bytes_per_sample(1), bytes_per_sample(8), bytes_per_sample(12), bytes_per_sample(16)
    (1, 1, 2, 2)
    """
    for size in (1, 2, 4, 8):
        if bits <= 8 * size:
            return size
    raise ValueError(f"{bits} bits do not fit in a standard number type")


def image_bytes(n_pixels: int, bits: int, channels: int = 1) -> tuple[int, int, float]:
    """Storage of an image of n-bit values.

    Parameters
    ----------
    n_pixels : int
        Rows × columns (× slices).
    bits : int
        Bits per value.
    channels : int
        Values per pixel (3 for RGB).

    Returns
    -------
    per_pixel : int
        Bytes per pixel in memory (``channels * bytes_per_sample(bits)``).
    per_image : int
        Bytes of the whole image in memory.
    packed : float
        Bytes if the bits were packed with nothing wasted (``n_pixels * channels * bits / 8``).

    Examples
    --------
    >>> image_bytes(512 * 512, 12)
    (2, 524288, 393216.0)
    """
    per_pixel = channels * bytes_per_sample(bits)
    return per_pixel, per_pixel * int(n_pixels), int(n_pixels) * channels * bits / 8


def level_counts(levels: np.ndarray, bits: int) -> np.ndarray:
    """Number of pixels (values, for colour) at each level 0 to ``2**n - 1``.

    ``np.count_nonzero(level_counts(q, n))`` is the number of levels the image really uses.

    Examples
    --------
    >>> level_counts(np.array([0, 1, 1, 3]), 2).tolist()
    [1, 2, 0, 1]
    """
    return np.bincount(np.asarray(levels).ravel(), minlength=level_count(bits))


def levels_present(image: np.ndarray, bits: int) -> int:
    """How many of the ``2**bits`` levels occur once the image is re-quantised to ``bits`` bits.

    For a colour image the three channels share one range, and a level counts when
    any channel uses it.

    Parameters
    ----------
    image : numpy.ndarray
        Grey (rows, columns) or colour (rows, columns, 3) image.
    bits : int
        Bits per value.

    Returns
    -------
    int

    Examples
    --------
    >>> levels_present(np.array([[0.0, 1.0], [2.0, 3.0]]), 1)
    2
    """
    return int(np.count_nonzero(level_counts(quantise(image, bits), bits)))


def level_histogram(counts: np.ndarray, max_bins: int = HISTOGRAM_BINS) -> tuple[np.ndarray, np.ndarray, int]:
    """Counts per level (from `level_counts`) grouped into at most `max_bins` bins of equal width.

    Parameters
    ----------
    counts : numpy.ndarray
        One count per level; its length is a power of two.
    max_bins : int
        Upper bound of the number of bins (a power of two).

    Returns
    -------
    starts : numpy.ndarray
        First level of each bin.
    grouped : numpy.ndarray
        Number of values in each bin.
    per_bin : int
        Levels per bin (1 when every level has its own bar).

    Examples
    --------
    >>> starts, grouped, per_bin = level_histogram(np.arange(8), max_bins=4)
    >>> starts.tolist(), grouped.tolist(), per_bin
    ([0, 2, 4, 6], [1, 5, 9, 13], 2)
    """
    counts = np.asarray(counts)
    per_bin = max(1, counts.size // max_bins)
    return np.arange(0, counts.size, per_bin), counts.reshape(-1, per_bin).sum(axis=1), per_bin


def bit_depth_notes(image: np.ndarray, bits: int, units: str) -> str:
    """What re-quantising to `bits` bits does to an image, in words with its numbers.

    Parameters
    ----------
    image : numpy.ndarray
        The original values.
    bits : int
        The bit depth n.
    units : str
        The image's units ("HU", "units of the image").

    Returns
    -------
    str
        Markdown: the width of one level, why levels are missing, what a screen shows above 8 bits.

    Examples
    --------
    >>> print(bit_depth_notes(np.array([0.0, 1.0, 2.0, 3.0]), 3, "units"))
    One level spans **0.375 units**: values closer than that become the same number. Only **4 of the 8** levels occur: the original has only 4 different values, and re-quantising cannot create new ones.
    """
    present, possible, original = levels_present(image, bits), level_count(bits), distinct_values(image)
    notes = [f"One level spans **{level_step(image, bits):.4g} {units}**: values closer than that become the same "
             "number."]
    if present < possible:
        notes.append(f"Only **{present:,} of the {possible:,}** levels occur: "
                     + (f"the original has only {original:,} different values, and re-quantising cannot create new "
                        "ones." if original < possible else "some levels fall in gaps of the histogram."))
    if bits > 8:
        notes.append("A screen shows at most 256 greys (8 bits), so above 8 bits the picture cannot look finer; the "
                     "numbers are, and measurements and windowing use them.")
    return " ".join(notes)


def levels_question(image: np.ndarray, max_bits: int, what: str = "image") -> Question:
    """A numeric question on the learner's image: how many levels it uses at 3 bits (fewer for a shallow image).

    Parameters
    ----------
    image : numpy.ndarray
        The image the page works on.
    max_bits : int
        The deepest re-quantisation the page offers for it.
    what : str
        "image" or "slice", as the page calls it.

    Examples
    --------
    >>> levels_question(np.array([0.0, 1.0, 7.0]), 16).answer
    3
    """
    n = min(3, max_bits)
    present = levels_present(image, n)
    lo, hi = value_range(image)
    hint = f" (set *Bits per value* to {n} in *Bit depth* to check)" if max_bits > 1 else ""
    return Question(
        f"Re-quantise this {what} to **{n} bit{'s' if n > 1 else ''}**: how many of the {2 ** n} possible levels "
        f"does it actually use?{hint}",
        f"{n} bits cut the range {lo:.6g} to {hi:.6g} into {2 ** n} equal steps; this {what}'s values fall in "
        f"{present} of them" + ("." if present == 2 ** n else ": the others lie in gaps of the histogram, or the "
                                "image holds fewer different values."),
        present)


def bytes_question(rows: int, cols: int, colour: bool, what: str = "image") -> Question:
    """A numeric question on the learner's image: its size in memory at 16 bits per value.

    Examples
    --------
    >>> bytes_question(128, 128, False).answer
    32768
    >>> bytes_question(2, 3, True).explanation
    '16 bits are 2 bytes: 2 × 3 × 3 × 2 = 36 bytes.'
    """
    _, size, _ = image_bytes(rows * cols, 16, 3 if colour else 1)
    return Question(
        f"This {what} has {rows} × {cols} pixels{' of 3 channels' if colour else ''}. How many bytes does it take "
        "in memory at **16 bits** per value?",
        f"16 bits are 2 bytes: {rows} × {cols}{' × 3' if colour else ''} × 2 = {size:,} bytes.", size)


# --- colour ------------------------------------------------------------------------------------


def split_channels(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The red, green and blue channels of a ``(rows, cols, 3)`` image, each a grey image.

    Examples
    --------
    >>> red, green, blue = split_channels(np.array([[[1, 2, 3]]]))
    >>> red.tolist(), green.tolist(), blue.tolist()
    ([[1]], [[2]], [[3]])
    """
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        raise ValueError(f"expected a (rows, cols, 3) colour image, got shape {rgb.shape}")
    return rgb[..., 0], rgb[..., 1], rgb[..., 2]


def merge_channels(red: np.ndarray, green: np.ndarray, blue: np.ndarray,
                   keep: tuple[bool, bool, bool] = (True, True, True)) -> np.ndarray:
    """Stack three grey images into a colour image; a channel not kept is all zeros.

    Parameters
    ----------
    red, green, blue : numpy.ndarray
        Same shape ``(rows, cols)``.
    keep : (bool, bool, bool)
        Which channels to use.

    Returns
    -------
    (rows, cols, 3) numpy.ndarray
        Same type as `red`.

    Examples
    --------
    >>> merge_channels(np.ones((1, 1)), np.ones((1, 1)), np.ones((1, 1)), (True, False, True)).tolist()
    [[[1.0, 0.0, 1.0]]]
    """
    channels = [np.asarray(c) if k else np.zeros_like(c) for c, k in zip((red, green, blue), keep)]
    return np.stack(channels, axis=-1)


def magenta_x(size: int = X_SIZE, value: int = 255) -> np.ndarray:
    """The lecture's colour example: the X in the red and the blue channel, green all zeros.

    Red and blue light together look magenta.

    Returns
    -------
    (size, size, 3) numpy.ndarray of uint8

    Examples
    --------
    >>> magenta_x(3)[0, 0].tolist(), magenta_x(3)[0, 1].tolist()
    ([255, 0, 255], [0, 0, 0])
    """
    x = (x_matrix(size) * value).astype(np.uint8)
    return merge_channels(x, np.zeros_like(x), x)


def channel_mix(keep: tuple[bool, bool, bool]) -> str:
    """What the lecture's X in red and blue looks like with some channels switched off (Markdown).

    Examples
    --------
    >>> channel_mix((True, False, True))
    'red + blue light = **magenta**'
    >>> channel_mix((False, True, False))
    'black: no light at all'
    """
    return {(True, False, True): "red + blue light = **magenta**",
            (True, True, True): "red + blue light = **magenta** (green adds nothing: it is all zeros)",
            (True, True, False): "red only (green is all zeros)", (False, True, True): "blue only (green is all zeros)",
            (True, False, False): "red only", (False, False, True): "blue only"}.get(tuple(keep),
                                                                                   "black: no light at all")


def channel_stats(rgb: np.ndarray) -> list[dict[str, float]]:
    """Minimum, mean and maximum of each of the red, green and blue channels.

    Examples
    --------
    >>> channel_stats(np.array([[[0, 10, 20]], [[2, 10, 40]]]))[2]
    {'min': 20.0, 'mean': 30.0, 'max': 40.0}
    """
    return [{"min": float(c.min()), "mean": float(c.mean()), "max": float(c.max())} for c in split_channels(rgb)]


# --- regions -----------------------------------------------------------------------------------


def region_mask(shape: tuple[int, ...], rows: tuple[int, int], cols: tuple[int, int]) -> np.ndarray:
    """A rectangle as a boolean mask; `rows` and `cols` are inclusive ``(first, last)`` pairs.

    Examples
    --------
    >>> region_mask((3, 4), (0, 1), (2, 3)).astype(int).tolist()
    [[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 0, 0]]
    """
    mask = np.zeros(shape[:2], dtype=bool)
    mask[rows[0]:rows[1] + 1, cols[0]:cols[1] + 1] = True
    return mask


def region_stats(image: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """Mean, standard deviation and number of pixels of an image inside a mask.

    Examples
    --------
    >>> region_stats(np.array([[1.0, 3.0], [5.0, 7.0]]), np.array([[True, True], [False, False]]))
    {'mean': 2.0, 'std': 1.0, 'pixels': 2}
    """
    values = np.asarray(image)[np.asarray(mask, bool)]
    if values.size == 0:
        return {"mean": float("nan"), "std": float("nan"), "pixels": 0}
    return {"mean": float(values.mean()), "std": float(values.std()), "pixels": int(values.size)}


Regions = tuple[tuple[tuple[int, int], tuple[int, int]], tuple[tuple[int, int], tuple[int, int]]]
"""A signal box and a background box, ``((signal_rows, signal_cols), (background_rows, background_cols))``:
inclusive ``(first, last)`` pairs of rows and of columns (what the SNR view measures)."""


def default_regions(shape: tuple[int, ...]) -> Regions:
    """Starting regions: signal in the middle fifth of the image, background in the top-left corner.

    Returns
    -------
    Regions
        The signal box on the middle fifth of the rows and of the columns, the background box on their first tenth.

    Examples
    --------
    >>> default_regions((100, 200))
    (((40, 59), (80, 119)), ((0, 9), (0, 19)))
    """
    rows, cols = shape[:2]

    def _middle(n):
        half = n // 10
        return (n // 2 - half, n // 2 + half - 1) if half else (n // 2, n // 2)

    def _corner(n):
        return (0, max(n // 10 - 1, 0))

    return (_middle(rows), _middle(cols)), (_corner(rows), _corner(cols))


def _box_means(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Mean of every ``height`` × ``width`` box, indexed by its top-left pixel (summed-area table)."""
    table = np.zeros((image.shape[0] + 1, image.shape[1] + 1))
    table[1:, 1:] = np.asarray(image, dtype=np.float64).cumsum(0).cumsum(1)
    sums = table[height:, width:] - table[:-height, width:] - table[height:, :-width] + table[:-height, :-width]
    return sums / (height * width)


def regions_from_image(image: np.ndarray) -> Regions:
    """Starting regions placed from the image: background in its darkest box, signal inside the object.

    The boxes have the sizes of :func:`default_regions`. The background box is
    the one of lowest mean; the object is what Otsu's threshold puts above it,
    and the signal box is the one most filled by the object, nearest the
    object's centre of mass among equals. A constant image keeps the default
    places.

    Parameters
    ----------
    image : numpy.ndarray
        A 2D grey image with finite values.

    Returns
    -------
    Regions
        The two boxes, with the sizes of the default ones.

    Examples
    --------
    >>> image = np.zeros((100, 100))
    >>> image[60:90, 10:40] = 5.0  # an object at the lower left, dark everywhere else
    >>> image[0:20, 0:20] = 1.0    # the top-left corner is not the darkest place
    >>> (sig_r, sig_c), (bg_r, bg_c) = regions_from_image(image)
    >>> sig_r, sig_c
    ((65, 84), (15, 34))
    >>> bool(image[bg_r[0]:bg_r[1] + 1, bg_c[0]:bg_c[1] + 1].max() == 0)
    True
    """
    grey = np.asarray(image, dtype=np.float64)
    (sig_r, sig_c), (bg_r, bg_c) = default_regions(grey.shape)
    lo, hi = float(grey.min()), float(grey.max())
    if not lo < hi:
        return (sig_r, sig_c), (bg_r, bg_c)
    from skimage.filters import threshold_otsu

    bg_h, bg_w = bg_r[1] - bg_r[0] + 1, bg_c[1] - bg_c[0] + 1
    dark = _box_means(grey, bg_h, bg_w)
    top, left = np.unravel_index(int(np.argmin(dark)), dark.shape)
    background = ((int(top), int(top) + bg_h - 1), (int(left), int(left) + bg_w - 1))
    obj = grey > threshold_otsu(grey)
    if not obj.any():
        return (sig_r, sig_c), background
    sig_h, sig_w = sig_r[1] - sig_r[0] + 1, sig_c[1] - sig_c[0] + 1
    filled = _box_means(obj, sig_h, sig_w)
    centre = np.argwhere(obj).mean(axis=0) - [(sig_h - 1) / 2, (sig_w - 1) / 2]
    best = np.argwhere(filled >= filled.max() - 1e-9)
    top, left = best[int(np.argmin(((best - centre) ** 2).sum(axis=1)))]
    return ((int(top), int(top) + sig_h - 1), (int(left), int(left) + sig_w - 1)), background


def region_table(images: dict[str, np.ndarray], signal: np.ndarray, background: np.ndarray) -> dict[str, list]:
    """Signal mean, background mean and background standard deviation of each image, as table columns.

    Parameters
    ----------
    images : dict
        ``{name: image}`` (the original and the noisy copy).
    signal, background : numpy.ndarray of bool
        The two regions.

    Returns
    -------
    dict
        ``{"signal mean": [...], "background mean": [...], "background std": [...]}``, one value per image.

    Examples
    --------
    >>> image = np.array([[10.0, 10.0], [1.0, 3.0]])
    >>> region_table({"a": image}, image > 5, image < 5)
    {'signal mean': [10.0], 'background mean': [2.0], 'background std': [1.0]}
    """
    rows = {"signal mean": [], "background mean": [], "background std": []}
    for image in images.values():
        inside, outside = region_stats(image, signal), region_stats(image, background)
        rows["signal mean"].append(inside["mean"])
        rows["background mean"].append(outside["mean"])
        rows["background std"].append(outside["std"])
    return rows


def ratio_text(value: float) -> str:
    """An SNR as the page shows it: three significant digits, ∞, or "undefined".

    Examples
    --------
    >>> ratio_text(25.0), ratio_text(float("inf")), ratio_text(float("nan"))
    ('25', '∞', 'undefined')
    """
    if np.isnan(value):
        return "undefined"
    return "∞" if np.isinf(value) and value > 0 else f"{value:.3g}"


def db_text(value: float) -> str:
    """An SNR in decibels as the page shows it (one decimal), "∞ dB", or "undefined" for a ratio of 0 or less.

    Examples
    --------
    >>> db_text(25.0), db_text(float("inf")), db_text(-1.0)
    ('28.0 dB', '∞ dB', 'undefined')
    """
    if np.isnan(value) or value <= 0:
        return "undefined"
    return "∞ dB" if np.isinf(value) else f"{snr_db(value):.1f} dB"


def patch_near(image: np.ndarray, target: float, size: int = 6) -> tuple[int, int]:
    """Top-left corner of the `size` × `size` patch whose mean is closest to `target` (e.g. soft tissue, 40 HU).

    Examples
    --------
    >>> image = np.zeros((20, 20))
    >>> image[11:17, 3:9] = 40.0
    >>> patch_near(image, 40.0)
    (11, 3)
    """
    values = np.nan_to_num(np.asarray(image, dtype=np.float64))
    size = min(size, *values.shape[:2])
    total = np.pad(values, ((1, 0), (1, 0))).cumsum(axis=0).cumsum(axis=1)  # summed-area table
    sums = total[size:, size:] - total[:-size, size:] - total[size:, :-size] + total[:-size, :-size]
    row, col = np.unravel_index(np.argmin(np.abs(sums / size**2 - target)), sums.shape)  # index = top-left corner
    return int(row), int(col)


def poisson_strength(photons_at_max: float, image: np.ndarray) -> float:
    """Photons per unit of value for `core.data.noise.add_noise(..., "poisson", ...)` from the photons at the brightest pixel.

    `add_noise` counts photons from ``min(image minimum, 0)``, so the
    brightest pixel receives `photons_at_max` photons on average.

    Examples
    --------
    >>> poisson_strength(1000, np.array([0.0, 500.0]))
    2.0
    """
    lo, hi = value_range(image)
    low = min(lo, 0.0)  # add_noise counts photons from min(image minimum, 0)
    return float(photons_at_max) / (hi - low) if hi > low else float(photons_at_max)


# --- display -----------------------------------------------------------------------------------


def to_display_rgb(image: np.ndarray, width: float | None = None, level: float | None = None,
                   invert: bool = False) -> np.ndarray:
    """Any grey or colour image as 8-bit RGB for the screen (grey through a window, automatic if not given).

    `invert` shades a grey image low values white, as a DICOM MONOCHROME1 file asks.
    """
    image = np.asarray(image)
    if image.ndim == 3:
        return colour_to_uint8(image[..., :3])
    if width is None or level is None:
        width, level = auto_window(image)
    grey = apply_window(image, width, level, invert=invert)
    return np.repeat(grey[..., None], 3, axis=2)


def display_scale(shape: tuple[int, ...], target: int = 420) -> float:
    """Zoom factor bringing the longer side near `target` screen pixels: a whole factor up, or 1/step down.

    Examples
    --------
    >>> display_scale((64, 64)), display_scale((233, 197)), display_scale((512, 512)), display_scale((1411, 1411))
    (7.0, 2.0, 1.0, 0.25)
    """
    side = max(shape[:2])
    if side < target:
        return float(max(1, round(target / side)))
    if side > target * 1.5:
        return 1.0 / int(np.ceil(side / target))
    return 1.0


def rescale_for_display(rgb: np.ndarray, scale: float) -> np.ndarray:
    """Nearest-neighbour zoom by a `display_scale` factor, so each pixel stays a crisp square."""
    if scale >= 1:
        factor = int(scale)
        return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1) if factor > 1 else rgb
    step = int(round(1 / scale))
    return rgb[::step, ::step]


def draw_outline(rgb: np.ndarray, rows: tuple[int, int], cols: tuple[int, int], colour: tuple[int, int, int],
                 scale: float = 1.0, thickness: int = 2) -> np.ndarray:
    """A copy of an RGB image shown at `scale` with a rectangle's outline drawn on it.

    Parameters
    ----------
    rgb : numpy.ndarray of uint8
        The displayed image (already rescaled by `scale`).
    rows, cols : (int, int)
        Inclusive first and last row and column, in pixels of the original image.
    colour : (int, int, int)
        The outline's colour.
    scale : float
        Screen pixels per image pixel.
    thickness : int
        Line width in screen pixels.

    Returns
    -------
    numpy.ndarray of uint8
        A new image; the input is not changed.

    Examples
    --------
    >>> draw_outline(np.zeros((4, 4, 3), np.uint8), (1, 2), (1, 2), (9, 9, 9), thickness=1)[..., 0].tolist()
    [[0, 0, 0, 0], [0, 9, 9, 0], [0, 9, 9, 0], [0, 0, 0, 0]]
    """
    rgb = np.array(rgb, dtype=np.uint8, copy=True)
    height, width = rgb.shape[:2]
    top = int(np.clip(np.floor(rows[0] * scale), 0, height - 1))
    bottom = int(np.clip(np.ceil((rows[1] + 1) * scale) - 1, top, height - 1))
    left = int(np.clip(np.floor(cols[0] * scale), 0, width - 1))
    right = int(np.clip(np.ceil((cols[1] + 1) * scale) - 1, left, width - 1))
    t = max(1, thickness)
    rgb[top:min(top + t, bottom + 1), left:right + 1] = colour
    rgb[max(bottom - t + 1, top):bottom + 1, left:right + 1] = colour
    rgb[top:bottom + 1, left:min(left + t, right + 1)] = colour
    rgb[top:bottom + 1, max(right - t + 1, left):right + 1] = colour
    return rgb


def draw_crosshair(rgb: np.ndarray, rows: tuple[int, int], cols: tuple[int, int], colour: tuple[int, int, int],
                   scale: float = 1.0, gap: int = 6) -> np.ndarray:
    """A copy of an RGB image with a horizontal and a vertical line pointing at a rectangle (a finder for small boxes).

    The lines run through the rectangle's centre from the image's edges and
    stop `gap` screen pixels before it, so the rectangle itself stays visible.

    Examples
    --------
    >>> marked = draw_crosshair(np.zeros((9, 9, 3), np.uint8), (4, 4), (4, 4), (1, 1, 1), gap=2)
    >>> marked[4, :, 0].tolist()
    [1, 1, 0, 0, 0, 0, 0, 1, 1]
    """
    rgb = np.array(rgb, dtype=np.uint8, copy=True)
    height, width = rgb.shape[:2]
    top, bottom = rows[0] * scale, (rows[1] + 1) * scale
    left, right = cols[0] * scale, (cols[1] + 1) * scale
    row = int(np.clip((top + bottom) / 2, 0, height - 1))
    col = int(np.clip((left + right) / 2, 0, width - 1))
    rgb[row, :max(int(left) - gap, 0)] = colour
    rgb[row, min(int(np.ceil(right)) + gap, width):] = colour
    rgb[:max(int(top) - gap, 0), col] = colour
    rgb[min(int(np.ceil(bottom)) + gap, height):, col] = colour
    return rgb
