"""Plotly figures of the page "How a computer sees an image": grids of values, colour grids, level histograms."""

from __future__ import annotations

import copy
import functools

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.basics import to_grey
from core.pixels import cell_labels

GAP_COLOUR = "#c4ccd4"
"""Seen between the cells, so white cells stay visible on a white page."""

CHANNEL_SCALES = {
    "red": [[0, "black"], [1, "rgb(255,0,0)"]],
    "green": [[0, "black"], [1, "rgb(0,255,0)"]],
    "blue": [[0, "black"], [1, "rgb(0,0,255)"]],
    "grey": "gray",
    "grey inverted": [[0, "white"], [1, "black"]],  # MONOCHROME1: low values white
}


ROOM_TEXT = 24
"""Cell text in lecturer mode, in pixels: readable from the back of a room on a 1280 × 720 projector."""


def _font_size(labels: np.ndarray, cells: int, room: bool = False) -> int:
    """Small enough for the longest label to fit its cell in a narrow column; at least `ROOM_TEXT` for a room."""
    if room:
        return ROOM_TEXT + (2 if cells <= 6 else 0)  # a 6 × 6 grid has room for larger numbers
    longest = max((len(s) for s in labels.ravel()), default=1)
    size = 14 if cells <= 6 else 12
    return size - (2 if longest > 3 else 0) - (1 if longest > 4 else 0) - (1 if longest > 5 else 0)


def for_the_room(figure: go.Figure, room: bool) -> go.Figure:
    """In lecturer mode, axis numbers and titles sized for a room (the cells' text is sized by each builder)."""
    if room:
        top = figure.layout.margin.t or 0
        figure.update_layout(font_size=18, title_font_size=22, margin_t=top + 25 if figure.layout.title.text else top)
    return figure


def _grid_axes(rows: np.ndarray, cols: np.ndarray) -> tuple[dict, dict]:
    """x and y axes of a grid: columns along the top, rows downwards, square cells, a tick per row and column."""
    x = {"side": "top", "constrain": "domain", "tickmode": "array", "tickvals": cols, "showgrid": False,
         "zeroline": False}
    y = {"autorange": "reversed", "constrain": "domain", "tickmode": "array", "tickvals": rows, "showgrid": False,
         "zeroline": False}
    return x, y


def _axes(figure: go.Figure, rows: np.ndarray, cols: np.ndarray, height: int, title: str,
          square: bool = True) -> go.Figure:
    x, y = _grid_axes(rows, cols)
    figure.update_layout(  # scaleanchor False: free cells, even under an image trace (square by default)
        xaxis={**x, "title": "column"}, yaxis={**y, "title": "row", "scaleanchor": "x" if square else False},
        title={"text": title, "y": 0.99, "yref": "container", "yanchor": "top"} if title else None,
        height=height, margin={"l": 10, "r": 10, "t": 95 if title else 50, "b": 10}, plot_bgcolor=GAP_COLOUR)
    return figure


def _heatmap(values: np.ndarray, rows: np.ndarray, cols: np.ndarray, zmin: float | None, zmax: float | None,
             scale: str, room: bool = False) -> go.Heatmap:
    """Cells coloured by value, each with its number printed."""
    values = np.asarray(values, dtype=np.float64)
    labels = cell_labels(values)
    finite = values[np.isfinite(values)]
    lo = zmin if zmin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = zmax if zmax is not None else (float(finite.max()) if finite.size else 1.0)
    if hi <= lo:
        hi = lo + 1.0
    return go.Heatmap(
        z=values, x=cols, y=rows, text=labels, texttemplate="%{text}", colorscale=CHANNEL_SCALES[scale],
        zmin=lo, zmax=hi, showscale=False, xgap=1, ygap=1,
        textfont={"size": _font_size(labels, max(values.shape), room)},
        hovertemplate="row %{y}, column %{x}<br>value %{text}<extra></extra>",
    )


