"""Objective 6: supervised learning. A Keras CNN made visible: convolution, ReLU, pooling, training, evaluation, Grad-CAM."""

import hashlib
import io
from importlib import metadata

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from PIL import Image
from plotly.subplots import make_subplots

from core import class_folders, cnn, cnn_snippets, dermoscopy, display, labelled, layers, lesions, small_samples
from core.heavy import train_network
from core.selfcheck import Question
from ui import explanations, heavy, picker
from ui.class_zip import class_zip_data
from core.alt_text import describe_image, heatmap_alt
from ui.alt import show_figure, show_image
from ui.code import show_code
from ui.keras_cleanup import light_keras_cleanup
from ui.lesson import STOPPED, explain, intro, lecturer_mode, presets, self_check, stoppable, was_stopped
from ui.safe_text import md
from ui.viewer import PLOT_CONFIG

SOURCES = {
    "dermoscopy": "Skin lesions: dermoscopy-like photos (generated)",
    "lesions": "Brain MRI: MNI152 slices with and without a lesion",
    "zip": "My own images: a .zip of class folders",
}
DEFAULTS = {  # per data source: what trains well on it
    "dermoscopy": {"n": 800, "head": "flatten", "dropout": 0.5, "epochs": 20},
    "lesions": {"n": 600, "head": "global max", "dropout": 0.0, "epochs": 15},
    "zip": {"n": 0, "head": "flatten", "dropout": 0.5, "epochs": 15},
}
TRAINED = "sup_trained"
STOP = "sup-stop"
RESTORE_MATRICES = "sup-matrices-restore"  # set by a preset: the editable matrices go back to the lecture's
MATRICES_VERSION = "sup-matrices-version"  # part of the editors' keys: a new version is a fresh editor
FIRST_LESION = "sup-cam-first-lesion"  # set by a preset: Grad-CAM opens on the first held-out image with a lesion
PRESETS = {
    "Pooling & ReLU": {
        RESTORE_MATRICES: True, "sup-max-size": 2, "sup-average-size": 2},
    "Unbalanced": {
        "sup-source": "dermoscopy", "sup-n-dermoscopy": 100, "sup-fraction-dermoscopy": 0.05, "sup-seed-dermoscopy": 0},
    "Overfitting": {  # few images, nothing against overfitting, many epochs: validation stalls, training goes on
        "sup-source": "dermoscopy", "sup-size": 64, "sup-n-dermoscopy": 200, "sup-fraction-dermoscopy": 0.5,
        "sup-seed-dermoscopy": 0, "sup-blocks": 3, "sup-filters": 8, "sup-kernel-size": 3, "sup-pooling": "max",
        "sup-head-dermoscopy": "flatten", "sup-dense": 32, "sup-dropout-dermoscopy": 0.0, "sup-augment": False,
        "sup-epochs-dermoscopy": 40, "sup-batch": 32, "sup-lr": 3e-3, "sup-validation": 0.2},
    "Grad-CAM": {
        "sup-source": "lesions", "sup-size": 64, "sup-n-lesions": 600, "sup-fraction-lesions": 0.5,
        "sup-seed-lesions": 0, "sup-blocks": 3, "sup-filters": 8, "sup-kernel-size": 3, "sup-pooling": "max",
        "sup-head-lesions": "global max", "sup-dense": 32, "sup-dropout-lesions": 0.0, "sup-augment": True,
        "sup-epochs-lesions": 15, "sup-batch": 32, "sup-lr": 3e-3, "sup-validation": 0.2,
        "sup-cam-class": 1, "sup-cam-opacity": 0.5, FIRST_LESION: True},
}


@st.cache_resource(show_spinner="Loading TensorFlow and Keras (once per server)...")
def keras_ready() -> None:
    """Import TensorFlow once per server; later runs find it loaded, without a full gc.collect after each run.

    Called only where Keras is needed (training, a model upload, a trained model in the session): the
    convolution, pooling and ReLU demos and the network's table need no TensorFlow.
    """
    light_keras_cleanup()


