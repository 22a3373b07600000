"""The learner's self-check progress kept in their own browser (localStorage), across a reload.

Nothing is stored on the server: a tiny component served by the app itself
(same origin, no network) reads the browser's copy once per session and
writes the session's progress back after every run. The JSON download on the
course map stays the way to move progress to another browser.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from core.questions.selfcheck import progress_from_json, progress_to_json, restore_into
from ui.course import EXTRAS, OBJECTIVES

STORE_KEY = "progress-browser-store"
RESTORED_KEY = "progress-browser-restored"
_store = components.declare_component("browser_storage",
                                      path=str(Path(__file__).with_name("browser_storage_frontend")))


def _pages() -> set[str]:
    paths = [o.page for o in OBJECTIVES] + [e.page for e in EXTRAS]
    return {Path(p).stem for p in paths}


def keep_progress_in_browser() -> None:
    """Restore the browser's copy of the progress once per session, then keep the copy up to date.

    Call once per run, after the page has run (so its self-check is counted).
    Until the browser has answered, nothing is written: a new session must
    not overwrite the stored progress with its empty one.
    """
    restored = bool(st.session_state.get(RESTORED_KEY))
    progress = st.session_state.setdefault("progress", {})
    with st.sidebar:
        stored = _store(save=progress_to_json(progress) if restored else None, want=not restored,
                        key=STORE_KEY, default=None)
    if restored or stored is None:
        return
    st.session_state[RESTORED_KEY] = True
    try:
        found = progress_from_json(stored, _pages()) if stored else {}
    except ValueError:
        found = {}  # a damaged copy in the browser: start afresh, it is overwritten after this run
    if restore_into(progress, found):
        st.rerun()
