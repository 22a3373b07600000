"""One memo per session for results a lesson recomputes on every rerun (never shared between sessions).

Streamlit's caches are shared by every session; an upload's results must not
be. This memo lives in the session's own state, keeps the most recently used
results and is bounded in entries and bytes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

MEMO_ENTRIES = 64
"""At most this many results per memo."""

MEMO_BYTES = 96 * 1024**2
"""At most this many bytes of arrays per memo (the oldest results go first)."""


def held_bytes(value) -> int:
    """Memory held by a value: arrays, bytes, and tuples, lists, dicts or dataclasses of them.

    Examples
    --------
    >>> held_bytes((np.zeros(10, np.uint8), b"abc", {"a": np.zeros(2)}))
    29
    """
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, (tuple, list)):
        return sum(held_bytes(v) for v in value)
    if isinstance(value, dict):
        return sum(held_bytes(v) for v in value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(held_bytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    return 0


def session_memo(name: str, key, compute, entries: int = MEMO_ENTRIES, max_bytes: int = MEMO_BYTES):
    """This session's memoised ``compute()`` for `key`, in the memo called `name`.

    Parameters
    ----------
    name : str
        The memo (one per lesson or purpose: ``"preparing"``).
    key : hashable
        What the result depends on (image key, slice, settings).
    compute : callable
        Called without arguments when the key is new.
    entries, max_bytes : int
        Bounds; the least recently used results are dropped first (the newest is always kept).
    """
    store = st.session_state.setdefault(f"memo-{name}", {})
    if key in store:
        store[key] = store.pop(key)  # most recently used last
        return store[key][0]
    value = compute()
    store[key] = (value, held_bytes(value))
    while len(store) > 1 and (len(store) > entries or sum(size for _, size in store.values()) > max_bytes):
        store.pop(next(iter(store)))
    return value