def installed(package: str) -> str:
    """A package's installed version, from its metadata (importing nothing)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "(not installed)"


@st.cache_resource(show_spinner="Loading the MNI152 template...")
def brain_template():
    t1, brain = lesions.load_template()
    t1.flags.writeable = brain.flags.writeable = False
    return t1, brain


@st.cache_resource(max_entries=6, show_spinner="Generating the images...")
def generated_set(kind: str, n: int, fraction: float, size: int, seed: int) -> labelled.LabelledImages:
    """A generated set, made once per server for these controls and shared read-only."""
    if kind == "dermoscopy":
        data = dermoscopy.generate(n, fraction, size, seed)
    else:
        data = lesions.generate(n, fraction, size, seed, template=brain_template())
    for array in (data.images, data.labels, data.masks):
        array.flags.writeable = False
    return data


def matrix_editor(matrix: np.ndarray, key: str) -> np.ndarray:
    """An editable matrix; returns its values (empty cells become 0).

    ``num_rows="add"`` is the one data-editor mode without column sorting: a click on a header must not
    re-order the rows of a matrix whose result stays as it was. A row the learner adds is part of the matrix.
    """
    frame = pd.DataFrame(matrix, columns=[f"col {c + 1}" for c in range(matrix.shape[1])])
    edited = st.data_editor(frame, key=key, hide_index=True, width="content", num_rows="add")
    return np.nan_to_num(edited.to_numpy(dtype=np.float64))


def show_matrix(matrix: np.ndarray, caption: str = "") -> None:
    values = np.asarray(matrix)
    shown = values.astype(int) if np.all(values == np.round(values)) else values.round(4)
    st.dataframe(pd.DataFrame(shown, columns=[f"col {c + 1}" for c in range(shown.shape[1])]), hide_index=True,
                 width="content")
    if caption:
        st.caption(caption)


def grey_png(image: np.ndarray) -> np.ndarray:
    """Any real 2D array windowed to 8-bit grey for st.image."""
    return display.apply_window(image, *display.auto_window(image))


def convolution_views(image: np.ndarray, kernel: np.ndarray) -> tuple[list[tuple[str, bytes, tuple]], np.ndarray]:
    """The image, its feature map, after ReLU and after pooling as PNG bytes, and the feature map.

    They depend on the image and the kernel only, not on the output pixel the learner moves: this
    session's memo (never shared with another session) keeps the last two, keyed on content digests,
    so moving the output pixel re-encodes nothing.
    """
    key = (hashlib.blake2b(image.tobytes(), digest_size=16).hexdigest(), image.shape,
           hashlib.blake2b(kernel.tobytes(), digest_size=16).hexdigest(), kernel.shape)
    store = st.session_state.setdefault("sup-conv-views", {})
    if key not in store:
        feature = layers.convolve(image, kernel)
        after = layers.relu(feature)
        views = [("Image", grey_png(image)), ("Feature map (convolution)", grey_png(feature)),
                 ("After ReLU", grey_png(after))]
        if min(after.shape) >= 2:
            views.append(("After 2 × 2 max pooling", grey_png(layers.max_pool(after))))
        encoded = []
        for title, picture in views:
            buffer = io.BytesIO()
            Image.fromarray(picture).save(buffer, format="PNG", compress_level=1)
            encoded.append((title, buffer.getvalue(), picture.shape, describe_image(picture, title)))
        while len(store) >= 2:
            store.pop(next(iter(store)))
        store[key] = (encoded, feature)
    return store[key]


def unit_png(image: np.ndarray) -> np.ndarray:
    """A [0, 1] network input as uint8 (grey or RGB)."""
    image = np.asarray(image)
    image = image[..., 0] if image.shape[-1] == 1 else image
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)


def gallery(pictures: list, captions: list[str], columns: int) -> None:
    """Pictures in a grid of equal columns, each with its caption."""
    for start in range(0, len(pictures), columns):
        for column, picture, caption in zip(st.columns(columns), pictures[start:start + columns],
                                            captions[start:start + columns]):
            show_image(column, picture, describe_image(picture, caption), caption=md(caption), width="stretch",
                       output_format="PNG")


def curves_figure(history: cnn.History, epochs: int) -> go.Figure:
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Loss (lower is better)", "Accuracy"))
    x = list(range(1, history.epochs + 1))
    for col, (train, val) in enumerate((("loss", "val_loss"), ("accuracy", "val_accuracy")), start=1):
        figure.add_scatter(x=x, y=getattr(history, train), name="training" if col == 1 else None, mode="lines+markers",
                           line={"color": "#1f6feb"}, showlegend=col == 1, legendgroup="t", row=1, col=col)
        figure.add_scatter(x=x, y=getattr(history, val), name="validation" if col == 1 else None, mode="lines+markers",
                           line={"color": "#d1242f"}, showlegend=col == 1, legendgroup="v", row=1, col=col)
    figure.update_xaxes(title="epoch", range=[0.5, max(epochs, 1) + 0.5])
    figure.update_yaxes(range=[0, 1.02], row=1, col=2)
    figure.update_layout(height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.25})
    return figure


st.title("6 · Supervised learning")
intro(6, [
    "In *The building blocks*, open **Max pooling** and change the 184 to 5: only one output moves. Then open "
    "**Average pooling**: the top-left mean is 36.5, where the slide prints 36.",
    "In **Convolution**, choose *Sobel, vertical edges* and move the output pixel: check the sum against the "
    "products, then see which edges survive ReLU.",
    "Press **Train the network** on the skin lesions with the defaults: dropout and random flips keep validation "
    "accuracy rising with training accuracy. Then press the preset **Overfitting** (200 images, no dropout, no "
    "flips, 40 epochs) and train again: where does validation accuracy stop rising while training accuracy goes on "
    "to 100 %?",
    "Move *Share malignant* to 0.1 and train again: accuracy stays high, but watch sensitivity and the confusion "
    "matrix.",
    "Switch to **Brain MRI**, train, and in *Grad-CAM* check whether the red sits inside the white outline of the "
    "lesion (the pointing game).",
])
presets("Lecture presets", PRESETS, key="sup-preset")
picker.show_upload_error()

explain(
    "**Supervised learning** uses a *labelled* dataset (every image comes with the right answer) to train an "
    "algorithm that predicts the label of new data. The labels should be **balanced**: a set of 95 benign and "
    "5 malignant lesions teaches a model that answering *benign* is right 95% of the time."
)
for column, (task, question, example) in zip(st.columns(4), (
        ("Classification", "what?", "benign or malignant lesion"),
        ("Regression", "how much?", "brain age, tumour volume in ml"),
        ("Detection", "there!", "a box around each nodule"),
        ("Segmentation", "not there!", "every pixel: tumour or not"))):
    with column.container(border=True):
        st.markdown(f"**{task}** · *{question}*")
        st.caption(example)
explain(
    "A **CNN** stacks three kinds of layers: **convolutions** find local patterns (edges, spots, textures), "
    "**ReLU** keeps the positive responses, **pooling** downsamples, which also buys some *translation "
    "invariance* (a pattern counts wherever it sits in the block); then **fully connected** layers turn the "
    "patterns into class probabilities. This page builds one and opens it up."
)

# ------------------------------------------------------------------ worked examples
st.header("1 · The building blocks, by hand")
st.caption("Every matrix is editable: change a number and the result follows. The preset *Pooling & ReLU* (top "
           "of the page) puts the lecture's numbers back.")
if st.session_state.pop(RESTORE_MATRICES, False):
    st.session_state[MATRICES_VERSION] = st.session_state.get(MATRICES_VERSION, 0) + 1
version = st.session_state.get(MATRICES_VERSION, 0)
relu_tab, max_tab, mean_tab, conv_tab = st.tabs(["ReLU", "Max pooling", "Average pooling", "Convolution"])
with relu_tab:
    st.markdown("**ReLU** (rectified linear unit): `max(x, 0)`. Positive values pass, negative values become 0.")
    left, right = st.columns(2)
    with left:
        st.caption("Input: a 3 × 3 feature map")
        x = matrix_editor(layers.RELU_EXAMPLE, f"sup-relu-{version}")
    with right:
        st.caption("After ReLU")
        show_matrix(layers.relu(x), f"{int((x < 0).sum())} negative value(s) set to 0.")
    show_code(cnn_snippets.relu_snippet(x))


def pooling_tab(kind: str, example: np.ndarray) -> np.ndarray:
    """The pooling of an editable matrix; returns the matrix as the learner left it."""
    size = st.segmented_control("Window", [2, 3], default=2, key=f"sup-{kind}-size",
                                format_func=lambda s: f"{s} × {s}, stride {s}") or 2
    left, right = st.columns(2)
    with left:
        st.caption("Input (4 × 4 in the lecture)")
        x = matrix_editor(example, f"sup-{kind}-matrix-{version}")
    with right:
        st.caption(f"After {kind} pooling")
        try:
            pooled = layers.max_pool(x, size) if kind == "max" else layers.average_pool(x, size)
        except ValueError as exc:
            st.warning(str(exc).capitalize() + ".")
            return x
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
    return x


with max_tab:
    st.markdown("**Max pooling** keeps the strongest response of each block: *was the pattern anywhere here?*")
    max_matrix = pooling_tab("max", layers.MAX_POOL_EXAMPLE)
with mean_tab:
    st.markdown("**Average pooling** keeps the mean response of each block: *how much of the pattern is here?*")
    average_matrix = pooling_tab("average", layers.AVERAGE_POOL_EXAMPLE)


@st.fragment
def convolution_tab() -> None:
    volume = picker.current_volume()
    st.markdown(f"**Convolution** on your current image (**{md(volume.name)}**, chosen in the sidebar): the kernel "
                "slides over the image; at each place the pixels under it are multiplied by the kernel, cell by "
                "cell, and summed. That sum is one pixel of the *feature map*.")
    image = volume.slice2d()
    if volume.rgb:
        image = image[..., :3].astype(np.float64).mean(axis=-1)
        st.caption("A colour image: its three channels are averaged to one grey channel here.")
    elif volume.is_3d:
        st.caption(f"A {'4D' if volume.is_4d else '3D'} image: its middle slice"
                   f"{' of the first time point' if volume.is_4d else ''} is used.")
    image = np.asarray(image, dtype=np.float64)
    if not np.isfinite(image).all():
        if not np.isfinite(image).any():
            st.error("This image holds no finite value (all NaN or infinite): nothing to convolve.")
            return
        st.warning("This image holds NaN or infinite values; they are set to 0 here.")
        image = np.nan_to_num(image, nan=0.0, posinf=0.0, neginf=0.0)
    kernels = dict(layers.KERNELS)
    trained = st.session_state.get(TRAINED)
    if trained:
        weights = trained["model"].get_layer(cnn.conv_layer_names(trained["model"])[0]).get_weights()[0]
        if weights.shape[0] == weights.shape[1]:
            kernels["Learned by your network (conv1, filter 1)"] = weights[:, :, :, 0].sum(axis=2)
    kernels["My own (edit below)"] = None
    choice = st.selectbox("Kernel", list(kernels), key="sup-kernel")
    kernel = kernels[choice]
    if kernel is None:
        kernel = matrix_editor(np.array([[0.0, 0.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]), "sup-own-kernel")
    elif "Learned" in choice:
        st.caption("A kernel your network learned from its training images (summed over colour channels).")
    elif choice.startswith("Sobel"):
        st.caption(layers.SOBEL_NOTE)
    kr, kc = kernel.shape
    if image.shape[0] < kr or image.shape[1] < kc:
        st.warning(f"This image ({image.shape[0]} × {image.shape[1]}) is smaller than the {kr} × {kc} kernel: "
                   "choose a larger image in the sidebar.")
        return
    rows, cols = image.shape[0] - kr + 1, image.shape[1] - kc + 1
    rcol, ccol = st.columns(2)
    row = col = 0  # a slider needs min < max: a single possible row or column is stated, not offered
    if rows > 1:
        row = rcol.slider("Row of the output pixel", 0, rows - 1, rows // 2, key=f"sup-conv-row-{image.shape}")
    else:
        rcol.caption("Row of the output pixel: 0, the only one")
    if cols > 1:
        col = ccol.slider("Column of the output pixel", 0, cols - 1, cols // 2, key=f"sup-conv-col-{image.shape}")
    else:
        ccol.caption("Column of the output pixel: 0, the only one")
    patch, products, total = layers.convolution_terms(image, kernel, row, col)
    p_col, k_col, prod_col = st.columns(3)
    with p_col:
        st.caption(f"Pixels under the kernel (rows {row}-{row + kr - 1}, columns {col}-{col + kc - 1})")
        show_matrix(patch)
    with k_col:
        st.caption("Kernel")
        show_matrix(kernel)
    with prod_col:
        st.caption("Products, cell by cell")
        show_matrix(products)
    terms = " + ".join(f"({p:.4g} × {k:.4g})" for p, k in zip(patch.ravel()[:3], kernel.ravel()[:3]))
    st.markdown(f"**Sum** = {terms} + … = **{total:.6g}**, the feature map's pixel ({row}, {col}).")
    views, feature = convolution_views(image, np.asarray(kernel, dtype=np.float64))
    for column, (title, png, shape, alt) in zip(st.columns(len(views)), views):
        show_image(column, png, alt, caption=f"{title} · {shape[0]} × {shape[1]}", output_format="PNG", width="stretch")
    st.caption(f"The feature map ranges from {feature.min():.4g} to {feature.max():.4g}; "
               f"ReLU zeroes {100 * (feature < 0).mean():.0f}% of it. Each view is windowed to its own range.")
    show_code(cnn_snippets.convolution_snippet(patch, kernel))


with conv_tab:
    convolution_tab()

# ------------------------------------------------------------------ data
st.header("2 · The labelled images")
kind = st.radio("Data", list(SOURCES), format_func=SOURCES.get, key="sup-source")
defaults = DEFAULTS[kind]
size_col, *controls = st.columns(4)
size = size_col.select_slider("Image size = network input (pixels)", [32, 48, 64, 96], value=64, key="sup-size",
                              help="Smaller images train faster but lose detail.")
data, data_key, data_code = None, None, None
if kind == "zip":
    st.markdown("The layout of the public skin-cancer datasets: `train/benign/*.jpg`, `train/malignant/*.jpg`, "
                "optionally `test/benign/...` and `test/malignant/...`. Any number of classes: the folder names "
                f"are the class names, each with at least {class_folders.MIN_PER_CLASS} training images.")
    upload = st.file_uploader("Your .zip of class folders", type=["zip"], key="sup-zip")
    if upload is None:
        st.info("Upload a .zip to train on your own images; meanwhile, pick one of the generated sets above.",
                icon=":material/upload:")
    else:
        data = class_zip_data(upload, size)  # read once, budgeted per image, with progress and Stop
        data_key = ("zip", upload.file_id, size) if data is not None else None
        if data is not None:
            data_code = cnn_snippets.data_code("zip", size=size, filename=upload.name)
else:
    positive_name = "malignant" if kind == "dermoscopy" else "with a lesion"
    n = controls[0].slider("Number of images", 40, 2000, defaults["n"], step=20, key=f"sup-n-{kind}")
    fraction = controls[1].slider(f"Share {positive_name}", 0.05, 0.95, 0.5, step=0.05, key=f"sup-fraction-{kind}",
                                  help="0.5 balances the classes; move it to see what an unbalanced set does.")
    seed = int(controls[2].number_input("Seed", 0, 10_000, 0, key=f"sup-seed-{kind}",
                                        help="The same seed makes the same images."))
    data = generated_set(kind, n, fraction, size, seed)
    data_key = (kind, n, fraction, size, seed)
    data_code = cnn_snippets.data_code(kind, n, fraction, size, seed)
    if kind == "dermoscopy":
        explain(
            "No skin-cancer dataset can be downloaded here, so the course paints look-alikes whose classes follow "
            "the **ABCD rule** of dermatology: a melanoma tends to be **A**symmetric, with an irregular **B**order, "
            "several **C**olours (dark brown, black, blue-grey, red, white) and a **D**iameter over 6 mm; a benign "
            "naevus tends to be round, smooth, brown and small. Each feature is drawn from overlapping ranges, so "
            "some benign lesions look suspicious and some melanomas innocent. Skin tone, hairs and the dermoscope's "
            "round field vary in both classes.")
    else:
        explain(
            "Axial slices of the MNI152 T1 brain template (shipped with nilearn), shifted, flipped and with "
            "MRI noise; some get a bright lesion of random size, place and contrast inside the brain. The lesion "
            "masks are kept, so we can check later whether the network looked at the lesion.")

if data is not None:
    counts = labelled.class_counts(data.labels, len(data.class_names))
    ratio = labelled.imbalance(counts)
    metric_cols = st.columns(len(counts) + 1)
    metric_cols[0].metric("Images", f"{len(data):,}", help="Of which "
                          f"{int(data.test.sum()) if data.test is not None else 0} in a test/ folder.")
    for column, name, count in zip(metric_cols[1:], data.class_names, counts):
        column.metric(md(name.capitalize()), f"{count:,}", f"{100 * count / len(data):.0f}% of the images",
                      delta_color="off", delta_arrow="off")
    if ratio > labelled.IMBALANCE_RATIO:
        biggest = data.class_names[int(np.argmax(counts))]
        st.warning(f"**Unbalanced classes**: the largest class has {ratio:.1f} times the images of the smallest. "
                   f"A model that always answers *{md(biggest)}* is already right {100 * counts.max() / counts.sum():.0f}% "
                   "of the time: watch sensitivity and specificity, not accuracy alone.", icon=":material/balance:")
    st.caption("A few examples of each class, at the network's input size:")
    for c, name in enumerate(data.class_names):
        members = np.flatnonzero(data.labels == c)[:8]
        if members.size:
            gallery([unit_png(data.images[i]) for i in members],
                     [data.names[i] if data.names else name for i in members], columns=8)
    if data.features and kind == "dermoscopy":
        table = pd.DataFrame({name: [data.features[name][data.labels == c].mean() for c in range(2)]
                              for name in dermoscopy.FEATURES}, index=data.class_names).round(2)
        st.caption("Mean ABCD numbers per class (asymmetry and border from 0 to 1, number of colours, diameter):")
        st.dataframe(table, width="content")
    show_code(cnn_snippets.data_snippet(data_code))



def average_question() -> Question:
    """A numeric question on the matrix in the Average pooling tab, as the learner left it."""
    block = average_matrix[:2, :2]
    mean = float(block.mean())
    return Question(
        "In the *Average pooling* tab, what does 2 × 2 average pooling give for the **top-left block** of the input "
        "matrix as it stands now?",
        f"The mean of the four values: ({' + '.join(f'{v:g}' for v in block.ravel())}) / 4 = **{mean:g}**. "
        "Pooling keeps the fraction: no rounding.", mean, tolerance=0.01)


def conv_parameters_question(spec: cnn.ModelSpec, on_screen: bool) -> Question:
    """A numeric question on the parameters of the network's first convolution."""
    k, c, f = spec.kernel_size, spec.channels, spec.filters
    answer = k * k * c * f + f
    images = {1: "grey images (1 channel)", 3: "colour images (3 channels)"}.get(c, f"images of {c} channels")
    return Question(
        f"The first convolution of the network has **{f} filters of {k} × {k}** on {images}. How many parameters "
        "(weights and biases) does it learn?",
        f"Each filter has {k} × {k} × {c} = {k * k * c} weights and 1 bias: ({k * k * c} + 1) × {f} = **{answer}**"
        + (" (row *conv1* of the table in *3 · The network*)." if on_screen else "."), answer)


