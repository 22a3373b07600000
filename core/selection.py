"""Selections made on a picture, as pixel coordinates: clicked points, dragged boxes and drawn lassos.

Streamlit's ``st.plotly_chart(..., on_select="rerun")`` returns an event
whose ``selection`` holds what the learner selected, in the figure's data
coordinates::

    {"points": [{"x": 12.0, "y": 40.0, "curve_number": 1, "point_index": 7, ...}, ...],
     "point_indices": [7, ...],
     "box": [{"xref": "x", "yref": "y", "x": [x0, x1], "y": [y0, y1]}, ...],
     "lasso": [{"xref": "x", "yref": "y", "x": [x0, x1, ...], "y": [y0, y1, ...]}, ...]}

The course's image figures put the column on x and the row on y (pixel
``(r, c)`` centred on ``x = c, y = r``, row 0 at the top). The ``selected_*``
functions read such an event (a dict, or Streamlit's read-only
``PlotlyState``; a missing or malformed part counts as empty, never an
error) and return ``(row, col)`` pixels; `box_mask` and `lasso_mask` turn a
region into a boolean mask. A figure shown in mm rather than pixels passes
its ``spacing`` (figure units per pixel along rows and columns) so that
positions are divided back into pixels.

>>> event = {"selection": {"points": [{"x": 3.2, "y": 5.9, "curve_number": 1}]}}
>>> selected_points(event, (10, 10)).tolist()
[[6.0, 3.0]]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def _entries(event, kind: str) -> list[Mapping]:
    """The ``"points"``, ``"box"`` or ``"lasso"`` entries of an event's selection (those that are mappings)."""
    try:
        entries = event["selection"][kind]
    except (KeyError, TypeError, IndexError):
        return []
    return [entry for entry in entries if isinstance(entry, Mapping)] if isinstance(entries, (list, tuple)) else []


def _in_pixels(rows, cols, spacing: tuple[float, float]) -> np.ndarray:
    """``(n, 2)`` ``(row, col)`` pairs from figure coordinates, divided by the spacing."""
    return np.stack([np.asarray(rows, dtype=float) / spacing[0], np.asarray(cols, dtype=float) / spacing[1]],
                    axis=-1).reshape(-1, 2)


def selected_points(event, shape: tuple[int, ...], spacing: tuple[float, float] = (1.0, 1.0),
                    curve: int | None = None, snap: bool = True, drop_outside: bool = False) -> np.ndarray:
    """The clicked (or box- or lasso-selected) points of an event, as ``(row, col)`` pixels.

    Parameters
    ----------
    event : dict or streamlit PlotlyState or None
        What ``st.plotly_chart(..., on_select=...)`` returned.
    shape : tuple of int
        The image's shape (rows and columns first).
    spacing : (float, float)
        Figure units per pixel along rows and columns (1 when the axes count pixels).
    curve : int, optional
        Keep only the points of this trace (``curve_number``), e.g. the click grid.
    snap : bool
        Round to whole pixels.
    drop_outside : bool
        Drop the points whose nearest pixel lies outside the image, instead
        of clipping them to its edge.

    Returns
    -------
    (n, 2) numpy.ndarray of float
        In the order of the event; empty ``(0, 2)`` when nothing is selected.
        Points without numeric ``x`` and ``y`` are skipped.

    Examples
    --------
    >>> event = {"selection": {"points": [{"x": 12.0, "y": 7.0}, {"x": 3.0, "y": 30.0}]}}
    >>> selected_points(event, (20, 20)).tolist()
    [[7.0, 12.0], [19.0, 3.0]]
    >>> selected_points(event, (20, 20), drop_outside=True).tolist()
    [[7.0, 12.0]]
    """
    rows, cols = [], []
    for point in _entries(event, "points"):
        if curve is not None and point.get("curve_number") != curve:
            continue
        try:
            x, y = float(point["x"]), float(point["y"])
        except (KeyError, TypeError, ValueError):
            continue
        if np.isfinite(x) and np.isfinite(y):
            rows.append(y)
            cols.append(x)
    points = _in_pixels(rows, cols, spacing)
    limit = np.array(shape[:2], dtype=float) - 1
    if drop_outside:
        nearest = np.rint(points)
        points = points[np.all((nearest >= 0) & (nearest <= limit), axis=1)]
    points = np.clip(points, 0, limit)
    return np.rint(points) if snap else points


def _span(low: float, high: float, size: int, nearest: bool) -> tuple[int, int] | None:
    """First and last pixel whose centre lies between two edges, clipped to ``0 .. size - 1``.

    None when no centre does, unless `nearest` and the edges touch the image
    (its pixels span ``-0.5 .. size - 0.5``): then the pixel nearest their middle.
    """
    first, last = max(int(np.ceil(low)), 0), min(int(np.floor(high)), size - 1)
    if first <= last:
        return first, last
    if nearest and high >= -0.5 and low <= size - 0.5:
        middle = int(np.clip(round((low + high) / 2), 0, size - 1))
        return middle, middle
    return None


