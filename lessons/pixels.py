"""Objective 1: how a computer sees an image. Pixels and voxels, bit depth, colour channels, signal and noise."""

import io

import numpy as np
import pandas as pd
import streamlit as st

from core import describe, display, pixels, samples
from core import pixels_snippets as snip
from core.noise import NOISE_KINDS, add_noise, snr, snr_db
from core.selfcheck import Question
from ui import picker
from ui.code import show_code
from core.alt_text import describe_image
from ui.alt import show_figure, show_image
from ui.lesson import explain, intro, lecturer_mode, presets, self_check
from ui.pixel_figures import colour_grid, grids_figure, level_histogram_figure, value_grid
from ui.viewer import PLOT_CONFIG
from ui.safe_text import md
from ui.working_copy import bounded

WINDOW_COLOUR = (0, 230, 255)
SIGNAL_COLOUR = (0, 150, 255)
BACKGROUND_COLOUR = (255, 110, 0)
PHOTONS = (1, 3, 10, 30, 100, 300, 1000, 3000, 10000)
RETINA = samples.SAMPLES[8].name
CT_SAMPLE = next(s.name for s in samples.SAMPLES if s.modality == "CT")
HEAD = samples.SAMPLES[6].name
X_CHOICE = "The lecture's X in red and blue"

st.title("1 · How a computer sees an image")
intro(1, [
    "In *Pixels*, press **The 6×6 X**, then type 9 into one cell of the table: the picture shows the smallest "
    "value as black and the largest as white, so the ones turn grey.",
    f"Pick **{CT_SAMPLE}** in the sidebar and move *Bits per value* to 1, 2, 8 and 12: read *Levels present* and "
    "*Bytes per image* each time.",
    "In *Colour*, press **X in red and blue = magenta**, then switch *Green* off and on (nothing changes: it is "
    "all zeros), then *Red* off (only blue is left).",
    f"Pick **{HEAD}** and move the *Slice* slider: the voxel block shows three neighbouring slices and the voxel "
    "size read from the file's header.",
    "In *Signal and noise*, raise σ of the Gaussian noise and watch the SNR fall; then try Poisson with only 10 "
    "photons.",
])
picker.show_upload_error()
volume = bounded(picker.current_volume())  # a huge upload: a strided working copy, said on the page
sample = picker.current_sample()
tag = f"{volume.name}|{volume.data.shape}"
source_bits = describe.bit_depth(volume)
max_bits = int(np.clip(source_bits, 1, pixels.MAX_BITS))


def for_the_room(figure, text_size: int):
    """In lecturer mode, larger numbers and titles so a figure reads from the back of a room."""
    if lecturer_mode():
        top = figure.layout.margin.t or 0
        figure.update_layout(font_size=18, title_font_size=22, margin_t=top + 25 if figure.layout.title.text else top)
        figure.update_traces(textfont_size=text_size, selector=lambda trace: "textfont" in trace)
    return figure


def metric_columns(n: int) -> list:
    """n columns for metrics; rows of three in lecturer mode, so large labels are not cut."""
    if not lecturer_mode():
        return st.columns(n)
    return [column for start in range(0, n, 3) for column in st.columns(3)][:n]


