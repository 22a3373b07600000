"""Objective 4: preparing data. Noise, masks, thresholds, filters, edges, the lecture's pipeline and a pipeline builder."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from PIL import Image

from core import display, layers, pipeline, preprocess, samples
from core import preprocess_snippets as snip
from core.noise import NOISE_KINDS
from core.selfcheck import Question
from core.volume import Volume
from ui import heavy, picker
from core.alt_text import describe_image
from ui.alt import show_figure, show_image
from ui.code import show_code
from ui.lesson import STOPPED, explain, intro, lecturer_mode, presets, self_check, stoppable, was_stopped
from ui.viewer import PLOT_CONFIG

SYNTHETIC_SIZE = 256
MAX_WORK_SIDE = 1024  # larger images are reduced (one row and column in n) so that every control stays interactive
MAX_SHOWN_SIDE = 640  # larger images are shown every n-th pixel (the numbers are computed on every pixel)
SWEEP_SIGMAS = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
MEMO_ENTRIES = 64
MEMO_BYTES = 96 * 1024**2  # per session
NO_STEP = "—"


@dataclass
class Work:
    """The image every section works on, and where it comes from."""

    key: tuple                     # identifies image, slice and noise: resets widgets and memos
    clean: np.ndarray              # grey float64 slice before noise
    image: np.ndarray              # the same with noise: what the sections work on
    scale: tuple[float, float]     # the range the noise level and the manual threshold refer to
    units: str
    noise: preprocess.NoiseSettings
    source: snip.Source
    truths: dict[str, np.ndarray] = field(default_factory=dict)
    window: tuple[float, float] = (1.0, 0.0)


def _nbytes(value) -> int:
    """Memory held by a memoised value (arrays, bytes, and tuples, lists or dataclasses of them)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    if dataclasses.is_dataclass(value):
        return sum(_nbytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    return 0


def memo(key: tuple, compute):
    """This session's memo of recent results: never shared with another session, bounded in entries and bytes."""
    store = st.session_state.setdefault("preparing-memo", {})
    if key in store:
        store[key] = store.pop(key)  # most recently used last
        return store[key][0]
    value = compute()
    store[key] = (value, _nbytes(value))
    while len(store) > 1 and (len(store) > MEMO_ENTRIES or sum(size for _, size in store.values()) > MEMO_BYTES):
        store.pop(next(iter(store)))
    return value


@st.cache_resource(max_entries=3, show_spinner="Preparing the ground truth...")
def sample_truths(name: str) -> dict[str, np.ndarray]:
    """Ground-truth masks of a built-in sample (shared read-only by every session)."""
    truths = preprocess.sample_truths(samples.info(name).file, picker.load_sample(name).data)
    for mask in truths.values():
        mask.flags.writeable = False
    return truths


def shown(image: np.ndarray, window: tuple[float, float] | None = None) -> np.ndarray:
    """An image as 8-bit grey for st.image: masks black and white, values through a window."""
    step = max(1, int(np.ceil(max(image.shape) / MAX_SHOWN_SIDE)))
    image = image[::step, ::step]
    if image.dtype == bool:
        return image.astype(np.uint8) * 255
    width, level = window if window is not None else display.auto_window(image)
    return display.apply_window(image, width, level)


def png(grey: np.ndarray) -> bytes:
    """Lossless PNG bytes, fast compression (st.image then sends them as they are)."""
    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def picture(column, image: np.ndarray, caption: str, window: tuple[float, float] | None = None,
            key: tuple | None = None) -> None:
    """Show an image; `key` names its content so that a rerun reuses its PNG."""
    if key is None:
        grey = shown(image, window)
        data, alt = memo(("png-digest", hashlib.blake2b(grey.tobytes(), digest_size=16).hexdigest(), grey.shape,
                          caption), lambda: (png(grey), describe_image(image, caption)))
    else:
        data, alt = memo(("png", key, window, caption),
                         lambda: (png(shown(image, window)), describe_image(image, caption)))
    show_image(column, data, alt, caption=caption, width="stretch", output_format="PNG")


def histogram_figure(image: np.ndarray, title: str, lines: list[tuple[float, str, str]] = (),
                     height: int = 240, key: tuple | None = None) -> go.Figure:
    """Histogram (log counts) with vertical lines ``(value, label, colour)`` named in the legend.

    `key` names the image, so that a rerun reuses its counts.
    """
    counts, edges = memo(("histogram", key), lambda: preprocess.histogram(image, 96)) if key else \
        preprocess.histogram(image, 96)
    top = float(max(counts.max(initial=1), 1)) * 1.5
    traces = [go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), marker_color="#8b949e",
                     hovertemplate="value %{x:.4g}<br>%{y} pixels<extra></extra>", showlegend=False)]
    traces += [go.Scatter(x=[value, value], y=[0.7, top], mode="lines", name=label,
                          line={"color": colour, "width": 2.5 if n == 0 else 1.5, "dash": "solid" if n == 0 else "dot"},
                          hovertemplate=f"{label}<extra></extra>")
               for n, (value, label, colour) in enumerate(lines)]
    return go.Figure(data=traces, layout={
        "title": {"text": title, "font": {"size": 14}}, "height": height + (30 if lines else 0), "bargap": 0,
        "showlegend": bool(lines), "legend": {"orientation": "h", "y": -0.35, "x": 0, "font": {"size": 11}},
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "yaxis": {"type": "log", "dtick": 1, "title": {"text": "pixels (log)"}}, "xaxis": {"title": {"text": "value"}}})


METHOD_COLOURS = {"manual": "#d1242f", "otsu": "#1f6feb", "li": "#8250df", "yen": "#bf8700", "triangle": "#1a7f37",
                  "mean": "#57606a"}


def fmt(value: float) -> str:
    return f"{value:.4g}"


def hidden_control(key: str, default):
    """The value of a control hidden in lecturer mode, kept in session state for when it is shown again."""
    st.session_state[key] = st.session_state.get(key, default)
    return st.session_state[key]


# --- the page -------------------------------------------------------------------------------------

