"""The Exploring lesson's self-check questions computed from the dataset on screen.

The fixed questions are in ``assets/course/exploring.toml``; these depend on the
files the learner explores, so they are built here from its table.
"""

from __future__ import annotations

import pandas as pd

from core.eda import SATURATION_PERCENT, summary_counts
from core.text.safe_text import md
from core.questions.selfcheck import Question


def unreadable_question(table: pd.DataFrame) -> Question:
    """How many files of the dataset cannot be read (exact).

    Parameters
    ----------
    table : pandas.DataFrame
        `core.eda.file_table` of the dataset.
    """
    counts = summary_counts(table)
    n = counts["unreadable files"]
    return Question(
        "How many files of this dataset cannot be read as an image?",
        f"{n} of {counts['files']}: the metric *Unreadable files* counts them, and the table's column *why "
        "unreadable* says why for each one. Remove them (or fetch them again) before any pre-processing.", n)


def at_max_question(table: pd.DataFrame) -> Question | None:
    """The share of pixels at the maximum of the most saturated readable file (to two decimals), or None.

    None when no readable file has that share (nothing to ask).
    """
    readable = table[table["readable"] & table["at max (%)"].notna()]
    if readable.empty:
        return None
    row = readable.loc[readable["at max (%)"].astype(float).idxmax()]
    share = float(row["at max (%)"])
    return Question(
        f"In the table, what percentage of the pixels of **{md(row['file'])}** sit at its maximum "
        "value (column *at max (%)*, to two decimals)?",
        f"{share:.2f}% of its pixels equal its maximum, {row['max']:.6g}. "
        + ("Above 1% is suspicious: bright values were clipped (saturation), as the spike at the right end of its "
           "histogram shows." if share >= SATURATION_PERCENT else
           "Below 1%: a few pixels at the maximum are normal, a pile of them would mean clipping."),
        share, tolerance=0.006)
