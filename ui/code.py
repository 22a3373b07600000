"""The "Show the code" panel: the Python that reproduces a view, with the current parameters.

Every snippet shown during a run is also collected, so the sidebar can offer
the whole page's code as one notebook-style ``.py`` file.
"""

from __future__ import annotations

import re

import streamlit as st

COLLECTED_KEY = "snippets_this_run"


def show_code(snippet: str, title: str = "Show the code", key: str | None = None) -> None:
    """An expander holding a runnable snippet.

    Parameters
    ----------
    snippet : str
        Complete Python code that runs as it is in a plain Python session.
    title : str
        The expander's label.
    key : str, optional
        Makes the panel lazy: the code is sent to the browser only while the panel is open (opening it
        reruns the page), so a closed panel costs the learner's browser nothing. The snippet is collected
        for the page's download either way.
    """
    st.session_state.setdefault(COLLECTED_KEY, []).append((title, snippet))
    panel = st.expander(title, icon=":material/code:", key=key, on_change="rerun" if key else "ignore")
    if key and not panel.open:
        return
    with panel:
        st.caption("Copy it into a notebook or a Python session: it prints the numbers shown on this page.")
        st.code(snippet, language="python", wrap_lines=True)


def start_collecting() -> None:
    """Forget the snippets of the previous run (app.py calls it before each page runs)."""
    st.session_state[COLLECTED_KEY] = []


def code_download(page_title: str) -> None:
    """A sidebar button with every snippet of the page as one ``.py`` file, cell by cell (``# %%``)."""
    snippets = st.session_state.get(COLLECTED_KEY, [])
    if not snippets:
        return
    cells = [f"# %% {title}\n{code.rstrip()}\n" for title, code in dict.fromkeys(snippets)]
    text = f'"""{page_title}: the code of every view, with the parameters you chose."""\n\n' + "\n\n".join(cells)
    slug = re.sub(r"[^a-z0-9]+", "_", page_title.lower()).strip("_") or "page"
    st.sidebar.download_button("This page's code (.py)", text, file_name=f"{slug}.py", mime="text/x-python",
                               icon=":material/download:", help="Every 'Show the code' snippet of this page in one "
                               "file, with cells (# %%) that run one after the other in VS Code or Jupyter.")
