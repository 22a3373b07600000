"""Objective 3: exploratory data analysis. A whole dataset at a glance, histograms, corrupted data and SNR."""

import numpy as np
import pandas as pd
import streamlit as st

from core import eda, eda_snippets
from core.cohort import LECTURE_IMAGE, PROBLEMS, build_cohort
from core.io import ImageLoadError, load_image
from core.thumbnails import preview
from core.noise import NOISE_KINDS, add_noise
from core.selfcheck import Question
from ui import picker
from ui.alt import show_figure, show_image
from ui.code import show_code
from ui.lesson import STOPPED, explain, intro, lecturer_mode, presets, self_check, stoppable, was_stopped
from ui.safe_text import md, safe_csv
from ui.viewer import PLOT_CONFIG, png_bytes
from ui.thumbnails import show_thumbnail_grid

COHORT, OWN = "Built-in cohort", "My own files"
UPLOAD_STOP = "eda-upload-stop"
CURRENT = "current image"
NOISY, OTHER = "a noisy copy", "another file of the dataset"


@st.cache_resource(max_entries=1, show_spinner="Writing the cohort's DICOM files and reading them back...")
def cohort_dataset():
    """The built-in cohort and its table, built once per server and shared read-only."""
    cohort = build_cohort()
    return cohort, eda.file_table(cohort.files)


@st.cache_data(max_entries=16, show_spinner="Counting every pixel of the cohort...")
def cohort_pooled(group: str, max_bins: int):
    """The pooled histogram of the cohort's images of one modality (the cohort never changes)."""
    cohort, table = cohort_dataset()
    return pooled(cohort.files, table, group, max_bins)


@st.cache_data(max_entries=1)
def lecture_presets() -> tuple[dict, dict]:
    """Widget values reproducing the lecture's histogram figure, and jumping to two quality findings."""
    cohort, _ = cohort_dataset()
    lecture = load_image(dict(cohort.files)[LECTURE_IMAGE], LECTURE_IMAGE).data
    scale = eda.noise_scale(lecture)
    figure = {
        "Histogram: original vs noisy copy": {
            "eda_source": COHORT, "eda_hist_image": LECTURE_IMAGE, "eda_compare": NOISY,
            "eda_noise_kind": "gaussian", sigma_key(scale): float(f"{scale / 5:.2g}"), "eda_log": False,
            "eda_marks": True}}
    findings = {
        "Clipped values": {
            "eda_source": COHORT, "eda_hist_image": cohort.problems["saturation"][0], "eda_compare": "nothing",
            "eda_log": True, "eda_marks": True},
        "Very noisy image": {
            "eda_source": COHORT, "eda_hist_image": cohort.problems["low SNR"][0], "eda_compare": OTHER,
            "eda_other": LECTURE_IMAGE, "eda_log": False, "eda_marks": False},
    }
    return figure, findings


def sigma_key(scale: float) -> str:
    """The noise slider's key: one per range, so a new image never gets a value outside its slider."""
    return f"eda_sigma_{scale}"


def pooled(files, table: pd.DataFrame, group: str, max_bins: int):
    """Histogram and statistics of every pixel of the readable images of `group`."""
    rows = table[table["readable"] & (eda.image_kind(table) == group)]
    content = dict(files)
    integer = all(np.dtype(d).kind in "iub" for d in rows["dtype"])
    bins, span = eda.histogram_bins(rows["min"].min(), rows["max"].max(), integer, max_bins)
    arrays = (load_image(content[name], name).data for name in rows["file"])
    histogram, stats = eda.pooled_histogram(arrays, bins, span)
    return histogram, stats, integer, len(rows)


