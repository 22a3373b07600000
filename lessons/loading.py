"""Objective 2: loading data. File types, headers, physical values, orientation, and the code to do it."""

import pandas as pd
import streamlit as st

import numpy as np

from core import describe, display, loading_snippets
from core.geometry import pixel_count_question
from core.phi import REDACTED
from core.selfcheck import Question
from ui import picker
from ui.code import show_code
from ui.lesson import explain, intro, self_check
from ui.alt import show_figure
from ui.safe_text import md
from ui.viewer import PLOT_CONFIG, show_volume
from ui.probe_view import probe_figure
from ui.series_table import show_series_table

st.title("2 · Loading data")
intro(2, [
    "Pick **CT: chest slice** in the sidebar: the file stores 128 to 2191, yet the pixels mean −896 to 1167 HU. Find the "
    "rescale that does it in the header table (search *Rescale*).",
    "In *From the file to the screen*, move the probe onto bone, then fat: watch the displayed grey saturate with the "
    "soft-tissue window.",
    "Pick **MRI 3D: brain template**: move the three sliders and switch radiological/neurological; find which side is "
    "the patient's left.",
    "Pick the **brain as a DICOM series**: 95 files, put in order by their positions, not their names.",
    "Upload a file of your own, or a broken one (any text file renamed .dcm), and read the message.",
])
picker.show_upload_error()
volume = picker.current_volume()
sample = picker.current_sample()

st.header("Three families of files")
dicom_col, nifti_col, photo_col = st.columns(3)
with dicom_col.container(border=True):
    st.markdown("**DICOM** · the gold standard of hospitals")
    st.caption(
        "Header and pixels in **one file**: patient, scanner, pixel size, position and orientation in the "
        "patient, and the rescale that turns stored numbers into physical units (Hounsfield units for CT). "
        "A 3D scan is usually a **series**: one file per slice, put in order by position. Read with **pydicom**."
    )
with nifti_col.container(border=True):
    st.markdown("**NIfTI and ANALYZE** · research neuroimaging")
    st.caption(
        "ANALYZE 7.5 keeps the **header (.hdr) and the image (.img) apart**; NIfTI can too, or joins them in "
        "one .nii (often gzipped, .nii.gz). NIfTI adds the **orientation**: an affine matrix from voxel indices "
        "to millimetres in the scanner, so software knows left from right. Read with **nibabel**."
    )
with photo_col.container(border=True):
    st.markdown("**PNG, JPEG, TIFF, GIF** · everyday images")
    st.caption(
        "Pixels and little else: no patient, usually no pixel size, no orientation. JPEG is lossy (it changes "
        "values), PNG and TIFF are lossless and can hold 16 bits, TIFF and GIF can hold stacks of pages. "
        "Read with **imageio** or **scikit-image**."
    )

st.header(f"Your image: {md(volume.name)}")
facts = describe.summary(volume)
if sample:
    st.caption(f"{sample.provenance} Licence: {sample.licence}.")
headline = {  # short enough for a metric; the table below has the full wording
    "Format": facts["format"],
    "Dimensions": facts["dimensions"].split(" (")[0] + (" RGB" if volume.rgb else ""),
    "Data type": facts["data type"],
    "Bit depth (stored)": facts["bit depth (stored)"],
    "Voxel size (mm)": " × ".join(f"{s:.3g}" for s in volume.spacing) if volume.spacing_known else "unknown",
}
for n, (label, value) in enumerate(headline.items()):  # three a row: long values ("DICOM series") fit whole
    if n % 3 == 0:
        columns = st.columns(3)
    columns[n % 3].metric(label, md(value))
st.dataframe(pd.DataFrame({"property": list(facts), "value": list(facts.values())}), hide_index=True, width="stretch")
if "stored values" in facts:
    st.info(
        f"The file stores **{facts['stored values']}**, but the pixels mean **{facts['physical values']}**: "
        "the header's rescale (slope and intercept) converts one into the other. Always compute on the "
        "physical values.", icon=":material/calculate:")

