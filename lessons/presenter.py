"""Presenter's view: every lecture figure of the course in the lecture's order, each a link opening it for the room."""

import streamlit as st

from core.text.presenter_links import lecture_figures
from ui import picker
from ui.course import EXTRAS, OBJECTIVES
from ui.safe_text import md

# The learner's own image never goes into a link; a preset's built-in sample does, as ``sample`` (ui.picker).
PRIVATE = (picker.SOURCE_KEY, picker.SAMPLE_KEY, picker.UPLOAD_KEY)

st.title("Presenter's view")
st.markdown(
    "Every figure of the lecture, lesson by lesson, in the order of the lecture. Each link opens its lesson on the "
    "figure's section with the figure's settings, in lecturer mode (sidebar folded, type sized for the room): "
    "walk the whole lecture from this list, or bookmark and share a link. A link carries the lesson's settings "
    "and, when the figure needs one, the built-in sample it works on; never an upload. A preset's keyboard shortcut "
    "works on its lesson's page, so a clicker can step through the presets there."
)
try:
    lessons = lecture_figures(private=PRIVATE)
except ValueError as exc:  # the course text is the app's own data: say which file is wrong, keep the page
    st.error(f"The course text could not be read: {md(exc, limit=None)}", icon=":material/error:")
    lessons = {}

course = [(f"{o.number} · {o.title}", o.page) for o in OBJECTIVES]
course += [(f"Case study · {e.title.split(':')[0]}", e.page) for e in EXTRAS]
course += [(lesson.title, page) for page, lesson in lessons.items() if page not in {p for _, p in course}]
st.caption(f"{sum(len(lesson.figures) for lesson in lessons.values())} lecture figures in {len(course)} lessons.")
for title, page in course:
    st.header(title)
    found = lessons.get(page)
    if found is None or not found.figures:
        st.info("No lecture presets for this lesson yet: open it from the navigation and use its own controls.",
                icon=":material/info:")
        continue
    for figure in found.figures:
        details = [f"section *{md(figure.section, limit=None)}*"] if figure.section else []
        details += [f"shortcut **{md(figure.shortcut)}**"] if figure.shortcut else []
        line = f"[{md(figure.label, limit=None)}]({figure.url})" + (f" — {', '.join(details)}" if details else "")
        st.markdown(f"- {line}")
