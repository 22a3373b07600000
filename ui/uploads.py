"""Read an upload once per set of files and keep the result, or the reason it could not be read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st


@dataclass(frozen=True)
class Outcome:
    """What reading an upload gave: a value, or an error message (shown as text, it may quote a file name)."""

    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the files were read."""
        return self.error is None


def read_once(name: str, files, read, errors: tuple[type[Exception], ...] = (ValueError,)) -> Outcome | None:
    """``read(files)`` once per set of uploaded files (by their file ids); later reruns reuse its outcome.

    Parameters
    ----------
    name : str
        The uploader's name in this session (one outcome is kept per name: a new upload replaces it).
    files : UploadedFile, list of UploadedFile or None
        What the uploader returned.
    read : callable
        ``read(files) -> value``; raises one of `errors` with a learner-readable message for a bad file.
    errors : tuple of Exception types
        The failures that become a message (anything else is a bug and propagates).

    Returns
    -------
    Outcome or None
        None when nothing is uploaded.
    """
    slot = f"upload-outcome-{name}"
    if not files:
        st.session_state.pop(slot, None)
        return None
    signature = tuple(f.file_id for f in (files if isinstance(files, list) else [files]))
    kept = st.session_state.get(slot)
    if kept is not None and kept[0] == signature:
        return kept[1]
    try:
        outcome = Outcome(value=read(files))
    except errors as exc:
        outcome = Outcome(error=str(exc))
    st.session_state[slot] = (signature, outcome)
    return outcome
