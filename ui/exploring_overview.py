"""The dataset at a glance (Exploring lesson): how many images, their sizes, spacings, modalities and ages, one row
per file, and the code that builds the table."""

from __future__ import annotations

import streamlit as st

from core import eda
from core.snippets import eda as eda_snippets
from core.text.course_text import LessonText
from ui.alt import show_figure
from ui.code import show_code
from ui.exploring_data import Dataset
from ui.lesson import explain, lecturer_mode
from ui.safe_text import safe_csv
from ui.viewer import PLOT_CONFIG

SPACING_HELP = "From the header; empty when the file records no pixel size (PNG, JPEG, a DICOM without PixelSpacing): " \
               "unknown, not 1 mm."


def column_config() -> dict:
    """How the file table shows its columns: formats and what each one means."""
    number = st.column_config.NumberColumn
    return {
        "file": st.column_config.TextColumn(pinned=True, width="medium"),
        "why unreadable": st.column_config.TextColumn(width="medium"),
        "age": number(help="Years (from PatientAge); ages over 89 are shown as 90."),
        "orientation": st.column_config.TextColumn(
            help="Where the axes of the stored array point (L/R left/right, A/P anterior/posterior, S/I superior/"
                 "inferior): rows then columns for a 2D slice, the file's three axes for a volume."),
        **{c: number(help=SPACING_HELP) for c in ("row spacing (mm)", "column spacing (mm)", "slice thickness (mm)")},
        "position (mm)": number(format="%.2f", help="Position of a slice along its normal."),
        "min": number(format="%.6g"), "max": number(format="%.6g"), "mean": number(format="%.2f"),
        "non-finite (%)": number(format="%.2f"), "at max (%)": number(format="%.2f"),
        "at min, not background (%)": number(
            format="%.2f", help="Pixels at the minimum value, except those connected to the image border (the background)."),
        "SNR": number(format="%.1f", help=eda.SNR_METHOD),
        "pixel hash": st.column_config.TextColumn(help="A hash of the pixel values: equal hashes, identical images."),
    }


def show_counts(dataset: Dataset) -> None:
    """How many files, images, patients and unreadable files: one bordered metric each."""
    st.header("How many images?")
    counts = eda.summary_counts(dataset.table)
    for column, (name, value) in zip(st.columns(len(counts)), counts.items()):
        column.metric(name.capitalize(), value, border=True)


def show_charts(dataset: Dataset) -> None:
    """The section "Dimensions and metadata": dimensions, pixel spacing, modalities and patient ages, two charts a
    row (hover names the files)."""
    st.header("Dimensions and metadata")
    if dataset.readable.empty:
        st.warning("None of these files could be read as an image: nothing to chart. The table of *The dataset* "
                   "says why for each one.", icon=":material/warning:")
        return
    figures, notes = eda.overview_figures(dataset.table), eda.overview_notes(dataset.table)
    for row in (("dimensions", "spacing"), ("modality", "age")):
        for column, key in zip(st.columns(2), row):
            show_figure(column, figures[key], config=PLOT_CONFIG, key=f"eda-{key}")
            column.caption(notes[key])


def show_table(dataset: Dataset, text: LessonText) -> None:
    """One row per file, its CSV download (not in lecturer mode) and the code that builds it."""
    st.header("One row per file")
    explain(text.explanation("table"))
    table = dataset.table
    st.dataframe(table, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(table)),
                 column_config=column_config())
    if not lecturer_mode():
        st.download_button("Download the table (CSV)", safe_csv(table), "dataset_table.csv", "text/csv",
                           icon=":material/download:")
    show_code(eda_snippets.table_snippet(dataset.files_code))
    st.caption(text.explanation("table_snippet"))


def show_dataset(dataset: Dataset, text: LessonText) -> None:
    """The section "The dataset": why look at it first, what the built-in cohort is, the counts, the table."""
    explain(text.explanation("why"))
    if dataset.cohort is not None:
        with st.expander("About the built-in cohort", icon=":material/info:"):
            st.markdown(f"{len(dataset.files)} {text.explanation('cohort')} Deliberate problems: "
                        f"**{len(dataset.cohort.problems)}**.")
    show_counts(dataset)
    if dataset.readable.empty:
        st.warning("None of these files could be read as an image: the table below says why for each one.",
                   icon=":material/warning:")
    show_table(dataset, text)
