"""User-controlled strings on the page: shown as text, never as Markdown, HTML or a link.

Every lesson and ui module shows a file name, a zip member or class-folder
name, or a header value through :func:`md` (anything Streamlit renders as
Markdown: headers, captions, errors, spinners, progress texts, metric and
widget labels, radio options) or :func:`plain` (Plotly labels). The escaping
itself lives in :mod:`core.text.safe_text`, so core's figure builders share it.
"""

from __future__ import annotations

import streamlit as st

from core.text.safe_text import MAX_SHOWN, csv_cell, html_table, md, plain, safe_csv, table_cell

__all__ = ["MAX_SHOWN", "csv_cell", "html_table", "md", "plain", "safe_csv", "error", "table_text"]


def error(message: object, **kwargs) -> None:
    """`st.error` with a message that may quote a file name or a header value, shown as text."""
    st.error(md(message, limit=None), **kwargs)


def table_text(frame):
    """`frame` (a pandas DataFrame) ready for ``st.table``, which renders every text cell, column name and row
    label as Markdown: each through `core.text.safe_text.table_cell`."""
    shown = frame.map(table_cell)
    shown.columns = [table_cell(c) for c in shown.columns]
    shown.index = [table_cell(i) for i in shown.index]
    return shown
