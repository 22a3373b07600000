"""Image and volume viewers: a 2D view with values on hover, and three orthogonal planes for 3D."""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from PIL import Image

from core import display
from core.alt_text import describe_image, slice_alt
from core.orientation import voxel_to_world
from core.volume import Volume
from ui.alt import show_figure

MAX_HEATMAP_SIDE = 256
"""Larger images are sampled every n-th pixel for the hover view (values stay exact where shown)."""

PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def index_slider(container, label: str, count: int, key: str, default: int | None = None) -> int:
    """A slider over ``0 .. count - 1``; with a single position there is nothing to slide, so it says so."""
    if count <= 1:
        container.caption(f"{label}: 0 (the only one)")
        return 0
    return container.slider(label, 0, count - 1, count // 2 if default is None else default, key=key)


def _state_key(volume: Volume, key: str) -> str:
    """Widget keys that reset when another image is chosen."""
    return f"{key}-{volume.name}-{volume.data.shape}"


def window_controls(volume: Volume, image: np.ndarray, key: str) -> tuple[float, float]:
    """Preset and width/level sliders for a grey image; returns ``(width, level)``."""
    finite = image[np.isfinite(image)] if image.dtype.kind == "f" else image
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1.0
    presets = {"auto (1st-99th percentile)": display.auto_window(image), "full range": (hi - lo, (hi + lo) / 2)}
    if volume.modality == "CT":
        presets.update({f"CT {name} ({w:g}/{l:g})": (w, l) for name, (w, l) in display.CT_WINDOWS.items()})
    base = _state_key(volume, key)
    choice = st.selectbox("Window preset (width/level)", list(presets), key=f"{base}-preset",
                          help="The window maps `width` values centred on `level` to the 256 greys of the screen.")
    width, level = presets[choice]
    span = hi - lo
    step = 1.0 if span > 20 and image.dtype.kind in "iu" else span / 200
    cols = st.columns(2)
    width = cols[0].slider("Width", min_value=float(step), max_value=float(max(2 * span, width)),
                           value=float(width), step=float(step), key=f"{base}-width-{choice}")
    level = cols[1].slider("Level", min_value=float(min(lo - span / 2, level)), max_value=float(max(hi + span / 2, level)),
                           value=float(level), step=float(step), key=f"{base}-level-{choice}")
    return width, level


def heatmap_figure(image: np.ndarray, spacing: tuple[float, float], width: float, level: float,
                   title: str = "", value_label: str = "value") -> go.Figure:
    """A grey heatmap whose hover shows row, column and the real value.

    Images larger than `MAX_HEATMAP_SIDE` are sampled every n-th pixel; the
    axes keep the true row and column numbers.
    """
    step = max(1, int(np.ceil(max(image.shape[:2]) / MAX_HEATMAP_SIDE)))
    rows, cols = np.arange(0, image.shape[0], step), np.arange(0, image.shape[1], step)
    z = image[::step, ::step].astype(np.float32)
    figure = go.Figure(go.Heatmap(
        z=z, x=cols, y=rows, colorscale="gray", zmin=level - width / 2, zmax=level + width / 2,
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


def png_bytes(image_uint8: np.ndarray) -> bytes:
    """A uint8 grey or RGB image as PNG, with fast compression: about 4 times quicker than `st.image`'s own."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image_uint8)).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def png_data_uri(image_uint8: np.ndarray) -> str:
    """A uint8 image as a PNG data URI, encoded with fast compression (display only)."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(image_uint8)).decode("ascii")


def plane_figure(image_uint8: np.ndarray, labels: tuple[str, str, str, str], cross: tuple[int, int], title: str) -> go.Figure:
    """One plane of the 3D viewer: the windowed slice, its anatomical edge labels and the cursor lines.

    Built as one layout (no per-shape calls): a slice change redraws three of these.
    """
    height, width = image_uint8.shape[:2]
    top, bottom, left, right = labels
    font = {"size": 16, "color": "#ffd33d"}
    annotations = [
        {"x": width / 2, "y": 0, "text": f"<b>{top}</b>", "xanchor": "center", "yanchor": "top"},
        {"x": width / 2, "y": height - 1, "text": f"<b>{bottom}</b>", "xanchor": "center", "yanchor": "bottom"},
        {"x": 0, "y": height / 2, "text": f"<b>{left}</b>", "xanchor": "left", "yanchor": "middle"},
        {"x": width - 1, "y": height / 2, "text": f"<b>{right}</b>", "xanchor": "right", "yanchor": "middle"},
    ]
    line = {"color": "rgba(0, 200, 255, 0.6)", "width": 1}
    shapes = [
        {"type": "line", "x0": -0.5, "x1": width - 0.5, "y0": cross[0], "y1": cross[0], "line": line},
        {"type": "line", "x0": cross[1], "x1": cross[1], "y0": -0.5, "y1": height - 0.5, "line": line},
    ]
    return go.Figure(
        go.Image(source=png_data_uri(image_uint8), hoverinfo="skip"),
        layout={
            "title": {"text": title}, "height": 330, "margin": {"l": 0, "r": 0, "t": 30, "b": 0},
            "xaxis": {"visible": False, "range": [-0.5, width - 0.5]},
            "yaxis": {"visible": False, "range": [height - 0.5, -0.5], "scaleanchor": "x"},
            "annotations": [dict(a, showarrow=False, font=font) for a in annotations], "shapes": shapes,
        },
    )


def show_2d(volume: Volume, image: np.ndarray, key: str, title: str = "") -> None:
    """A 2D grey or colour image with window controls and hover values."""
    if volume.rgb:
        show_figure(st, colour_figure(image, title), describe_image(image, title or volume.name), config=PLOT_CONFIG,
                    key=f"{key}-colour")
        return
    width, level = window_controls(volume, image, key)
    if volume.monochrome1:
        st.caption("MONOCHROME1: in this file low values are meant to be white; the colour bar shows values.")
    show_figure(st, heatmap_figure(image, volume.pixel_spacing, width, level, title,
                                   value_label="HU" if volume.modality == "CT" else "value"), describe_image(
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
    base = _state_key(volume, key)
    what = "Frame (time)" if volume.frame_axis == "frames" else "Frame / slice"
    index = index_slider(st, what, volume.n_slices, f"{base}-frame")
    show_2d(volume, volume.data[index], key, title=f"{what.split()[0].lower()} {index} of {volume.n_slices}")


@st.fragment
def _three_planes(volume: Volume, key: str) -> None:
    """Axial, coronal and sagittal planes with sliders, labels, cursor and window/level."""
    base = _state_key(volume, key)
    data = volume.frame(0)
    if volume.is_4d:
        t = index_slider(st, "Time point", volume.n_frames, f"{base}-time", default=0)
        data = volume.frame(t)
    n_slices, n_rows, n_cols = data.shape
    controls = st.columns([1, 1, 1, 1])
    k = index_slider(controls[0], "Axial slice (I→S)", n_slices, f"{base}-k")
    r = index_slider(controls[1], "Coronal slice (A→P)", n_rows, f"{base}-r")
    c = index_slider(controls[2], "Sagittal slice (R→L)", n_cols, f"{base}-c")
    radiological = controls[3].toggle("Radiological (patient's right on the left)", True, key=f"{base}-radio",
                                      help="Radiology shows the patient as if facing you; neurology as if seen from behind.")
    with st.expander("Window / level", expanded=False):
        width, level = window_controls(volume, data, key)
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
        show_figure(column, plane_figure(shown, labels, (cross_row, cross_col), plane), slice_alt(
            f"{plane.capitalize()} slice", *positions[plane], (width, level), float(np.nanmin(image)),
            float(np.nanmax(image))) + " Edges: top {}, bottom {}, left {}, right {}; the cross marks the cursor.".format(*labels),
                    config=PLOT_CONFIG,
                    key=f"{key}-{plane}")
    world = voxel_to_world(volume.affine, (k, r, c))
    value = data[k, r, c]
    st.caption(
        f"Cursor: voxel (slice {k}, row {r}, col {c}) · "
        + (f"world (x {world[0]:.1f}, y {world[1]:.1f}, z {world[2]:.1f}) mm RAS" if volume.spacing_known
           else "world position unknown (no pixel size in the file)")
        + f" · value {value:.6g}{' HU' if volume.modality == 'CT' else ''} · voxel size {' × '.join(f'{s:.3g}' for s in volume.spacing) + ' mm' if volume.spacing_known else 'unknown'}"
    )
