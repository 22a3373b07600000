"""The dataset the Exploring lesson explores: the built-in cohort, or the learner's own files read once.

The cohort is built once per server and shared read-only; the learner's files are read once per set (with a
progress bar and Stop), kept in this session only, and never cached where another session could reach them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core import eda
from core.snippets import eda as eda_snippets
from core.data.cohort import Cohort, build_cohort
from core.io import load_image
from ui.lesson import STOPPED, stoppable, was_stopped
from ui.memo import session_memo
from ui.safe_text import md
from ui.uploads import read_once

COHORT, OWN = "Built-in cohort", "My own files"
SOURCE_KEY, UPLOAD_KEY = "eda_source", "eda_upload"
UPLOAD_STOP = "eda-upload-stop"
UPLOAD_NAME = "eda"
"""The name the reading of the learner's files is kept under (`ui.uploads.read_once`)."""


@dataclass(frozen=True)
class Dataset:
    """The files on screen and their table.

    Attributes
    ----------
    files : list of (str, bytes)
        Every file (archives unpacked).
    table : pandas.DataFrame
        `core.eda.file_table` of the files.
    cohort : Cohort or None
        The built-in cohort, None for the learner's files.
    key : tuple
        Names the set: ``("cohort",)`` or the uploads' file ids.
    files_code : str
        Code that sets ``files`` in a snippet.
    """

    files: list
    table: pd.DataFrame
    cohort: Cohort | None
    key: tuple
    files_code: str

    @property
    def readable(self) -> pd.DataFrame:
        """The rows of the files that could be read as an image."""
        return self.table[self.table["readable"]]


@st.cache_resource(max_entries=1, show_spinner="Writing the cohort's DICOM files and reading them back...")
def cohort_dataset() -> tuple[Cohort, pd.DataFrame]:
    """The built-in cohort and its table, built once per server and shared read-only."""
    cohort = build_cohort()
    return cohort, eda.file_table(cohort.files)


def pooled(files, table: pd.DataFrame, group: str, max_bins: int):
    """Histogram and statistics of every pixel of the readable images of `group` (one image at a time)."""
    rows = table[table["readable"] & (eda.image_kind(table) == group)]
    content = dict(files)
    integer = all(np.dtype(d).kind in "iub" for d in rows["dtype"])
    bins, span = eda.histogram_bins(rows["min"].min(), rows["max"].max(), integer, max_bins)
    histogram, stats = eda.pooled_histogram((load_image(content[name], name).data for name in rows["file"]), bins,
                                            span)
    return histogram, stats, integer, len(rows)


@st.cache_data(max_entries=16, show_spinner="Counting every pixel of the cohort...")
def _cohort_pooled(group: str, max_bins: int):
    """The pooled histogram of the cohort's images of one modality (the cohort never changes: shared)."""
    cohort, table = cohort_dataset()
    return pooled(cohort.files, table, group, max_bins)


def pooled_histogram(dataset: Dataset, group: str, max_bins: int):
    """`pooled` for the dataset on screen: shared by every session for the cohort, this session's own for uploads."""
    if dataset.cohort is not None:
        return _cohort_pooled(group, max_bins)
    with st.spinner(f"Counting every pixel of the {group} images..."):
        return session_memo("exploring-pooled", (dataset.key, group, max_bins),
                            lambda: pooled(dataset.files, dataset.table, group, max_bins))


def _read(files) -> tuple[list, pd.DataFrame]:
    """Unpack the learner's files (one budget for the whole set) and table them, with a progress bar."""
    expanded = eda.expand_zips([(f.name, f.getvalue()) for f in files])
    bar = st.progress(0.0, text=f"Reading {len(expanded)} file(s)...")

    def report(done: int, total: int, name: str) -> None:  # where Streamlit can interrupt the reading
        bar.progress(done / total, text=f"Read {done} of {total}: {md(name)}")

    try:
        with stoppable(UPLOAD_STOP):
            return expanded, eda.file_table(expanded, progress=report)
    finally:
        bar.empty()


def _own_files(files) -> tuple[list, pd.DataFrame] | None:
    """The learner's files read once per set; None while a stopped reading waits for "Read my files again".

    A reading stopped (Stop, or any other control) keeps nothing and is not started again on its own.
    """
    signature = tuple(f.file_id for f in files)
    if was_stopped(UPLOAD_STOP):  # the set being read when Stop (or another control) was pressed
        st.session_state["eda_stopped"] = st.session_state.get("eda_reading")
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
    st.session_state["eda_reading"] = signature
    outcome = read_once(UPLOAD_NAME, files, _read)
    if not outcome.ok:
        st.error(md(outcome.error, limit=None), icon=":material/error:")
        return None
    return outcome.value


def choose_dataset() -> Dataset:
    """The control choosing the dataset (bound to the link), the uploader, and the dataset it gives."""
    source = st.radio("Explore", (COHORT, OWN), horizontal=True, key=SOURCE_KEY, bind="query-params",
                      help="A set of files, not the single image of the sidebar.")
    uploads = None
    if source == OWN:  # a link may choose "My own files"; it never carries the files
        uploads = st.file_uploader(
            "Your files: many DICOM files, NIfTI, PNG, JPEG, TIFF... or a .zip of them", accept_multiple_files=True,
            key=UPLOAD_KEY, help="Hundreds of files are fine. Nothing is stored: they stay in this browser session.")
    own = _own_files(uploads) if uploads else None
    if own:
        files, table = own
        st.caption(f"Your {len(uploads)} upload(s): {len(files)} file(s) once archives are unpacked. They stay in "
                   "this browser session only.")
        return Dataset(files, table, None, tuple(f.file_id for f in uploads), eda_snippets.FOLDER_FILES)
    if source == OWN and not uploads:
        st.info("Upload files above (select many at once, or one .zip); until then the built-in cohort is shown.",
                icon=":material/upload:")
    cohort, table = cohort_dataset()
    return Dataset(cohort.files, table, cohort, ("cohort",), eda_snippets.COHORT_FILES)
