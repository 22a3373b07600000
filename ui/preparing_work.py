"""The image the Preparing lesson works on: where it comes from, which slice, and the noise added to it.

Every section of lesson 4 works on one `Work`: a grey 2D float image with noise, its clean original, the
scale the noise level and the manual threshold refer to, and the ground truths that come with it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from core import display, preprocess, samples
from core.snippets import preprocess as snip
from core.text.course_text import LessonText
from core.data.noise import NOISE_KINDS
from core.volume import Volume
from ui import picker
from ui.code import show_code
from ui.images import MAX_SHOWN_SIDE, picture, shaded
from ui.lesson import explain, lecturer_mode
from ui.memo import session_memo
from ui.preparing_figures import fmt

SYNTHETIC_SIZE = 256
MAX_WORK_SIDE = 1024
"""Larger images are reduced (one row and column in n) so that every control stays interactive."""

SIDEBAR, PHANTOM_CHOICE, SHAPES = "sidebar image", "lecture phantom", "synthetic shapes"
IMAGE_CHOICES = (SIDEBAR, PHANTOM_CHOICE, SHAPES)
PHANTOM = next(name for name in samples.names() if name.startswith("Phantom"))
"""The lecture's image: the Shepp-Logan phantom, chosen here (a control of the lesson, so a link carries it)."""


def memo(key: tuple, compute):
    """The lesson's session memo (`ui.memo.session_memo`): results recomputed on every rerun are kept here."""
    return session_memo("preparing", key, compute)


@dataclass
class Work:
    """The image every section works on, and where it comes from."""

    key: tuple                     # identifies image, slice and noise: names memos and pictures
    clean: np.ndarray              # grey float64 slice before noise
    image: np.ndarray              # the same with noise: what the sections work on
    scale: tuple[float, float]     # the range the noise level and the manual threshold refer to
    units: str
    noise: preprocess.NoiseSettings
    source: snip.Source
    base: Volume                   # the volume the slice comes from (the pipeline builder can run on all of it)
    truths: dict[str, np.ndarray] = field(default_factory=dict)
    window: tuple[float, float] = (1.0, 0.0)
    invert: bool = False           # a MONOCHROME1 image: its pictures show low values white, as its file asks

    @property
    def image_key(self) -> tuple:
        """Names the image and slice, without the noise."""
        return self.key[:2]

    @property
    def unit(self) -> str:
        """The units after a number (" HU"), or ""."""
        return f" {self.units}" if self.units else ""

    @property
    def whole_volume(self) -> bool:
        """True when the pipeline builder can run on the whole volume."""
        return self.source.synthetic_size == 0 and self.base.is_3d


@st.cache_resource(max_entries=3, show_spinner="Preparing the ground truth...")
def sample_truths(name: str) -> dict[str, np.ndarray]:
    """Ground-truth masks of a built-in sample (shared read-only by every session)."""
    truths = preprocess.sample_truths(samples.info(name).file, picker.load_sample(name).data)
    for mask in truths.values():
        mask.flags.writeable = False
    return truths


PER_IMAGE = ("prep-slice", "prep-time", "prep-mask-row", "prep-mask-col", "prep-mask-radius", "prep-mask-rows",
             "prep-mask-cols", "prep-lasso")
"""Controls whose range depends on the image (and the lasso drawn on it): they start again with a new image."""


def _reset_on_new_image(image_key: tuple) -> None:
    """Put the controls of `PER_IMAGE` back to their defaults when the image changes (not on a link's first run)."""
    before = st.session_state.get("prep-controls-image")
    if before is not None and before != image_key:
        for key in PER_IMAGE:
            st.session_state.pop(key, None)
    st.session_state["prep-controls-image"] = image_key