def selected_boxes(event, shape: tuple[int, ...], spacing: tuple[float, float] = (1.0, 1.0),
                   nearest: bool = False) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The dragged boxes of an event, as the inclusive ``((top, bottom), (left, right))`` of the pixels whose centres they hold.

    Parameters
    ----------
    event, shape, spacing
        As in `selected_points`.
    nearest : bool
        A box that holds no pixel centre along an axis (narrower than a
        pixel, or wholly in the image's half-pixel border) takes the pixel
        nearest its middle there, instead of being dropped.

    Returns
    -------
    list of ((int, int), (int, int))
        One per box, in drawing order, drawn in any direction, clipped to the
        image; a box wholly outside the image is dropped.

    Examples
    --------
    >>> selected_boxes({"selection": {"box": [{"x": [7.6, 2.2], "y": [-3, 4.4]}]}}, (10, 10))
    [((0, 4), (3, 7))]
    >>> thin = {"selection": {"box": [{"x": [4.1, 4.4], "y": [-9, 3]}]}}
    >>> selected_boxes(thin, (20, 30)), selected_boxes(thin, (20, 30), nearest=True)
    ([], [((0, 3), (4, 4))])
    """
    boxes = []
    for box in _entries(event, "box"):
        try:
            xs, ys = [float(v) for v in box["x"]], [float(v) for v in box["y"]]
        except (KeyError, TypeError, ValueError):
            continue
        if len(xs) < 2 or len(ys) < 2 or not np.all(np.isfinite(xs + ys)):
            continue
        rows = _span(min(ys) / spacing[0], max(ys) / spacing[0], shape[0], nearest)
        cols = _span(min(xs) / spacing[1], max(xs) / spacing[1], shape[1], nearest)
        if rows is not None and cols is not None:
            boxes.append((rows, cols))
    return boxes


def selected_lassos(event, spacing: tuple[float, float] = (1.0, 1.0)) -> list[np.ndarray]:
    """The drawn lassos of an event, each as its polygon's ``(row, col)`` vertices in pixels.

    Parameters
    ----------
    event, spacing
        As in `selected_points`.

    Returns
    -------
    list of (n, 2) numpy.ndarray
        In drawing order; vertices unrounded and not clipped (a vertex beyond
        the image still shapes the polygon: `lasso_mask` keeps the image's
        pixels). Vertices without numeric coordinates are skipped, and
        lassos left with fewer than 3 are dropped.

    Examples
    --------
    >>> selected_lassos({"selection": {"lasso": [{"x": [2, 8, 8], "y": [-1, -1, 5.5]}]}})[0].tolist()
    [[-1.0, 2.0], [-1.0, 8.0], [5.5, 8.0]]
    """
    polygons = []
    for lasso in _entries(event, "lasso"):
        try:
            xs, ys = np.asarray(lasso["x"], dtype=float), np.asarray(lasso["y"], dtype=float)
        except (KeyError, TypeError, ValueError):
            continue
        if xs.ndim != 1 or xs.shape != ys.shape:
            continue
        keep = np.isfinite(xs) & np.isfinite(ys)
        if keep.sum() < 3:
            continue
        polygons.append(_in_pixels(ys[keep], xs[keep], spacing))
    return polygons


def box_mask(shape: tuple[int, ...], box: tuple[tuple[int, int], tuple[int, int]]) -> np.ndarray:
    """A boolean mask, True inside an inclusive ``((top, bottom), (left, right))`` box.

    Examples
    --------
    >>> box_mask((3, 4), ((0, 1), (1, 2))).astype(int).tolist()
    [[0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]
    """
    mask = np.zeros(shape[:2], dtype=bool)
    (top, bottom), (left, right) = box
    mask[top:bottom + 1, left:right + 1] = True
    return mask


def lasso_mask(shape: tuple[int, ...], polygon: np.ndarray) -> np.ndarray:
    """A boolean mask, True for the pixels whose centres lie inside a ``(row, col)`` polygon.

    Uses ``skimage.draw.polygon2mask``.

    Examples
    --------
    >>> lasso_mask((4, 4), np.array([[0, 0], [0, 3], [3, 3]])).sum()
    np.int64(10)
    """
    from skimage.draw import polygon2mask

    return polygon2mask(shape[:2], np.asarray(polygon, dtype=float))


def click_grid(shape: tuple[int, ...], max_points: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Pixel positions for a transparent grid of clickable markers over an image.

    Plotly reports a click only on a selectable trace, and a heatmap is not
    one, so a figure that takes clicks lays markers over it: every pixel of
    a small image, every k-th of a large one (at most `max_points`), the
    precise position then typed in a number box.

    Parameters
    ----------
    shape : tuple of int
    max_points : int

    Returns
    -------
    rows, cols : numpy.ndarray of int
        Flat arrays of the same length: x = cols, y = rows in the figure.

    Examples
    --------
    >>> rows, cols = click_grid((4, 6), max_points=6)
    >>> sorted(set(rows.tolist())), sorted(set(cols.tolist()))
    ([0, 2], [0, 2, 4])
    """
    step = max(1, int(np.ceil(np.sqrt(shape[0] * shape[1] / max_points))))
    rows, cols = np.meshgrid(np.arange(0, shape[0], step), np.arange(0, shape[1], step), indexing="ij")
    return rows.ravel(), cols.ravel()
