"""Objective 4: preparing data. Noise, masks, thresholds, filters, edges, the lecture's pipeline and a pipeline builder.

The lesson's words are in assets/course/preparing.toml; its sections are in ui/preparing_*.py.
"""

from __future__ import annotations

import streamlit as st

from core import preprocess
from core.questions.selfcheck import Question
from ui import picker
from ui.lesson import intro, lecture_presets, lecturer_mode, lesson_body, lesson_text, self_check
from ui.preparing_builder import builder_section
from ui.preparing_figures import fmt
from ui.preparing_sections import edges_section, filter_section, lecture_section, masking_section, threshold_section
from ui.preparing_work import Work, choose_work, memo, noise_section
from ui.sections import choose_section
from ui.url_state import report_ignored_link_values

text = lesson_text("preparing")
st.title(f"{text.number} · {text.title}")
intro(text)
lecture_presets(text)
section = choose_section(text)
picker.show_upload_error()
SECTIONS = {"Noise": noise_section, "Masking": masking_section, "Thresholds": threshold_section,
            "Filters": filter_section, "Edges": edges_section, "Lecture pipeline": lecture_section,
            "Pipeline builder": builder_section}


def otsu_question(work: Work) -> Question:
    """A numeric question on the image the sections work on: its Otsu threshold."""
    t = memo(("otsu", work.key), lambda: preprocess.threshold_value(work.image, "otsu"))
    lo, hi = work.scale
    why = (f"Otsu's method tries every threshold and keeps the one that makes the two classes most different "
           f"(largest between-class variance): here t = {t:.6g}{work.unit}, as in the Thresholds table.")
    if preprocess.is_constant(work.image):
        why = f"The image is constant: there is nothing to separate, and every method returns its one value, {t:.6g}."
    return Question("What is the **Otsu threshold** of the image the sections work on (this slice, with its noise)? "
                    "Read it in *Thresholds* or run the code.", why, t,
                    tolerance=max(0.005 * (hi - lo), 1e-3 * abs(t), 0.01))


def manual_level_question(work: Work) -> Question:
    """A numeric question: where the lecture's v = 127 falls on this image's range."""
    lo, hi = work.scale
    t = preprocess.manual_threshold(preprocess.MANUAL_LEVEL, work.scale)
    return Question(
        f"The file's values run from {fmt(lo)} to {fmt(hi)}{work.unit} (before any noise). The lesson maps the "
        f"lecture's 8-bit level v = {preprocess.MANUAL_LEVEL} onto that range: which threshold t does it give?",
        f"t = {fmt(lo)} + {preprocess.MANUAL_LEVEL}/255 × ({fmt(hi)} − {fmt(lo)}) = {t:.6g}{work.unit}"
        + (": on an 8-bit scale the level is used as it is." if (lo, hi) == (0.0, 255.0) else
           ". The same number 127 means something else on a scale that is not 0-255."),
        t, tolerance=max(0.005 * (hi - lo), 0.01))


def body() -> None:
    """The image's controls, the chosen section and the self-check, which all follow the image and its noise."""
    # In front of a room the section's figure comes first and the image's controls (folded) under it.
    shown, image_controls = st.container(), st.container()
    if not lecturer_mode():
        shown, image_controls = image_controls, shown
    with image_controls:
        work = choose_work(text, picker.current())
    with shown:
        SECTIONS[section](work, text)
    self_check("preparing", [lambda: otsu_question(work), lambda: manual_level_question(work), *text.questions])


lesson_body(body, long_work=section == "Pipeline builder")  # its whole-volume run has a Stop
report_ignored_link_values()
