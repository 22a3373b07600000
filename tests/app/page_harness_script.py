"""AppTest entry point: the shared picker, then the page named in session state (see harness.py)."""

import runpy
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ui.code import code_download, start_collecting  # noqa: E402
from ui.lesson import lecturer_toggle  # noqa: E402
from ui.picker import image_picker  # noqa: E402

lecturer_toggle()
image_picker()
start_collecting()
runpy.run_path(st.session_state["harness_page"], run_name="__main__")
code_download("page under test")
