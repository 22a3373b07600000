"""Lesson 5's registration: its settings, the run on the course's workers, the result and the lecture's figure.

Registrations run as Dask tasks (`ui.heavy.run`) with a live progress bar,
a metric chart and a Stop button; the result is kept in the session for the
problem it solved.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from core import overlays
from core.snippets import registration as snip
from core.text.alt_text import describe_image
from core.registration import DEFORMABLE_METHODS, METRICS, TRANSFORMS, jacobian_determinant, ncc, register
from core.data.warps import anatomy_points, compare, tre, warped_grid
from core.io.png_writer import encode_png
from ui import heavy
from ui.alt import show_figure, show_image
from ui.code import show_code
from ui.images import shaded
from ui.lesson import STOPPED, explain, lecturer_mode, stoppable, was_stopped
from ui.unsupervised_figures import deformation_maps, history_figure
from ui.unsupervised_problem import KEEP, Setup, eight_bit, show_row, show_table, target_picture
from ui.viewer import PLOT_CONFIG

DEFAULT_LEVELS, DEFAULT_ITERATIONS, DEFAULT_SAMPLING, DEFAULT_MESH = 3, 100, 25, 8
"""What lecturer mode hides: the optimiser's details run at these values."""
RESULT, STOP = "unsup-state-result", "unsup-stop"
NCC_ACROSS_CONTRASTS = (
    "NCC is not the measure across contrasts: it rewards intensities that rise together, and this source is "
    "T2-like (dark where the target is bright), so NCC stays low or negative even when the images are aligned. "
    "Judge this registration by its TRE (the true motion is known) or by mutual information.")


@dataclass(frozen=True)
class Choice:
    """How to register: a transform, a metric and the optimiser's options (`core.registration.register`'s)."""

    transform: str
    metric: str
    options: dict = field(default_factory=dict)


def controls() -> Choice:
    """The transform, the metric and (except in lecturer mode) the optimiser's details."""
    room = lecturer_mode()  # the optimiser's details stay at their defaults, out of the way: wider choices
    r1, r2, r3, r4 = (*st.columns([2, 3, 3]), None) if room else st.columns(4)
    transform = r1.selectbox("Transform", TRANSFORMS, index=1, key="transform", **KEEP,
                             help="translation: 2 parameters · rigid: + rotation · affine: + scale and shear "
                                  "(found after a similarity) · deformable: affine + B-spline grid or demons field")
    model = "bspline"
    if transform == "deformable":
        model = r1.radio("Deformable model", list(DEFORMABLE_METHODS), format_func=DEFORMABLE_METHODS.get,
                         key="model", **KEEP)
    demons = transform == "deformable" and model == "demons"
    metric = r2.selectbox("Metric (loss)", list(METRICS), index=1, format_func=METRICS.get, key="metric", **KEEP,
                          disabled=demons)
    if demons:
        metric = "ssd"
        r2.caption("Demons compares intensities directly: it always uses mean squares.")
    levels, iterations, sampling, mesh = DEFAULT_LEVELS, DEFAULT_ITERATIONS, DEFAULT_SAMPLING / 100, DEFAULT_MESH
    if room:
        r3.caption(f"{levels} resolution levels, up to {iterations} iterations each, {sampling:.0%} of the pixels "
                   "sampled.")
    else:
        levels = r3.slider("Resolution levels", 1, 4, DEFAULT_LEVELS, key="levels", **KEEP)
        iterations = r3.slider("Iterations per level (maximum)", 5, 300, DEFAULT_ITERATIONS, 5, key="iterations",
                               **KEEP)
        sampling = r4.slider("Pixels sampled for the metric (%)", 5, 100, DEFAULT_SAMPLING, 5, key="sampling",
                             **KEEP) / 100
        if transform == "deformable" and model == "bspline":
            mesh = r4.slider("B-spline grid (control intervals at full size)", 2, 16, DEFAULT_MESH, key="mesh", **KEEP)
    options = {"levels": levels, "iterations": iterations, "sampling": sampling}
    if transform == "deformable":
        options.update({"deformable": model, "mesh_size": mesh})
    return Choice(transform, metric, options)


def live_progress(label: str):
    """A progress bar and a live metric chart: the callback `register` calls after every iteration, and a clear-up."""
    bar = st.progress(0.0, text=label)
    chart = st.empty()
    last = [0.0]

    def on_iteration(progress) -> None:
        now = time.perf_counter()
        if now - last[0] < 0.3 and progress.fraction < 1:
            return
        last[0] = now
        stage = progress.levels[-1][1] if progress.levels else ""
        bar.progress(min(progress.fraction, 1.0),
                     text=f"{label} {stage} · iteration {len(progress.metric_history)} · metric "
                          f"{progress.metric_history[-1]:.5g}")
        chart.line_chart(pd.DataFrame({"metric": progress.metric_history}), height=220, x_label="iteration",
                         y_label="metric")

    def clear() -> None:
        bar.empty()
        chart.empty()

    return on_iteration, clear


