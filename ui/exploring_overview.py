"""The dataset at a glance (Exploring lesson): how many images, their sizes, spacings, modalities and ages, one row
per file, and the code that builds the table."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from core import eda
from core.snippets import eda as eda_snippets
from core.text.course_text import LessonText
from ui.alt import show_figure
from ui.code import show_code
from ui.exploring_data import Dataset
from ui.lesson import explain, lecturer_mode
from ui.lecture_table import formatted
from ui.room import ROOM_PX
from ui.safe_text import html_table, md, safe_csv
from ui.viewer import PLOT_CONFIG

SPACING_HELP = "From the header; empty when the file records no pixel size (PNG, JPEG, a DICOM without PixelSpacing): " \
               "unknown, not 1 mm."
COLUMN_HELP = {
    "age": "Years (from PatientAge); ages over 89 are shown as 90.",
    "orientation": "Where the axes of the stored array point (L/R left/right, A/P anterior/posterior, S/I superior/"
                   "inferior): rows then columns for a 2D slice, the file's three axes for a volume.",
    "row spacing (mm), column spacing (mm), slice thickness (mm)": SPACING_HELP,
    "position (mm)": "Position of a slice along its normal.",
    "at min, not background (%)": "Pixels at the minimum value, except those connected to the image border (the "
                                  "background).",
    "SNR": eda.SNR_METHOD,
    "pixel hash": "A hash of the pixel values: equal hashes, identical images.",
}
"""What the less obvious columns of the file table mean, shown under it."""
FORMATS = {"min": "{:.6g}", "max": "{:.6g}", "mean": "{:.2f}", "position (mm)": "{:.2f}", "non-finite (%)": "{:.2f}",
           "at max (%)": "{:.2f}", "at min, not background (%)": "{:.2f}", "SNR": "{:.1f}"}
"""How the file table writes its numbers; other decimal numbers (ages, spacings) in their shortest form."""
FILE_ORDER = "the order of the files"
TABLE_CSS = """<style>
  .eda-file-table { max-height: 400px; overflow: auto; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; }
  .eda-file-table table { border-collapse: collapse; white-space: nowrap; font-size: %s; }
  .eda-file-table :is(th, td) { padding: 0.2rem 0.6rem; border-bottom: 1px solid rgba(49, 51, 63, 0.1); text-align: left; }
  .eda-file-table thead th { position: sticky; top: 0; background: #f3f6fa; }
</style>"""
"""The file table: one line per file in a box that scrolls (a keyboard scrolls it once it has the focus), the column
names kept in view; its numbers at room size in lecturer mode."""
SORT_KEY, DESCENDING_KEY, ALL_ROWS_KEY = "eda_sort", "eda_descending", "eda_all_rows"
FIRST_ROWS = 10
"""Rows of the file table shown until the learner asks for all: a thousand cells cost the browser a third of a
second to lay out (issue 19), and sorting brings the rows that stand out to the top."""


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


def file_table_cells(table: pd.DataFrame) -> list[list[str]]:
    """The file table's cells as the page writes them: numbers in `FORMATS`, other decimal numbers in their shortest
    form, missing values blank."""
    kinds = {c: table[c].dtype.kind for c in table.columns}
    formats = {c: FORMATS.get(c, "{:g}" if kind == "f" else "{}") for c, kind in kinds.items()}
    return formatted(table, formats).to_numpy().tolist()


def sorted_view(table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The controls above the file table, bound to the link: "Sort by", its order and, for a long table, all rows
    or the first `FIRST_ROWS`. Returns the rows to show (the sorted column moved next to the file's name) and a
    caption saying what they are."""
    by_col, order_col, rows_col = st.columns([3, 2, 2], vertical_alignment="bottom")
    options = [FILE_ORDER, *table.columns]
    if st.session_state.get(SORT_KEY) not in options:
        st.session_state.pop(SORT_KEY, None)
    by = by_col.selectbox("Sort by", options, key=SORT_KEY, bind="query-params",
                          help="Orders the rows by one column, which moves next to the file's name.")
    descending = order_col.toggle("Largest first", value=True, key=DESCENDING_KEY, bind="query-params",
                                  disabled=by == FILE_ORDER, help="Off: smallest first. Empty cells go last.")
    every = len(table) <= FIRST_ROWS or rows_col.toggle(
        f"All {len(table)} rows", key=ALL_ROWS_KEY, bind="query-params",
        help=f"Off: the first {FIRST_ROWS} rows in this order, a lighter page.")
    if by == FILE_ORDER:
        rows, order = table, "in the order of the files"
    else:
        rows = eda.sort_rows(table, by, descending)[list(dict.fromkeys([table.columns[0], by, *table.columns]))]
        order = f"sorted by **{md(by)}**, {'largest' if descending else 'smallest'} first"
    shown = f"All {len(table)} rows" if every else f"The first {FIRST_ROWS} of {len(table)} rows"
    return (rows if every else rows.head(FIRST_ROWS)), f"{shown}, {order}."


def show_table(dataset: Dataset, text: LessonText) -> None:
    """One row per file (one HTML table, sorted by the control above it), what its columns mean, its CSV download
    (not in lecturer mode) and the code that builds it."""
    st.header("One row per file")
    explain(text.explanation("table"))
    table = dataset.table
    shown, caption = sorted_view(table)
    label = "The dataset's files. " + caption.replace("**", "")
    st.html(TABLE_CSS % (f"{ROOM_PX}px" if lecturer_mode() else "0.9rem")
            + f'<div class="eda-file-table" role="region" tabindex="0" aria-label="{html.escape(label)}">'
            + html_table(list(shown.columns), file_table_cells(shown)) + "</div>")
    st.caption(caption)
    with st.expander("What the columns mean", icon=":material/help:"):
        st.markdown("\n".join(f"- **{name}**: {meaning}" for name, meaning in COLUMN_HELP.items()))
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
