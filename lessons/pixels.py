"""Objective 1: how a computer sees an image. Pixels and voxels, bit depth, colour channels, signal and noise."""

import functools

import numpy as np
import pandas as pd
import streamlit as st

from core import basics, describe, display, pixels, samples
from core.snippets import pixels as snip
from core.text.alt_text import describe_image
from core.data.noise import NOISE_KINDS, add_noise, snr
from core.io.png_writer import encode_png
from ui import picker
from ui.alt import show_figure, show_image
from ui.code import show_code
from ui.images import grey_ends, shaded
from ui.lesson import explain, intro, lecture_presets, lecturer_mode, lesson_text, self_check
from ui.memo import session_memo
from ui.pixel_figures import colour_grid, for_the_room, grids_figure, level_histogram_figure, value_grid
from ui.pixels_regions import SIGNAL, BACKGROUND, TARGET_KEY, apply_drawn_box, regions_figure
from ui.pixels_views import choose_image, follow_image, metric_columns, rgb_picture, stored_range, voxel_block
from ui.room import kept_editable_matrix
from ui.safe_text import md
from ui.sections import choose_section
from ui.url_state import report_ignored_link_values
from ui.viewer import PLOT_CONFIG
from ui.working_copy import bounded

TEXT = lesson_text("pixels")
# The image of "Why medical images use 12 or 16 bits": pydicom-data's chest radiograph, 15 of 16 bits stored.
BITS_SAMPLE = next(s.name for s in samples.SAMPLES if s.file == "RG1_UNCR.dcm")
RETINA = samples.SAMPLES[8].name
X_CHOICE = "The lecture's X in red and blue"
PHOTONS = (1, 3, 10, 30, 100, 300, 1000, 3000, 10000)
WINDOW_COLOUR = (0, 230, 255)

st.title(f"{TEXT.number} · {TEXT.title}")
intro(TEXT)
picker.show_upload_error()
current = picker.current()
volume = bounded(current.volume)  # a huge upload: a strided working copy, said on the page
image_key = (current.key, volume.data.shape)
lecture_presets(TEXT)
section = choose_section(TEXT)
room = lecturer_mode()
colour = volume.rgb
inverted = volume.low_values_white
what = "slice" if volume.is_3d else "image"


def your_image():
    """One line on the image a section works on (and its Slice and Time point sliders); the chosen 2D image."""
    chosen = choose_image(volume, image_key)
    image, _, slice_index, frame = chosen
    lo, hi = basics.value_range(image)
    where = "" if slice_index is None else f" · slice {slice_index}" + ("" if frame is None else f", time point {frame}")
    details = "" if room else (f" · type {volume.data.dtype} · values from **{lo:.6g}** to **{hi:.6g}** (the whole "
                               f"{'volume' if volume.is_3d else 'image'}: {volume.data.shape})")  # a room: the figure
    st.markdown(f"**Your image: {md(volume.name)}**{where} · {image.shape[0]} rows × {image.shape[1]} columns"
                f"{' × 3 channels' if colour else ''}{details}")
    if image.dtype.kind == "f" and not np.isfinite(image).all():
        st.warning("This image holds values that are not numbers (NaN or infinity). The views show them as level 0 "
                   "or black, and the noise section replaces them by the smallest value.", icon=":material/warning:")
    if image.size and lo == hi:
        st.warning(f"Every pixel of this image has the same value ({lo:.6g}): there is nothing to see, but every "
                   "number below is still computed from it.", icon=":material/warning:")
    if current.is_upload:
        st.download_button(f"Download this {'volume' if volume.is_3d else 'image'} as {snip.UPLOAD_FILE} for the "
                           "code panels", data=lambda: snip.npy_bytes(chosen[1] if volume.is_3d else image),
                           file_name=snip.UPLOAD_FILE, mime="application/octet-stream", icon=":material/download:",
                           on_click="ignore", help="The code panels of this page read your image from this file.")
    return chosen


def image_lines(slice_index, frame, colour_to: str | None = None) -> str:
    """The code panels' first lines: the image this page works on, loaded as a learner would."""
    return snip.image_code(None if current.is_upload else current.sample.name, slice_index, frame, colour_to)


