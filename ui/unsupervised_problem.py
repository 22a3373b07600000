"""Lesson 5's registration problem: the working image, the known motion, and the pictures of the pair.

The sections "Problem", "Register", "Lecture figure", "Loss" and "Landmarks"
all work on the same problem, so each draws its settings (`settings`); every
control is kept in the URL and survives a visit to another section.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core import display, overlays, samples
from core.snippets import registration as snip
from core.text.alt_text import describe_image
from core.registration import check_pair, ncc
from core.data.warps import Motion, Problem, make_problem, max_warp_mm, working_image
from core.io.png_writer import encode_png
from ui.alt import show_image
from ui.code import show_code
from ui.images import shaded
from ui.lesson import lecturer_mode
from ui.memo import session_memo
from ui.picker import load_sample
from ui.safe_text import md

PHANTOM = "Phantom: Shepp-Logan head (scikit-image)"
IMAGE_KEY = "unsup-image"
"""The image the problem's controls were last set for."""
SIZES = (128, 256)
"""Working sizes (the longer side, pixels)."""
LINKED = {"bind": "query-params"}
"""A control of the problem, drawn in every section: in the URL (its range may follow the image: a new image,
its own defaults)."""
KEEP = {**LINKED, "persist_state": "page"}
"""A control of one section: in the URL, and kept while another section is shown."""


@dataclass(frozen=True)
class Work:
    """The 2D image the registrations work on.

    Attributes
    ----------
    name : str
        The image's name (user-controlled for an upload: show it through `ui.safe_text`).
    image : numpy.ndarray
        Grey, float64, read-only.
    spacing : (float, float)
    source : core.snippets.registration.Source
        How the code panels get the same image.
    key : tuple
        Names the working image for memos.
    from_sample : bool
        A built-in sample (shared caches allowed), not an upload.
    invert : bool
        A MONOCHROME1 image: its pictures show low values white, as its file asks.
    """

    name: str
    image: np.ndarray
    spacing: tuple[float, float]
    source: snip.Source
    key: tuple
    from_sample: bool
    invert: bool = False

    @property
    def pixel(self) -> float:
        """The smaller pixel side, mm."""
        return min(self.spacing)


@dataclass(frozen=True)
class Setup:
    """The problem with a known answer: the working image moved by a known motion."""

    work: Work
    motion: Motion
    noise: float
    contrast: float
    seed: int
    problem: Problem

    @property
    def key(self) -> tuple:
        """Names the problem: a registration result belongs to it."""
        return (self.work.key, self.motion, self.noise, self.contrast, self.seed)

    @property
    def duel_key(self) -> tuple:
        """Names the other-contrast pair the two losses are compared on (the contrast slider plays no part)."""
        return (self.work.key, self.motion, self.noise, self.seed)


def show_row(images: list[tuple[np.ndarray, str]], min_side: int = 200, columns: int | None = None,
             container=st) -> None:
    """A row of uint8 images with captions, enlarged (nearest neighbour) when small, in `columns` columns."""
    for column, (image, caption) in zip(container.columns(columns or len(images)), images):
        show_image(column, encode_png(overlays.enlarge(image, min_side)), describe_image(image, caption),
                   caption=caption, output_format="PNG", width="stretch")


LECTURE_TABLE_FONT = "24px"
"""The size of a table's numbers in lecturer mode: readable from the back of a room on a 1280 × 720 projector."""


def show_table(frame: pd.DataFrame, container=st) -> None:
    """A table of numbers: scrollable for a learner, in large plain text (HTML) in lecturer mode."""
    if not lecturer_mode():
        container.dataframe(frame, hide_index=True, width="stretch")
        return
    style = frame.style.hide(axis="index").format(lambda v: f"{v:.4g}" if isinstance(v, float) else v)
    container.table(style.set_table_styles([{"selector": "th, td", "props": [("font-size", LECTURE_TABLE_FONT)]}]))


