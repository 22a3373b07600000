"""A small Keras CNN made visible: build, train, evaluate, look inside, and Grad-CAM.

TensorFlow and Keras are imported inside the functions that need them (see
`keras_module`), never when this module is imported, so the rest of the
course starts fast. Images are float arrays in [0, 1] shaped
``(rows, cols, channels)``; a batch adds a first axis.

>>> spec = ModelSpec(input_size=32, channels=1, conv_blocks=2)   # doctest: +SKIP
>>> model = build_model(spec)                                      # doctest: +SKIP
>>> heatmap = grad_cam(model, images[0])                           # doctest: +SKIP
"""

from __future__ import annotations

import io
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from core.colourmaps import viridis

POOLING = ("max", "average")
HEADS = ("flatten", "global average", "global max")
"""How the last feature maps become one vector: keep every position (flatten), or pool each map to one
number (its mean or maximum: "is the feature anywhere?", blind to where)."""
_POOL_LAYERS = {"max": "MaxPooling2D", "average": "AveragePooling2D"}
_HEAD_LAYERS = {"flatten": ("flatten", "Flatten"), "global average": ("global_average", "GlobalAveragePooling2D"),
                "global max": ("global_max", "GlobalMaxPooling2D")}
"""Name and Keras class of each head's layer, shared by `build_model` and `layer_table`."""
DEFAULT_THREADS = 2
"""TensorFlow threads: the course's machines have 2 cores, often shared."""


class ModelLoadError(ValueError):
    """A file could not be loaded as a Keras model; the message says why."""