@st.fragment(key="px-x")
def pixels_section(_chosen) -> None:
    """The lecture's 6 × 6 X: an editable table of numbers and the picture it makes (not the learner's image)."""
    if st.session_state.pop("px-x-preset", False):  # the preset starts the table again from the X
        st.session_state["px-x-version"] = st.session_state.get("px-x-version", 0) + 1
    version = st.session_state.setdefault("px-x-version", 0)
    table_col, picture_col = st.columns([1, 1] if room else [2, 3])
    with table_col:
        start = pd.DataFrame(pixels.x_matrix(), columns=[str(c) for c in range(pixels.X_SIZE)])
        editing = room or st.toggle("Edit the numbers", key="px-x-edit", bind="query-params",
                                    help="The table becomes an editable grid: arrow keys move, a number typed "
                                         "replaces a cell. Your numbers are kept while you look elsewhere.")
        edited = kept_editable_matrix(start, f"px-x-{version}", editing, width="stretch", num_rows="add",  # no sorting
                                      column_config={str(c): st.column_config.NumberColumn(str(c), step=1)
                                                     for c in range(pixels.X_SIZE)})
        st.caption(TEXT.explanation("x_caption"))
    matrix = np.nan_to_num(edited.to_numpy(dtype=np.float64))
    caption = "The same numbers as a picture: one square per pixel, the smallest value black, the largest white"
    # a picture, not a chart: its numbers are in the table beside it
    show_image(picture_col, encode_png(pixels.cells_picture(matrix)), describe_image(matrix, caption),
               caption=caption, width="stretch" if room else "content", output_format="PNG")
    explain(TEXT.explanation("x"))
    show_code(snip.x_snippet(matrix), key="px-code-x")


