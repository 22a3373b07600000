"""Case study: combining learning methods, the lecture's Alzheimer's example, on simulated subjects."""

import sys

import numpy as np
import pandas as pd
import streamlit as st

from core import case_study, display
from core.case_study_snippets import cnn_snippet, registration_snippet, subject_snippet
from core.alt_text import describe_image
from core.selfcheck import Question
from ui import heavy
from ui.alt import show_image
from ui.code import show_code
from ui.course import EXTRAS
from ui.keras_cleanup import light_keras_cleanup
from ui.lesson import STOPPED, explain, lecturer_mode, self_check, stoppable, was_stopped

RESULT_KEY = "case_study_result"
STOP = "cs-stop"
EXTRA = next(e for e in EXTRAS if e.page == "lessons/case_study.py")


@st.cache_resource(max_entries=1, show_spinner=False)
def anatomy() -> case_study.Anatomy:
    """The template slice and its tissue masks (the same for every session)."""
    return case_study.load_anatomy()


@st.cache_data(max_entries=8, show_spinner=False)
def preview(atrophy_mm: float, motion: float, seed: int) -> case_study.Cohort:
    """Four subjects of the cohort, for a look before running (no registration, no network)."""
    return case_study.simulate(4, atrophy_mm, motion, 64, seed, anatomy())


def grey(image: np.ndarray) -> np.ndarray:
    """A 0-1 slice as uint8 for st.image."""
    return display.apply_window(np.asarray(image, float), 1.0, 0.5)


st.title(f"Case study · {EXTRA.title}")
st.markdown(f"**Case study.** {EXTRA.summary}")
if not lecturer_mode():
    with st.expander("Try this", icon=":material/directions_walk:", expanded=False):
        st.markdown(
            "1. Press **Run the case study** with the default settings; compare the two accuracies.\n"
            "2. Set **head motion** to 0 and run again: without motion, does registration still help?\n"
            "3. Lower the **atrophy** to 2 mm: which arm suffers first?\n"
            "4. Read the **time per new subject** and compare it with the paper's 23-24 s for a whole 3D scan.")

st.header("The paper's pipeline")
explain(
    "Bae et al. (*Identification of Alzheimer's disease using a convolutional neural network model based on "
    "T1-weighted magnetic resonance imaging*, Scientific Reports 10, 2020) combined the two kinds of learning of "
    "this course:\n\n"
    "1. **Registration** (unsupervised: no labels needed) brings every T1-weighted brain MRI onto a common "
    "template, so the same slice shows the same anatomy in every person, whatever their head size and position "
    "in the scanner.\n"
    "2. **A CNN** (supervised: trained on labelled patients and controls) then classifies slices cut from the "
    "same place in every registered brain: coronal slices covering the medial temporal lobe, where Alzheimer's "
    "disease shrinks the tissue early.\n\n"
    "They trained on patients and matched controls from two populations (a Korean hospital cohort and ADNI) and "
    "tested each model on both. Their own results (areas under the ROC curve, and a mean processing time of "
    "about 23-24 s per person) are in the paper: [doi.org/10.1038/s41598-020-79243-9]"
    "(https://doi.org/10.1038/s41598-020-79243-9)."
)
st.warning(
    "**The data on this page are simulated**: every subject is the same MNI152 template slice, with atrophy "
    "drawn by morphological operations and a random head position. No patient is involved, and the accuracies "
    "below say nothing about Alzheimer's disease. The clinical study's numbers are the paper's.",
    icon=":material/science:")

st.header("Simulated subjects")
explain(
    f"One axial slice of the MNI152 template (slice {case_study.SLICE}, through the lateral ventricles) with its "
    "grey and white matter maps. **Atrophy** = the ventricles dilated by a disk (`binary_dilation`) and the "
    "cortex eroded from outside (`binary_erosion`); lost tissue becomes fluid, the head keeps its size. Healthy "
    "subjects vary a little too. **Head motion** = each head rotated (up to ±15° at full strength), shifted "
    "(±10 mm) and scaled (±15 %, as head sizes differ), then MRI (Rician) noise.")