st.title("4 · Preparing data")
intro(4, [
    "Click the preset **Global v = 127 vs Otsu**: the Shepp-Logan phantom with Gaussian noise. In *Thresholding*, "
    "compare the two thresholds on the histogram and their Dice scores against the skull.",
    "Click **Noisy → Gaussian → Otsu**: in *The lecture's pipeline*, Dice jumps once the image is smoothed. Move the "
    "sigma from 0 to 6 and find where Dice starts to fall again.",
    "Choose **salt and pepper** noise: in *Filtering*, which filter gets closer to the clean image (lower RMSE), "
    "the Gaussian or the median?",
    "Pick **CT: chest slice** in the sidebar: the manual level 127 becomes a value in Hounsfield units. Read which "
    "one under the threshold controls.",
    "Pick **MRI 3D: brain template**, mask it with the MNI tissue maps, then run your own pipeline on all the slices "
    "and download the result as NIfTI.",
])

PHANTOM = next(name for name in samples.names() if name.startswith("Phantom"))
NOISY_PHANTOM = {picker.SOURCE_KEY: picker.SAMPLE, picker.SAMPLE_KEY: PHANTOM,
                 "preparing-source": "the image chosen in the sidebar", "preparing-noise-kind": "gaussian",
                 "preparing-noise-level": 20, "preparing-noise-seed": 0}
LECTURE_PIPELINE = {  # the builder's steps: Gaussian noise, Gaussian filter, Otsu, nothing more
    "step-0-kind": "noise", "step-0-option-noise": "gaussian", "step-0-value-noise": 20.0, "step-0-seed": 0,
    "step-1-kind": "gaussian", "step-1-value-gaussian": 1.0, "step-2-kind": "threshold",
    "step-2-option-threshold": "otsu", "step-3-kind": NO_STEP, "step-4-kind": NO_STEP}
PRESETS = {
    "Global v = 127 vs Otsu": {**NOISY_PHANTOM, "threshold-method": "manual", "threshold-level": 127},
    "Noisy → Gaussian → Otsu": {**NOISY_PHANTOM, "lecture-sigma": 1.0, **LECTURE_PIPELINE},
    "Salt and pepper → median": {**NOISY_PHANTOM, "preparing-noise-kind": "salt and pepper",
                                 "preparing-noise-level": 10, "filter-sigma": 1.0, "filter-size": 3},
}
presets("Lecture figures", PRESETS, key="preparing-preset")
st.caption("Each button loads the noisy Shepp-Logan phantom and sets the controls of the lecture's figure: "
           "Thresholding, The lecture's pipeline (and the pipeline builder), or Filtering.")
picker.show_upload_error()
volume = picker.current_volume()
sample = picker.current_sample()