def value_grid(values: np.ndarray, top: int = 0, left: int = 0, zmin: float | None = None,
               zmax: float | None = None, title: str = "", scale: str = "grey", height: int = 480,
               room: bool = False) -> go.Figure:
    """A small grey (or one-channel) array as coloured cells with each value printed in its cell.

    Parameters
    ----------
    values : (rows, cols) numpy.ndarray
    top, left : int
        Row and column numbers of the first cell (the window's place in the image).
    zmin, zmax : float, optional
        Values shown black and full colour (the array's range when not given).
    title : str
    scale : str
        A name in `CHANNEL_SCALES`: "grey", "grey inverted", "red", "green" or "blue".
    height : int
        Pixels.
    room : bool
        For a room (lecturer mode): cell text of `ROOM_TEXT` pixels, and cells as wide as the
        column allows rather than square, so five-digit values fit on a 1280 × 720 projector.
    """
    rows = np.arange(top, top + np.shape(values)[0])
    cols = np.arange(left, left + np.shape(values)[1])
    figure = go.Figure(_heatmap(values, rows, cols, zmin, zmax, scale, room))
    return _axes(figure, rows, cols, height, title, square=not room)


@functools.lru_cache(maxsize=8)
def _side_by_side(count: int) -> dict:
    """The layout of `count` subplots in a row, as plotly's make_subplots builds it (made once per count)."""
    layout = make_subplots(rows=1, cols=count, subplot_titles=["-"] * count, horizontal_spacing=0.06).layout
    return {name: value for name, value in layout.to_plotly_json().items() if name != "template"}