def npy_bytes(array: np.ndarray) -> bytes:
    """The array as a .npy file, for the code panels of an upload."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array))
    return buffer.getvalue()


def choose_image():
    """The 2D image every section works on: the image itself, or the chosen slice (and time point)."""
    slice_index = frame = None
    if volume.is_3d:
        columns = st.columns(2)
        slice_index = volume.n_slices // 2
        if volume.n_slices > 1:
            slice_index = columns[0].slider("Slice", 0, volume.n_slices - 1, slice_index, key=f"px-slice-{tag}",
                                            help="A 3D image is a stack of 2D slices; this page works on one.")
        if volume.is_4d:
            frame = columns[1].slider("Time point", 0, volume.n_frames - 1, 0, key=f"px-frame-{tag}",
                                      help="A 4D image is a series of 3D volumes over time.")
    data = volume.frame(frame or 0)
    image = data[slice_index] if volume.is_3d else data
    return image, (data if volume.is_3d else None), slice_index, frame


st.header(f"Your image: {md(volume.name)}")
image, data3d, slice_index, frame = choose_image()
colour = volume.rgb
lo, hi = pixels.value_range(image)
kind = "colour" if colour else "grey"
where = ""
if volume.is_3d:
    where = (f" · slice {slice_index} (of 0 to {volume.n_slices - 1})"
             + (f", time point {frame} (of 0 to {volume.n_frames - 1})" if volume.is_4d else ""))
st.markdown(
    f"A {kind} {'volume' if volume.is_3d else 'image'} of shape **{volume.data.shape}**, type **{volume.data.dtype}**"
    f"{where}. This {'slice' if volume.is_3d else 'image'}: **{image.shape[0]} rows × {image.shape[1]} columns"
    f"{' × 3 channels' if colour else ''}**, values from **{lo:.6g}** to **{hi:.6g}**."
)
finite = bool(np.isfinite(image).all()) if image.dtype.kind == "f" else True
if not finite:
    st.warning("This image holds values that are not numbers (NaN or infinity). The views show them as level 0 "
               "or black, and the noise section replaces them by the smallest value.", icon=":material/warning:")
if image.size and lo == hi:
    st.warning(f"Every pixel of this image has the same value ({lo:.6g}): there is nothing to see, but every "
               "number below is still computed from it.", icon=":material/warning:")
sample_name = sample.name if sample else None
if sample is None:
    st.download_button(f"Download this {'volume' if volume.is_3d else 'image'} as {snip.UPLOAD_FILE} for the code panels",
                       data=lambda: npy_bytes(data3d if data3d is not None else image), file_name=snip.UPLOAD_FILE,
                       mime="application/octet-stream", icon=":material/download:", on_click="ignore",
                       help="The code panels of this page read your image from this NumPy file (np.load).")


def show_picture(container, array: np.ndarray, caption: str, stretch: bool = False) -> None:
    """An 8-bit image sent as a quickly compressed PNG, at its own size (so Streamlit never resamples it)."""
    show_image(container, pixels.png_bytes(array), describe_image(array, caption), caption=caption,
               width="stretch" if stretch else int(array.shape[1]))


def image_lines(colour_to: str | None = None) -> str:
    return snip.image_code(sample_name, slice_index, frame, colour_to)


# --- pixels --------------------------------------------------------------------------------------

def reset_x() -> None:
    """A new key for the table editor: it starts again from the X."""
    st.session_state["px-x-version"] = st.session_state.get("px-x-version", 0) + 1


@st.fragment(key="px-x")
def x_section() -> None:
    """The lecture's 6 × 6 X: an editable table of numbers and the picture it makes."""
    st.header("Pixels: an image is a table of numbers")
    explain(
        "A computer does not see a shape: it reads a table (a *matrix*) of numbers, one per **pixel** (picture "
        "element). The screen shows each number as a grey: here the smallest value is black and the largest "
        "white. This is the lecture's **X**: ones on both diagonals, zeros elsewhere. **Edit the numbers** and "
        "watch the picture change."
    )
    presets("Lecture figure", {"The 6×6 X": {"px-x-preset": True}}, key="px-preset-x")
    if st.session_state.pop("px-x-preset", False):
        reset_x()
    version = st.session_state.setdefault("px-x-version", 0)
    table_col, picture_col = st.columns([1, 1] if lecturer_mode() else [2, 3])
    with table_col:
        start = pd.DataFrame(pixels.x_matrix(), columns=[str(c) for c in range(pixels.X_SIZE)])
        edited = st.data_editor(start, key=f"px-x-{version}", width="stretch", num_rows="add",  # no sorting
                                column_config={str(c): st.column_config.NumberColumn(str(c), step=1)
                                               for c in range(pixels.X_SIZE)})
        st.caption("Rows are numbered from the top, columns from the left, both from 0 as in Python: "
                   "`X[0, 5]` is the top-right pixel. *The 6×6 X* above starts again from the X.")
    matrix = np.nan_to_num(edited.to_numpy(dtype=np.float64))
    figure = value_grid(matrix, title="The same numbers as a picture", height=520 if lecturer_mode() else 380)
    show_figure(picture_col, for_the_room(figure, 26), config=PLOT_CONFIG, key="px-x-figure")
    show_code(snip.x_snippet(matrix))


x_section()


# --- zoom ----------------------------------------------------------------------------------------