def the_end(spec: cnn.ModelSpec | None) -> None:
    """The self-check that closes the page, however far the learner got."""
    self_check("supervised", [
        average_question,
        lambda: conv_parameters_question(spec or cnn.ModelSpec(input_size=size), spec is not None),
        Question("A test set holds 95 benign and 5 malignant lesions. A model that always answers *benign* scores:",
                 "It is right on the 95 benign images (95% accuracy) and finds none of the 5 malignant ones "
                 "(sensitivity 0%): with unbalanced classes, accuracy alone hides a useless model.", 1,
                 ("95% accuracy, 100% sensitivity", "95% accuracy, 0% sensitivity", "50% accuracy, 50% sensitivity")),
        Question("After 40 epochs, training accuracy is 99% while validation accuracy is 72% and falling. What is "
                 "happening?",
                 "Overfitting: the network learns its training images by heart. More (or augmented) images, dropout "
                 "or fewer epochs help; training longer makes it worse.", 1,
                 ("Underfitting: train for more epochs", "Overfitting: it learns the training images by heart",
                  "The validation images are mislabelled")),
        Question("What does the red of a Grad-CAM overlay mark?",
                 "The feature maps of a convolution layer, each weighted by how much it raises the explained class's "
                 "score (its mean gradient), summed, positive part kept: where the network found evidence for the "
                 "class. The white outline, not the red, is the true lesion.", 1,
                 ("The brightest pixels of the image",
                  "Where the network found evidence for the explained class",
                  "The true lesion, drawn from its mask")),
    ])


