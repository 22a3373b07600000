"""A table of the numbers a lesson is about: room-size in lecturer mode, interactive otherwise.

Streamlit draws ``st.dataframe`` on a canvas whose type no stylesheet reaches, so in lecturer mode the
numbers go into ``st.table`` (an HTML table the lecturer styles set at room size, 24 px at 1280 × 720),
formatted as the interactive table formats them. A large reference table (a header of 300 fields) stays
interactive: it is searched and sorted, not read from the back of a room.
"""

from __future__ import annotations

import pandas as pd

from ui.lesson import lecturer_mode
from ui.safe_text import table_text


def formatted(frame: pd.DataFrame, formats: dict[str, str]) -> pd.DataFrame:
    """The table with the named columns written as text with a format (``"{:.2f}"``); missing values left blank.

    Examples
    --------
    >>> formatted(pd.DataFrame({"a": [1.234, None], "b": ["x", "y"]}), {"a": "{:.1f}"})["a"].tolist()
    ['1.2', '']
    """
    shown = frame.copy()
    for column, pattern in formats.items():
        if column in shown:
            shown[column] = [pattern.format(v) if pd.notna(v) else "" for v in shown[column]]
    return shown


def numbers_table(container, frame: pd.DataFrame, formats: dict[str, str] | None = None, hide_index: bool = True,
                  **dataframe_kwargs) -> None:
    """Show `frame`: ``st.table`` at room size in lecturer mode, else ``st.dataframe`` (sortable, scrollable).

    Parameters
    ----------
    container : streamlit container
    frame : pandas.DataFrame
    formats : dict, optional
        Column -> format of its numbers in the room-size table (the interactive one formats through its
        ``column_config``).
    hide_index : bool
        Leave the row labels out.
    **dataframe_kwargs
        Passed to ``st.dataframe`` (``column_config``, ``height``, ``width`` ...).
    """
    if lecturer_mode():
        container.table(table_text(formatted(frame, formats or {})), hide_index=hide_index)
    else:
        container.dataframe(frame, hide_index=hide_index, **dataframe_kwargs)