def choose_work() -> Work | None:
    """The image, slice and noise every section below works on."""
    st.header("The image to prepare")
    choice = st.radio("Work on", ("the image chosen in the sidebar", "synthetic shapes with a known answer"),
                      horizontal=True, key="preparing-source",
                      help="The synthetic shapes come with their exact outline (the ground truth), so every "
                           "Dice score below can be checked.")
    if choice.startswith("synthetic"):
        image, truth = preprocess.synthetic_shapes(SYNTHETIC_SIZE)
        base = Volume(image, (1.0, 1.0), name="synthetic shapes", modality="synthetic")
        source = snip.Source(synthetic_size=SYNTHETIC_SIZE)
        st.caption(f"A {SYNTHETIC_SIZE} × {SYNTHETIC_SIZE} 8-bit image: a disc, a square, a thin bar and a small dot "
                   "(value 160) on a background of 60. The truth is the objects.")
        truths = {"the shapes": truth}
        index: tuple[int, ...] = ()
        step = 1
    else:
        base = volume
        upload = sample is None
        identity = ("upload", st.session_state.get("upload_signature")) if upload else ("sample", sample.name)
        index = ()
        if base.is_3d:
            columns = st.columns(2 if base.is_4d else 1)
            t = 0
            if base.is_4d and base.n_frames > 1:
                t = columns[1].slider("Time point", 0, base.n_frames - 1, 0, key=f"preparing-t-{identity}")
            k = 0
            if base.n_slices > 1:
                k = columns[0].slider(f"Slice (of {base.n_slices})", 0, base.n_slices - 1, base.n_slices // 2,
                                      key=f"preparing-k-{identity}-{base.data.shape}",
                                      help="Every section works on this slice; the pipeline builder can also run "
                                           "on the whole volume.")
            else:
                columns[0].caption("A volume of a single slice: the sections work on it.")
            index = (t, k) if base.is_4d else (k,)
        if base.rgb:
            st.info("A colour image: the sections work on its grey luminance (0.2125 R + 0.7154 G + 0.0721 B, "
                    "scikit-image's `rgb2gray`), on the 0-255 scale.", icon=":material/palette:")
        step = max(1, int(np.ceil(max(base.spatial_shape[-2:]) / MAX_WORK_SIDE)))
        if step > 1:
            rows, cols = base.spatial_shape[-2:]
            st.info(f"This image is {rows} × {cols} pixels: the page works on one row and column in {step} "
                    f"({len(range(0, rows, step))} × {len(range(0, cols, step))}) so that every control answers "
                    "quickly. The code panels do the same.", icon=":material/photo_size_select_large:")
        source = snip.Source(npy_name="preparing_slice.npy") if upload else snip.Source(
            sample=sample.name, index=index, rgb=base.rgb, step=step)
        truths = {}
        if sample is not None and not base.is_4d:
            whole = sample_truths(sample.name)
            truths = {name: mask[index[-1]] if base.is_3d else mask for name, mask in whole.items()}
    image_key = (base.name, base.data.shape, st.session_state.get("upload_signature") if sample is None else "")
    scale = memo(("scale", image_key), lambda: (0.0, 255.0) if base.rgb else preprocess.value_range(base.data))
    units = "HU" if base.modality == "CT" else ""

    st.subheader("Noise to work against")
    lecturer = lecturer_mode()
    columns = st.columns([2, 3] if lecturer else [2, 3, 1])
    signature = st.session_state.get("upload_signature") if sample is None and source.synthetic_size == 0 else None
    if signature is not None and st.session_state.get("preparing-noise-upload") != signature:
        st.session_state["preparing-noise-kind"] = "none"  # a learner's own scan starts as it is: no noise added
        st.session_state["preparing-noise-upload"] = signature
    kind = columns[0].selectbox("Noise", ("none", *NOISE_KINDS), index=1, key="preparing-noise-kind",
                                help="Gaussian: electronics. Salt and pepper: dead or stuck pixels. Poisson: photon "
                                     "counting (X-ray, CT). Rician: MRI magnitude images (biased up in the dark).")
    percent = columns[1].slider("Noise level (% of the image's range)", 0, 60, 20, key="preparing-noise-level",
                                disabled=kind == "none")
    if lecturer:  # fewer controls in front of a room; the seed is kept
        seed = int(hidden_control("preparing-noise-seed", 0))
    else:
        seed = int(columns[2].number_input("Seed", 0, 10_000, 0, key="preparing-noise-seed", disabled=kind == "none",
                                           help="The same seed gives the same noise."))
    noise = preprocess.NoiseSettings(kind, float(percent), seed)

    def prepare():
        raw = base.frame(index[0])[index[1]] if base.is_4d else (base.data[index[0]] if base.is_3d else base.data)
        raw = raw[::step, ::step]
        clean, bad = preprocess.fill_non_finite(preprocess.to_grey(raw, base.rgb))
        return clean, bad, noise.apply(clean, scale)

    key = (image_key, index, noise)
    clean, bad, noisy = memo(("work", key), prepare)
    if bad:
        st.warning(f"{bad} pixel(s) of this slice are not numbers (NaN or infinite): they are set to the smallest "
                   "value so that filters do not spread them.", icon=":material/warning:")
    strength = noise.strength(scale)
    if strength > 0 and not lecturer:
        unit = preprocess.NOISE_UNITS[kind]
        st.caption(f"`add_noise(image, \"{kind}\", {strength:.4g}, seed={seed})`: {unit} {strength:.4g}"
                   + ("" if kind == "salt and pepper" else f" {units}".rstrip())
                   + f", for a range of {fmt(scale[0])} to {fmt(scale[1])}{(' ' + units) if units else ''}.")
    window = memo(("window", key), lambda: display.auto_window(clean))
    columns = st.columns(3)
    picture(columns[0], clean, f"clean: {clean.shape[0]} × {clean.shape[1]} pixels", window, ("clean", key))
    difference = noisy - clean
    spread = max(float(np.abs(difference).max()), 1e-12)
    picture(columns[1], difference, "the noise alone (noisy − clean; grey is 0)", (2 * spread, 0.0),
            ("noise", key))
    picture(columns[2], noisy, "noisy: the image every section below works on", window, ("noisy", key))
    measured = st.columns(3)
    measured[0].metric("Noise: mean (noisy − clean)", fmt(float(difference.mean())),
                       help="Gaussian noise averages 0; Rician and salt and pepper can shift the mean.")
    measured[1].metric("Noise: standard deviation", fmt(float(difference.std())))
    measured[2].metric("Noisy image: min to max", f"{fmt(float(noisy.min()))} to {fmt(float(noisy.max()))}")
    if max(clean.shape) > MAX_SHOWN_SIDE:
        st.caption(f"Shown at 1/{int(np.ceil(max(clean.shape) / MAX_SHOWN_SIDE))} of its size; every number is "
                   "computed on all the pixels.")
    show_code(snip.noise_snippet(source, noise, scale))
    return Work(key, clean, noisy, scale, units, noise, source, truths, window)


work = choose_work()
if sample is None and work.source.npy_name:
    def _slice_npy() -> bytes:
        buffer = io.BytesIO()
        np.save(buffer, work.clean)
        return buffer.getvalue()

    st.download_button("Download this grey slice (.npy) for the code panels", _slice_npy,
                       file_name="preparing_slice.npy", icon=":material/download:", on_click="ignore",
                       help="The code panels start from this file: your upload's slice, as the page sees it.")


# --- masking ----------------------------------------------------------------------------------------

