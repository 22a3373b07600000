"""Lesson 6's building blocks worked out by hand: ReLU, pooling and convolution on editable matrices and an image.

The numbers come from `core.layers`; this module lays them out. Every
control that shapes a result is bound to the URL, so a link reopens it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import layers
from core.snippets import cnn as cnn_snippets
from core.basics import to_grey
from ui.code import show_code
from ui.images import picture, shaded
from ui.lesson import lecturer_mode
from ui.picker import current
from ui.room import kept_editable_matrix, kept_matrix
from ui.safe_text import md, table_text

MATRICES_VERSION = "sup-matrices-version"
"""Part of the editors' keys: a new version is a fresh editor (the Matrices preset restores the lecture's)."""
BLOCK_KEY, EDIT_KEY = "sup-block", "sup-edit"
BLOCKS = ("ReLU", "Max pooling", "Average pooling")
OWN_KERNEL = "My own (edit below)"
LEARNED_KERNEL = "Learned by your network (conv1, filter 1)"


def restore_lecture_matrices() -> None:
    """Give every editable matrix a fresh editor, so the lecture's numbers come back."""
    st.session_state[MATRICES_VERSION] = st.session_state.get(MATRICES_VERSION, 0) + 1


def _editor_key(key: str) -> str:
    return f"{key}-{st.session_state.get(MATRICES_VERSION, 0)}"


