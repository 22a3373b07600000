"""The course's one path from an array to a picture on the page: window to 8 bits, PNG, alt text."""

from __future__ import annotations

import hashlib

import numpy as np

from core import display
from core.io.png_writer import encode_png
from core.text.alt_text import describe_image
from ui.alt import show_image
from ui.memo import session_memo

INVERTED_NOTE = ", shaded as the file says: MONOCHROME1, low values white"
"""Said beside a picture of a MONOCHROME1 image, which is drawn inverted (low values white)."""

MAX_SHOWN_SIDE = 640
"""Larger images are shown every n-th pixel (the lessons' numbers are computed on every pixel)."""


def shown_step(shape: tuple[int, ...]) -> int:
    """Every how many pixels an image of this shape is shown (1 up to `MAX_SHOWN_SIDE` pixels a side)."""
    return max(1, int(np.ceil(max(shape[:2]) / MAX_SHOWN_SIDE)))


def shaded(caption: str, invert: bool) -> str:
    """`caption`, saying so when its picture is inverted (a MONOCHROME1 image: once per section, on its first picture).

    Examples
    --------
    >>> shaded("image", True)
    'image, shaded as the file says: MONOCHROME1, low values white'
    """
    return caption + (INVERTED_NOTE if invert else "")


def grey_ends(invert: bool) -> tuple[str, str]:
    """The shades of the lowest and the highest value: black and white, the other way round when `invert`.

    Examples
    --------
    >>> grey_ends(True)
    ('white', 'black')
    """
    return ("white", "black") if invert else ("black", "white")


def grey8(image: np.ndarray, window: tuple[float, float] | None = None, invert: bool = False) -> np.ndarray:
    """An image as 8-bit grey for the page: masks black and white, values through a window, large ones thinned.

    Parameters
    ----------
    image : numpy.ndarray
        2D values (any dtype) or a boolean mask.
    window : (width, level), optional
        Defaults to `core.display.auto_window` of the image.
    invert : bool
        Low values white, as a DICOM MONOCHROME1 file asks (values only: a mask keeps white for True).

    Returns
    -------
    numpy.ndarray of uint8
    """
    step = shown_step(image.shape)
    image = np.asarray(image)[::step, ::step]
    if image.dtype == bool:
        return image.astype(np.uint8) * 255
    width, level = window if window is not None else display.auto_window(image)
    return display.apply_window(image, width, level, invert=invert)


def picture(container, image: np.ndarray, caption: str, window: tuple[float, float] | None = None,
            key=None, alt: str | None = None, invert: bool = False) -> None:
    """Show an image through a window with a caption and an alt text made from its data.

    Parameters
    ----------
    container : streamlit container
    image : numpy.ndarray
        2D values or a boolean mask.
    caption : str
    window : (width, level), optional
    key : hashable, optional
        Names the image's content, so a rerun reuses its PNG without hashing the pixels.
    alt : str, optional
        The text alternative (default: `core.text.alt_text.describe_image` of the values).
    invert : bool
        Low values white (a MONOCHROME1 image's values; see `grey8`).
    """
    name = key if key is not None else hashlib.blake2b(np.ascontiguousarray(image).tobytes(),
                                                       digest_size=16).hexdigest()
    data, text = session_memo("pictures", (name, image.shape, window, invert, caption, alt),
                              lambda: (encode_png(grey8(image, window, invert)), alt or describe_image(image, caption)))
    show_image(container, data, text, caption=caption, width="stretch", output_format="PNG")
