"""Selections made on a picture, as pixel coordinates: clicked points, dragged boxes and drawn lassos.

Streamlit's ``st.plotly_chart(..., on_select="rerun")`` returns an event
whose ``selection`` holds what the learner selected, in the figure's data
coordinates::

    {"points": [{"x": 12.0, "y": 40.0, "curve_number": 1, "point_index": 7, ...}, ...],
     "point_indices": [7, ...],
     "box": [{"xref": "x", "yref": "y", "x": [x0, x1], "y": [y0, y1]}, ...],
     "lasso": [{"xref": "x", "yref": "y", "x": [x0, x1, ...], "y": [y0, y1, ...]}, ...]}

The course's image figures put the column on x and the row on y (pixel
indices, row 0 at the top), so ``x`` is a column and ``y`` a row. The
functions here read such an event (a dict, or Streamlit's read-only
``PlotlyState``; a missing part counts as empty) and return ``(row, col)``
arrays in pixels, clipped to the image; `box_mask` and `lasso_mask` turn a
region into a boolean mask. A figure shown in mm rather than pixels passes
its ``spacing`` so that positions are divided back into pixels.

Points need a selectable trace under the cursor: a heatmap is not one, so
figures that take clicks lay a transparent grid of markers over the image
(`click_grid`).

>>> event = {"selection": {"points": [{"x": 3.2, "y": 5.9, "curve_number": 1}]}}
>>> selected_points(event, (10, 10)).tolist()
[[6.0, 3.0]]
"""

from __future__ import annotations

import numpy as np


def _selection(event) -> dict:
    """The ``selection`` part of an event (empty when there is none)."""
    if event is None:
        return {}
    try:
        selection = event["selection"]
    except (KeyError, TypeError):
        return {}
    return selection or {}


def _to_pixels(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, ...],
               spacing: tuple[float, float]) -> np.ndarray:
    """``(row, col)`` pairs from figure coordinates, divided by the spacing and clipped to the image."""
    points = np.stack([np.asarray(rows, dtype=float) / spacing[0], np.asarray(cols, dtype=float) / spacing[1]],
                      axis=-1).reshape(-1, 2)
    return np.clip(points, 0, np.array(shape[:2], dtype=float) - 1)


def selected_points(event, shape: tuple[int, ...], spacing: tuple[float, float] = (1.0, 1.0),
                    curve: int | None = None, snap: bool = True) -> np.ndarray:
    """The clicked (or box- or lasso-selected) points of an event, as ``(row, col)`` pixels.

    Parameters
    ----------
    event : dict or streamlit PlotlyState or None
        What ``st.plotly_chart(..., on_select=...)`` returned.
    shape : tuple of int
        The image's shape (rows and columns first); points are clipped to it.
    spacing : (float, float)
        Figure units per pixel along rows and columns (1 when the axes count pixels).
    curve : int, optional
        Keep only the points of this trace (``curve_number``), e.g. the click grid.
    snap : bool
        Round to whole pixels.

    Returns
    -------
    (n, 2) numpy.ndarray of float
        In the order of the event; empty ``(0, 2)`` when nothing is selected.
        Points without numeric ``x`` and ``y`` are skipped.
    """
    rows, cols = [], []
    for point in _selection(event).get("points", []) or []:
        if curve is not None and point.get("curve_number") != curve:
            continue
        try:
            x, y = float(point["x"]), float(point["y"])
        except (KeyError, TypeError, ValueError):
            continue
        if np.isfinite(x) and np.isfinite(y):
            rows.append(y)
            cols.append(x)
    if not rows:
        return np.empty((0, 2))
    points = _to_pixels(np.array(rows), np.array(cols), shape, spacing)
    return np.rint(points) if snap else points


def selected_boxes(event, shape: tuple[int, ...], spacing: tuple[float, float] = (1.0, 1.0)
                   ) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The dragged boxes of an event, as the inclusive ``((top, bottom), (left, right))`` of the pixels whose centres they hold.

    Parameters
    ----------
    event : dict or streamlit PlotlyState or None
    shape : tuple of int
    spacing : (float, float)

    Returns
    -------
    list of ((int, int), (int, int))
        One per box, in drawing order, ordered low to high and clipped to the
        image; a box wholly outside the image is dropped.

    Examples
    --------
    >>> selected_boxes({"selection": {"box": [{"x": [7.6, 2.2], "y": [-3, 4.4]}]}}, (10, 10))
    [((0, 4), (3, 7))]
    """
    boxes = []
    for box in _selection(event).get("box", []) or []:
        try:
            xs, ys = [float(v) for v in box["x"]], [float(v) for v in box["y"]]
        except (KeyError, TypeError, ValueError):
            continue
        if len(xs) < 2 or len(ys) < 2 or not np.all(np.isfinite(xs + ys)):
            continue
        top, bottom = min(ys) / spacing[0], max(ys) / spacing[0]
        left, right = min(xs) / spacing[1], max(xs) / spacing[1]
        if bottom < 0 or right < 0 or top > shape[0] - 1 or left > shape[1] - 1:
            continue
        rows = (int(np.clip(np.ceil(top), 0, shape[0] - 1)), int(np.clip(np.floor(bottom), 0, shape[0] - 1)))
        cols = (int(np.clip(np.ceil(left), 0, shape[1] - 1)), int(np.clip(np.floor(right), 0, shape[1] - 1)))
        if rows[0] <= rows[1] and cols[0] <= cols[1]:
            boxes.append((rows, cols))
    return boxes


def selected_lassos(event, shape: tuple[int, ...], spacing: tuple[float, float] = (1.0, 1.0)) -> list[np.ndarray]:
    """The drawn lassos of an event, each as its polygon's ``(row, col)`` vertices in pixels.

    Parameters
    ----------
    event : dict or streamlit PlotlyState or None
    shape : tuple of int
    spacing : (float, float)

    Returns
    -------
    list of (n, 2) numpy.ndarray
        Vertices clipped to the image, unrounded; lassos with fewer than 3
        vertices are dropped.
    """
    polygons = []
    for lasso in _selection(event).get("lasso", []) or []:
        try:
            xs, ys = np.asarray(lasso["x"], dtype=float), np.asarray(lasso["y"], dtype=float)
        except (KeyError, TypeError, ValueError):
            continue
        if xs.ndim != 1 or xs.shape != ys.shape:
            continue
        keep = np.isfinite(xs) & np.isfinite(ys)
        if keep.sum() < 3:
            continue
        polygons.append(_to_pixels(ys[keep], xs[keep], shape, spacing))
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

    A plotly heatmap cannot be selected, so a figure that takes clicks lays
    markers over it: every pixel of a small image, every k-th of a large one
    (at most `max_points`), the precise position then typed in a number box.

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