def grids_figure(panels: list[dict], height: int = 360, room: bool = False) -> go.Figure:
    """Several small grids side by side in one figure (one chart to draw instead of several).

    The figure is built in one go from plain dictionaries: plotly's incremental updates (one per axis and
    panel) took about a third of the Pixels page's run.

    Parameters
    ----------
    panels : list of dict
        Each with ``values`` (2D array) and optionally ``title``, ``scale``
        (a name in `CHANNEL_SCALES`), ``zmin``, ``zmax``, ``top``, ``left``.
    height : int
        Pixels.
    room : bool
        Cell text of `ROOM_TEXT` pixels (lecturer mode).
    """
    layout = copy.deepcopy(_side_by_side(len(panels)))
    traces, titles, previous_rows = [], [], None
    for number, (panel, annotation) in enumerate(zip(panels, layout.pop("annotations")), start=1):
        values = np.asarray(panel["values"])
        rows = np.arange(panel.get("top", 0), panel.get("top", 0) + values.shape[0])
        cols = np.arange(panel.get("left", 0), panel.get("left", 0) + values.shape[1])
        suffix = "" if number == 1 else str(number)
        trace = _heatmap(values, rows, cols, panel.get("zmin"), panel.get("zmax"), panel.get("scale", "grey"), room)
        trace.update(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
        traces.append(trace)
        x, y = _grid_axes(rows, cols)
        layout[f"xaxis{suffix}"].update(x)
        layout[f"yaxis{suffix}"].update(y, scaleanchor=f"x{suffix}")
        if previous_rows is not None and np.array_equal(rows, previous_rows):  # read them on the left panel: here
            layout[f"yaxis{suffix}"]["showticklabels"] = False                  # they would sit in the gap
        previous_rows = rows
        if panel.get("title"):
            titles.append({**annotation, "text": panel["title"], "yshift": 40 if room else 28})
    layout.update(annotations=titles, height=height, margin={"l": 10, "r": 10, "t": 85 if room else 70, "b": 10},
                  plot_bgcolor=GAP_COLOUR)
    return go.Figure(data=traces, layout=layout)


def colour_grid(rgb: np.ndarray, values: np.ndarray | None = None, top: int = 0, left: int = 0,
                title: str = "", height: int = 480, room: bool = False) -> go.Figure:
    """A small colour array as cells, each labelled with its red, green and blue values.

    Parameters
    ----------
    rgb : (rows, cols, 3) numpy.ndarray of uint8
        What the cells look like.
    values : (rows, cols, 3) numpy.ndarray, optional
        The numbers to print (the stored values; `rgb` when not given).
    top, left : int
        Row and column numbers of the first cell.
    title : str
    height : int
    room : bool
        Cell text of `ROOM_TEXT` pixels and cells as wide as the column allows (lecturer mode).
    """
    values = rgb if values is None else values
    labels = cell_labels(values)
    text = np.array([["<br>".join(labels[i, j, :3]) for j in range(labels.shape[1])]
                     for i in range(labels.shape[0])])
    luminance = to_grey(rgb)  # light cells get dark text
    colours = np.where(luminance > 110, "black", "white")
    rows = np.arange(top, top + rgb.shape[0])
    cols = np.arange(left, left + rgb.shape[1])
    grid_r, grid_c = np.meshgrid(rows, cols, indexing="ij")
    longest = max((len(s) for s in labels.ravel()), default=1)
    size = ROOM_TEXT if room else (11 if max(rgb.shape[:2]) <= 8 else 9) - (1 if longest > 3 else 0)
    if room:  # three lines of ROOM_TEXT in every cell: rows tall enough that they do not run into each other
        height = max(height, rgb.shape[0] * (3 * ROOM_TEXT * 1.4 + 10) + 130)
    figure = go.Figure(go.Image(z=rgb[..., :3], x0=left, y0=top, dx=1, dy=1, hoverinfo="skip"))
    figure.add_trace(go.Scatter(
        x=grid_c.ravel(), y=grid_r.ravel(), mode="text", text=text.ravel(),
        textfont={"color": colours.ravel().tolist(), "size": size},
        hovertemplate="row %{y}, column %{x}<br>R, G, B %{text}<extra></extra>", showlegend=False,
    ))
    return _axes(figure, rows, cols, height, title, square=not room)


def level_histogram_figure(starts: np.ndarray, counts: list[tuple[str, np.ndarray]], per_bin: int,
                           bits: int, height: int = 320) -> go.Figure:
    """Bars of pixel counts per level (or per group of levels), one trace per channel.

    Parameters
    ----------
    starts : numpy.ndarray
        First level of each bar.
    counts : list of (str, numpy.ndarray)
        A name ("grey", "red"...) and the counts per bar.
    per_bin : int
        Levels per bar.
    bits : int
        The bit depth (for the title).
    height : int
    """
    colours = {"grey": "#555555", "red": "#d62728", "green": "#2ca02c", "blue": "#1f77b4"}
    figure = go.Figure()
    for name, values in counts:
        figure.add_trace(go.Bar(
            x=starts + (per_bin - 1) / 2, y=values, name=name, customdata=starts, marker_color=colours.get(name, "#555555"),
            opacity=0.75 if len(counts) > 1 else 1.0, width=per_bin,
            hovertemplate=("level %{customdata}" if per_bin == 1 else f"levels from %{{customdata}} ({per_bin} levels)")
            + "<br>%{y} values<extra>" + name + "</extra>",
        ))
    firsts = [float(np.max(v)) for _, v in counts]
    seconds = [float(np.sort(v)[-2]) if len(v) > 1 else 0.0 for _, v in counts]
    cap = max(seconds)
    if max(firsts) > 5 * max(cap, 1):  # one level (often the background) dwarfs the rest: cut its bar
        values = counts[int(np.argmax(firsts))][1]
        where = int(np.argmax(values))
        figure.update_yaxes(range=[0, cap * 1.4])
        figure.add_annotation(x=float(starts[where] + (per_bin - 1) / 2), y=cap * 1.3, showarrow=False,
                              xanchor="left", text=f" ↑ {int(values[where]):,} (bar cut)")
    group = "" if per_bin == 1 else f" (bars of {per_bin} levels)"
    figure.update_layout(
        barmode="overlay", bargap=0, height=height, showlegend=len(counts) > 1,
        title={"text": f"Histogram of the {2 ** bits} levels{group}"},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis={"title": "level", "range": [-0.5 * per_bin, 2 ** bits - 0.5 * per_bin]},
        yaxis={"title": "pixels"},
    )
    return figure
