"""Medical Image Analysis in Python: the course app. Run with `streamlit run app.py`."""

from pathlib import Path

import streamlit as st

from ui.accessibility import apply_accessibility_css
from ui.browser_storage import keep_progress_in_browser, restore_progress_from_browser
from ui.code import code_download, start_collecting
from ui.course import EXTRAS, OBJECTIVES
from ui.picker import image_picker
from ui.room import lecturer_toggle, sidebar_state

ICON = Path(__file__).resolve().parent / "assets" / "icons" / "course.png"  # served by the app: nothing from a font server
st.set_page_config(page_title="Medical Image Analysis in Python", page_icon=str(ICON), layout="wide",
                   initial_sidebar_state=sidebar_state())  # collapsed in lecturer mode: the projector is the lesson's

pages = [st.Page("lessons/home.py", title="Course map", icon=":material/map:", default=True),
         st.Page("lessons/presenter.py", title="Presenter's view", icon=":material/co_present:")]
pages += [st.Page(o.page, title=f"{o.number} · {o.title}", icon=o.icon) for o in OBJECTIVES]
pages += [st.Page(e.page, title=f"Case study · {e.title.split(':')[0]}", icon=e.icon) for e in EXTRAS]
navigation = st.navigation(pages)
apply_accessibility_css()
lecturer_toggle()
image_picker()
restore_progress_from_browser()
start_collecting(navigation.url_path)
navigation.run()
code_download(navigation.title)
keep_progress_in_browser()