controls = st.columns(4)
n = controls[0].slider("Subjects", 20, 200, 80, 10, key="cs_n", help="Half of them with atrophy.")
atrophy_mm = controls[1].slider("Atrophy (mm)", 1.0, 8.0, 4.0, 0.5, key="cs_atrophy",
                                help="Mean enlargement of the ventricles in the atrophy group; the cortex "
                                     "thins by a third of it.")
motion = controls[2].slider("Head motion", 0.0, 1.0, 1.0, 0.1, key="cs_motion",
                            help="0: every head lies like the template; 1: ±15°, ±10 mm, ±15 % size.")
epochs = controls[3].slider("Epochs", 5, 40, 20, 5, key="cs_epochs", help="Training passes of each CNN.")
SEED = 0

sample = preview(atrophy_mm, motion, SEED)
columns = st.columns(5)
show_image(columns[0], grey(sample.template), describe_image(grey(sample.template), "Template brain slice"),
           caption="Template", output_format="PNG", width="stretch")
for column, image, label, area, head in zip(columns[1:], sample.images, sample.labels, sample.ventricle_mm2,
                                            sample.motions):
    show_image(column, grey(image), f"Simulated subject, {case_study.CLASS_NAMES[label]}: ventricles {area:.0f} mm², "
               f"head turned {head.angle_deg:+.0f}°, scaled ×{head.scale:.2f}", output_format="PNG", width="stretch",
               caption=f"{case_study.CLASS_NAMES[label]}: ventricles {area:.0f} mm², {head.angle_deg:+.0f}°, "
                         f"×{head.scale:.2f}")
plan = case_study.subject_plan(1, atrophy_mm, motion, np.random.default_rng([SEED, 1, 0]))
show_code(subject_snippet(plan[0], plan[1], plan[2]), "Show the code: one subject with atrophy")

st.header("Run both steps")
if st.button("Run the case study", type="primary", icon=":material/play_arrow:", key="cs_run"):
    # Stop (or any other control) reruns the page: this run is interrupted at its next progress update and its
    # results are dropped. The result is stored last, inside the block: kept exactly when not reported as stopped.
    with stoppable(STOP):
        bar = st.progress(0.0, text="Starting")
        try:
            result = heavy.run("case-study", case_study.run, n, atrophy_mm, motion, epochs, 64, SEED, anatomy(),
                               callbacks={"progress": lambda fraction, message: bar.progress(min(fraction, 1.0),
                                                                                              text=message)})
        except (ValueError, RuntimeError) as exc:
            result = None
            st.error(f"The case study could not run: {exc}")
        bar.empty()
        if "keras" in sys.modules:  # the run imported Keras here (inline, no Dask): no full gc.collect after reruns
            light_keras_cleanup()
        if result is not None:
            st.session_state[RESULT_KEY] = {"params": (n, atrophy_mm, motion, epochs), "result": result}
elif was_stopped(STOP):
    st.info(STOPPED.format("The case study") + " Press **Run the case study** to start again."
            + (" The results below are those of the last complete run." if RESULT_KEY in st.session_state else ""),
            icon=":material/stop_circle:")

stored = st.session_state.get(RESULT_KEY)
if stored is None:
    st.info("Press **Run the case study**: it registers every subject, then trains the CNN twice (under a minute "
            "for 80 subjects).", icon=":material/play_circle:")
