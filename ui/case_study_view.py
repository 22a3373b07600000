"""The case study's views: the cohort's controls, its simulated subjects, the run and both arms' results.

The numbers come from `core.case_study`; the run goes through the course's
heavy-work path (`ui.heavy`) with its progress and Stop.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core import case_study
from core.snippets.case_study import cnn_snippet, registration_snippet, subject_snippet
from ui import heavy
from ui.code import show_code
from ui.images import picture
from ui.lesson import STOPPED, explain, stoppable, was_stopped

RESULT_KEY = "case_study_result"
STOP = "cs-stop"
SEED = 0
SIZE = 64
GREY = (1.0, 0.5)
"""The window (width, level) of the simulated slices, whose values run from 0 to 1."""


@dataclass(frozen=True)
class Cohort:
    """The cohort's settings as the learner chose them."""

    n: int
    atrophy_mm: float
    motion: float
    epochs: int


@dataclass(frozen=True)
class Run:
    """A finished run of the case study and the settings it ran with."""

    cohort: Cohort
    result: case_study.CaseStudy


@st.cache_resource(max_entries=1, show_spinner=False)
def anatomy() -> case_study.Anatomy:
    """The template slice and its tissue masks (the same for every session)."""
    return case_study.load_anatomy()


@st.cache_data(max_entries=8, show_spinner=False)
def preview(atrophy_mm: float, motion: float, seed: int) -> case_study.Cohort:
    """Four subjects of the cohort, for a look before running (no registration, no network)."""
    return case_study.simulate(4, atrophy_mm, motion, SIZE, seed, anatomy())


def cohort_controls() -> Cohort:
    """The cohort's four controls, bound to the URL."""
    controls = st.columns(4)
    n = controls[0].slider("Subjects", 20, 200, 80, 10, key="cs_n", bind="query-params",
                           help="Half of them with atrophy.")
    atrophy_mm = controls[1].slider("Atrophy (mm)", 1.0, 8.0, 4.0, 0.5, key="cs_atrophy", bind="query-params",
                                    help="Mean enlargement of the ventricles in the atrophy group; the cortex "
                                         "thins by a third of it.")
    motion = controls[2].slider("Head motion", 0.0, 1.0, 1.0, 0.1, key="cs_motion", bind="query-params",
                                help="0: every head lies like the template; 1: ±15°, ±10 mm, ±15 % size.")
    epochs = controls[3].slider("Epochs", 5, 40, 20, 5, key="cs_epochs", bind="query-params",
                                help="Training passes of each CNN.")
    return Cohort(n, atrophy_mm, motion, epochs)


def subjects(cohort: Cohort) -> None:
    """The template and four simulated subjects of the chosen cohort, and the code that makes one."""
    sample = preview(cohort.atrophy_mm, cohort.motion, SEED)
    columns = st.columns(5)
    picture(columns[0], sample.template, "Template", window=GREY)  # alt: its size and values, from the data
    for column, image, label, area, head in zip(columns[1:], sample.images, sample.labels, sample.ventricle_mm2,
                                                sample.motions):
        name = case_study.CLASS_NAMES[label]
        picture(column, image, f"{name}: ventricles {area:.0f} mm², {head.angle_deg:+.0f}°, ×{head.scale:.2f}",
                window=GREY, alt=f"Simulated subject, {name}: ventricles {area:.0f} mm², head turned "
                                 f"{head.angle_deg:+.0f}°, scaled ×{head.scale:.2f}")
    plan = case_study.subject_plan(1, cohort.atrophy_mm, cohort.motion, np.random.default_rng([SEED, 1, 0]))
    show_code(subject_snippet(plan[0], plan[1], plan[2]), "Show the code: one subject with atrophy")