def keras_module(threads: int = DEFAULT_THREADS):
    """Import TensorFlow's Keras quietly, with a bounded number of CPU threads.

    Parameters
    ----------
    threads : int
        Threads for TensorFlow's operations; applied only before TensorFlow
        runs its first operation in this process.

    Returns
    -------
    module
        ``keras``.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    import keras

    try:
        tf.config.threading.set_intra_op_parallelism_threads(min(threads, os.cpu_count() or threads))
        # one operation at a time: parallel ones (a random augmentation's seed and the step that uses it) would
        # race, and the same seed would not always give the same network
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already started: its threads are set for good
        pass
    # The same seed gives the same network: without this, the order in which threads add up a sum varies from
    # run to run, and a small training amplifies the difference (seed tests, learners comparing results).
    tf.config.experimental.enable_op_determinism()
    return keras


@dataclass(frozen=True)
class ModelSpec:
    """The architecture of the course's CNN.

    Attributes
    ----------
    input_size : int
        Side of the square input image in pixels.
    channels : int
        1 for grey, 3 for colour.
    n_classes : int
        Number of classes (the softmax output has one unit per class).
    conv_blocks : int
        Number of convolution → ReLU → pooling blocks.
    filters : int
        Filters of the first convolution; each block doubles them.
    kernel_size : int
        Side of the convolution kernels.
    pooling : str
        "max" or "average".
    dense_units : int
        Units of the fully connected layer (0: none).
    dropout : float
        Dropout rate before the output layer.
    head : str
        One of `HEADS`: how the last feature maps feed the fully connected layers.
    augment : bool
        Flip training images at random (up-down and left-right), a cheap way
        to get more varied examples; inactive when predicting.
    """

    input_size: int = 64
    channels: int = 3
    n_classes: int = 2
    conv_blocks: int = 3
    filters: int = 8
    kernel_size: int = 3
    pooling: str = "max"
    dense_units: int = 32
    dropout: float = 0.5
    head: str = "flatten"
    augment: bool = True


_RANDOM_STATE = threading.RLock()


@contextmanager
def own_random_state(seed: int, on_wait: Callable[[], None] | None = None):
    """Run a block as the only user of the process's random state, seeded with `seed`.

    Keras draws initial weights, dropout masks and the shuffling of
    ``model.fit`` from process-wide generators (``keras.utils.set_random_seed``
    seeds Python, NumPy, TensorFlow and Keras at once). Two learners training
    at the same time in one server would draw from each other's streams, and
    neither would get the result their seed gives alone. So a seeded run holds
    this lock from its seeding to its end: a learner's seed gives the learner's
    result whatever others do (a second training waits for the first, which on
    a small server costs little: one training already uses every core). The
    layers' own seeds come from `seed` too (`build_model`), since threads that
    are not trainings (a Dask worker's, a server's) draw from Python's
    ``random`` at any time.

    Parameters
    ----------
    seed : int
        The run's seed.
    on_wait : callable, optional
        Called about four times a second while another run holds the state
        (a caller's progress display, and its way to stop waiting).
    """
    while not _RANDOM_STATE.acquire(timeout=0.25):
        if on_wait is not None:
            on_wait()
    try:
        keras_module().utils.set_random_seed(seed)
        yield
    finally:
        _RANDOM_STATE.release()


def build_model(spec: ModelSpec, seed: int = 0, on_wait: Callable[[], None] | None = None):
    """A Sequential CNN: [Conv2D → ReLU → pooling] × blocks → Flatten (or global pooling) → Dense → Dropout → softmax.

    Before the blocks, an optional random flip (training only) and a
    rescaling of [0, 1] to [-1, 1] (centred inputs train faster).
    Convolution and ReLU are separate layers (``conv1``, ``relu1``, ``pool1``...),
    so the feature maps before and after ReLU can be shown.

    Parameters
    ----------
    spec : ModelSpec
        The architecture.
    seed : int
        Seed of the initial weights.
    on_wait : callable, optional
        Called while another session's run holds the process's random state (see `own_random_state`).

    Returns
    -------
    keras.Sequential
        Built but not compiled.

    Raises
    ------
    ValueError
        When the input is too small for the number of pooling blocks.
    """
    _check(spec)
    keras = keras_module()
    with own_random_state(seed, on_wait):  # the initial weights come from this seed, whatever other sessions do
        return _build(keras, spec, seed)


def _build(keras, spec: ModelSpec, seed: int):
    """The body of `build_model`, run while this run owns the process's random state.

    Every random layer gets its own seed from `seed`: Keras would otherwise draw one from Python's
    process-wide `random` module, which other threads of a server or a Dask worker also use, so the
    same seed could give another network.
    """
    layer_seeds = iter(int(s) for s in np.random.SeedSequence(seed).generate_state(16) % 2**31)

    def glorot():
        """Keras's default initial weights, with the next seed of this run."""
        return keras.initializers.GlorotUniform(seed=next(layer_seeds))

    pool = getattr(keras.layers, _POOL_LAYERS[spec.pooling])
    layers = [keras.Input((spec.input_size, spec.input_size, spec.channels), name="image")]
    if spec.augment:
        layers.append(keras.layers.RandomFlip("horizontal_and_vertical", seed=seed, name="flip"))
    layers.append(keras.layers.Rescaling(2.0, offset=-1.0, name="scale"))
    for block in range(1, spec.conv_blocks + 1):
        layers += [
            keras.layers.Conv2D(spec.filters * 2 ** (block - 1), spec.kernel_size, padding="same",
                                kernel_initializer=glorot(), name=f"conv{block}"),
            keras.layers.ReLU(name=f"relu{block}"),
            pool(2, name=f"pool{block}"),
        ]
    head_name, head_class = _HEAD_LAYERS[spec.head]
    layers.append(getattr(keras.layers, head_class)(name=head_name))
    if spec.dense_units:
        layers.append(keras.layers.Dense(spec.dense_units, activation="relu", kernel_initializer=glorot(),
                                         name="dense"))
    if spec.dropout:
        layers.append(keras.layers.Dropout(spec.dropout, seed=next(layer_seeds), name="dropout"))
    layers.append(keras.layers.Dense(spec.n_classes, activation="softmax", kernel_initializer=glorot(),
                                     name="output"))
    return keras.Sequential(layers, name="course_cnn")


def _check(spec: ModelSpec) -> None:
    """Raise the ValueError `build_model` gives for a spec it cannot build."""
    if spec.pooling not in POOLING:
        raise ValueError(f"pooling must be one of {POOLING}")
    if spec.head not in HEADS:
        raise ValueError(f"head must be one of {HEADS}")
    if spec.input_size // 2 ** spec.conv_blocks < 1:
        raise ValueError(f"a {spec.input_size}-pixel input cannot be halved {spec.conv_blocks} times: "
                         "use fewer blocks or a larger input")


def layer_table(spec: ModelSpec) -> list[dict]:
    """The layers of ``build_model(spec)`` as `summary_table` lists them, worked out from the spec (no Keras).

    A convolution learns kernel × kernel × input channels × filters weights
    plus one bias per filter and keeps the image size (``padding="same"``);
    each 2 × 2 pooling halves the rows and columns, rounding down; a dense
    layer learns inputs × units weights plus one bias per unit. Flips,
    rescaling, ReLU, pooling, flatten and dropout learn nothing.

    Parameters
    ----------
    spec : ModelSpec
        The architecture.

    Returns
    -------
    list of dict
        Keys "layer", "type", "output shape", "parameters", one per layer.

    Raises
    ------
    ValueError
        For a spec `build_model` cannot build, with the same message.

    Examples
    --------
    >>> [r["parameters"] for r in layer_table(ModelSpec(input_size=8, channels=1, conv_blocks=1, filters=4,
    ...                                                 dense_units=0, dropout=0.0, augment=False))]
    [0, 40, 0, 0, 0, 130]
    """
    _check(spec)
    rows = []

    def add(name: str, kind: str, shape: tuple, parameters: int = 0) -> None:
        """Append the row of one layer."""
        rows.append({"layer": name, "type": kind, "output shape": " × ".join(str(s) for s in shape),
                     "parameters": parameters})

    side, depth = spec.input_size, spec.channels
    if spec.augment:
        add("flip", "RandomFlip", (side, side, depth))
    add("scale", "Rescaling", (side, side, depth))
    for block in range(1, spec.conv_blocks + 1):
        filters = spec.filters * 2 ** (block - 1)
        add(f"conv{block}", "Conv2D", (side, side, filters), spec.kernel_size ** 2 * depth * filters + filters)
        depth = filters
        add(f"relu{block}", "ReLU", (side, side, depth))
        side //= 2
        add(f"pool{block}", _POOL_LAYERS[spec.pooling], (side, side, depth))
    width = side * side * depth if spec.head == "flatten" else depth
    add(*_HEAD_LAYERS[spec.head], (width,))
    if spec.dense_units:
        add("dense", "Dense", (spec.dense_units,), width * spec.dense_units + spec.dense_units)
        width = spec.dense_units
    if spec.dropout:
        add("dropout", "Dropout", (width,))
    add("output", "Dense", (spec.n_classes,), width * spec.n_classes + spec.n_classes)
    return rows


def summary_table(model) -> list[dict]:
    """One row per layer, like ``model.summary()``: name, type, output shape, parameters.

    Returns
    -------
    list of dict
        Keys "layer", "type", "output shape", "parameters".
    """
    rows = []
    for layer in model.layers:
        shape = tuple(layer.output.shape[1:]) if hasattr(layer, "output") else ()
        rows.append({"layer": layer.name, "type": type(layer).__name__,
                     "output shape": " × ".join(str(s) for s in shape), "parameters": int(layer.count_params())})
    return rows


def compile_model(model, learning_rate: float = 1e-3) -> None:
    """Compile with Adam, sparse categorical cross-entropy (binary for one sigmoid unit) and accuracy."""
    keras = keras_module()
    binary = model.outputs[0].shape[-1] == 1
    loss = "binary_crossentropy" if binary else "sparse_categorical_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["accuracy"])


@dataclass
class TrainingHistory:
    """What a training run records after each epoch: the losses, and the time taken so far.

    The base of every course network's history (`History` here,
    `core.learned_registration.History`): a subclass adds a list per
    further number it follows.

    Attributes
    ----------
    loss, val_loss : list of float
        Loss per epoch on the training and the held-out data.
    seconds : float
        Time since the training started, at the last epoch's end.
    """

    loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        """Number of epochs run."""
        return len(self.loss)

    def record(self, seconds: float, **values: float) -> None:
        """Append one epoch's numbers, each to the list of its name, and note the time taken so far.

        Parameters
        ----------
        seconds : float
            Time since the training started.
        **values : float
            One number per list of this history, such as ``loss=0.4``.
        """
        for name, value in values.items():
            getattr(self, name).append(float(value))
        self.seconds = seconds


@dataclass
class History(TrainingHistory):
    """Loss and accuracy per epoch on the training and validation images, and the time taken."""

    accuracy: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)