if str(volume.metadata.get("BurnedInAnnotation", "")).upper() == "YES":
    st.warning("This file says its pixels contain **burned-in annotation**: text such as a name or a date may be "
               "part of the image itself, where no header redaction can hide it.", icon=":material/warning:")

show_series_table(volume)

st.header("Look at it")
show_volume(volume, key="loading")


def value_chain_section() -> tuple[int, ...]:
    """Probe one pixel and follow its value from the file to the screen."""
    st.header("From the file to the screen, one pixel")
    explain("Pick a pixel and follow its number: **stored value → modality LUT (× slope + intercept) → "
            "physical value → window → displayed grey (0-255)**.")
    shape = volume.spatial_shape
    axes = ("slice", "row", "column")[-len(shape):]
    columns = st.columns(len(shape) + (1 if volume.is_4d else 0))
    index = tuple(
        int(col.number_input(axis.capitalize(), 0, n - 1, n // 2, key=f"probe-{axis}-{volume.name}-{shape}"))
        for col, axis, n in zip(columns, axes, shape)
    )
    if volume.is_4d:
        index = (int(columns[-1].number_input("Time point", 0, volume.n_frames - 1, 0, key=f"probe-t-{volume.name}")),
                 *index)
    if volume.rgb:
        r, g, b = (float(v) for v in volume.data[index])
        st.markdown(f"A colour pixel holds three numbers: **red {r:g}, green {g:g}, blue {b:g}**. The screen "
                    "mixes them; there is no rescale and no window.")
        show_figure(st, probe_figure(volume, index, 1.0, 0.0), config=PLOT_CONFIG, key="probe-figure")
        return index
    image = volume.frame(index[0] if volume.is_4d else 0)
    width, level = display.CT_WINDOWS["soft tissue"] if volume.modality == "CT" else display.auto_window(image)
    wcol, lcol = st.columns(2)
    width = wcol.number_input("Window width", min_value=1e-6, value=float(width), key=f"chain-w-{volume.name}")
    level = lcol.number_input("Window level", value=float(level), key=f"chain-l-{volume.name}")
    chain = describe.value_chain(volume, index, width, level)
    steps = st.columns(4)
    steps[0].metric("Stored value", f"{chain['stored']:.6g}")
    steps[1].metric("× slope + intercept", f"× {chain['slope']:.6g} + {chain['intercept']:.6g}")
    steps[2].metric("Physical value", f"{chain['physical']:.6g}")
    steps[3].metric("Displayed grey", f"{chain['grey']}")
    low = level - width / 2
    st.caption(
        f"Window: values from {low:.6g} (black) to {low + width:.6g} (white). "
        f"Grey = clip(({chain['physical']:.6g} − {low:.6g}) / {width:.6g} × 255) = {chain['grey']}"
        + (" (MONOCHROME1: inverted)." if volume.monochrome1 else ".")
    )
    show_figure(st, probe_figure(volume, index, width, level), config=PLOT_CONFIG, key="probe-figure")
    return index


probe = value_chain_section()

if volume.affine is not None and volume.is_3d:
    st.header("From voxel to world: the affine")
    spatial = probe[-3:]
    own = describe.file_index(volume, spatial)
    explain(
        "The header's 4 × 4 **affine** maps a voxel index (i, j, k) to millimetres in the scanner (x towards the "
        "patient's right, y anterior, z superior: RAS). The course turns every volume so that slices go from foot to "
        "head and each axial slice shows the front at the top, but the file's own affine works on the file's own "
        f"indices: the probed voxel (slice {spatial[0]}, row {spatial[1]}, col {spatial[2]}) is "
        f"**(i, j, k) = {own}** in the file."
    )
    matrix, steps_col = st.columns([2, 3])
    matrix.dataframe(pd.DataFrame(volume.file_affine, index=["x", "y", "z", ""], columns=["i", "j", "k", "1"]).round(4),
                     width="stretch")
    steps_col.dataframe(describe.affine_steps(volume.file_affine, own), hide_index=True, width="stretch")
    st.caption(f"Orientation codes of the file's axes (nibabel.aff2axcodes): {facts.get('orientation in the file')}.")

st.header("The header")
explain("Every field the file carries. Fields that could identify a patient (names, IDs, dates, places, "
            "free text, UIDs, private tags) are hidden, following the DICOM PS3.15 confidentiality profile.")
search_col, reveal_col = st.columns([3, 2])
query = search_col.text_input("Search the header", placeholder="e.g. spacing, Rescale, dim")
hidden = getattr(volume, "hidden_metadata", {})
if st.session_state.get("reveal-phi-for") != picker.current_key():  # the opt-in is for the file it was given for
    st.session_state["reveal-phi-for"], st.session_state["reveal-phi"] = picker.current_key(), False
reveal = reveal_col.toggle(f"Show the {len(hidden)} hidden field(s) for this session", False, key="reveal-phi",
                           disabled=not hidden,
                           help="Only in your browser session; nothing is stored. Use it for your own data only.")
if reveal:
    st.warning("Identifying fields are shown for this browser session only. Do not share screenshots of them.",
               icon=":material/visibility:")
fields = dict(volume.metadata, **hidden) if reveal else volume.metadata
table = describe.header_table(fields, query)
st.dataframe(table, hide_index=True, width="stretch", height=320)
st.caption(f"{len(table)} of {len(fields)} fields shown · {sum(v == REDACTED for v in fields.values())} redacted.")

show_code(loading_snippets.loading_snippet(volume, probe, sample))
st.caption("The snippet uses the file's own library, so its indices are the file's own (before the course turns "
           "the volume to its display orientation).")


def physical_value_question() -> Question:
    """A numeric question on the probed pixel of the learner's own image."""
    if volume.rgb:
        return Question(f"The probed pixel is {tuple(int(v) for v in volume.data[probe])} (red, green, blue). How many "
                        "numbers does the screen mix for it?", "A colour pixel holds one number per channel: 3.", 3.0)
    chain = describe.value_chain(volume, probe, 1.0, 0.0)
    return Question(
        f"The probed pixel stores **{chain['stored']:.6g}**; the rescale slope is {chain['slope']:.6g} and the intercept "
        f"{chain['intercept']:.6g}. What is its physical value?",
        f"stored × slope + intercept = {chain['stored']:.6g} × {chain['slope']:.6g} + {chain['intercept']:.6g} = "
        f"{chain['physical']:.6g}.", chain["physical"], tolerance=max(abs(chain["physical"]) * 1e-3, 0.01))


def voxel_size_question() -> Question:
    """A numeric question on the voxel (or pixel) size of the current image; in pixels when the size is unknown."""
    if not volume.spacing_known or volume.frame_axis == "frames":
        return pixel_count_question(volume)
    size = float(np.prod(volume.spacing[-3:] if volume.is_3d else volume.spacing[-2:]))
    unit, what = ("mm³", "voxel") if volume.is_3d else ("mm²", "pixel")
    return Question(
        f"From the voxel size above, what is the {what} {'volume' if volume.is_3d else 'area'} of this image in {unit}?",
        f"Multiply the spacings: {' × '.join(f'{s:.4g}' for s in volume.spacing[-3 if volume.is_3d else -2:])} = "
        f"{size:.4g} {unit}.", size, tolerance=size * 0.01)


self_check("loading", [
    Question("Where are the header and the pixels of an ANALYZE 7.5 image?",
             "ANALYZE keeps them apart: a .hdr header and an .img file of raw pixels, which must travel together.", 1,
             ("Together in one .dcm file", "In a .hdr file and an .img file", "In the PNG's metadata")),
    Question("What does a NIfTI file's affine tell you?",
             "It maps a voxel index (i, j, k) to millimetres in the scanner's frame, so software knows left from right.",
             0, ("Where each voxel is in the patient, in mm", "How to rescale stored values to physical units",
                 "How the file was compressed")),
    Question("Why does the course order DICOM slices by ImagePositionPatient and not by file name?",
             "File names and instance numbers are not guaranteed to follow the anatomy; the position along the slice "
             "normal is.", 2, ("Sorting by name is slower", "DICOM files have no names",
                               "Only the position says where the slice is in the body")),
    physical_value_question,
    voxel_size_question,
])