# ------------------------------------------------------------------ model
st.header("3 · The network")
if data is None:
    st.info("Choose or upload a labelled set above to build a network for it.")
    the_end(None)
    st.stop()
channels, n_classes = int(data.images.shape[-1]), len(data.class_names)
st.markdown("Input → **[convolution → ReLU → pooling]** × blocks → flatten or global pooling → **fully connected** "
            "→ dropout → **softmax** (one probability per class).")
lecturing = lecturer_mode()  # fewer controls for a room: the advanced ones keep the values that train well
c1, c2, c3, c4 = st.columns(4)
blocks = c1.slider("Convolution blocks", 1, 4, 3, key="sup-blocks")
filters = c2.select_slider("Filters in the first block", [4, 8, 16, 32], 8, key="sup-filters",
                           help="Each block doubles them.")
if lecturing:
    kernel_size, pooling, head, dense, dropout, augment = 3, "max", defaults["head"], 32, defaults["dropout"], True
    st.caption(f"Kernels {kernel_size} × {kernel_size} · {pooling} pooling · {head} · {dense} fully connected "
               f"units · dropout {dropout:g} · random flips. Turn lecturer mode off to change them.")
else:
    kernel_size = c3.select_slider("Kernel size", [3, 5, 7], 3, key="sup-kernel-size")
    pooling = c4.radio("Pooling", cnn.POOLING, key="sup-pooling", horizontal=True)
    c5, c6, c7, c8 = st.columns(4)
    head = c5.selectbox("From maps to vector", cnn.HEADS, index=cnn.HEADS.index(defaults["head"]),
                        key=f"sup-head-{kind}",
                        help="Flatten keeps where each feature is; global max pooling asks only whether it is "
                             "anywhere: better for a lesion that can sit anywhere in the brain.")
    dense = c6.select_slider("Fully connected units", [0, 16, 32, 64, 128], 32, key="sup-dense")
    dropout = c7.slider("Dropout", 0.0, 0.7, defaults["dropout"], 0.1, key=f"sup-dropout-{kind}",
                        help="Share of the fully connected outputs switched off at random during training, "
                             "against overfitting.")
    augment = c8.toggle("Random flips", True, key="sup-augment",
                        help="While training, shows each image flipped up-down or left-right at random: more "
                             "variety for free.")