def train(model, x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, epochs: int = 10,
          batch_size: int = 32, learning_rate: float = 1e-3, seed: int = 0,
          on_epoch: Callable[[int, History], None] | None = None,
          on_batch: Callable[[int, int, int], None] | None = None, batch_every: float = 0.5,
          on_wait: Callable[[], None] | None = None) -> History:
    """Compile and fit, reporting after every epoch (and, if asked, during long epochs).

    An exception raised by `on_epoch` or `on_batch`, a `BaseException` too
    (such as a request to stop), ends the training at once and propagates
    unchanged: a caller's progress display is also its way to interrupt.

    Parameters
    ----------
    model : keras.Model
        Its weights are updated in place.
    x, y : numpy.ndarray
        Training images ``(n, rows, cols, channels)`` and integer labels.
    x_val, y_val : numpy.ndarray
        Validation images and labels (never trained on).
    epochs, batch_size : int
        Passes over the training images, and images per weight update.
    learning_rate : float
        Adam's step size.
    seed : int
        Seed of the shuffling and dropout.
    on_epoch : callable, optional
        Called as ``on_epoch(epoch, history)`` after each epoch (epoch from 1).
    on_batch : callable, optional
        Called as ``on_batch(epoch, done, batches)`` after a training or
        validation batch, when `batch_every` seconds have passed since the
        last report of either kind: `done` of the epoch's `batches` training
        batches are done (all of them while validating).
    batch_every : float
        Seconds between two `on_batch` reports at least.
    on_wait : callable, optional
        Called about four times a second while another session's training
        holds the process's random state (see `own_random_state`).

    Returns
    -------
    History
    """
    keras = keras_module()
    with own_random_state(seed, on_wait):  # shuffling and dropout from this seed, whatever other sessions do
        return _fit(keras, model, x, y, x_val, y_val, epochs, batch_size, learning_rate, on_epoch, on_batch,
                    batch_every)


