"""The signal and background boxes of lesson 1, drawn on the picture (plotly box selection) or set with sliders.

The learner drags a box on the noisy picture; a callback turns the selection
into inclusive pixel rows and columns (`core.selection.selected_boxes`) and
moves the chosen region's two range sliders there, so the sliders stay the
precise, keyboard-reachable way to set the same boxes and always show where
the boxes are.
"""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.selection import selected_boxes

SIGNAL, BACKGROUND = "signal", "background"
COLOURS = {SIGNAL: "rgb(0,150,255)", BACKGROUND: "rgb(255,110,0)"}
"""Outline colours of the two boxes (blue signal, orange background), as on the page's captions."""

TARGET_KEY = "px-drag"
"""The control saying which box a drag on the picture sets."""

SLIDER_KEYS = {SIGNAL: ("sig-rows", "sig-cols"), BACKGROUND: ("bg-rows", "bg-cols")}
"""The URL-bound range sliders of each box: rows, then columns (inclusive first and last)."""

GRID_POINTS = 24
"""Invisible points per side laid over the picture, so plotly offers its box selection on an image."""


def apply_drawn_box(chart_key: str, shape: tuple[int, ...]) -> None:
    """Callback of the picture: move the chosen box's sliders to the last box drawn (nothing for an empty one).

    A box narrower than a pixel takes the pixel nearest its middle, so a short drag still sets a box.
    """
    boxes = selected_boxes(st.session_state.get(chart_key), shape, nearest=True)
    if not boxes:
        return
    rows_key, cols_key = SLIDER_KEYS[st.session_state.get(TARGET_KEY) or SIGNAL]
    st.session_state[rows_key], st.session_state[cols_key] = boxes[-1]


def regions_figure(rgb: np.ndarray, scale: float, boxes: dict[str, tuple[tuple[int, int], tuple[int, int]]],
                   png: bytes, height: int = 460) -> go.Figure:
    """The picture with the two boxes outlined, ready for drawing a new box on it.

    Parameters
    ----------
    rgb : numpy.ndarray
        The picture as shown (already zoomed by `scale`), for its size.
    scale : float
        Screen pixels per image pixel (`core.pixels.display_scale`): the axes
        count the image's own rows and columns.
    boxes : dict
        ``{"signal": (rows, cols), "background": (rows, cols)}``, inclusive pairs.
    png : bytes
        The picture as PNG (sent once, as the image's source).
    height : int
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    step = 1.0 / scale
    rows, cols = round(rgb.shape[0] * step), round(rgb.shape[1] * step)
    source = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    first = -0.5 + step / 2  # the centre of the first shown pixel, in image pixels
    figure = go.Figure(go.Image(source=source, x0=first, y0=first, dx=step, dy=step, hoverinfo="skip"))
    grid_r = np.linspace(0, rows - 1, min(rows, GRID_POINTS))
    grid_c = np.linspace(0, cols - 1, min(cols, GRID_POINTS))
    points_r, points_c = np.meshgrid(grid_r, grid_c, indexing="ij")
    figure.add_trace(go.Scatter(x=points_c.ravel(), y=points_r.ravel(), mode="markers", hoverinfo="skip",
                                marker={"opacity": 0, "size": 2}, showlegend=False, name="selection grid"))
    for name, ((r0, r1), (c0, c1)) in boxes.items():
        figure.add_shape(type="rect", x0=c0 - 0.5, x1=c1 + 0.5, y0=r0 - 0.5, y1=r1 + 0.5,
                         line={"color": COLOURS[name], "width": 3}, name=name)
    figure.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10}, dragmode="select", showlegend=False,
        xaxis={"range": [-0.5, cols - 0.5], "showgrid": False, "zeroline": False, "constrain": "domain",
               "title": "column"},
        yaxis={"range": [rows - 0.5, -0.5], "showgrid": False, "zeroline": False, "scaleanchor": "x",
               "constrain": "domain", "title": "row"},
        newselection={"line": {"color": "white", "dash": "dot", "width": 2}},
    )
    return figure
