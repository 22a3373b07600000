"""Small previews of a dataset's images, and the flags a quality report puts on them (EDA lesson).

The lecture's EDA step "inspect the images: any obviously corrupted data?"
needs the images themselves: one small tile per file, flagged files first,
each carrying the titles of the findings that concern it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core import display
from core.eda import Finding

#: side of a tile in pixels (the longer side of the image is shrunk to it)
TILE = 96


def preview(data: np.ndarray, rgb: bool = False, is_4d: bool = False, side: int = TILE,
            invert: bool = False) -> np.ndarray:
    """A uint8 preview of an image: the middle slice (first time point), auto-windowed, shrunk to `side`.

    Parameters
    ----------
    data : numpy.ndarray
        ``Volume.data`` of any shape the course loads.
    rgb, is_4d : bool
        As ``Volume.rgb`` and ``Volume.is_4d``.
    side : int
        The longer side of the preview, at most (images are never enlarged).
    invert : bool
        Low values white (a grey MONOCHROME1 image, as its file asks; ignored for colour).

    Returns
    -------
    numpy.ndarray of uint8
        ``(rows, cols)`` grey or ``(rows, cols, 3)`` colour; non-finite pixels are black.

    Examples
    --------
    >>> preview(np.arange(40000.0).reshape(200, 200), side=50).shape
    (50, 50)
    >>> preview(np.zeros((5, 4, 6))).shape  # the middle slice of a 3D stack
    (4, 6)
    >>> preview(np.array([[0.0, 1.0]]), invert=True).tolist()  # MONOCHROME1: the low value white
    [[255, 0]]
    """
    image = np.asarray(data)
    if is_4d:
        image = image[0]
    spatial = image.ndim - (1 if rgb else 0)
    if spatial == 3:
        image = image[image.shape[0] // 2]
    step = max(1, int(np.ceil(max(image.shape[:2]) / side)))
    image = image[::step, ::step]
    if rgb:
        return display.colour_to_uint8(image)
    grey = np.asarray(image, dtype=np.float64)
    finite = np.isfinite(grey)
    if not finite.any():
        return np.zeros(grey.shape, np.uint8)
    grey = np.where(finite, grey, np.nanmin(np.where(finite, grey, np.nan)))
    width, level = display.auto_window(grey)
    out = display.apply_window(grey, width, level, invert=invert)
    return np.where(finite, out, 0).astype(np.uint8)


def tile_flags(table: pd.DataFrame, findings: list[Finding]) -> dict[str, list[str]]:
    """For each file of the table, the short flags its tile carries (empty list: nothing found).

    Examples
    --------
    >>> table = pd.DataFrame({"file": ["a.dcm", "b.dcm"], "readable": [True, False],
    ...                       "why unreadable": ["", "truncated"]})
    >>> tile_flags(table, [Finding("dup", "Duplicated images", ("a.dcm",))])
    {'a.dcm': ['Duplicated images'], 'b.dcm': ['unreadable (the table below says why)']}
    """
    flags: dict[str, list[str]] = {name: [] for name in table["file"]}
    unreadable = set(table.loc[~table["readable"].astype(bool), "file"])
    for name in unreadable:
        flags[name].append("unreadable (the table below says why)")
    for finding in findings:
        for name in finding.files:
            if name in flags and name not in unreadable and finding.title not in flags[name]:
                flags[name].append(finding.title)
    return flags


def tile_order(flags: dict[str, list[str]], limit: int) -> list[str]:
    """Which files get a tile: flagged ones first (in table order), then the others, `limit` at most.

    Examples
    --------
    >>> tile_order({"a": [], "b": ["odd"], "c": []}, 2)
    ['b', 'a']
    """
    flagged = [name for name, found in flags.items() if found]
    clean = [name for name, found in flags.items() if not found]
    return (flagged + clean)[:limit]
