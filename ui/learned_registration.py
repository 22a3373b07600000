"""Lesson 5's "Learned registration" section: train a small VoxelMorph-style U-Net, then race it against B-spline.

The work is in `core.learned_registration` (pure, seeded, with progress
callbacks) and runs as Dask tasks (`ui.heavy.run`): the training
(`core.heavy.train_registration`, whose weights come back) and the
registrations both ways (`core.learned_registration.register_pairs`, which
rebuilds the network from its weights on the worker), so this session never
loads TensorFlow. This module draws the controls, the training curves, the
comparison on held-out pairs and a pair of the learner's choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core import display, overlays
from core import learned_registration as lr
from core.data.warps import Motion, working_image
from core.heavy import train_registration
from core.snippets.learned_registration import training_snippet
from ui import heavy, picker
from core.text.alt_text import describe_image
from core.io.png_writer import encode_png
from ui.alt import show_figure, show_image
from ui.code import show_code
from ui.curves import TRAINING, VALIDATION, epoch_curves
from ui.lesson import STOPPED, explain, lecturer_mode, remembered_run, stoppable, was_stopped
from ui.viewer import PLOT_CONFIG

TRAINED = "unsup-learned"
COMPARED = "unsup-learned-compared"
OWN = "unsup-learned-own"
STOP = "unsup-learned-stop"
STOP_COMPARE = "unsup-learned-compare-stop"
STOP_OWN = "unsup-learned-own-stop"
CONFIG = lr.Config()
"""The defaults: about a minute of training on 2 cores, TensorFlow's import included
(benchmarks/bench_learned_registration.py)."""
SIMILARITY_NAMES = {"mse": "MSE", "ncc": "local NCC"}
"""How the page names each of `core.learned_registration.SIMILARITIES`."""
SETTINGS_KEYS = {"epochs": "unsup-learned-epochs", "pairs": "unsup-learned-pairs",
                 "smoothness": "unsup-learned-smoothness", "similarity": "unsup-learned-similarity"}
"""Widget keys of the training settings (a test sets them small)."""
CASES = {"held out, like training": {},
         "another contrast (T2-like)": {"contrast": 1.0},
         "motion twice as large": {"double": True}}


@st.cache_resource(max_entries=2, show_spinner="Preparing the template slices...")
def template_slices(size: int) -> tuple:
    """`core.learned_registration.template_slices`, once per server and size."""
    return lr.template_slices(size)


def _metric(contrast: float) -> str:
    """B-spline's metric: mean squares for the same contrast, Mattes mutual information for another (lesson 5's rule)."""
    return "mattes_mi" if contrast > 0 else "ssd"


def _shown(image: np.ndarray, side: int = 200) -> bytes:
    """A [0, 1] image as an enlarged 8-bit PNG."""
    eight = display.apply_window(np.asarray(image, np.float64), 1.0, 0.5)
    return encode_png(overlays.enlarge(eight, side))


def _curves(history: lr.History, epochs: int) -> go.Figure:
    """The image dissimilarity (training and held-out pairs) and the smoothness penalty per epoch."""
    return epoch_curves([("Image dissimilarity (lower is better)",
                          [("training pairs", history.similarity, TRAINING),
                           ("held-out pairs", history.val_similarity, VALIDATION)]),
                         ("Smoothness penalty (field's squared gradient)",
                          [("smoothness (training)", history.smoothness, "#6e7781")])], epochs, legend_y=-0.3)


def _problems(trained: lr.Trained, case: str, n: int) -> list:
    options = CASES[case]
    config = trained.config
    if options.get("double"):
        config = replace(config, max_shift_mm=2 * config.max_shift_mm, max_angle_deg=2 * config.max_angle_deg)
    held = lr.held_out_pairs(replace(trained, config=config), n, seed=1, contrast=options.get("contrast", 0.0),
                             slices=template_slices(config.size))
    return held.problems


def _train(config: lr.Config) -> lr.Trained:
    """Train on the course's heavy-work path (a Dask task), with the progress bar and the live curves here.

    Raises
    ------
    ui.heavy.WorkLost
        When the task could not finish.
    """
    epochs = config.epochs
    bar = st.progress(0.0, text="Making the training pairs...")
    chart = st.empty()

    def report(epoch: int, history: lr.History) -> None:
        bar.progress(epoch / epochs, text=f"Epoch {epoch}/{epochs} · held-out dissimilarity "
                                          f"{history.val_similarity[-1]:.4g} · {history.seconds:.0f} s")
        show_figure(chart, _curves(history, epochs), config=PLOT_CONFIG, key=f"unsup-learned-live-{epoch}")

    try:  # queued behind other learners' work, its progress shown here
        return heavy.run("training", train_registration, config,
                         callbacks={"on_epoch": report, "on_batch": heavy.batch_progress(bar, epochs)})
    finally:
        bar.empty()
        chart.empty()


def _register(trained: lr.Trained, problems: list, metrics: list[str], label: Callable[[int], str],
              start: str = "Registering...") -> list | None:
    """Register pairs both ways on the course's heavy-work path (`core.learned_registration.register_pairs`).

    The progress bar reads `start`, then `label(k)` once pair `k` (from 0) is done. Returns the results, or None
    after a message on the page (the work was lost, or failed).
    """
    bar = st.progress(0.0, text=start)

    def report(done: int, total: int) -> None:
        bar.progress(done / total, text=label(done - 1))

    try:
        return heavy.run("registration", lr.register_pairs, trained, problems, metrics, callbacks={"progress": report})
    except (ValueError, RuntimeError) as exc:  # a WorkLost is a RuntimeError with a learner's message
        st.error(f"The registration failed: {exc}", icon=":material/error:")
        return None
    finally:
        bar.empty()


def section() -> None:
    """Draw "Learned registration" (header, training, comparison with B-spline, the learner's own pair)."""
    st.header("7 · Learned registration: a network that registers in one pass")
    explain(
        "Registration by optimisation (above) starts from scratch for every pair. A **learned** registration pays "
        "once, in training, and then registers a new pair in one forward pass. This is the recipe of "
        "**VoxelMorph** (Balakrishnan et al., *VoxelMorph: A Learning Framework for Deformable Medical Image "
        "Registration*, IEEE Transactions on Medical Imaging, 2019), in 2D: an encoder-decoder (a small **U-Net**, "
        "the autoencoder-like network of the lecture) takes the moving and the fixed image and outputs a "
        "**displacement field**; a differentiable **warp layer** (bicubic sampling) moves the image by it; the "
        "loss is the images' dissimilarity (MSE or local normalised cross-correlation) plus a **smoothness** "
        "penalty on the field. No labels and no true fields: only pairs of images. Three choices make a short "
        "training go further. An **affine stage** comes first: a small encoder and a dense layer predict the six "
        "numbers of an affine map (shift, rotation, scale, shear), starting from the identity (de Vos et al., *A deep "
        "learning framework for unsupervised affine and deformable image registration*, Medical Image Analysis, "
        f"2019). Then {CONFIG.stages} U-Nets run in a **cascade**: each sees the moving image warped by the field so "
        "far and registers what is left, the fields composed (Zhao et al., *Recursive Cascaded Networks for "
        "Unsupervised Medical Image Registration*, ICCV 2019). Each U-Net outputs its field on a grid "
        f"{CONFIG.downsize} times coarser than the image, where the fields are composed, upsampled only to move the "
        "image (a smooth field, and less work). All are trained "
        "together, end to end.")
    lecturing = lecturer_mode()
    a, b, c, d = st.columns(4)
    epochs = CONFIG.epochs if lecturing else a.slider("Epochs", 1, 30, CONFIG.epochs, key=SETTINGS_KEYS["epochs"])
    pairs = CONFIG.pairs if lecturing else b.select_slider("Training pairs", [32, 100, 300, 600, 1200, 2400],
                                                           CONFIG.pairs, key=SETTINGS_KEYS["pairs"])
    smoothness = CONFIG.smoothness if lecturing else c.select_slider(
        "Smoothness weight λ", [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0], CONFIG.smoothness,
        key=SETTINGS_KEYS["smoothness"], help="0: the field may do anything that lowers the loss, even fold. About 1 "
        "suits local NCC, 0.01 MSE (the two losses differ in scale).")
    similarity = CONFIG.similarity if lecturing else d.radio(
        "Similarity", lr.SIMILARITIES, index=lr.SIMILARITIES.index(CONFIG.similarity), horizontal=True,
        key=SETTINGS_KEYS["similarity"], format_func=SIMILARITY_NAMES.get)
    config = replace(CONFIG, epochs=epochs, pairs=pairs, smoothness=smoothness, similarity=similarity)
    st.caption(f"Training data: {config.pairs} pairs of {config.size} × {config.size} MNI152 T1 axial slices (every "
               f"4th slice kept apart for testing), each moved by a random known motion of this lesson's generator: "
               f"shift up to ±{config.max_shift_mm:g} mm, rotation up to ±{config.max_angle_deg:g}°, scale "
               f"±{config.max_scale:.0%}, a smooth bend up to {config.warp_share:.0%} of the largest that cannot "
               "fold. Same contrast, no noise.")
    if st.button("Train the registration network", type="primary", icon=":material/model_training:",
                 key="unsup-learned-train"):
        with stoppable(STOP):
            try:
                trained = _train(config)
            except heavy.WorkLost as exc:
                trained = None
                st.error(str(exc), icon=":material/error:")
            if trained is not None:
                st.session_state[TRAINED] = trained
                st.session_state.pop(COMPARED, None)
                st.session_state.pop(OWN, None)
    elif was_stopped(STOP):
        st.info(STOPPED.format("Training") + " Press **Train the registration network** to start again.",
                icon=":material/stop_circle:")
    trained = st.session_state.get(TRAINED)
    if trained is None:
        st.info("Press **Train the registration network** (about a minute with the defaults on 2 cores) "
                "to see it race SimpleITK's B-spline.", icon=":material/model_training:")
        return
    history = trained.history
    show_figure(st, _curves(history, trained.config.epochs), table=True, config=PLOT_CONFIG,
                key="unsup-learned-curves")
    st.caption(f"Trained for {history.epochs} epochs in {history.seconds:.0f} s: the held-out pairs' dissimilarity "
               f"went from {history.val_similarity[0]:.4g} to {history.val_similarity[-1]:.4g} "
               f"({SIMILARITY_NAMES[trained.config.similarity]}, λ = {trained.config.smoothness:g}).")
    medians = _comparison(trained)
    _own_pair(trained)
    st.warning("**What it was trained on, and where it fails.** " + _limits(trained, medians),
               icon=":material/warning:")


def _limits(trained: lr.Trained, medians: pd.DataFrame | None) -> str:
    """What the network was trained on, and where it fails with this run's medians (if the comparison ran)."""
    config, spacing = trained.config, trained.spacing[0]
    text = (f"It has only ever seen {config.pairs} pairs of {config.size} × {config.size} T1-weighted MNI152 axial "
            f"slices ({spacing:.2f} mm per pixel; {len(trained.train_slices)} slices, {len(trained.held_out_slices)} "
            f"others kept apart), for {trained.history.epochs} epochs, moved by shifts up to "
            f"±{config.max_shift_mm:g} mm, rotations up to ±{config.max_angle_deg:g}°, scale changes up to "
            f"±{config.max_scale:.0%} and a bend up to {config.warp_share:.0%} of the largest that cannot fold, with the "
            "same contrast in both images and no noise. ")
    if medians is None:
        text += ("Register the held-out pairs above to measure where it fails: less precise than B-spline even on "
                 "pairs like its training ones, and worse with another contrast (it only learned what one contrast "
                 "looks like when aligned) or a larger motion. ")
    else:
        like, other, large = (medians.loc[case] for case in CASES)
        text += (f"Measured in this run (median TRE): on held-out pairs like its training ones {like['network TRE (mm)']:.2f} mm "
                 f"against B-spline's {like['B-spline TRE (mm)']:.2f} mm ({like['network TRE (mm)'] / like['B-spline TRE (mm)']:.1f}×; "
                 f"no registration {like['no registration TRE (mm)']:.2f} mm); with another contrast "
                 f"{other['network TRE (mm)']:.2f} mm (no registration {other['no registration TRE (mm)']:.2f} mm): trained "
                 f"with {SIMILARITY_NAMES[config.similarity]} on one contrast, it has no other loss to turn to, while "
                 "B-spline switches to mutual "
                 f"information ({other['B-spline TRE (mm)']:.2f} mm); with motions twice as large "
                 f"{large['network TRE (mm)']:.2f} mm against B-spline's {large['B-spline TRE (mm)']:.2f} mm. ")
    return text + ("Show it another organ or a photograph and it still answers in one pass, with no warning: an "
                   "optimiser at least reports that its metric got stuck.")


def _comparison(trained: lr.Trained) -> pd.DataFrame | None:
    """The race on held-out pairs; returns the medians of each case once it has run (None before)."""
    st.subheader("On held-out pairs: the network against SimpleITK's B-spline")
    count = 4 if lecturer_mode() else st.slider("Pairs per case", 2, 12, 6, key="unsup-learned-count",
                                                help="B-spline takes about a second per pair.")
    key = (id(trained), count)
    show_code(training_snippet(trained.config, count), "Show the code: train the network, then the held-out TRE")

    def compare() -> dict | None:
        cases = [(case, problem) for case in CASES for problem in _problems(trained, case, count)]
        results = _register(trained, [problem for _, problem in cases],
                            [_metric(CASES[case].get("contrast", 0.0)) for case, _ in cases],
                            lambda k: f"{cases[k][0]}: pair {k % count + 1} of {count}")
        if results is None:
            return None
        rows, examples = [], {}
        for k, ((case, problem), (learned, bspline)) in enumerate(zip(cases, results)):
            rows.append({"case": case, "pair": k % count + 1,
                         "no registration TRE (mm)": lr.identity(problem).tre_mm,
                         "network TRE (mm)": learned.tre_mm, "B-spline TRE (mm)": bspline.tre_mm,
                         "network folding": learned.folding, "B-spline folding": bspline.folding,
                         "network time (s)": learned.seconds, "B-spline time (s)": bspline.seconds})
            examples.setdefault(case, (problem, learned, bspline))
        return {"rows": rows, "examples": examples}

    compared = remembered_run(
        st.button("Register the held-out pairs both ways", icon=":material/compare:", key="unsup-learned-compare"),
        COMPARED, key, STOP_COMPARE, "The comparison", compare)
    if compared is None:
        st.caption(f"{len(CASES)} cases of {count} new pairs from slices the network never saw: motions like its "
                   "training ones, the same with a T2-like contrast, and motions twice as large. B-spline uses mean "
                   "squares, and Mattes mutual information for the other contrast. Times are per pair, after one "
                   "untimed pass that lets TensorFlow set itself up.")
        return None
    table = pd.DataFrame(compared["rows"])
    medians = table.groupby("case", sort=False).median(numeric_only=True).drop(columns="pair")
    like = medians.loc["held out, like training"]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Network TRE (median)", f"{like['network TRE (mm)']:.2f} mm",
              f"{like['network TRE (mm)'] / like['B-spline TRE (mm)']:.1f}× B-spline's", delta_color="off", delta_arrow="off",
              help="Held-out pairs like the training ones; mean distance between where the registration and the "
                   "known motion send points of the brain.")
    m2.metric("B-spline TRE (median)", f"{like['B-spline TRE (mm)']:.2f} mm",
              f"no registration: {like['no registration TRE (mm)']:.2f} mm", delta_color="off", delta_arrow="off")
    m3.metric("Time per pair", f"{like['network time (s)'] * 1000:.0f} ms",
              f"{like['B-spline time (s)'] / max(like['network time (s)'], 1e-9):.0f}× faster than B-spline "
              f"({like['B-spline time (s)']:.2f} s)", delta_color="off", delta_arrow="off")
    m4.metric("Folding (network)", f"{like['network folding']:.2%}",
              f"B-spline {like['B-spline folding']:.2%}", delta_color="off", delta_arrow="off",
              help="Share of pixels where the Jacobian determinant is 0 or below: the field folds.")
    st.dataframe(medians.style.format("{:.3f}"), width="stretch")
    st.caption("Medians of each case. " + _times(trained.history, table))
    problem, learned, bspline = compared["examples"]["held out, like training"]
    _pictures(problem, learned, bspline, "held-out pair 1")
    with st.expander("Every pair"):
        st.dataframe(table.style.format(precision=3), hide_index=True, width="stretch")
    return medians


