"""Pictures and figures with a text alternative: the one way lessons show an image or a plotly figure.

Streamlit 1.67's ``st.image`` and ``st.plotly_chart`` take ``alt``, which becomes
the image's alt attribute or the chart's accessible name. These helpers make it
required (a test walks the code: every ``.image(`` call passes ``alt``), and put
a figure's numbers in a table for screen readers where they matter. The texts
come from core.text.alt_text, made from the data. In lecturer mode every figure is sized for the room
(ui.room.size_for_room) here, so no lesson has to do it figure by figure.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.text.alt_text import figure_alt, figure_numbers
from ui.room import lecturer_mode, size_for_room
from ui.safe_text import table_text


TABLE_ROWS = 200
"""At most this many rows per trace in a figure's table (a long curve is thinned evenly)."""


def show_image(container, image, alt: str, caption: str | None = None, **kwargs) -> None:
    """``container.image`` with a required, non-empty text alternative.

    Parameters
    ----------
    container : streamlit container (st, a column, an expander ...)
    image : array or PNG bytes, as st.image takes it
    alt : str
        What the picture shows, made from its data (core.text.alt_text); never empty.
    caption : str, optional
        The visible caption (independent of alt: Streamlit never uses one for the other).
    **kwargs
        Passed to ``st.image`` (width, output_format ...).
    """
    if not alt or not alt.strip():
        raise ValueError("an image needs a text alternative that says what it shows")
    container.image(image, caption=caption, alt=alt, **kwargs)


def show_figure(container, figure, alt: str | None = None, table: bool = False, **kwargs):
    """``container.plotly_chart`` whose accessible name describes the figure from its data.

    In lecturer mode the figure shown is `size_for_room` of it (type of at least 24 px, margins to fit);
    the alternative text and the table are the same in both modes.

    Parameters
    ----------
    container : streamlit container
    figure : plotly.graph_objects.Figure
    alt : str, optional
        Defaults to core.text.alt_text.figure_alt of the figure (its title, axes and each trace's
        extent); pass one that carries the lesson's point where there is one.
    table : bool
        Also offer the figure's numbers as a table in a collapsed expander (for figures whose
        numbers matter: curves, histograms, metrics).
    **kwargs
        Passed to ``st.plotly_chart`` (config, key ...).
    """
    text = alt if alt and alt.strip() else figure_alt(figure.to_plotly_json())
    shown = container.plotly_chart(size_for_room(figure) if lecturer_mode() else figure, alt=text, **kwargs)
    if table:
        rows = figure_numbers(figure.to_plotly_json(), limit=TABLE_ROWS)
        if rows:
            numbers_table(container, pd.DataFrame(rows))
    return shown


def numbers_table(container, frame: pd.DataFrame, label: str = "The figure's numbers, as a table") -> None:
    """A figure's numbers in a collapsed expander, as a table a screen reader reads cell by cell."""
    if "x" in frame and frame["x"].map(type).nunique() > 1:
        frame = frame.assign(x=frame["x"].astype(str))  # numbers and category labels in one column
    with container.expander(label, icon=":material/table:"):
        st.table(table_text(frame), hide_index=True)  # a plain HTML table: read cell by cell, unlike the canvas of st.dataframe