def _fit(keras, model, x, y, x_val, y_val, epochs, batch_size, learning_rate, on_epoch, on_batch,
         batch_every) -> History:
    """The body of `train`, run while this run owns the process's random state."""
    compile_model(model, learning_rate)
    history = History()
    batches = -(-len(x) // batch_size)
    clock = {"epoch": 1, "reported": time.perf_counter()}

    class Report(keras.callbacks.Callback):
        """Keras calls it after every epoch: record the numbers, then tell `on_epoch`."""

        def on_epoch_begin(self, epoch, logs=None):
            """Note the epoch for `on_batch`."""
            clock["epoch"] = epoch + 1

        def on_epoch_end(self, epoch, logs=None):
            """Append this epoch's loss and accuracy to the history."""
            logs = logs or {}
            history.record(time.perf_counter() - start,
                           **{key: logs.get(key, np.nan) for key in ("loss", "accuracy", "val_loss", "val_accuracy")})
            clock["reported"] = time.perf_counter()
            if on_epoch is not None:
                on_epoch(epoch + 1, history)

    class Pulse(keras.callbacks.Callback):
        """Keras calls it after every training and validation batch; added only when `on_batch` is given."""

        def on_train_batch_end(self, batch, logs=None):
            """A training batch is done."""
            self.report(batch + 1)

        def on_test_batch_end(self, batch, logs=None):
            """A validation batch is done."""
            self.report(batches)

        @staticmethod
        def report(done: int) -> None:
            """Tell `on_batch`, if `batch_every` seconds have passed."""
            now = time.perf_counter()
            if now - clock["reported"] >= batch_every:
                clock["reported"] = now
                on_batch(clock["epoch"], done, batches)

    start = time.perf_counter()
    model.fit(x, y, validation_data=(x_val, y_val), epochs=epochs, batch_size=batch_size, shuffle=True,
              verbose=0, callbacks=[Report()] + ([Pulse()] if on_batch is not None else []))
    history.seconds = time.perf_counter() - start
    return history


def predict_proba(model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class probabilities ``(n, n_classes)``; one sigmoid unit p becomes the two columns ``[1 - p, p]``."""
    p = np.asarray(model.predict(np.asarray(x, np.float32), batch_size=batch_size, verbose=0), dtype=np.float64)
    p = p.reshape(p.shape[0], -1)
    return np.concatenate([1 - p, p], axis=1) if p.shape[1] == 1 else p


# ---------------------------------------------------------------- evaluation (numpy only)

@dataclass
class Evaluation:
    """How well predictions match the truth on held-out images.

    Attributes
    ----------
    accuracy : float
        Share of images whose predicted class is right.
    confusion : numpy.ndarray of int
        ``confusion[true, predicted]`` counts.
    positive : int
        The class called positive (e.g. malignant) for the next four.
    sensitivity, specificity : float
        True positive rate TP / (TP + FN) and true negative rate TN / (TN + FP)
        (NaN when the held-out set has no positive or no negative image).
    fpr, tpr, thresholds : numpy.ndarray
        The ROC curve of the positive class's probability.
    auc : float
        Area under the ROC curve (NaN without both kinds of image).
    """

    accuracy: float
    confusion: np.ndarray
    positive: int
    sensitivity: float
    specificity: float
    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray
    auc: float


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts ``[true, predicted]``.

    Examples
    --------
    >>> confusion_matrix(np.array([0, 0, 1]), np.array([0, 1, 1]), 2).tolist()
    [[1, 1], [0, 1]]
    """
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels, int), np.asarray(predicted, int)), 1)
    return matrix