def _times(history: lr.History, table: pd.DataFrame) -> str:
    """The times measured in this run: the training, and each method per pair (median and range)."""
    network, bspline = table["network time (s)"], table["B-spline time (s)"]
    return (f"Times measured in this run: training {history.seconds:.0f} s for {history.epochs} epochs; per pair "
            f"({len(table)} pairs, all cases) the network {network.median() * 1000:.0f} ms (from "
            f"{network.min() * 1000:.0f} to {network.max() * 1000:.0f} ms), B-spline {bspline.median():.2f} s (from "
            f"{bspline.min():.2f} to {bspline.max():.2f} s): {bspline.median() / max(network.median(), 1e-9):.0f}× "
            "faster once trained.")


def _pictures(problem, learned: lr.PairResult, bspline: lr.PairResult, label: str) -> None:
    """Fixed, moving, and both results with their numbers in the captions."""
    diff_before = float(np.abs(problem.moving - problem.fixed).mean())
    pictures = [
        (problem.fixed, f"Fixed ({label})"),
        (problem.moving, f"Moving: mean |moving − fixed| {diff_before:.3f}"),
        (learned.registered, f"Network: TRE {learned.tre_mm:.2f} mm, folding {learned.folding:.1%}, "
                             f"{learned.seconds * 1000:.0f} ms, mean |result − fixed| "
                             f"{float(np.abs(learned.registered - problem.fixed).mean()):.3f}"),
        (bspline.registered, f"B-spline: TRE {bspline.tre_mm:.2f} mm, folding {bspline.folding:.1%}, "
                             f"{bspline.seconds:.2f} s, mean |result − fixed| "
                             f"{float(np.abs(bspline.registered - problem.fixed).mean()):.3f}"),
    ]
    for column, (image, caption) in zip(st.columns(4), pictures):
        show_image(column, _shown(image), describe_image(image, caption), caption=caption, output_format="PNG",
                   width="stretch")