def upload_dataset(files) -> tuple[list, pd.DataFrame] | None:
    """Read the learner's files once per new set (kept in this session only), with a progress bar and a Stop button.

    None when the reading of this set was stopped: the page says so and offers to read the set again, instead of
    starting over on its own at every rerun.
    """
    if was_stopped(UPLOAD_STOP):  # the set being read when Stop (or another control) was pressed
        st.session_state["eda_stopped"] = st.session_state.get("eda_reading")
    signature = tuple(f.file_id for f in files)
    kept = st.session_state.get("eda_dataset")
    if kept and kept["signature"] == signature:
        return kept["files"], kept["table"]
    if st.session_state.get("eda_stopped") == signature:
        notice = st.empty()
        with notice.container():
            st.info(STOPPED.format("Reading the files") + " Until you read them again, the built-in cohort is shown.",
                    icon=":material/stop_circle:")
            again = st.button("Read my files again", key="eda_read_again", icon=":material/refresh:")
        if not again:
            return None
        notice.empty()
        del st.session_state["eda_stopped"]
    try:  # the budget is the whole set's, however many archives it comes in
        expanded = eda.expand_zips([(f.name, f.getvalue()) for f in files])
    except ImageLoadError as exc:
        st.error(md(exc, limit=None), icon=":material/error:")
        return None
    bar = st.progress(0.0, text=f"Reading {len(expanded)} file(s)...")

    def report(done: int, total: int, name: str) -> None:  # where Streamlit can interrupt the reading
        bar.progress(done / total, text=f"Read {done} of {total}: {md(name)}")

    st.session_state["eda_reading"] = signature
    try:
        with stoppable(UPLOAD_STOP):
            table = eda.file_table(expanded, progress=report)
    finally:
        bar.empty()
    st.session_state["eda_dataset"] = {"signature": signature, "files": expanded, "table": table, "pooled": {}}
    return expanded, table


st.title("3 · Exploratory data analysis")
intro(3, [
    "Read the four counts under *How many images?*: how many files of the built-in cohort cannot be read?",
    "In the table, sort by **at max (%)** (click its header): one file stands out. Choose it in the histogram "
    "and switch on *Log scale*: see the spike at the right end.",
    "Choose **P03_MR.dcm**, compare it with *a noisy copy*, and raise the noise σ: watch the peaks widen and the "
    "SNR fall.",
    "Compare **P21_MR.dcm** with another file: the quality report flags its SNR; find the number in the SNR chart.",
    "Before opening the answer key at the bottom, list the cohort's problems you found in the quality report.",
])
picker.show_upload_error()
explain(
    "Before cleaning or training anything, look at the **whole dataset**: how many images and patients, what "
    "sizes and pixel spacings, which modalities and scanners. Then inspect the pixels: **is any data obviously "
    "corrupted? Could we enhance the signal-to-noise ratio?** The answers decide the pre-processing of the next page."
)

st.header("The dataset")
source = st.radio("Explore", (COHORT, OWN), horizontal=True, key="eda_source",
                  help="A set of files, not the single image of the sidebar.")
uploads = None
if source == OWN:
    uploads = st.file_uploader(
        "Your files: many DICOM files, NIfTI, PNG, JPEG, TIFF... or a .zip of them", accept_multiple_files=True,
        key="eda_upload", help="Hundreds of files are fine. Nothing is stored: they stay in this browser session.")
dataset = upload_dataset(uploads) if uploads else None
if dataset:
    files, table = dataset
    cohort = None
    files_code = eda_snippets.FOLDER_FILES
    st.caption(f"Your {len(uploads)} upload(s): {len(files)} file(s) once archives are unpacked. They stay in "
               "this browser session only.")
else:
    if source == OWN and not uploads:
        st.info("Upload files above (select many at once, or one .zip); until then the built-in cohort is shown.",
                icon=":material/upload:")
    cohort, table = cohort_dataset()
    files = cohort.files
    files_code = eda_snippets.COHORT_FILES
    with st.expander("About the built-in cohort", icon=":material/info:"):
        st.markdown(
            f"{len(cohort.files)} DICOM files written by this course with pydicom from slices of the MNI152 brain "
            "template and of pydicom's CT sample, with **plainly fake** patients (`FAKE^PATIENT01`...), dates and "
            "scanners. It holds two series (an MR brain series and a CT series) and single-image studies, and "
            f"**{len(cohort.problems)} deliberate problems**. Try to spot them in the table and the histograms "
            "before you read the quality report at the bottom."
        )