def roc_curve(is_positive: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False and true positive rates at every distinct score threshold, from (0, 0) to (1, 1).

    Parameters
    ----------
    is_positive : numpy.ndarray of bool
        The truth.
    scores : numpy.ndarray
        Higher means more likely positive.

    Returns
    -------
    fpr, tpr, thresholds : numpy.ndarray
        A case is called positive when its score is >= the threshold; the
        first threshold is +inf (nothing called positive).

    Examples
    --------
    >>> fpr, tpr, _ = roc_curve(np.array([False, True]), np.array([0.2, 0.9]))
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 1.0], [0.0, 1.0, 1.0])
    """
    is_positive = np.asarray(is_positive, bool)
    scores = np.asarray(scores, np.float64)
    order = np.argsort(-scores, kind="stable")
    scores, truth = scores[order], is_positive[order]
    last_of_each = np.r_[np.flatnonzero(np.diff(scores)), scores.size - 1]
    tp = np.cumsum(truth)[last_of_each]
    fp = np.cumsum(~truth)[last_of_each]
    n_pos, n_neg = truth.sum(), (~truth).sum()
    tpr = np.r_[0.0, tp / n_pos] if n_pos else np.full(tp.size + 1, np.nan)
    fpr = np.r_[0.0, fp / n_neg] if n_neg else np.full(fp.size + 1, np.nan)
    return fpr, tpr, np.r_[np.inf, scores[last_of_each]]


def evaluate(labels: np.ndarray, proba: np.ndarray, positive: int = 1) -> Evaluation:
    """Accuracy, confusion matrix, sensitivity, specificity, ROC and AUC.

    Parameters
    ----------
    labels : numpy.ndarray of int
        True classes ``(n,)``.
    proba : numpy.ndarray
        Predicted probabilities ``(n, n_classes)``; the predicted class is the most probable.
    positive : int
        The class treated as positive (the disease) for sensitivity, specificity and ROC;
        with more than two classes it is one class against all the others.

    Returns
    -------
    Evaluation
    """
    labels = np.asarray(labels, int)
    proba = np.asarray(proba, np.float64)
    predicted = proba.argmax(axis=1)
    matrix = confusion_matrix(labels, predicted, proba.shape[1])
    truth, called = labels == positive, predicted == positive
    tp, fn = int((truth & called).sum()), int((truth & ~called).sum())
    tn, fp = int((~truth & ~called).sum()), int((~truth & called).sum())
    fpr, tpr, thresholds = roc_curve(truth, proba[:, positive])
    auc = float(np.trapezoid(tpr, fpr)) if truth.any() and (~truth).any() else float("nan")
    return Evaluation(
        accuracy=float((predicted == labels).mean()) if labels.size else float("nan"), confusion=matrix,
        positive=positive, sensitivity=tp / (tp + fn) if tp + fn else float("nan"),
        specificity=tn / (tn + fp) if tn + fp else float("nan"), fpr=fpr, tpr=tpr, thresholds=thresholds, auc=auc,
    )


# ---------------------------------------------------------------- inside the network

def _is_conv(layer) -> bool:
    return type(layer).__name__ in ("Conv2D", "SeparableConv2D", "DepthwiseConv2D")


def _is_pool(layer) -> bool:
    return type(layer).__name__ in ("MaxPooling2D", "AveragePooling2D")


def _is_relu(layer) -> bool:
    if type(layer).__name__ == "ReLU":
        return True
    activation = getattr(layer, "activation", None)
    return type(layer).__name__ == "Activation" and getattr(activation, "__name__", "") == "relu"


def conv_layer_names(model) -> list[str]:
    """Names of the model's 2D convolution layers, input side first."""
    return [layer.name for layer in model.layers if _is_conv(layer)]


def cam_layer_names(model) -> list[str]:
    """Layers from the first convolution on whose output is a stack of feature maps ``(rows, cols, channels)``."""
    names, seen_conv = [], False
    for layer in model.layers:
        seen_conv = seen_conv or _is_conv(layer)
        if seen_conv and len(getattr(layer, "output", np.empty(0)).shape) == 4:
            names.append(layer.name)
    return names


def default_cam_layer(model) -> str:
    """The last convolution layer, or the ReLU right after it (the usual Grad-CAM choice)."""
    layers = model.layers
    convs = [i for i, layer in enumerate(layers) if _is_conv(layer)]
    if not convs:
        candidates = cam_layer_names(model)
        if not candidates:
            raise ValueError("the model has no layer with feature maps (rows × columns × channels)")
        return candidates[-1]
    i = convs[-1]
    if i + 1 < len(layers) and _is_relu(layers[i + 1]):
        return layers[i + 1].name
    return layers[i].name


def _outputs(model, x, names: list[str]) -> dict:
    """The outputs of the named layers (and ``"<name>:input"`` for their inputs) for the batch `x`."""
    keras = keras_module()
    wanted = set(names)
    if isinstance(model, keras.Sequential):
        out, value = {}, x
        for layer in model.layers:
            if f"{layer.name}:input" in wanted:
                out[f"{layer.name}:input"] = value
            value = layer(value, training=False)
            if layer.name in wanted:
                out[layer.name] = value
        return out
    tensors = [model.get_layer(n.split(":")[0]).input if n.endswith(":input") else model.get_layer(n).output
               for n in names]
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    values = keras.Model(inputs, tensors)(x, training=False)
    return dict(zip(names, values if isinstance(values, (list, tuple)) else [values]))


