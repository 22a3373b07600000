"""Objective 3: exploratory data analysis. A whole dataset at a glance, histograms, corrupted data and SNR."""

import streamlit as st

from core.questions.exploring import at_max_question, unreadable_question
from ui import picker
from ui.exploring_data import choose_dataset
from ui.exploring_histogram import histogram_section
from ui.exploring_overview import show_charts, show_dataset
from ui.exploring_quality import quality_section
from ui.lesson import intro, lecture_presets, lecturer_mode, lesson_text, self_check
from ui.sections import choose_section
from ui.thumbnails import show_thumbnail_grid
from ui.url_state import report_ignored_link_values

text = lesson_text("exploring")
st.title(f"{text.number} · {text.title}")
intro(text)
picker.show_upload_error()
lecture_presets(text)
room = lecturer_mode()
chooser = None if room else st.container()  # the dataset's control: above the sections, or folded under them
section = choose_section(text)                # (and under the section's figure) in front of a room
shown = st.container()
with st.expander("The dataset: the built-in cohort or your files", icon=":material/dataset:") if room else chooser:
    dataset = choose_dataset()

with shown:
    if section == "The dataset":
        show_dataset(dataset, text)
    elif section == "Dimensions and metadata":
        show_charts(dataset)
    elif section == "Quality report":
        quality_section(dataset, text)
    elif dataset.readable.empty:
        st.info("No readable image in this dataset: nothing to look at. The lecture presets show the built-in "
                "cohort.", icon=":material/info:")
    elif section == "Look at the images":
        show_thumbnail_grid(dataset.files, dataset.table, text.explanation("tiles"))
    else:
        histogram_section(dataset, picker.current(), text)

at_max = at_max_question(dataset.table)
self_check("exploring", [lambda: unreadable_question(dataset.table), *([at_max] if at_max else []), *text.questions])
report_ignored_link_values()
