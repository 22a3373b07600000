"""Lesson 6's network: its settings, its table, training on the course's heavy-work path, a model upload.

The network the lesson explains is one `Network` in the session (under
`TRAINED`), written here only: by a training or by a model the learner
uploads. A training started by a preset is also kept in this session's memo
under its settings, so pressing the preset again is instant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from core import cnn
from core.snippets import cnn as cnn_snippets
from core.data import labelled
from core.heavy import train_network
from ui import heavy
from ui.alt import show_figure
from ui.code import show_code
from ui.curves import TRAINING, VALIDATION, epoch_curves
from ui.lesson import STOPPED, stoppable, was_stopped
from ui.memo import session_memo
from ui.safe_text import md
from ui.supervised_blocks import table
from ui.supervised_data import DataChoice, read_stoppable
from ui.viewer import PLOT_CONFIG

TRAINED = "sup_trained"
STOP = "sup-stop"
MODEL_STOP = "sup-model-stop"
SEED = 0


@dataclass
class Network:
    """The network the lesson explains.

    Attributes
    ----------
    model : keras.Model
    history : core.cnn.History or None
        Its training curves (None for an uploaded model).
    epochs : int
        Epochs asked for (0 for an uploaded model).
    data_key : tuple or None
        The set and split it was trained on (None for an uploaded model).
    model_bytes : bytes or None
        The ``.keras`` file, for the download (made when first asked for).
    name : str or None
        The uploaded file's name.
    """

    model: Any
    history: cnn.History | None
    epochs: int
    data_key: tuple | None
    model_bytes: bytes | None = None
    name: str | None = None


@dataclass(frozen=True)
class Recipe:
    """The architecture and the training settings chosen on the page."""

    spec: cnn.ModelSpec
    epochs: int
    batch_size: int
    learning_rate: float
    validation: float


@dataclass(frozen=True)
class Setup:
    """The set, the recipe and the split: everything a training and the sections after it need."""

    choice: DataChoice
    recipe: Recipe
    train_idx: np.ndarray = field(repr=False)
    val_idx: np.ndarray = field(repr=False)
    eval_idx: np.ndarray = field(repr=False)

    @property
    def key(self) -> tuple:
        """The set and split a network must have been trained on to be judged on this setup's held-out images."""
        return (self.choice.key, self.recipe.validation)

    @property
    def eval_label(self) -> str:
        """What the held-out images are called: a test/ folder's, or the validation images."""
        return "test" if self.choice.data.test is not None else "validation"


@st.cache_resource(show_spinner="Loading TensorFlow and Keras (once per server)...")
def keras_ready() -> None:
    """Import TensorFlow once per server; later runs find it loaded, without a full gc.collect after each run.

    Called only where Keras is needed (training, a model upload, a trained model in the session): the
    convolution, pooling and ReLU demos and the network's table need no TensorFlow.
    """
    from ui.keras_cleanup import light_keras_cleanup

    light_keras_cleanup()