counts = eda.summary_counts(table)

st.header("How many images?")
for column, (name, value) in zip(st.columns(len(counts)), counts.items()):
    column.metric(name.capitalize(), value, border=True)
readable = table[table["readable"]]
if readable.empty:
    st.warning("None of these files could be read as an image: the table below says why for each one.",
               icon=":material/warning:")
else:
    figures = eda.overview_figures(table)
    for row in (("dimensions", "spacing"), ("modality", "age")):
        for column, key in zip(st.columns(2), row):
            show_figure(column, figures[key], config=PLOT_CONFIG, key=f"eda-{key}")

if not readable.empty:
    show_thumbnail_grid(files, table)

st.header("One row per file")
explain(
    "Every number is computed from the file: sizes and spacing from the header, **min, max and mean** from the "
    "pixels in physical units (NaN and infinite pixels left out and counted apart). Patients and series are "
    "counted from their IDs but shown as *patient 1*, *series 1*: names, IDs, dates and UIDs stay redacted."
)
st.dataframe(
    table, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(table)),
    column_config={
        "file": st.column_config.TextColumn(pinned=True, width="medium"),
        "why unreadable": st.column_config.TextColumn(width="medium"),
        "age": st.column_config.NumberColumn(help="Years (from PatientAge); ages over 89 are shown as 90."),
        "orientation": st.column_config.TextColumn(
            help="Where the axes of the stored array point (L/R left/right, A/P anterior/posterior, S/I superior/"
                 "inferior): rows then columns for a 2D slice, the file's three axes for a volume."),
        **{c: st.column_config.NumberColumn(help="From the header; empty when the file records no pixel size "
                                                 "(PNG, JPEG, a DICOM without PixelSpacing): unknown, not 1 mm.")
           for c in ("row spacing (mm)", "column spacing (mm)", "slice thickness (mm)")},
        "position (mm)": st.column_config.NumberColumn(format="%.2f", help="Position of a slice along its normal."),
        "min": st.column_config.NumberColumn(format="%.6g"), "max": st.column_config.NumberColumn(format="%.6g"),
        "mean": st.column_config.NumberColumn(format="%.2f"),
        "non-finite (%)": st.column_config.NumberColumn(format="%.2f"),
        "at max (%)": st.column_config.NumberColumn(format="%.2f"),
        "at min, not background (%)": st.column_config.NumberColumn(
            format="%.2f",
            help="Pixels at the minimum value, except those connected to the image border (the background)."),
        "SNR": st.column_config.NumberColumn(format="%.1f", help=eda.SNR_METHOD),
        "pixel hash": st.column_config.TextColumn(help="A hash of the pixel values: equal hashes, identical images."),
    },
)
if not lecturer_mode():
    st.download_button("Download the table (CSV)", safe_csv(table), "dataset_table.csv", "text/csv",
                       icon=":material/download:")
show_code(eda_snippets.table_snippet(files_code))
st.caption("The snippet reads DICOM files with pydicom; the page also reads NIfTI, PNG, JPEG and TIFF files "
           "(see page 2 for their libraries).")


