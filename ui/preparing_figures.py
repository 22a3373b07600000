"""The Preparing lesson's plotly figures: histograms (where hover teaches the values), the sigma sweep,
and the picture the learner draws a mask on (box or lasso selection).

Every other picture of the lesson is a PNG (`ui.images.picture`): plotly is kept for what the hover or the
selection teaches, so that a control change costs the learner's browser little.
"""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.io.png_writer import encode_png

METHOD_COLOURS = {"manual": "#d1242f", "otsu": "#1f6feb", "li": "#8250df", "yen": "#bf8700", "triangle": "#1a7f37",
                  "mean": "#57606a"}
"""One colour per threshold method, on the histograms and their legends."""

GREY, REGION = "#8b949e", "#1f6feb"
DRAW_GRID = 40
"""Invisible points per side under the drawing picture: plotly reports a box or lasso only over selectable points."""


def fmt(value: float) -> str:
    """A number as the lesson prints it (4 significant digits)."""
    return f"{value:.4g}"


def _bars(counts: np.ndarray, edges: np.ndarray, colour: str, name: str, show: bool = False) -> go.Bar:
    return go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), marker_color=colour, name=name,
                  showlegend=show, hovertemplate=f"{name}<br>value %{{x:.4g}}<br>%{{y}} pixels<extra></extra>")