spec = cnn.ModelSpec(input_size=size, channels=channels, n_classes=n_classes, conv_blocks=blocks, filters=filters,
                     kernel_size=kernel_size, pooling=pooling, dense_units=dense, dropout=dropout, head=head,
                     augment=augment)
st.caption(f"TensorFlow {installed('tensorflow')} and Keras {installed('keras')} (loaded when you train) · "
           f"input {size} × {size} × {channels} · {n_classes} classes")
try:
    rows = cnn.layer_table(spec)
except ValueError as exc:
    st.error(str(exc).capitalize() + ".")
    the_end(spec)
    st.stop()
total = sum(row["parameters"] for row in rows)
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=35 * (len(rows) + 1) + 3)
st.caption(f"**{total:,} parameters** (weights and biases) to learn. Pooling, ReLU, flatten and dropout have none; "
           "a convolution has kernel × kernel × input channels × filters weights plus one bias per filter.")
show_code(cnn_snippets.model_snippet(spec))

# ------------------------------------------------------------------ training
st.header("4 · Training")
t1, t2, t3, t4 = st.columns(4)
epochs = t1.slider("Epochs", 1, 60, defaults["epochs"], key=f"sup-epochs-{kind}",
                   help="One epoch = every training image seen once.")
if lecturing:
    batch_size, learning_rate, validation = 32, 3e-3, 0.2
    st.caption(f"Batches of {batch_size} images · learning rate {learning_rate:g} (Adam) · "
               f"{validation:.0%} of each class held out for validation.")
else:
    batch_size = t2.select_slider("Batch size", [8, 16, 32, 64, 128], 32, key="sup-batch",
                                  help="Images per weight update.")
    learning_rate = t3.select_slider("Learning rate", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2], 3e-3, key="sup-lr",
                                     format_func=lambda v: f"{v:g}", help="Step size of the Adam optimiser.")
    validation = t4.slider("Held out for validation", 0.1, 0.4, 0.2, 0.05, key="sup-validation",
                           help="Share of each class kept apart: the network never trains on these images.")
