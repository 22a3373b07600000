"""Objective 5: unsupervised learning. Registration with a known answer, why the loss matters, an atlas, clustering."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.questions.selfcheck import Question
from ui import learned_registration, picker
from ui import unsupervised_atlas as atlas
from ui import unsupervised_loss as loss
from ui import unsupervised_problem as problem
from ui import unsupervised_register as registering
from ui.lesson import explain, intro, lecture_presets, lecturer_mode, lesson_body, lesson_text, self_check
from ui.sections import choose_section
from ui.url_state import report_ignored_link_values
from ui.working_copy import bounded
from ui.landmarks import landmark_section

text = lesson_text("unsupervised")
HEADERS = {"Problem": "A problem with a known answer", "Register": "Register",
           "Lecture figure": "The lecture's figure, live", "Loss": "Why the loss matters",
           "Landmarks": "Landmarks: a few points instead of every pixel",
           "Atlas": "3D: the subject to the MNI template, and an atlas",
           "Clustering": "Clustering: tissue classes without labels"}


def landed(section: str | None = None) -> bool:
    """The controls hold exactly a preset (of this section): its button was pressed, or its link opened."""
    return any(preset.section == (section or preset.section)
               and all(st.session_state.get(key) == value
                      for key, value in picker.sample_settings(preset.settings).items())
               for preset in text.presets)


def registration_choice(folded: bool) -> registering.Choice:
    """The transform, metric and optimiser's controls, under the figure in a folded expander when asked."""
    with st.expander("How to register: transform, metric, optimiser", icon=":material/settings:") if folded \
            else st.container():
        return registering.controls()


def note(held: list[str], markdown: str) -> None:
    """An explanation: before the figure for a learner; in front of a room held back in `held`, to come folded
    after it."""
    if lecturer_mode():
        held.append(markdown)
    else:
        explain(markdown)


def shift_question(setup: problem.Setup) -> Question:
    """How far the chosen shift moves the image, in pixels of the current working image."""
    motion, spacing = setup.motion, setup.work.spacing
    rows, cols = (abs(d) / s for d, s in zip(motion.shift_mm, spacing))
    pixels = float(np.hypot(rows, cols))
    return Question(
        f"Your source was shifted by {motion.shift_mm[0]:g} mm down and {motion.shift_mm[1]:g} mm right, on pixels "
        f"of {spacing[0]:.4g} × {spacing[1]:.4g} mm. How long is that shift, **in pixels**? (to 0.1)",
        f"Divide each component by its pixel size: {rows:.2f} and {cols:.2f} pixels, then "
        f"√({rows:.2f}² + {cols:.2f}²) = {pixels:.2f} pixels. Registration works in mm; the TRE is compared with "
        "the pixel size to judge it.", round(pixels, 2), tolerance=0.1)


st.title(f"{text.number} · {text.title}")
intro(text)
lecture_presets(text)
picker.show_upload_error()
section = choose_section(text)


def body() -> None:
    """The chosen section, the problem's settings and the self-check, which all follow the image and its motion."""
    held: list[str] = []  # the explanations `note` held back, drawn after the section's figure
    if section == "Problem":
        note(held, text.explanation("unsupervised"))
    current = picker.current()
    volume = bounded(current.volume)  # a huge upload: a strided working copy, said on the page
    if section == "Learned registration":
        learned_registration.section()
    else:
        st.header(HEADERS[section])
    main = st.container()  # the section's figure first; the problem's settings under it
    setup = problem.settings(volume, current.key, current.sample, folded=section != "Problem", preset=landed())
    with main:
        if section == "Problem":
            note(held, text.explanation("problem"))
            problem.problem_view(setup)
        elif section == "Register":
            note(held, text.explanation("register"))
            choice = registration_choice(folded=False)
            stored = registering.current(setup, choice, registering.register_button())
            if stored:
                registering.result_view(setup, stored)
        elif section == "Lecture figure":
            figure = st.container()  # first: the figure; under it, how to register it again
            choice, pressed = registration_choice(folded=True), registering.register_button()
            with figure:
                stored = registering.current(setup, choice, pressed, auto=landed(section))
                if stored:
                    registering.lecture_figure(setup, stored, text.explanation("how_to_read"))
        elif section == "Loss":
            note(held, text.explanation("loss"))
            loss.duel(setup, auto=landed(section))
            loss.landscapes(setup)
        elif section == "Landmarks":
            note(held, text.explanation("landmarks"))
            landmark_section(setup.problem, setup.key, invert=setup.work.invert)
        elif section == "Atlas":
            note(held, atlas.explanation(picker.load_sample(atlas.SUBJECT)))
            atlas.atlas_section()
        elif section == "Clustering":
            note(held, text.explanation("clustering"))
            on_template, k, method = atlas.clustering_controls()
            if on_template:
                atlas.template_clustering(k, method)
            else:
                atlas.image_clustering(setup.work, k, method)
        if held:  # one panel in lecturer mode, not two of the same name
            explain("\n\n".join(held))

    self_check("unsupervised", [lambda: shift_question(setup), *text.questions])


lesson_body(body, long_work=section not in ("Problem", "Clustering"))  # the others register or train, with a Stop
report_ignored_link_values()