def run(fixed: np.ndarray, moving: np.ndarray, spacing, choice: Choice, label: str):
    """One registration as a Dask task with its live progress; the result, or None after an error said on the page."""
    callback, clear = live_progress(label)
    try:
        return heavy.run("registration", register, fixed, moving, choice.transform, choice.metric, spacing=spacing,
                         callbacks={"progress": callback}, **choice.options)
    except (ValueError, RuntimeError) as exc:  # a WorkLost is a RuntimeError with a learner's message
        st.error(f"The registration failed: {exc}", icon=":material/error:")
        return None
    finally:
        clear()


def current(setup: Setup, choice: Choice, pressed: bool, auto: bool = False) -> dict | None:
    """Register when asked; the stored result when it belongs to this problem (else None, with a note why).

    Parameters
    ----------
    setup : Setup
    choice : Choice
    pressed : bool
        The Register button was pressed.
    auto : bool
        Register without a press when this problem has no result yet (a preset, or its link, landed here);
        not in the run right after a Stop.
    """
    stopped = was_stopped(STOP)
    stored = st.session_state.get(RESULT)
    missing = not stored or stored["key"] != setup.key
    if pressed or (auto and missing and not stopped):
        with stoppable(STOP):
            result = run(setup.problem.fixed, setup.problem.moving, setup.work.spacing, choice, "Registering...")
        stored = None if result is None else {"key": setup.key, "result": result, "choice": choice}
        st.session_state[RESULT] = stored
    elif stopped:
        st.info(STOPPED.format("Registration"), icon=":material/stop_circle:")
    if stored and stored["key"] == setup.key:
        return stored
    if stored:
        st.info("The problem changed since the last registration: press **Register** again.", icon=":material/info:")
    else:
        st.info("Choose a transform and a metric, then press **Register**. It runs only when you press it.",
                icon=":material/info:")
    return None


def register_button(key: str = "unsup-run") -> bool:
    """The button that starts a registration."""
    return st.button("Register", type="primary", icon=":material/play_arrow:", key=key)


def errors(problem, result) -> tuple[np.ndarray, dict]:
    """The TRE of a result on the anatomy's grid points: the points, and the mean and max distances (mm)."""
    points = anatomy_points(problem.fixed, problem.spacing)
    return points, tre(result.map_points(points), problem.true_points(points))


def result_view(setup: Setup, stored: dict) -> None:
    """Time, iterations, TRE and NCC; the metric per iteration; the parameters against the truth; the code."""
    result, choice = stored["result"], stored["choice"]
    points, error = errors(setup.problem, result)
    pixel = setup.work.pixel
    m = st.columns(5)
    m[0].metric("Time (s)", f"{result.seconds:.2f}")
    m[1].metric("Iterations", len(result.metric_history))
    m[2].metric("Mean TRE (mm)", f"{error['mean']:.2f}", f"{error['mean'] / pixel:.2f} pixel", delta_color="off",
                delta_arrow="off")
    m[3].metric("Max TRE (mm)", f"{error['max']:.2f}", f"{error['max'] / pixel:.2f} pixel", delta_color="off",
                delta_arrow="off")
    after = ncc(result.registered, setup.problem.fixed)
    m[4].metric("NCC after", f"{after:.4f}", f"{after - ncc(setup.problem.fixed, setup.problem.moving):+.4f}",
                help="Over the whole image: noise, and corners the moved source does not cover, keep it below 1.")
    if setup.contrast > 0:
        st.caption(NCC_ACROSS_CONTRASTS)
    show_figure(st, history_figure(result.metric_history, result.levels,
                                   f"{METRICS[choice.metric]}: {choice.transform} registration"),
                table=True, config=PLOT_CONFIG, key="unsup-history")
    st.caption(f"Why it stopped: {result.stop_reason} The metric jumps where a level starts: it is then computed "
               "on finer, less smoothed images, so values of different levels are not comparable.")
    table = pd.DataFrame(compare(setup.problem, result.parameters))
    deformable = choice.transform == "deformable"
    if deformable:  # the bend takes part of the motion: its affine part is no estimate
        table = table.drop(columns="error").rename(columns={"recovered": "affine part found"})
    show_table(table.round(4))
    st.caption(
        f"TRE (target registration error): the distance between where the found transform and the true motion "
        f"send each of {len(points)} grid points inside the anatomy; below one pixel ({pixel:.3g} mm) the result "
        "is as good as the image allows." + (" A deformable transform splits the motion between its affine part "
                                             "and the bend, so the affine part alone is not the motion and has no "
                                             "error to compare: the TRE, which counts both, is the comparable "
                                             "number." if deformable else ""))
    show_code(snip.registration_snippet(setup.work.source, setup.motion, setup.noise, setup.contrast, setup.seed,
                                        choice.transform, choice.metric, **choice.options))