def installed(package: str) -> str:
    """A package's installed version, from its metadata (importing nothing)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "(not installed)"


def choose_recipe(choice: DataChoice, fold: bool) -> Recipe:
    """Draw the architecture and training controls and return the recipe.

    Parameters
    ----------
    choice : DataChoice
        The set the network is for (its image size, channels, classes and defaults).
    fold : bool
        Fold the advanced controls into an expander (lecturer mode: fewer controls for a room, while presets
        and links still set them).
    """
    data, defaults, kind = choice.data, choice.defaults, choice.kind
    c1, c2, c3, c4 = st.columns(4)
    blocks = c1.slider("Convolution blocks", 1, 4, 3, key="sup-blocks", bind="query-params")
    filters = c2.select_slider("Filters in the first block", [4, 8, 16, 32], 8, key="sup-filters",
                               bind="query-params", help="Each block doubles them.")
    epochs = c3.slider("Epochs", 1, 60, defaults["epochs"], key=f"sup-epochs-{kind}", bind="query-params",
                       help="One epoch = every training image seen once.")
    advanced = st.expander("Advanced settings", icon=":material/tune:") if fold else st.container()
    with advanced:
        c5, c6, c7, c8 = st.columns(4)
        kernel_size = c5.select_slider("Kernel size", [3, 5, 7], 3, key="sup-kernel-size", bind="query-params")
        pooling = c6.radio("Pooling", cnn.POOLING, key="sup-pooling", horizontal=True, bind="query-params")
        head = c7.selectbox("From maps to vector", cnn.HEADS, index=cnn.HEADS.index(defaults["head"]),
                            key=f"sup-head-{kind}", bind="query-params",
                            help="Flatten keeps where each feature is; global max pooling asks only whether it is "
                                 "anywhere: better for a lesion that can sit anywhere in the brain.")
        dense = c8.select_slider("Fully connected units", [0, 16, 32, 64, 128], 32, key="sup-dense",
                                 bind="query-params")
        c9, c10, c11, c12 = st.columns(4)
        dropout = c9.slider("Dropout", 0.0, 0.7, defaults["dropout"], 0.1, key=f"sup-dropout-{kind}",
                            bind="query-params", help="Share of the fully connected outputs switched off at random "
                                                      "during training, against overfitting.")
        augment = c10.toggle("Random flips", True, key="sup-augment", bind="query-params",
                             help="While training, shows each image flipped up-down or left-right at random: more "
                                  "variety for free.")
        batch_size = c11.select_slider("Batch size", [8, 16, 32, 64, 128], 32, key="sup-batch",
                                       bind="query-params", help="Images per weight update.")
        learning_rate = c12.select_slider("Learning rate", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2], 3e-3, key="sup-lr",
                                          bind="query-params", format_func=lambda v: f"{v:g}",
                                          help="Step size of the Adam optimiser.")
        validation = st.slider("Held out for validation", 0.1, 0.4, 0.2, 0.05, key="sup-validation",
                               bind="query-params", help="Share of each class kept apart: the network never "
                                                         "trains on these images.")
    spec = cnn.ModelSpec(input_size=choice.size, channels=int(data.images.shape[-1]),
                         n_classes=len(data.class_names), conv_blocks=blocks, filters=filters,
                         kernel_size=kernel_size, pooling=pooling, dense_units=dense, dropout=dropout, head=head,
                         augment=augment)
    return Recipe(spec, epochs, batch_size, learning_rate, validation)


def setup(choice: DataChoice, recipe: Recipe) -> Setup:
    """The training, validation and held-out images of `choice` for `recipe`'s validation share."""
    return Setup(choice, recipe, *labelled.training_split(choice.data, recipe.validation, seed=SEED))


def network_table(recipe: Recipe, draw: bool = True) -> bool:
    """The network's layers and parameters, worked out from its settings (no Keras); False when it cannot be built.

    Parameters
    ----------
    recipe : Recipe
    draw : bool
        False: only check that the network can be built (nothing drawn).
    """
    spec = recipe.spec
    try:
        rows = cnn.layer_table(spec)
    except ValueError as exc:
        if draw:
            st.error(str(exc).capitalize() + ".")
        return False
    if not draw:
        return True
    st.markdown("Input → **[convolution → ReLU → pooling]** × blocks → flatten or global pooling → **fully "
                "connected** → dropout → **softmax** (one probability per class).")
    st.caption(f"TensorFlow {installed('tensorflow')} and Keras {installed('keras')} (loaded when you train) · "
               f"input {spec.input_size} × {spec.input_size} × {spec.channels} · {spec.n_classes} classes")
    total = sum(row["parameters"] for row in rows)
    table(pd.DataFrame(rows), hide_index=True, width="stretch", height=35 * (len(rows) + 1) + 3)
    st.caption(f"**{total:,} parameters** (weights and biases) to learn. Pooling, ReLU, flatten and dropout have "
               "none; a convolution has kernel × kernel × input channels × filters weights plus one bias per filter.")
    show_code(cnn_snippets.model_snippet(spec), "Show the code: build this network")
    return True


def curves_figure(history: cnn.History, epochs: int):
    """Loss and accuracy per epoch, training against validation, side by side."""
    figure = epoch_curves([("Loss (lower is better)", [("training", history.loss, TRAINING),
                                                       ("validation", history.val_loss, VALIDATION)]),
                           ("Accuracy", [("training", history.accuracy, TRAINING),
                                         ("validation", history.val_accuracy, VALIDATION)])], epochs)
    return figure.update_yaxes(range=[0, 1.02], row=1, col=2)


