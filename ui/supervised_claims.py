"""Lesson 6's "CNN claims tested" section: two of the lecture's claims measured on the learner's trained network.

"Pooling buys translation invariance; the deeper the network, the higher the
invariance": held-out images are shifted by 0-16 pixels and each block's
maps and the prediction are compared with the unshifted ones, for the
trained network and for the same kernels with the pooling layers left out
(`invariance`). "Convolutional layers apply a function to regions of the
image": a cell of any feature map, clicked or typed, is traced back to the
input pixels it sees, outlined on the image, with the kernel that made it
and its value worked out by hand (`receptive_fields`). The numbers come
from `core.invariance`.
"""

from __future__ import annotations

import hashlib
from functools import partial

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from core import cnn
from core.invariance import (convolution_at, field_size, invariance_curves, layer_outputs, model_geometry,
                             receptive_field, unpooled_cost)
from core.selection import click_grid, selected_points
from core.snippets import cnn as cnn_snippets
from core.text.alt_text import describe_image
from ui.alt import show_figure
from ui.code import show_code
from ui.lesson import STOPPED, explain, stoppable, was_stopped
from ui.supervised_data import unit_picture
from ui.supervised_network import SEED, Network, Setup
from ui.supervised_results import image_slider
from ui.viewer import PLOT_CONFIG, colour_figure, heatmap_figure

MAX_SHIFT = 16
"""Shifts of 0 to this many pixels."""
NOTE_SHIFT = 4
"""The shift the caption quotes."""
IMAGES = 8
"""Held-out images the invariance curves average over, at most."""
BUDGET_MACS = 2e9
"""Multiply-adds the network without pooling may take for all images (a few seconds); a larger network, fewer."""
BATCH_BYTES = 64 * 1024**2
"""Feature maps of shifted copies held at once, without pooling."""
CURVES, STOP = "sup-claims-curves", "sup-claims-stop"
KERNELS_SHOWN = 8
"""At most this many input maps' slices of a kernel are drawn."""
GRID_CURVE = 1
"""The click grid is the feature map figure's second trace (after the heatmap)."""
BLOCK_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7")
"""One colour per block (Okabe-Ito), the same in both panels."""
OUTLINE = "#ffb000"
PICTURE_CONFIG = {**PLOT_CONFIG, "displayModeBar": False}
"""The map and the input take clicks, not zooms: no tool bar over their titles."""
LAYER_KEY, FILTER_KEY, ROW_KEY, COL_KEY = "sup-field-layer", "sup-field-filter", "sup-field-row", "sup-field-col"
SHAPE_KEY = "sup-field-shape"
"""The size of the map the row and column were chosen on."""


def weights_key(model) -> str:
    """A digest of a model's weights: what the curves kept in the session are keyed on (a new training, a new key)."""
    digest = hashlib.blake2b(digest_size=16)
    for weights in model.get_weights():
        digest.update(np.ascontiguousarray(weights).tobytes())
    return digest.hexdigest()


