"""Objective 5: unsupervised learning. Registration with a known answer, why the loss matters, an atlas, clustering."""

from __future__ import annotations

import io
import time

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from core import display, overlays, samples
from core import registration_snippets as snip
from core.atlas import block_mean, physical_origin, resample_like, shrunk_origin
from core.clustering import METHODS, cluster_intensities, score
from core.heavy import register_and_transfer
from core.registration import (DEFORMABLE_METHODS, METRICS, TRANSFORMS, aligned_landscapes, check_pair,
                               jacobian_determinant, ncc, register, sweep_offsets)
from core.selfcheck import Question
from core.warps import (Motion, anatomy_points, compare, make_problem, max_warp_mm, tre, working_image)
from ui import heavy, learned_registration, picker
from core.alt_text import describe_image
from ui.alt import show_figure, show_image
from ui.code import show_code
from ui.lesson import STOPPED, explain, intro, lecturer_mode, presets, self_check, stoppable, was_stopped
from ui.safe_text import md
from ui.viewer import PLOT_CONFIG, index_slider, png_bytes
from ui.working_copy import bounded

PHANTOM = "Phantom: Shepp-Logan head (scikit-image)"
MNI, GREY, WHITE = (samples.SAMPLES[i].name for i in (2, 3, 4))
SUBJECT = "MRI 3D: subject head (nibabel anatomical.nii)"
METRIC_SHORT = {"ssd": "SSD", "mattes_mi": "MI", "correlation": "correlation"}
GREY_COLOUR, WHITE_COLOUR = (230, 159, 0), (0, 158, 115)  # the colours of clusters 2 and 3 (Okabe-Ito)
# what lecturer mode hides: the optimiser's details run at these values
DEFAULT_LEVELS, DEFAULT_ITERATIONS, DEFAULT_SAMPLING, DEFAULT_MESH, DEFAULT_ATLAS_ITERATIONS = 3, 100, 25, 8, 100
# the lecture's (a)-(e) figure: a known rigid misalignment of the MNI brain slice, at 128 pixels
LECTURE_SIZE = 128
LECTURE_MOTION = {"dy": 6.0, "dx": -10.0, "angle": 10.0, "scale": 1.0, "bend": 0.0, "noise": 2.0, "seed": 0}


# ----------------------------------------------------------------------------------------------- helpers

def grey8(image: np.ndarray) -> np.ndarray:
    """An image windowed to 8 bits on its own 1st-99th percentiles."""
    width, level = display.auto_window(image)
    return display.apply_window(image, width, level)


def show_images(images: list[tuple[np.ndarray | bytes, str]], min_side: int = 200, columns: int | None = None
                ) -> None:
    """A row of uint8 images (or `shown` PNGs) with captions, enlarged when small, in `columns` columns."""
    for column, (image, caption) in zip(st.columns(columns or len(images)), images):
        png = image if isinstance(image, bytes) else shown(image, min_side)
        alt = caption if isinstance(image, bytes) else describe_image(image, caption)
        show_image(column, png, alt, caption=caption, output_format="PNG", width="stretch")


def shown(image: np.ndarray, min_side: int = 200) -> bytes:
    """A uint8 image as the PNG `show_images` displays: enlarged (nearest neighbour) when small."""
    return png_bytes(overlays.enlarge(image, min_side))


def target_views(fixed: np.ndarray) -> tuple[np.ndarray, bytes]:
    """The target windowed to 8 bits, and its PNG as `show_images` shows it."""
    fixed8 = grey8(fixed)
    return fixed8, shown(fixed8)


def history_figure(history: list[float], levels: list[tuple[int, str]], title: str) -> go.Figure:
    """The metric against iteration, one colour per stage and resolution level, a dashed line where each starts."""
    figure = go.Figure()
    palette = px.colors.qualitative.D3
    bounds = [start for start, _ in levels] + [len(history)]
    if not levels:
        levels, bounds = [(0, "metric")], [0, len(history)]
    for n, (start, label) in enumerate(levels):
        x = np.arange(start + 1, bounds[n + 1] + 1)
        figure.add_trace(go.Scatter(x=x, y=history[start:bounds[n + 1]], mode="lines", name=label,
                                    line={"color": palette[n % len(palette)]},
                                    hovertemplate=f"{label}<br>iteration %{{x}}<br>metric %{{y:.6g}}<extra></extra>"))
        if n:
            figure.add_vline(x=start + 0.5, line={"dash": "dash", "width": 1, "color": "#888"})
    figure.update_layout(title=title, height=340, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         xaxis_title="iteration", yaxis_title="metric (lower is better)",
                         legend={"font": {"size": 11}})
    return figure


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
                     text=f"{stage} · iteration {len(progress.metric_history)} · metric "
                          f"{progress.metric_history[-1]:.5g}")
        chart.line_chart(pd.DataFrame({"metric": progress.metric_history}), height=220, x_label="iteration",
                         y_label="metric")

    def clear() -> None:
        bar.empty()
        chart.empty()

    return on_iteration, clear


def slice_key(volume) -> str:
    """The key of the axial slice slider of a 3D image."""
    return f"unsup-slice-{volume.name}-{volume.data.shape}"


def problem_base(name: str, shape: tuple[int, ...], slice_index: int | None) -> str:
    """The prefix of the motion sliders' keys: their ranges depend on the working image."""
    return f"unsup-{name}-{shape}-{slice_index}"


@st.cache_data(max_entries=1, show_spinner=False)
def lecture_presets() -> dict[str, dict]:
    """The widget values that reproduce the lecture's figures on the MNI brain slice (at 128 pixels)."""
    mni = picker.load_sample(MNI)
    middle = mni.n_slices // 2
    base = problem_base(MNI, working_image(mni, middle, LECTURE_SIZE)[0].shape, middle)
    problem = {picker.SOURCE_KEY: picker.SAMPLE, picker.SAMPLE_KEY: MNI, "unsup-size": LECTURE_SIZE,
               slice_key(mni): middle, **{f"{base}-{name}": value for name, value in LECTURE_MOTION.items()},
               "unsup-transform": "rigid", "unsup-metric": "mattes_mi", "unsup-levels": DEFAULT_LEVELS,
               "unsup-iterations": DEFAULT_ITERATIONS, "unsup-sampling": DEFAULT_SAMPLING,
               "unsup-compare": "colour overlay", "unsup-autorun": True}
    return {
        "(a)–(e) figure": {**problem, f"{base}-contrast": 0.0},
        "SSD vs MI": {**problem, f"{base}-contrast": 1.0, "unsup-sweep": "shift",
                                       "unsup-autoduel": True},
    }