def eight_bit(image: np.ndarray, reference: np.ndarray | None = None, invert: bool = False) -> np.ndarray:
    """`image` windowed to 8 bits on the 1st-99th percentiles of `reference` (itself by default).

    `invert` shades low values white, as a MONOCHROME1 file asks.
    """
    return display.apply_window(image, *display.auto_window(image if reference is None else reference), invert=invert)


def working(volume, key, sample, container, afresh: bool = False) -> Work:
    """The working image's controls (slice, size) in `container`, and the image; a phantom when it cannot register.

    `afresh`: a new image, whose slice starts in its middle.
    """
    columns = container.columns([2, 1])
    slice_index = None
    if volume.is_3d and volume.n_slices > 1:
        if afresh:
            st.session_state["slice"] = volume.n_slices // 2
        slice_index = columns[0].slider("Axial slice of the 3D image", 0, volume.n_slices - 1, volume.n_slices // 2,
                                        key="slice", **LINKED)
    side = columns[1].radio("Working size (longer side, pixels)", SIZES, index=1, horizontal=True, key="side",
                            help="Larger images register more slowly.", **LINKED)
    image, spacing, resized = session_memo("unsup-working", (key, slice_index, side),
                                           lambda: working_image(volume, slice_index, side))
    image.flags.writeable = False  # kept in the memo for the next rerun
    try:
        check_pair(image, image)
        fallback = None
    except ValueError as exc:
        fallback = str(exc)
    if fallback:
        container.warning(f"This image cannot be registered: {fallback}. The registration sections use the "
                          "Shepp-Logan phantom instead.", icon=":material/warning:")
        volume, slice_index, sample = load_sample(PHANTOM), None, samples.info(PHANTOM)
        image, spacing, resized = working_image(volume, None, side)
    if volume.is_3d and slice_index is None:
        slice_index = volume.n_slices // 2
    source = snip.Source(volume.name if sample is not None else None, slice_index if volume.is_3d else None,
                         volume.rgb, volume.is_4d, image.shape, resized, spacing)
    notes = []
    if volume.is_3d and not fallback:
        notes.append(f"slice {slice_index} of {volume.n_slices}" + (", first time point" if volume.is_4d else ""))
    if volume.rgb:
        notes.append("colour turned into grey (scikit-image's rgb2gray)")
    if resized:
        notes.append(f"shrunk to {image.shape[0]} × {image.shape[1]}")
    elif max(image.shape) < side:
        notes.append(f"smaller than the working size {side}: used as it is, never enlarged")
    columns[0].caption(
        f"Working image: {md(volume.name)} · {image.shape[0]} × {image.shape[1]} pixels of {spacing[0]:.3g} × "
        f"{spacing[1]:.3g} mm" + (f" ({'; '.join(notes)})" if notes else "") + "."
        + ("" if volume.spacing_known else " The file records no pixel size: every mm below is a pixel."))
    return Work(volume.name, image, spacing, source, (key, slice_index, side, fallback), sample is not None,
                invert=volume.low_values_white)


def shift_defaults(work: Work) -> dict[str, float]:
    """The shift a new image starts with (3 % of its height down, 5 % of its width left) and no bend."""
    fov = np.array(work.image.shape) * np.array(work.spacing)
    return {"dy": float(np.round(0.03 * fov[0], 1)), "dx": float(np.round(-0.05 * fov[1], 1)), "bend": 0.0}


