"""Shared test set-up: the project root on sys.path, fresh Streamlit caches per test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """AppTest runs in-process: without this, cached resources leak from one test to the next."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
