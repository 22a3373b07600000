"""Ways to look at two aligned images: colour overlay, difference, checkerboard, blend, labels in colour.

Inputs are 8-bit grey images of the same shape (windowed with
`core.display`); outputs are uint8 arrays ready for the screen.

>>> import numpy as np
>>> overlay(np.array([[255, 0]], np.uint8), np.array([[255, 255]], np.uint8)).tolist()
[[[255, 255, 255], [0, 255, 0]]]
"""

from __future__ import annotations

import numpy as np

LABEL_COLOURS = np.array([
    [0, 0, 0], [0, 114, 178], [230, 159, 0], [0, 158, 115], [213, 94, 0], [204, 121, 167], [86, 180, 233],
    [240, 228, 66], [127, 127, 127], [255, 255, 255], [140, 86, 75]], dtype=np.uint8)
"""Colour of label 0 (black: outside) and of labels 1 to 10: labels 1-7 are the Okabe-Ito colours
(core.colourmaps.OKABE_ITO), told apart with the common colour-vision deficiencies, not by red against green."""

LABEL_NAMES = ("black", "blue", "orange", "bluish green", "vermillion", "reddish purple", "sky blue", "yellow",
               "grey", "white", "brown")
"""What to call the colours of `LABEL_COLOURS`."""


def overlay(fixed: np.ndarray, moving: np.ndarray) -> np.ndarray:
    """The fixed image in magenta and the moving one in green: aligned structures turn grey or white.

    Parameters
    ----------
    fixed, moving : numpy.ndarray of uint8
        Same shape.

    Returns
    -------
    (rows, cols, 3) numpy.ndarray of uint8
    """
    fixed, moving = np.asarray(fixed, np.uint8), np.asarray(moving, np.uint8)
    return np.stack([fixed, moving, fixed], axis=-1)


def difference(fixed: np.ndarray, moving: np.ndarray) -> np.ndarray:
    """Their difference as grey: mid grey where they agree, white where the fixed image is brighter.

    Examples
    --------
    >>> difference(np.array([[200, 100]], np.uint8), np.array([[100, 100]], np.uint8)).tolist()
    [[178, 128]]
    """
    delta = np.asarray(fixed, np.float32) - np.asarray(moving, np.float32)
    return np.clip(128 + delta / 2, 0, 255).round().astype(np.uint8)


def checkerboard(fixed: np.ndarray, moving: np.ndarray, tiles: int = 8) -> np.ndarray:
    """Alternate square tiles of the two images: edges that continue across tiles are aligned.

    Parameters
    ----------
    fixed, moving : numpy.ndarray
        Same shape (grey or colour).
    tiles : int
        Tiles along the longer side.

    Returns
    -------
    numpy.ndarray
        Same shape and type as the inputs.

    Examples
    --------
    >>> checkerboard(np.zeros((2, 2), int), np.ones((2, 2), int), tiles=2).tolist()
    [[0, 1], [1, 0]]
    """
    fixed, moving = np.asarray(fixed), np.asarray(moving)
    size = max(1, int(np.ceil(max(fixed.shape[:2]) / max(int(tiles), 1))))
    rows, cols = np.indices(fixed.shape[:2])
    pick = ((rows // size + cols // size) % 2).astype(bool)
    if fixed.ndim == 3:
        pick = pick[..., None]
    return np.where(pick, moving, fixed)


def blend(fixed: np.ndarray, moving: np.ndarray, alpha: float) -> np.ndarray:
    """``(1 - alpha) * fixed + alpha * moving``, as uint8.

    Examples
    --------
    >>> blend(np.array([0], np.uint8), np.array([200], np.uint8), 0.25).tolist()
    [50]
    """
    mixed = (1 - alpha) * np.asarray(fixed, np.float32) + alpha * np.asarray(moving, np.float32)
    return np.clip(mixed.round(), 0, 255).astype(np.uint8)


def label_colours(labels: np.ndarray) -> np.ndarray:
    """Each label as a colour (`LABEL_COLOURS`, cycling after 10), label 0 black.

    Returns
    -------
    (..., 3) numpy.ndarray of uint8
    """
    labels = np.asarray(labels, dtype=int)
    index = np.where(labels > 0, (labels - 1) % (len(LABEL_COLOURS) - 1) + 1, 0)
    return LABEL_COLOURS[index]


def tint(grey: np.ndarray, masks: list[tuple[np.ndarray, tuple[int, int, int]]], opacity: float = 0.45
         ) -> np.ndarray:
    """A grey image with coloured, semi-transparent masks laid over it.

    Parameters
    ----------
    grey : numpy.ndarray of uint8
    masks : list of (mask, (r, g, b))
        Boolean masks of the same shape, painted in order.
    opacity : float
        0 leaves the image, 1 paints the mask solid.

    Returns
    -------
    (rows, cols, 3) numpy.ndarray of uint8
    """
    out = np.repeat(np.asarray(grey, np.float32)[..., None], 3, axis=-1)
    for mask, colour in masks:
        mask = np.asarray(mask, bool)
        out[mask] = (1 - opacity) * out[mask] + opacity * np.asarray(colour, np.float32)
    return np.clip(out.round(), 0, 255).astype(np.uint8)


def enlarge(image: np.ndarray, min_side: int = 256) -> np.ndarray:
    """Repeat pixels (nearest neighbour) until the shorter side reaches `min_side`: small images stay sharp.

    Examples
    --------
    >>> enlarge(np.ones((2, 3)), 4).shape
    (4, 6)
    """
    image = np.asarray(image)
    factor = max(1, int(np.ceil(min_side / max(1, min(image.shape[:2])))))
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1) if factor > 1 else image