@st.fragment
def histogram_section() -> None:
    """The pixelwise intensity histogram of one image or of the whole set, optionally compared with another."""
    explain("The **proportion of pixels at each grey level**: where the background, the tissues and the "
                "outliers sit, whether values are clipped, how noisy the image is.")
    names = readable["file"].tolist()
    groups = eda.image_kind(readable[readable["min"].notna()]).value_counts()  # images with a finite value
    whole = {f"All {g} images of the dataset ({n})": g for g, n in groups.items() if n > 1}
    volume = picker.current_volume()
    sample = picker.current_sample()
    current = f"The {CURRENT} of the sidebar: {volume.name}"
    choice = st.selectbox("Image", [*names, *whole, current], key="eda_hist_image",
                          help="A file of the dataset, all the images of one modality pooled, or the sidebar's image.")
    if lecturer_mode():  # fewer controls: the default bins
        log_col, marks_col = st.columns(2, vertical_alignment="center")
        max_bins = 256
    else:
        bins_col, log_col, marks_col = st.columns([2, 1, 1], vertical_alignment="center")
        max_bins = bins_col.select_slider("Bins (at most)", [32, 64, 128, 256, 512, 1024], 256, key="eda_bins",
                                          help="Integer images spanning fewer grey levels get one bin per level.")
    log = log_col.toggle("Log scale", False, key="eda_log", help="Shows the rare values in the tails.")
    marks = marks_col.toggle("Mark statistics", True, key="eda_marks", help="Mean, median, 1st and 99th percentiles.")

    if choice in whole:
        group = whole[choice]
        if cohort is not None:
            histogram, stats, integer, n = cohort_pooled(group, max_bins)
        else:
            memo = st.session_state["eda_dataset"]["pooled"]
            if (group, max_bins) not in memo:
                with st.spinner(f"Counting every pixel of {groups[group]} images..."):
                    memo[(group, max_bins)] = pooled(files, table, group, max_bins)
            histogram, stats, integer, n = memo[(group, max_bins)]
        show_figure(st, eda.histogram_figure([(choice, histogram, stats)], log, marks), config=PLOT_CONFIG,
                        key="eda-histogram")
        st.caption(f"{histogram.n_values:,} pixels of {n} images, {len(histogram.proportions)} bins, proportions "
                   f"summing to {histogram.proportions.sum():.6f}. Mean {stats['mean']:.6g}; median "
                   f"{stats['median']:.6g}, 1st percentile {stats['p1']:.6g} and 99th {stats['p99']:.6g}, read from "
                   "the histogram (to within a bin).")
        dicom_group = table.loc[table["readable"] & (eda.image_kind(table) == group), "format"].eq("DICOM").all()
        if dicom_group:
            show_code(eda_snippets.pooled_histogram_snippet(files_code, group, integer, max_bins))
        return

    if choice == current:
        label, data, rgb = volume.name, volume.data, volume.rgb
        read_code = (eda_snippets.sample_code(sample, volume.source_format) if sample else
                     eda_snippets.upload_file_code(volume.name, volume.source_format))
        is_4d = volume.is_4d
        if rgb:
            st.caption("A colour image: the red, green and blue values are pooled; no SNR for colour.")
    else:
        label = choice
        content = dict(files)[choice]
        image = load_image(content, choice)
        data, rgb, is_4d = image.data, image.rgb, image.is_4d
        read_code = (eda_snippets.cohort_file_code(choice) if cohort is not None else
                     eda_snippets.upload_file_code(choice, image.source_format))

    options = ["nothing", NOISY, OTHER]
    compare_col, kind_col, strength_col = st.columns(3)
    compare = compare_col.selectbox("Compare with", options, key="eda_compare",
                                    help="Both on one chart, with the same bins.")
    other, other_label, other_code, noise, other_grey = None, "", None, None, None
    if compare == NOISY:
        kind = kind_col.selectbox("Noise", NOISE_KINDS, key="eda_noise_kind")
        if kind == "salt and pepper":
            strength = strength_col.slider("Fraction of pixels hit", 0.0, 0.5, 0.05, 0.01, key="eda_sp")
        elif kind == "poisson":
            strength = strength_col.select_slider("Photons per unit of value (fewer: noisier)",
                                                  [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0], 0.3, key="eda_photons")
        else:
            top = eda.noise_scale(data)
            strength = strength_col.slider("Noise σ (in the image's units)", 0.0, top, float(f"{top / 10:.2g}"),
                                           key=sigma_key(top))
        other = add_noise(data, kind, strength, seed=0)
        other_label, noise = f"with {kind} noise ({strength:g})", (kind, strength, 0)
        other_grey = None if rgb else (other[0] if is_4d else other)
    elif compare == OTHER:
        other_name = kind_col.selectbox("Other file", [n for n in names if n != label] or names, key="eda_other")
        other_image = load_image(dict(files)[other_name], other_name)
        other, other_label = other_image.data, other_name
        other_grey = None if other_image.rgb else other_image.frame(0)
        other_code = (eda_snippets.cohort_file_code(other_name, "other") if cohort is not None else
                      eda_snippets.upload_file_code(other_name, other_image.source_format, "other"))

    images = [(label, data, None if rgb else (data[0] if is_4d else data))]
    if other is not None:
        images.append((other_label, other, other_grey))
    view = eda.compare_histograms(images, max_bins)
    if view is None:
        st.warning(f"{md(label)} has no finite value (every pixel is NaN or infinite): there is nothing to count.",
                   icon=":material/warning:")
        return
    picture_col, histogram_col = st.columns([1, 2], vertical_alignment="center")  # the image beside its histogram
    picture = png_bytes(preview(data, rgb, is_4d, side=320))
    show_image(picture_col, picture, f"{label} (middle slice), the image whose histogram is beside it",
               caption=f"{md(label)} (middle slice)", width="stretch")
    show_figure(histogram_col, eda.histogram_figure(view.curves, log, marks), config=PLOT_CONFIG, key="eda-histogram")
    st.dataframe(view.table, hide_index=True, width="stretch", column_config={
        "its proportion": st.column_config.NumberColumn(format="percent"),
        "SNR": st.column_config.NumberColumn(format="%.1f", help=eda.SNR_METHOD)})
    width = (view.curves[0][1].edges[-1] - view.curves[0][1].edges[0]) / view.bins
    st.caption(f"{view.bins} bins {'one per grey level' if view.per_level else f'of width {width:.4g}'}; each "
               f"curve's proportions sum to 1 ({', '.join(f'{c[1].proportions.sum():.6f}' for c in view.curves)}). "
               "SNR: see its method under the quality report.")
    rows = view.table.to_dict("records")
    first_grey = images[0][2]
    at_max = eda.percent_at_max(first_grey) if first_grey is not None else 0.0
    if at_max >= eda.SATURATION_PERCENT:
        st.warning(f"**{at_max:.2f}%** of the pixels of {md(label)} sit at its maximum value, "
                   f"{np.nanmax(first_grey):.6g}: a spike at the right end of the histogram. The bright values were "
                   "clipped (saturation): the details there are lost for good.", icon=":material/warning:")
    if noise is not None:
        st.info(f"The noisy copy's SNR is {rows[1]['SNR']:.1f} against {rows[0]['SNR']:.1f}: noise widens every "
                "peak of the histogram and blurs the boundary between tissues. Could we enhance the SNR? Denoising "
                "(next page) narrows the peaks again.", icon=":material/lightbulb:")
    show_code(eda_snippets.histogram_snippet(
        read_code, label, view.integer, max_bins, other_code=other_code, other_label=other_label, noise=noise,
        snr_frame=None if rgb else ("values[0]" if is_4d else "values")))


