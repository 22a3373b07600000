"""The "Show the code" panel: the Python that reproduces a view, with the current parameters."""

from __future__ import annotations

import streamlit as st


def show_code(snippet: str, title: str = "Show the code") -> None:
    """An expander holding a runnable snippet.

    Parameters
    ----------
    snippet : str
        Complete Python code that runs as it is in a plain Python session.
    title : str
        The expander's label.
    """
    with st.expander(title, icon=":material/code:"):
        st.caption("Copy it into a notebook or a Python session: it prints the numbers shown on this page.")
        st.code(snippet, language="python", wrap_lines=True)
