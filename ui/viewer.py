"""Image and volume viewers: a 2D view with values on hover, and three orthogonal planes for 3D."""

from __future__ import annotations

import numpy as np
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from PIL import Image

from core import display
from core.text.alt_text import describe_image, slice_alt
from core.basics import value_range
from core.io.orientation import voxel_to_world
from core.volume import Volume
from core.io.png_writer import encode_png
from ui.alt import show_figure, show_image
from ui.memo import session_memo

MAX_HEATMAP_SIDE = 256
"""Larger images are sampled every n-th pixel for the hover view (values stay exact where shown)."""

LINK = "query-params"
"""How the viewer's controls are bound: to the link, under their keys."""

PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def index_slider(container, label: str, count: int, key: str, default: int | None = None,
                 bind: str | None = None) -> int:
    """A slider over ``0 .. count - 1``; with a single position there is nothing to slide, so it says so.

    ``bind="query-params"`` keeps it in the link (its key is then the link's parameter: short and stable).
    """
    if count <= 1:
        container.caption(f"{label}: 0 (the only one)")
        return 0
    return container.slider(label, 0, count - 1, count // 2 if default is None else default, key=key, bind=bind)


def image_id(volume: Volume) -> str:
    """A name for the image a control's state belongs to (its name and shape)."""
    return f"{volume.name}|{volume.data.shape}"


def start_over_on_new_image(marker: str, volume: Volume, defaults) -> None:
    """When the image changed since the controls were last drawn, set them to their defaults for the new one.

    The first time (a link's values may be waiting for the controls) nothing is reset.

    Parameters
    ----------
    marker : str
        The session key remembering which image the controls belong to.
    volume : Volume
        The image now shown.
    defaults : callable
        Returns ``{widget key: value}`` for the new image (called only when it is needed).
    """
    image = image_id(volume)
    if st.session_state.get(marker, image) != image:
        st.session_state.update(defaults())
    st.session_state[marker] = image


def window_presets(volume: Volume) -> dict[str, tuple[float, float]]:
    """The window presets of an image (all its slices and time points): auto (1st-99th percentile), full range,
    and CT's named windows for CT."""
    lo, hi = value_range(volume.data)
    if hi <= lo:
        hi = lo + 1.0
    presets = {"auto (1st-99th percentile)": display.auto_window(volume.data), "full range": (hi - lo, (hi + lo) / 2)}
    if volume.modality == "CT":
        presets.update({f"CT {name} ({w:g}/{l:g})": (w, l) for name, (w, l) in display.CT_WINDOWS.items()})
    return {name: (float(w), float(l)) for name, (w, l) in presets.items()}


def window_controls(volume: Volume, key: str) -> tuple[float, float]:
    """Preset and width/level sliders for a grey image, bound to the URL; returns ``(width, level)``.

    The sliders serve the whole image (every slice and time point), so their ranges stay put while the
    slices change. A preset sets both sliders; the sliders then fine-tune.
    """
    presets, (lo, hi), integer = session_memo("viewer", image_id(volume), lambda: (
        window_presets(volume), value_range(volume.data), volume.data.dtype.kind in "iu"))
    preset_key, width_key, level_key = f"{key}_window", f"{key}_width", f"{key}_level"
    start_over_on_new_image(f"{key}-window-for", volume, lambda: {
        preset_key: next(iter(presets)), width_key: next(iter(presets.values()))[0],
        level_key: next(iter(presets.values()))[1]})

    def apply_preset() -> None:
        st.session_state[width_key], st.session_state[level_key] = presets[st.session_state[preset_key]]

    choice = st.selectbox("Window preset (width/level)", list(presets), key=preset_key, on_change=apply_preset,
                          bind=LINK,
                          help="The window maps `width` values centred on `level` to the 256 greys of the screen.")
    width, level = presets[choice]
    span = max(hi - lo, 1e-6)
    step = 1.0 if span > 20 and integer else span / 200
    widest = max((w for w, _ in presets.values()), default=span)
    cols = st.columns(2)
    width = cols[0].slider("Width", min_value=float(step), max_value=float(max(2 * span, widest)), value=float(width),
                           step=float(step), key=width_key, bind=LINK)
    low_end = min(lo - span / 2, *(l for _, l in presets.values()))
    high_end = max(hi + span / 2, *(l for _, l in presets.values()))
    level = cols[1].slider("Level", min_value=float(low_end), max_value=float(high_end), value=float(level),
                           step=float(step), key=level_key, bind=LINK)
    return width, level


def heatmap_figure(image: np.ndarray, spacing: tuple[float, float], width: float, level: float,
                   title: str = "", value_label: str = "value", invert: bool = False) -> go.Figure:
    """A grey heatmap whose hover shows row, column and the real value.

    Images larger than `MAX_HEATMAP_SIDE` are sampled every n-th pixel; the
    axes keep the true row and column numbers. `invert` reverses the grey
    scale (low values white, as a MONOCHROME1 file asks), its colour bar too;
    the values stay as they are.
    """
    step = max(1, int(np.ceil(max(image.shape[:2]) / MAX_HEATMAP_SIDE)))
    rows, cols = np.arange(0, image.shape[0], step), np.arange(0, image.shape[1], step)
    z = image[::step, ::step].astype(np.float32)
    figure = go.Figure(go.Heatmap(
        z=z, x=cols, y=rows, colorscale="gray_r" if invert else "gray",
        zmin=level - width / 2, zmax=level + width / 2,
        hovertemplate=f"row %{{y}}, col %{{x}}<br>{value_label} %{{z:.6g}}<extra></extra>",
        colorbar={"title": {"text": value_label, "side": "right"}, "thickness": 12},
    ))
    figure.update_yaxes(autorange="reversed", scaleanchor="x", scaleratio=spacing[0] / spacing[1],
                        title="row", constrain="domain")
    figure.update_xaxes(title="column", constrain="domain")
    title_text = title + (f" (every {step}th pixel shown)" if step > 1 else "")
    figure.update_layout(title=title_text, margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10}, height=460)
    return figure