def _own_pair(trained: lr.Trained) -> None:
    st.subheader("A pair of your choice")
    source = st.radio("Image", ("a held-out template slice", "my image (sidebar)"), horizontal=True,
                      key="unsup-learned-source")
    a, b, c, d = st.columns(4)
    limit = 3 * trained.config.max_shift_mm
    shift = a.slider("Shift down (mm)", -limit, limit, 5.0, 0.5, key="unsup-learned-shift")
    angle = b.slider("Rotation (°)", -30.0, 30.0, 5.0, 0.5, key="unsup-learned-angle")
    bend = c.slider("Bend (share of the largest)", -1.0, 1.0, 0.5, 0.1, key="unsup-learned-bend")
    contrast = d.slider("Other contrast", 0.0, 1.0, 0.0, 0.1, key="unsup-learned-contrast",
                        help="1: a T2-like remapping of the moving image, which the network never saw.")
    size, spacing = trained.config.size, trained.spacing
    from core.data.warps import max_warp_mm

    motion = Motion((shift, 0.0), (angle,), 1.0, bend * max_warp_mm((size, size), spacing))
    invert = False
    if source == "a held-out template slice":
        slices, indices, _ = template_slices(size)
        held = lr.split_slices(len(slices))[1]
        image, name = slices[held[len(held) // 2]], f"template slice {indices[held[len(held) // 2]]}"
    else:
        volume = picker.current().volume
        image, _, _ = working_image(volume)
        name, invert = f"your image, resized to {size} × {size}", volume.low_values_white
        if invert:
            st.caption("A MONOCHROME1 image: inverted (1 − x) as its file asks, low values white, so the network "
                       "registers it as it is shown.")
    problem = lr.own_pair(image, size, spacing, motion, contrast, invert)
    key = (id(trained), source, name, shift, angle, bend, contrast, problem.fixed.shape, float(problem.fixed.sum()))

    def register_own() -> dict | None:
        results = _register(trained, [problem], [_metric(contrast)], lambda k: "Registered both ways.",
                            start="Registering your pair both ways (B-spline takes about a second)...")
        if results is None:
            return None
        (learned, bspline), = results
        return {"learned": learned, "bspline": bspline}

    own = remembered_run(st.button("Register my pair both ways", icon=":material/play_arrow:",
                                   key="unsup-learned-own-run"), OWN, key, STOP_OWN, "The registration", register_own)
    if own is None:
        st.caption(f"{name.capitalize()}, moved {shift:g} mm down, turned {angle:g}°, bent by {bend:.0%} of the "
                   f"largest bend, contrast remapped {contrast:.0%}. Press the button to register it.")
        return
    _pictures(problem, own["learned"], own["bspline"], name)
    outside = abs(shift) > trained.config.max_shift_mm or abs(angle) > trained.config.max_angle_deg
    if outside or contrast > 0 or source != "a held-out template slice":
        st.caption("This pair is outside what the network was trained on ("
                   + ", ".join(reason for reason, flag in (
                       ("a larger motion", outside), ("another contrast", contrast > 0),
                       ("not a template slice", source != "a held-out template slice")) if flag)
                   + "): compare its TRE with B-spline's.")
