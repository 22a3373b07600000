"""AppTest entry point: the shared picker, then the page named in session state (see harness.py)."""

import sys
import types
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner.script_cache import ScriptCache

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ui.code import code_download, start_collecting  # noqa: E402
from ui.picker import image_picker  # noqa: E402
from ui.room import lecturer_toggle  # noqa: E402

lecturer_toggle()
image_picker()
start_collecting(st.session_state["harness_page"])


@st.cache_resource(show_spinner=False)
def compiled_pages() -> ScriptCache:
    """One cache of compiled pages for the test process, as the server keeps one (AppTest makes one per run)."""
    return ScriptCache()


# as st.navigation's page.run() does: the page's cached bytecode (with magic), run as a fresh __main__ module
page = st.session_state["harness_page"]
module = types.ModuleType("__main__")
module.__dict__["__file__"] = page
exec(compiled_pages().get_bytecode(page), module.__dict__)  # noqa: S102
code_download("page under test")
