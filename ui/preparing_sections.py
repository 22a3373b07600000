"""The sections of the Preparing lesson: masking, thresholds, filters, edges and the lecture's pipeline.

The sections a preset opens draw the lecture's figure first and its controls under it (so that one press
lands on the figure); then come the other figures, the explanation and the code. Every control that shapes a
figure is kept in the URL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import layers, preprocess
from core.selection import lasso_mask, selected_boxes, selected_lassos
from core.snippets import preprocess as snip
from core.text.alt_text import describe_image
from core.text.course_text import LessonText
from ui.alt import show_figure
from ui.code import show_code
from ui.images import grey8, picture, shaded
from ui.lesson import explain
from ui.preparing_figures import (METHOD_COLOURS, drawing_figure, fmt, histogram_figure, otsu_histograms,
                                  overlaid_histograms, region_figure, sweep_figure)
from ui.preparing_work import Work, memo
from ui.viewer import PLOT_CONFIG

SWEEP_SIGMAS = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
HISTOGRAM_BINS = 96
DRAW_KEY = "prep-draw"
LASSO = "lasso (drawn)"
DRAW_CONFIG = {"displaylogo": False}  # keeps the box and lasso tools that PLOT_CONFIG removes


def _truth_choice(work: Work, container) -> str | None:
    """The ground-truth chooser (kept in the URL), or None when the image has no ground truth."""
    if not work.truths:
        return None
    if st.session_state.get("prep-truth") not in work.truths:
        st.session_state.pop("prep-truth", None)
    return container.selectbox("Ground truth", list(work.truths), key="prep-truth", bind="query-params")


# --- masking ----------------------------------------------------------------------------------------

def _apply_drawing(shape: tuple[int, int]) -> None:
    """A lasso drawn on the picture becomes the mask itself; else a box sets the rectangle's sliders."""
    event = st.session_state.get(DRAW_KEY)
    lassos, boxes = selected_lassos(event), selected_boxes(event, shape)
    if lassos:
        rows, cols = lassos[-1].T
        st.session_state.update({"prep-mask": LASSO, "prep-lasso": (tuple(round(r, 1) for r in rows.tolist()),
                                                                     tuple(round(c, 1) for c in cols.tolist()))})
    elif boxes:
        (top, bottom), (left, right) = boxes[-1]  # inclusive; the sliders' ends are exclusive
        st.session_state.update({"prep-mask": "rectangle", "prep-mask-rows": (top, bottom + 1),
                                 "prep-mask-cols": (left, right + 1)})