def _slice_controls(base: Volume, image_key: tuple) -> tuple[int, ...]:
    """The time point and slice sliders of a volume: the index of the slice the sections work on."""
    _reset_on_new_image(image_key)
    if not base.is_3d:
        return ()
    columns = st.columns(2 if base.is_4d else 1)
    t = 0
    if base.is_4d and base.n_frames > 1:
        t = columns[1].slider("Time point", 0, base.n_frames - 1, 0, key="prep-time", bind="query-params")
    k = 0
    if base.n_slices > 1:
        k = columns[0].slider(f"Slice (of {base.n_slices})", 0, base.n_slices - 1, base.n_slices // 2,
                              key="prep-slice", bind="query-params",
                              help="Every section works on this slice; the pipeline builder can also run on the "
                                   "whole volume.")
    else:
        columns[0].caption("A volume of a single slice: the sections work on it.")
    return (t, k) if base.is_4d else (k,)


def _noise_controls(current: picker.Current, choice: str) -> preprocess.NoiseSettings:
    """Kind, level and seed of the noise (a learner's own scan starts without noise)."""
    if current.is_upload and choice == SIDEBAR and st.session_state.get("prep-noise-upload") != current.key:
        st.session_state["prep-noise"] = "none"  # a learner's own scan starts as it is: no noise added
        st.session_state["prep-noise-upload"] = current.key
    lecturer = lecturer_mode()
    columns = st.columns([2, 3] if lecturer else [2, 3, 1])
    kind = columns[0].selectbox("Noise", ("none", *NOISE_KINDS), index=1, key="prep-noise", bind="query-params",
                                help="Gaussian: electronics. Salt and pepper: dead or stuck pixels. Poisson: photon "
                                     "counting (X-ray, CT). Rician: MRI magnitude images (biased up in the dark).")
    percent = columns[1].slider("Noise level (% of the image's range)", 0, 60, 20, key="prep-noise-level",
                                bind="query-params", disabled=kind == "none")
    if lecturer:  # fewer controls in front of a room; the seed is kept for when they are shown again
        seed = int(st.session_state.setdefault("prep-seed", 0))
    else:
        seed = int(columns[2].number_input("Seed", 0, 10_000, 0, key="prep-seed", bind="query-params",
                                           disabled=kind == "none", help="The same seed gives the same noise."))
    return preprocess.NoiseSettings(kind, float(percent), seed)


def choose_work(text: LessonText, current: picker.Current) -> Work:
    """The controls of the image every section works on (source, slice, noise), and that image.

    In lecturer mode they fold into an expander, so that the section's figure comes first on the screen.
    """
    box = st.expander("The image and its noise", icon=":material/tune:") if lecturer_mode() else st.container()
    with box:
        choice = st.radio("Work on", IMAGE_CHOICES, horizontal=True, key="prep-image", bind="query-params",
                          help=text.explanation("image"))
        truths: dict[str, np.ndarray] = {}
        index: tuple[int, ...] = ()
        step = 1
        if choice == SHAPES:
            image, truth = preprocess.synthetic_shapes(SYNTHETIC_SIZE)
            base = Volume(image, (1.0, 1.0), name="synthetic shapes", modality="synthetic")
            source = snip.Source(synthetic_size=SYNTHETIC_SIZE)
            image_key: tuple = ("synthetic", SYNTHETIC_SIZE)
            st.caption(text.explanation("synthetic"))
            truths = {"the shapes": truth}
            _reset_on_new_image(image_key)
        else:
            if choice == PHANTOM_CHOICE:
                base, sample, image_key = picker.load_sample(PHANTOM), samples.info(PHANTOM), ("phantom",)
            else:
                base, sample, image_key = current.volume, current.sample, current.key
            image_key = (*image_key, base.data.shape)
            index = _slice_controls(base, image_key)
            if base.rgb:
                st.info(text.explanation("colour"), icon=":material/palette:")
            step = max(1, int(np.ceil(max(base.spatial_shape[-2:]) / MAX_WORK_SIDE)))
            if step > 1:
                rows, cols = base.spatial_shape[-2:]
                st.info(f"This image is {rows} × {cols} pixels: the lesson works on one row and column in {step} "
                        f"({len(range(0, rows, step))} × {len(range(0, cols, step))}) so that every control answers "
                        "quickly. The code panels do the same.", icon=":material/photo_size_select_large:")
            source = snip.Source(npy_name="preparing_slice.npy") if sample is None else snip.Source(
                sample=sample.name, index=index, rgb=base.rgb, step=step)
            if sample is not None and not base.is_4d:
                whole = sample_truths(sample.name)
                truths = {name: mask[index[-1]] if base.is_3d else mask for name, mask in whole.items()}
        scale = memo(("scale", image_key), lambda: preprocess.threshold_scale(base.data))
        noise = _noise_controls(current, choice)

    def prepare():
        raw = base.frame(index[0])[index[1]] if base.is_4d else (base.data[index[0]] if base.is_3d else base.data)
        clean, bad = preprocess.grey_slice(raw, base.rgb, step)
        return clean, bad, noise.apply(clean, scale), display.auto_window(clean)

    key = (image_key, index, noise)
    clean, bad, noisy, window = memo(("work", key), prepare)
    if bad:
        st.warning(f"{bad} pixel(s) of this slice are not numbers (NaN or infinite): they are set to the smallest "
                   "value so that filters do not spread them.", icon=":material/warning:")
    if source.npy_name:
        st.download_button("Download this grey slice (.npy) for the code panels", lambda: npy_bytes(clean),
                           file_name=source.npy_name, icon=":material/download:", on_click="ignore",
                           help="The code panels start from this file: your upload's slice, as the lesson sees it.")
    units = "HU" if base.modality == "CT" else ""
    return Work(key, clean, noisy, scale, units, noise, source, base, truths, window,
                invert=base.low_values_white)


