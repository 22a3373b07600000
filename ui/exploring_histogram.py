"""The pixel intensity histogram (Exploring lesson): one image, a whole modality pooled, or the sidebar's image,
compared with a noisy copy or another file; the figure first, its controls below it, every control in the link.

File names of the learner's own files are never put in a link: the image and "other file" choices are bound
to the URL for the built-in cohort only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core import eda
from core.snippets import eda as eda_snippets
from core.text.course_text import LessonText
from core.io import load_image
from core.data.noise import NOISE_KINDS, add_noise
from core.thumbnails import preview
from core.io.png_writer import encode_png
from ui.alt import show_figure, show_image
from ui.code import show_code
from ui.exploring_data import Dataset, pooled_histogram
from ui.images import shaded
from ui.lecture_table import numbers_table
from ui.lesson import explain, lecturer_mode
from ui.memo import session_memo
from ui.picker import Current
from ui.safe_text import md
from ui.viewer import PLOT_CONFIG

CURRENT = "The current image of the sidebar"
NOTHING, NOISY, OTHER = "nothing", "a noisy copy", "another file of the dataset"
IMAGE_KEY, OTHER_KEY, SIGMA_KEY = "eda_hist_image", "eda_other", "eda_sigma"
BINS = [32, 64, 128, 256, 512, 1024]
PHOTONS = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
STATS_FORMATS = {"pixels": "{:,}", "NaN or infinite": "{:,}", "its proportion": "{:.1%}", "SNR": "{:.1f}",
                 **dict.fromkeys(("mean", "median", "1st percentile", "99th percentile", "most common value"), "{:.4g}")}
"""The statistics at room size (lecturer mode), as the interactive table shows them."""


@dataclass(frozen=True)
class Chosen:
    """The image whose histogram is shown, and how a snippet reads it."""

    label: str
    data: np.ndarray
    rgb: bool
    is_4d: bool
    read_code: str
    key: tuple  # names the values for this session's memos: the image, or the image and its noise
    invert: bool = False  # a grey MONOCHROME1 image: its picture shows low values white, as its file asks

    @property
    def grey(self) -> np.ndarray | None:
        """The grey image whose SNR is estimated (the first time point of 4D; None for colour)."""
        return None if self.rgb else (self.data[0] if self.is_4d else self.data)


def _bound(dataset: Dataset) -> str | None:
    """Bind a file choice to the link only for the built-in cohort (an upload's names never go in a link)."""
    return "query-params" if dataset.cohort is not None else None


def _read_file(dataset: Dataset, name: str, var: str = "values") -> Chosen:
    """A file of the dataset, read once per session (not again on every step of a control)."""
    key = ("file", dataset.key, name)
    image = session_memo("exploring-files", key, lambda: load_image(dict(dataset.files)[name], name))
    code = (eda_snippets.cohort_file_code(name, var) if dataset.cohort is not None else
            eda_snippets.upload_file_code(name, image.source_format, var))
    return Chosen(name, image.data, image.rgb, image.is_4d, code, key, image.low_values_white)


def _current(current: Current) -> Chosen:
    volume = current.volume
    code = (eda_snippets.sample_code(current.sample, volume.source_format) if current.sample else
            eda_snippets.upload_file_code(volume.name, volume.source_format))
    return Chosen(volume.name, volume.data, volume.rgb, volume.is_4d, code, ("current", current.key),
                  volume.low_values_white)


def _comparison(dataset: Dataset, chosen: Chosen, names: list[str]):
    """The "compare with" controls; returns ``(other Chosen or None, noise (kind, strength, seed) or None)``."""
    compare_col, kind_col, strength_col = st.columns(3)
    compare = compare_col.selectbox("Compare with", [NOTHING, NOISY, OTHER], key="eda_compare", bind="query-params",
                                    help="Both on one chart, with the same bins.")
    if compare == NOISY:
        kind = kind_col.selectbox("Noise", NOISE_KINDS, key="eda_noise_kind", bind="query-params")
        if kind == "salt and pepper":
            strength = strength_col.slider("Fraction of pixels hit", 0.0, 0.5, 0.05, 0.01, key="eda_sp",
                                           bind="query-params")
        elif kind == "poisson":
            strength = strength_col.select_slider("Photons per unit of value (fewer: noisier)", PHOTONS, 0.3,
                                                  key="eda_photons", bind="query-params")
        else:
            top = eda.noise_scale(chosen.data)
            if not 0.0 <= st.session_state.get(SIGMA_KEY, 0.0) <= top:  # set for another image: out of this range
                del st.session_state[SIGMA_KEY]
            strength = strength_col.slider("Noise σ (in the image's units)", 0.0, top, float(f"{top / 10:.2g}"),
                                           key=SIGMA_KEY, bind="query-params")
        noisy = add_noise(chosen.data, kind, strength, seed=0)
        other = Chosen(f"with {kind} noise ({strength:g})", noisy, chosen.rgb, chosen.is_4d, "",
                       (*chosen.key, kind, strength, 0))
        return other, (kind, strength, 0)
    if compare == OTHER:
        choices = [n for n in names if n != chosen.label] or names
        name = kind_col.selectbox("Other file", choices, key=OTHER_KEY, bind=_bound(dataset))
        return _read_file(dataset, name, "other"), None
    return None, None


def _pooled(dataset: Dataset, choice: str, group: str, max_bins: int, log: bool, marks: bool, figure_area) -> None:
    """The histogram of every pixel of one modality's images, and its code for DICOM datasets."""
    histogram, stats, integer, n = pooled_histogram(dataset, group, max_bins)
    with figure_area:
        show_figure(st, eda.histogram_figure([(choice, histogram, stats)], log, marks), config=PLOT_CONFIG,
                    key="eda-histogram")
        st.caption(f"{histogram.n_values:,} pixels of {n} images, {len(histogram.proportions)} bins, proportions "
                   f"summing to {histogram.proportions.sum():.6f}. Mean {stats['mean']:.6g}; median "
                   f"{stats['median']:.6g}, 1st percentile {stats['p1']:.6g} and 99th {stats['p99']:.6g}, read from "
                   "the histogram (to within a bin).")
    table = dataset.table
    if table.loc[table["readable"] & (eda.image_kind(table) == group), "format"].eq("DICOM").all():
        show_code(eda_snippets.pooled_histogram_snippet(dataset.files_code, group, integer, max_bins))


@st.fragment
def histogram_section(dataset: Dataset, current: Current, text: LessonText) -> None:
    """The section "Histogram": the picture beside its histogram first, then the controls that shape them.

    A fragment: its controls rerun the section alone (nothing else on the page depends on them).
    """
    st.header("Pixel intensity histogram")
    figure_area = st.container()  # the lecture's figure first (a preset lands on it), its controls below
    explain(text.explanation("histogram"))
    readable = dataset.readable
    names = readable["file"].tolist()
    groups = eda.image_kind(readable[readable["min"].notna()]).value_counts()  # images with a finite value
    whole = {f"All {g} images of the dataset ({n})": g for g, n in groups.items() if n > 1}
    choice = st.selectbox("Image", [*names, *whole, CURRENT], key=IMAGE_KEY, bind=_bound(dataset),
                          help="A file of the dataset, all the images of one modality pooled, or the sidebar's image.")
    if lecturer_mode():  # fewer controls: the default bins
        log_col, marks_col = st.columns(2, vertical_alignment="center")
        max_bins = 256
    else:
        bins_col, log_col, marks_col = st.columns([2, 1, 1], vertical_alignment="center")
        max_bins = bins_col.select_slider("Bins (at most)", BINS, 256, key="eda_bins", bind="query-params",
                                          help="Integer images spanning fewer grey levels get one bin per level.")
    log = log_col.toggle("Log scale", False, key="eda_log", bind="query-params", help="Shows the rare values in the tails.")
    marks = marks_col.toggle("Mark statistics", True, key="eda_marks", bind="query-params",
                             help="Mean, median, 1st and 99th percentiles.")
    if choice in whole:
        _pooled(dataset, choice, whole[choice], max_bins, log, marks, figure_area)
        return
    chosen = _current(current) if choice == CURRENT else _read_file(dataset, choice)
    if choice == CURRENT:
        st.caption(f"The sidebar's image: {md(chosen.label)}"
                   + (". A colour image: the red, green and blue values are pooled; no SNR for colour." if chosen.rgb
                      else "."))
    other, noise = _comparison(dataset, chosen, names)
    shown = [chosen, other] if other else [chosen]
    view = eda.compare_histograms([(c.label, c.data, c.grey) for c in shown], max_bins,
                                  [numbers(c) for c in shown])
    with figure_area:
        if view is None:
            st.warning(f"{md(chosen.label)} has no finite value (every pixel is NaN or infinite): there is nothing to "
                       "count.", icon=":material/warning:")
            return
        show_view(chosen, view, log, marks, noise, text)
    show_code(eda_snippets.histogram_snippet(
        chosen.read_code, chosen.label, view.integer, max_bins, per_level=view.per_level,
        other_code=other.read_code if other and not noise else None, other_label=other.label if other else "",
        noise=noise, snr_frame=None if chosen.rgb else ("values[0]" if chosen.is_4d else "values")))


def tallest_bin_joined(table: pd.DataFrame) -> pd.DataFrame:
    """The statistics with a wide tallest bin's two edges in one column, such as "12.48 to 15.61".

    At room size (lecturer mode) the two numeric columns of `core.eda.tallest_bin` pushed the last one, the
    SNR the lecture compares, off a 1280-pixel projector.
    """
    if "tallest bin from" not in table:
        return table
    joined = [f"{low:.4g} to {high:.4g}" for low, high in zip(table["tallest bin from"], table["tallest bin to"])]
    table = table.drop(columns=["tallest bin to"]).rename(columns={"tallest bin from": "tallest bin"})
    return table.assign(**{"tallest bin": joined})


def numbers(chosen: Chosen) -> tuple[dict[str, float], float]:
    """The image's statistics and SNR (`core.eda.image_numbers`), computed once per session and image.

    A step of a control then recounts the histograms on their new bins, not
    the statistics of the image that did not change (issue 19).
    """
    return session_memo("exploring-numbers", chosen.key, lambda: eda.image_numbers(chosen.data, chosen.grey))


def show_view(chosen: Chosen, view: eda.HistogramView, log: bool, marks: bool, noise, text: LessonText) -> None:
    """The picture beside its histogram, the statistics table, and what the numbers say (clipping, noise)."""
    picture_col, histogram_col = st.columns([1, 2], vertical_alignment="center")
    picture = session_memo("exploring-previews", chosen.key, lambda: encode_png(
        preview(chosen.data, chosen.rgb, chosen.is_4d, side=320, invert=chosen.invert)))
    show_image(picture_col, picture, f"{chosen.label} (middle slice), the image whose histogram is beside it",
               caption=shaded(f"{md(chosen.label)} (middle slice)", chosen.invert), width="stretch")
    show_figure(histogram_col, eda.histogram_figure(view.curves, log, marks, per_level=view.per_level),
                eda.histogram_alt(view), config=PLOT_CONFIG, key="eda-histogram")
    numbers_table(st, tallest_bin_joined(view.table) if lecturer_mode() else view.table, formats=STATS_FORMATS,
                  width="stretch", column_config={
                      "its proportion": st.column_config.NumberColumn(format="percent"),
                      "SNR": st.column_config.NumberColumn(format="%.1f", help=eda.SNR_METHOD)})
    width = (view.curves[0][1].edges[-1] - view.curves[0][1].edges[0]) / view.bins
    st.caption(f"{view.bins} bins {'one per grey level' if view.per_level else f'of width {width:.4g}'}; each "
               f"curve's proportions sum to 1 ({', '.join(f'{c[1].proportions.sum():.6f}' for c in view.curves)}). "
               "SNR: see its method under *Quality report*.")
    rows = view.table.to_dict("records")
    at_max = eda.percent_at_max(chosen.grey) if chosen.grey is not None else 0.0
    if at_max >= eda.SATURATION_PERCENT:
        st.warning(f"**{at_max:.2f}%** of the pixels of {md(chosen.label)} sit at its maximum value, "
                   f"{np.nanmax(chosen.grey):.6g}: a spike at the right end of the histogram. "
                   + text.explanation("clipped"), icon=":material/warning:")
    if noise is not None:
        st.info(f"The noisy copy's SNR is {rows[1]['SNR']:.1f} against {rows[0]['SNR']:.1f}. "
                + text.explanation("noisy_copy"), icon=":material/lightbulb:")
