"""The learner's self-check progress kept in their own browser (localStorage), across a reload.

Nothing is stored on the server: a tiny component served by the app itself
(same origin, no network) reads the browser's copy once per session and
writes the session's progress back after every run. The JSON download on the
course map stays the way to move progress to another browser.

A component that sends a value reruns the page, so the browser sends its copy
only when it holds one that another session wrote (a reload, another tab),
and a copy is written only once something is answered: a learner with no
answers stored opens every page with a single run.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from core.questions.selfcheck import progress_from_json, progress_to_json, restore_into
from ui.course import EXTRAS, OBJECTIVES

STORE_KEY = "progress-browser-store"
RESTORED_KEY = "progress-browser-restored"
SESSION_KEY = "progress-browser-session"
_store = components.declare_component("browser_storage",
                                      path=str(Path(__file__).with_name("browser_storage_frontend")))


def _pages() -> set[str]:
    paths = [o.page for o in OBJECTIVES] + [e.page for e in EXTRAS]
    return {Path(p).stem for p in paths}


def restore_progress_from_browser() -> None:
    """Merge the browser's copy of the progress into the session's, once per session, before the page runs.

    The copy arrives as the storage component's value, which reruns the page;
    read here, before the page draws, that run already shows the restored
    progress.
    """
    stored = st.session_state.get(STORE_KEY)
    if st.session_state.get(RESTORED_KEY) or stored is None:
        return
    st.session_state[RESTORED_KEY] = True
    try:
        found = progress_from_json(stored, _pages()) if stored else {}
    except ValueError:
        found = {}  # a damaged copy in the browser: start afresh, it is overwritten once something is answered
    restore_into(st.session_state.setdefault("progress", {}), found)


def keep_progress_in_browser() -> None:
    """Keep the browser's copy of the progress up to date; it sends back a copy another session wrote.

    Call once per run, after the page has run (so its self-check is counted).
    The browser writes the session's progress only once it knows nothing is
    lost: it holds no copy, or its copy is this session's own, or the server
    has restored it (`restore_progress_from_browser`). A new session must not
    overwrite the stored progress with its empty one.
    """
    progress = st.session_state.setdefault("progress", {})
    session = st.session_state.setdefault(SESSION_KEY, uuid.uuid4().hex)
    answered = any(entry.get("answered", 0) for entry in progress.values())
    with st.sidebar:
        _store(save=progress_to_json(progress) if answered else None, session=session,
               restored=bool(st.session_state.get(RESTORED_KEY)), key=STORE_KEY, default=None)