def lecture_figure(setup: Setup, stored: dict, how_to_read: str) -> None:
    """(a) source, (b) target, (c) registered, (d) before and (e) after; checkerboard and blend; the deformation.

    `how_to_read` (Markdown) explains the checkerboard and the blend beside them.
    """
    result, choice = stored["result"], stored["choice"]
    invert = setup.work.invert
    fixed8, moving8 = target_picture(setup), eight_bit(setup.problem.moving, invert=invert)
    registered8 = eight_bit(result.registered, setup.problem.moving, invert)
    mode = st.radio("Compare as", ("colour overlay", "difference"), horizontal=True, key="compare", **KEEP,
                    help="Overlay: target magenta, source green; aligned structures turn grey or white. "
                         "Difference: mid grey where the two agree.")

    def pair(target: np.ndarray, source: np.ndarray) -> np.ndarray:
        """(d) and (e): a colour overlay, or the difference of the values (a map: never shaded)."""
        if mode == "colour overlay":
            return overlays.overlay(target, source)
        # shaded pictures hold 255 - grey: swapped, their difference is that of the unshaded ones, exactly
        return overlays.difference(source, target) if invert else overlays.difference(target, source)

    figure = [(moving8, shaded("(a) source", invert)), (fixed8, "(b) target"), (registered8, "(c) registered source"),
              (pair(fixed8, moving8), "(d) before registration"), (pair(fixed8, registered8), "(e) after")]
    if lecturer_mode():  # two rows: each image twice as wide, readable from the back of the room
        show_row(figure[:3], min_side=320)
        show_row(figure[3:], min_side=320, columns=3)
    else:
        show_row(figure, min_side=160)
    before = np.abs(fixed8.astype(int) - moving8).mean()
    after = np.abs(fixed8.astype(int) - registered8).mean()
    st.caption(f"Mean absolute difference of the 8-bit target and source: {before:.2f} grey levels before, "
               f"{after:.2f} after." + (" With a contrast change the difference never vanishes, even when "
                                        "aligned: use the overlay." if setup.contrast else ""))
    left, middle, right = st.columns(3)
    tiles = left.slider("Checkerboard tiles", 2, 16, 8, key="tiles", **KEEP)
    board = overlays.checkerboard(fixed8, registered8, tiles)
    show_image(left, encode_png(board), describe_image(board, f"{tiles} × {tiles} checkerboard: tiles alternate "
               "between the target and the registered source, edges continue across tiles where aligned"),
               output_format="PNG", width="stretch", caption="checkerboard of the target and the registered source")
    alpha = middle.slider("Blend: target ↔ registered source", 0.0, 1.0, 0.5, 0.05, key="blend", **KEEP)
    blended = overlays.blend(fixed8, registered8, alpha)
    show_image(middle, encode_png(blended), describe_image(blended, f"blend of {1 - alpha:.2f} × target and "
               f"{alpha:.2f} × registered source"), output_format="PNG", width="stretch",
               caption=f"blend: {1 - alpha:.2f} × target + {alpha:.2f} × registered")
    with right:
        explain(how_to_read)
    show_code(snip.figure_snippet(setup.work.source, setup.motion, setup.noise, setup.contrast, setup.seed,
                                  choice.transform, choice.metric, tiles=tiles, alpha=alpha, **choice.options))
    if choice.transform == "deformable":
        deformation_view(setup, result, moving8, choice.options.get("deformable"))


def deformation_view(setup: Setup, result, moving8: np.ndarray, model: str | None) -> None:
    """The warped grid (a picture), and the displacement and Jacobian determinant of the non-linear part (hover)."""
    spacing = setup.work.spacing
    local = result.displacement(deformable_only=True)
    jacobian = jacobian_determinant(local, spacing)
    folded = float((jacobian <= 0).mean())
    magnitude = np.linalg.norm(local, axis=-1)
    st.subheader("The deformation")
    grid = warped_grid(moving8, result.displacement(), spacing, max(2, moving8.shape[0] // 16))
    left, right = st.columns([2, 3])
    show_image(left, encode_png(overlays.enlarge(grid, 400)),
               describe_image(grid, "the target's grid lines in yellow, carried into the source by the transform"),
               caption="the target's grid, carried into the source", output_format="PNG", width="stretch")
    show_figure(right, deformation_maps(magnitude, jacobian, spacing), config=PLOT_CONFIG, key="unsup-jacobian")
    st.caption(
        f"Left: the whole transform (affine and non-linear parts). Right: the non-linear part alone, "
        f"{'the B-spline' if model == 'bspline' else 'the demons field'}: it moves pixels by up to "
        f"{magnitude.max():.2f} mm (mean {magnitude.mean():.2f} mm). Its Jacobian determinant is the local change of "
        f"area (1 = none, above 1 growth, below shrinkage; colours clipped to the 1st-99th percentiles): from "
        f"{jacobian.min():.3f} to {jacobian.max():.3f}, and **{100 * folded:.2f} % of the pixels fold** "
        "(determinant ≤ 0), which no real anatomy can do.")