def run_button(cohort: Cohort) -> None:
    """Run the case study on the heavy-work path, with its progress and Stop; keep the result for the session.

    Stop (or any other control) reruns the page: the run is interrupted at its next progress update and its
    results are dropped. The result is stored last, inside the block: kept exactly when not reported as stopped.
    """
    if st.button("Run the case study", type="primary", icon=":material/play_arrow:", key="cs_run"):
        with stoppable(STOP):
            bar = st.progress(0.0, text="Starting")
            try:
                result = heavy.run("case-study", case_study.run, cohort.n, cohort.atrophy_mm, cohort.motion,
                                   cohort.epochs, SIZE, SEED, anatomy(),
                                   callbacks={"progress": lambda fraction, message: bar.progress(min(fraction, 1.0),
                                                                                                  text=message)})
            except (ValueError, RuntimeError) as exc:
                result = None
                st.error(f"The case study could not run: {exc}")
            bar.empty()
            if "keras" in sys.modules:  # the run imported Keras here (inline, no Dask): no full gc.collect after reruns
                from ui.keras_cleanup import light_keras_cleanup

                light_keras_cleanup()
            if result is not None:
                st.session_state[RESULT_KEY] = Run(cohort, result)
    elif was_stopped(STOP):
        st.info(STOPPED.format("The case study") + " Press **Run the case study** to start again."
                + (" The results below are those of the last complete run." if RESULT_KEY in st.session_state
                   else ""), icon=":material/stop_circle:")


def last_run() -> Run | None:
    """This session's last complete run, if any."""
    return st.session_state.get(RESULT_KEY)


def registration_step(run: Run) -> None:
    """Step 1: the correlation with the template before and after registration, and examples of both groups."""
    from core.registration import ncc

    result, cohort = run.result, run.result.cohort
    before = np.array([ncc(cohort.template, x) for x in cohort.images])
    after = np.array([ncc(cohort.template, x) for x in result.registered])
    left, right = st.columns(2)
    left.metric("Correlation with the template, as scanned", f"{before.mean():.3f}")
    right.metric("After registration", f"{after.mean():.3f}", f"{after.mean() - before.mean():+.3f}")
    examples = [int(np.flatnonzero(cohort.labels == g)[k]) for g in (0, 1) for k in range(2)
                if (cohort.labels == g).sum() > k]
    for row_name, images in (("As scanned", cohort.images), ("Registered", result.registered),
                             ("Registered − template", None)):
        cells = st.columns([1] + [2] * len(examples))
        cells[0].markdown(f"**{row_name}**")
        for cell, i in zip(cells[1:], examples):
            name, head = case_study.CLASS_NAMES[cohort.labels[i]], cohort.motions[i]
            if images is None:
                picture(cell, 0.5 + result.registered[i] - cohort.template, "dark: tissue lost", window=GREY,
                        alt="Registered subject minus the template (mid grey: no change, dark: tissue lost)")
            else:
                picture(cell, images[i], f"{name}, {head.angle_deg:+.0f}°, ×{head.scale:.2f}"
                        if images is cohort.images else "", window=GREY,
                        alt=f"{row_name} subject, {name}, head turned {head.angle_deg:+.0f}°, scaled ×{head.scale:.2f}")
    settings = run.cohort
    show_code(registration_snippet(settings.n, settings.atrophy_mm, settings.motion, SIZE, SEED, examples[0]),
              "Show the code: register one subject with SimpleITK")


def cnn_step(run: Run) -> None:
    """Step 2: the same CNN's held-out accuracy with and without registration, and its curves."""
    result, settings = run.result, run.cohort
    left, right = st.columns(2)
    gain = result.with_registration.accuracy - result.without_registration.accuracy
    left.metric("Accuracy with registration", f"{result.with_registration.accuracy:.0%}", f"{gain:+.0%}")
    right.metric("Accuracy without registration", f"{result.without_registration.accuracy:.0%}")
    st.caption(f"The same CNN, the same {len(result.train)} training and {len(result.test)} held-out subjects, the "
               "same seed; only step 1 differs. Accuracy = share of the held-out subjects classified right.")
    curves = pd.DataFrame({"with registration": result.with_registration.val_accuracy,
                           "without registration": result.without_registration.val_accuracy},
                          index=pd.RangeIndex(1, len(result.with_registration.val_accuracy) + 1, name="epoch"))
    st.line_chart(curves, x_label="epoch", y_label="held-out accuracy", height=260)
    show_code(cnn_snippet(settings.n, settings.atrophy_mm, settings.motion, SIZE, SEED, settings.epochs),
              "Show the code: train the CNN on registered and unregistered slices")


def timing(run: Run, text) -> None:
    """The time per new subject: registration, prediction, total."""
    result = run.result
    cols = st.columns(3)
    cols[0].metric("Registration", f"{float(np.median(result.register_seconds)) * 1000:.0f} ms")
    cols[1].metric("Prediction", f"{result.with_registration.predict_seconds * 1000:.0f} ms")
    cols[2].metric("Total per subject", f"{result.seconds_per_subject:.2f} s")
    explain(text.explanation("timing").format(side=result.cohort.images.shape[1]))