st.header("Pixel intensity histogram")
figure_preset, finding_presets = lecture_presets()
presets("The lecture's figure", figure_preset, key="eda-preset")
presets("Jump to a finding", finding_presets, key="eda-preset")
if readable.empty:
    st.info("No readable image in this dataset: nothing to count. The presets above show the built-in cohort.",
            icon=":material/info:")
else:
    histogram_section()

st.header("Quality report")
findings = eda.quality_report(table)
flagged = eda.flagged_files(findings)
st.markdown(f"**{len(findings)} finding(s)** concern **{len(flagged)} of {len(table)} files**; "
            f"{len(table) - len(flagged)} pass every check. Each finding lists its files and the pre-processing "
            "that would address it.")
if not findings:
    st.success("No problem found: the files are readable, consistent and not too noisy.",
               icon=":material/check_circle:")
for pair in range(0, len(findings), 2):
    for column, finding in zip(st.columns(2), findings[pair:pair + 2]):
        with column.container(border=True):
            icon = ":material/error:" if finding.severity == "error" else ":material/warning:"
            st.markdown(f"{icon} **{finding.title}** · {len(finding.files)} file(s)")
            if len(finding.notes) <= 6:
                st.markdown("\n".join(f"- {md(name)}: {md(note, limit=None)}" for name, note in finding.notes.items()))
            else:
                st.dataframe(pd.DataFrame({"file": list(finding.notes), "what": list(finding.notes.values())}),
                             hide_index=True, width="stretch", height=250)
            st.markdown(f":material/build: **Pre-processing:** {finding.fix}")

