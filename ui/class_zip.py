"""The learner's .zip of class folders on the Supervised page: read once per file and size, with progress and Stop.

Each image is checked against `core.class_folders.MAX_IMAGE_BYTES` from its
header before it is decoded, and the reading reports its progress between
images: pressing Stop, choosing another source, or closing the tab (any
rerun or the end of the session) ends it there. The file's key is recorded
only once the reading has ended (read, refused or stopped), so a run that
was interrupted never leaves a key without its data.
"""

from __future__ import annotations

import streamlit as st

from core import class_folders
from core.io import ImageLoadError
from core.labelled import LabelledImages
from ui.lesson import STOPPED, stoppable, was_stopped
from ui.safe_text import md

STOP = "sup-zip-stop"
KEY, DATA, ERROR, STOPPED_KEY = "sup-zip-key", "sup-zip-data", "sup-zip-error", "sup-zip-stopped"


def _read_again() -> None:
    st.session_state.pop(KEY, None)


def class_zip_data(upload, size: int) -> LabelledImages | None:
    """The labelled images of `upload` at `size`, read once; None (with the message shown) when they cannot be."""
    state = st.session_state
    key = ("zip", upload.file_id, size)
    if state.get(KEY) != key:
        state.pop(DATA, None)
        state.pop(ERROR, None)
        bar = st.progress(0.0, text=f"Reading {md(upload.name)}...")
        try:
            with stoppable(STOP):
                state[DATA] = class_folders.load_class_folders(
                    upload.getvalue(), upload.name, size,
                    progress=lambda done, total: bar.progress(
                        done / max(total, 1), text=f"Reading {md(upload.name)}: image {done:,} of {total:,}"))
        except ImageLoadError as exc:
            state[ERROR] = str(exc)
        finally:
            bar.empty()
            if was_stopped(STOP) or DATA not in state and ERROR not in state:
                state[ERROR] = STOPPED.format("Reading the .zip")
                state[STOPPED_KEY] = key
            state[KEY] = key  # the reading has ended, however it ended
    if DATA not in state:
        st.error(md(state.get(ERROR, ""), limit=None), icon=":material/error:")
        if state.get(STOPPED_KEY) == key:
            st.button("Read the .zip again", key="sup-zip-again", icon=":material/refresh:", on_click=_read_again)
        return None
    return state[DATA]
