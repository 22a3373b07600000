"""Lesson 5's plotly figures: where hover teaches (the metric per iteration, the loss landscapes, the maps' values).

Each builder takes numbers and returns a `plotly.graph_objects.Figure`; the
pages show them through `ui.alt.show_figure`.
"""

from __future__ import annotations

import numpy as np
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

METRIC_SHORT = {"ssd": "SSD", "mattes_mi": "MI", "correlation": "correlation"}
"""The short names of `core.registration.METRICS` on figures."""


def history_figure(history: list[float], levels: list[tuple[int, str]], title: str) -> go.Figure:
    """The metric against iteration, one colour per stage and resolution level, a dashed line where each starts.

    Parameters
    ----------
    history : list of float
        `RegistrationResult.metric_history`.
    levels : list of (int, str)
        `RegistrationResult.levels`: where each stage and level starts.
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
    """
    figure = go.Figure()
    palette = px.colors.qualitative.D3
    bounds = [start for start, _ in levels] + [len(history)]
    if not levels:
        levels, bounds = [(0, "metric")], [0, len(history)]
    for n, (start, label) in enumerate(levels):
        x = np.arange(start + 1, bounds[n + 1] + 1)
        figure.add_trace(go.Scatter(x=x, y=history[start:bounds[n + 1]], mode="lines", name=label,
                                    line={"color": palette[n % len(palette)]},
                                    hovertemplate=f"{label}<br>iteration %{{x}}<br>metric %{{y:.6g}}<extra></extra>"))
        if n:
            figure.add_vline(x=start + 0.5, line={"dash": "dash", "width": 1, "color": "#888"})
    figure.update_layout(title=title, height=340, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         xaxis_title="iteration", yaxis_title="metric (lower is better)")
    return figure


def landscape_figure(curves: dict, offsets: list[float], sweep: str) -> tuple[go.Figure, dict]:
    """The scaled SSD and MI curves side by side for the two contrasts, and each curve's lowest offset.

    Parameters
    ----------
    curves : dict
        `core.registration.aligned_landscapes`.
    offsets : list of float
    sweep : str
        ``"shift"`` (mm) or ``"angle"`` (degrees).

    Returns
    -------
    figure : plotly.graph_objects.Figure
    lows : dict
        ``{(pair, metric): offset}`` where each curve is lowest.
    """
    figure = make_subplots(1, 2, subplot_titles=("same contrast", "other contrast (T1-like → T2-like)"))
    lows = {}
    for column, name in enumerate(("same contrast", "other contrast"), start=1):
        for key, colour in (("ssd", "#e45756"), ("mattes_mi", "#4c78a8")):
            values = np.array(curves[(name, key)])
            scaled = (values - values.min()) / max(np.ptp(values), 1e-12)
            lows[(name, key)] = offsets[int(np.argmin(values))]
            figure.add_trace(go.Scatter(x=offsets, y=scaled, mode="lines+markers", name=METRIC_SHORT[key],
                                        line={"color": colour}, showlegend=column == 1,
                                        hovertemplate="offset %{x}<br>loss (scaled) %{y:.3f}<extra></extra>"),
                             1, column)
        figure.add_vline(x=0, line={"dash": "dot", "color": "#2ca02c"}, row=1, col=column)
    figure.update_xaxes(title=f"offset from alignment ({'mm' if sweep == 'shift' else '°'})")
    figure.update_yaxes(title="loss, scaled to 0-1 (lower is better)", col=1)
    figure.update_layout(height=360, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return figure, lows


def deformation_maps(magnitude: np.ndarray, jacobian: np.ndarray, spacing: tuple[float, float]) -> go.Figure:
    """The non-linear displacement (mm) and the Jacobian determinant side by side, with their values on hover.

    The Jacobian's colours are centred on 1 and clipped to its 1st-99th percentiles.

    Parameters
    ----------
    magnitude : numpy.ndarray
        Length of the non-linear displacement at every pixel, mm.
    jacobian : numpy.ndarray
        `core.registration.jacobian_determinant` of it.
    spacing : (float, float)

    Returns
    -------
    plotly.graph_objects.Figure
    """
    maps = make_subplots(1, 2, subplot_titles=("non-linear displacement (mm)", "Jacobian determinant"),
                         horizontal_spacing=0.12)
    maps.add_trace(go.Heatmap(z=magnitude, colorscale="Viridis", colorbar={"x": 0.44, "thickness": 10},
                              hovertemplate="row %{y}, col %{x}<br>%{z:.2f} mm<extra></extra>"), 1, 1)
    low, high = np.percentile(jacobian, [1, 99])
    spread = max(abs(low - 1), abs(high - 1), 1e-3)
    maps.add_trace(go.Heatmap(z=jacobian, colorscale="RdBu_r", zmid=1.0, zmin=1 - spread, zmax=1 + spread,
                              colorbar={"thickness": 10},
                              hovertemplate="row %{y}, col %{x}<br>det %{z:.3f}<extra></extra>"), 1, 2)
    maps.update_yaxes(autorange="reversed", visible=False)
    maps.update_yaxes(scaleanchor="x", scaleratio=spacing[0] / spacing[1], row=1, col=1)
    maps.update_yaxes(scaleanchor="x2", scaleratio=spacing[0] / spacing[1], row=1, col=2)
    maps.update_xaxes(visible=False)
    maps.update_layout(height=400, margin={"l": 0, "r": 0, "t": 40, "b": 0})
    return maps