def _train(setup: Setup) -> Network:
    """Train the recipe's network on the setup's images as a Dask task, with its progress and live curves.

    Raises
    ------
    ui.heavy.WorkLost
        When the task could not finish.
    """
    recipe, data = setup.recipe, setup.choice.data
    epochs = recipe.epochs
    progress = st.progress(0.0, text="Starting...")
    chart = st.empty()

    def report(epoch: int, history: cnn.History) -> None:
        progress.progress(epoch / epochs, text=f"Epoch {epoch}/{epochs} · loss {history.loss[-1]:.3f} · "
                                               f"validation accuracy {history.val_accuracy[-1]:.1%} · "
                                               f"{history.seconds:.1f} s")
        show_figure(chart, curves_figure(history, epochs), config=PLOT_CONFIG, key=f"sup-live-{epoch}")

    try:  # queued behind other learners' work, its progress shown here
        trained = heavy.run("training", train_network, recipe.spec, data.images[setup.train_idx],
                            data.labels[setup.train_idx], data.images[setup.val_idx], data.labels[setup.val_idx],
                            epochs, recipe.batch_size, recipe.learning_rate, seed=SEED,
                            callbacks={"on_epoch": report, "on_batch": heavy.batch_progress(progress, epochs)})
    finally:
        progress.empty()
        chart.empty()
    keras_ready()  # after the task: the worker imported TensorFlow for the training, this server now
    return Network(cnn.model_from_bytes(trained.model_bytes), trained.history, epochs, setup.key,
                   trained.model_bytes)


def train_button(setup: Setup, start: bool = False) -> None:
    """The Train button, its Stop and its messages; `start` trains at once (a preset) from this session's memo.

    Stop (or any other control) reruns the page: the training is interrupted at its next progress update and
    nothing is kept. The network is stored last, inside the block, so it is kept exactly when the block is not
    reported as stopped.
    """
    data = setup.choice.data
    problem = None
    if labelled.class_counts(data.labels[setup.train_idx], len(data.class_names)).min() == 0:
        problem = "A class has no training image: add images of every class."
    pressed = st.button("Train the network", type="primary", icon=":material/model_training:", key="sup-train",
                        disabled=problem is not None)
    if (pressed or start) and problem is None:
        with stoppable(STOP):
            try:
                if pressed:
                    network = _train(setup)
                else:  # the same preset twice in a session: the second time is instant
                    network = session_memo("sup-preset-networks", (setup.key, setup.recipe), lambda: _train(setup))
            except heavy.WorkLost as exc:
                network = None
                st.error(str(exc), icon=":material/error:")
            if network is not None:
                st.session_state[TRAINED] = network
    elif was_stopped(STOP):
        st.info(STOPPED.format("Training") + " Press **Train the network** to start again."
                + (" The other sections still show the network trained before." if TRAINED in st.session_state
                   else ""), icon=":material/stop_circle:")
    if problem:
        st.warning(problem)


def _load_model(upload) -> Network:
    """Check and load an uploaded .keras file (budget first), with its progress."""
    keras_ready()
    bar = st.progress(0.0, text="Loading the model...")
    try:
        model = cnn.model_from_bytes(upload.getvalue(), upload.name,
                                     progress=lambda done, what: bar.progress(done, text=what + "..."))
    finally:
        bar.empty()
    return Network(model, None, 0, None, upload.getvalue(), upload.name)


def model_upload() -> None:
    """Load a model saved from this page: it becomes the network the lesson explains, once per file."""
    upload = st.file_uploader("Or load a model saved from this page (.keras)", type=["keras"], key="sup-model-file")
    if upload is None:
        return
    outcome = read_stoppable("sup-model", upload, _load_model, MODEL_STOP, "Loading the model")
    if outcome is None:
        return
    if outcome.error:
        st.error(md(outcome.error, limit=None), icon=":material/error:")
    elif st.session_state.get("sup-model-loaded") != upload.file_id:  # a new file: it replaces the network
        st.session_state["sup-model-loaded"] = upload.file_id
        st.session_state[TRAINED] = outcome.value