@st.fragment(key="px-zoom")
def zoom_section() -> None:
    """A 12 × 12 window of the chosen image with every value printed, and a block of voxels for 3D."""
    st.header("Zoom in: your image is a table too")
    rows, cols = image.shape[:2]
    size = pixels.ZOOM
    st.markdown(f"Move the {size} × {size} window (the cyan square) with the sliders: on the right, every "
                "number inside it. Hover over a cell for its row and column.")
    top_col, left_col = st.columns(2)
    top = left = 0
    if rows > size:
        top = top_col.slider("Window's top row", 0, rows - size, (rows - size) // 2, key=f"px-top-{tag}")
    if cols > size:
        left = left_col.slider("Window's left column", 0, cols - size, (cols - size) // 2, key=f"px-left-{tag}")
    window, (top, left) = pixels.zoom_window(image, top, left, size)
    width, level = display.auto_window(image)
    whole = pixels.to_display_rgb(image, width, level)
    scale = pixels.display_scale(image.shape)
    rows_in, cols_in = (top, top + window.shape[0] - 1), (left, left + window.shape[1] - 1)
    shown = pixels.draw_outline(pixels.rescale_for_display(whole, scale), rows_in, cols_in, WINDOW_COLOUR, scale)
    if window.shape[0] * scale < 16:  # a few screen pixels only: lines lead the eye to it
        shown = pixels.draw_crosshair(shown, rows_in, cols_in, WINDOW_COLOUR, scale)
    picture, numbers = st.columns([2, 3])
    show_picture(picture, shown, stretch=True,
                 caption=f"The whole {'slice' if volume.is_3d else 'image'}, {rows} × {cols} pixels"
                  + ("" if scale == 1 else f" (shown {scale:g}× {'larger' if scale > 1 else 'smaller'})"))
    title = f"Rows {rows_in[0]}-{rows_in[1]}, columns {cols_in[0]}-{cols_in[1]}"
    if colour:
        figure = colour_grid(whole[top:top + size, left:left + size], window, top, left, title, height=560)
        show_figure(numbers, for_the_room(figure, 11), config=PLOT_CONFIG, key="px-zoom-figure")
        numbers.caption("Each colour pixel holds three numbers: red, green and blue (top to bottom).")
    else:
        figure = value_grid(window, top, left, level - width / 2, level + width / 2, title, height=520)
        show_figure(numbers, for_the_room(figure, 13), config=PLOT_CONFIG, key="px-zoom-figure")
    block = spacing = None
    if data3d is not None and not colour:
        inset = (size - pixels.BLOCK) // 2
        voxels, (first, b_top, b_left) = pixels.voxel_block(data3d, slice_index, top + inset, left + inset,
                                                            pixels.BLOCK)
        spacing = tuple(float(s) for s in volume.spacing[-3:])
        st.subheader("Voxels: the same in 3D")
        ds, dr, dc = spacing
        depth, b_rows, b_cols = voxels.shape
        if volume.spacing_known and volume.frame_axis == "slices":
            explain(
                f"A 3D image is a stack of such tables. Each number is a **voxel** (volume element): a small box of "
                f"**{dr:.3g} × {dc:.3g} mm** in the slice and **{ds:.3g} mm** from one slice to the next, read from "
                f"the file's header ({volume.source_format}), so one voxel holds **{ds * dr * dc:.3g} mm³** of the "
                f"patient. Below, the middle {b_rows} × {b_cols} of the window in {depth} neighbouring slices: a "
                f"block of {depth * b_rows * b_cols} voxels, {depth * ds:.3g} × {b_rows * dr:.3g} × "
                f"{b_cols * dc:.3g} mm.")
        else:  # never invented geometry
            explain(f"A stack of such tables. This file ({volume.source_format}) records no voxel size"
                    + (" and its frames follow one another in time" if volume.frame_axis == "frames" else "")
                    + f", so the size of a voxel in mm is unknown. Below, the middle {b_rows} × {b_cols} of the "
                    f"window in {depth} neighbouring {volume.frame_axis}: a block of {depth * b_rows * b_cols} values.")
        panels = [{"values": voxels[k], "top": b_top, "left": b_left, "zmin": level - width / 2,
                   "zmax": level + width / 2,
                   "title": f"slice {first + k}" + (" (the one above)" if first + k == slice_index else "")}
                  for k in range(depth)]
        show_figure(st, grids_figure(panels, height=360), config=PLOT_CONFIG, key="px-block-figure")
        block = (first, depth, b_top, b_left, pixels.BLOCK)
    show_code(snip.zoom_snippet(image_lines(), top, left, size, colour, block, spacing))


zoom_section()


# --- bit depth -----------------------------------------------------------------------------------

st.header("Bit depth: how many levels a pixel can take")
explain(
    "Each value is stored in a fixed number of bits. With **n bits** there are **2ⁿ** different values, "
    "numbered **0 to 2ⁿ − 1**: 1 bit gives 2 levels (black and white), 2 bits give 4 (0, 1, 2, 3), 8 bits give "
    "256 (0 to 255). Some slides write \"a 2-bit image has 2¹ − 1 = 1 colour\"; the count is 2² = 4 levels, "
    "and 2ⁿ − 1 is the *largest value*, not the number of levels."
)
rule = [(n, pixels.level_count(n)) for n in (1, 2, 4, 8, 12, 16)]
st.dataframe(pd.DataFrame({"bits n": [n for n, _ in rule], "levels 2ⁿ": [c for _, c in rule],
                           "values": [f"0 to {c - 1}" for _, c in rule],
                           "bytes per value in memory": [pixels.bytes_per_sample(n) for n, _ in rule]}),
             hide_index=True, width="content")
original_values = pixels.distinct_values(image)


@st.fragment(key="px-bits")
def bit_depth_section() -> None:
    """Re-quantise the chosen image to n bits: picture, histogram, levels present, bytes."""
    st.subheader("Re-quantise your image")
    bit_presets = {"1 bit: black and white": {f"px-bits-{tag}": 1}}
    if max_bits >= 8:
        bit_presets["8 bits: 256 levels"] = {f"px-bits-{tag}": 8}
    presets("Lecture figures", bit_presets, key="px-preset-bits")
    st.markdown(f"The file stores **{source_bits} bits** per value and this {'slice' if volume.is_3d else 'image'} "
                f"holds **{original_values}** different values. Cut its range ({lo:.6g} to {hi:.6g}) into 2ⁿ equal "
                "steps and number them 0 to 2ⁿ − 1:")
    n = max_bits
    if max_bits > 1:
        n = st.slider("Bits per value, n", 1, max_bits, min(8, max_bits), key=f"px-bits-{tag}",
                      help=f"Up to the {source_bits} bits of the source (at most {pixels.MAX_BITS}): "
                           "re-quantising cannot add information the file does not hold.")
    levels = pixels.quantise(image, n)
    if colour:
        counts = [(name, pixels.level_counts(levels[..., c], n)) for c, name in enumerate(pixels.CHANNELS)]
    else:
        counts = [("grey", pixels.level_counts(levels, n))]
    present = pixels.levels_present(image, n)
    channels = 3 if colour else 1
    per_pixel, per_image, packed = pixels.image_bytes(image.shape[0] * image.shape[1], n, channels)
    metrics = metric_columns(5)
    metrics[0].metric("Levels possible", f"{2 ** n:,}", help=f"2^{n} = {2 ** n:,}: the values 0 to {2 ** n - 1:,}")
    metrics[1].metric("Levels present", f"{present:,}", help="Different levels that actually occur in the image.")
    metrics[2].metric("Bytes per pixel", per_pixel,
                      help="n bits rounded up to a whole number type (uint8 up to 8 bits, uint16 up to 16)"
                           + (", × 3 channels" if colour else "") + ".")
    metrics[3].metric("Bytes per image", f"{per_image:,}", help=f"{image.shape[0]} × {image.shape[1]} pixels × {per_pixel} bytes.")
    metrics[4].metric("Bytes if bits packed", f"{packed:,.0f}", help="Pixels × channels × n / 8: no bit wasted.")
    step = pixels.level_step(image, n)
    units = "HU" if volume.modality == "CT" else "units of the image"
    notes = [f"One level spans **{step:.4g} {units}**: values closer than that become the same number."]
    if present < 2 ** n:
        notes.append(f"Only **{present:,} of the {2 ** n:,}** levels occur: "
                     + (f"the original has only {original_values:,} different values, and re-quantising cannot "
                        "create new ones." if original_values < 2 ** n else "some levels fall in gaps of the histogram."))
    if n > 8:
        notes.append("A screen shows at most 256 greys (8 bits), so above 8 bits the picture cannot look finer; "
                     "the numbers are, and measurements and windowing use them.")
    st.markdown(" ".join(notes))
    picture, histogram = st.columns([2, 3])
    shown = pixels.levels_to_uint8(levels, n)
    scale = pixels.display_scale(image.shape, 360)
    shown = pixels.rescale_for_display(shown, scale)
    show_picture(picture, shown, stretch=True,
                 caption=f"{n} bit{'s' if n > 1 else ''}: {2 ** n:,} levels from black (0) to white ({2 ** n - 1:,})")
    starts, _, per_bin = pixels.level_histogram(counts[0][1])
    grouped = [(name, pixels.level_histogram(c)[1]) for name, c in counts]
    show_figure(histogram, level_histogram_figure(starts, grouped, per_bin, n), config=PLOT_CONFIG,
                           key="px-bits-histogram")
    show_code(snip.quantise_snippet(image_lines(), n))


bit_depth_section()


def ct_section() -> None:
    """Why CT is stored with 12 or 16 bits: the CT sample's real Hounsfield range."""
    st.subheader("Why medical images use 12 or 16 bits")
    ct = picker.load_sample(CT_SAMPLE)
    hu = ct.data
    ct_lo, ct_hi = pixels.value_range(hu)
    need = pixels.bits_needed(ct_lo, ct_hi)
    explain(
        "CT measures X-ray attenuation in **Hounsfield units** (HU): air about −1000, water 0, soft tissue "
        "about 20 to 80, bone up to 1000 and more. The CT sample (pydicom's CT_small) spans:"
    )
    cols = metric_columns(5)
    cols[0].metric("Lowest value", f"{ct_lo:g} HU")
    cols[1].metric("Highest value", f"{ct_hi:g} HU")
    cols[2].metric("Different values", f"{pixels.distinct_values(hu):,}")
    cols[3].metric("Bits needed", need, help=f"2^{need - 1} = {2 ** (need - 1):,} < {ct_hi - ct_lo + 1:,.0f} "
                                             f"integers ≤ 2^{need} = {2 ** need:,}")
    cols[4].metric("Bits stored in the file", ct.metadata.get("BitsStored", "?"))
    step8 = pixels.level_step(hu, 8)
    explain(
        f"{ct_hi - ct_lo + 1:,.0f} integer values need **{need} bits** ({need - 1} bits give only "
        f"{2 ** (need - 1):,} levels; a scanner's full scale of −1024 to 3071 HU is exactly 2¹² = 4,096 values). "
        f"With 8 bits, one level would span "
        f"**{step8:.3g} HU**: soft tissues that differ by a few HU would get the same number. Files use 16-bit "
        "integers because 12 bits do not fill a whole number of bytes."
    )
    eight = pixels.level_values(pixels.quantise(hu, 8), hu, 8)
    error = float(np.abs(eight - hu).max())
    top, left = pixels.patch_near(hu, 40.0, pixels.BLOCK)
    side = pixels.BLOCK
    patch, patch8 = hu[top:top + side, left:left + side], eight[top:top + side, left:left + side]
    panels = [{"values": patch, "title": "original values (HU)", "top": top, "left": left, "zmin": 0, "zmax": 80},
              {"values": patch8.round(2), "title": "8-bit copy (HU, middle of each level)", "top": top, "left": left,
               "zmin": 0, "zmax": 80}]
    show_figure(st, grids_figure(panels, height=330), config=PLOT_CONFIG, key="px-ct-patch")
    st.caption(
        f"A {side} × {side} patch of soft tissue (rows {top}-{top + side - 1}, columns {left}-{left + side - 1}, mean "
        f"{patch.mean():.3g} HU) holds {pixels.distinct_values(patch)} different values; its 8-bit copy only "
        f"{pixels.distinct_values(patch8)}, each value off by up to {error:.3g} HU. Over the whole slice "
        f"{pixels.distinct_values(hu):,} values become {pixels.distinct_values(eight)}."
    )
    show_code(snip.ct_range_snippet(samples.info(CT_SAMPLE).path_code, top, left, side))


ct_section()


# --- colour --------------------------------------------------------------------------------------

@st.fragment(key="px-colour")
def colour_section() -> None:
    """Split a colour image into red, green and blue, and recombine the channels chosen."""
    st.header("Colour: three tables, one per channel")
    explain(
        "A colour image stores **three numbers per pixel**: red, green and blue, each usually 8 bits (0 to 255). "
        "Each channel alone is a grey image; the screen mixes the three lights. Switch channels off to see "
        "what each one carries."
    )
    presets("Lecture figure", {"X in red and blue = magenta": {
        f"px-colour-source-{tag}": X_CHOICE, "px-keep-red": True, "px-keep-green": True, "px-keep-blue": True,
    }}, key="px-preset-colour")
    own = colour and volume.name != RETINA
    choices = [X_CHOICE, f"Retina photo ({RETINA})"] + (["Your colour image"] if own else [])
    choice = st.radio("Image", choices, horizontal=True, key=f"px-colour-source-{tag}")
    keep = tuple(col.toggle(name.capitalize(), True, key=f"px-keep-{name}")
                 for col, name in zip(st.columns(3), pixels.CHANNELS))
    if choice == X_CHOICE:
        rgb = pixels.magenta_x()
        channels = pixels.split_channels(rgb)
        merged = pixels.merge_channels(*channels, keep=keep)
        panels = [{"values": channel, "title": f"{name} channel", "scale": name, "zmin": 0, "zmax": 255}
                  for name, channel in zip(pixels.CHANNELS, channels)]
        figure = grids_figure(panels, height=380 if lecturer_mode() else 300)
        show_figure(st, for_the_room(figure, 20), config=PLOT_CONFIG, key="px-x-channels")
        mix = {(True, False, True): "red + blue light = **magenta**",
               (True, True, True): "red + blue light = **magenta** (green adds nothing: it is all zeros)",
               (True, True, False): "red only (green is all zeros)", (False, True, True): "blue only (green is all zeros)",
               (True, False, False): "red only", (False, False, True): "blue only"}.get(keep, "black: no light at all")
        text, picture = st.columns([2, 3])
        text.markdown(
            f"The X is **255** in the red and the blue tables and **0** everywhere in the green one. Each pixel "
            f"of the recombined image is the triple (red, green, blue) read from the same row and column of the "
            f"three tables.\n\nChannels on: {mix}."
        )
        figure = colour_grid(merged, title="Recombined: (red, green, blue) in each pixel",
                             height=520 if lecturer_mode() else 400)
        show_figure(picture, for_the_room(figure, 14), config=PLOT_CONFIG, key="px-x-merged")
        show_code(snip.magenta_snippet(keep))
        return
    if choice == "Your colour image":
        rgb, lines = image, image_lines()
    else:
        rgb, lines = picker.load_sample(RETINA).data, snip.image_code(RETINA)
    channels = pixels.split_channels(rgb)
    merged = pixels.merge_channels(*channels, keep=keep)
    stats = pixels.channel_stats(rgb)
    scale = pixels.display_scale(rgb.shape, 300)
    columns = st.columns(4)
    for column, name, channel, stat in zip(columns, pixels.CHANNELS, channels, stats):
        show_picture(column, pixels.rescale_for_display(display.colour_to_uint8(channel), scale), stretch=True,
                     caption=f"{name} as grey · min {stat['min']:g} · mean {stat['mean']:.2f} · max {stat['max']:g}")
    recombined = merged.mean(axis=(0, 1))
    show_picture(columns[3], pixels.rescale_for_display(display.colour_to_uint8(merged), scale), stretch=True,
                 caption="recombined · mean per channel " + ", ".join(f"{m:.2f}" for m in recombined))
    if choice != "Your colour image":
        st.caption("In fundus photographs the green channel shows vessels and small bleeds with the most contrast; "
                   "the red one is bright and flat, the blue one dark. Many analyses keep only the green channel "
                   "(the microaneurysms sample is such a green channel).")
    show_code(snip.channels_snippet(lines, keep))


colour_section()


# --- signal and noise ------------------------------------------------------------------------------

def ratio_text(value: float) -> str:
    if np.isnan(value):
        return "undefined"
    return "∞" if np.isinf(value) and value > 0 else f"{value:.3g}"


def db_text(value: float) -> str:
    if np.isnan(value) or value <= 0:
        return "undefined"
    return "∞ dB" if np.isinf(value) else f"{snr_db(value):.1f} dB"


@st.fragment(key="px-noise")
def noise_section() -> None:
    """Signal and background regions, added noise, and the signal-to-noise ratio before and after."""
    st.header("Signal and noise")
    explain(
        "Every measured image is **signal** (what we want to see) plus **noise** (random variation from the "
        "detector, the electronics, the counting of photons). *You* decide what is signal and what is "
        "background: place the two boxes, add noise, and follow the signal-to-noise ratio "
        "**SNR = mean(signal) / std(background)**, also in decibels: **20 log₁₀(SNR)**."
    )
    grey, colour_to = image, None
    if colour:
        colour_to = st.columns(3)[0].selectbox("Work on", ["grey", "red", "green", "blue"], key=f"px-noise-channel-{tag}",
                                 help="Noise and SNR are measured on one grey image: the grey value (weighted "
                                      "sum of the channels) or one channel.")
        grey = pixels.to_grey(image) if colour_to == "grey" else image[..., pixels.CHANNELS.index(colour_to)]
    grey = np.asarray(grey, dtype=np.float64)
    if not np.isfinite(grey).all():
        grey = np.where(np.isfinite(grey), grey, lo)
    rows, cols = grey.shape
    if min(rows, cols) < 4:
        st.warning(f"This image is only {rows} × {cols} pixels: too small to place a signal and a background "
                   "region.", icon=":material/warning:")
        return
    placed_on = np.asarray(pixels.to_grey(image), dtype=np.float64) if colour else grey  # one place per image
    placed_on = np.where(np.isfinite(placed_on), placed_on, lo)
    (sig_r, sig_c), (bg_r, bg_c) = pixels.regions_from_image(placed_on)  # darkest box, and inside the object
    regions = st.expander("Move the two regions") if lecturer_mode() else st.container()
    signal_col, background_col = regions.columns(2)
    with signal_col:
        st.markdown("**Signal region** (blue box)")
        sig_r = st.slider("Signal rows", 0, rows - 1, sig_r, key=f"px-sig-rows-{tag}")
        sig_c = st.slider("Signal columns", 0, cols - 1, sig_c, key=f"px-sig-cols-{tag}")
    with background_col:
        st.markdown("**Background region** (orange box)")
        bg_r = st.slider("Background rows", 0, rows - 1, bg_r, key=f"px-bg-rows-{tag}")
        bg_c = st.slider("Background columns", 0, cols - 1, bg_c, key=f"px-bg-cols-{tag}")
    g_lo, g_hi = pixels.value_range(grey)
    span = g_hi - g_lo
    kind_col, strength_col, seed_col = st.columns(3)
    kind = kind_col.selectbox("Noise", NOISE_KINDS, key=f"px-noise-kind-{tag}", format_func=str.capitalize,
                              help="Gaussian: electronics · salt and pepper: dead or stuck pixels · Poisson: "
                                   "counting X-ray photons · Rician: MRI magnitude images.")
    if kind == "salt and pepper":
        strength = strength_col.slider("Fraction of pixels hit", 0.0, 0.5, 0.05, 0.01, key=f"px-noise-sp-{tag}")
    elif kind == "poisson":
        photons = strength_col.select_slider("Photons at the brightest pixel", PHOTONS, 100, key=f"px-noise-ph-{tag}",
                                             help="Fewer photons, more noise: a count of N photons varies by about √N.")
        strength = pixels.poisson_strength(photons, grey)
    else:
        step = 1.0 if span > 50 else max(span, 1.0) / 500
        top = float(max(span / 2, 50 * step))
        strength = strength_col.slider("Standard deviation σ (image units)", 0.0, top,
                                       float(np.round(0.05 * max(span, 1.0) / step) * step), step,
                                       key=f"px-noise-sigma-{kind}-{tag}")
    seed = 0
    if not lecturer_mode():
        seed = int(seed_col.number_input("Seed", 0, 1_000_000, 0, step=1, key=f"px-noise-seed-{tag}",
                                         help="The same seed gives the same noise, so results can be reproduced."))
    noisy = add_noise(grey, kind, strength, seed)
    signal_mask = pixels.region_mask(grey.shape, sig_r, sig_c)
    background_mask = pixels.region_mask(grey.shape, bg_r, bg_c)
    before, after = snr(grey, signal_mask, background_mask), snr(noisy, signal_mask, background_mask)
    width, level = display.auto_window(grey)
    scale = pixels.display_scale(grey.shape)
    shown = pixels.rescale_for_display(pixels.to_display_rgb(noisy, width, level), scale)
    shown = pixels.draw_outline(shown, sig_r, sig_c, SIGNAL_COLOUR, scale)
    shown = pixels.draw_outline(shown, bg_r, bg_c, BACKGROUND_COLOUR, scale)
    picture, numbers = st.columns([3, 2])
    show_picture(picture, shown, caption=f"With {kind} noise (same window as the original)")
    with numbers:
        a, b = st.columns(2)
        a.metric("SNR of the original", ratio_text(before))
        b.metric("SNR with noise", ratio_text(after))
        a.metric("original, in dB", db_text(before))
        b.metric("with noise, in dB", db_text(after))
        rows_of = {"signal mean": [], "background mean": [], "background std": []}
        for img in (grey, noisy):
            s, bg = pixels.region_stats(img, signal_mask), pixels.region_stats(img, background_mask)
            rows_of["signal mean"].append(s["mean"])
            rows_of["background mean"].append(bg["mean"])
            rows_of["background std"].append(bg["std"])
        st.dataframe(pd.DataFrame(rows_of, index=["original", "with noise"]).T.map(lambda v: f"{v:.4g}"),
                     width="stretch")
        st.caption(f"Signal: {int(signal_mask.sum()):,} pixels · background: {int(background_mask.sum()):,} pixels.")
    if np.isinf(before):
        st.caption("The original background has no variation at all (std 0), so its SNR is infinite: a synthetic, "
                   "masked or heavily processed image. Real scans always carry some noise.")
    if (signal_mask & background_mask).any():
        st.warning("The two regions overlap: the background should hold no signal.", icon=":material/warning:")
    bg_mean, sig_mean = pixels.region_stats(grey, background_mask)["mean"], pixels.region_stats(grey, signal_mask)["mean"]
    if bg_mean > sig_mean:
        st.warning(f"The background box is brighter than the signal box (mean {bg_mean:.4g} against {sig_mean:.4g}): "
                   "it sits on the object, so this SNR means nothing. Move the orange box to a dark, empty "
                   "part of the image.", icon=":material/warning:")
    if volume.modality == "CT":
        st.caption("This image has negative values (CT in Hounsfield units puts water at 0 and air at −1000), so "
                   "mean(signal) depends on where zero lies: compare SNRs of the same regions as the noise changes, "
                   "not across modalities.")
    elif g_lo < 0:
        st.caption("This image has negative values, so mean(signal) depends on where zero lies: compare SNRs of "
                   "the same regions as the noise changes, not across images.")
    st.info(
        "**Garbage in, garbage out.** Every later step (thresholding, segmentation, registration, a neural "
        "network) works on these numbers. When noise is as large as the differences between tissues, no "
        "algorithm can tell them apart reliably; filters can trade noise for blur, but cannot restore "
        "what the acquisition did not capture.", icon=":material/delete:")
    show_code(snip.snr_snippet(image_lines(colour_to), (sig_r, sig_c), (bg_r, bg_c), kind, strength, seed))


noise_section()


# --- self-check ------------------------------------------------------------------------------------

what = "slice" if volume.is_3d else "image"


def levels_question() -> Question:
    """A numeric question on the learner's image: the levels it uses at 3 bits (or fewer, for a tiny depth)."""
    n = min(3, max_bits)
    present = pixels.levels_present(image, n)
    hint = f" (set *Bits per value* to {n} to check)" if max_bits > 1 else ""
    return Question(
        f"Re-quantise this {what} to **{n} bit{'s' if n > 1 else ''}**: how many of the {2 ** n} possible levels "
        f"does it actually use?{hint}",
        f"{n} bits cut the range {lo:.6g} to {hi:.6g} into {2 ** n} equal steps; this {what}'s values fall in "
        f"{present} of them" + ("." if present == 2 ** n else ": the others lie in gaps of the histogram, or "
                                "the image holds fewer different values."),
        present)


def bytes_question() -> Question:
    """A numeric question on the learner's image: its size in memory at 16 bits per value."""
    rows, cols = image.shape[:2]
    channels = 3 if colour else 1
    _, size, _ = pixels.image_bytes(rows * cols, 16, channels)
    return Question(
        f"This {what} has {rows} × {cols} pixels{' of 3 channels' if colour else ''}. How many bytes does it take "
        "in memory at **16 bits** per value?",
        f"16 bits are 2 bytes: {rows} × {cols}{' × 3' if colour else ''} × 2 = {size:,} bytes.", size)


self_check("pixels", [
    Question("How many different values can a **2-bit** pixel take?",
             "2 bits give 2² = 4 levels: 0, 1, 2 and 3. 2² − 1 = 3 is the largest value, not the number of levels.",
             3, ("1", "2", "3", "4")),
    Question("The X is 255 in the red and the blue tables and 0 everywhere in the green one. What colour is the X "
             "on screen?",
             "Red and blue light mix to magenta: (255, 0, 255). White would need green at 255 as well.",
             2, ("Red", "Green", "Magenta", "White")),
    levels_question,
    bytes_question,
    Question("A signal region has mean **200** and the background's standard deviation is **8**. What is the SNR "
             "in decibels (one decimal)?",
             "SNR = 200 / 8 = 25, and 20 log₁₀(25) = 27.96 dB.", float(snr_db(200 / 8)), tolerance=0.1),
])