train_idx, val_idx, eval_idx = labelled.training_split(data, validation, seed=0)
st.caption(f"{len(train_idx)} training images, {len(val_idx)} validation images"
           + (f", {len(eval_idx)} test images (test/ folder)" if data.test is not None else "") + ".")
problem = None
if labelled.class_counts(data.labels[train_idx], n_classes).min() == 0:
    problem = "A class has no training image: add images of every class."
if st.button("Train the network", type="primary", icon=":material/model_training:", key="sup-train",
             disabled=problem is not None):
    # Stop (or any other control) reruns the page: this run is interrupted at its next progress update, inside
    # model.fit, and the half-trained network is dropped. The result is stored last, inside the block, so a
    # result is kept exactly when the block is not reported as stopped.
    with stoppable(STOP):
        progress = st.progress(0.0, text="Starting...")
        chart = st.empty()

        def report(epoch: int, history: cnn.History) -> None:
            progress.progress(epoch / epochs, text=f"Epoch {epoch}/{epochs} · loss {history.loss[-1]:.3f} · "
                                                   f"validation accuracy {history.val_accuracy[-1]:.1%} · "
                                                   f"{history.seconds:.1f} s")
            show_figure(chart, curves_figure(history, epochs), config=PLOT_CONFIG, key=f"sup-live-{epoch}")

        def report_batch(epoch: int, done: int, batches: int) -> None:
            progress.progress((epoch - 1 + done / batches) / epochs,
                              text=f"Epoch {epoch}/{epochs} · batch {done} of {batches}")

        try:  # a Dask task (ui.heavy): queued behind other learners' work, its progress shown here
            trained_now = heavy.run("training", train_network, spec, data.images[train_idx], data.labels[train_idx],
                                    data.images[val_idx], data.labels[val_idx], epochs, batch_size, learning_rate,
                                    seed=0, callbacks={"on_epoch": report, "on_batch": report_batch})
        except heavy.WorkLost as exc:
            trained_now = None
            st.error(str(exc), icon=":material/error:")
        progress.empty()
        chart.empty()
        if trained_now is not None:
            keras_ready()  # after the task: the worker imported TensorFlow for the training, this server now
            st.session_state[TRAINED] = {"model": cnn.model_from_bytes(trained_now.model_bytes),
                                         "history": trained_now.history, "epochs": epochs, "data_key": data_key,
                                         "class_names": data.class_names, "validation": validation,
                                         "source": kind, "bytes": trained_now.model_bytes}
elif was_stopped(STOP):
    st.info(STOPPED.format("Training") + " Press **Train the network** to start again."
            + (" The sections below still show the network trained before." if TRAINED in st.session_state else ""),
            icon=":material/stop_circle:")
if problem:
    st.warning(problem)
show_code(cnn_snippets.training_snippet(spec, data_code, epochs, batch_size, learning_rate, validation))

uploaded_model = st.file_uploader("Or load a model saved from this page (.keras)", type=["keras"], key="sup-model-file")
if uploaded_model is not None and st.session_state.get("sup-model-file-id") != uploaded_model.file_id:
    st.session_state["sup-model-file-id"] = uploaded_model.file_id
    keras_ready()
    bar = st.progress(0.0, text="Loading the model...")
    try:
        with stoppable("sup-model-stop"):  # checked against the model budget first, then loaded from memory
            loaded = cnn.model_from_bytes(uploaded_model.getvalue(), uploaded_model.name,
                                          progress=lambda done, what: bar.progress(done, text=what + "..."))
        st.session_state[TRAINED] = {"model": loaded, "history": None, "epochs": 0, "data_key": None,
                                     "class_names": None, "validation": validation, "source": "upload",
                                     "bytes": uploaded_model.getvalue(), "name": uploaded_model.name}
        st.session_state.pop("sup-model-error", None)
    except cnn.ModelLoadError as exc:
        st.session_state["sup-model-error"] = str(exc)
    finally:
        bar.empty()
        if was_stopped("sup-model-stop"):
            st.session_state["sup-model-error"] = STOPPED.format("Loading the model") + " Upload it again."
if "sup-model-error" in st.session_state and uploaded_model is not None:
    st.error(md(st.session_state["sup-model-error"], limit=None), icon=":material/error:")

trained = st.session_state.get(TRAINED)
if trained is None:
    st.info("Press **Train the network** (about 10-20 s with the defaults) to fill the sections below.",
            icon=":material/model_training:")
    the_end(spec)
    st.stop()
keras_ready()  # this session holds a Keras model: TensorFlow is in memory already, this finishes its set-up once
model = trained["model"]
in_shape = tuple(model.inputs[0].shape[1:])
out_classes = int(model.outputs[0].shape[-1]) if model.outputs[0].shape[-1] != 1 else 2
if in_shape != (size, size, channels) or out_classes != n_classes:
    st.warning(f"The network in memory takes {' × '.join(map(str, in_shape))} images and answers {out_classes} "
               f"classes, but the current set has {size} × {size} × {channels} images and {n_classes} classes. "
               "Train again (or change the data back) to continue.")
    the_end(spec)
    st.stop()
if trained["history"] is not None:
    history = trained["history"]
    show_figure(st, curves_figure(history, trained["epochs"]), table=True, config=PLOT_CONFIG, key="sup-curves")
    gap = history.accuracy[-1] - history.val_accuracy[-1]
    st.caption(f"After {history.epochs} epochs ({history.seconds:.1f} s): training accuracy "
               f"{history.accuracy[-1]:.1%}, validation accuracy {history.val_accuracy[-1]:.1%}."
               + (" Training accuracy well above validation accuracy means **overfitting**: the network learns "
                  "its training images by heart." if gap > 0.1 else ""))
else:
    st.caption(f"Using the model loaded from {md(trained.get('name', 'your file'))}.")
if trained["data_key"] != data_key:
    st.warning("This network was not trained on the current set with the current split: some of the images "
               "below may be ones it trained on, which flatters it.", icon=":material/warning:")