def _mask(work: Work, how: str, text: LessonText, brain_truth: str | None) -> tuple[object, dict]:
    """The mask of one way of making it, and its parameters (for the code)."""
    rows, cols = work.image.shape
    params: dict = {}
    if how == "circle":
        a, b, c = st.columns(3)
        params["row"] = float(a.slider("Centre row", 0, max(rows - 1, 1), rows // 2, key="prep-mask-row",
                                       bind="query-params"))
        params["col"] = float(b.slider("Centre column", 0, max(cols - 1, 1), cols // 2, key="prep-mask-col",
                                       bind="query-params"))
        params["radius"] = float(c.slider("Radius (pixels)", 1, max(rows, cols, 2), max(1, int(0.4 * min(rows, cols))),
                                          key="prep-mask-radius", bind="query-params"))
        return preprocess.circle_mask(work.image.shape, (params["row"], params["col"]), params["radius"]), params
    if how == "rectangle":
        a, b = st.columns(2)
        top, bottom = a.slider("Rows kept", 0, rows, (rows // 5, rows - rows // 5), key="prep-mask-rows",
                               bind="query-params", help="Or draw a box on the picture.")
        left, right = b.slider("Columns kept", 0, cols, (cols // 5, cols - cols // 5), key="prep-mask-cols",
                               bind="query-params", help="Or draw a box on the picture.")
        params = {"top": top, "left": left, "bottom": bottom, "right": right}
        return preprocess.rectangle_mask(work.image.shape, top, left, bottom, right), params
    if how == LASSO:
        st.caption(text.explanation("mask_drawn"))
        vertices = st.session_state.get("prep-lasso", ((), ()))
        params = {"rows": list(vertices[0]), "cols": list(vertices[1])}
        if len(params["rows"]) < 3:
            st.info("Draw a lasso on the picture (the lasso tool above it): until then the mask keeps every pixel.",
                    icon=":material/gesture:")
        return memo(("mask-lasso", work.key, vertices), lambda: lasso_mask(
            work.image.shape, np.column_stack(vertices)) if len(params["rows"]) >= 3 else
            preprocess.rectangle_mask(work.image.shape, 0, 0, rows, cols)), params
    if how == "threshold (Otsu)":
        st.caption(text.explanation("mask_otsu"))
        return memo(("mask-otsu", work.key), lambda: preprocess.binarize(
            work.image, preprocess.threshold_value(work.image, "otsu"))), params
    if how == "brain (MNI tissue maps)":
        st.caption(text.explanation("mask_mni"))
        return work.truths[brain_truth], params
    st.caption(text.explanation("mask_computed"))
    return memo(("mask-brain", work.key), lambda: preprocess.computed_brain_mask(work.image)), params


@st.fragment
def masking_section(work: Work, text: LessonText) -> None:
    """Make a mask (drawn on the picture, or a shape set with sliders), apply it, and compare histograms."""
    brain_truth = next((name for name in work.truths if name.startswith("brain")), None)
    ways = ["circle", "rectangle", LASSO, "threshold (Otsu)",
            "brain (MNI tissue maps)" if brain_truth else "brain (computed)"]
    if st.session_state.get("prep-mask") not in ways:
        st.session_state.pop("prep-mask", None)
    controls = st.columns([2, 5])
    how = controls[0].radio("Mask from", ways, index=1, key="prep-mask", bind="query-params",
                            help="Draw a box (it sets the rectangle) or a lasso on the picture; the circle and the "
                                 "rectangle are set precisely with the keyboard.")
    with controls[1]:
        mask, params = _mask(work, how, text, brain_truth)
    fill = float(work.clean.min())  # the clean image's minimum (air in CT): a value the scanner can give
    masked = memo(("masked", work.key, how, repr(params)), lambda: preprocess.apply_mask(work.image, mask, fill=fill))
    removed = int((~mask).sum())
    columns = st.columns([2, 1, 1])  # room to draw
    figure = memo(("draw-figure", work.key), lambda: drawing_figure(grey8(work.image, work.window, work.invert),
                                                                       work.image.shape))
    alt = memo(("draw-alt", work.key), lambda: describe_image(work.image, "The noisy image to draw a mask on"))
    show_figure(columns[0], figure, alt, key=DRAW_KEY, on_select=lambda: _apply_drawing(work.image.shape),
                selection_mode=("box", "lasso"), config=DRAW_CONFIG)
    columns[0].caption(shaded("Draw a box or a lasso on the picture (its tools are above it): the mask follows",
                              work.invert) + ".")
    mask_key = (work.key, how, repr(params))
    picture(columns[1], mask, "mask (white: kept)", key=("mask", mask_key))
    picture(columns[2], masked, "masked image", work.window, ("masked", mask_key), invert=work.invert)
    metrics = st.columns(3)
    metrics[0].metric("Pixels removed", f"{removed:,}", help="Pixels where the mask is False.")
    metrics[1].metric("Share removed", f"{100 * removed / mask.size:.2f} %")
    metrics[2].metric("Filled with", fmt(fill) + work.unit, help=text.explanation("mask_fill"))
    whole, inside, edges = memo(("region-histograms", mask_key),
                                lambda: preprocess.region_histograms(work.image, mask, HISTOGRAM_BINS))
    show_figure(st, region_figure(whole, inside, edges, "inside the mask"), table=True,
                config=PLOT_CONFIG, key="prep-region-histograms")
    explain(text.explanation("masking"))
    show_code(snip.mask_snippet(work.source, work.noise, work.scale, how, params, brain_truth or ""))


# --- thresholds -------------------------------------------------------------------------------------

def _constant_warning(work: Work) -> bool:
    """Say so when the image is constant (nothing to separate); True then."""
    if not preprocess.is_constant(work.image):
        return False
    value = float(work.image.flat[0]) if work.image.size else 0.0
    st.warning(f"This image is constant (every pixel is {value:.6g}): there is nothing to separate. Every method "
               "returns that value and no pixel is above it. Add noise, or choose another image or slice.",
               icon=":material/warning:")
    return True


@st.fragment
def threshold_section(work: Work, text: LessonText) -> None:
    """Manual and automatic thresholds, scored with Dice against the ground truth; the chosen one beside Otsu."""
    if _constant_warning(work):
        return
    figure = st.container()  # the lecture's figure first, its controls under it
    controls = st.columns([4, 2, 2])
    method = controls[0].radio("Method", preprocess.THRESHOLD_METHODS, horizontal=True, key="prep-method",
                               bind="query-params")
    level = controls[1].slider("Manual level v (8-bit scale)", 0, 255, preprocess.MANUAL_LEVEL, key="prep-level",
                               bind="query-params", help="Used by the manual method: 127 is the lecture's value.")
    truth_name = _truth_choice(work, controls[2])
    truths = {truth_name: work.truths[truth_name]} if truth_name else {}
    automatic = memo(("thresholds", work.key, truth_name), lambda: preprocess.compare_thresholds(
        work.image, work.scale, truths, methods=preprocess.THRESHOLD_METHODS[1:]))
    table = preprocess.compare_thresholds(work.image, work.scale, truths, level, ("manual",)) + automatic
    chosen = next(row for row in table if row["method"] == method)
    otsu = next(row for row in table if row["method"] == "otsu")
    compare = method != "otsu"  # the lecture's figure: the chosen method beside Otsu
    columns = figure.columns(4 if compare and truth_name else 3)
    picture(columns[0], work.image, shaded("image", work.invert), work.window, ("noisy", work.key), invert=work.invert)
    picture(columns[1], preprocess.binarize(work.image, chosen["threshold"]),
            f"{method}: image > {fmt(chosen['threshold'])}", key=("binary", work.key, chosen["threshold"]))
    if compare:
        score = f", Dice {otsu[f'Dice vs {truth_name}']:.4f}" if truth_name else ""
        picture(columns[2], preprocess.binarize(work.image, otsu["threshold"]),
                f"otsu, for comparison: image > {fmt(otsu['threshold'])}{score}",
                key=("binary", work.key, otsu["threshold"]))
    if truth_name:
        picture(columns[-1], work.truths[truth_name], f"ground truth: {truth_name}", key=("truth", work.key, truth_name))
    metrics = figure.columns(4 if compare else 3)
    metrics[0].metric("Threshold", fmt(chosen["threshold"]) + work.unit)
    metrics[1].metric("Foreground", f"{chosen['foreground %']:.2f} %")
    if truth_name:
        metrics[2].metric("Dice", f"{chosen[f'Dice vs {truth_name}']:.4f}",
                          help=f"Against the ground truth *{truth_name}*. " + text.explanation("dice"))
    else:
        metrics[2].caption(text.explanation("no_truth"))
    if compare:
        metrics[3].metric("Otsu's threshold", fmt(otsu["threshold"]) + work.unit,
                          help="Otsu's choice on the same image, for comparison with the method above.")
    _scale_caption(work, level)
    if truth_name and len(work.truths) > 1:
        _what_otsu_separates(work, otsu["threshold"], truth_name)
    lines = [(row["threshold"], f"{row['method']} {fmt(row['threshold'])}", METHOD_COLOURS[row["method"]])
             for row in sorted(table, key=lambda row: row["method"] != method)]
    counts, edges = memo(("histogram", ("noisy", work.key)), lambda: preprocess.histogram(work.image, HISTOGRAM_BINS))
    show_figure(st, histogram_figure(counts, edges, "Histogram of the image, with every method's threshold", lines),
                table=True, config=PLOT_CONFIG, key="prep-threshold-histogram")
    frame = pd.DataFrame(table).rename(columns={"threshold": f"threshold{work.unit}"})
    st.table(frame.style.format({c: "{:.4f}" if c.startswith("Dice") else "{:.4g}" for c in frame.columns
                                 if c != "method"}).hide(axis="index"))  # HTML: sized for a room in lecturer mode
    explain(text.explanation("thresholds"))
    show_code(snip.threshold_snippet(work.source, work.noise, work.scale, level, truth_name))


def _scale_caption(work: Work, level: int) -> None:
    """Where the 8-bit level falls on this image's values."""
    lo, hi = work.scale
    manual = preprocess.manual_threshold(level, work.scale)
    if (lo, hi) == (0.0, 255.0):
        st.caption(f"An 8-bit scale (0-255): the manual level is used as it is, t = {manual:.6g}.")
    else:
        st.caption(f"This image is not 8-bit: the file's values run from {fmt(lo)} to {fmt(hi)}{work.unit} (before "
                   "any noise, which spreads them further but does not move the level). The level is taken as a "
                   f"fraction of that range: t = {fmt(lo)} + {level}/255 × ({fmt(hi)} − {fmt(lo)}) = "
                   f"**{manual:.6g}{work.unit}** ({100 * level / 255:.1f} % of the way from minimum to maximum).")


def _what_otsu_separates(work: Work, threshold: float, truth_name: str) -> None:
    """When Otsu matches another ground truth better than the chosen one, say which."""
    scores = memo(("otsu-dice", work.key), lambda: preprocess.dice_by_truth(
        preprocess.binarize(work.image, threshold), work.truths))
    best = max(scores, key=scores.get)
    if best != truth_name:
        st.info(f"**What Otsu separates here.** Otsu splits the histogram into the two groups of values that differ "
                f"most, here **{best}** from the rest: its Dice is {scores[best]:.4f} against *{best}* and only "
                f"{scores[truth_name]:.4f} against *{truth_name}*. The manual v = 127 asks a different question. "
                f"Choose *{best}* as the ground truth to score Otsu on its own question.", icon=":material/lightbulb:")


# --- filters ----------------------------------------------------------------------------------------

@st.fragment
def filter_section(work: Work, text: LessonText) -> None:
    """Gaussian against median, each scored by its error against the clean image."""
    figure = st.container()  # the lecture's figure first, its controls under it
    controls = st.columns(2)
    sigma = controls[0].slider("Gaussian sigma (pixels)", 0.0, 5.0, 1.0, 0.25, key="prep-filter-sigma",
                               bind="query-params")
    size = controls[1].select_slider("Median size (pixels)", (1, 3, 5, 7, 9, 11), 3, key="prep-median",
                                     bind="query-params")
    smooth = memo(("gaussian", work.key, sigma), lambda: preprocess.gaussian(work.image, sigma))
    middle = memo(("median", work.key, size), lambda: preprocess.median(work.image, size))
    views = (("noisy", work.image, ("noisy", work.key)), (f"Gaussian, sigma {sigma:g}", smooth, ("gaussian", work.key, sigma)),
             (f"median {size} × {size}", middle, ("median", work.key, size)))
    histograms = []
    for n, (column, (name, image, image_key)) in enumerate(zip(figure.columns(3), views)):
        picture(column, image, shaded(name, work.invert and n == 0), work.window, image_key, invert=work.invert)
        column.metric("RMSE vs clean", fmt(preprocess.rmse(image, work.clean)) + work.unit,
                      help="Root mean square difference from the image before noise: lower is closer.")
        histograms.append((name, *memo(("histogram", image_key), lambda: preprocess.histogram(image, HISTOGRAM_BINS))))
    show_figure(st, overlaid_histograms(histograms, "Histograms: the noisy image and both filters"), table=True,
                config=PLOT_CONFIG, key="prep-filter-histograms")
    st.caption(text.explanation("filters_judged"))
    explain(text.explanation("filters"))
    show_code(snip.filter_snippet(work.source, work.noise, work.scale, sigma, size))


# --- edges ------------------------------------------------------------------------------------------

def kernel_latex(kernel: preprocess.Kernel) -> str:
    """A kernel as a LaTeX matrix, with its scale factor."""
    rows = r" \\ ".join(" & ".join(str(v) for v in row) for row in kernel.integers)
    scale = "" if kernel.divisor == 1 else rf"\frac{{1}}{{{kernel.divisor}}}"
    return rf"{scale}\begin{{bmatrix}} {rows} \end{{bmatrix}}"


@st.fragment
def edges_section(work: Work, text: LessonText) -> None:
    """An edge detector's kernels, the image it works on and its edges."""
    controls = st.columns([3, 2])
    method = controls[0].radio("Detector", preprocess.EDGE_METHODS, index=1, horizontal=True, key="prep-edges",
                               bind="query-params")
    sigma = controls[1].slider("Smoothing sigma (pixels)", 0.0, 5.0, 1.0, 0.25, key="prep-edge-sigma",
                               bind="query-params",
                               help="Roberts, Sobel, Prewitt and Scharr: a Gaussian applied first (0: none), since "
                                    "differences amplify noise. Canny: its own Gaussian.")
    canny = method == "canny"
    smoothed = work.image if canny else memo(("gaussian", work.key, sigma), lambda: preprocess.gaussian(work.image, sigma))
    result = memo(("edges", work.key, method, sigma), lambda: preprocess.edges(smoothed, method, sigma))
    left, middle, right = st.columns([2, 3, 3])
    with left:
        st.markdown(f"**The kernels of {method.capitalize()}**" + (" (unscaled Sobel)" if canny else ""))
        for kernel in preprocess.EDGE_KERNELS[method]:
            st.latex(kernel_latex(kernel))
            st.caption(kernel.name)
        if method in ("sobel", "canny"):
            st.caption(layers.SOBEL_NOTE)
        if canny:
            st.caption(f"Canny: scale the image to 0-1, smooth with a Gaussian (sigma {sigma:g}), Sobel gradients, keep "
                       "only the ridge of each edge (one pixel wide), then keep strong edges (gradient above 0.2) and "
                       "the weak ones (above 0.1) connected to them.")
        else:
            st.caption(text.explanation("edge_strength"))
    plain = canny or sigma == 0
    name = "the noisy image" if plain else f"the noisy image, Gaussian sigma {sigma:g}"
    picture(middle, smoothed, shaded(name, work.invert), work.window,
            ("noisy", work.key) if plain else ("gaussian", work.key, sigma), invert=work.invert)
    picture(right, result, f"{method} edges" + ("" if result.dtype == bool else " (strength)"),
            key=("edges", work.key, method, sigma))
    if result.dtype == bool:
        right.metric("Edge pixels", f"{int(result.sum()):,} ({100 * result.mean():.2f} %)")
    else:
        metrics = right.columns(2)
        metrics[0].metric("Mean strength", fmt(float(result.mean())), help="The mean edge strength.")
        metrics[1].metric("Strongest", fmt(float(result.max())), help="The strongest edge.")
    explain(text.explanation("edges"))
    show_code(snip.edges_snippet(work.source, work.noise, work.scale, method, sigma))


# --- the lecture's pipeline ------------------------------------------------------------------------

@st.fragment
def lecture_section(work: Work, text: LessonText) -> None:
    """Noisy → Otsu against noisy → Gaussian → Otsu, scored with Dice, and the sigma sweep."""
    if _constant_warning(work):
        return
    figure = st.container()  # the lecture's figure first, its controls under it
    controls = st.columns(2)
    sigma = controls[0].slider("Gaussian sigma before Otsu", 0.0, 6.0, 1.0, 0.25, key="prep-lecture-sigma",
                               bind="query-params")
    truth_name = _truth_choice(work, controls[1])
    if truth_name:
        truth = work.truths[truth_name]
    else:
        controls[1].caption(text.explanation("lecture_no_truth"))
        truth = memo(("clean-otsu", work.key), lambda: preprocess.binarize(
            work.clean, preprocess.threshold_value(work.clean, "otsu")))
    result = memo(("lecture", work.key, sigma, truth_name),
                  lambda: preprocess.otsu_with_and_without_smoothing(work.image, truth, sigma))
    sweep = memo(("sweep", work.key, truth_name), lambda: preprocess.sigma_sweep(work.image, truth, SWEEP_SIGMAS))
    best = max(sweep, key=lambda row: row[2])
    metrics = figure.columns(3)
    metrics[0].metric("Best sigma of the sweep", f"{best[0]:g}", help=f"Of the sweep below: Dice {best[2]:.4f}.")
    metrics[1].metric("Dice, Otsu alone", f"{result.dice_noisy:.4f}")
    metrics[2].metric(f"Dice, smoothed (sigma {sigma:g})", f"{result.dice_filtered:.4f}",
                      delta=f"{result.dice_filtered - result.dice_noisy:+.4f}",
                      help=f"Gaussian (sigma {sigma:g}) first, then Otsu.")
    columns = figure.columns(3)
    picture(columns[0], truth, f"ground truth: {truth_name or 'Otsu on the clean image'}",
            key=("truth", work.key, truth_name))
    picture(columns[1], result.mask_noisy, f"noisy → Otsu (t = {fmt(result.threshold_noisy)})",
            key=("otsu-noisy", work.key))
    picture(columns[2], result.mask_filtered, f"noisy → Gaussian → Otsu (t = {fmt(result.threshold_filtered)})",
            key=("otsu-gaussian", work.key, sigma))
    gain = result.dice_filtered - result.dice_noisy
    verdict = (f"Here smoothing first **raises** Dice by {gain:.4f}" if gain > 0.001 else
               f"Here smoothing first **lowers** Dice by {-gain:.4f}" if gain < -0.001 else
               "Here smoothing first changes Dice by less than 0.001")
    st.markdown(f"{verdict} (from {result.dice_noisy:.4f} to {result.dice_filtered:.4f}). Over the sweep, the best "
                f"sigma is {best[0]:g} (Dice {best[2]:.4f}), and sigma {sweep[-1][0]:g} gives {sweep[-1][2]:.4f}.")
    panels = [("clean", *memo(("histogram", ("clean", work.key)), lambda: preprocess.histogram(work.clean, HISTOGRAM_BINS)), None),
              ("noisy", *memo(("histogram", ("noisy", work.key)), lambda: preprocess.histogram(work.image, HISTOGRAM_BINS)),
               result.threshold_noisy),
              (f"Gaussian, sigma {sigma:g}", *memo(("histogram", ("gaussian-otsu", work.key, sigma)),
                                                   lambda: preprocess.histogram(result.filtered, HISTOGRAM_BINS)),
               result.threshold_filtered)]
    show_figure(st, otsu_histograms(panels), table=True, config=PLOT_CONFIG, key="prep-lecture-histograms")
    show_figure(st, sweep_figure(sweep, sigma), table=True, config=PLOT_CONFIG, key="prep-lecture-sweep")
    explain(text.explanation("lecture"))
    show_code(snip.lecture_snippet(work.source, work.noise, work.scale, sigma, truth_name, SWEEP_SIGMAS))