def feature_maps(model, image: np.ndarray, conv_name: str) -> dict[str, np.ndarray]:
    """What one convolution block makes of an image: before ReLU, after ReLU, after pooling.

    Parameters
    ----------
    model : keras.Model
    image : numpy.ndarray
        One input ``(rows, cols, channels)``.
    conv_name : str
        A convolution layer (`conv_layer_names`).

    Returns
    -------
    dict
        "convolution" (the weighted sums plus bias), "ReLU" and, when a pooling
        layer follows before the next convolution, "pooling": arrays
        ``(rows, cols, filters)``.
    """
    keras = keras_module()
    layers = model.layers
    index = [layer.name for layer in layers].index(conv_name)
    conv = layers[index]
    fused = getattr(getattr(conv, "activation", None), "__name__", "linear") != "linear"
    relu_name = None if fused else next(
        (layer.name for layer in layers[index + 1:index + 3] if _is_relu(layer)), None)
    pool_name = None
    for layer in layers[index + 1:]:
        if _is_conv(layer):
            break
        if _is_pool(layer):
            pool_name = layer.name
            break
    names = [f"{conv_name}:input", conv_name] + [n for n in (relu_name, pool_name) if n]
    values = _outputs(model, np.asarray(image, np.float32)[None], names)
    if fused:  # the layer applies its activation itself: recompute the sums before it
        before = conv.convolution_op(values[f"{conv_name}:input"], conv.kernel)
        if conv.use_bias:
            before = before + conv.bias
        after = values[conv_name]
    else:
        before = values[conv_name]
        after = values[relu_name] if relu_name else keras.ops.relu(before)
    maps = {"convolution": np.asarray(before)[0], "ReLU": np.asarray(after)[0]}
    if pool_name:
        maps["pooling"] = np.asarray(values[pool_name])[0]
    return maps