@st.fragment
def masking_section(work: Work) -> None:
    st.header("Masking: remove unnecessary pixels")
    explain("A **mask** is a binary image of the same size: True keeps a pixel, False removes it. "
                "Everything outside (air, table, skull, text burnt into the image) stops disturbing what follows.")
    rows, cols = work.image.shape
    ways = ["circle", "rectangle", "threshold (Otsu)"]
    brain_truth = next((name for name in work.truths if name.startswith("brain")), None)
    ways.append("brain (MNI tissue maps)" if brain_truth else "brain (computed)")
    controls = st.columns([2, 5])
    how = controls[0].radio("Mask from", ways, key=f"mask-how-{work.key[0]}")
    params: dict = {}
    with controls[1]:
        if how == "circle":
            a, b, c = st.columns(3)
            params["row"] = float(a.slider("Centre row", 0, max(rows - 1, 1), rows // 2, key=f"mask-row-{work.key[0]}"))
            params["col"] = float(b.slider("Centre column", 0, max(cols - 1, 1), cols // 2, key=f"mask-col-{work.key[0]}"))
            params["radius"] = float(c.slider("Radius (pixels)", 1, max(rows, cols, 2), max(1, int(0.4 * min(rows, cols))),
                                              key=f"mask-radius-{work.key[0]}"))
            mask = preprocess.circle_mask(work.image.shape, (params["row"], params["col"]), params["radius"])
        elif how == "rectangle":
            a, b = st.columns(2)
            top, bottom = a.slider("Rows kept", 0, rows, (rows // 5, rows - rows // 5), key=f"mask-rows-{work.key[0]}")
            left, right = b.slider("Columns kept", 0, cols, (cols // 5, cols - cols // 5), key=f"mask-cols-{work.key[0]}")
            params = {"top": top, "left": left, "bottom": bottom, "right": right}
            mask = preprocess.rectangle_mask(work.image.shape, top, left, bottom, right)
        elif how == "threshold (Otsu)":
            st.caption("Keep what is brighter than Otsu's threshold of this image (see Thresholding below).")
            mask = memo(("mask-otsu", work.key), lambda: preprocess.binarize(
                work.image, preprocess.threshold_value(work.image, "otsu")))
        elif how == "brain (MNI tissue maps)":
            st.caption("The MNI template ships grey and white matter probability maps aligned with it: the brain "
                       "is where grey + white matter is above 50 %.")
            mask = work.truths[brain_truth]
        else:
            st.caption("Computed: Otsu threshold, holes filled, largest connected region kept: a quick head or "
                       "body mask.")
            mask = memo(("mask-brain", work.key), lambda: preprocess.computed_brain_mask(work.image))
    fill = float(work.clean.min())  # the clean image's minimum (air in CT): a value the scanner can give
    masked = preprocess.apply_mask(work.image, mask, fill=fill)
    removed = int((~mask).sum())
    columns = st.columns(3)
    mask_key = (work.key, how, tuple(sorted(params.items())))
    picture(columns[0], work.image, "image", work.window, ("noisy", work.key))
    picture(columns[1], mask, "mask (white: kept)", key=("mask", mask_key))
    picture(columns[2], masked, "masked image", work.window, ("masked", mask_key))
    metrics = st.columns(3)
    metrics[0].metric("Pixels removed", f"{removed:,}", help="Pixels where the mask is False.")
    metrics[1].metric("Share removed", f"{100 * removed / mask.size:.2f} %")
    metrics[2].metric("Removed pixels set to", fmt(fill) + (f" {work.units}" if work.units else ""),
                      help="The clean image's minimum (air in CT), so they look like background; the noisy image's "
                           "minimum is no physical value. Multiplying by the mask would set them to 0, which is "
                           "water, not air, in CT.")
    show_code(snip.mask_snippet(work.source, work.noise, work.scale, how, params, brain_truth or ""))


masking_section(work)


# --- thresholding -----------------------------------------------------------------------------------

@st.fragment
def threshold_section(work: Work) -> None:
    st.header("Thresholding: objects against background")
    explain("A threshold `t` splits the pixels in two: **foreground** where the value is above `t`, "
                "background elsewhere. **Manual**: you choose `t` (the lecture uses v = 127 on an 8-bit scale). "
                "**Otsu** chooses the `t` that makes the two groups as different as possible (largest variance "
                "between the classes); Li, Yen, triangle and mean are other automatic rules.")
    if preprocess.is_constant(work.image):
        value = float(work.image.flat[0]) if work.image.size else 0.0
        st.warning(f"This image is constant (every pixel is {value:.6g}): there is nothing to separate. Every method "
                   "returns that value and no pixel is above it. Add noise above, or choose another image or slice.",
                   icon=":material/warning:")
        return
    controls = st.columns([4, 2, 2])
    method = controls[0].radio("Method", preprocess.THRESHOLD_METHODS, horizontal=True, key="threshold-method")
    level = controls[1].slider("Manual level v (8-bit scale)", 0, 255, preprocess.MANUAL_LEVEL, key="threshold-level",
                               help="Used by the manual method: 127 is the lecture's value.")
    truth_name = None
    if work.truths:
        truth_name = controls[2].selectbox("Ground truth", list(work.truths), key=f"threshold-truth-{work.key[0]}")
    lo, hi = work.scale
    manual = preprocess.manual_threshold(level, work.scale)
    units = f" {work.units}" if work.units else ""
    if (lo, hi) == (0.0, 255.0):
        st.caption(f"An 8-bit scale (0-255): the manual level is used as it is, t = {manual:.6g}.")
    else:
        st.caption(f"This image is not 8-bit: its values run from {fmt(lo)} to {fmt(hi)}{units}. The level is taken "
                   f"as a fraction of that range: t = {fmt(lo)} + {level}/255 × ({fmt(hi)} − {fmt(lo)}) = "
                   f"**{manual:.6g}{units}** ({100 * level / 255:.1f} % of the way from minimum to maximum).")
    truths = {truth_name: work.truths[truth_name]} if truth_name else {}
    automatic = memo(("thresholds", work.key, truth_name), lambda: preprocess.compare_thresholds(
        work.image, work.scale, truths, methods=preprocess.THRESHOLD_METHODS[1:]))
    table = preprocess.compare_thresholds(work.image, work.scale, truths, level, ("manual",)) + automatic
    chosen = next(row for row in table if row["method"] == method)
    mask = preprocess.binarize(work.image, chosen["threshold"])
    lines = [(row["threshold"], f"{row['method']} {fmt(row['threshold'])}", METHOD_COLOURS[row["method"]])
             for row in sorted(table, key=lambda row: row["method"] != method)]
    show_figure(st, histogram_figure(work.image, "Histogram of the image, with every method's threshold", lines,
                                     key=("noisy", work.key)),
                    table=True, config=PLOT_CONFIG, key="threshold-histogram")
    otsu = next(row for row in table if row["method"] == "otsu")
    compare = method != "otsu"  # the lecture's figure: the chosen method beside Otsu
    columns = st.columns(4 if compare and truth_name else 3)
    picture(columns[0], work.image, "image", work.window, ("noisy", work.key))
    picture(columns[1], mask, f"{method}: image > {fmt(chosen['threshold'])}", key=("binary", work.key, chosen["threshold"]))
    if compare:
        score = f", Dice {otsu[f'Dice vs {truth_name}']:.4f}" if truth_name else ""
        picture(columns[2], preprocess.binarize(work.image, otsu["threshold"]),
                f"otsu, for comparison: image > {fmt(otsu['threshold'])}{score}", key=("binary", work.key, otsu["threshold"]))
    if truth_name:
        picture(columns[-1], work.truths[truth_name], f"ground truth: {truth_name}", key=("truth", work.key, truth_name))
    metrics = st.columns(4 if compare else 3)
    metrics[0].metric("Threshold", fmt(chosen["threshold"]) + units)
    metrics[1].metric("Foreground", f"{chosen['foreground %']:.2f} %")
    if truth_name:
        metrics[2].metric(f"Dice vs {truth_name}", f"{chosen[f'Dice vs {truth_name}']:.4f}",
                          help="2 |A ∩ B| / (|A| + |B|): 1 when the result matches the truth exactly, 0 when "
                               "they do not overlap at all.")
    else:
        metrics[2].caption("No ground truth for this image: choose the phantom, an MNI map or the synthetic "
                           "shapes to score the methods with the Dice coefficient.")
    if compare:
        metrics[3].metric("Otsu's threshold", fmt(otsu["threshold"]) + units,
                          help="Otsu's choice on the same image, for comparison with the method above.")
    if truth_name and len(work.truths) > 1:
        otsu_scores = otsu_dice_by_truth(work, otsu["threshold"])
        best = max(otsu_scores, key=otsu_scores.get)
        if best != truth_name:
            st.info(f"**What Otsu separates here.** Otsu splits the histogram into the two groups of values that "
                    f"differ most, here **{best}** from the rest: its Dice is {otsu_scores[best]:.4f} against "
                    f"*{best}* and only {otsu_scores[truth_name]:.4f} against *{truth_name}*. The manual v = 127 "
                    f"asks a different question. Choose *{best}* as the ground truth to score Otsu on its own "
                    "question.", icon=":material/lightbulb:")
    frame = pd.DataFrame(table).rename(columns={"threshold": f"threshold{units}"})
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.4f" if c.startswith("Dice") else "%.4g")
                                for c in frame.columns if c != "method"})
    show_code(snip.threshold_snippet(work.source, work.noise, work.scale, level, truth_name))


def otsu_dice_by_truth(work: Work, threshold: float) -> dict[str, float]:
    """Dice of Otsu's foreground against every ground truth of the image."""
    foreground = preprocess.binarize(work.image, threshold)
    return {name: preprocess.dice(foreground, truth) for name, truth in work.truths.items()}


threshold_section(work)


# --- filtering --------------------------------------------------------------------------------------

@st.fragment
def filter_section(work: Work) -> None:
    st.header("Filtering: reduce the noise")
    explain("A **Gaussian** filter replaces each pixel by a weighted average of its neighbours (weights from "
                "a bell curve of width sigma): noise averages out, edges blur. A **median** filter takes the "
                "middle value of each square neighbourhood: isolated extreme pixels (salt and pepper) vanish "
                "and edges stay sharp.")
    controls = st.columns(2)
    sigma = controls[0].slider("Gaussian sigma (pixels)", 0.0, 5.0, 1.0, 0.25, key="filter-sigma")
    size = controls[1].select_slider("Median size (pixels)", (1, 3, 5, 7, 9, 11), 3, key="filter-size")
    smooth = memo(("gaussian", work.key, sigma), lambda: preprocess.gaussian(work.image, sigma))
    middle = memo(("median", work.key, size), lambda: preprocess.median(work.image, size))
    columns = st.columns(3)
    views = (("noisy", work.image, ("noisy", work.key)), (f"Gaussian, sigma {sigma:g}", smooth, ("gaussian", work.key, sigma)),
             (f"median {size} × {size}", middle, ("median", work.key, size)))
    for column, (name, image, image_key) in zip(columns, views):
        picture(column, image, name, work.window, image_key)
        figure = memo(("figure", image_key, 200), lambda: histogram_figure(image, f"histogram: {name}", height=200))
        show_figure(column, figure, config=PLOT_CONFIG, key=f"filter-histogram-{name.split()[0]}")
        rmse = float(np.sqrt(np.mean((image - work.clean) ** 2)))
        column.metric("Error vs the clean image (RMSE)", fmt(rmse) + (f" {work.units}" if work.units else ""),
                      help="Root mean square difference from the image before noise: lower is closer.")
    st.caption("The clean image is known here because the noise was added by us; with real data it is not, "
               "and the filter is judged by what follows (a threshold's Dice, below).")
    show_code(snip.filter_snippet(work.source, work.noise, work.scale, sigma, size))


filter_section(work)


# --- edges ------------------------------------------------------------------------------------------

def kernel_latex(kernel: preprocess.Kernel) -> str:
    rows = r" \\ ".join(" & ".join(str(v) for v in row) for row in kernel.integers)
    scale = "" if kernel.divisor == 1 else rf"\frac{{1}}{{{kernel.divisor}}}"
    return rf"{scale}\begin{{bmatrix}} {rows} \end{{bmatrix}}"


@st.fragment
def edges_section(work: Work) -> None:
    st.header("Edges: where the values change")
    explain("An edge detector **convolves** the image with small kernels: each output pixel is the weighted "
                "sum of its neighbours, with the kernel's numbers as weights. Kernels whose weights sum to zero "
                "give 0 on flat areas and large values where the brightness changes. The same operation, with "
                "weights learnt instead of chosen, is the first layer of a CNN (objective 6).")
    controls = st.columns([3, 2])
    method = controls[0].radio("Detector", preprocess.EDGE_METHODS, index=1, horizontal=True, key="edges-method")
    sigma = controls[1].slider("Smoothing sigma (pixels)", 0.0, 5.0, 1.0, 0.25, key="edges-sigma",
                               help="Roberts, Sobel, Prewitt and Scharr: a Gaussian applied first (0: none), since "
                                    "differences amplify noise. Canny: its own Gaussian.")
    canny = method == "canny"
    smoothed = work.image if canny else memo(("gaussian", work.key, sigma), lambda: preprocess.gaussian(work.image, sigma))
    result = memo(("edges", work.key, method, sigma), lambda: preprocess.edges(smoothed, method, sigma))
    left, middle, right = st.columns([2, 3, 3])
    with left:
        kernels = preprocess.EDGE_KERNELS[method]
        st.markdown(f"**The kernels of {method.capitalize()}**" + (" (unscaled Sobel)" if canny else ""))
        for kernel in kernels:
            st.latex(kernel_latex(kernel))
            st.caption(kernel.name)
        if method in ("sobel", "canny"):
            st.caption(layers.SOBEL_NOTE)
        if canny:
            st.caption(f"Canny: scale the image to 0-1, smooth with a Gaussian (sigma {sigma:g}), Sobel gradients, keep "
                       "only the ridge of each edge (one pixel wide), then keep strong edges (gradient above 0.2) and "
                       "the weak ones (above 0.1) connected to them.")
        else:
            st.caption("Edge strength = sqrt((g1² + g2²) / 2), where g1 and g2 are the image convolved with the two "
                       "kernels (scikit-image's scaling).")
    picture(middle, smoothed, "the noisy image" if canny or sigma == 0 else f"the noisy image, Gaussian sigma {sigma:g}",
            work.window, ("noisy", work.key) if canny or sigma == 0 else ("gaussian", work.key, sigma))
    picture(right, result, f"{method} edges" + ("" if result.dtype == bool else " (strength)"),
            key=("edges", work.key, method, sigma))
    if result.dtype == bool:
        right.metric("Edge pixels", f"{int(result.sum()):,} ({100 * result.mean():.2f} %)")
    else:
        metrics = right.columns(2)
        metrics[0].metric("Mean edge strength", fmt(float(result.mean())))
        metrics[1].metric("Strongest edge", fmt(float(result.max())))
    show_code(snip.edges_snippet(work.source, work.noise, work.scale, method, sigma))


edges_section(work)


# --- the lecture's pipeline ------------------------------------------------------------------------

@st.fragment
def lecture_section(work: Work) -> None:
    st.header("The lecture's pipeline, with numbers")
    explain("Threshold the noisy image directly with Otsu, or smooth it with a Gaussian first: which one "
                "finds the objects better? The **Dice** score against the clean ground truth answers it.")
    if preprocess.is_constant(work.image):
        st.warning("This image is constant: Otsu has nothing to separate. Add noise or choose another image.",
                   icon=":material/warning:")
        return
    controls = st.columns(2)
    sigma = controls[0].slider("Gaussian sigma before Otsu", 0.0, 6.0, 1.0, 0.25, key="lecture-sigma")
    if work.truths:
        truth_name = controls[1].selectbox("Ground truth", list(work.truths), key=f"lecture-truth-{work.key[0]}")
        truth = work.truths[truth_name]
    else:
        truth_name = None
        controls[1].caption("No ground truth ships with this image: the reference is Otsu's answer on the clean "
                            "image (before the noise was added).")
        truth = memo(("clean-otsu", work.key), lambda: preprocess.binarize(
            work.clean, preprocess.threshold_value(work.clean, "otsu")))
    result = memo(("lecture", work.key, sigma, truth_name),
                  lambda: preprocess.otsu_with_and_without_smoothing(work.image, truth, sigma))
    columns = st.columns(3)
    figures = (
        memo(("figure", "clean", work.key), lambda: histogram_figure(work.clean, "clean", height=220)),
        memo(("figure", "noisy-otsu", work.key), lambda: histogram_figure(
            work.image, "noisy", [(result.threshold_noisy, f"Otsu {fmt(result.threshold_noisy)}", METHOD_COLOURS["otsu"])], 220)),
        memo(("figure", "gaussian-otsu", work.key, sigma), lambda: histogram_figure(
            result.filtered, f"Gaussian, sigma {sigma:g}",
            [(result.threshold_filtered, f"Otsu {fmt(result.threshold_filtered)}", METHOD_COLOURS["otsu"])], 220)),
    )
    for n, (column, figure) in enumerate(zip(columns, figures)):
        show_figure(column, figure, config=PLOT_CONFIG, key=f"lecture-h{n}")
    columns = st.columns(3)
    picture(columns[0], truth, f"ground truth: {truth_name or 'Otsu on the clean image'}",
            key=("truth", work.key, truth_name))
    picture(columns[1], result.mask_noisy, f"noisy → Otsu (t = {fmt(result.threshold_noisy)})",
            key=("otsu-noisy", work.key))
    picture(columns[2], result.mask_filtered, f"noisy → Gaussian → Otsu (t = {fmt(result.threshold_filtered)})",
            key=("otsu-gaussian", work.key, sigma))
    metrics = st.columns(3)
    metrics[1].metric("Dice, Otsu alone", f"{result.dice_noisy:.4f}")
    metrics[2].metric("Dice, Gaussian first", f"{result.dice_filtered:.4f}",
                      delta=f"{result.dice_filtered - result.dice_noisy:+.4f}")
    sweep = memo(("sweep", work.key, truth_name), lambda: preprocess.sigma_sweep(work.image, truth, SWEEP_SIGMAS))
    best = max(sweep, key=lambda row: row[2])
    figure = memo(("sweep-figure", work.key, truth_name, sigma), lambda: go.Figure(
        data=[go.Scatter(x=[r[0] for r in sweep], y=[r[2] for r in sweep], mode="lines+markers", name="Dice",
                         hovertemplate="sigma %{x}<br>Dice %{y:.4f}<extra></extra>")],
        layout={"title": {"text": "Gaussian sigma against Dice (Otsu after smoothing)"}, "height": 280,
                "xaxis": {"title": {"text": "sigma (pixels)"}}, "yaxis": {"title": {"text": "Dice"}},
                "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
                "shapes": [{"type": "line", "xref": "x", "yref": "paper", "x0": sigma, "x1": sigma, "y0": 0, "y1": 1,
                            "line": {"color": METHOD_COLOURS["manual"], "dash": "dot"}}],
                "annotations": [{"x": sigma, "y": 0, "xref": "x", "yref": "paper", "text": f" your sigma {sigma:g}",
                                 "showarrow": False, "xanchor": "left", "yanchor": "bottom",
                                 "font": {"color": METHOD_COLOURS["manual"]}}]}))
    metrics[0].metric("Best sigma of the sweep", f"{best[0]:g}", help=f"Dice {best[2]:.4f}")
    show_figure(st, figure, table=True, config=PLOT_CONFIG, key="lecture-sweep")
    gain = result.dice_filtered - result.dice_noisy
    verdict = (f"Here smoothing first **raises** Dice by {gain:.4f}" if gain > 0.001 else
               f"Here smoothing first **lowers** Dice by {-gain:.4f}" if gain < -0.001 else
               "Here smoothing first changes Dice by less than 0.001")
    st.markdown(f"{verdict} (from {result.dice_noisy:.4f} to {result.dice_filtered:.4f}). Over the sweep, the best "
                f"sigma is {best[0]:g} (Dice {best[2]:.4f}), and sigma {sweep[-1][0]:g} gives {sweep[-1][2]:.4f}: a "
                "little smoothing removes noise that Otsu would otherwise split into speckles; too much blurs "
                "edges and erases thin or small objects.")
    show_code(snip.lecture_snippet(work.source, work.noise, work.scale, sigma, truth_name, SWEEP_SIGMAS))


lecture_section(work)


# --- pipeline builder -------------------------------------------------------------------------------

DEFAULT_STEPS = (pipeline.Step("noise", "gaussian", 20.0), pipeline.Step("gaussian", value=1.0),
                 pipeline.Step("threshold", "otsu"), None, None)
VALUE_WIDGETS = {  # kind: (min, max, step)
    "noise": (0.0, 60.0, 1.0), "gaussian": (0.0, 8.0, 0.25), "median": (1.0, 11.0, 2.0),
    "threshold": (0.0, 255.0, 1.0), "mask": (5.0, 100.0, 5.0), "edges": (0.5, 5.0, 0.25),
}
DEFAULT_VALUES = {"noise": 20.0, "gaussian": 1.0, "median": 3.0, "threshold": 127.0, "mask": 45.0, "edges": 1.0}


def step_controls(n: int, default: pipeline.Step | None) -> pipeline.Step | None:
    columns = st.columns([2, 2, 2, 1])
    kinds = (NO_STEP, *pipeline.STEP_KINDS)
    kind = columns[0].selectbox(f"Step {n + 1}", kinds, index=kinds.index(default.kind) if default else 0,
                                key=f"step-{n}-kind")
    if kind == NO_STEP:
        return None
    option = ""
    if kind in pipeline.STEP_OPTIONS:
        options = pipeline.STEP_OPTIONS[kind]
        preset = default.option if default and default.kind == kind else options[0]
        option = columns[1].selectbox("Choice", options, index=options.index(preset), key=f"step-{n}-option-{kind}")
    low, high, step = VALUE_WIDGETS[kind]
    needs_value = not (kind == "threshold" and option != "manual") and not (kind == "edges" and option != "canny") \
        and not (kind == "mask" and option != "circle")
    value = 0.0
    if needs_value:
        value = columns[2].number_input(pipeline.VALUE_LABELS[kind], low, high, DEFAULT_VALUES[kind], step,
                                        key=f"step-{n}-value-{kind}")
    seed = 0
    if kind == "noise" and lecturer_mode():
        seed = int(hidden_control(f"step-{n}-seed", 0))
    elif kind == "noise":
        seed = int(columns[3].number_input("Seed", 0, 10_000, 0, key=f"step-{n}-seed"))
    return pipeline.Step(kind, option, float(value), seed)


@st.fragment
def builder_section(work: Work, base: Volume, whole_volume: bool) -> None:
    st.header("Build your own pipeline")
    explain("Choose up to five steps, in order. Each one works on the previous one's output, starting from "
                "the **clean** image (add noise as a step if you want it). Every intermediate image is shown, "
                "with its numbers. A mask sets the pixels it removes to the clean image's minimum (air in CT), as "
                "in *Masking*, even after noise.")
    steps = [s for s in (step_controls(n, d) for n, d in enumerate(DEFAULT_STEPS)) if s is not None]
    index = work.key[1]  # (time, slice), (slice,) or (): for uploads too, whose code starts from a .npy
    slice_index = index[-1] if index else 0
    images = memo(("pipeline", work.key[0], index, tuple(steps)),
                  lambda: pipeline.run(work.clean, steps, work.scale, slice_index))
    labels = ["input (clean)"] + [f"{n}. {s.label()}" for n, s in enumerate(steps, 1)]
    kinds = ["input"] + [s.kind for s in steps]
    columns = st.columns(4)
    for n, (image, label) in enumerate(zip(images, labels)):
        if n and n % 4 == 0:
            columns = st.columns(4)
        same_units = image.dtype != bool and all(k in ("input", "noise", "gaussian", "median", "mask") for k in kinds[:n + 1])
        picture(columns[n % 4], image, label, work.window if same_units else None,
                ("pipeline", work.key[0], index, tuple(steps[:n])))
        columns[n % 4].caption(pipeline.summary(image))
    if whole_volume:
        st.caption(f"On this slice, the noise seed is seed + {slice_index} (slice {slice_index}) and thresholds are "
                   "computed from the slice; on the whole volume each slice k gets seed + k and a threshold is "
                   "computed once from all the slices.")
    result = images[-1]
    st.download_button("Download the result (PNG)", lambda: pipeline.result_bytes(result), file_name="result.png",
                       mime="image/png", icon=":material/download:", on_click="ignore", key="pipeline-png")
    show_code(pipeline.pipeline_code(steps, work.source, work.scale, output="result.png"))
    if whole_volume:
        volume_section(work, base, steps)


def grey_volume(base: Volume, frame: int | None, step: int) -> np.ndarray:
    """The whole volume as the page sees each slice: grey, finite, reduced like the slice."""
    data = base.frame(frame) if base.is_4d else base.data
    return np.stack([preprocess.fill_non_finite(preprocess.to_grey(s[::step, ::step], base.rgb))[0] for s in data])


def volume_section(work: Work, base: Volume, steps: list[pipeline.Step]) -> None:
    st.subheader("On the whole volume")
    index = work.key[1]  # the slice the page works on (work.source.index is empty for uploads)
    frame = index[0] if base.is_4d else None
    n = base.n_slices
    run_key = ("volume-run", work.key[0], frame, tuple(steps))
    stored = st.session_state.get("preparing-volume")
    if st.button(f"Run the pipeline on all {n} slices", icon=":material/play_arrow:", key="pipeline-volume-run"):
        with stoppable("pipeline-volume-stop"):
            bar = st.progress(0.0, text="Starting...")

            def progress(done: int, total: int) -> None:
                if done == total or done % 8 == 0:
                    bar.progress(done / total,
                                 text=f"Step {(done - 1) // n + 1} of {len(steps)}, slice {(done - 1) % n + 1} of {n}")

            grey = grey_volume(base, frame, work.source.step)
            try:  # a Dask task (ui.heavy)
                result = heavy.run("pipeline", pipeline.run_volume, grey, steps, work.scale,
                                   callbacks={"progress": progress})
            except heavy.WorkLost as exc:
                st.error(str(exc), icon=":material/error:")
                return
            bar.empty()
        numbers = pipeline.summary(result)  # from the exact result, as the code prints it
        result = result if result.dtype == bool else result.astype(np.float32)  # halves the session's memory
        st.session_state["preparing-volume"] = stored = (run_key, result, numbers)
    elif was_stopped("pipeline-volume-stop"):
        st.info(STOPPED.format("The pipeline"), icon=":material/stop_circle:")
    if stored is None or stored[0] != run_key:
        st.caption("Runs every step on each slice (a threshold once, from all the slices) and offers the result as "
                   "NIfTI.")
        return
    result, numbers = stored[1], stored[2]
    k = index[-1]
    columns = st.columns([1, 2])
    picture(columns[0], result[k], f"result, slice {k} of the volume")
    columns[1].metric("Result", numbers)
    columns[1].caption(f"{result.shape[0]} × {result.shape[1]} × {result.shape[2]} voxels, {result.dtype}.")
    columns[1].download_button("Download the result (NIfTI, .nii.gz)",
                               lambda: pipeline.result_bytes(result, base.affine), file_name="result.nii.gz",
                               mime="application/gzip", icon=":material/download:", on_click="ignore",
                               key="pipeline-nifti")
    source = work.source if work.source.sample else snip.Source(npy_name="preparing_volume.npy")
    if not work.source.sample:
        def _volume_npy() -> bytes:
            buffer = io.BytesIO()
            np.save(buffer, grey_volume(base, frame, work.source.step))
            return buffer.getvalue()

        st.download_button("Download your grey volume (.npy) for the code", _volume_npy,
                           file_name="preparing_volume.npy", on_click="ignore", key="pipeline-volume-npy")
    show_code(pipeline.pipeline_code(steps, source, work.scale, volume=True, output="result.nii.gz"),
              title="Show the code for the whole volume")


use_volume = work.source.synthetic_size == 0 and volume.is_3d
builder_section(work, volume, use_volume)


# --- self-check -------------------------------------------------------------------------------------

def otsu_question() -> Question:
    """A numeric question on the image the sections work on: its Otsu threshold."""
    t = memo(("otsu", work.key), lambda: preprocess.threshold_value(work.image, "otsu"))
    lo, hi = work.scale
    units = f" {work.units}" if work.units else ""
    why = (f"Otsu's method tries every threshold and keeps the one that makes the two classes most different "
           f"(largest between-class variance): here t = {t:.6g}{units}, as in the Thresholding table.")
    if preprocess.is_constant(work.image):
        why = f"The image is constant: there is nothing to separate, and every method returns its one value, {t:.6g}."
    return Question("What is the **Otsu threshold** of the image the sections work on (this slice, with its noise)? "
                    "Read it on the page or run the code.", why, t,
                    tolerance=max(0.005 * (hi - lo), 1e-3 * abs(t), 0.01))


def manual_level_question() -> Question:
    """A numeric question: where the lecture's v = 127 falls on this image's range."""
    lo, hi = work.scale
    t = preprocess.manual_threshold(preprocess.MANUAL_LEVEL, work.scale)
    units = f" {work.units}" if work.units else ""
    return Question(
        f"The values of this image run from {fmt(lo)} to {fmt(hi)}{units}. The page maps the lecture's 8-bit level "
        f"v = {preprocess.MANUAL_LEVEL} onto that range: which threshold t does it give?",
        f"t = {fmt(lo)} + {preprocess.MANUAL_LEVEL}/255 × ({fmt(hi)} − {fmt(lo)}) = {t:.6g}{units}"
        + (": on an 8-bit scale the level is used as it is." if (lo, hi) == (0.0, 255.0) else
           ". The same number 127 means something else on a scale that is not 0-255."),
        t, tolerance=max(0.005 * (hi - lo), 0.01))


self_check("preparing", [
    otsu_question,
    manual_level_question,
    Question("A segmentation has 300 foreground pixels, the ground truth 200, and 150 pixels are in both. What is "
             "the Dice score?", "Dice = 2 |A ∩ B| / (|A| + |B|) = 2 × 150 / (300 + 200) = 0.6.", 0.6,
             tolerance=0.005),
    Question("Which filter removes salt and pepper noise best while keeping edges sharp?",
             "The median: an isolated extreme pixel is never the middle value of its neighbourhood, so it vanishes, "
             "and a step edge keeps its position. A Gaussian spreads the extreme value around and blurs edges.", 1,
             ("A Gaussian filter with a large sigma", "A median filter", "The Sobel filter")),
    Question("Why does a Gaussian filter before Otsu usually raise Dice on a noisy image?",
             "Noise pushes pixels across any threshold, which gives speckles inside and outside the objects; "
             "averaging neighbours first brings each pixel back towards its object's value. Too large a sigma blurs "
             "edges and erases thin or small objects, so Dice falls again.", 2,
             ("It makes the image brighter, so more pixels pass the threshold",
              "It changes Otsu's method into a manual threshold",
              "It averages the noise away, so fewer pixels fall on the wrong side of the threshold")),
])