if trained["bytes"] is None:
    trained["bytes"] = cnn.model_to_bytes(model)
st.download_button("Download the trained model (.keras)", trained["bytes"], file_name=cnn_snippets.MODEL_FILE,
                   mime="application/octet-stream", icon=":material/download:", key="sup-download")

proba = cnn.predict_proba(model, data.images[eval_idx])
predicted = proba.argmax(axis=1)
names = data.class_names
eval_label = "test" if data.test is not None else "validation"

# ------------------------------------------------------------------ inside
st.header("5 · Inside the network")
conv_names = cnn.conv_layer_names(model)


@st.fragment
def inside_section() -> None:
    if not conv_names:
        st.info("This model has no convolution layer to look into.")
        return
    a, b, c = st.columns(3)
    position = a.slider(f"Image ({eval_label} set)", 1, len(eval_idx), 1, key="sup-inside-image") - 1
    conv = b.selectbox("Convolution layer", conv_names, key="sup-inside-layer")
    shown = c.select_slider("Maps shown", [4, 8, 16, 32], 8, key="sup-inside-count")
    index = int(eval_idx[position])
    maps = cnn.feature_maps(model, data.images[index], conv)
    left, right = st.columns([1, 4])
    with left:
        picture = unit_png(data.images[index])
        name = data.names[index] if data.names else index
        show_image(st, picture, describe_image(picture, f"Input image {name}"), caption=md(name),
                   width="stretch", output_format="PNG")
        st.caption(" · ".join(f"{md(n)}: {p:.0%}" for n, p in zip(names, proba[position])))
    with right:
        for stage, text in (("convolution", "after the convolution (weighted sums plus bias: can be negative)"),
                            ("ReLU", "after ReLU (negative values set to 0: black)"),
                            ("pooling", "after pooling (half the rows and columns)")):
            if stage in maps:
                m = maps[stage]
                st.caption(f"**{m.shape[2]} maps of {m.shape[0]} × {m.shape[1]}** {text} · "
                           f"values {m.min():.3g} to {m.max():.3g}")
                show_image(st, cnn.feature_grid(m, columns=min(shown, 8), limit=shown, gap=2), width="stretch",
                           output_format="PNG", alt=f"Grid of the first {min(shown, m.shape[2])} of {m.shape[2]} "
                           f"feature maps {text}, each {m.shape[0]} × {m.shape[1]}, values {m.min():.3g} to "
                           f"{m.max():.3g}, each scaled to its own range")
    st.caption("Each map is scaled to its own range. Early layers respond to edges and colours; deeper ones, "
               "smaller and more numerous, to combinations of them.")
    layer_names = [layer.name for layer in model.layers]
    after = layer_names[layer_names.index(conv) + 1:]
    relu_name = next((n for n in after[:2] if n.startswith("relu")), None)
    pool_name = next((n for n in after if n.startswith("pool")), None)
    show_code(cnn_snippets.feature_maps_snippet(data_code, validation, 0, index, conv, relu_name, pool_name, 0))


inside_section()

# ------------------------------------------------------------------ evaluation
st.header("6 · Evaluation on images it never trained on")
default_positive = names.index("malignant") if "malignant" in names else n_classes - 1
positive = st.selectbox("Positive class (the disease)", range(n_classes), index=default_positive,
                        format_func=lambda c: names[c], key="sup-positive")
result = cnn.evaluate(data.labels[eval_idx], proba, positive)
majority = labelled.class_counts(data.labels[eval_idx], n_classes).max() / max(len(eval_idx), 1)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Accuracy", f"{result.accuracy:.1%}", help="Share of right answers.")
m2.metric("Sensitivity", "n/a" if np.isnan(result.sensitivity) else f"{result.sensitivity:.1%}",
          help=f"Of the truly {md(names[positive])} images, the share found (true positive rate).")
m3.metric("Specificity", "n/a" if np.isnan(result.specificity) else f"{result.specificity:.1%}",
          help=f"Of the images that are not {md(names[positive])}, the share correctly cleared (true negative rate).")
m4.metric("AUC", "n/a" if np.isnan(result.auc) else f"{result.auc:.3f}",
          help="Area under the ROC curve: 0.5 is guessing, 1 is perfect.")
st.caption(f"On the {len(eval_idx)} {eval_label} images. Always answering the biggest class would score "
           f"{majority:.0%} accuracy: a model must beat that, and find the {md(names[positive])} images (sensitivity).")
if caution := small_samples.caution_text(small_samples.few_examples(data.labels[eval_idx], names), len(eval_idx)):
    st.warning(caution, icon=":material/warning:")
left, right = st.columns(2)
with left:
    st.caption("Confusion matrix: rows are the truth, columns the network's answer")
    st.dataframe(pd.DataFrame(result.confusion, index=[f"is {n}" for n in names],
                              columns=[f"said {n}" for n in names]), width="content")
with right:
    if np.isnan(result.auc):
        st.info("The ROC curve needs images of the positive class and of the others.")
    else:
        roc = go.Figure(go.Scatter(x=result.fpr, y=result.tpr, mode="lines+markers", name="network",
                                   hovertemplate="1 − specificity %{x:.2f}<br>sensitivity %{y:.2f}<extra></extra>"))
        roc.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, name="guessing")
        roc.update_layout(title=f"ROC curve · AUC {result.auc:.3f}", height=330, xaxis_title="1 − specificity",
                          yaxis_title="sensitivity", margin={"l": 10, "r": 10, "t": 40, "b": 10})
        show_figure(st, roc, table=True, config=PLOT_CONFIG, key="sup-roc")
wrong = np.flatnonzero(predicted != data.labels[eval_idx])
st.caption(f"**{len(wrong)} misclassified** of {len(eval_idx)}" + (": the first ones below." if len(wrong) else "."))
if len(wrong):
    gallery([unit_png(data.images[eval_idx[i]]) for i in wrong[:12]],
            [f"is {names[data.labels[eval_idx[i]]]}, said {names[predicted[i]]} ({proba[i].max():.0%})"
             for i in wrong[:12]], columns=6)