def feature_grid(maps: np.ndarray, columns: int = 8, limit: int = 16, gap: int = 1) -> np.ndarray:
    """Tile the channels of ``(rows, cols, channels)`` maps into one grey uint8 picture.

    Each map is scaled on its own: its minimum black, its maximum white
    (a map that is all one value is mid grey when not zero, black when zero).

    Parameters
    ----------
    maps : numpy.ndarray
        Feature maps.
    columns, limit : int
        Maps per row, and at most how many maps.
    gap : int
        White pixels between maps.

    Returns
    -------
    numpy.ndarray of uint8
    """
    maps = np.asarray(maps, np.float64)[..., :limit]
    rows, cols, n = maps.shape
    grid_rows = -(-n // columns)
    out = np.full((grid_rows * (rows + gap) - gap, min(n, columns) * (cols + gap) - gap), 255, np.uint8)
    for k in range(n):
        m = maps[..., k]
        lo, hi = float(m.min()), float(m.max())
        tile = (m - lo) / (hi - lo) * 255 if hi > lo else np.full_like(m, 128.0 if hi != 0 else 0.0)
        r, c = divmod(k, columns)
        out[r * (rows + gap):r * (rows + gap) + rows, c * (cols + gap):c * (cols + gap) + cols] = tile + 0.5
    return out


# ---------------------------------------------------------------- Grad-CAM

CAM_METHODS = ("grad-cam", "hirescam")
"""Gradient maps `grad_cams` draws: mean-gradient weights (Grad-CAM) or element-wise ones (HiResCAM)."""


def _score_layer(model):
    """The output layer, and whether its activation (softmax or sigmoid) must be undone to get class scores."""
    output = model.outputs[0]
    last = next((layer for layer in reversed(model.layers) if getattr(layer, "output", None) is output), model.layers[-1])
    name = type(last).__name__
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    if name == "Dense" and activation in ("softmax", "sigmoid"):
        return last, "dense"
    if name == "Softmax" or (name == "Activation" and activation in ("softmax", "sigmoid")):
        return last, "input"
    return last, "output"


def grad_cams(model, images: np.ndarray, class_index: int | None = None, layer_name: str | None = None,
              method: str = "grad-cam") -> tuple[np.ndarray, np.ndarray]:
    """Grad-CAM heatmaps of a batch of images (see `grad_cam`), or one of its variants.

    Parameters
    ----------
    model : keras.Model
    images : numpy.ndarray
        ``(n, rows, cols, channels)``.
    class_index : int, optional
        The class to explain; None explains each image's predicted class.
    layer_name : str, optional
        A layer from `cam_layer_names`; None uses `default_cam_layer`.
    method : str
        One of `CAM_METHODS`: ``"grad-cam"`` weights each map by its mean
        gradient (Selvaraju et al. 2017); ``"hirescam"`` multiplies each map
        by its gradient pixel by pixel before summing (Draelos and Carin
        2020), so the map shows exactly which positions raised the score.

    Returns
    -------
    heatmaps : numpy.ndarray of float32
        ``(n, rows, cols)`` in [0, 1]; all zero where no pixel speaks for the class.
    classes : numpy.ndarray of int
        The class each heatmap explains.
    """
    keras = keras_module()
    import tensorflow as tf
    from skimage.transform import resize

    x = tf.convert_to_tensor(np.asarray(images, np.float32))
    layer_name = layer_name or default_cam_layer(model)
    last, how = _score_layer(model)
    pre = f"{last.name}:input"
    with tf.GradientTape() as tape:
        tape.watch(x)
        if isinstance(model, keras.Sequential):
            values, value = {}, x
            for layer in model.layers:
                if layer is last:
                    values[pre] = value
                value = layer(value, training=False)
                if layer.name == layer_name:
                    values[layer_name] = value
            values[last.name] = value
        else:
            tensors = [model.get_layer(layer_name).output, last.input, last.output]
            inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
            a, b, c = keras.Model(inputs, tensors)(x, training=False)
            values = {layer_name: a, pre: b, last.name: c}
        maps = values[layer_name]
        if how == "dense":
            scores = tf.matmul(values[pre], last.kernel) + (last.bias if last.use_bias else 0.0)
        elif how == "input":
            scores = values[pre]
        else:
            scores = values[last.name]
        scores = tf.reshape(scores, (tf.shape(scores)[0], -1))
        probabilities = tf.reshape(values[last.name], (tf.shape(scores)[0], -1))
        if scores.shape[-1] == 1:  # one sigmoid unit: class 1 is the logit, class 0 its opposite
            scores = tf.concat([-scores, scores], axis=1)
            predicted = tf.cast(probabilities[:, 0] >= 0.5, tf.int32)
        else:
            predicted = tf.cast(tf.argmax(probabilities, axis=1), tf.int32)
        classes = predicted if class_index is None else tf.fill(tf.shape(predicted), int(class_index))
        chosen = tf.gather(scores, classes, axis=1, batch_dims=1)
    gradients = tape.gradient(chosen, maps)
    if gradients is None:
        raise ValueError(f"the output does not depend on layer {layer_name!r}: choose a convolution layer")
    if method not in CAM_METHODS:
        raise ValueError(f"method must be one of {CAM_METHODS}, not {method!r}")
    weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True) if method == "grad-cam" else gradients
    cams = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1)).numpy()
    rows, cols = int(x.shape[1]), int(x.shape[2])
    heatmaps = np.zeros((cams.shape[0], rows, cols), np.float32)
    for i, cam in enumerate(cams):
        top = float(cam.max())
        if top > 1e-10:  # else no pixel speaks for the class: a blank map
            big = resize(cam / top, (rows, cols), order=1, mode="edge")
            heatmaps[i] = np.clip(big / big.max(), 0, 1)
    return heatmaps, classes.numpy().astype(int)


def grad_cam(model, image: np.ndarray, class_index: int | None = None, layer_name: str | None = None) -> np.ndarray:
    """Grad-CAM: which parts of the image made the model choose a class (Selvaraju et al. 2017).

    The gradient of the class's score (before softmax or sigmoid) with respect
    to a convolution layer's feature maps says how much each map matters;
    the maps weighted by their mean gradient, summed and passed through ReLU,
    are scaled to [0, 1] and resized to the image.

    Parameters
    ----------
    model : keras.Model
        Sequential or functional; softmax or sigmoid output.
    image : numpy.ndarray
        One model input without the batch axis, e.g. ``(rows, cols, channels)``.
    class_index : int, optional
        The class to explain; None explains the predicted class.
    layer_name : str, optional
        The layer whose maps are weighted; None uses `default_cam_layer`.

    Returns
    -------
    numpy.ndarray of float32
        ``(rows, cols)`` in [0, 1]; all zero when nothing in the image speaks for the class.
    """
    return grad_cams(model, np.asarray(image)[None], class_index, layer_name)[0][0]