def measure_plan(model) -> tuple[int, int]:
    """How many held-out images to average (at most `IMAGES`, within `BUDGET_MACS`) and shifted copies per batch.

    The network without pooling costs the most (`core.invariance.unpooled_cost`): a large one is measured on
    fewer images, a few copies at a time, so that its maps stay within `BATCH_BYTES`.
    """
    macs, widest = unpooled_cost(model)
    images = int(np.clip(BUDGET_MACS // max(macs * MAX_SHIFT, 1), 1, IMAGES))
    return images, int(np.clip(BATCH_BYTES // (3 * widest), 1, MAX_SHIFT))


def _curves(model, images: np.ndarray, chunk: int, report) -> tuple[dict, dict]:
    """Each block's change after pooling and the prediction's; each block's change with the pooling left out.

    `report(fraction, text)` follows the work (the network without pooling takes most of it).
    """
    names = [layer.name for layer in model.layers]
    pooled = [n for n in names if n.startswith("pool")] + [names[-1]]
    plain = [n for n in names if n.startswith("relu")]
    shifts = range(MAX_SHIFT + 1)
    with_pooling = invariance_curves(lambda batch: layer_outputs(model, batch, pooled), images, shifts,
                                     chunk=MAX_SHIFT, progress=lambda done, total: report(
                                         0.2 * done / total, f"With pooling: {done} of {total} shifted images"))
    return with_pooling, invariance_curves(
        lambda batch: layer_outputs(model, batch, plain, pooling=False), images, shifts, chunk=chunk,
        progress=lambda done, total: report(0.2 + 0.8 * done / total,
                                            f"Without pooling: {done} of {total} shifted images"))


def invariance_figure(pooled: dict, plain: dict) -> go.Figure:
    """Two panels sharing their y axis: the change per shift with pooling (and the prediction's), and without."""
    figure = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                           subplot_titles=("With pooling (the trained network)", "Without pooling (same kernels)"))
    shifts = list(range(MAX_SHIFT + 1))
    for col, curves in ((1, pooled), (2, plain)):
        for block, (name, curve) in enumerate((n, c) for n, c in curves.items() if n[:4] in ("pool", "relu")):
            figure.add_scatter(x=shifts, y=curve, mode="lines+markers", name=f"block {block + 1}",
                               legendgroup=f"block {block + 1}", showlegend=col == 1,
                               hovertemplate=f"{name}: shift %{{x}} px, change %{{y:.2f}}<extra></extra>",
                               line={"color": BLOCK_COLOURS[block % len(BLOCK_COLOURS)],
                                     "dash": "solid" if col == 1 else "dot"}, row=1, col=col)
    prediction = next(n for n in pooled if n[:4] != "pool")
    figure.add_scatter(x=shifts, y=pooled[prediction], mode="lines+markers", name="prediction",
                       line={"color": "#222222", "dash": "dash", "width": 3}, row=1, col=1)
    figure.update_xaxes(title="shift to the right (pixels)", dtick=4)
    figure.update_yaxes(title="relative change", rangemode="tozero", row=1, col=1)
    figure.update_layout(height=400, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         legend={"orientation": "v", "x": 1.02, "y": 1, "yanchor": "top"})
    return figure


def invariance_note(pooled: dict, plain: dict, shift: int = NOTE_SHIFT) -> str:
    """What the curves say, in words made from their numbers: the changes at one shift, and what to notice.

    Parameters
    ----------
    pooled : dict
        Each pooling layer's curve, then the prediction's (`invariance_curves`).
    plain : dict
        Each block's curve without pooling.
    shift : int
        The shift quoted.

    Examples
    --------
    >>> pooled = {"pool1": [0, .5, .6], "pool2": [0, .2, .7], "output": [0, .05, .1]}
    >>> invariance_note(pooled, {"relu1": [0, .6, .7], "relu2": [0, .55, .7]}, 1)  # doctest: +NORMALIZE_WHITESPACE
    'A 1-pixel shift changes the pooled maps of block 1 by 50 % and those of block 2 by 20 %, the prediction by 5 %.
    Without pooling, block 2 changes by 55 %. **Notice:** the deepest pooled maps change least; without pooling,
    depth alone leaves block 2 nearly as sensitive as block 1. From a 2-pixel shift on, the deepest maps change as
    much as the first: pooling buys invariance to small shifts only.'
    """
    blocks = [n for n in pooled if n.startswith("pool")]
    prediction = next(n for n in pooled if not n.startswith("pool"))
    first, deep = np.asarray(pooled[blocks[0]]), np.asarray(pooled[blocks[-1]])
    plain_first, plain_deep = np.asarray(list(plain.values())[0]), np.asarray(list(plain.values())[-1])
    text = (f"A {shift}-pixel shift changes the pooled maps of block 1 by {first[shift]:.0%}"
            + (f" and those of block {len(blocks)} by {deep[shift]:.0%}" if len(blocks) > 1 else "")
            + f", the prediction by {pooled[prediction][shift]:.0%}. Without pooling, block {len(plain)} changes by "
            f"{plain_deep[shift]:.0%}. ").replace("%", " %")
    if len(blocks) == 1:
        return text + "**Notice:** one block has one pooling: train with more blocks to see depth at work."
    if not deep[shift] < min(first[shift], plain_deep[shift]):
        return text + ("**Notice:** here the deepest pooled maps do not change clearly less than the first ones, "
                       "nor than without pooling: this network has not learned the claim (train longer, or on more "
                       "images).")
    text += (f"**Notice:** the deepest pooled maps change least; without pooling, depth alone leaves block "
             f"{len(plain)} " + ("nearly as sensitive as block 1." if plain_deep[shift] > 0.8 * plain_first[shift]
                                 else "less sensitive than block 1, but more than with pooling."))
    later = np.flatnonzero((deep >= first) & (np.arange(len(deep)) > shift))
    if later.size:
        text += (f" From a {int(later[0])}-pixel shift on, the deepest maps change as much as the first: pooling buys "
                 "invariance to small shifts only.")
    return text


def invariance(network: Network, setup: Setup) -> None:
    """The change of each block's maps and of the prediction for shifts of 0-16 pixels, with and without pooling.

    Measured once per network (kept in the session for the latest one), with a progress bar and Stop.
    """
    model, data = network.model, setup.choice.data
    count, chunk = measure_plan(model)
    chosen = setup.eval_idx[:count]
    key = (weights_key(model), tuple(chosen.tolist()))
    held = st.session_state.get(CURVES)
    if held is None or held[0] != key:
        if was_stopped(STOP) and not st.button("Measure", icon=":material/play_arrow:", key="sup-claims-measure"):
            st.info(STOPPED.format("The measure") + " Press **Measure** to start again.",
                    icon=":material/stop_circle:")
            return
        with stoppable(STOP):
            bar = st.progress(0.0, text="Shifting the images...")
            curves = _curves(model, data.images[chosen], chunk, lambda done, text: bar.progress(done, text=text))
            bar.empty()
            st.session_state[CURVES] = held = (key, curves)
    pooled, plain = held[1]
    figure = invariance_figure(pooled, plain)
    show_figure(st, figure, table=True, config=PLOT_CONFIG, key="sup-invariance",
                alt=f"Two line charts of the relative change of each block's feature maps when {len(chosen)} held-out "
                    f"images move right by 0 to {MAX_SHIFT} pixels. "
                    + invariance_note(pooled, plain).replace("**", ""))
    st.caption(f"Mean over {len(chosen)} {setup.eval_label} image{'s' * (len(chosen) > 1)}. Relative change: ‖maps "
               "of the shifted image − maps of the original‖ / ‖maps of the original‖ (0: the same; 1.4: nothing in "
               "common). " + invariance_note(pooled, plain))
    show_code(cnn_snippets.invariance_snippet(setup.choice.code, setup.recipe.validation, SEED, data.test is not None,
                                              len(chosen), MAX_SHIFT))


def _pick(map_key: str, shape: tuple[int, int]) -> None:
    """Move the row and column inputs to the cell clicked on the feature map (once per click)."""
    points = selected_points(st.session_state.get(map_key), shape, curve=GRID_CURVE)
    if len(points):
        st.session_state[ROW_KEY], st.session_state[COL_KEY] = (int(v) for v in points[-1])


def follow_layer(rows: int, cols: int, liveliest: int) -> None:
    """On a new layer, keep the chosen cell at the same place of the image and show its liveliest map.

    Parameters
    ----------
    rows, cols : int
        The size of the new layer's maps.
    liveliest : int
        The filter (from 1) whose map reaches the highest value on this image.
    """
    before = st.session_state.get(SHAPE_KEY)
    st.session_state[SHAPE_KEY] = (rows, cols)
    if before is None or before == (rows, cols):
        return
    for key, old, new in ((ROW_KEY, before[0], rows), (COL_KEY, before[1], cols)):
        if key in st.session_state:
            st.session_state[key] = min(int((st.session_state[key] + 0.5) * new / old), new - 1)
    st.session_state[FILTER_KEY] = liveliest


def _clamped_number(container, label: str, key: str, count: int, default: int, offset: int = 0) -> int:
    """A URL-bound number input over ``offset .. count − 1 + offset``; a value beyond it (another layer) is reset."""
    if key in st.session_state and not offset <= st.session_state[key] < count + offset:
        st.session_state[key] = min(max(int(st.session_state[key]), offset), count - 1 + offset)
    return int(container.number_input(label, offset, count - 1 + offset, default + offset, 1, key=key,
                                      bind="query-params"))


def map_figure(maps: np.ndarray, name: str, row: int, col: int) -> go.Figure:
    """One feature map as a grey heatmap with a transparent grid of clickable cells and the chosen cell ringed."""
    low, high = float(maps.min()), float(maps.max())
    width = high - low if high - low > 1e-9 else 1.0  # a flat map (all 0 after ReLU) shows black, not noise
    figure = heatmap_figure(maps, (1.0, 1.0), width, low + width / 2, f"{name}: click a cell", value_label="value")
    rows, cols = click_grid(maps.shape)
    figure.add_trace(go.Scattergl(x=cols, y=rows, mode="markers", name="click grid", showlegend=False,
                                  marker={"size": 6, "opacity": 0}, selected={"marker": {"opacity": 0}},
                                  unselected={"marker": {"opacity": 0}},
                                  hovertemplate="row %{y}, col %{x}<extra>click</extra>"))
    figure.add_shape(type="rect", x0=col - 0.5, x1=col + 0.5, y0=row - 0.5, y1=row + 0.5,
                     line={"color": OUTLINE, "width": 3})
    figure.update_xaxes(range=[-0.5, maps.shape[1] - 0.5], autorange=False)
    figure.update_yaxes(range=[maps.shape[0] - 0.5, -0.5], autorange=False)
    figure.update_layout(height=380, clickmode="event+select", dragmode=False)
    return figure


def input_figure(image: np.ndarray, box: tuple[int, int, int, int]) -> go.Figure:
    """The network's input with the receptive field outlined (inclusive first and last row and column)."""
    r0, r1, c0, c1 = box
    picture = unit_picture(image)
    figure = (colour_figure(picture, "The input: what the cell sees") if picture.ndim == 3 else
              heatmap_figure(picture, (1.0, 1.0), 255, 127.5, "The input: what the cell sees"))
    figure.add_shape(type="rect", x0=c0 - 0.5, x1=c1 + 0.5, y0=r0 - 0.5, y1=r1 + 0.5, name="receptive field",
                     line={"color": OUTLINE, "width": 3})
    figure.update_traces(showscale=False, selector={"type": "heatmap"})
    figure.update_layout(height=380)
    return figure


def kernel_figure(kernel: np.ndarray, conv: str, filt: int, first: bool) -> go.Figure:
    """A filter's weights: one small heatmap per input map (the first `KERNELS_SHOWN`), values printed.

    A `first` convolution's input maps are the image's channels, named so (red, green, blue or grey).
    """
    count = min(kernel.shape[2], KERNELS_SHOWN)
    names = {1: ["grey"], 3: ["red", "green", "blue"]}.get(kernel.shape[2]) if first else None
    figure = make_subplots(rows=1, cols=count, horizontal_spacing=0.02,
                           subplot_titles=[f"input {names[c]}" if names else f"input map {c + 1}"
                                           for c in range(count)])
    limit = float(np.abs(kernel).max()) or 1.0
    for c in range(count):
        figure.add_heatmap(z=kernel[:, :, c], zmin=-limit, zmax=limit, colorscale="RdBu", showscale=False,
                           texttemplate="%{z:.2f}", hovertemplate="row %{y}, col %{x}: %{z:.3f}<extra></extra>",
                           row=1, col=c + 1)
    for c in range(count):  # square cells: each panel's rows scaled like its own columns
        figure.update_yaxes(autorange="reversed", showticklabels=False, scaleanchor=f"x{c + 1 if c else ''}",
                            row=1, col=c + 1)
    figure.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, ticks="")
    figure.update_yaxes(showgrid=False, zeroline=False, ticks="")
    shown = f" (the first {count} of {kernel.shape[2]} input maps)" if count < kernel.shape[2] else ""
    figure.update_layout(title=f"The kernel of {conv}, filter {filt}: {kernel.shape[0]} × {kernel.shape[1]} weights "
                               f"per input map{shown}", height=200 + 40 * (count < 4),
                         margin={"l": 10, "r": 10, "t": 70, "b": 10})
    return figure


def _cell_sum(model, image: np.ndarray, layers: list, conv: str, filt: int, row: int, col: int,
              value: float) -> str:
    """The cell's value worked out by hand from its patch and kernel, against the value the layer gave."""
    names = [layer.name for layer in layers]
    at = names.index(conv)
    inputs = (layer_outputs(model, image[None], [names[at - 1]])[names[at - 1]][0] if at
              else np.asarray(image, np.float32))  # a first layer convolves the image itself
    layer = model.get_layer(conv)
    weights = layer.get_weights()
    bias = float(weights[1][filt]) if layer.use_bias else 0.0
    padding = next(g.padding for g in layers if g.name == conv)
    patch, by_hand = convolution_at(inputs, weights[0][..., filt], bias, row, col, padding)
    return (f"Blue weights are positive, red negative. By hand: the {' × '.join(map(str, patch.shape))} values under "
            f"the kernel, each times its weight, summed, plus the bias {bias:.3f}, give **{by_hand:.4f}**; {conv} "
            f"holds **{value:.4f}** there. The same function at every cell.")


@st.fragment
def receptive_fields(network: Network, setup: Setup) -> None:
    """One cell of a feature map (clicked, or typed) and the input pixels it sees, with its kernel and its sum."""
    model, data = network.model, setup.choice.data
    layers = model_geometry(model)
    choices = cnn.cam_layer_names(model)
    if not choices:
        st.info("This model has no feature maps to click.")
        return
    a, b, c, d, e = st.columns([2, 2, 1, 1, 1])
    position = image_slider(a, setup, "sup-field-image") - 1
    if st.session_state.get(LAYER_KEY) not in choices:
        st.session_state.pop(LAYER_KEY, None)
    name = b.selectbox("Feature map of layer", choices, key=LAYER_KEY, bind="query-params",
                       format_func=lambda n: f"{n} (sees {field_size(layers, n)} × {field_size(layers, n)} pixels)")
    image = data.images[int(setup.eval_idx[position])]
    maps = layer_outputs(model, image[None], [name])[name][0]
    rows, cols, filters = maps.shape
    liveliest = int(np.argmax(maps.reshape(-1, filters).max(axis=0)))
    follow_layer(rows, cols, liveliest + 1)
    filt = _clamped_number(c, "Filter", FILTER_KEY, filters, liveliest, offset=1) - 1
    row = _clamped_number(d, "Row", ROW_KEY, rows, rows // 2)
    col = _clamped_number(e, "Column", COL_KEY, cols, cols // 2)
    box = r0, r1, c0, c1 = receptive_field(layers, name, row, col, image.shape[:2])
    left, right = st.columns(2)
    map_key = f"sup-field-map-{name}"
    show_figure(left, map_figure(maps[..., filt], f"{name}, filter {filt + 1}", row, col),
                alt=f"{describe_image(maps[..., filt], f'Feature map of {name}, filter {filt + 1}')} The chosen "
                    f"cell, row {row}, column {col}, is outlined; its value is {maps[row, col, filt]:.4g}.",
                config=PICTURE_CONFIG, key=map_key, on_select=partial(_pick, map_key, (rows, cols)),
                selection_mode="points")
    picture = unit_picture(image)
    show_figure(right, input_figure(image, box), config=PICTURE_CONFIG, key="sup-field-input",
                alt=f"{describe_image(picture, 'The network input')} Outlined: rows {r0}-{r1}, columns {c0}-{c1}, "
                    "the pixels the chosen cell sees.")
    size = field_size(layers, name)
    st.caption(f"**Cell (row {row}, column {col}) of {name} sees rows {r0}-{r1} and columns {c0}-{c1} of the "
               f"input: {r1 - r0 + 1} × {c1 - c0 + 1} pixels** ({size} × {size} away from the border). **Notice:** "
               "nothing outside the outline can change this cell. Each convolution widens the region by its kernel "
               "less one, each pooling doubles the steps after it: pick a deeper layer and the outline grows."
               + (f" (Filter {filt + 1} of {name} is 0 everywhere on this image: it found nothing here; try another "
                  "filter.)" if not maps[..., filt].any() else ""))
    names, convs = [layer.name for layer in layers], cnn.conv_layer_names(model)
    conv = next(n for n in reversed(names[:names.index(name) + 1]) if n in convs)
    kernel = model.get_layer(conv).get_weights()[0]
    show_figure(st, kernel_figure(kernel[..., filt], conv, filt + 1, conv == convs[0]), config=PLOT_CONFIG,
                key="sup-field-kernel",
                alt=f"Kernel of {conv}, filter {filt + 1}: {kernel.shape[0]} × {kernel.shape[1]} weights for each of "
                    f"{kernel.shape[2]} input maps, from {kernel[..., filt].min():.3f} to "
                    f"{kernel[..., filt].max():.3f}")
    if name == conv:
        st.caption(_cell_sum(model, image, layers, conv, filt, row, col, float(maps[row, col, filt])))
    else:
        st.caption(f"{name} does not convolve: it takes {conv}'s map number {filt + 1} (after ReLU: its negative "
                   f"values set to 0{', then the maximum or mean of each 2 × 2 block' if 'pool' in name else ''}). "
                   f"Choose {conv} to see the kernel's sum worked out.")


def claims(network: Network, setup: Setup, text) -> None:
    """The section: the invariance curves, then the receptive field of a chosen cell, each with its explanation."""
    if type(network.model).__name__ != "Sequential":
        st.info("This section measures networks built on this page (one chain of layers); the loaded model is not "
                "one. Train a network here to see it.", icon=":material/info:")
        return
    st.subheader("Does pooling buy translation invariance?")
    invariance(network, setup)
    explain(text.explanation("invariance"))
    st.subheader("Which region of the image does a cell see?")
    receptive_fields(network, setup)
    explain(text.explanation("receptive_field"))
