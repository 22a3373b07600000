"""The probed pixel marked on its image (Loading lesson: from the file to the screen)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.volume import Volume
from ui.viewer import colour_figure, heatmap_figure

MARKER = {"symbol": "circle-open", "size": 18, "color": "#ff3b30", "line": {"width": 3}}


def probe_figure(volume: Volume, index: tuple[int, ...], width: float, level: float) -> go.Figure:
    """The 2D image holding the probed pixel, windowed as the value chain says, with a ring on the pixel.

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
    image = np.asarray(volume.data[tuple(index[:-2])] if len(index) > 2 else volume.data)
    if volume.rgb:
        figure = colour_figure(image, "the probed pixel (ring)")
    else:
        figure = heatmap_figure(image, volume.pixel_spacing, width, level, "the probed pixel (ring)",
                                value_label="HU" if volume.modality == "CT" else "value")
    figure.add_trace(go.Scatter(x=[col], y=[row], mode="markers", marker=MARKER, name="probe",
                                hovertemplate=f"probe: row {row}, col {col}<extra></extra>", showlegend=False))
    figure.update_layout(height=360)
    return figure