show_code(cnn_snippets.evaluation_snippet(data_code, validation, 0, data.test is not None, positive))

# ------------------------------------------------------------------ Grad-CAM
st.header("7 · Grad-CAM: where did it look?")
explain("**Grad-CAM** (gradient-weighted class activation map) weights each feature map of a convolution layer "
            "by how much the class score rises when that map rises (its mean gradient), sums them and keeps the "
            "positive part: red marks the pixels that spoke **for** the class.")
cam_layers = cnn.cam_layer_names(model)


@st.fragment
def grad_cam_section() -> None:
    if not cam_layers:
        st.info("This model has no layer with feature maps for Grad-CAM.")
        return
    if data.masks is not None and st.session_state.pop(FIRST_LESION, False):  # the Grad-CAM preset
        with_lesion = np.flatnonzero(data.masks[eval_idx].any(axis=(1, 2)))
        if with_lesion.size:
            st.session_state["sup-cam-image"] = int(with_lesion[0]) + 1
    a, b, c, d = st.columns(4)
    position = a.slider(f"Image ({eval_label} set)", 1, len(eval_idx), 1, key="sup-cam-image") - 1
    target = b.selectbox("Explain the class", [None, *range(n_classes)], key="sup-cam-class",
                         format_func=lambda t: "the predicted one" if t is None else names[t])
    default_layer = cnn.default_cam_layer(model)
    layer = c.selectbox("Layer", cam_layers, index=cam_layers.index(default_layer), key="sup-cam-layer",
                        help="The last convolution sees the largest patterns; earlier ones give sharper, "
                             "more local maps.")
    opacity = d.slider("Heatmap opacity", 0.0, 1.0, 0.5, 0.05, key="sup-cam-opacity")
    index = int(eval_idx[position])
    image = data.images[index]
    heatmap = cnn.grad_cam(model, image, target, layer)
    explained = int(predicted[position]) if target is None else int(target)
    left, right = st.columns(2)
    show_image(left, unit_png(image), describe_image(unit_png(image), f"Input image, truth: {names[data.labels[index]]}"),
               caption=f"{md(data.names[index] if data.names else index)} · truth: {md(names[data.labels[index]])}",
               width="stretch", output_format="PNG")
    overlay = cnn.heatmap_overlay(image, heatmap, opacity)
    if data.masks is not None and data.masks[index].any():
        from skimage.segmentation import find_boundaries
        overlay[find_boundaries(data.masks[index], mode="outer")] = (255, 255, 255)
    has_mask = data.masks is not None and data.masks[index].any()
    show_image(right, overlay, heatmap_alt(heatmap, f"Grad-CAM heatmap for “{names[explained]}” (viridis: dark "
               "purple low, yellow high)", data.masks[index] if has_mask else None),
               caption=f"Grad-CAM for “{md(names[explained])}” (p = {proba[position][explained]:.0%}), layer "
               f"{md(layer)}" + (" · white outline: the true lesion" if data.masks is not None and data.masks[index].any()
                              else ""), width="stretch", output_format="PNG")
    if not heatmap.any():
        st.warning(f"The map is blank: nothing in this image raises the score of “{md(names[explained])}” at layer "
                   f"{md(layer)}. Try the other class or another layer.", icon=":material/visibility_off:")
    if data.masks is not None:
        with_finding = eval_idx[(data.labels[eval_idx] == positive) & data.masks[eval_idx].any(axis=(1, 2))]
        if with_finding.size:
            maps, _ = cnn.grad_cams(model, data.images[with_finding], positive, layer)
            hits = cnn.pointing_game(maps, data.masks[with_finding])
            st.metric("Pointing game", f"{hits.mean():.0%}", f"{int(hits.sum())} of {hits.size} {md(names[positive])} images",
                      delta_color="off", delta_arrow="off",
                      help="Share of the images whose Grad-CAM maximum (for the positive class) falls on the true "
                           "lesion mask (Zhang et al. 2018). A high score says the network looks at the lesion, "
                           "not at the background.")
    show_code(cnn_snippets.grad_cam_snippet(data_code, index, layer, target))

    st.subheader("On your own image")
    volume = picker.current_volume()
    st.caption(f"The image chosen in the sidebar (**{md(volume.name)}**; middle slice for a 3D image), scaled to "
               f"{size} × {size} × {channels} for the network.")
    try:
        own = labelled.to_model_input(volume.slice2d(), size, channels)
    except ValueError as exc:
        st.error(f"This image cannot be fed to the network: {exc}.")
        return
    own_proba = cnn.predict_proba(model, own[None])[0]
    own_class = int(own_proba.argmax()) if target is None else int(target)
    own_map = cnn.grad_cam(model, own, own_class, layer)
    x, y = st.columns(2)
    show_image(x, unit_png(own), describe_image(unit_png(own), "What the network receives"),
               caption="What the network receives", width="stretch", output_format="PNG")
    show_image(y, cnn.heatmap_overlay(own, own_map, opacity), heatmap_alt(own_map, f"Grad-CAM heatmap for "
               f"“{names[own_class]}” (viridis: dark purple low, yellow high)"), width="stretch", output_format="PNG",
               caption=f"Grad-CAM for “{md(names[own_class])}” · " + " · ".join(f"{md(n)}: {p:.0%}" for n, p in zip(names, own_proba)))
    if not own_map.any():
        st.warning("The map is blank for this image and class.", icon=":material/visibility_off:")
    st.info("A network only knows its training images. Shown anything else (a CT slice to a skin-lesion model), "
            "it still answers, often confidently, and wrongly: it fails silently.", icon=":material/psychology_alt:")


grad_cam_section()
explanations.section(model, spec if trained["history"] is not None else None, data, train_idx, val_idx, eval_idx,
                     positive, names, data_code)

the_end(spec)
