"""The "Show the code" panel: the Python that reproduces a view, with the current parameters.

Every snippet shown during a run is also collected, so the sidebar can offer
the whole page's code as one notebook-style ``.py`` file.
"""

from __future__ import annotations

import re

import streamlit as st

COLLECTED_KEY = "snippets_this_run"
PAGE_KEY = "snippets_page"


def show_code(snippet: str, title: str = "Show the code", key: str | None = None) -> None:
    """A folded panel holding a runnable snippet, built only while it is open.

    The code is sent to the browser only while the panel is open (opening it
    reruns the page), so a closed panel costs the learner's browser nothing:
    no code block, no syntax highlighter. The snippet is collected for the
    page's download either way.

    Parameters
    ----------
    snippet : str
        Complete Python code that runs as it is in a plain Python session.
    title : str
        The panel's label.
    key : str, optional
        The panel's widget key; by default made of the page, the title and how many panels of that title
        came before it in this run, which stays the same from one run to the next.
    """
    collected = st.session_state.setdefault(COLLECTED_KEY, [])
    before = sum(1 for earlier, _ in collected if earlier == title)
    collected.append((title, snippet))
    key = key or panel_key(st.session_state.get(PAGE_KEY, ""), title, before)
    panel = st.expander(title, icon=":material/code:", key=key, on_change="rerun")
    if not panel.open:
        return
    with panel:
        st.caption("Copy it into a notebook or a Python session: it prints the numbers shown on this page.")
        st.code(snippet, language="python", wrap_lines=True)


def panel_key(page: str, title: str, before: int) -> str:
    """The widget key of a code panel that was given none: its page, its title, and how many came before it.

    >>> panel_key("lessons/loading.py", "Show the code", 0)
    'code-panel-lessons/loading.py-Show the code-0'
    """
    return f"code-panel-{page}-{title}-{before}"


def open_panels(state) -> list[str]:
    """Open every code panel of the last run that was given no key of its own (as a learner clicking each).

    Parameters
    ----------
    state : Mapping
        The session's state (``st.session_state``, or an AppTest's ``at.session_state``); the panels show their
        code from the next run on.

    Returns
    -------
    list of str
        The keys set.
    """
    seen: dict[str, int] = {}
    keys = []
    for title, _ in state[COLLECTED_KEY]:
        keys.append(panel_key(state[PAGE_KEY], title, seen.get(title, 0)))
        seen[title] = seen.get(title, 0) + 1
    for key in keys:
        state[key] = True
    return keys


def start_collecting(page: str = "") -> None:
    """Forget the snippets of the previous run (app.py calls it before each page runs).

    Parameters
    ----------
    page : str
        The page about to run: its code panels' keys carry it, so a panel opened on one page does not open the
        panel in the same place on the next.
    """
    st.session_state[COLLECTED_KEY] = []
    st.session_state[PAGE_KEY] = page


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