def training(setup: Setup, start: bool = False) -> None:
    """The *Training* section: Train (at once for a preset), the curves, the download, the network's table, an upload.

    The curves come first after the button, so a preset's figure is the first thing under the controls.
    """
    recipe, data = setup.recipe, setup.choice.data
    valid = network_table(recipe, draw=False)
    st.caption(f"{len(setup.train_idx)} training images, {len(setup.val_idx)} validation images"
               + (f", {len(setup.eval_idx)} test images (test/ folder)" if data.test is not None else "") + ".")
    if valid:
        train_button(setup, start)
    network = st.session_state.get(TRAINED)
    if network is not None and network.history is not None and not mismatch(network.model, recipe.spec):
        history = network.history
        show_figure(st, curves_figure(history, network.epochs), table=True, config=PLOT_CONFIG, key="sup-curves")
        gap = history.accuracy[-1] - history.val_accuracy[-1]
        st.caption(f"After {history.epochs} epochs ({history.seconds:.1f} s): training accuracy "
                   f"{history.accuracy[-1]:.1%}, validation accuracy {history.val_accuracy[-1]:.1%}."
                   + (" Training accuracy well above validation accuracy means **overfitting**: the network learns "
                      "its training images by heart." if gap > 0.1 else ""))
    network_table(recipe)
    if valid:
        show_code(cnn_snippets.training_snippet(recipe.spec, setup.choice.code, recipe.epochs, recipe.batch_size,
                                                recipe.learning_rate, recipe.validation), "Show the code: train it")
    model_upload()
    if usable(setup) is not None:
        network = st.session_state[TRAINED]
        if network.model_bytes is None:
            network.model_bytes = cnn.model_to_bytes(network.model)
        st.download_button("Download the trained model (.keras)", network.model_bytes,
                           file_name=cnn_snippets.MODEL_FILE, mime="application/octet-stream",
                           icon=":material/download:", key="sup-download")


def mismatch(model, spec: cnn.ModelSpec) -> str | None:
    """Why `model` cannot be judged on images made for `spec` (input shape or number of classes), or None."""
    in_shape = tuple(model.inputs[0].shape[1:])
    out_classes = int(model.outputs[0].shape[-1]) if model.outputs[0].shape[-1] != 1 else 2
    if in_shape == (spec.input_size, spec.input_size, spec.channels) and out_classes == spec.n_classes:
        return None
    return (f"The network in memory takes {' × '.join(map(str, in_shape))} images and answers {out_classes} "
            f"classes, but the current set has {spec.input_size} × {spec.input_size} × {spec.channels} images and "
            f"{spec.n_classes} classes. Train again (or change the data back) to continue.")


def usable(setup: Setup) -> Network | None:
    """The session's network when it fits the current set (else None, with the reason on the page)."""
    network = st.session_state.get(TRAINED)
    if network is None:
        st.info("Press **Train the network** (about 10-20 s with the defaults) to fill this section.",
                icon=":material/model_training:")
        return None
    keras_ready()  # this session holds a Keras model: TensorFlow is in memory already, this finishes its set-up once
    if reason := mismatch(network.model, setup.recipe.spec):
        st.warning(reason)
        return None
    if network.name is not None:
        st.caption(f"Using the model loaded from {md(network.name)}.")
    elif network.data_key != setup.key:
        st.warning("This network was not trained on the current set with the current split: some of the images "
                   "below may be ones it trained on, which flatters it.", icon=":material/warning:")
    return network


def needed(setup: Setup, start: bool = False) -> Network | None:
    """A section's network: the Train button first when none fits yet (a preset's `start` trains at once)."""
    if not network_table(setup.recipe, draw=False):
        st.error("These settings make no network (see *Training*): change them in the folded settings above.")
        return None
    network = st.session_state.get(TRAINED)
    if start or network is None or mismatch(network.model, setup.recipe.spec):
        train_button(setup, start)
    return usable(setup)


def learned_kernel() -> np.ndarray | None:
    """The first kernel of the session's network's first convolution, summed over its input channels (or None)."""
    network = st.session_state.get(TRAINED)
    if network is None:
        return None
    names = cnn.conv_layer_names(network.model)
    if not names:
        return None
    weights = network.model.get_layer(names[0]).get_weights()[0]
    return weights[:, :, :, 0].sum(axis=2) if weights.shape[0] == weights.shape[1] else None
