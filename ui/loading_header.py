"""The header (Loading lesson): every field the file carries, searchable, identifying fields hidden unless asked."""

from __future__ import annotations

import streamlit as st

from core import describe
from core.io.phi import REDACTED
from core.volume import Volume
from ui.lecture_table import numbers_table
from ui.lesson import explain

REVEAL_KEY, REVEAL_FOR = "reveal-phi", "reveal-phi-for"
SEARCH_KEY = "header_search"
ROOM_ROWS = 20
"""A header search leaving at most this many fields shows them at room size in lecturer mode."""


def show_header(volume: Volume, image_key, explanation: str) -> None:
    """The header as a table filtered by a search; identifying fields only on an opt-in for this image.

    Parameters
    ----------
    volume : Volume
        The image (``metadata`` redacted, ``hidden_metadata`` the identifying fields).
    image_key : hashable
        The picker's key of the image: the opt-in is for the file it was given for, never carried over.
    explanation : str
        The lesson's words on what is hidden and why.
    """
    st.header("The header")
    explain(explanation)
    search_col, reveal_col = st.columns([3, 2])
    query = search_col.text_input("Search the header", placeholder="e.g. spacing, Rescale, dim", key=SEARCH_KEY)
    # not in the link: what a learner types here may be a value of the header (a name), and a link never carries one
    hidden = getattr(volume, "hidden_metadata", {})
    if st.session_state.get(REVEAL_FOR) != image_key:
        st.session_state[REVEAL_FOR], st.session_state[REVEAL_KEY] = image_key, False
    reveal = reveal_col.toggle(f"Show the {len(hidden)} redacted value(s) for this session", False, key=REVEAL_KEY,
                               disabled=not hidden,
                               help="Only in your browser session; nothing is stored. Use it for your own data only.")
    if reveal:
        st.warning("Identifying fields are shown for this browser session only. Do not share screenshots of them.",
                   icon=":material/visibility:")
    fields = dict(volume.metadata, **hidden) if reveal else volume.metadata
    table = describe.header_table(fields, query)
    if len(table) <= ROOM_ROWS:  # few enough to read at room size in lecturer mode
        numbers_table(st, table, width="stretch", height=320)
    else:
        st.dataframe(table, hide_index=True, width="stretch", height=320)
    redacted = sum(v == REDACTED for v in fields.values())
    st.caption(f"{len(table)} of {len(fields)} fields " + ("match the search" if query else "listed") + f" · {redacted} "
               "value(s) redacted: every field that does not describe the image or the equipment (names, IDs, dates, "
               "UIDs, descriptions, private fields).")
