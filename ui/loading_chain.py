"""From the file to the screen, one pixel (Loading lesson): click a pixel, or type its place, and follow its value.

stored value → rescale (modality LUT) → physical value (HU for CT) → window → displayed grey, at the probed
pixel, ringed on its image. The picture takes a click (plotly point selection); the number boxes are the
keyboard's way and follow the click. Every control is bound to the URL, so a link reopens the same pixel.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core import describe
from core.selection import click_grid, selected_points
from core.text.alt_text import describe_image
from core.volume import Volume
from ui.alt import show_figure
from ui.images import grey_ends
from ui.lesson import explain
from ui.memo import session_memo
from ui.viewer import PLOT_CONFIG, colour_figure, heatmap_figure, image_id, start_over_on_new_image

AXIS_KEYS = {"time": "probe_time", "slice": "probe_slice", "row": "probe_row", "column": "probe_col"}
"""The probe's number boxes, one per axis: their keys are the link's parameters."""
WIDTH_KEY, LEVEL_KEY = "chain_width", "chain_level"
CHART_KEY = "probe_figure"
IMAGE_KEY = "probe-for"
"""Which image the probe's state belongs to: another image starts again from its centre."""

MARKER = {"symbol": "circle-open", "size": 18, "color": "#ff3b30", "line": {"width": 3}, "showscale": False}
CLICK_SIDE = 128
"""The clickable grid has at most this many points squared (every pixel of an image up to 128 × 128)."""


def _picture(volume: Volume, index: tuple[int, ...]) -> np.ndarray:
    """The 2D image (grey, or colour with its channels last) that holds the probed pixel."""
    return np.asarray(volume.data[tuple(index[:-2])] if len(index) > 2 else volume.data)


def probe_figure(volume: Volume, index: tuple[int, ...], width: float, level: float) -> go.Figure:
    """The picture holding the probed pixel, windowed as the value chain says, ringed at the pixel and clickable.

    A transparent grid of points (`core.selection.click_grid`: every pixel of an image up to `CLICK_SIDE`
    squared, every n-th beyond) takes the click and carries the hover values; the ring marks the probed pixel.

    Parameters
    ----------
    volume : Volume
        The image.
    index : tuple of int
        The probed index into ``volume.data`` (time point first for 4D, slice first for 3D).
    width, level : float
        The window of the value chain.
    """
    row, col = int(index[-2]), int(index[-1])
    image = _picture(volume, index)
    unit = "HU" if volume.modality == "CT" else "value"
    if volume.rgb:
        figure = colour_figure(image, "click a pixel to probe it (ring)")
    else:
        figure = heatmap_figure(image, volume.pixel_spacing, width, level, "click a pixel to probe it (ring)",
                                value_label=unit, invert=volume.low_values_white)
    figure.update_traces(hoverinfo="skip", hovertemplate=None)  # the grid below carries the values
    rows, cols = click_grid(image.shape, CLICK_SIDE ** 2)
    values = image[rows, cols]
    if volume.rgb:
        custom = values[:, :3]
        hover = "row %{y}, col %{x}<br>red %{customdata[0]}, green %{customdata[1]}, blue %{customdata[2]}"
    else:
        custom = values.astype(np.float32)
        hover = f"row %{{y}}, col %{{x}}<br>{unit} %{{customdata:.6g}}"
    figure.add_trace(go.Scattergl(
        x=cols, y=rows, customdata=custom, mode="markers", name="pixels", showlegend=False,
        marker={"size": 6, "color": "rgba(0, 0, 0, 0)", "showscale": False}, hovertemplate=hover + "<extra>click to probe</extra>",
        selected={"marker": {"opacity": 0}}, unselected={"marker": {"opacity": 0}}))
    figure.add_trace(go.Scatter(x=[col], y=[row], mode="markers", marker=MARKER, name="probe", hoverinfo="skip",
                                showlegend=False))
    figure.update_layout(height=460, hovermode="closest", clickmode="event+select", dragmode="zoom")
    return figure


def probe_index(volume: Volume) -> tuple[int, ...]:
    """The probed index into ``volume.data``, as the number boxes hold it (the centre until the learner moves it).

    Other sections of the lesson (the code, the questions) read it without drawing the probe.
    """
    if st.session_state.get(IMAGE_KEY) not in (None, image_id(volume)):
        return describe.centre_index(volume)
    return tuple(
        int(min(max(int(st.session_state.get(AXIS_KEYS[axis], centre)), 0), n - 1))
        for axis, n, centre in zip(describe.probe_axes(volume), describe.probe_limits(volume),
                                   describe.centre_index(volume)))


