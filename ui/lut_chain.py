"""The DICOM display path of the current image (Loading lesson): Modality LUT or rescale, VOI LUT or window.

`lut_chain_section` shows which path the file's header asks for, the value
of one probed pixel at every stage, the two steps as curves, and the whole
image as that path displays it. The numbers come from `core.io.lut`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from core import display
from core.io import lut
from core.text.alt_text import describe_image
from core.volume import Volume
from core.io.png_writer import encode_png
from ui.alt import show_figure, show_image
from ui.lesson import explain
from ui.safe_text import md, plain
from ui.viewer import PLOT_CONFIG

MAX_SHOWN_SIDE = 1024
"""The displayed image is thinned (every k-th pixel) to at most this many pixels a side."""

MODALITY_WORDS = {
    "Modality LUT": "a **Modality LUT**: a table gives the meaningful value of every stored value",
    "rescale": "a **rescale**: meaningful value = stored × slope + intercept",
    "none": "**nothing**: the stored values are already the meaningful ones",
}
VOI_WORDS = {
    "VOI LUT": "a **VOI LUT**: a table gives the display value of every meaningful value",
    "window": "a **window** (centre and width) that the file recommends",
    "none": "**no recommendation**: the course windows the values from their 1st to 99th percentile",
}


def step_names(path: lut.DisplayPath) -> tuple[str, str]:
    """The two steps of `path` as the figures name them: what the file asks for, or what is done without it."""
    modality = "no rescale" if path.modality_step == "none" else path.modality_step
    return modality, {"none": "auto window", "window": "the file's window"}.get(path.voi_step, path.voi_step)


def probe_inputs(volume: Volume, key: str) -> tuple[int, ...]:
    """Number inputs for a pixel of a 2D or 3D image (slice, row, column), keyboard-reachable."""
    shape = volume.spatial_shape
    axes = ("slice", "row", "column")[-len(shape):]
    columns = st.columns(len(shape))
    return tuple(int(column.number_input(axis.capitalize(), 0, n - 1, n // 2, key=f"{key}-{axis}"))
                 for column, axis, n in zip(columns, axes, shape))


def curves_figure(path: lut.DisplayPath, stored_range: tuple[float, float], value_range: tuple[float, float],
                  window: tuple[float, float] | None, probe: list[dict]) -> go.Figure:
    """The modality step and the VOI step side by side, the probed pixel marked on both."""
    modality, voi = step_names(path)
    figure = make_subplots(rows=1, cols=2, subplot_titles=(f"1 · modality step: {modality}",
                                                           f"2 · VOI step: {voi} → grey"))
    x, y = lut.modality_curve(path, *stored_range)
    figure.add_trace(go.Scatter(x=x, y=y, mode="lines", name=modality), row=1, col=1)
    x, y = lut.voi_curve(path, *value_range, window)
    figure.add_trace(go.Scatter(x=x, y=y, mode="lines", name=voi,
                                line={"shape": "hv" if path.voi_lut is not None else "linear"}), row=1, col=2)
    stored, meaningful, grey = probe[0]["value"], probe[1]["value"], probe[-1]["value"]
    marker = {"symbol": "circle-open", "size": 14, "color": "#ff3b30", "line": {"width": 3}}
    figure.add_trace(go.Scatter(x=[stored], y=[meaningful], mode="markers", marker=marker, name="probed pixel"),
                     row=1, col=1)
    figure.add_trace(go.Scatter(x=[meaningful], y=[grey], mode="markers", marker=marker, name="probed pixel ",
                                showlegend=False), row=1, col=2)
    figure.update_xaxes(title_text="stored value", row=1, col=1)
    figure.update_yaxes(title_text="meaningful value", row=1, col=1)
    figure.update_xaxes(title_text="meaningful value", row=1, col=2)
    figure.update_yaxes(title_text="grey (0-255)", range=[-5, 260], row=1, col=2)
    figure.update_layout(height=340, margin={"l": 10, "r": 10, "t": 70, "b": 10}, showlegend=False,
                         title=f"Display path: {modality}, then {voi}")
    return figure


def lut_chain_section(volume: Volume, index: tuple[int, ...] | None = None, key: str = "lut-chain") -> None:
    """Which display path the current DICOM takes, and one pixel's value through each of its stages.

    Parameters
    ----------
    volume : Volume
        The current image. For anything but a grey DICOM image the section
        says there is no such path and shows nothing else.
    index : tuple of int, optional
        The probed pixel, an index into ``volume.data`` (the lesson's probe);
        when None the section has its own number inputs.
    key : str
        Prefix of the widget keys.
    """
    st.subheader("The file's own display path: LUTs or rescale and window")
    path = volume.display_path
    if path is None:
        st.info("This image has no DICOM display path: only a grey DICOM file says how its values become greys "
                "(a colour image, a series rescaled slice by slice, NIfTI and everyday formats do not). Pick "
                "**LUT test: Modality LUT** or **LUT test: VOI LUT** in the sidebar to see one.",
                icon=":material/info:")
        return
    explain("A DICOM file says how to display it in two steps: the **modality step** turns stored values into "
            "meaningful ones (a Modality LUT table, or the rescale), the **VOI step** (values of interest) turns "
            "those into display values (a VOI LUT table, or a window). A MONOCHROME1 image is then inverted. "
            "pydicom does the same with `apply_modality_lut` and `apply_voi_lut`.")
    left, right = st.columns(2)
    left.markdown(f"**1 · Modality step** · {MODALITY_WORDS[path.modality_step]}.")
    right.markdown(f"**2 · VOI step** · {VOI_WORDS[path.voi_step]}.")
    for column, table in ((left, path.modality_lut), (right, path.voi_lut)):
        if table is not None:
            column.caption(f"{len(table.table)} entries for inputs {table.first} to {table.first + len(table.table) - 1}"
                           f", {table.bits}-bit output" + (f" · “{md(table.explanation)}”" if table.explanation else ""))
    if index is None:
        index = probe_inputs(volume, key)
    stored_array = volume.stored if volume.stored is not None else volume.data
    plane = stored_array[index[0]] if volume.is_3d else stored_array
    values = lut.modality_values(plane, path)
    window = None if path.voi_lut is not None or path.window is not None else display.auto_window(values)
    rows = lut.chain_at(float(stored_array[index]), path, window)
    st.table(pd.DataFrame(rows).assign(value=lambda frame: frame["value"].map(lambda v: f"{v:.6g}")),
             hide_index=True)
    st.caption(f"The probed pixel {tuple(int(i) for i in index)}: its stored value through each stage of the "
               "path, to the grey the screen shows.")
    stored_range = (float(np.min(plane)), float(np.max(plane)))
    value_range = (float(np.min(values)), float(np.max(values)))
    figure = curves_figure(path, stored_range, value_range, window, rows)
    show_figure(st, figure, config=PLOT_CONFIG, key=f"{key}-curves")  # alt text: core.text.alt_text.figure_alt
    step = max(1, int(np.ceil(max(plane.shape) / MAX_SHOWN_SIDE)))
    grey = lut.voi_grey(values[::step, ::step], path, window)
    subject = plain(f"{volume.name} through its " + " and ".join(step_names(path)))
    show_image(st, encode_png(grey), describe_image(grey, subject), output_format="PNG", width="content",
               caption="The image as the file's own path displays it"
                       + (f" (every {step}th pixel)" if step > 1 else "") + ".")
