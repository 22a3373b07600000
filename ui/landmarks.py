"""Landmark registration on the picture (Unsupervised lesson): click pairs of points, see the fit, seed the optimiser.

The learner clicks a point on the fixed image and the same anatomy on the
moving one, three times or more. Each click on a figure arrives as a plotly
selection event (``st.plotly_chart(..., on_select="rerun",
selection_mode="points")`` through `ui.alt.show_figure`); `take_click` reads
it with `core.selection` and adds the point with `core.landmarks.add_point`.
A table lists the pairs, and number inputs add or correct a pair from the
keyboard. With three complete pairs the landmark transform, its residuals
and its TRE against the known motion are shown, with the moving image warped
by it; a button then runs the intensity-based registration from the image
centres and from the landmarks, to compare.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core import display, overlays
from core.text.alt_text import describe_image
from core.landmarks import (KINDS, MIN_PAIRS, LandmarkError, add_point, complete_pairs, evaluate, landmark_transform,
                            pixel_to_mm, spread_points, true_landmarks, warp_moving)
from core.registration import METRICS, register
from core.selection import click_grid, selected_points
from core.data.warps import Problem, anatomy_points, compare, tre
from core.io.png_writer import encode_png
from ui import heavy
from ui.alt import show_figure, show_image
from ui.images import shaded
from ui.lesson import STOPPED, stoppable, was_stopped
from ui.viewer import PLOT_CONFIG, heatmap_figure

SIDES = ("fixed", "moving")
GRID_CURVE = 1
"""The click grid is the second trace of each figure (after the heatmap)."""
COLOURS = ("#ff3b30", "#0a84ff", "#ffd60a", "#30d158", "#bf5af2", "#ff9f0a", "#64d2ff", "#ff375f")
HALO = "#000000"
"""Drawn around every landmark's number and under its mark: white numbers and bright marks stay readable on the
white parts of an image too (bone, or the background of a MONOCHROME1 radiograph)."""
NUMBER_HALO = ", ".join(f"{dx}px {dy}px 2px {HALO}" for dx in (-1, 1) for dy in (-1, 1))
OPTIMISER_TRANSFORMS = ("translation", "rigid", "affine")
"""The intensity-based transforms the landmarks can seed (a similarity seeds an affine's first stage)."""


def _state(key: str, problem_key) -> dict:
    """The section's landmarks for this problem; a new problem starts an empty list (and says so)."""
    state = st.session_state.setdefault(key, {"problem": problem_key, "pairs": [], "seen": {}, "version": 0})
    if state["problem"] != problem_key:
        had = bool(state["pairs"])
        state.update(problem=problem_key, pairs=[], seen={}, version=state["version"] + 1, runs=None, changed=had)
    return state


def take_click(key: str, problem_key, side: str, event, shape: tuple[int, int]) -> bool:
    """Add the point a selection event holds to the landmarks, once per new selection.

    A click selects one marker of the click grid and the selection stays
    until the next click, so only a selection that differs from the last one
    seen on that side adds a point (an empty one, a click that unselects,
    adds nothing and is not remembered).

    Parameters
    ----------
    key : str
        The section's session key.
    problem_key : hashable
        Identifies the fixed and moving images.
    side : str
        ``"fixed"`` or ``"moving"``.
    event : streamlit PlotlyState or dict or None
        What the figure returned.
    shape : (int, int)
        The image's shape.

    Returns
    -------
    bool
        True when a point was added.
    """
    state = _state(key, problem_key)
    points = selected_points(event, shape, curve=GRID_CURVE)
    signature = tuple(map(tuple, points.tolist()))
    if not signature or signature == state["seen"].get(side, ()):
        return False
    state["seen"][side] = signature
    state["pairs"] = add_point(state["pairs"], side, signature[-1])
    state["runs"] = None
    return True


def click_figure(image: np.ndarray, spacing: tuple[float, float], pairs: list[dict], side: str,
                 invert: bool = False) -> go.Figure:
    """The image as a heatmap, a transparent grid of clickable markers, and the landmarks numbered in colour.

    `invert` shades low values white (a MONOCHROME1 image), its colour bar too.
    """
    figure = heatmap_figure(image, spacing, *display.auto_window(image), f"{side} image: click a landmark",
                            invert=invert)
    rows, cols = click_grid(image.shape)
    figure.add_trace(go.Scattergl(
        x=cols, y=rows, mode="markers", name="click grid", showlegend=False,
        marker={"size": 6, "opacity": 0}, selected={"marker": {"opacity": 0}}, unselected={"marker": {"opacity": 0}},
        hovertemplate="click: row %{y}, col %{x}<extra></extra>"))
    placed = [(n, pair[side]) for n, pair in enumerate(pairs) if pair.get(side) is not None]
    if placed:
        x, y = [p[1] for _, p in placed], [p[0] for _, p in placed]
        figure.add_trace(go.Scatter(
            x=x, y=y, mode="markers", name="landmark outlines", showlegend=False, hoverinfo="skip",
            marker={"size": 14, "symbol": "x-thin-open", "line": {"width": 6}, "color": HALO}))
        figure.add_trace(go.Scatter(
            x=x, y=y, mode="markers+text", name="landmarks",
            text=[str(n + 1) for n, _ in placed], textposition="top right",
            textfont={"color": "#ffffff", "size": 14, "shadow": NUMBER_HALO},
            marker={"size": 12, "symbol": "x-thin-open", "line": {"width": 3},
                    "color": [COLOURS[n % len(COLOURS)] for n, _ in placed]},
            hovertemplate="landmark %{text}: row %{y}, col %{x}<extra></extra>", showlegend=False))
    figure.update_xaxes(range=[-0.5, image.shape[1] - 0.5], autorange=False)  # the grid must not widen the view
    figure.update_yaxes(range=[image.shape[0] - 0.5, -0.5], autorange=False)
    figure.update_layout(height=380, clickmode="event+select", dragmode=False)
    return figure


def next_step(pairs: list[dict]) -> str:
    """What to click next, from the pairs so far.

    Examples
    --------
    >>> next_step([{"fixed": (1.0, 2.0), "moving": None}])
    'Landmark 1: now click the same point on the moving image.'
    """
    for n, pair in enumerate(pairs):
        for side in SIDES:
            if pair.get(side) is None:
                return f"Landmark {n + 1}: now click the same point on the {side} image."
    return f"Landmark {len(pairs) + 1}: click a point on the fixed image."


def pairs_table(pairs: list[dict], residuals: np.ndarray | None = None) -> pd.DataFrame:
    """One row per pair: its number, both points (row, col in pixels) and, once fitted, its residual in mm."""
    rows = []
    complete = 0
    for n, pair in enumerate(pairs):
        fixed, moving = pair.get("fixed"), pair.get("moving")
        row = {"pair": n + 1,
               "fixed row": None if fixed is None else fixed[0], "fixed col": None if fixed is None else fixed[1],
               "moving row": None if moving is None else moving[0], "moving col": None if moving is None else moving[1]}
        if residuals is not None:
            done = fixed is not None and moving is not None
            row["residual (mm)"] = round(float(residuals[complete]), 3) if done else None
            complete += done
        rows.append(row)
    return pd.DataFrame(rows)


def keyboard_entry(state: dict, key: str, shape: tuple[int, int]) -> str | None:
    """Number inputs that add a pair or replace one, and Undo, Clear and a demonstration set.

    Returns ``"demo"`` when the demonstration set was asked for (the caller knows the true motion), else None.
    """
    with st.form(f"{key}-form", border=True):
        st.markdown("**Type a pair** (row and column in pixels): the keyboard way to place or correct landmarks.")
        choices = ["a new pair"] + [f"pair {n + 1}" for n in range(len(state["pairs"]))]
        target = st.selectbox("Set", choices, key=f"{key}-target")
        columns = st.columns(4)
        labels = ("Fixed row", "Fixed column", "Moving row", "Moving column")
        limits = (shape[0] - 1, shape[1] - 1, shape[0] - 1, shape[1] - 1)
        values = [column.number_input(label, 0, limit, limit // 2, key=f"{key}-{label.lower().replace(' ', '-')}")
                  for column, label, limit in zip(columns, labels, limits)]
        if st.form_submit_button("Save the pair", icon=":material/add_location:"):
            pair = {"fixed": (float(values[0]), float(values[1])), "moving": (float(values[2]), float(values[3]))}
            if target == "a new pair":
                state["pairs"] = state["pairs"] + [pair]
            else:
                index = choices.index(target) - 1
                state["pairs"] = state["pairs"][:index] + [pair] + state["pairs"][index + 1:]
            state["runs"] = None
    undo, clear, demo = st.columns(3)
    if undo.button("Undo the last point", icon=":material/undo:", key=f"{key}-undo", disabled=not state["pairs"]):
        last = dict(state["pairs"][-1])
        side = "moving" if last.get("moving") is not None else "fixed"
        last[side] = None
        state["pairs"] = state["pairs"][:-1] + ([last] if any(v is not None for v in last.values()) else [])
        state.update(seen={}, version=state["version"] + 1, runs=None)
    if clear.button("Clear all", icon=":material/delete:", key=f"{key}-clear", disabled=not state["pairs"]):
        state.update(pairs=[], seen={}, version=state["version"] + 1, runs=None)
    if demo.button("Place 4 exact pairs", icon=":material/auto_fix_high:", key=f"{key}-demo",
                   help="Four fixed points spread over the image and their true partners from the known motion, "
                        "rounded to whole pixels as a click would be."):
        return "demo"
    return None


def landmark_section(problem: Problem, problem_key, key: str = "landmarks", invert: bool = False) -> None:
    """Landmark registration on a problem with a known answer: click pairs, see the fit, seed the optimiser.

    The lesson gives the section's heading and explanation (``assets/course/unsupervised.toml``).

    Parameters
    ----------
    problem : core.data.warps.Problem
        2D fixed and moving images and the true motion between them.
    problem_key : hashable
        Changes whenever the problem does (the landmarks are then cleared).
    key : str
        Prefix of the widget and session keys.
    invert : bool
        The images are MONOCHROME1: their pictures show low values white, as the file asks.
    """
    state = _state(key, problem_key)
    if state.pop("changed", False):
        st.info("The images changed: the landmarks were cleared.", icon=":material/info:")
    shape = problem.fixed.shape
    spacing = tuple(float(s) for s in problem.spacing)
    st.markdown(f"**{next_step(state['pairs'])}**")
    fixed_column, moving_column = st.columns(2)
    for side, column, image in (("fixed", fixed_column, problem.fixed), ("moving", moving_column, problem.moving)):
        figure = click_figure(image, spacing, state["pairs"], side, invert)
        event = show_figure(column, figure, alt=describe_image(image, f"{side} image with "
                                                                      f"{sum(p.get(side) is not None for p in state['pairs'])} landmarks"),
                            on_select="rerun", selection_mode="points", config=PLOT_CONFIG,
                            key=f"{key}-{side}-{state['version']}")
        if take_click(key, problem_key, side, event, shape):
            st.rerun()  # the new landmark appears on its figure at once
    if invert:
        st.caption(shaded("Both images", invert) + ".")
    if keyboard_entry(state, key, shape) == "demo":
        fixed_points = spread_points(shape, 4)
        moving_points = np.rint(true_landmarks(problem, fixed_points))
        state["pairs"] = [{"fixed": tuple(f), "moving": tuple(m)} for f, m in zip(fixed_points.tolist(),
                                                                                moving_points.tolist())]
        state.update(seen={}, version=state["version"] + 1, runs=None)
        st.rerun()
    kind = st.selectbox("Landmark transform", list(KINDS), format_func=KINDS.get, key=f"{key}-kind")
    fixed_px, moving_px = complete_pairs(state["pairs"])
    try:
        result = landmark_transform(pixel_to_mm(fixed_px, spacing), pixel_to_mm(moving_px, spacing), kind)
    except LandmarkError as exc:
        if state["pairs"]:
            st.dataframe(pairs_table(state["pairs"]), hide_index=True, width="stretch")
        if len(fixed_px) < MIN_PAIRS:  # not there yet: guidance, not a fault
            st.info(str(exc), icon=":material/touch_app:")
        else:
            st.warning(str(exc), icon=":material/warning:")
        return
    st.dataframe(pairs_table(state["pairs"], result.residuals), hide_index=True, width="stretch")
    targets = anatomy_points(problem.fixed, problem.spacing)
    error = evaluate(result, problem, targets)
    pixel = min(spacing)
    metrics = st.columns(3)
    metrics[0].metric("Residual at the landmarks (RMS, mm)", f"{error['fre']:.2f}",
                      help="Fiducial registration error: how far the moved fixed landmarks stay from their partners.")
    metrics[1].metric("Mean TRE (mm)", f"{error['mean']:.2f}", f"{error['mean'] / pixel:.2f} pixel",
                      delta_color="off", delta_arrow="off")
    metrics[2].metric("Max TRE (mm)", f"{error['max']:.2f}", f"{error['max'] / pixel:.2f} pixel",
                      delta_color="off", delta_arrow="off")
    st.caption(f"TRE over {len(targets)} points inside the anatomy. A small residual does not promise a small TRE: "
               "points bunched in one corner fit each other well and still tilt the rest of the image.")
    st.dataframe(pd.DataFrame(compare(problem, result.parameters)).round(4), hide_index=True, width="stretch")
    width, level = display.auto_window(problem.fixed)
    fixed8 = display.apply_window(problem.fixed, width, level, invert=invert)
    warped8 = display.apply_window(warp_moving(problem.moving, result, spacing), width, level, invert=invert)
    pair = overlays.overlay(fixed8, warped8)
    show_image(st, encode_png(overlays.enlarge(pair, 320)),
               describe_image(pair, "Fixed image in magenta, moving image warped by the landmarks in green"),
               caption="Fixed (magenta) and the moving image warped by the landmark transform (green): grey where "
                       "they agree.", output_format="PNG", width=420)
    seed_section(problem, result, key, state, targets)


def seed_section(problem: Problem, result, key: str, state: dict, targets: np.ndarray) -> None:
    """Run the intensity-based registration from the image centres and from the landmarks, and compare TREs."""
    st.subheader("Seed the optimiser with the landmarks")
    left, right = st.columns(2)
    transform = left.selectbox("Optimiser's transform", OPTIMISER_TRANSFORMS, index=1, key=f"{key}-opt-transform")
    metric = right.selectbox("Metric", list(METRICS), index=1, format_func=METRICS.get, key=f"{key}-opt-metric")
    stop_key = f"{key}-stop"
    if was_stopped(stop_key):
        st.info(STOPPED.format("The registrations"), icon=":material/stop_circle:")
    if st.button("Register from the centres and from the landmarks", icon=":material/play_arrow:",
                 key=f"{key}-seed", type="primary"):
        bar = st.progress(0.0, text="Registering...")
        runs = {}
        try:
            with stoppable(stop_key):
                for n, (label, seed) in enumerate((("optimiser alone (from the image centres)", None),
                                                   ("landmarks, then the optimiser", result.transform))):
                    def progress(p, n=n, label=label) -> None:
                        bar.progress(min((n + p.fraction) / 2, 1.0), text=f"{label}: iteration {len(p.metric_history)}")

                    runs[label] = heavy.run("registration", register, problem.fixed, problem.moving, transform, metric,
                                            spacing=problem.spacing, initial_transform=seed,
                                            callbacks={"progress": progress})
            state["runs"] = {"setting": (transform, metric), "results": runs}
        except (ValueError, RuntimeError) as exc:
            st.error(f"The registration failed: {exc}", icon=":material/error:")
        bar.empty()
    runs = state.get("runs")
    if not runs:
        st.caption("Runs the registration twice (it takes a few seconds): once from the image centres, once from "
                   "your landmark transform.")
        return
    truth = problem.true_points(targets)
    rows = [{"start": "landmarks alone", "mean TRE (mm)": tre(result.map_points(targets), truth)["mean"],
             "iterations": 0}]
    for label, run in runs["results"].items():
        rows.append({"start": label, "mean TRE (mm)": tre(run.map_points(targets), truth)["mean"],
                     "iterations": len(run.metric_history)})
    transform, metric = runs["setting"]
    st.dataframe(pd.DataFrame(rows).round(3), hide_index=True, width="stretch")
    alone, seeded = rows[1], rows[2]
    st.caption(f"{transform} registration with {METRICS[metric]}: from the centres it took {alone['iterations']} "
               f"iterations to a mean TRE of {alone['mean TRE (mm)']:.3g} mm; from your landmarks "
               f"{seeded['iterations']} iterations to {seeded['mean TRE (mm)']:.3g} mm. Good landmarks start the "
               "optimiser next to the answer; from far away it may settle in a wrong minimum.")
