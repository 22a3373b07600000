"""Training curves: a value per epoch in panels side by side (lesson 6's network, lesson 5's learned registration)."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

TRAINING, VALIDATION = "#1f6feb", "#d1242f"  # the colours of the data trained on and of the data kept apart


def epoch_curves(panels: list[tuple[str, list[tuple[str, list[float], str]]]], epochs: int,
                 legend_y: float = -0.25) -> go.Figure:
    """One panel per entry of `panels`, each with its series against the epoch, drawn as training goes.

    Parameters
    ----------
    panels : list of (title, series)
        `series` is a list of (name, values per epoch, colour). A name met again in a later panel is the same
        series (one legend entry for both).
    epochs : int
        The epochs the training will run: the x axis spans them all from the first epoch on.
    legend_y : float
        The horizontal legend's place under the panels (paper units).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    figure = make_subplots(rows=1, cols=len(panels), subplot_titles=[title for title, _ in panels])
    named = set()
    for col, (_, series) in enumerate(panels, start=1):
        for name, values, colour in series:
            figure.add_scatter(x=list(range(1, len(values) + 1)), y=list(values), name=name, mode="lines+markers",
                               line={"color": colour}, legendgroup=name, showlegend=name not in named, row=1, col=col)
            named.add(name)
    figure.update_xaxes(title="epoch", range=[0.5, max(epochs, 1) + 0.5])
    figure.update_layout(height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         legend={"orientation": "h", "y": legend_y})
    return figure