def _starting_state(volume: Volume) -> dict:
    """The probe at the image's centre, the window at its default (another image than last time)."""
    centre = describe.centre_index(volume)
    state = {AXIS_KEYS[axis]: value for axis, value in zip(describe.probe_axes(volume), centre)}
    if not volume.rgb:
        state[WIDTH_KEY], state[LEVEL_KEY] = _default_window(volume, centre[0] if volume.is_4d else 0)
    return state


def _default_window(volume: Volume, t: int) -> tuple[float, float]:
    """`core.describe.chain_window` of time point `t`, once per image (percentiles of a volume take a while)."""
    return session_memo("loading-chain", (image_id(volume), t), lambda: describe.chain_window(volume, volume.frame(t)))


def _follow_click(shape: tuple[int, int]) -> None:
    """The chart's callback: the last pixel clicked inside the picture becomes the number boxes' row and column."""
    pixels = selected_points(st.session_state.get(CHART_KEY), shape, drop_outside=True)
    if len(pixels):
        st.session_state[AXIS_KEYS["row"]], st.session_state[AXIS_KEYS["column"]] = (int(v) for v in pixels[-1])


def _probe_controls(volume: Volume) -> tuple[int, ...]:
    """One number box per axis (time point, slice, row, column), bound to the URL."""
    axes, limits, centre = describe.probe_axes(volume), describe.probe_limits(volume), describe.centre_index(volume)
    columns = st.columns(len(axes))
    return tuple(
        int(column.number_input("Time point" if axis == "time" else axis.capitalize(), 0, n - 1, start,
                                key=AXIS_KEYS[axis], bind="query-params"))
        for column, axis, n, start in zip(columns, axes, limits, centre))


def value_chain_section(volume: Volume, explanation: str, colour_note: str) -> tuple[int, ...]:
    """Probe one pixel and follow its value from the file to the screen; returns the probed index.

    Parameters
    ----------
    volume : Volume
        The image.
    explanation, colour_note : str
        The lesson's fixed words for the chain, and for a colour pixel (which has no chain).
    """
    start_over_on_new_image(IMAGE_KEY, volume, lambda: _starting_state(volume))
    st.header("From the file to the screen, one pixel")
    explain(explanation)
    index = _probe_controls(volume)
    image = _picture(volume, index)
    shape = image.shape[:2]
    picture_col, numbers_col = st.columns([3, 2])  # the picture beside its numbers: one screen, click and read
    if volume.rgb:
        r, g, b = (float(v) for v in volume.data[index])
        numbers_col.markdown(f"{colour_note} Here: **red {r:g}, green {g:g}, blue {b:g}**.")
        figure = probe_figure(volume, index, 1.0, 0.0)
        alt = describe_image(image, f"Colour image with the probed pixel ringed at row {index[-2]}, column {index[-1]}")
    else:
        width, level = _default_window(volume, index[0] if volume.is_4d else 0)
        wcol, lcol = numbers_col.columns(2)
        width = wcol.number_input("Window width", min_value=1e-6, value=width, key=WIDTH_KEY, bind="query-params")
        level = lcol.number_input("Window level", value=level, key=LEVEL_KEY, bind="query-params")
        chain = describe.value_chain(volume, index, width, level)
        numbers_col.metric("Stored value", f"{chain['stored']:.6g}")
        if chain["lut"]:  # a table, not a line: the LUT section below shows it
            numbers_col.metric("Modality LUT", "table lookup")
        else:
            numbers_col.metric("× slope + intercept", f"× {chain['slope']:.6g} + {chain['intercept']:.6g}")
        numbers_col.metric("Physical value", f"{chain['physical']:.6g}")
        numbers_col.metric("Displayed grey", f"{chain['grey']}")
        low, inverted = level - width / 2, volume.low_values_white
        ends = grey_ends(inverted)
        numbers_col.caption(
            f"Window: values from {low:.6g} ({ends[0]}) to {low + width:.6g} ({ends[1]}). "
            f"Grey = {'255 − ' if inverted else ''}clip(({chain['physical']:.6g} − {low:.6g}) / {width:.6g} × 255) = "
            f"{chain['grey']}" + (" (MONOCHROME1: inverted, as the picture shows it)." if inverted else "."))
        figure = probe_figure(volume, index, width, level)
        alt = describe_image(image, f"Image windowed {width:.4g}/{level:.4g} (width/level) with the probed pixel "
                                    f"ringed at row {index[-2]}, column {index[-1]}: stored {chain['stored']:.6g}, "
                                    f"physical {chain['physical']:.6g}, grey {chain['grey']}")
    show_figure(picture_col, figure, alt, config=PLOT_CONFIG, key=CHART_KEY, on_select=lambda: _follow_click(shape),
                selection_mode="points")
    return index