def _frame(matrix: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(matrix, columns=[f"col {c + 1}" for c in range(matrix.shape[1])])


def kept_values(key: str, matrix: np.ndarray) -> np.ndarray:
    """The matrix of the editor `key` as the learner last left it (empty cells as 0), or `matrix` if never edited."""
    return np.nan_to_num(kept_matrix(_editor_key(key), _frame(matrix)).to_numpy(dtype=np.float64))


def matrix_editor(matrix: np.ndarray, key: str, editing: bool = True) -> np.ndarray:
    """An editable matrix; returns its values (empty cells become 0). Edits survive runs that do not draw it.

    ``num_rows="add"`` is the one data-editor mode without column sorting: a click on a header must not
    re-order the rows of a matrix whose result stays as it was. A row the learner adds is part of the matrix.
    Not `editing`: the matrix as the learner left it, as a plain table (no data editor for the browser to load).
    """
    if not editing:
        values = kept_values(key, matrix)
        show_matrix(values)
        return values
    edited = kept_editable_matrix(_frame(matrix), _editor_key(key), hide_index=True, width="content", num_rows="add")
    return np.nan_to_num(edited.to_numpy(dtype=np.float64))


ROOM_TABLES = """<style>
  [data-testid="stTable"] td, [data-testid="stTable"] th { font-size: 26px !important; line-height: 1.3; }
</style>"""
"""Lecturer mode: the lesson's tables (matrices, the network's layers, the confusion matrix) readable from the back."""


def room_tables() -> None:
    """Size this lesson's tables for a room (call once per run, in lecturer mode)."""
    st.html(ROOM_TABLES)


def table(frame: pd.DataFrame, hide_index: bool = False, **kwargs) -> None:
    """A read-only table: an interactive grid for a learner, plain HTML sized for the room in lecturer mode."""
    if lecturer_mode():  # numbers as the page prints them (up to 4 significant digits), not pandas' "0.2500"
        shown = table_text(frame)  # class names come from a learner's folders
        st.table(shown.style.format("{:.4g}", subset=shown.select_dtypes("float").columns), hide_index=hide_index)
    else:
        st.dataframe(frame, hide_index=hide_index, **kwargs)


def show_matrix(matrix: np.ndarray, caption: str = "") -> None:
    """A read-only matrix (whole numbers without decimals), with an optional caption under it.

    An HTML table in every mode: a few numbers need no scrolling or sorting grid (a canvas the learner's browser
    would have to load), and a screen reader reads a table's cells.
    """
    values = np.asarray(matrix)
    shown = values.astype(int) if np.all(values == np.round(values)) else values.round(4)
    st.table(pd.DataFrame(shown, columns=[f"col {c + 1}" for c in range(shown.shape[1])]), hide_index=True,
             width="content")
    if caption:
        st.caption(caption)


def relu_block(editing: bool) -> None:
    """The lecture's ReLU example, editable (`matrix_editor`)."""
    st.markdown("**ReLU** (rectified linear unit): `max(x, 0)`. Positive values pass, negative values become 0.")
    left, right = st.columns(2)
    with left:
        st.caption("Input: a 3 × 3 feature map")
        x = matrix_editor(layers.RELU_EXAMPLE, "sup-relu", editing)
    with right:
        st.caption("After ReLU")
        show_matrix(layers.relu(x), f"{int((x < 0).sum())} negative value(s) set to 0.")
    show_code(cnn_snippets.relu_snippet(x))


def pooling_block(kind: str, example: np.ndarray, editing: bool) -> None:
    """The pooling of an editable matrix (`matrix_editor`)."""
    size = st.segmented_control("Window", [2, 3], default=2, key=f"sup-{kind}-size", bind="query-params",
                                format_func=lambda s: f"{s} × {s}, stride {s}") or 2
    left, right = st.columns(2)
    with left:
        st.caption("Input (4 × 4 in the lecture)")
        x = matrix_editor(example, f"sup-{kind}-matrix", editing)
    with right:
        st.caption(f"After {kind} pooling")
        try:
            pooled = layers.max_pool(x, size) if kind == "max" else layers.average_pool(x, size)
        except ValueError as exc:
            st.warning(str(exc).capitalize() + ".")
            return
        show_matrix(pooled, f"{x.shape[0]} × {x.shape[1]} → {pooled.shape[0]} × {pooled.shape[1]}: each "
                            f"{size} × {size} block becomes its {'maximum' if kind == 'max' else 'mean'}.")
        if kind != "max":
            fractional = np.flatnonzero(pooled.ravel() != np.trunc(pooled.ravel()))
            if fractional.size:
                v = pooled.ravel()[fractional[0]]
                st.info(f"The mean of a block need not be a whole number: **{v:g}**. A slide that prints "
                        f"{int(np.trunc(v))} has dropped the fraction; the network keeps the true mean.",
                        icon=":material/calculate:")
    show_code(cnn_snippets.pooling_snippet(x, kind, size))


def building_blocks() -> np.ndarray:
    """ReLU, max pooling or average pooling, one at a time (chosen above it, kept in the link), its input matrix
    editable once asked (in lecturer mode the editor is folded under the numbers: `ui.room.editable_matrix`);
    returns the average-pooling matrix as the learner left it (for the self-check)."""
    room = lecturer_mode()
    st.caption(f"Every matrix is editable{'' if room else ' (switch on *Edit the numbers*)'}: change a number and "
               "the result follows. The preset *Matrices* puts the lecture's numbers back.")
    for kind in ("max", "average"):  # a pooling's window, kept while another block is shown
        if f"sup-{kind}-size" in st.session_state:
            st.session_state[f"sup-{kind}-size"] = st.session_state[f"sup-{kind}-size"]
    chooser, switch = st.columns([3, 1], vertical_alignment="bottom")
    block = chooser.segmented_control("Building block", BLOCKS, default=BLOCKS[0], required=True, key=BLOCK_KEY,
                                      bind="query-params") or BLOCKS[0]
    editing = room or switch.toggle("Edit the numbers", key=EDIT_KEY, bind="query-params",
                                    help="The input matrix becomes an editable grid: arrow keys move, a number "
                                         "typed replaces a cell. Your numbers are kept while you look elsewhere.")
    if block == "ReLU":
        relu_block(editing)
    elif block == "Max pooling":
        st.markdown("**Max pooling** keeps the strongest response of each block: *was the pattern anywhere here?*")
        pooling_block("max", layers.MAX_POOL_EXAMPLE, editing)
    else:
        st.markdown("**Average pooling** keeps the mean response of each block: *how much of the pattern is here?*")
        pooling_block("average", layers.AVERAGE_POOL_EXAMPLE, editing)
    return kept_values("sup-average-matrix", layers.AVERAGE_POOL_EXAMPLE)


def grey_input(volume) -> tuple[np.ndarray | None, str]:
    """The current image as one finite grey 2D float array, and what was done to it (None: nothing to convolve)."""
    image = volume.slice2d()
    note = ""
    if volume.rgb:
        image = to_grey(np.asarray(image)[..., :3])
        note = "A colour image: its channels are combined to one grey channel here (scikit-image's `rgb2gray`)."
    elif volume.is_3d:
        note = (f"A {'4D' if volume.is_4d else '3D'} image: its middle slice"
                f"{' of the first time point' if volume.is_4d else ''} is used.")
    image = np.asarray(image, dtype=np.float64)
    if not np.isfinite(image).all():
        if not np.isfinite(image).any():
            return None, "This image holds no finite value (all NaN or infinite): nothing to convolve."
        note = (note + " " if note else "") + "This image holds NaN or infinite values; they are set to 0 here."
        image = np.nan_to_num(image, nan=0.0, posinf=0.0, neginf=0.0)
    return image, note


def _position(label: str, key: str, count: int, container) -> int:
    """A URL-bound slider over ``0 .. count - 1`` starting in the middle (a single position is stated)."""
    if count <= 1:
        container.caption(f"{label}: 0, the only one")
        return 0
    if not 0 <= st.session_state.get(key, 0) < count:  # another image, smaller than the last: back to the middle
        st.session_state[key] = count // 2
    return container.slider(label, 0, count - 1, count // 2, key=key, bind="query-params")


@st.fragment
def convolution(learned_kernel: np.ndarray | None) -> None:
    """The convolution on the sidebar's image: one output pixel worked out, then the whole feature map."""
    volume = current().volume
    st.markdown(f"**Convolution** on your current image (**{md(volume.name)}**, chosen in the sidebar): the kernel "
                "slides over the image; at each place the pixels under it are multiplied by the kernel, cell by "
                "cell, and summed. That sum is one pixel of the *feature map*.")
    image, note = grey_input(volume)
    inverted = volume.low_values_white  # MONOCHROME1: the image is shown low values white, its maps as they are
    if image is None:
        st.error(note)
        return
    if note:
        st.caption(note)
    kernels = dict(layers.KERNELS)
    if learned_kernel is not None:
        kernels[LEARNED_KERNEL] = learned_kernel
    kernels[OWN_KERNEL] = None
    if st.session_state.get("sup-kernel") not in kernels:
        st.session_state.pop("sup-kernel", None)
    choice = st.selectbox("Kernel", list(kernels), key="sup-kernel", bind="query-params")
    kernel = kernels[choice]
    if kernel is None:
        kernel = matrix_editor(np.array([[0.0, 0.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]), "sup-own-kernel")
    elif choice == LEARNED_KERNEL:
        st.caption("A kernel your network learned from its training images (summed over colour channels).")
    elif choice.startswith("Sobel"):
        st.caption(layers.SOBEL_NOTE)
    kr, kc = kernel.shape
    if image.shape[0] < kr or image.shape[1] < kc:
        st.warning(f"This image ({image.shape[0]} × {image.shape[1]}) is smaller than the {kr} × {kc} kernel: "
                   "choose a larger image in the sidebar.")
        picture(st.columns(4)[0], image, shaded(f"Image · {image.shape[0]} × {image.shape[1]}", inverted),
                invert=inverted)
        return
    rcol, ccol = st.columns(2)
    row = _position("Row of the output pixel", "sup-row", image.shape[0] - kr + 1, rcol)
    col = _position("Column of the output pixel", "sup-col", image.shape[1] - kc + 1, ccol)
    patch, products, total = layers.convolution_terms(image, kernel, row, col)
    for column, caption, matrix in zip(st.columns(3), (
            f"Pixels under the kernel (rows {row}-{row + kr - 1}, columns {col}-{col + kc - 1})", "Kernel",
            "Products, cell by cell"), (patch, kernel, products)):
        with column:
            st.caption(caption)
            show_matrix(matrix)
    terms = " + ".join(f"({p:.4g} × {k:.4g})" for p, k in zip(patch.ravel()[:3], kernel.ravel()[:3]))
    st.markdown(f"**Sum** = {terms} + … = **{total:.6g}**, the feature map's pixel ({row}, {col}).")
    feature = layers.convolve(image, np.asarray(kernel, dtype=np.float64))
    after = layers.relu(feature)
    views = [("Image", image), ("Feature map (convolution)", feature), ("After ReLU", after)]
    if min(after.shape) >= 2:
        views.append(("After 2 × 2 max pooling", layers.max_pool(after)))
    for n, (column, (title, view)) in enumerate(zip(st.columns(len(views)), views)):
        picture(column, view, shaded(f"{title} · {view.shape[0]} × {view.shape[1]}", inverted and n == 0),
                invert=inverted and n == 0)
    st.caption(f"The feature map ranges from {feature.min():.4g} to {feature.max():.4g}; "
               f"ReLU zeroes {100 * (feature < 0).mean():.0f}% of it. Each view is windowed to its own range"
               + ("; the maps are computed on the image's values, not on its shading, and show their high values "
                  "white." if inverted else "."))
    show_code(cnn_snippets.convolution_snippet(patch, kernel))


TASKS = (("Classification", "what?", "benign or malignant lesion"),
         ("Regression", "how much?", "brain age, tumour volume in ml"),
         ("Detection", "there!", "a box around each nodule"),
         ("Segmentation", "not there!", "every pixel: tumour or not"))
"""The lecture's four tasks of supervised learning: what each answers, and an example."""


def task_cards(columns: int) -> None:
    """The four tasks as cards, `columns` to a row (two in lecturer mode: no word broken in large type)."""
    for start in range(0, len(TASKS), columns):
        for column, (task, question, example) in zip(st.columns(columns), TASKS[start:start + columns]):
            with column.container(border=True):
                st.markdown(f"**{task}** · *{question}*")
                st.caption(example)
