"""Building blocks of lesson 1 ("How a computer sees an image"): pictures, metric rows, controls that follow the image.

The lesson's controls are kept in the URL under short, stable keys, so their
defaults cannot live in the key any more (as ``px-top-<image>`` once did): when
the learner picks another image, `follow_image` puts a section's controls back
to that image's defaults, and a link's values are kept on the first run.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import display, pixels, samples
from core.snippets import pixels as snip
from core.text.alt_text import describe_image
from core.text.course_text import LessonText
from core.volume import Volume
from core.io.png_writer import encode_png
from ui import picker
from ui.alt import show_figure, show_image
from ui.code import show_code
from ui.images import shaded
from ui.lesson import explain, lecturer_mode
from ui.pixel_figures import for_the_room, grids_figure
from ui.safe_text import md
from ui.viewer import PLOT_CONFIG

SEEN_KEY = "px-image-of"
"""Session key: for each group of controls, the image its values belong to."""


def follow_image(group: str, image_key, defaults: dict) -> None:
    """Put a group of controls back to their defaults when the learner has picked another image since.

    The first time a group is drawn in a session its values stay as they are
    (they may come from a link); afterwards, a new image gives the new image's
    defaults rather than values meant for another image.

    Parameters
    ----------
    group : str
        The controls' group (one per section, and one for the slice).
    image_key : hashable
        Names the image the controls now work on.
    defaults : dict
        Widget key -> this image's default, set before the widgets are drawn.
    """
    seen = st.session_state.setdefault(SEEN_KEY, {})
    if group in seen and seen[group] != image_key:
        st.session_state.update(defaults)
    seen[group] = image_key


def rgb_picture(container, rgb: np.ndarray, caption: str, stretch: bool = False) -> None:
    """An 8-bit picture (with outlines drawn on it) as PNG, at its own size unless `stretch`, with its alt text."""
    show_image(container, encode_png(rgb), describe_image(rgb, caption), caption=caption,
               width="stretch" if stretch else int(rgb.shape[1]))


def metric_columns(n: int) -> list:
    """n columns for metrics; rows of three in lecturer mode, so large labels are not cut."""
    if not lecturer_mode():
        return st.columns(n)
    return [column for start in range(0, n, 3) for column in st.columns(3)][:n]


def choose_image(volume: Volume, image_key, controls: bool = True):
    """The 2D image every section works on: the image itself, or the chosen slice (and time point).

    Parameters
    ----------
    volume : Volume
    image_key : hashable
        Names the image (its slice controls go back to the middle slice for another image).
    controls : bool
        Draw the Slice and Time point sliders (False: use their last values, for a section without them).

    Returns
    -------
    image : numpy.ndarray
        2D grey or ``(rows, cols, 3)`` colour.
    data3d : numpy.ndarray or None
        The volume (at the chosen time point) for a 3D image.
    slice_index, frame : int or None
    """
    if not volume.is_3d:
        return volume.data, None, None, None
    middle = volume.n_slices // 2
    slice_index, frame = middle, 0
    if controls:
        follow_image("slice", image_key, {"slice": middle, "frame": 0})
        columns = st.columns(2)
        if volume.n_slices > 1:
            slice_index = columns[0].slider("Slice", 0, volume.n_slices - 1, middle, key="slice",
                                            bind="query-params",
                                            help="A 3D image is a stack of 2D slices; this page works on one.")
        if volume.is_4d:
            frame = columns[1].slider("Time point", 0, volume.n_frames - 1, 0, key="frame", bind="query-params",
                                      help="A 4D image is a series of 3D volumes over time.")
    else:
        slice_index = int(np.clip(st.session_state.get("slice", middle), 0, volume.n_slices - 1))
        frame = int(np.clip(st.session_state.get("frame", 0), 0, volume.n_frames - 1))
    data = volume.frame(frame)
    return data[slice_index], data, slice_index, (frame if volume.is_4d else None)


def voxel_block(volume: Volume, data3d: np.ndarray, slice_index: int, top: int, left: int,
                window: tuple[float, float]) -> tuple[list[dict], tuple, tuple | None]:
    """The block of voxels in the middle of the zoom window, explained with the voxel size from the header.

    Returns
    -------
    panels : list of dict
        One grid per slice, for `ui.pixel_figures.grids_figure`.
    block : tuple
        ``(first slice, depth, top, left, side)`` for the code panel.
    spacing : tuple of float or None
        The voxel size in mm (slice, row, column) when the file records it.
    """
    inset = (pixels.ZOOM - pixels.BLOCK) // 2
    voxels, (first, b_top, b_left) = pixels.voxel_block(data3d, slice_index, top + inset, left + inset, pixels.BLOCK)
    spacing = tuple(float(s) for s in volume.spacing[-3:])
    ds, dr, dc = spacing
    depth, b_rows, b_cols = voxels.shape
    if volume.spacing_known and volume.frame_axis == "slices":
        explain(
            f"A 3D image is a stack of such tables. Each number is a **voxel** (volume element): a small box of "
            f"**{dr:.3g} × {dc:.3g} mm** in the slice and **{ds:.3g} mm** from one slice to the next, read from the "
            f"file's header ({volume.source_format}), so one voxel holds **{ds * dr * dc:.3g} mm³** of the patient. "
            f"Below, the middle {b_rows} × {b_cols} of the window in {depth} neighbouring slices: a block of "
            f"{depth * b_rows * b_cols} voxels, {depth * ds:.3g} × {b_rows * dr:.3g} × {b_cols * dc:.3g} mm.")
    else:  # never invented geometry
        explain(f"A stack of such tables. This file ({volume.source_format}) records no voxel size"
                + (" and its frames follow one another in time" if volume.frame_axis == "frames" else "")
                + f", so the size of a voxel in mm is unknown. Below, the middle {b_rows} × {b_cols} of the window "
                f"in {depth} neighbouring {volume.frame_axis}: a block of {depth * b_rows * b_cols} values.")
    width, level = window
    panels = [{"values": voxels[k], "top": b_top, "left": b_left, "zmin": level - width / 2, "zmax": level + width / 2,
               "scale": "grey inverted" if volume.monochrome1 else "grey",
               "title": f"slice {first + k}" + (" (the one above)" if first + k == slice_index else "")}
              for k in range(depth)]
    return panels, (first, depth, b_top, b_left, pixels.BLOCK), spacing


@st.cache_data(max_entries=2, show_spinner=False)
def range_facts(name: str) -> dict:
    """`core.pixels.stored_range_facts` of a built-in sample, its patch near the median, once per server."""
    values = picker.load_sample(name).data
    return pixels.stored_range_facts(values, float(np.median(values)))


@st.cache_data(max_entries=2, show_spinner=False)
def range_picture(name: str, rows: tuple[int, int], cols: tuple[int, int], colour: tuple[int, int, int]
                  ) -> tuple[np.ndarray, float]:
    """A built-in sample for the page with its patch outlined and pointed at, and the scale (screen pixels per pixel).

    Brought near 360 pixels a side (one pixel in n each way of a large image), MONOCHROME1 inverted as the file says.
    """
    volume = picker.load_sample(name)
    scale = pixels.display_scale(volume.data.shape, 360)
    values = pixels.rescale_for_display(volume.data, scale)
    grey = display.apply_window(values, *display.auto_window(values), invert=volume.monochrome1)
    shown = pixels.draw_outline(np.repeat(grey[..., None], 3, axis=2), rows, cols, colour, scale)
    return pixels.draw_crosshair(shown, rows, cols, colour, scale), scale


def stored_range(name: str, text: LessonText, room: bool, colour: tuple[int, int, int]) -> None:
    """Why medical images use 12 or 16 bits: a sample's value range, the bits it needs, what 8 bits would lose.

    Parameters
    ----------
    name : str
        A built-in sample read by pydicom (its code panel loads it with ``get_testdata_file``).
    text : LessonText
        Lesson 1's words (what the sample's values measure).
    room : bool
        Lecturer mode: grids sized for a room.
    colour : (int, int, int)
        The patch's outline on the picture.
    """
    st.subheader("Why medical images use 12 or 16 bits")
    sample, volume = samples.info(name), picker.load_sample(name)
    units = "HU" if sample.modality == "CT" else "stored units"
    facts = range_facts(name)
    top, left, side, patch = facts["top"], facts["left"], pixels.BLOCK, facts["patch"]
    rows, cols = (top, top + side - 1), (left, left + side - 1)
    shown, scale = range_picture(name, rows, cols, colour)
    panels = [{"values": values, "title": title, "zmin": float(patch.min()), "zmax": float(patch.max()), "top": top,
               "left": left, "scale": "grey inverted" if volume.monochrome1 else "grey"}
              for values, title in ((patch, "original values"),
                                    (facts["patch8"].round(2), "8-bit copy (level middles)"))]
    picture, grids = st.columns([1, 4] if room else [1, 2])  # a room: room for the numbers
    thinned = f", shown one pixel in {round(1 / scale)} each way" if scale < 1 else ""
    rgb_picture(picture, shown, stretch=True,
                caption=f"{md(sample.name)}: {volume.data.shape[0]:,} × {volume.data.shape[1]:,} pixels{thinned}. "
                        f"The lines point at the {side} × {side} patch beside.")
    show_figure(grids, for_the_room(grids_figure(panels, height=400 if room else 330, room=room), room),
                config=PLOT_CONFIG, key="px-range-patch")
    grids.caption(
        shaded(f"Rows {rows[0]}-{rows[1]}, columns {cols[0]}-{cols[1]} (mean {patch.mean():.4g} {units}",
               volume.monochrome1)
        + f"): {pixels.distinct_values(patch)} different values; the 8-bit copy keeps only "
        f"{pixels.distinct_values(facts['patch8'])}, each value off by up to {facts['error8']:.3g} {units}. Over the "
        f"whole image {facts['distinct']:,} values become {facts['distinct8']}.")
    low, high, need = facts["low"], facts["high"], facts["bits"]
    stored, allocated = (int(volume.metadata.get(key, 0)) for key in ("BitsStored", "BitsAllocated"))
    metrics = metric_columns(5)
    unit = " HU" if units == "HU" else ""  # a metric has room for a short unit only
    metrics[0].metric("Lowest value", f"{low:,g}{unit}")
    metrics[1].metric("Highest value", f"{high:,g}{unit}")
    metrics[2].metric("Different values", f"{facts['distinct']:,}")
    metrics[3].metric("Bits needed", need, help=f"2^{need - 1} = {2 ** (need - 1):,} < {high - low + 1:,.0f} "
                                             f"integers ≤ 2^{need} = {2 ** need:,}")
    metrics[4].metric("Bits stored in the file", f"{stored} of {allocated}",
                   help=f"The header's BitsStored ({stored}) and BitsAllocated ({allocated}): each value takes "
                        f"{allocated // 8} bytes, of which {stored} bits hold the value.")
    explain(text.explanation("bits_sample")
            + f" Its values span the {high - low + 1:,.0f} integers from {low:,g} to {high:,g}: they need **{need} "
            f"bits** ({need - 1} bits give only {2 ** (need - 1):,} levels; a CT scanner's full scale of −1024 to "
            f"3071 HU is exactly 2¹² = 4,096 values). With 8 bits, one level would span **{facts['step8']:.3g} "
            f"{units}**: details that differ by less would get the same number. The file keeps each value in "
            f"{allocated} bits ({allocated // 8} bytes) and uses {stored} of them: memory comes in whole bytes, so "
            "12 to 16 bits all take 2.")
    show_code(snip.stored_range_snippet(sample.file, units, top, left, side), key="px-code-range")