else:
    result: case_study.CaseStudy = stored["result"]
    run_n, run_atrophy, run_motion, run_epochs = stored["params"]
    if stored["params"] != (n, atrophy_mm, motion, epochs):
        st.caption(f":material/history: Results of the last run ({run_n} subjects, atrophy {run_atrophy:g} mm, "
                   f"motion {run_motion:g}, {run_epochs} epochs): press the button to run with the new settings.")
    cohort = result.cohort

    st.subheader("Step 1: registration to the template")
    from core.registration import ncc

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
            if images is None:
                difference = result.registered[i] - cohort.template
                show_image(cell, grey(0.5 + difference), describe_image(grey(0.5 + difference), "Registered subject "
                           "minus the template (mid grey: no change, dark: tissue lost)"), output_format="PNG",
                           width="stretch", caption="dark: tissue lost")
            else:
                head = cohort.motions[i]
                show_image(cell, grey(images[i]), f"{row_name} subject, {case_study.CLASS_NAMES[cohort.labels[i]]}, "
                           f"head turned {head.angle_deg:+.0f}°, scaled ×{head.scale:.2f}", output_format="PNG",
                           width="stretch", caption=(f"{case_study.CLASS_NAMES[cohort.labels[i]]}, {head.angle_deg:+.0f}°, "
                                    f"×{head.scale:.2f}") if images is cohort.images else None)
    show_code(registration_snippet(run_n, run_atrophy, run_motion, 64, SEED, examples[0]),
              "Show the code: register one subject with SimpleITK")

    st.subheader("Step 2: the CNN, with and without step 1")
    n_test = len(result.test)
    left, right = st.columns(2)
    gain = result.with_registration.accuracy - result.without_registration.accuracy
    left.metric("Accuracy with registration", f"{result.with_registration.accuracy:.0%}", f"{gain:+.0%}")
    right.metric("Accuracy without registration", f"{result.without_registration.accuracy:.0%}")
    st.caption(f"The same CNN, the same {len(result.train)} training and {n_test} held-out subjects, the same seed; "
               "only step 1 differs. Accuracy = share of the held-out subjects classified right.")
    curves = pd.DataFrame({"with registration": result.with_registration.val_accuracy,
                           "without registration": result.without_registration.val_accuracy},
                          index=pd.RangeIndex(1, len(result.with_registration.val_accuracy) + 1, name="epoch"))
    st.line_chart(curves, x_label="epoch", y_label="held-out accuracy", height=260)
    show_code(cnn_snippet(run_n, run_atrophy, run_motion, 64, SEED, run_epochs),
              "Show the code: train the CNN on registered and unregistered slices")

    st.subheader("Time per new subject")
    register_s = float(np.median(result.register_seconds))
    cols = st.columns(3)
    cols[0].metric("Registration", f"{register_s * 1000:.0f} ms")
    cols[1].metric("Prediction", f"{result.with_registration.predict_seconds * 1000:.0f} ms")
    cols[2].metric("Total per subject", f"{result.seconds_per_subject:.2f} s")
    explain(f"Measured on this machine for one {cohort.images.shape[1]}-pixel slice (median over the subjects). "
            "The paper's mean of 23-24 s per person is for its own pipeline on whole 3D scans (see the paper for "
            "what it includes). Either way, a trained pipeline answers in seconds; training is the slow part.")


def question_gain(result: case_study.CaseStudy) -> Question:
    """By how much did registration change the accuracy in the learner's last run?"""
    gain = 100 * (result.with_registration.accuracy - result.without_registration.accuracy)
    return Question("In your last run, by how many percentage points did registration change the accuracy "
                    "(with minus without)?",
                    f"{100 * result.with_registration.accuracy:.0f} % − "
                    f"{100 * result.without_registration.accuracy:.0f} % = {gain:.0f} points.",
                    round(gain), tolerance=1.0)


questions = [
    Question("Which step of the pipeline needs no labels?",
             "Registration optimises a similarity between images (here their correlation): no diagnosis is needed. "
             "The CNN learns from subjects labelled healthy or atrophy.", 0,
             ("registration", "the CNN", "both", "neither")),
    Question("Why do unregistered slices make the CNN's job harder?",
             "In unregistered slices the same pixel shows different anatomy in each person, and a large head "
             "has large ventricles: the network must learn to ignore pose and size from few examples.", 2,
             ("they are noisier", "they have fewer pixels", "the same pixel shows different anatomy in each subject")),
    Question("Where do the accuracies on this page come from?",
             "From simulated subjects made from one template: they show what registration does, not how well a CNN "
             "detects Alzheimer's disease. For that, read the paper's own results.", 1,
             ("from the paper", "from simulated data on this machine", "from ADNI")),
]
if stored is not None:
    questions.append(lambda: question_gain(stored["result"]))
self_check("case_study", questions)
