"""Lesson 5's "why the loss matters": SSD against mutual information, registered side by side and as landscapes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import overlays
from core.snippets import registration as snip
from core.registration import METRICS, aligned_landscapes, sweep_offsets
from core.data.warps import compare, make_problem
from ui.alt import show_figure
from ui.code import show_code
from ui.images import shaded
from ui.lesson import STOPPED, stoppable, was_stopped
from ui.memo import session_memo
from ui.unsupervised_figures import METRIC_SHORT, landscape_figure
from ui.unsupervised_problem import KEEP, Setup, eight_bit, show_row, show_table
from ui.unsupervised_register import NCC_ACROSS_CONTRASTS, Choice, errors, run
from ui.viewer import PLOT_CONFIG

DUEL, DUEL_STOP = "unsup-state-duel", "unsup-duel-stop"
DUEL_CHOICES = (Choice("rigid", "ssd"), Choice("rigid", "mattes_mi"))
"""The two registrations of the other-contrast pair: rigid, `register`'s default optimiser, each loss."""


def other_contrast_pair(setup: Setup):
    """The learner's problem with the full contrast change (T1-like target, T2-like source)."""
    return make_problem(setup.work.image, setup.work.spacing, setup.motion, noise=setup.noise, contrast=1.0,
                        seed=setup.seed)


def duel(setup: Setup, auto: bool) -> None:
    """Register the other-contrast pair with SSD and with MI, and show the two results side by side.

    Parameters
    ----------
    setup : Setup
    auto : bool
        Run without a press when this problem has no result yet (a preset, or a link to one, landed here);
        not in the run right after a Stop.
    """
    st.markdown("**The proof:** register the other-contrast pair (your motion and noise, full contrast change) "
                "with each loss.")
    pressed = st.button("Register with SSD and with MI", icon=":material/compare_arrows:", key="unsup-duel")
    stopped = was_stopped(DUEL_STOP)
    stored = st.session_state.get(DUEL)
    fresh = bool(stored) and stored["key"] == setup.duel_key
    pair = other_contrast_pair(setup)
    if pressed or (auto and not fresh and not stopped):
        runs = {}
        with stoppable(DUEL_STOP):
            for choice in DUEL_CHOICES:
                result = run(pair.fixed, pair.moving, setup.work.spacing, choice,
                             f"{METRIC_SHORT[choice.metric]} ({len(runs) + 1} of {len(DUEL_CHOICES)}):")
                if result is not None:
                    runs[choice.metric] = result
        st.session_state[DUEL] = stored = {"key": setup.duel_key, "runs": runs}
    elif stopped:
        st.info(STOPPED.format("The two registrations"), icon=":material/stop_circle:")
    if not stored or stored["key"] != setup.duel_key or not stored["runs"]:
        return
    pixel, invert = setup.work.pixel, setup.work.invert
    fixed8 = eight_bit(pair.fixed, invert=invert)
    rows, pictures = [], []
    for metric, result in stored["runs"].items():
        _, error = errors(pair, result)
        table = {row["parameter"]: row["error"] for row in compare(pair, result.parameters)}
        rows.append({"loss": METRICS[metric], "mean TRE (mm)": error["mean"], "max TRE (mm)": error["max"],
                     "rotation error (°)": table["rotation (degrees, clockwise)"], "time (s)": result.seconds})
        caption = f"(e) after registration with {METRIC_SHORT[metric]}: mean TRE {error['mean']:.2f} mm"
        pictures.append((overlays.overlay(fixed8, eight_bit(result.registered, pair.moving, invert)),
                         shaded(caption, invert and not pictures)))
    show_row(pictures, min_side=320)
    for column, metric, row in zip(st.columns(len(rows)), stored["runs"], rows):
        column.metric(f"Mean TRE (mm), {METRIC_SHORT[metric]}", f"{row['mean TRE (mm)']:.2f}",
                      f"{row['mean TRE (mm)'] / pixel:.2f} pixel", delta_color="off", delta_arrow="off")
    show_table(pd.DataFrame(rows).round(3))
    if set(stored["runs"]) == {"ssd", "mattes_mi"}:
        ssd, mi = (row["mean TRE (mm)"] for row in rows)
        verdict = ("MI recovers the motion where SSD does not" if mi < pixel < ssd else
                   "here both succeed: try a larger contrast change or another image" if ssd < pixel
                   else "neither loss recovers this motion: try a smaller one")
        st.caption(f"Target in magenta, registered source in green. Mean TRE: SSD {ssd:.2f} mm, MI {mi:.2f} mm "
                   f"(one pixel is {pixel:.3g} mm) — {verdict}.")
    st.caption(NCC_ACROSS_CONTRASTS)


@st.cache_data(max_entries=16, show_spinner=False)
def shared_landscapes(image: np.ndarray, spacing: tuple, sweep: str, offsets: tuple) -> dict:
    """`aligned_landscapes` of a built-in sample's working image, computed once per server for every session.

    Keyed on the image's content and the sweep, not on the motion sliders (moving them costs nothing here);
    only built-in samples come here (an upload's landscapes stay in its session's memo).
    """
    return aligned_landscapes(image, spacing, sweep, list(offsets))


def landscapes(setup: Setup) -> None:
    """SSD and MI against offsets from alignment, same contrast and other contrast, with each curve's minimum."""
    work = setup.work
    sweep = st.radio("Sweep", ("shift", "angle"), horizontal=True, key="sweep", **KEEP,
                     format_func={"shift": "shift to the right (mm)", "angle": "rotation (degrees)"}.get)
    offsets = sweep_offsets(sweep, work.image.shape[1] * work.spacing[1])

    def compute():
        curves = (shared_landscapes(work.image, tuple(work.spacing), sweep, tuple(offsets)) if work.from_sample
                  else aligned_landscapes(work.image, work.spacing, sweep, offsets))
        return landscape_figure(curves, offsets, sweep)

    try:
        figure, lows = session_memo("unsup-landscape", (work.key, sweep), compute)
    except ValueError as exc:  # e.g. a binary image: the contrast change maps both of its values to dark
        st.warning(f"No loss landscapes for this image: with the contrast change, {exc}.", icon=":material/warning:")
        return
    show_figure(st, figure, config=PLOT_CONFIG, key="unsup-landscape")
    suffix = " mm" if sweep == "shift" else "°"
    low = {key: f"{value:+g}{suffix}" for key, value in lows.items()}
    st.caption(
        f"Lowest loss (offset from alignment, the green dotted line): same contrast — SSD "
        f"{low[('same contrast', 'ssd')]}, MI {low[('same contrast', 'mattes_mi')]}; other contrast — SSD "
        f"{low[('other contrast', 'ssd')]}, MI {low[('other contrast', 'mattes_mi')]}. "
        f"Sampled every {offsets[1] - offsets[0]:g}{suffix}.")
    show_code(snip.landscape_snippet(work.source, sweep, offsets))