def histogram_figure(counts: np.ndarray, edges: np.ndarray, title: str,
                     lines: list[tuple[float, str, str]] = (), height: int = 260) -> go.Figure:
    """A histogram (log counts) with vertical lines ``(value, label, colour)`` named in the legend.

    The first line is drawn solid and thicker (the chosen method), the others dotted.
    """
    top = float(max(counts.max(initial=1), 1)) * 1.5
    traces = [_bars(counts, edges, GREY, "image")]
    traces += [go.Scatter(x=[value, value], y=[0.7, top], mode="lines", name=label,
                          line={"color": colour, "width": 2.5 if n == 0 else 1.5, "dash": "solid" if n == 0 else "dot"},
                          hovertemplate=f"{label}<extra></extra>")
               for n, (value, label, colour) in enumerate(lines)]
    return go.Figure(data=traces, layout={
        "title": {"text": title}, "height": height + (40 if lines else 0), "bargap": 0, "showlegend": bool(lines),
        "legend": {"orientation": "h", "y": -0.3, "x": 0}, "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "yaxis": {"type": "log", "dtick": 1, "title": {"text": "pixels (log)"}}, "xaxis": {"title": {"text": "value"}}})


def region_figure(whole: np.ndarray, inside: np.ndarray, edges: np.ndarray, region: str) -> go.Figure:
    """The whole image's histogram and a region's, side by side on the same value axis (log counts)."""
    figure = make_subplots(rows=1, cols=2, shared_xaxes=True, horizontal_spacing=0.08,
                           subplot_titles=("the whole image", region))
    figure.add_trace(_bars(whole, edges, GREY, "whole image"), row=1, col=1)
    figure.add_trace(_bars(inside, edges, REGION, region), row=1, col=2)
    figure.update_yaxes(type="log", dtick=1)
    figure.update_yaxes(title_text="pixels (log)", row=1, col=1)
    figure.update_xaxes(title_text="value")
    figure.update_layout(height=320, bargap=0, margin={"l": 10, "r": 10, "t": 80, "b": 10},
                         title={"text": f"Histograms: the whole image and {region}", "y": 0.97, "yanchor": "top"})
    return figure


def overlaid_histograms(histograms: list[tuple[str, np.ndarray, np.ndarray]], title: str) -> go.Figure:
    """Several images' histograms as outlines on one log axis ``(name, counts, edges)``: how a filter reshapes them."""
    colours = (GREY, "#1f6feb", "#d1242f", "#1a7f37")
    traces = [go.Scatter(x=np.repeat(edges, 2)[1:-1], y=np.repeat(counts, 2), mode="lines", name=name,
                         line={"color": colours[n % len(colours)], "width": 2},
                         hovertemplate=f"{name}<br>value %{{x:.4g}}<br>%{{y}} pixels<extra></extra>")
              for n, (name, counts, edges) in enumerate(histograms)]
    return go.Figure(data=traces, layout={
        "title": {"text": title}, "height": 300, "legend": {"orientation": "h", "y": -0.3, "x": 0},
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "yaxis": {"type": "log", "title": {"text": "pixels (log)"}},
        "xaxis": {"title": {"text": "value"}}})


def otsu_histograms(panels: list[tuple[str, np.ndarray, np.ndarray, float | None]]) -> go.Figure:
    """The lecture's histograms in one figure, on one value axis: a panel per ``(title, counts, edges, Otsu threshold
    or None)``."""
    figure = make_subplots(rows=1, cols=len(panels), horizontal_spacing=0.06,
                           subplot_titles=[title for title, *_ in panels])
    for n, (title, counts, edges, threshold) in enumerate(panels, 1):
        figure.add_trace(_bars(counts, edges, GREY, title), row=1, col=n)
        if threshold is not None:
            top = float(max(counts.max(initial=1), 1)) * 1.5
            figure.add_trace(go.Scatter(x=[threshold, threshold], y=[0.7, top], mode="lines", showlegend=False,
                                        line={"color": METHOD_COLOURS["otsu"], "width": 2.5},
                                        hovertemplate=f"Otsu {fmt(threshold)}<extra></extra>"), row=1, col=n)
            figure.add_annotation(x=threshold, y=1, xref=f"x{n if n > 1 else ''}", yref="paper", text=f"Otsu {fmt(threshold)}",
                                  showarrow=False, xanchor="left", yanchor="top",
                                  font={"color": METHOD_COLOURS["otsu"]})
    figure.update_yaxes(type="log", dtick=1)
    figure.update_yaxes(title_text="pixels (log)", row=1, col=1)
    figure.update_xaxes(nticks=4)
    for n in range(2, len(panels) + 1):  # one value axis: the noise widens the histogram, the filter narrows it
        figure.update_xaxes(matches="x", row=1, col=n)
    figure.update_layout(height=280, bargap=0, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return figure


def sweep_figure(sweep: list[tuple[float, float, float]], sigma: float) -> go.Figure:
    """Dice against the Gaussian's sigma (Otsu after smoothing), with the learner's sigma marked."""
    return go.Figure(
        data=[go.Scatter(x=[r[0] for r in sweep], y=[r[2] for r in sweep], mode="lines+markers", name="Dice",
                         hovertemplate="sigma %{x}<br>Dice %{y:.4f}<extra></extra>")],
        layout={"title": {"text": "Gaussian sigma against Dice (Otsu after smoothing)"}, "height": 280,
                "xaxis": {"title": {"text": "sigma (pixels)"}}, "yaxis": {"title": {"text": "Dice"}},
                "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
                "shapes": [{"type": "line", "xref": "x", "yref": "paper", "x0": sigma, "x1": sigma, "y0": 0, "y1": 1,
                            "line": {"color": METHOD_COLOURS["manual"], "dash": "dot"}}],
                "annotations": [{"x": sigma, "y": 0, "xref": "x", "yref": "paper", "text": f" your sigma {sigma:g}",
                                 "showarrow": False, "xanchor": "left", "yanchor": "bottom",
                                 "font": {"color": METHOD_COLOURS["manual"]}}]})


def drawing_figure(grey: np.ndarray, shape: tuple[int, int]) -> go.Figure:
    """The picture to draw a mask on: the 8-bit image in pixel coordinates, box and lasso selection on.

    Parameters
    ----------
    grey : numpy.ndarray of uint8
        The picture as shown (possibly thinned: it is stretched over `shape`).
    shape : (int, int)
        Rows and columns of the image the lesson works on: the selection comes back in its pixels.
    """
    rows, cols = shape
    source = "data:image/png;base64," + base64.b64encode(encode_png(grey)).decode("ascii")
    dy, dx = rows / grey.shape[0], cols / grey.shape[1]
    grid_r, grid_c = np.meshgrid(np.linspace(0, rows - 1, DRAW_GRID), np.linspace(0, cols - 1, DRAW_GRID))
    return go.Figure(
        data=[go.Image(source=source, x0=(dx - 1) / 2, dx=dx, y0=(dy - 1) / 2, dy=dy,
                       hovertemplate="row %{y:.0f}, column %{x:.0f}<extra></extra>"),
              go.Scatter(x=grid_c.ravel(), y=grid_r.ravel(), mode="markers", marker={"opacity": 0, "size": 2},
                         hoverinfo="skip", showlegend=False)],
        layout={"height": 460, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "dragmode": "select",
                "xaxis": {"range": [-0.5, cols - 0.5], "showgrid": False, "zeroline": False, "constrain": "domain",
                          "title": {"text": "column"}},
                "yaxis": {"range": [rows - 0.5, -0.5], "showgrid": False, "zeroline": False, "scaleanchor": "x",
                          "constrain": "domain", "title": {"text": "row"}},
                "newselection": {"line": {"color": "#d1242f", "width": 2}}})