def npy_bytes(array: np.ndarray) -> bytes:
    """An array as the bytes of a ``.npy`` file (for the code panels of an upload, which start from it)."""
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def noise_section(work: Work, text: LessonText) -> None:
    """The clean image, the noise alone and the noisy image, with the noise's numbers."""
    columns = st.columns(3)
    rows, cols = work.clean.shape
    picture(columns[0], work.clean, shaded(f"clean: {rows} × {cols} pixels", work.invert), work.window,
            ("clean", work.key), invert=work.invert)
    difference = work.image - work.clean
    spread = max(float(np.abs(difference).max()), 1e-12)
    picture(columns[1], difference, "the noise alone (noisy − clean; grey is 0)", (2 * spread, 0.0), ("noise", work.key))
    picture(columns[2], work.image, "noisy: the image every section works on", work.window, ("noisy", work.key),
            invert=work.invert)
    measured = st.columns(3)
    measured[0].metric("Noise mean", fmt(float(difference.mean())) + work.unit,
                       help="The mean of noisy − clean. Gaussian noise averages 0; Rician and salt and pepper can "
                            "shift the mean.")
    measured[1].metric("Noise std", fmt(float(difference.std())) + work.unit,
                       help="The standard deviation of noisy − clean.")
    measured[2].metric("Noisy range", f"{fmt(float(work.image.min()))} to {fmt(float(work.image.max()))}{work.unit}",
                       help="The noisy image's minimum and maximum.")
    strength = work.noise.strength(work.scale)
    if strength > 0:
        kind, (lo, hi) = work.noise.kind, work.scale
        st.caption(f"`add_noise(image, \"{kind}\", {strength:.4g}, seed={work.noise.seed})`: "
                   f"{preprocess.NOISE_UNITS[kind]} {strength:.4g}" + ("" if kind == "salt and pepper" else work.unit)
                   + f", for a range of {fmt(lo)} to {fmt(hi)}{work.unit}.")
    if max(work.clean.shape) > MAX_SHOWN_SIDE:
        st.caption(f"Shown at 1/{int(np.ceil(max(work.clean.shape) / MAX_SHOWN_SIDE))} of its size; every number is "
                   "computed on all the pixels.")
    explain(text.explanation("noise"))
    show_code(snip.noise_snippet(work.source, work.noise, work.scale))