def colour_figure(image: np.ndarray, title: str = "") -> go.Figure:
    """An RGB image; hover shows row, column and the red, green and blue values."""
    step = max(1, int(np.ceil(max(image.shape[:2]) / (2 * MAX_HEATMAP_SIDE))))
    figure = px.imshow(display.colour_to_uint8(image[::step, ::step]),
                       x=np.arange(0, image.shape[1], step), y=np.arange(0, image.shape[0], step))
    figure.update_layout(title=title, margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10}, height=460)
    return figure


LABEL_COLOUR, CURSOR_COLOUR = (255, 211, 61), (0, 200, 255)


def plane_picture(grey: np.ndarray, labels: tuple[str, str, str, str], cross: tuple[float, float]) -> np.ndarray:
    """One plane of the 3D viewer as an RGB picture: the windowed slice, the cursor lines and the edge labels.

    A picture, not an interactive chart: the planes have nothing to hover, and a slice change redraws three.

    Parameters
    ----------
    grey : (rows, cols) uint8
        The windowed slice, already at equal aspect.
    labels : (str, str, str, str)
        The anatomical labels of its top, bottom, left and right edges.
    cross : (float, float)
        The cursor's row and column on this picture.

    Returns
    -------
    (rows', cols', 3) uint8
        Enlarged to at least 256 pixels a side (nearest neighbour), so the labels stay readable.
    """
    from PIL import ImageDraw, ImageFont

    zoom = max(1, int(np.ceil(256 / max(grey.shape))))
    picture = Image.fromarray(np.repeat(np.repeat(grey, zoom, 0), zoom, 1)).convert("RGB")
    height, width = picture.height, picture.width
    draw = ImageDraw.Draw(picture)
    row, col = cross[0] * zoom + zoom / 2, cross[1] * zoom + zoom / 2
    draw.line([(0, row), (width, row)], fill=CURSOR_COLOUR, width=1)
    draw.line([(col, 0), (col, height)], fill=CURSOR_COLOUR, width=1)
    font = ImageFont.load_default(size=max(14, height // 14))
    top, bottom, left, right = labels
    margin = 3
    for text, (x, y), anchor in ((top, (width / 2, margin), "mt"), (bottom, (width / 2, height - margin), "mb"),
                                 (left, (margin, height / 2), "lm"), (right, (width - margin, height / 2), "rm")):
        draw.text((x, y), text, fill=LABEL_COLOUR, font=font, anchor=anchor, stroke_width=2, stroke_fill=(0, 0, 0))
    return np.asarray(picture)


def show_2d(volume: Volume, image: np.ndarray, key: str, title: str = "") -> None:
    """A 2D grey or colour image with window controls and hover values (values teach: plotly, zoom and hover)."""
    if volume.rgb:
        show_figure(st, colour_figure(image, title), describe_image(image, title or volume.name), config=PLOT_CONFIG,
                    key=f"{key}-colour")
        return
    width, level = window_controls(volume, key)
    if volume.low_values_white:
        st.caption("MONOCHROME1: this file asks for low values white, so the grey scale is reversed; the colour bar "
                   "and the hover show the values.")
    show_figure(st, heatmap_figure(image, volume.pixel_spacing, width, level, title,
                                   value_label="HU" if volume.modality == "CT" else "value",
                                   invert=volume.low_values_white), describe_image(
        image, f"{title or volume.name}, window {width:.4g}/{level:.4g} (width/level)"), config=PLOT_CONFIG,
        key=f"{key}-heatmap")


def show_volume(volume: Volume, key: str = "viewer") -> None:
    """The right viewer for any image: 2D, colour, 3D (three planes) or 4D (plus a time slider)."""
    if not volume.is_3d:
        show_2d(volume, volume.data, key)
    elif volume.rgb or volume.affine is None:
        _stack_viewer(volume, key)
    else:
        _three_planes(volume, key)


@st.fragment
def _stack_viewer(volume: Volume, key: str) -> None:
    """A stack without orientation (multi-page TIFF, GIF frames, multi-frame DICOM): one slider."""
    what = "Frame (time)" if volume.frame_axis == "frames" else "Frame / slice"
    start_over_on_new_image(f"{key}-frame-for", volume, lambda: {f"{key}_frame": volume.n_slices // 2})
    index = index_slider(st, what, volume.n_slices, f"{key}_frame", bind=LINK)
    show_2d(volume, volume.data[index], key, title=f"{what.split()[0].lower()} {index} of {volume.n_slices}")


@st.fragment
def _three_planes(volume: Volume, key: str) -> None:
    """Axial, coronal and sagittal planes with sliders, labels, cursor and window/level."""
    n_slices, n_rows, n_cols = volume.spatial_shape
    start_over_on_new_image(f"{key}-planes-for", volume, lambda: {
        f"{key}_time": 0, f"{key}_axial": n_slices // 2, f"{key}_coronal": n_rows // 2, f"{key}_sagittal": n_cols // 2})
    data = volume.frame(0)
    if volume.is_4d:
        t = index_slider(st, "Time point", volume.n_frames, f"{key}_time", default=0, bind=LINK)
        data = volume.frame(t)
    controls = st.columns([1, 1, 1, 1])
    k = index_slider(controls[0], "Axial slice (I→S)", n_slices, f"{key}_axial", bind=LINK)
    r = index_slider(controls[1], "Coronal slice (A→P)", n_rows, f"{key}_coronal", bind=LINK)
    c = index_slider(controls[2], "Sagittal slice (R→L)", n_cols, f"{key}_sagittal", bind=LINK)
    radiological = controls[3].toggle("Radiological (patient's right on the left)", True, key=f"{key}_radiological",
                                      bind=LINK,
                                      help="Radiology shows the patient as if facing you; neurology as if seen from behind.")
    with st.expander("Window / level", expanded=False):
        width, level = window_controls(volume, key)
    views = display.orthogonal_views(data, (k, r, c), radiological)
    spacings = display.plane_spacing(volume.spacing)
    crosses = {"axial": (r, c if radiological else n_cols - 1 - c),
               "coronal": (n_slices - 1 - k, c if radiological else n_cols - 1 - c),
               "sagittal": (n_slices - 1 - k, r)}
    columns = st.columns(3)
    positions = {"axial": (k, n_slices), "coronal": (r, n_rows), "sagittal": (c, n_cols)}
    for column, (plane, (image, labels)) in zip(columns, views.items()):
        grey = display.apply_window(image, width, level, invert=volume.monochrome1)
        dy, dx = spacings[plane]
        shown = display.equal_aspect(grey, (dy, dx))
        cross_row = crosses[plane][0] * shown.shape[0] / grey.shape[0]
        cross_col = crosses[plane][1] * shown.shape[1] / grey.shape[1]
        show_image(column, encode_png(plane_picture(shown, labels, (cross_row, cross_col))), slice_alt(
            f"{plane.capitalize()} slice", *positions[plane], (width, level), float(np.nanmin(image)),
            float(np.nanmax(image))) + " Edges: top {}, bottom {}, left {}, right {}; the cross marks the cursor.".format(
            *labels), caption=f"{plane} · {positions[plane][0]} of {positions[plane][1]}", width="stretch")
    world = voxel_to_world(volume.affine, (k, r, c))
    value = data[k, r, c]
    st.caption(
        f"Cursor: voxel (slice {k}, row {r}, col {c}) · "
        + (f"world (x {world[0]:.1f}, y {world[1]:.1f}, z {world[2]:.1f}) mm RAS" if volume.spacing_known
           else "world position unknown (no pixel size in the file)")
        + f" · value {value:.6g}{' HU' if volume.modality == 'CT' else ''} · voxel size {' × '.join(f'{s:.3g}' for s in volume.spacing) + ' mm' if volume.spacing_known else 'unknown'}"
    )
