"""Plotly figures built from plain dicts, for charts a slider redraws on every step."""

from __future__ import annotations


def unchecked_figure(spec: dict):
    """A plotly Figure made from ``{"data": [...], "layout": {...}}`` without checking each property.

    Plotly checks every property of a figure it builds from its graph
    objects: about 8 ms for a histogram of two curves, on each step of a
    slider that redraws it. A figure built here skips that check (plotly's
    ``_validate=False``, a tenth of the time); the tests check each such
    figure by building it again with the check, ``go.Figure(figure.to_plotly_json())``.

    Parameters
    ----------
    spec : dict
        The figure's data (a list of traces, each with its ``"type"``) and layout.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> unchecked_figure({"data": [{"type": "bar", "y": [1, 2]}]}).data[0].y
    (1, 2)
    """
    import plotly.graph_objects as go

    return go.Figure(spec, _validate=False)

