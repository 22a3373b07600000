"""Medical Image Analysis in Python: the course app. Run with `streamlit run app.py`."""

import streamlit as st

from ui.browser_storage import keep_progress_in_browser
from ui.code import code_download, start_collecting
from ui.course import EXTRAS, OBJECTIVES
from ui.lesson import lecturer_toggle
from ui.picker import image_picker

st.set_page_config(page_title="Medical Image Analysis in Python", page_icon=":material/radiology:", layout="wide")

pages = [st.Page("lessons/home.py", title="Course map", icon=":material/map:", default=True)]
pages += [st.Page(o.page, title=f"{o.number} · {o.title}", icon=o.icon or None) for o in OBJECTIVES if o.page]
pages += [st.Page(e.page, title=f"Case study · {e.title.split(':')[0]}", icon=e.icon) for e in EXTRAS]
navigation = st.navigation(pages)
lecturer_toggle()
image_picker()
start_collecting()
navigation.run()
code_download(navigation.title)
keep_progress_in_browser()
