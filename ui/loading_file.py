"""Your file (Loading lesson): the three families of files, what this one holds, its series, and the code to read it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import describe
from core.text.course_text import LessonText
from core.snippets.loading import loading_snippet
from core.samples import Sample
from core.volume import Volume
from ui.code import show_code
from ui.lecture_table import numbers_table
from ui.lesson import lecturer_mode
from ui.safe_text import md
from ui.series_table import show_series_table

FAMILIES = ("dicom", "nifti", "photo")
"""The lesson's explanations of the three families of files, side by side."""


def show_families(text: LessonText) -> None:
    """DICOM, NIfTI/ANALYZE and everyday images, one bordered column each."""
    st.header("Three families of files")
    for column, family in zip(st.columns(len(FAMILIES)), FAMILIES):
        title, body = text.explanation(family).split("\n\n", 1)
        with column.container(border=True):
            st.markdown(title)
            st.caption(body)


def show_facts(volume: Volume, sample: Sample | None, text: LessonText) -> None:
    """The image's headline metrics (three a row, so long values fit whole), its facts table and warnings."""
    st.header(f"Your image: {md(volume.name)}")
    if sample:
        st.caption(f"{sample.provenance} Licence: {sample.licence}.")
    facts = describe.summary(volume)
    for n, (label, value) in enumerate(describe.headline(volume, facts).items()):
        if n % 3 == 0:
            columns = st.columns(3)
        columns[n % 3].metric(label, md(value))
    numbers_table(st, pd.DataFrame({"property": list(facts), "value": list(facts.values())}), width="stretch")
    if "stored values" in facts:
        st.info(f"The file stores **{facts['stored values']}**, but the pixels mean **{facts['physical values']}**. "
                + text.explanation("rescale"), icon=":material/calculate:")
    if str(volume.metadata.get("BurnedInAnnotation", "")).upper() == "YES":
        st.warning(text.explanation("burned_in"), icon=":material/warning:")


def show_file(volume: Volume, sample: Sample | None, index: tuple[int, ...], text: LessonText) -> None:
    """The lesson's first section: families, facts, the series' files, and the code that reads the file.

    Parameters
    ----------
    volume : Volume
        The image.
    sample : Sample or None
        Its provenance (None for an upload).
    index : tuple of int
        The probed pixel, whose value the code prints.
    text : LessonText
        The lesson's words.
    """
    room = lecturer_mode()  # in front of a room the file's own facts come first, the families under them
    if not room:
        show_families(text)
    show_facts(volume, sample, text)
    if room:
        show_families(text)
    show_series_table(volume)
    show_code(loading_snippet(volume, index, sample))
    st.caption(text.explanation("snippet"))
