"""The quality report (Exploring lesson): what is wrong with which files and which preparation fixes it, the SNR
per image, and for the built-in cohort the answer key of its deliberate problems."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import eda
from core.data.cohort import PROBLEMS
from core.text.course_text import LessonText
from ui.alt import show_figure
from ui.exploring_data import Dataset
from ui.lecture_table import numbers_table
from ui.lesson import explain
from ui.safe_text import md
from ui.viewer import PLOT_CONFIG

MAX_LISTED = 6
"""A finding concerning more files than this lists them in a table."""


def show_findings(findings: list[eda.Finding], table: pd.DataFrame, text: LessonText) -> None:
    """Each finding in a bordered box, two a row: its files, what is wrong with each, and the fix."""
    flagged = eda.flagged_files(findings)
    st.markdown(f"**{len(findings)} finding(s)** concern **{len(flagged)} of {len(table)} files**; "
                f"{len(table) - len(flagged)} pass every check. Each finding lists its files and the pre-processing "
                "that would address it.")
    if not findings:
        st.success(text.explanation("no_problem"), icon=":material/check_circle:")
    for pair in range(0, len(findings), 2):
        for column, finding in zip(st.columns(2), findings[pair:pair + 2]):
            with column.container(border=True):
                icon = ":material/error:" if finding.severity == "error" else ":material/warning:"
                st.markdown(f"{icon} **{finding.title}** · {len(finding.files)} file(s)")
                if len(finding.notes) <= MAX_LISTED:
                    st.markdown("\n".join(f"- {md(name)}: {md(note, limit=None)}"
                                          for name, note in finding.notes.items()))
                else:
                    st.dataframe(pd.DataFrame({"file": list(finding.notes), "what": list(finding.notes.values())}),
                                 hide_index=True, width="stretch", height=250)
                st.markdown(f":material/build: **Pre-processing:** {finding.fix}")


def show_snr(dataset: Dataset, text: LessonText) -> None:
    """One dot per image (hover names the file), with the line below which details drown in the noise."""
    st.subheader("Signal-to-noise ratio per image")
    explain(f"**Method.** {eda.SNR_METHOD} **SNR {eda.LOW_SNR:g}.** {text.explanation('rose')}")
    readable = dataset.readable
    if readable["SNR"].notna().any():
        show_figure(st, eda.snr_figure(dataset.table), table=True, config=PLOT_CONFIG, key="eda-snr")
    noiseless = int(np.isinf(readable["SNR"].astype(float)).sum())
    if noiseless:
        st.caption(f"{noiseless} image(s) show no measurable noise (SNR infinite): synthetic, template or denoised "
                   "images.")


def show_answer_key(dataset: Dataset, findings: list[eda.Finding]) -> None:
    """The cohort's deliberate problems and whether the report found each (folded: try first)."""
    if dataset.cohort is None:
        return
    with st.expander("Answer key: the cohort's deliberate problems", icon=":material/quiz:"):
        found = {f.check: set(f.files) for f in findings}
        numbers_table(st, pd.DataFrame([
            {"problem": PROBLEMS[check], "check": check, "files": ", ".join(names),
             "found": set(names) <= found.get(check, set())}
            for check, names in dataset.cohort.problems.items()
        ]), width="stretch")


def quality_section(dataset: Dataset, text: LessonText) -> None:
    """The section "Quality report"."""
    st.header("Quality report")
    findings = eda.quality_report(dataset.table)
    show_findings(findings, dataset.table, text)
    show_snr(dataset, text)
    show_answer_key(dataset, findings)