@st.cache_data(max_entries=16, show_spinner=False)
def shared_landscapes(image: np.ndarray, spacing: tuple, sweep: str, offsets: tuple) -> dict:
    """`aligned_landscapes` of a built-in sample's working image, computed once per server for every session.

    Keyed on the image's content and the sweep, not on the motion sliders (moving them costs nothing here);
    only built-in samples come here (an upload's landscapes stay in its session's memo).
    """
    return aligned_landscapes(image, spacing, sweep, list(offsets))


def landscape_figure(curves: dict, offsets: list[float], sweep: str) -> tuple[go.Figure, dict]:
    """The scaled SSD and MI curves side by side for the two contrasts, and each curve's lowest offset."""
    figure = make_subplots(1, 2, subplot_titles=("same contrast", "other contrast (T1-like → T2-like)"))
    lows = {}
    for column, name in enumerate(("same contrast", "other contrast"), start=1):
        for key, colour in (("ssd", "#e45756"), ("mattes_mi", "#4c78a8")):
            values = np.array(curves[(name, key)])
            scaled = (values - values.min()) / max(np.ptp(values), 1e-12)
            lows[(name, key)] = offsets[int(np.argmin(values))]
            figure.add_trace(go.Scatter(x=offsets, y=scaled, mode="lines+markers", name=METRIC_SHORT[key],
                                        line={"color": colour}, showlegend=column == 1,
                                        hovertemplate="offset %{x}<br>loss (scaled) %{y:.3f}<extra></extra>"),
                             1, column)
        figure.add_vline(x=0, line={"dash": "dot", "color": "#2ca02c"}, row=1, col=column)
    figure.update_xaxes(title=f"offset from alignment ({'mm' if sweep == 'shift' else '°'})")
    figure.update_yaxes(title="loss, scaled to 0-1 (lower is better)", col=1)
    figure.update_layout(height=360, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return figure, lows


def memo(name: str, key: tuple, compute, keep: int = 4):
    """This session's memo of the last few results of `compute` (never shared with another session)."""
    store = st.session_state.setdefault(f"unsup-memo-{name}", {})
    if key not in store:
        store[key] = compute()
        while len(store) > keep:
            store.pop(next(iter(store)))
    return store[key]


# ----------------------------------------------------------------------------------------------- the page

st.title("5 · Unsupervised learning")
intro(5, [
    "Press the lecture preset **(a)–(e) figure**: the MNI brain slice is shifted by 6 mm down and 10 mm left, turned "
    "by 10°, and registered with mutual information. Read the mean TRE (under a pixel) and, in the table, the rotation "
    "recovered.",
    "Set **Rotation** to 25°, choose the **translation** transform and press **Register**: a shift alone cannot undo "
    "a turn, and the TRE says so.",
    "Press **SSD vs MI**: with a T2-like source, SSD lands far off while MI still finds the motion. "
    "Compare the two losses' landscapes in section 4.",
    "Add a **Smooth bend**, register with *rigid*, then with *deformable*: watch the TRE fall and read the Jacobian map.",
    "In section 6, change k and the method: which k gives the best grey-matter Dice on the MNI template?",
])
presets("Lecture presets", lecture_presets(), key="unsup-presets")
picker.show_upload_error()
volume = bounded(picker.current_volume())  # a huge upload: a strided working copy, said on the page
sample = picker.current_sample()

explain(
    "**Unsupervised** means that nobody tells the computer the answer: there are no labels. Instead it "
    "optimises a criterion it can compute from the data alone. **Registration** finds the transform that "
    "aligns a *source* image to a *target* by making a loss (sum of squared differences, mutual information) "
    "as small as possible. **Clustering** groups voxels whose values are alike. An **atlas** carries labels "
    "drawn once on a template onto every new image through a registration. (Anomaly detection, which flags "
    "what does not fit the learned pattern, is another member of the family, not shown here.)")

# --- the working image ----------------------------------------------------------------------------------
st.header("1 · A problem with a known answer")
explain(
    "To judge a registration we need the truth. Take the chosen image as the **target** (fixed), move it "
    "by a motion we choose, and call the result the **source** (moving). A registration must find that motion "
    "again; because we know it everywhere, we can measure the error at every point.")

settings_cols = st.columns([2, 1])
slice_index = None
if volume.is_3d:
    slice_index = index_slider(settings_cols[0], "Axial slice of the 3D image", volume.n_slices, slice_key(volume))
max_side = settings_cols[1].radio("Working size (longer side, pixels)", (128, 256), index=1, horizontal=True,
                                  key="unsup-size", help="Larger images register more slowly.")
work_volume, fallback = volume, None
image, spacing, resized = memo("working", (picker.current_key(), slice_index, max_side),
                               lambda: working_image(volume, slice_index, max_side))
image.flags.writeable = False  # kept in the memo for the next rerun
try:
    check_pair(image, image)
except ValueError as exc:
    fallback = str(exc)
if fallback:
    st.warning(f"This image cannot be registered: {fallback}. The registration sections below use the "
               "Shepp-Logan phantom instead.", icon=":material/warning:")
    work_volume = picker.load_sample(PHANTOM)
    slice_index = None
    image, spacing, resized = working_image(work_volume, None, max_side)
from_sample = fallback is not None or sample is not None
source = snip.Source(work_volume.name if from_sample else None,
                     (slice_index if slice_index is not None else work_volume.n_slices // 2)
                     if work_volume.is_3d else None,
                     work_volume.rgb, work_volume.is_4d, image.shape, resized, spacing)
notes = []
if volume.is_3d and not fallback:
    notes.append(f"slice {source.slice_index} of {volume.n_slices}" + (", first time point" if volume.is_4d else ""))
if work_volume.rgb:
    notes.append("colour turned into grey (luminance)")
if resized:
    notes.append(f"shrunk to {image.shape[0]} × {image.shape[1]}")
(settings_cols[0] if not volume.is_3d else st).caption(
    f"Working image: {md(work_volume.name)} · {image.shape[0]} × {image.shape[1]} pixels of {spacing[0]:.3g} × "
    f"{spacing[1]:.3g} mm" + (f" ({'; '.join(notes)})" if notes else "") + "."
    + ("" if work_volume.spacing_known else " The file records no pixel size: every mm below is a pixel."))

fov = np.array(image.shape) * np.array(spacing)
base = problem_base(work_volume.name, image.shape, source.slice_index)
limit = float(np.round(0.15 * fov.min(), 1))
bend_limit = float(np.floor(max_warp_mm(image.shape, spacing) * 10) / 10)
c1, c2, c3, c4 = st.columns(4)
shift_down = c1.slider("Shift down (mm)", -limit, limit, float(np.round(0.03 * fov[0], 1)), 0.1, key=f"{base}-dy")
shift_right = c1.slider("Shift right (mm)", -limit, limit, float(np.round(-0.05 * fov[1], 1)), 0.1,
                        key=f"{base}-dx")
angle = c2.slider("Rotation (degrees, clockwise)", -30.0, 30.0, 8.0, 0.5, key=f"{base}-angle")
scale = c2.slider("Scale", 0.80, 1.25, 1.0, 0.01, key=f"{base}-scale")
bend = c3.slider("Smooth bend (mm)", 0.0, bend_limit, 0.0, 0.1, key=f"{base}-bend",
                 help="A non-linear warp: one period of a cosine across the image, no affine part. Only a "
                      "deformable transform can undo it.")
noise = c3.slider("Noise (% of the intensity range)", 0.0, 20.0, 2.0, 0.5, key=f"{base}-noise") / 100
contrast = c4.slider("Other contrast (T1-like → T2-like)", 0.0, 1.0, 0.0, 0.05, key=f"{base}-contrast",
                     help="Remaps intensities as another MRI sequence would: dark fluid turns bright, bright "
                          "tissue dark, the background stays dark. Not monotonic: no rescaling undoes it.")
seed = 0 if lecturer_mode() else int(c4.number_input("Noise seed", 0, 9999, 0, key=f"{base}-seed"))
motion = Motion((shift_down, shift_right), (angle,), scale, bend)
problem = make_problem(image, spacing, motion, noise=noise, contrast=contrast, seed=seed)
problem_key = (base, motion, noise, contrast, seed)
work_key = (picker.current_key(), source.slice_index, max_side, fallback)  # names the working image
fixed8, fixed_png = memo("target", work_key, lambda: target_views(problem.fixed))  # sliders move the source only
moving8 = grey8(problem.moving)
show_images([(moving8, "(a) source: the moving image we made"), (fixed_png, "(b) target: the fixed image"),
             (overlays.overlay(fixed8, moving8), "target in magenta, source in green")])
st.caption(f"Before registration: normalised cross-correlation (NCC) {ncc(problem.fixed, problem.moving):.4f} "
           "(1 = identical up to brightness and contrast).")
show_code(snip.problem_snippet(source, motion, noise, contrast, seed))
if not from_sample:
    buffer = io.BytesIO()
    np.save(buffer, image)
    st.download_button("Download the working image (.npy) for the code", buffer.getvalue(), snip.UPLOAD_FILE,
                       key="unsup-download")

NCC_ACROSS_CONTRASTS = (
    "NCC is not the measure across contrasts: it rewards intensities that rise together, and this source is "
    "T2-like (dark where the target is bright), so NCC stays low or negative even when the images are aligned. "
    "Judge this registration by its TRE (the true motion is known) or by mutual information.")


def show_duel_beside(slot, duel: dict | None, key: tuple, pixel: float) -> None:
    """The two runs of "Register with SSD and with MI" summarised beside the main result, when they match it."""
    if not duel or duel["key"] != key or len(duel["rows"]) != 2:
        return
    ssd, mi = (row["mean TRE (mm)"] for row in duel["rows"])
    slot.info(f"The same pair with the full contrast change, registered with both losses (table in *4 · Why the "
              f"loss matters*): **SSD** mean TRE **{ssd:.2f} mm**, **MI** **{mi:.2f} mm** (one pixel is "
              f"{pixel:.3g} mm).", icon=":material/compare_arrows:")


# --- register -------------------------------------------------------------------------------------------
st.header("2 · Register")
explain(
    "A **transform** with a few parameters maps every point of the target into the source; a **metric** (the "
    "loss) scores how well the images then agree; an **optimiser** changes the parameters, iteration after "
    "iteration, to improve it. A **multi-resolution pyramid** solves the problem first on shrunk, smoothed "
    "copies, where the loss is smoother, then refines it at full size.")
r1, r2, r3, r4 = st.columns(4)
transform = r1.selectbox("Transform", TRANSFORMS, index=1, key="unsup-transform",
                         help="translation: 2 parameters · rigid: + rotation · affine: + scale and shear "
                              "(found after a similarity) · deformable: affine + B-spline grid or demons field")
method = "bspline"
if transform == "deformable":
    method = r1.radio("Deformable model", list(DEFORMABLE_METHODS), format_func=DEFORMABLE_METHODS.get,
                      key="unsup-deformable")
metric = r2.selectbox("Metric (loss)", list(METRICS), index=1, format_func=METRICS.get, key="unsup-metric",
                      disabled=transform == "deformable" and method == "demons")
if transform == "deformable" and method == "demons":
    metric = "ssd"
    r2.caption("Demons compares intensities directly: it always uses mean squares.")
levels, iterations, sampling, mesh = DEFAULT_LEVELS, DEFAULT_ITERATIONS, DEFAULT_SAMPLING / 100, DEFAULT_MESH
if lecturer_mode():  # the optimiser's details stay at their defaults, out of the way
    r3.caption(f"{levels} resolution levels, up to {iterations} iterations each, {sampling:.0%} of the pixels sampled.")
else:
    levels = r3.slider("Resolution levels", 1, 4, DEFAULT_LEVELS, key="unsup-levels")
    iterations = r3.slider("Iterations per level (maximum)", 5, 300, DEFAULT_ITERATIONS, 5, key="unsup-iterations")
    sampling = r4.slider("Pixels sampled for the metric (%)", 5, 100, DEFAULT_SAMPLING, 5, key="unsup-sampling") / 100
    if transform == "deformable" and method == "bspline":
        mesh = r4.slider("B-spline grid (control intervals at full size)", 2, 16, DEFAULT_MESH, key="unsup-mesh")
options = {"levels": levels, "iterations": iterations, "sampling": sampling}
if transform == "deformable":
    options.update({"deformable": method, "mesh_size": mesh})

pressed = st.button("Register", type="primary", icon=":material/play_arrow:", key="unsup-run")
if was_stopped("unsup-stop"):
    st.info(STOPPED.format("Registration"), icon=":material/stop_circle:")
if pressed or st.session_state.pop("unsup-autorun", False):  # a lecture preset registers at once (< 1 s)
    with stoppable("unsup-stop"):
        callback, clear = live_progress("Registering...")
        try:
            result = heavy.run("registration", register, problem.fixed, problem.moving, transform, metric,
                               spacing=spacing, callbacks={"progress": callback}, **options)  # a Dask task
            st.session_state["unsup-state-result"] = {"key": problem_key, "result": result, "transform": transform,
                                                      "metric": metric, "options": options}
        except (ValueError, RuntimeError) as exc:
            st.session_state.pop("unsup-state-result", None)
            st.error(f"The registration failed: {exc}", icon=":material/error:")
        clear()

stored = st.session_state.get("unsup-state-result")
current = stored if stored and stored["key"] == problem_key else None
if stored and not current:
    st.info("The problem changed since the last registration: press **Register** again.", icon=":material/info:")
elif not stored:
    st.info("Choose a transform and a metric, then press **Register**. It runs only when you press it.",
            icon=":material/info:")
if current:
    result = current["result"]
    points = anatomy_points(problem.fixed, spacing)
    error = tre(result.map_points(points), problem.true_points(points))
    pixel = min(spacing)
    m = st.columns(5)
    m[0].metric("Time (s)", f"{result.seconds:.2f}")
    m[1].metric("Iterations", len(result.metric_history))
    m[2].metric("Mean TRE (mm)", f"{error['mean']:.2f}", f"{error['mean'] / pixel:.2f} pixel", delta_color="off",
                delta_arrow="off")
    m[3].metric("Max TRE (mm)", f"{error['max']:.2f}", f"{error['max'] / pixel:.2f} pixel", delta_color="off",
                delta_arrow="off")
    after = ncc(result.registered, problem.fixed)
    m[4].metric("NCC after", f"{after:.4f}", f"{after - ncc(problem.fixed, problem.moving):+.4f}",
                help="Over the whole image: noise, and corners the moved source does not cover, keep it below 1.")
    if contrast > 0:
        st.caption(NCC_ACROSS_CONTRASTS)
    show_figure(st, history_figure(result.metric_history, result.levels,
                                   f"{METRICS[current['metric']]}: {current['transform']} registration"),
                    table=True, config=PLOT_CONFIG, key="unsup-history")
    st.caption(f"Why it stopped: {result.stop_reason} The metric jumps where a level starts: it is then computed "
               "on finer, less smoothed images, so values of different levels are not comparable.")
    table = pd.DataFrame(compare(problem, result.parameters))
    if current["transform"] == "deformable":  # the bend takes part of the motion: its affine part is no estimate
        table = table.drop(columns="error").rename(columns={"recovered": "affine part found"})
    st.dataframe(table.round(4), hide_index=True, width="stretch")
    duel_slot = st.empty()  # filled after section 4 runs: the preset "SSD vs MI" shows both runs here too
    st.caption(
        f"TRE (target registration error): the distance between where the found transform and the true motion "
        f"send each of {len(points)} grid points inside the anatomy; below one pixel ({pixel:.3g} mm) the result "
        "is as good as the image allows." + (" A deformable transform splits the motion between its affine part "
                                             "and the bend, so the affine part alone is not the motion and has no "
                                             "error to compare: the TRE, which counts both, is the comparable "
                                             "number." if current["transform"] == "deformable" else ""))
    show_code(snip.registration_snippet(source, motion, noise, contrast, seed, current["transform"],
                                        current["metric"], **current["options"]))


# --- the lecture's figure -------------------------------------------------------------------------------
@st.fragment
def lecture_figure() -> None:
    """(a) source, (b) target, (c) registered, (d) before and (e) after; checkerboard and blend; deformation."""
    st.header("3 · The lecture's figure, live")
    if not current:
        st.info("Register the problem above to see the figure.", icon=":material/info:")
        return
    result = current["result"]
    registered8 = display.apply_window(result.registered, *display.auto_window(problem.moving))
    mode = st.radio("Compare as", ("colour overlay", "difference"), horizontal=True, key="unsup-compare",
                    help="Overlay: target magenta, source green; aligned structures turn grey or white. "
                         "Difference: mid grey where the two agree.")
    pair = overlays.overlay if mode == "colour overlay" else overlays.difference
    figure = [(moving8, "(a) source"), (fixed8, "(b) target"), (registered8, "(c) registered source"),
              (pair(fixed8, moving8), "(d) before registration"), (pair(fixed8, registered8), "(e) after")]
    if lecturer_mode():  # two rows: each image twice as wide, readable from the back of the room
        show_images(figure[:3], min_side=320)
        show_images(figure[3:], min_side=320, columns=3)
    else:
        show_images(figure, min_side=160)
    before = np.abs(fixed8.astype(int) - moving8).mean()
    after = np.abs(fixed8.astype(int) - registered8).mean()
    st.caption(f"Mean absolute difference of the 8-bit target and source: {before:.2f} grey levels before, "
               f"{after:.2f} after." + (" With a contrast change the difference never vanishes, even when "
                                        "aligned: use the overlay." if contrast else ""))
    left, middle, right = st.columns(3)
    tiles = left.slider("Checkerboard tiles", 2, 16, 8, key="unsup-tiles")
    board = overlays.checkerboard(fixed8, registered8, tiles)
    show_image(left, png_bytes(board), describe_image(board, f"{tiles} × {tiles} checkerboard: tiles alternate "
               "between the target and the registered source, edges continue across tiles where aligned"),
               output_format="PNG", width="stretch", caption="checkerboard of the target and the registered source")
    alpha = middle.slider("Blend: target ↔ registered source", 0.0, 1.0, 0.5, 0.05, key="unsup-blend")
    blended = overlays.blend(fixed8, registered8, alpha)
    show_image(middle, png_bytes(blended), describe_image(blended, f"blend of {1 - alpha:.2f} × target and {alpha:.2f} × "
               "registered source"), output_format="PNG", width="stretch",
               caption=f"blend: {1 - alpha:.2f} × target + {alpha:.2f} × registered")
    with right:
        explain(
            "**How to read them.** In the checkerboard, tiles alternate between the two images: where the "
            "registration is right, edges run on across the tiles without a step. Slide the blend from one image to "
            "the other: what is aligned stays still, what is not moves. With a contrast change the tiles differ in "
            "brightness, not in position.")
    show_code(snip.figure_snippet(source, motion, noise, contrast, seed, current["transform"], current["metric"],
                                  tiles=tiles, alpha=alpha, **current["options"]))
    if current["transform"] == "deformable":
        deformation_views(result)


def deformation_views(result) -> None:
    """The warped grid, and the displacement and Jacobian determinant of the deformable part."""
    field = result.displacement()
    local = result.displacement(deformable_only=True)
    jacobian = jacobian_determinant(local, spacing)
    folded = float((jacobian <= 0).mean())
    st.subheader("The deformation")
    step = max(2, image.shape[0] // 16)
    grid = go.Figure()
    grid.add_trace(go.Heatmap(z=moving8, colorscale="gray", showscale=False, hoverinfo="skip"))
    rows, cols = np.arange(0, image.shape[0], step), np.arange(0, image.shape[1], step)
    for r in rows:  # each grid line of the target, carried into the source by the transform
        grid.add_trace(go.Scatter(x=cols + field[r, cols, 1] / spacing[1], y=r + field[r, cols, 0] / spacing[0],
                                  mode="lines", line={"color": "#ffd33d", "width": 1}, hoverinfo="skip"))
    for c in cols:
        grid.add_trace(go.Scatter(x=c + field[rows, c, 1] / spacing[1], y=rows + field[rows, c, 0] / spacing[0],
                                  mode="lines", line={"color": "#ffd33d", "width": 1}, hoverinfo="skip"))
    grid.update_yaxes(autorange="reversed", scaleanchor="x", scaleratio=spacing[0] / spacing[1], visible=False)
    grid.update_xaxes(visible=False)
    grid.update_layout(title="the target's grid, carried into the source", showlegend=False, height=400,
                       margin={"l": 0, "r": 0, "t": 40, "b": 0})
    magnitude = np.linalg.norm(local, axis=-1)
    maps = make_subplots(1, 2, subplot_titles=("non-linear displacement (mm)", "Jacobian determinant"),
                         horizontal_spacing=0.12)
    maps.add_trace(go.Heatmap(z=magnitude, colorscale="Viridis", colorbar={"x": 0.44, "thickness": 10},
                              hovertemplate="row %{y}, col %{x}<br>%{z:.2f} mm<extra></extra>"), 1, 1)
    low, high = np.percentile(jacobian, [1, 99])
    spread = max(abs(low - 1), abs(high - 1), 1e-3)
    maps.add_trace(go.Heatmap(z=jacobian, colorscale="RdBu_r", zmid=1.0, zmin=1 - spread, zmax=1 + spread,
                              colorbar={"thickness": 10},
                              hovertemplate="row %{y}, col %{x}<br>det %{z:.3f}<extra></extra>"), 1, 2)
    maps.update_yaxes(autorange="reversed", visible=False)
    maps.update_yaxes(scaleanchor="x", scaleratio=spacing[0] / spacing[1], row=1, col=1)
    maps.update_yaxes(scaleanchor="x2", scaleratio=spacing[0] / spacing[1], row=1, col=2)
    maps.update_xaxes(visible=False)
    maps.update_layout(height=400, margin={"l": 0, "r": 0, "t": 40, "b": 0})
    left, right = st.columns([2, 3])
    show_figure(left, grid, config=PLOT_CONFIG, key="unsup-grid")
    show_figure(right, maps, config=PLOT_CONFIG, key="unsup-jacobian")
    st.caption(
        f"Left: the whole transform (affine and non-linear parts). Right: the non-linear part alone, "
        f"{'the B-spline' if current['options'].get('deformable') == 'bspline' else 'the demons field'}: it moves "
        f"pixels by up to {magnitude.max():.2f} mm (mean {magnitude.mean():.2f} mm). Its Jacobian determinant is the "
        f"local change of area (1 = none, above 1 growth, below shrinkage; colours clipped to the 1st-99th "
        f"percentiles): from {jacobian.min():.3f} to {jacobian.max():.3f}, and **{100 * folded:.2f} % of the pixels "
        "fold** (determinant ≤ 0), which no real anatomy can do.")


lecture_figure()


# --- why the loss matters -------------------------------------------------------------------------------

@st.fragment
def loss_section() -> None:
    """SSD and MI landscapes on a same-contrast and an other-contrast pair; the two registrations that prove it."""
    st.header("4 · Why the loss matters")
    explain(
        "The optimiser walks downhill on the loss. Below, the working image is compared with a copy of itself "
        "moved by each candidate offset (offset 0 is perfect alignment, whatever motion you chose above): a copy "
        "with the same contrast and one with the contrast change, without noise. **Sum of squared differences** "
        "compares intensities one to one, so it wants equal values; "
        "**mutual information** only wants each intensity of one image to predict the intensity of the other.")
    sweep = st.radio("Sweep", ("shift", "angle"), horizontal=True, key="unsup-sweep",
                     format_func={"shift": "shift to the right (mm)", "angle": "rotation (degrees)"}.get)
    offsets = sweep_offsets(sweep, fov[1])

    def landscapes() -> tuple[go.Figure, dict]:
        if from_sample:  # a built-in image: the curves are shared between sessions
            return landscape_figure(shared_landscapes(image, tuple(spacing), sweep, tuple(offsets)), offsets, sweep)
        return landscape_figure(aligned_landscapes(image, spacing, sweep, offsets), offsets, sweep)

    try:
        figure, lows = memo("landscape", (work_key, sweep), landscapes)
    except ValueError as exc:  # e.g. a binary image: the contrast change maps both of its values to dark
        st.warning(f"No loss landscapes for this image: with the contrast change, {exc}.", icon=":material/warning:")
    else:
        show_figure(st, figure, config=PLOT_CONFIG, key="unsup-landscape")
        suffix = " mm" if sweep == "shift" else "°"
        low = {key: f"{value:+g}{suffix}" for key, value in lows.items()}
        st.caption(
            f"Lowest loss (offset from alignment, the green dotted line): same contrast — SSD "
            f"{low[('same contrast', 'ssd')]}, MI {low[('same contrast', 'mattes_mi')]}; other contrast — SSD "
            f"{low[('other contrast', 'ssd')]}, MI {low[('other contrast', 'mattes_mi')]}. "
            f"Sampled every {offsets[1] - offsets[0]:g}{suffix}.")
        show_code(snip.landscape_snippet(source, sweep, offsets))

    st.markdown("**The proof:** register the other-contrast pair (your motion and noise, full contrast change) "
                "with each loss.")
    duel_key = (base, motion, noise, seed)
    pressed = st.button("Register with SSD and with MI", icon=":material/compare_arrows:", key="unsup-duel")
    if pressed or st.session_state.pop("unsup-autoduel", False):  # the preset runs both at once (< 1 s)
        pair = make_problem(image, spacing, motion, noise=noise, contrast=1.0, seed=seed)
        rows = []
        with st.spinner("Two registrations..."):
            for key in ("ssd", "mattes_mi"):
                try:
                    found = register(pair.fixed, pair.moving, "rigid", key, spacing=spacing)
                except (ValueError, RuntimeError) as exc:
                    st.error(f"{METRICS[key]} failed: {exc}", icon=":material/error:")
                    continue
                points = anatomy_points(pair.fixed, spacing)
                error = tre(found.map_points(points), pair.true_points(points))
                table = {row["parameter"]: row["error"] for row in compare(pair, found.parameters)}
                rows.append({"loss": METRICS[key], "mean TRE (mm)": error["mean"], "max TRE (mm)": error["max"],
                             "rotation error (°)": table["rotation (degrees, clockwise)"],
                             "time (s)": found.seconds})
        st.session_state["unsup-state-duel"] = {"key": duel_key, "rows": rows}
    duel = st.session_state.get("unsup-state-duel")
    if duel and duel["key"] == duel_key and duel["rows"]:
        table = pd.DataFrame(duel["rows"])
        st.dataframe(table.round(3), hide_index=True, width="stretch")
        if len(table) == 2:
            ssd, mi = table["mean TRE (mm)"]
            verdict = ("MI recovers the motion where SSD does not" if mi < min(spacing) < ssd else
                       "here both succeed: try a larger contrast change or another image" if ssd < min(spacing)
                       else "neither loss recovers this motion: try a smaller one")
            st.caption(f"Mean TRE: SSD {ssd:.2f} mm, MI {mi:.2f} mm (one pixel is {min(spacing):.3g} mm) — {verdict}.")


loss_section()
if current:
    show_duel_beside(duel_slot, st.session_state.get("unsup-state-duel"), (base, motion, noise, seed), min(spacing))


# --- 3D and the atlas -----------------------------------------------------------------------------------
@st.cache_resource(max_entries=2, show_spinner="Preparing the template...")
def atlas_inputs(factor: int) -> dict:
    """The MNI template and its tissue maps shrunk to `factor` mm, and the subject (shared, read-only)."""
    template, grey, white, subject = (picker.load_sample(n) for n in (MNI, GREY, WHITE, SUBJECT))
    inputs = {
        "template": block_mean(template.data, factor),
        "maps": {"grey matter": block_mean(grey.data, factor) / 255.0,
                 "white matter": block_mean(white.data, factor) / 255.0},
        "origin": shrunk_origin(physical_origin(template.affine), template.spacing, factor),
        "spacing": (float(factor),) * 3,
        "subject": subject.data.astype(np.float64),
        "subject_spacing": tuple(float(s) for s in subject.spacing),
        "subject_origin": physical_origin(subject.affine),
    }
    inputs["before"] = resample_like(inputs["subject"], inputs["subject_spacing"], inputs["subject_origin"],
                                     inputs["template"].shape, inputs["spacing"], inputs["origin"])
    for value in (inputs["template"], inputs["subject"], inputs["before"], *inputs["maps"].values()):
        value.flags.writeable = False
    return inputs


def planes(data: np.ndarray, index: tuple[int, int, int], window: tuple[float, float]) -> list[np.ndarray]:
    """Axial, coronal and sagittal uint8 slices through `index` (radiological display)."""
    return [display.apply_window(view, *window) for view, _ in display.orthogonal_views(data, index).values()]


def atlas_section() -> None:
    """Register the subject MRI to the MNI template, then carry the grey and white matter maps onto it."""
    st.header("5 · 3D: the subject to the MNI template, and an atlas")
    head = picker.load_sample(SUBJECT)
    extent = " × ".join(f"{n * d:.0f}" for n, d in zip(head.data.shape[::-1], head.spacing[::-1]))
    explain(
        f"Two real images now: a subject's T1 MRI (nibabel's `anatomical.nii`, a {extent} mm block of the head, "
        f"voxels of {' × '.join(f'{d:g}' for d in head.spacing)} mm) and the MNI152 template. **Orientation is "
        "key**: each file's header says where every voxel "
        "sits in the scanner, in mm, so the two start roughly in place; registration corrects what is left. "
        "Then the template's grey and white matter maps, drawn once for the template, are **carried onto the "
        "subject** through the inverse transform: an atlas segments the subject without any label of its own.")
    a1, a2, a3 = st.columns(3)
    kind = a1.radio("Transform", ("rigid", "affine"), horizontal=True, key="unsup-atlas-transform")
    factor = a2.radio("Template voxel size (mm)", (2, 4), horizontal=True, key="unsup-atlas-factor")
    iterations = DEFAULT_ATLAS_ITERATIONS if lecturer_mode() else a3.slider(
        "Iterations per level (maximum)", 10, 200, DEFAULT_ATLAS_ITERATIONS, 10, key="unsup-atlas-iterations")
    settings = {"transform": kind, "factor": factor, "levels": 3, "iterations": iterations, "sampling": 0.1}
    if st.button("Register the subject to the MNI template", type="primary", icon=":material/play_arrow:",
                 key="unsup-atlas-run"):
        inputs = atlas_inputs(factor)
        with stoppable("unsup-atlas-stop"):
            callback, clear = live_progress("Registering in 3D...")
            try:
                result, maps = heavy.run(  # a Dask task: register, then carry the maps onto the subject
                    "registration", register_and_transfer, inputs["template"], inputs["subject"], inputs["maps"],
                    transform=kind, iterations=iterations, spacing=inputs["spacing"],
                    subject_spacing=inputs["subject_spacing"], origin=inputs["origin"],
                    subject_origin=inputs["subject_origin"], callbacks={"progress": callback})
                st.session_state["unsup-state-atlas"] = {"settings": settings, "result": result, "maps": maps}
            except (ValueError, RuntimeError) as exc:
                st.error(f"The 3D registration failed: {exc}", icon=":material/error:")
            clear()
    elif was_stopped("unsup-atlas-stop"):
        st.info(STOPPED.format("The 3D registration"), icon=":material/stop_circle:")
    stored = st.session_state.get("unsup-state-atlas")
    if not stored:
        st.info("Press the button to register (a few seconds; faster at 4 mm).", icon=":material/info:")
        return
    if stored["settings"] != settings:
        st.caption("Showing the last registration; press the button to run with the settings above.")
    settings, result, maps = stored["settings"], stored["result"], stored["maps"]
    inputs = atlas_inputs(settings["factor"])
    m = st.columns(4)
    m[0].metric("Time (s)", f"{result.seconds:.2f}")
    m[1].metric("Iterations", len(result.metric_history))
    shift = float(np.linalg.norm(result.parameters["translation_mm"]))
    m[2].metric("Shift found (mm)", f"{shift:.2f}")
    angles = result.parameters.get("angles_deg")
    if angles is not None:
        m[3].metric("Largest angle (°)", f"{np.abs(angles).max():.2f}")
    else:
        m[3].metric("Scale", f"{result.parameters['scale']:.3f}")
    show_figure(st, history_figure(result.metric_history, result.levels,
                                   f"Mattes MI: subject to MNI, {settings['transform']}"), config=PLOT_CONFIG,
                    key="unsup-atlas-history")
    st.caption(f"Why it stopped: {result.stop_reason}")

    # the subject's block in template voxels, with a margin: the views zoom on it
    template = inputs["template"]
    low = (np.array(inputs["subject_origin"]) - inputs["origin"]) / inputs["spacing"]
    high = low + np.array(inputs["subject"].shape) * np.array(inputs["subject_spacing"]) / inputs["spacing"]
    margin = 10.0 / np.array(inputs["spacing"])
    box = tuple(slice(int(max(0, np.floor(lo - margin[i]))), int(min(n, np.ceil(hi + margin[i]))))
                for i, (lo, hi, n) in enumerate(zip(low, high, template.shape)))
    zoom = template[box]
    index = tuple(n // 2 for n in zoom.shape)
    template_window = display.auto_window(zoom)
    subject_window = display.auto_window(inputs["subject"])
    fixed_planes = planes(zoom, index, template_window)
    names = ("axial", "coronal", "sagittal")
    st.markdown("**Before and after**, zoomed on the subject's block (template in magenta, subject in green: "
                "where they agree the colours add up to grey and white).")
    for label, moved in (("before: headers only", inputs["before"]), ("after registration", result.registered)):
        moving_planes = planes(moved[box], index, subject_window)
        show_images([(overlays.overlay(f, mv), f"{name}, {label}")
                     for name, f, mv in zip(names, fixed_planes, moving_planes)], min_side=220)
    st.caption("Radiological view (the patient's right on the left). Look at the edges of the ventricles and of the "
               "corpus callosum: coloured fringes before, fewer after. The transform moved the subject by "
               f"{shift:.1f} mm" + (f" and turned it by up to {np.abs(angles).max():.1f}°." if angles is not None
                                    else "."))

    st.subheader("Label transfer: the template's tissue maps on the subject")
    subject = inputs["subject"]
    centre = tuple(n // 2 for n in subject.shape)
    grey_planes = planes(subject, centre, subject_window)
    grey_views = [v for v, _ in display.orthogonal_views(maps["grey matter"], centre).values()]
    white_views = [v for v, _ in display.orthogonal_views(maps["white matter"], centre).values()]
    show_images([(g, f"{name}: the subject") for name, g in zip(names, grey_planes)], min_side=220)
    show_images([(overlays.tint(g, [(gm > 0.5, GREY_COLOUR), (wm > 0.5, WHITE_COLOUR)], opacity=0.35),
                  f"{name}: with the transferred labels") for name, g, gm, wm in
                 zip(names, grey_planes, grey_views, white_views)], min_side=220)
    voxel_ml = float(np.prod(inputs["subject_spacing"])) / 1000
    volumes = {name: float((values > 0.5).sum() * voxel_ml) for name, values in maps.items()}
    st.caption(f"Orange: grey matter, green: white matter (transferred probability above 0.5). In the subject's "
               f"block: grey matter {volumes['grey matter']:.1f} mL, white matter {volumes['white matter']:.1f} mL. "
               "No one drew a label on this subject: the labels come from the template, through the registration.")
    show_code(snip.atlas_snippet(settings["transform"], settings["factor"], settings["levels"],
                                 settings["iterations"], settings["sampling"]))


atlas_section()


# --- clustering -----------------------------------------------------------------------------------------
@st.cache_data(max_entries=8, show_spinner="Clustering the template...")
def template_clusters(k: int, method: str) -> tuple[np.ndarray, list[float], list[int], dict]:
    """k clusters of the MNI template at 2 mm and their Dice against the tissue maps (sample data only)."""
    t1, grey, white = (picker.load_sample(n).data[::2, ::2, ::2] for n in (MNI, GREY, WHITE))
    clusters = cluster_intensities(t1, k, method=method)
    scored = score(clusters.labels, {"grey matter": grey / 255.0, "white matter": white / 255.0})
    return clusters.labels, clusters.means, clusters.counts, scored


@st.cache_data(max_entries=64, show_spinner=False)
def template_views(k: int, method: str, axial: int) -> tuple[bytes, bytes, bytes]:
    """PNGs of one axial slice of the 2 mm template: T1, its clusters and the tissue maps (shared, built-in data)."""
    labels = template_clusters(k, method)[0]
    t1, grey, white = (picker.load_sample(n).data[::2, ::2, ::2][axial] for n in (MNI, GREY, WHITE))
    truth = overlays.tint(grey8(t1), [(grey > 127, GREY_COLOUR), (white > 127, WHITE_COLOUR)])
    return shown(grey8(t1)), shown(overlays.label_colours(labels[axial])), shown(truth)


@st.fragment
def clustering_section() -> None:
    """k-means or a Gaussian mixture on intensities; coloured classes; Dice against the MNI tissue maps."""
    st.header("6 · Clustering: tissue classes without labels")
    explain(
        "k-means sees only the voxel **values** and groups those that are alike, here into k classes "
        "numbered from dark to bright. Nobody told it what grey or white matter is; on a T1 brain MRI the classes "
        "come out as fluid, grey matter and white matter simply because those tissues have different values. "
        "That is what *unsupervised* means. Only afterwards do we look at the template's tissue maps to **score** "
        "the result (Dice: 1 = perfect overlap), naming each cluster after the tissue holding most of its voxels.")
    c1, c2, c3 = st.columns(3)
    which = c1.radio("Image", ("MNI template (3D, 2 mm)", "the working image of section 1"), key="unsup-cluster-image",
                     help="Only the template has tissue maps, so only it gets a Dice.")
    k = c2.slider("Number of clusters k", 2, 6, 3, key="unsup-k")
    method = c3.radio("Method", list(METHODS), format_func=METHODS.get, horizontal=True, key="unsup-cluster-method")
    colour_names = overlays.LABEL_NAMES[1:]
    if which.startswith("MNI"):
        labels, means, counts, scored = template_clusters(k, method)
        axial = st.slider("Axial slice (2 mm)", 0, labels.shape[0] - 1, 41, key="unsup-cluster-slice",
                          help="Slice 41 is about 10 mm above the MNI origin, through the lateral ventricles.")
        names = scored["names"]
        table = pd.DataFrame({"cluster": range(1, k + 1), "mean value": means, "voxels": counts,
                              "named after": names})
        t1_png, clusters_png, truth_png = template_views(k, method, axial)
        show_images([(t1_png, f"T1 template, axial slice {axial}"),
                     (clusters_png, f"{k} clusters, dark to bright: " + ", ".join(colour_names[:k])),
                     (truth_png, "the tissue maps (orange: grey matter, green: white matter), used only to score")])
        st.dataframe(table.round(1), hide_index=True, width="stretch")
        dice_cols = st.columns(len(scored["dice"]))
        for column, (name, value) in zip(dice_cols, scored["dice"].items()):
            column.metric(f"Dice, {name}", f"{value:.3f}")
        st.caption("A Dice of 0.7 is usually called good agreement. With more clusters, a tissue is split in "
                   "several and the Dice is that of their union; with 2 clusters, one tissue has to share.")
        show_code(snip.clustering_snippet(k, method))
    else:
        try:
            clusters = memo("clusters", (base, k, method), lambda: cluster_intensities(image, k, method=method))
        except ValueError as exc:
            st.warning(f"Cannot cluster this image: {exc}.", icon=":material/warning:")
            return
        show_images([(grey8(image), "working image"),
                     (overlays.label_colours(clusters.labels), f"{k} clusters, dark to bright: "
                      + ", ".join(colour_names[:k]))], min_side=300)
        st.dataframe(pd.DataFrame({"cluster": range(1, k + 1), "mean value": clusters.means,
                                   "pixels": clusters.counts}).round(3), hide_index=True, width="stretch")
        st.caption("No tissue maps exist for this image, so there is no Dice: judge the classes by eye.")
        show_code(snip.clustering_image_snippet(source, k, method))


clustering_section()
learned_registration.section()


# --- check yourself -------------------------------------------------------------------------------------
def shift_question() -> Question:
    """How far the chosen shift moves the image, in pixels of the current working image."""
    rows, cols = (abs(d) / s for d, s in zip(motion.shift_mm, spacing))
    pixels = float(np.hypot(rows, cols))
    return Question(
        f"Your source was shifted by {motion.shift_mm[0]:g} mm down and {motion.shift_mm[1]:g} mm right, on pixels "
        f"of {spacing[0]:.4g} × {spacing[1]:.4g} mm. How long is that shift, **in pixels**? (to 0.1)",
        f"Divide each component by its pixel size: {rows:.2f} and {cols:.2f} pixels, then "
        f"√({rows:.2f}² + {cols:.2f}²) = {pixels:.2f} pixels. Registration works in mm; the TRE is compared with "
        "the pixel size to judge it.", round(pixels, 2), tolerance=0.1)


self_check("unsupervised", [
    shift_question,
    Question("The source is a T2-like image of the same slice (dark fluid turned bright). Which loss can register "
             "it to the T1-like target?",
             "Mutual information only asks that each intensity of one image predict the intensity of the other, "
             "whatever the mapping; SSD wants equal values, which two contrasts never have, so its minimum lies "
             "elsewhere.", 1,
             ("Sum of squared differences (SSD)", "Mutual information (MI)", "Either: they share the same minimum")),
    Question("The source was bent by a smooth non-linear wave. Which transform can undo it?",
             "Translation, rigid and affine transforms move every point by the same matrix; only a deformable "
             "transform (B-spline grid or demons field) can move different regions differently.", 3,
             ("translation", "rigid", "affine", "deformable")),
    Question("A deformable registration gives a Jacobian determinant ≤ 0 at some pixels. What does it mean there?",
             "The determinant is the local change of area: above 1 growth, below 1 shrinkage, and at or below 0 the "
             "transform folds the image onto itself, which no real anatomy can do.", 2,
             ("The tissue shrank by half", "Nothing moved", "The transform folds space over itself")),
    Question("k-means on the T1 template gives a cluster that matches the grey matter map well. How did it know "
             "which voxels are grey matter?",
             "It did not: it only grouped voxels of alike intensity. We named the clusters afterwards by comparing "
             "them with the tissue maps, which is also how the Dice is computed. That is what unsupervised means.", 0,
             ("It did not: it grouped alike intensities, we named the clusters afterwards",
              "It learned from the grey matter map", "It registered the image to the template first")),
])