def motion_controls(work: Work, container, afresh: bool = False) -> tuple[Motion, float, float, int]:
    """The sliders of the known motion, noise and contrast change (the shift's and bend's ranges follow the image).

    `afresh`: a new image, whose shift and bend start at their defaults (`shift_defaults`).
    """
    fov = np.array(work.image.shape) * np.array(work.spacing)
    limit = float(np.round(0.15 * fov.min(), 1))
    bend_limit = float(np.floor(max_warp_mm(work.image.shape, work.spacing) * 10) / 10)
    defaults = shift_defaults(work)
    if afresh:
        st.session_state.update(defaults)
    c1, c2, c3, c4 = container.columns(4)
    down = c1.slider("Shift down (mm)", -limit, limit, defaults["dy"], 0.1, key="dy", **LINKED)
    right = c1.slider("Shift right (mm)", -limit, limit, defaults["dx"], 0.1, key="dx", **LINKED)
    angle = c2.slider("Rotation (degrees, clockwise)", -30.0, 30.0, 8.0, 0.5, key="angle", **LINKED)
    scale = c2.slider("Scale", 0.80, 1.25, 1.0, 0.01, key="scale", **LINKED)
    bend = c3.slider("Smooth bend (mm)", 0.0, bend_limit, 0.0, 0.1, key="bend", **LINKED,
                     help="A non-linear warp: one period of a cosine across the image, no affine part. Only a "
                          "deformable transform can undo it.")
    noise = c3.slider("Noise (% of the intensity range)", 0.0, 20.0, 2.0, 0.5, key="noise", **LINKED) / 100
    contrast = c4.slider("Other contrast (T1-like → T2-like)", 0.0, 1.0, 0.0, 0.05, key="contrast", **LINKED,
                         help="Remaps intensities as another MRI sequence would: dark fluid turns bright, bright "
                              "tissue dark, the background stays dark. Not monotonic: no rescaling undoes it.")
    seed = 0 if lecturer_mode() else int(c4.number_input("Noise seed", 0, 9999, 0, key="seed", **LINKED))
    return Motion((down, right), (angle,), scale, bend), noise, contrast, seed


def settings(volume, key, sample, folded: bool, preset: bool = False) -> Setup:
    """Draw the problem's settings (in a folded expander when the section is about something else) and build it.

    A new image (another sample, an upload) starts at its own slice and shift, unless a preset (`preset`) has just
    chosen the image and the values together.
    """
    afresh = st.session_state.get(IMAGE_KEY, key) != key and not preset
    st.session_state[IMAGE_KEY] = key
    container = st.expander("The problem: image, motion, noise, contrast", icon=":material/tune:") if folded \
        else st.container()
    work = working(volume, key, sample, container, afresh)
    motion, noise, contrast, seed = motion_controls(work, container, afresh)
    problem = make_problem(work.image, work.spacing, motion, noise=noise, contrast=contrast, seed=seed)
    return Setup(work, motion, noise, contrast, seed, problem)


def target_picture(setup: Setup) -> np.ndarray:
    """The target at 8 bits, kept per working image (the sliders move the source only)."""
    return session_memo("unsup-target", setup.work.key, lambda: eight_bit(setup.problem.fixed,
                                                                          invert=setup.work.invert))


def problem_view(setup: Setup) -> None:
    """(a) the source, (b) the target and their overlay; NCC before registration; the code and the .npy."""
    fixed8, moving8 = target_picture(setup), eight_bit(setup.problem.moving, invert=setup.work.invert)
    show_row([(moving8, shaded("(a) source: the moving image we made", setup.work.invert)),
              (fixed8, "(b) target: the fixed image"),
              (overlays.overlay(fixed8, moving8), "target in magenta, source in green")])
    st.caption(f"Before registration: normalised cross-correlation (NCC) "
               f"{ncc(setup.problem.fixed, setup.problem.moving):.4f} (1 = identical up to brightness and contrast).")
    show_code(snip.problem_snippet(setup.work.source, setup.motion, setup.noise, setup.contrast, setup.seed))
    upload_download(setup.work)


def upload_download(work: Work) -> None:
    """For the learner's own image: the working image as .npy, which the code panels load."""
    if work.from_sample:
        return
    buffer = io.BytesIO()
    np.save(buffer, work.image)
    st.download_button("Download the working image (.npy) for the code", buffer.getvalue(), snip.UPLOAD_FILE,
                       key="unsup-download")
