"""A lesson read as sections: the learner sees one at a time, chosen at the top and kept in the URL."""

from __future__ import annotations

import streamlit as st

from core.text.course_text import LessonText

SECTION_KEY = "section"
"""The control's key and the URL parameter that names the section (``?section=Thresholds``)."""


def choose_section(text: LessonText) -> str:
    """Draw the section chooser at the top of a lesson and return the chosen section's name.

    Only that section is then drawn (its figures, controls and code), so a
    lesson opens and answers like a small page. A link that names a section
    opens it; a name that is not one of the lesson's opens the first section
    (and `ui.url_state.report_ignored_link_values` says so).

    Parameters
    ----------
    text : LessonText
        The lesson's words; ``text.sections`` are the choices, in order.
    """
    from ui.url_state import remember_link

    remember_link(text.name)
    if SECTION_KEY in st.session_state and st.session_state[SECTION_KEY] not in text.sections:
        del st.session_state[SECTION_KEY]  # a section of another lesson (a preset, or a stale value)
    from ui.room import lecturer_mode

    choice = st.segmented_control("Section", text.sections, default=text.sections[0], required=True,
                                  key=SECTION_KEY, bind="query-params",
                                  help="The lesson's parts: one is shown at a time.",
                                  label_visibility="collapsed" if lecturer_mode() else "visible")
    return choice or text.sections[0]