@st.fragment(key="px-zoom")
def zoom_section(chosen) -> None:
    """A 12 × 12 window of the chosen image with every value printed, and a block of voxels for 3D."""
    image, data3d, slice_index, frame = chosen
    rows, cols = image.shape[:2]
    size = pixels.ZOOM
    follow_image("zoom", image_key, {"top": max(rows - size, 0) // 2, "left": max(cols - size, 0) // 2})
    picture, top_col, left_col = st.columns([1, 2, 2]) if room else (None, *st.columns(2))  # a room: grid full width
    top = left = 0
    if rows > size:
        top = top_col.slider("Window's top row", 0, rows - size, (rows - size) // 2, key="top", bind="query-params")
    if cols > size:
        left = left_col.slider("Window's left column", 0, cols - size, (cols - size) // 2, key="left",
                               bind="query-params")
    window, (top, left) = pixels.zoom_window(image, top, left, size)
    width, level = display.auto_window(image)
    whole = pixels.to_display_rgb(image, width, level, invert=inverted)
    scale = pixels.display_scale(image.shape)
    rows_in, cols_in = (top, top + window.shape[0] - 1), (left, left + window.shape[1] - 1)
    shown = pixels.draw_outline(pixels.rescale_for_display(whole, scale), rows_in, cols_in, WINDOW_COLOUR, scale)
    if window.shape[0] * scale < 16:  # a few screen pixels only: lines lead the eye to it
        shown = pixels.draw_crosshair(shown, rows_in, cols_in, WINDOW_COLOUR, scale)
    picture, numbers = (picture, st.container()) if room else st.columns([2, 3])
    title = f"Rows {rows_in[0]}-{rows_in[1]}, columns {cols_in[0]}-{cols_in[1]}"
    if colour:
        figure = colour_grid(whole[top:top + size, left:left + size], window, top, left, title,
                             height=560, room=room)
        numbers.caption("Each colour pixel holds three numbers: red, green and blue (top to bottom).")
    else:
        figure = value_grid(window, top, left, level - width / 2, level + width / 2, title, height=640 if room else 520,
                            scale="grey inverted" if inverted else "grey", room=room)
    show_figure(numbers, for_the_room(figure, room), config=PLOT_CONFIG, key="px-zoom-figure")
    rgb_picture(picture, shown, stretch=True,
                caption=shaded(f"The whole {what}, {rows} × {cols} pixels, the window in cyan"
                               + ("" if scale == 1 else f" (shown {scale:g}× {'larger' if scale > 1 else 'smaller'})"),
                               inverted))
    explain(f"Your image is a table too. Move the {size} × {size} window (the cyan square) with the sliders: every "
            "number inside it is printed in its cell. Hover over a cell for its row and column.")
    block = spacing = None
    if data3d is not None and not colour:
        st.subheader("Voxels: the same in 3D")
        panels, block, spacing = voxel_block(volume, data3d, slice_index, top, left, (width, level))
        show_figure(st, for_the_room(grids_figure(panels, height=440 if room else 360, room=room), room),
                    config=PLOT_CONFIG, key="px-block-figure")
    show_code(snip.zoom_snippet(image_lines(slice_index, frame), top, left, size, colour, block, spacing),
              key="px-code-zoom")


@st.fragment(key="px-bits")
def bit_depth_section(chosen) -> None:
    """Re-quantise the chosen image to n bits (picture, histogram, levels present, bytes), and why 12-16 bits."""
    image, _, slice_index, frame = chosen
    source_bits = describe.bit_depth(volume)
    max_bits = int(np.clip(source_bits, 1, pixels.MAX_BITS))
    follow_image("bits", image_key, {"bits": min(8, max_bits)})
    if st.session_state.get("bits", 1) > max_bits:  # a preset's depth beyond this image's
        st.session_state["bits"] = max_bits
    figure_area, n = st.container(), max_bits  # the figure above its slider
    if max_bits > 1:
        n = st.slider("Bits per value, n", 1, max_bits, min(8, max_bits), key="bits", bind="query-params",
                      help=f"Up to the {source_bits} bits of the source (at most {pixels.MAX_BITS}): "
                           "re-quantising cannot add information the file does not hold.")
    levels = pixels.quantise(image, n)
    channels = [levels[..., c] for c in range(3)] if colour else [levels]
    counts = [(name, pixels.level_counts(c, n)) for name, c in zip(pixels.CHANNELS if colour else ["grey"], channels)]
    picture, histogram = figure_area.columns([2, 3])
    shown = pixels.rescale_for_display(pixels.levels_to_uint8(levels, n, invert=inverted),
                                       pixels.display_scale(image.shape, 360))
    ends = grey_ends(inverted)
    rgb_picture(picture, shown, stretch=True,
                caption=shaded(f"{n} bit{'s' if n > 1 else ''}: {2 ** n:,} levels from {ends[0]} (0) to {ends[1]} "
                               f"({2 ** n - 1:,})", inverted))
    starts, _, per_bin = pixels.level_histogram(counts[0][1])
    grouped = [(name, pixels.level_histogram(c)[1]) for name, c in counts]
    show_figure(histogram, for_the_room(level_histogram_figure(starts, grouped, per_bin, n), room), config=PLOT_CONFIG,
                key="px-bits-histogram")
    lo, hi = basics.value_range(image)
    per_pixel, per_image, packed = pixels.image_bytes(image.shape[0] * image.shape[1], n, 3 if colour else 1)
    metrics = metric_columns(5)
    metrics[0].metric("Levels possible", f"{2 ** n:,}", help=f"2^{n} = {2 ** n:,}: the values 0 to {2 ** n - 1:,}")
    metrics[1].metric("Levels present", f"{pixels.levels_present(image, n):,}",
                      help="Different levels that actually occur in the image.")
    metrics[2].metric("Bytes per pixel", per_pixel, help="n bits rounded up to a whole number type (uint8 up to 8 "
                      "bits, uint16 up to 16)" + (", × 3 channels" if colour else "") + ".")
    metrics[3].metric("Bytes per image", f"{per_image:,}",
                      help=f"{image.shape[0]} × {image.shape[1]} pixels × {per_pixel} bytes.")
    metrics[4].metric("Bytes if bits packed", f"{packed:,.0f}", help="Pixels × channels × n / 8: no bit wasted.")
    st.markdown(f"The file stores **{source_bits} bits** per value and this {what} holds "
                f"**{pixels.distinct_values(image):,}** different values. *n* bits cut its range ({lo:.6g} to "
                f"{hi:.6g}) into 2ⁿ equal steps, numbered 0 to 2ⁿ − 1. "
                + pixels.bit_depth_notes(image, n, "HU" if volume.modality == "CT" else "units of the image"))
    explain(TEXT.explanation("bit_depth"))
    rule = [(b, pixels.level_count(b)) for b in (1, 2, 4, 8, 12, 16)]
    st.table(pd.DataFrame({"bits n": [b for b, _ in rule], "levels 2ⁿ": [c for _, c in rule],  # a plain HTML table
                           "values": [f"0 to {c - 1}" for _, c in rule],
                           "bytes per value in memory": [pixels.bytes_per_sample(b) for b, _ in rule]}),
             hide_index=True, width="content")
    show_code(snip.quantise_snippet(image_lines(slice_index, frame), n), key="px-code-bits")


@st.fragment(key="px-colour")
def colour_section(chosen) -> None:
    """Split a colour image into red, green and blue, and recombine the channels chosen."""
    own = colour and volume.name != RETINA
    choices = [X_CHOICE, RETINA] + (["Your colour image"] if own else [])
    if st.session_state.get("colour", X_CHOICE) not in choices:  # "Your colour image", and the image is grey now
        st.session_state["colour"] = X_CHOICE
    figure_area = st.container()  # the first figure above the controls that shape it
    choice = st.radio("Image", choices, horizontal=True, key="colour", bind="query-params")
    keep = tuple(col.toggle(name.capitalize(), True, key=name, bind="query-params")
                 for col, name in zip(st.columns(3), pixels.CHANNELS))
    if choice == X_CHOICE:
        rgb = pixels.magenta_x()
        channels = pixels.split_channels(rgb)
        panels = [{"values": channel, "title": f"{name} channel", "scale": name, "zmin": 0, "zmax": 255}
                  for name, channel in zip(pixels.CHANNELS, channels)]
        show_figure(figure_area, for_the_room(grids_figure(panels, height=420 if room else 300, room=room), room),
                    config=PLOT_CONFIG, key="px-x-channels")
        text, picture = st.columns([2, 3])
        text.markdown("The X is **255** in the red and the blue tables and **0** everywhere in the green one. Each "
                      "pixel of the recombined image is the triple (red, green, blue) read from the same row and "
                      f"column of the three tables.\n\nChannels on: {pixels.channel_mix(keep)}.")
        figure = colour_grid(pixels.merge_channels(*channels, keep=keep),
                             title="Recombined: (red, green, blue) in each pixel", height=560 if room else 400,
                             room=room)
        show_figure(picture, for_the_room(figure, room), config=PLOT_CONFIG, key="px-x-merged")
        explain(TEXT.explanation("colour"))
        show_code(snip.magenta_snippet(keep), key="px-code-magenta")
        return
    if choice == "Your colour image":
        rgb, _, slice_index, frame = chosen  # the slice the other sections chose
        lines = image_lines(slice_index, frame)
    else:
        rgb, lines = picker.load_sample(RETINA).data, snip.image_code(RETINA)
    channels = pixels.split_channels(rgb)
    merged = pixels.merge_channels(*channels, keep=keep)
    scale = pixels.display_scale(rgb.shape, 300)
    columns = figure_area.columns(4)
    for column, name, channel, stat in zip(columns, pixels.CHANNELS, channels, pixels.channel_stats(rgb)):
        rgb_picture(column, pixels.rescale_for_display(display.colour_to_uint8(channel), scale), stretch=True,
                    caption=f"{name} as grey · min {stat['min']:g} · mean {stat['mean']:.2f} · max {stat['max']:g}")
    rgb_picture(columns[3], pixels.rescale_for_display(display.colour_to_uint8(merged), scale), stretch=True,
                caption="recombined · mean per channel " + ", ".join(f"{m:.2f}" for m in merged.mean(axis=(0, 1))))
    explain(TEXT.explanation("colour"))
    if choice != "Your colour image":
        st.caption(TEXT.explanation("fundus"))
    show_code(snip.channels_snippet(lines, keep), key="px-code-channels")


@st.fragment(key="px-noise")
def noise_section(chosen) -> None:
    """Signal and background boxes (drawn on the picture or set with sliders), added noise, and the SNR."""
    image, _, slice_index, frame = chosen
    lo = basics.value_range(image)[0]
    grey, colour_to = image, None
    if colour:
        colour_to = st.columns(3)[0].selectbox(
            "Work on", ["grey", "red", "green", "blue"], key="channel", bind="query-params",
            help="Noise and SNR are measured on one grey image: the grey value (scikit-image's rgb2gray) or one "
                 "channel.")
        grey = basics.to_grey(image) if colour_to == "grey" else image[..., pixels.CHANNELS.index(colour_to)]
    grey = np.where(np.isfinite(grey), grey, lo).astype(np.float64)
    rows, cols = grey.shape
    if min(rows, cols) < 4:
        st.warning(f"This image is only {rows} × {cols} pixels: too small to place a signal and a background "
                   "region.", icon=":material/warning:")
        return
    placed_on = basics.to_grey(image) if colour else grey  # the boxes start in one place per image
    (sig_r, sig_c), (bg_r, bg_c) = session_memo("pixels", ("regions", image_key, slice_index, frame),
                                                lambda: pixels.regions_from_image(placed_on))
    follow_image("regions", image_key, {"sig-rows": sig_r, "sig-cols": sig_c, "bg-rows": bg_r, "bg-cols": bg_c})
    span = float(np.ptp(grey))
    step = 1.0 if span > 50 else max(span, 1.0) / 500
    sigma = float(np.round(0.05 * max(span, 1.0) / step) * step)
    follow_image("noise", (image_key, colour_to), {"sigma": sigma})
    figure_area, controls = st.container(), st.container()  # the controls are read first, drawn below the picture
    controls.segmented_control("Drag a box on the picture to place the", [SIGNAL, BACKGROUND], default=SIGNAL,
                               required=True, key=TARGET_KEY, format_func=lambda n: f"{n} box",
                               help="Drag on the picture: the box you draw becomes the signal (blue) or the "
                                    "background (orange) region. The sliders below set the same boxes from the keyboard.")
    regions = controls.expander("Move the two regions") if room else controls.container()
    signal_col, background_col = regions.columns(2)
    signal_col.markdown("**Signal region** (blue box)")
    sig_r = signal_col.slider("Signal rows", 0, rows - 1, sig_r, key="sig-rows", bind="query-params")
    sig_c = signal_col.slider("Signal columns", 0, cols - 1, sig_c, key="sig-cols", bind="query-params")
    background_col.markdown("**Background region** (orange box)")
    bg_r = background_col.slider("Background rows", 0, rows - 1, bg_r, key="bg-rows", bind="query-params")
    bg_c = background_col.slider("Background columns", 0, cols - 1, bg_c, key="bg-cols", bind="query-params")
    kind_col, strength_col, seed_col = controls.columns(3)
    kind = kind_col.selectbox("Noise", NOISE_KINDS, key="noise", bind="query-params", format_func=str.capitalize,
                              help="Gaussian: electronics · salt and pepper: dead or stuck pixels · Poisson: "
                                   "counting X-ray photons · Rician: MRI magnitude images.")
    if kind == "salt and pepper":
        strength = strength_col.slider("Fraction of pixels hit", 0.0, 0.5, 0.05, 0.01, key="sp", bind="query-params")
    elif kind == "poisson":
        photons = strength_col.select_slider("Photons at the brightest pixel", PHOTONS, 100, key="photons",
                                             bind="query-params", help="Fewer photons, more noise: a count of N "
                                                                       "photons varies by about √N.")
        strength = pixels.poisson_strength(photons, grey)
    else:
        strength = strength_col.slider("Standard deviation σ (image units)", 0.0, float(max(span / 2, 50 * step)),
                                       sigma, step, key="sigma", bind="query-params")
    seed = 0 if room else int(seed_col.number_input(
        "Seed", 0, 1_000_000, 0, step=1, key="seed", bind="query-params",
        help="The same seed gives the same noise, so results can be reproduced."))
    noisy = add_noise(grey, kind, strength, seed)
    signal_mask = pixels.region_mask(grey.shape, sig_r, sig_c)
    background_mask = pixels.region_mask(grey.shape, bg_r, bg_c)
    before, after = snr(grey, signal_mask, background_mask), snr(noisy, signal_mask, background_mask)
    width, level = display.auto_window(grey)
    scale = pixels.display_scale(grey.shape)
    shown = pixels.rescale_for_display(pixels.to_display_rgb(noisy, width, level, invert=inverted), scale)
    boxes = {SIGNAL: (sig_r, sig_c), BACKGROUND: (bg_r, bg_c)}
    picture, numbers = figure_area.columns([3, 2])
    alt = (describe_image(shown, f"{what} with {kind} noise") + f" Signal box (blue): rows {sig_r[0]}-{sig_r[1]}, "
           f"columns {sig_c[0]}-{sig_c[1]}; background box (orange): rows {bg_r[0]}-{bg_r[1]}, columns "
           f"{bg_c[0]}-{bg_c[1]}.")
    figure = for_the_room(regions_figure(shown, scale, boxes, encode_png(shown), height=520 if room else 460), room)
    show_figure(picture, figure, alt=alt,
                config=PLOT_CONFIG, key="px-regions", on_select=functools.partial(apply_drawn_box, "px-regions",
                                                                                  grey.shape),
                selection_mode="box")
    picture.caption(f"With {kind} noise ({shaded('same window as the original', inverted)}). Drag a box "
                    f"to place the "
                    f"{st.session_state.get(TARGET_KEY) or SIGNAL} region.")
    a, b = numbers.columns(2)
    a.metric("SNR of the original", pixels.ratio_text(before))
    b.metric("SNR with noise", pixels.ratio_text(after))
    a.metric("original, in dB", pixels.db_text(before))
    b.metric("with noise, in dB", pixels.db_text(after))
    table = pixels.region_table({"original": grey, "with noise": noisy}, signal_mask, background_mask)
    numbers.table(pd.DataFrame(table, index=["original", "with noise"]).T.map(lambda v: f"{v:.4g}"))
    numbers.caption(f"Signal: {int(signal_mask.sum()):,} pixels · background: {int(background_mask.sum()):,} pixels.")
    if np.isinf(before):
        st.caption(TEXT.explanation("infinite_snr"))
    if (signal_mask & background_mask).any():
        st.warning("The two regions overlap: the background should hold no signal.", icon=":material/warning:")
    sig_mean, bg_mean = table["signal mean"][0], table["background mean"][0]
    if bg_mean > sig_mean:
        st.warning(f"The background box is brighter than the signal box (mean {bg_mean:.4g} against {sig_mean:.4g}): "
                   "it sits on the object, so this SNR means nothing. Move the orange box to a dark, empty "
                   "part of the image.", icon=":material/warning:")
    if volume.modality == "CT":
        st.caption(TEXT.explanation("negative_ct"))
    elif lo < 0:
        st.caption(TEXT.explanation("negative"))
    explain(TEXT.explanation("noise"))
    st.info(TEXT.explanation("garbage_in"), icon=":material/delete:")
    show_code(snip.snr_snippet(image_lines(slice_index, frame, colour_to), (sig_r, sig_c), (bg_r, bg_c), kind,
                               strength, seed), key="px-code-snr")


# Each section is a fragment: its controls rerun it alone. The image and its Slice slider stay outside, so a new
# slice reruns the page and the questions below follow it.
chosen = your_image() if section in ("Zoom", "Bit depth", "Signal and noise") else choose_image(volume, image_key,
                                                                                                 controls=False)
{"Pixels": pixels_section, "Zoom": zoom_section, "Bit depth": bit_depth_section, "Colour": colour_section,
 "Signal and noise": noise_section}[section](chosen)
if section == "Bit depth":
    stored_range(BITS_SAMPLE, TEXT, room, WINDOW_COLOUR)  # its own figure: a step of Bits (a fragment) leaves it
image = chosen[0]
self_check("pixels", [*TEXT.questions,
                      lambda: pixels.levels_question(image, int(np.clip(describe.bit_depth(volume), 1,
                                                                        pixels.MAX_BITS)), what),
                      lambda: pixels.bytes_question(image.shape[0], image.shape[1], colour, what)])
report_ignored_link_values()
