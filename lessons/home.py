"""Home: the course map, what the course is about, its samples and how to bring your own images."""

import pandas as pd
import streamlit as st

from core import samples
from core.questions.selfcheck import progress_from_json, progress_text, progress_to_json
from ui.course import EXTRAS, OBJECTIVES
from ui.room import lecturer_mode

st.title("Medical Image Analysis in Python")
st.markdown(
    "An interactive course: every page works on real medical images, shows what the computer sees "
    "(numbers, histograms, heatmaps), lets you change the parameters, and gives you the Python code "
    "that reproduces the view with the real libraries (pydicom, nibabel, imageio, scikit-image, SimpleITK, Keras)."
)

st.header("How a computer sees an image")
st.markdown(
    "To a computer an image is a table of numbers. Each cell is a **pixel** (in 2D) or a **voxel** (in 3D) "
    "and holds a value: a brightness, a tissue density in Hounsfield units, an MRI signal. The **bit depth** "
    "says how many different values a cell can hold (8 bits: 256 levels, 0 to 255; 12 bits: 4096), a colour "
    "photo holds three numbers per pixel (red, green, blue), and the file's **header** says how big each "
    "pixel is in millimetres and where it sits in the patient. Everything else in this course (thresholds, "
    "filters, registration, neural networks) is arithmetic on those numbers."
)

st.header("Course map")
columns = st.columns(3)
card_height = "content" if lecturer_mode() else 190  # a room's type needs the whole card, not a scroll box
for n, objective in enumerate(OBJECTIVES):
    with columns[n % 3].container(border=True, height=card_height):
        st.markdown(f"**{objective.number}. {objective.title}**")
        st.caption(objective.summary)
        st.page_link(objective.page, label="Open this lesson", icon=":material/arrow_forward:")
for extra in EXTRAS:
    with st.container(border=True):
        st.markdown(f"**Case study · {extra.title}**")
        st.caption(extra.summary)
        st.page_link(extra.page, label="Open the case study", icon=extra.icon)

st.header("Your progress")
progress = st.session_state.setdefault("progress", {})
lessons = {o.page: f"{o.number}. {o.title}" for o in OBJECTIVES}
lessons.update({e.page: f"Case study · {e.title}" for e in EXTRAS})
pages = {path.removeprefix("lessons/").removesuffix(".py"): title for path, title in lessons.items()}
st.table(pd.DataFrame({"self-check": [progress_text(progress.get(p)) for p in pages]},
                      index=pd.Index(list(pages.values()), name="lesson")))
save, restore = st.columns(2)
save.download_button("Download my progress (.json)", progress_to_json(progress), file_name="course-progress.json",
                     mime="application/json", icon=":material/download:",
                     help="Nothing is stored on the server: this browser keeps your progress across a reload; "
                          "keep this file to continue in another browser or another day.")
upload = restore.file_uploader("Restore progress from a file", type=None, key="progress-file")
if upload is not None and st.session_state.get("progress-restored") != upload.file_id:
    try:
        progress.update(progress_from_json(upload.getvalue(), set(pages)))
        st.session_state["progress-restored"] = upload.file_id
        st.rerun()
    except ValueError as exc:
        restore.error(str(exc))

st.header("AI, machine learning and deep learning")
st.table(pd.DataFrame(
    {
        "What it is": [
            "Any technique that lets a computer do a task that seems to need intelligence.",
            "Algorithms that learn patterns from data instead of following hand-written rules.",
            "Machine learning with many-layered neural networks that learn their own features from raw pixels.",
        ],
        "Example in imaging": [
            "A rule-based system flagging scans whose report contains 'fracture'.",
            "Clustering tissue intensities; a random forest on hand-made texture features.",
            "A CNN classifying skin lesions as benign or malignant from the photo itself.",
        ],
        "What it needs": [
            "Knowledge written down by experts.",
            "Data, plus features chosen by people.",
            "Much labelled data and computing power; harder to explain.",
        ],
    },
    index=["Artificial intelligence", "Machine learning", "Deep learning"],
))
st.caption("Each is a subset of the one above it: deep learning ⊂ machine learning ⊂ AI.")

st.header("Machine learning in healthcare")
pros, cons = st.columns(2)
with pros:
    st.markdown(
        "**Pros**\n"
        "- Tireless and consistent: the same image gives the same answer at 3 a.m.\n"
        "- Fast triage of large volumes (screening programmes, emergency CT).\n"
        "- Finds patterns too subtle or too high-dimensional for the eye.\n"
        "- Quantitative: volumes, growth rates, probabilities instead of impressions."
    )
with cons:
    st.markdown(
        "**Cons**\n"
        "- Needs large, well-labelled, representative datasets: expensive and privacy-sensitive.\n"
        "- Fails silently on data unlike its training set (another scanner, another population).\n"
        "- Hard to explain; hard to assign responsibility when it errs.\n"
        "- Can learn and amplify biases in the data."
    )
st.info(
    "**Garbage in, garbage out.** A model is only as good as its data: mislabelled, corrupted, unbalanced "
    "or badly prepared images make a confident but wrong model. That is why this course spends three "
    "lessons on loading, exploring and preparing data before any learning.",
    icon=":material/delete:",
)

st.header("The sample images")
st.markdown("All samples are real data shipped with the installed Python packages: nothing is downloaded.")
# A zero-width space after each "/" lets an address (ftp://medical.nema.org/...) wrap in its cell in front of a
# room, where words are never broken, instead of widening the table past the screen.
st.table(pd.DataFrame([{"sample": s.name, "modality": s.modality,
                        "where it comes from": s.provenance.replace("/", "/\u200b"), "licence": s.licence}
                       for s in samples.SAMPLES]).set_index("sample"))

st.header("Bring your own images")
st.markdown(
    "Use **Upload** in the sidebar, on any page. The course reads DICOM (a single file, all the files of a "
    "series, or a .zip of them), NIfTI (.nii, .nii.gz), ANALYZE (the .hdr and .img together), PNG, JPEG, "
    "TIFF (several pages make a 3D stack) and GIF. The format is recognised from the file's content, not its "
    "name. Your image stays in your browser session only: it is not stored, and identifying header fields "
    "(names, IDs, dates) are hidden unless you choose to show them."
)
