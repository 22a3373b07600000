"""Case study: combining learning methods, the lecture's Alzheimer's example, on simulated subjects.

Two sections, kept in the URL: the paper's pipeline with the simulated subjects, and the run with its
results. The course's words are in assets/course/case_study.toml.
"""

import streamlit as st

from core import case_study
from core.text.course_text import load_lesson
from ui.case_study_view import cnn_step, cohort_controls, last_run, registration_step, run_button, subjects, timing
from ui.lesson import explain, intro, lecturer_mode, lesson_body, self_check
from ui.sections import choose_section
from ui.url_state import report_ignored_link_values

text = load_lesson("case_study")


def subjects_section() -> None:
    """The paper's pipeline and the simulated subjects, which follow the cohort's controls."""
    room = lecturer_mode()
    pipeline, cohort_area = st.container(), st.container()
    if room:  # in front of a room the subjects come first, their controls and the pipeline's words under them
        pipeline, cohort_area = cohort_area, pipeline
    with pipeline:
        st.header("The paper's pipeline")
        explain(text.explanation("pipeline"))
        st.warning(text.explanation("simulated"), icon=":material/science:")
    with cohort_area:
        st.header("Simulated subjects")
        words = text.explanation("subjects").format(slice=case_study.SLICE)
        if room:
            pictures = st.container()  # the subjects above the controls that shape them
            cohort = cohort_controls()
            with pictures:
                subjects(cohort)
            explain(words)
        else:
            explain(words)
            subjects(cohort_controls())
    st.info("Then open **Results** and press **Run the case study**: it registers every subject, then trains the "
            "CNN twice (under a minute for 80 subjects).", icon=":material/play_circle:")


st.title(f"Case study · {text.title}")
intro(text)
section = choose_section(text)
run = last_run()
if section == "Subjects":
    lesson_body(subjects_section)
else:
    with st.expander("The cohort", icon=":material/groups:", expanded=run is None):
        cohort = cohort_controls()
    run_button(cohort)
    run = last_run()
    if run is None:
        st.info("Press **Run the case study**: it registers every subject, then trains the CNN twice (under a "
                "minute for 80 subjects).", icon=":material/play_circle:")
    else:
        if run.cohort != cohort:
            st.caption(f":material/history: Results of the last run ({run.cohort.n} subjects, atrophy "
                       f"{run.cohort.atrophy_mm:g} mm, motion {run.cohort.motion:g}, {run.cohort.epochs} epochs): "
                       "press the button to run with the new settings.")
        st.subheader("Step 1: registration to the template")
        registration_step(run)
        st.subheader("Step 2: the CNN, with and without step 1")
        cnn_step(run)
        st.subheader("Time per new subject")
        timing(run, text)

self_check("case_study", [*text.questions, *([lambda: case_study.gain_question(run.result)] if run else [])])
report_ignored_link_values()
