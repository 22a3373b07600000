"""Objective 2: loading data. File types, headers, physical values, orientation, and the code to do it."""

import streamlit as st

from core.questions.loading import physical_value_question, voxel_size_question
from ui import picker
from ui.lesson import intro, lecture_presets, lesson_body, lesson_text, self_check
from ui.loading_affine import show_affine
from ui.loading_chain import probe_index, value_chain_section
from ui.loading_file import show_file
from ui.loading_header import show_header
from ui.lut_chain import lut_chain_section
from ui.sections import choose_section
from ui.url_state import report_ignored_link_values
from ui.viewer import show_volume

text = lesson_text("loading")
st.title(f"{text.number} · {text.title}")
intro(text)
picker.show_upload_error()
current = picker.current()
volume = current.volume
lecture_presets(text)
section = choose_section(text)


def body() -> None:
    """The chosen section and the self-check, whose questions follow the probed voxel."""
    if section == "Your file":
        show_file(volume, current.sample, probe_index(volume), text)
    elif section == "Look at it":
        st.header("Look at it")
        show_volume(volume, key="view")
    elif section == "From file to screen":  # the value chain: stored → rescale → physical → window → grey
        probe = value_chain_section(volume, text.explanation("value_chain"), text.explanation("colour_pixel"))
        lut_chain_section(volume, probe)
        show_affine(volume, probe, text.explanation("affine"))
    else:
        show_header(volume, current.key, text.explanation("header"))
    probe = probe_index(volume)
    self_check("loading", [*text.questions, lambda: physical_value_question(volume, probe),
                           lambda: voxel_size_question(volume)])


lesson_body(body)
report_ignored_link_values()