def pointing_game(heatmaps: np.ndarray, masks: np.ndarray, tolerance: int = 0) -> np.ndarray:
    """Does each heatmap's maximum fall on the finding? (Zhang et al. 2018)

    Parameters
    ----------
    heatmaps : numpy.ndarray
        ``(n, rows, cols)``.
    masks : numpy.ndarray of bool
        ``(n, rows, cols)``: where the finding is.
    tolerance : int
        A hit may miss the mask by this many pixels.

    Returns
    -------
    numpy.ndarray of bool
        ``(n,)``; its mean is the pointing-game score. A blank heatmap (all
        equal) never hits.

    Examples
    --------
    >>> maps = np.zeros((1, 4, 4)); maps[0, 1, 2] = 1
    >>> pointing_game(maps, maps > 0).tolist()
    [True]
    """
    from scipy.ndimage import binary_dilation

    heatmaps, masks = np.asarray(heatmaps), np.asarray(masks, bool)
    hits = np.zeros(heatmaps.shape[0], bool)
    for i, (heat, mask) in enumerate(zip(heatmaps, masks)):
        if heat.max() <= heat.min():
            continue
        if tolerance > 0:
            mask = binary_dilation(mask, iterations=int(tolerance))
        hits[i] = bool(mask[np.unravel_index(np.argmax(heat), heat.shape)])
    return hits


def heatmap_overlay(image: np.ndarray, heatmap: np.ndarray, opacity: float = 0.5) -> np.ndarray:
    """Blend a [0, 1] heatmap (coloured with viridis: dark purple low, yellow high) over an image.

    Viridis rises in lightness from end to end, so the strongest evidence stays the brightest part for
    colour-blind learners and in grey (the "jet" map's red and blue ends have nearly the same lightness).

    Parameters
    ----------
    image : numpy.ndarray
        ``(rows, cols)`` or ``(rows, cols, 1 or 3)`` in [0, 1].
    heatmap : numpy.ndarray
        ``(rows, cols)`` in [0, 1].
    opacity : float
        0 shows the image only, 1 the heatmap only.

    Returns
    -------
    numpy.ndarray of uint8
        ``(rows, cols, 3)``.
    """
    image = np.asarray(image, np.float64)
    if image.ndim == 2:
        image = image[..., None]
    rgb = np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image[..., :3]
    h = np.clip(np.asarray(heatmap, np.float64), 0, 1)[..., None]
    blend = (1 - opacity) * np.clip(rgb, 0, 1) + opacity * viridis(h[..., 0])
    return (blend * 255 + 0.5).astype(np.uint8)


# ---------------------------------------------------------------- saving

def model_to_bytes(model) -> bytes:
    """The model as a ``.keras`` file (architecture, weights and optimizer state), written in memory.

    Keras' own file-object writer is used, so no model file is written to
    disk; Keras still makes an empty private folder (``tempfile.mkdtemp``,
    mode 0700) for assets while it writes, and removes it when it is done.
    """
    from keras.src.saving import saving_lib

    buffer = io.BytesIO()
    saving_lib.save_model(model, buffer)
    return buffer.getvalue()


def model_from_bytes(data: bytes, name: str = "model.keras", progress: Callable[[float, str], None] | None = None):
    """Load a ``.keras`` file given as bytes, in Keras' safe mode (no arbitrary code), from memory.

    The file is first checked against the model budget of
    `core.io.model_check.check_model_file` (member sizes and ratios, the
    config's size and depth, the weights and layer outputs it declares), so
    Keras never sees a file that would take more memory than that budget.
    It is then read from memory: nothing is written to disk.

    Parameters
    ----------
    data : bytes
        The uploaded file.
    name : str
        Its name, for messages.
    progress : callable, optional
        Called as ``progress(fraction, what)`` between the steps (check, import, load): where a caller can stop.

    Raises
    ------
    ModelLoadError
        When the bytes are not a Keras model, one over the budget, or one without an image input.
    """
    report = progress or (lambda fraction, what: None)
    from core.io.model_check import ModelBudgetError, check_model_file

    if data[:4] != b"PK\x03\x04":
        raise ModelLoadError(f"{name} is not a .keras model file (a .keras file is a zip archive). "
                             "Upload a model saved by this page or by model.save('name.keras').")
    report(0.0, "Checking the file against the model budget")
    try:
        facts = check_model_file(data, name)
    except ModelBudgetError as exc:
        raise ModelLoadError(str(exc)) from None
    report(0.2, f"Starting Keras for {facts.parameters:,} weights")
    keras_module()
    from keras.src.saving import saving_lib

    report(0.5, f"Loading {facts.layers} layers and {facts.parameters:,} weights")

    try:
        model = saving_lib.load_model(io.BytesIO(data), safe_mode=True)
    except Exception as exc:  # noqa: BLE001 - any library error is a bad upload
        raise ModelLoadError(f"{name} could not be loaded as a Keras model ({type(exc).__name__}). "
                             "It may be damaged or need custom code.") from None
    shape = model.inputs[0].shape if getattr(model, "inputs", None) else None
    if shape is None or len(shape) != 4 or shape[1] is None or shape[1] != shape[2]:
        raise ModelLoadError(f"{name} is a Keras model, but not one that takes square images "
                             "(rows × columns × channels).")
    return model