st.subheader("Signal-to-noise ratio per image")
explain(f"**Method.** {eda.SNR_METHOD} Below {eda.LOW_SNR:g} (the Rose criterion) details start to drown in "
            "the noise. The histogram's code above prints the SNR of the image you choose there.")
if readable["SNR"].notna().any():
    show_figure(st, eda.snr_figure(table), table=True, config=PLOT_CONFIG, key="eda-snr")
noiseless = int(np.isinf(readable["SNR"].astype(float)).sum())
if noiseless:
    st.caption(f"{noiseless} image(s) show no measurable noise (SNR infinite): synthetic, template or denoised images.")

if cohort is not None:
    with st.expander("Answer key: the cohort's deliberate problems", icon=":material/quiz:"):
        found = {f.check: set(f.files) for f in findings}
        st.dataframe(pd.DataFrame([
            {"problem": PROBLEMS[check], "check": check, "files": ", ".join(names),
             "found": set(names) <= found.get(check, set())}
            for check, names in cohort.problems.items()
        ]), hide_index=True, width="stretch")


def unreadable_question() -> Question:
    """A numeric question on the dataset on screen: how many files cannot be read."""
    n = counts["unreadable files"]
    return Question(
        "How many files of this dataset cannot be read as an image?",
        f"{n} of {counts['files']}: the metric *Unreadable files* counts them, and the table's column *why "
        "unreadable* says why for each one. Remove them (or fetch them again) before any pre-processing.", n)


def at_max_question() -> Question:
    """A numeric question on the table: the share of pixels at the maximum of the most saturated file."""
    row = readable.loc[readable["at max (%)"].astype(float).idxmax()]
    share = float(row["at max (%)"])
    return Question(
        f"In the table, what percentage of the pixels of **{md(row['file'])}** sit at its maximum value "
        "(column *at max (%)*, to two decimals)?",
        f"{share:.2f}% of its pixels equal its maximum, {row['max']:.6g}. "
        + ("Above 1% is suspicious: bright values were clipped (saturation), as the spike at the right end of its "
           "histogram shows." if share >= eda.SATURATION_PERCENT else
           "Below 1%: a few pixels at the maximum are normal, a pile of them would mean clipping."),
        share, tolerance=0.006)


questions = [
    unreadable_question,
    Question("You add Gaussian noise to an image and compare the two histograms. What happens?",
             "Noise spreads every value around its true level: each peak of the histogram widens and flattens, the "
             "boundary between tissues blurs, and the estimated SNR falls. Denoising (next page) narrows them again.",
             1, ("The peaks get narrower and the SNR rises", "The peaks widen and the SNR falls",
                 "Nothing changes: noise has mean zero")),
    Question("Two files have the same pixel hash. What should you do before training a model?",
             "Identical pixels mean the same image twice: keep one, or the copy may land in both the training and the "
             "test set and inflate the accuracy.", 2,
             ("Nothing, more data is always better", "Average them to reduce the noise", "Keep only one of them")),
    Question("A histogram shows a tall spike at the image's maximum value. What is the most likely cause?",
             "Many pixels piled up at the top of the range: the bright values were clipped (saturation) by the "
             "scanner, the export or a conversion to a smaller data type.", 0,
             ("Bright values were clipped (saturation)", "The image is very noisy", "The file is truncated")),
]
if readable["at max (%)"].notna().any():
    questions.insert(1, at_max_question)
self_check("exploring", questions)
