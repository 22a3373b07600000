"""The Python shown in the "Show the code" panels of the supervised-learning page.

Each function returns complete code, with the current parameters filled in,
that runs as it is in a Python session with the course's requirements
(numpy, Keras, scikit-learn) and prints the numbers the page shows. The
generated data sets come from the course's own generators (the only `core`
imports), the way a public data set would come from its download.
"""

from __future__ import annotations

import numpy as np

from core.cnn import ModelSpec
from core.text.safe_text import py_literal

MODEL_FILE = "supervised_model.keras"
"""The name the page's download button gives the trained model."""


def _matrix(x: np.ndarray) -> str:
    x = np.asarray(x)
    body = ",\n              ".join("[" + ", ".join(f"{v:g}" for v in row) + "]" for row in x)
    return f"np.array([{body}])"


def relu_snippet(x: np.ndarray) -> str:
    """Numpy code applying ReLU to a matrix and printing the result."""
    return f'''import numpy as np

x = {_matrix(x)}
print((np.maximum(x, 0)).tolist())  # ReLU: negative values become 0
'''


def pooling_snippet(x: np.ndarray, kind: str, size: int = 2) -> str:
    """Numpy code for max or average pooling of a matrix (size × size windows, stride size), printing the result."""
    reduce = "max" if kind == "max" else "mean"
    return f'''import numpy as np

x = {_matrix(x)}
size = {int(size)}
rows, cols = x.shape[0] // size, x.shape[1] // size      # incomplete windows are dropped, as in Keras
blocks = x[:rows * size, :cols * size].reshape(rows, size, cols, size)
print(blocks.{reduce}(axis=(1, 3)).tolist())              # {kind} pooling{" (the true mean, not rounded)" if kind != "max" else ""}
'''


def convolution_snippet(patch: np.ndarray, kernel: np.ndarray) -> str:
    """Numpy code for one convolution output: the patch times the kernel, cell by cell, then the sum."""
    return f'''import numpy as np

patch = {_matrix(patch)}   # the pixels under the kernel
kernel = {_matrix(kernel)}
products = patch * kernel        # cell by cell
print(products.tolist())
print("sum", float(products.sum()))  # one pixel of the feature map
'''


def data_code(kind: str, n: int = 0, fraction: float = 0.5, size: int = 64, seed: int = 0,
              filename: str = "my_images.zip") -> str:
    """Code that sets ``data`` (images, labels, class_names) for a data source of the page.

    Parameters
    ----------
    kind : str
        "dermoscopy", "lesions" or "zip".
    n, fraction, size, seed
        The generator's controls (size is also the network's input size).
    filename : str
        The learner's .zip, for kind "zip".
    """
    if kind == "dermoscopy":
        return (f"from core.data.dermoscopy import generate  # the course's dermoscopy-like images\n"
                f"data = generate({n}, malignant_fraction={fraction:g}, size={size}, seed={seed})")
    if kind == "lesions":
        return (f"from core.data.lesions import generate  # MNI152 slices with synthetic lesions\n"
                f"data = generate({n}, lesion_fraction={fraction:g}, size={size}, seed={seed})")
    return (f"from core.io.class_folders import load_class_folders  # train/<class>/*.jpg, optional test/<class>/\n"
            f"data = load_class_folders(open({filename!r}, \"rb\").read(), size={size})")


def data_snippet(data: str) -> str:
    """Code that makes (or loads) the labelled set and prints its size and class counts."""
    return f'''import numpy as np

{data}
print("images", data.images.shape)
for name, count in zip(data.class_names, np.bincount(data.labels, minlength=len(data.class_names))):
    print(name, int(count))
'''


def _split_code(fraction: float, seed: int) -> str:
    """Code that sets ``train`` and ``held`` (index arrays) as `core.data.labelled.stratified_split` does."""
    return f'''# hold out {fraction:g} of each class, never trained on (a test/ folder, when there is one, is left out)
candidates = np.flatnonzero(~data.test) if data.test is not None else np.arange(len(data.labels))
rng = np.random.default_rng({seed})
held = []
for c in np.unique(data.labels[candidates]):
    members = rng.permutation(candidates[data.labels[candidates] == c])
    k = int(round({fraction:g} * members.size))
    if members.size >= 2:
        k = min(max(k, 1), members.size - 1)
    held.extend(members[:k].tolist())
held = np.sort(np.array(held, dtype=int))
train = np.setdiff1d(candidates, held)'''


def _model_code(spec: ModelSpec, seed: int) -> str:
    pool = "MaxPooling2D" if spec.pooling == "max" else "AveragePooling2D"
    lines = [f"keras.utils.set_random_seed({seed})",
             "model = keras.Sequential([",
             f"    keras.Input(({spec.input_size}, {spec.input_size}, {spec.channels}), name=\"image\"),"]
    if spec.augment:
        lines.append(f"    keras.layers.RandomFlip(\"horizontal_and_vertical\", seed={seed}, name=\"flip\"),  # training only")
    lines.append("    keras.layers.Rescaling(2.0, offset=-1.0, name=\"scale\"),  # [0, 1] -> [-1, 1]")
    for block in range(1, spec.conv_blocks + 1):
        lines += [
            f"    keras.layers.Conv2D({spec.filters * 2 ** (block - 1)}, {spec.kernel_size}, padding=\"same\", name=\"conv{block}\"),",
            f"    keras.layers.ReLU(name=\"relu{block}\"),",
            f"    keras.layers.{pool}(2, name=\"pool{block}\"),",
        ]
    lines.append({"flatten": "    keras.layers.Flatten(name=\"flatten\"),",
                  "global average": "    keras.layers.GlobalAveragePooling2D(name=\"global_average\"),",
                  "global max": "    keras.layers.GlobalMaxPooling2D(name=\"global_max\"),"}[spec.head])
    if spec.dense_units:
        lines.append(f"    keras.layers.Dense({spec.dense_units}, activation=\"relu\", name=\"dense\"),")
    if spec.dropout:
        lines.append(f"    keras.layers.Dropout({spec.dropout:g}, name=\"dropout\"),")
    lines.append(f"    keras.layers.Dense({spec.n_classes}, activation=\"softmax\", name=\"output\"),")
    lines.append("], name=\"course_cnn\")")
    return "\n".join(lines)


def model_snippet(spec: ModelSpec, seed: int = 0) -> str:
    """Keras code that builds the page's model and prints its summary and parameter count."""
    return f'''import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras

{_model_code(spec, seed)}
model.summary()
print("parameters", model.count_params())
'''


def training_snippet(spec: ModelSpec, data: str, epochs: int, batch_size: int, learning_rate: float,
                     validation_fraction: float, seed: int = 0) -> str:
    """Keras code that makes the data, builds, trains and saves the model, printing loss and accuracy per epoch.

    Parameters
    ----------
    spec : ModelSpec
        The architecture.
    data : str
        Code that sets ``data`` (see `data_code`).
    epochs, batch_size, learning_rate, validation_fraction, seed
        The training controls.
    """
    return f'''import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras
import numpy as np

{data}
{_split_code(validation_fraction, seed)}
print("training images", len(train), "held-out images", len(held))

{_model_code(spec, seed)}
keras.utils.set_random_seed({seed})
model.compile(optimizer=keras.optimizers.Adam({learning_rate:g}), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(data.images[train], data.labels[train], validation_data=(data.images[held], data.labels[held]),
                    epochs={epochs}, batch_size={batch_size}, shuffle=True, verbose=0)
for epoch, (loss, acc, val_acc) in enumerate(zip(history.history["loss"], history.history["accuracy"],
                                                 history.history["val_accuracy"]), start=1):
    print(f"epoch {{epoch}}: loss {{loss:.4f}}, accuracy {{acc:.4f}}, validation accuracy {{val_acc:.4f}}")
model.save("{MODEL_FILE}")
'''


def _eval_set_code(use_test: bool) -> str:
    return ("evaluate_on = np.flatnonzero(data.test)  # the test/ folder" if use_test
            else "evaluate_on = held  # the held-out images")


def _held_out_and_model(data: str, validation_fraction: float, seed: int, use_test: bool, imports: str = "") -> str:
    """A snippet's first lines: imports, the data, the page's split, the images to evaluate on, the downloaded model.

    Ends with the line that loads the model (no newline), so the caller's code follows on the next line.
    """
    return f'''import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras
import numpy as np
{imports}
{data}
{_split_code(validation_fraction, seed)}
{_eval_set_code(use_test)}
model = keras.saving.load_model("{MODEL_FILE}")  # the model downloaded from the page'''


def evaluation_snippet(data: str, validation_fraction: float, seed: int, use_test: bool, positive: int) -> str:
    """Code that loads the downloaded model and prints accuracy, confusion matrix, sensitivity, specificity and AUC."""
    return _held_out_and_model(data, validation_fraction, seed, use_test,
                               "from sklearn.metrics import confusion_matrix, roc_auc_score\n") + f'''
proba = model.predict(data.images[evaluate_on], verbose=0)
truth, predicted = data.labels[evaluate_on], proba.argmax(axis=1)
print("accuracy", float((predicted == truth).mean()))
print("confusion matrix (rows: true class, columns: predicted)",
      confusion_matrix(truth, predicted, labels=range(len(data.class_names))).tolist())
positive = {positive}  # {"the class called positive"}
tp = int(((truth == positive) & (predicted == positive)).sum()); fn = int(((truth == positive) & (predicted != positive)).sum())
tn = int(((truth != positive) & (predicted != positive)).sum()); fp = int(((truth != positive) & (predicted == positive)).sum())
print("sensitivity", tp / (tp + fn) if tp + fn else float("nan"), "specificity", tn / (tn + fp) if tn + fp else float("nan"))
if 0 < (truth == positive).sum() < truth.size:
    print("AUC", roc_auc_score(truth == positive, proba[:, positive]))
'''


def feature_maps_snippet(data: str, validation_fraction: float, seed: int, image_index: int, conv: str,
                         relu: str | None, pool: str | None, channel: int) -> str:
    """Code that prints the mean and maximum of one feature map of one image, before and after ReLU and pooling."""
    names = [conv] + [n for n in (relu, pool) if n]
    return f'''import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras
import numpy as np

{data}
model = keras.saving.load_model("{MODEL_FILE}")  # the model downloaded from the page
image = data.images[{image_index}]
probe = keras.Model(model.inputs[0], [model.get_layer(name).output for name in {names!r}])
for name, maps in zip({names!r}, probe(image[None], training=False)):  # training=False: no random flip
    one = np.asarray(maps)[0, ..., {channel}]   # filter {channel + 1}
    print(name, "shape", one.shape, "mean", round(float(one.mean()), 4), "max", round(float(one.max()), 4))
'''


def grad_cam_snippet(data: str, image_index: int, layer: str, class_index: int | None) -> str:
    """Keras code for the Grad-CAM heatmap of one image, printing its predicted class and the heatmap's peak."""
    target = "int(np.argmax(probabilities))  # the predicted class" if class_index is None else f"{class_index}"
    return f'''import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras
import numpy as np
import tensorflow as tf
from skimage.transform import resize

{data}
model = keras.saving.load_model("{MODEL_FILE}")  # the model downloaded from the page
image = data.images[{image_index}]
x = tf.convert_to_tensor(image[None])
output = model.get_layer("output")
with tf.GradientTape() as tape:
    tape.watch(x)
    value = x
    for layer in model.layers[:-1]:            # run the layers one by one, keeping the chosen maps
        value = layer(value, training=False)
        if layer.name == {py_literal(layer)}:
            maps = value
    scores = tf.matmul(value, output.kernel) + output.bias   # class scores before softmax
    probabilities = tf.nn.softmax(scores)[0].numpy()
    target = {target}
    score = scores[0, target]
gradients = tape.gradient(score, maps)                       # d score / d each feature map value
weights = tf.reduce_mean(gradients, axis=(1, 2))             # one weight per map: its mean gradient
cam = tf.nn.relu(tf.reduce_sum(maps * weights[:, None, None, :], axis=-1))[0].numpy()
heatmap = resize(cam / cam.max(), image.shape[:2], order=1, mode="edge") if cam.max() > 1e-10 else np.zeros(image.shape[:2])
heatmap = heatmap / heatmap.max() if heatmap.max() > 0 else heatmap
print("probabilities", probabilities.round(4).tolist(), "explaining class", target)
peak = [int(v) for v in np.unravel_index(np.argmax(heatmap), heatmap.shape)]
print("heatmap peak at (row, col)", peak, "mean", round(float(heatmap.mean()), 4))
'''


def invariance_snippet(data: str, validation_fraction: float, seed: int, use_test: bool, count: int,
                       max_shift: int = 16) -> str:
    """Code that shifts held-out images by 1 to `max_shift` pixels and prints each layer's mean relative change.

    With pooling: each pooling layer and the prediction; without: each ReLU, the same kernels with the pooling
    layers left out (as `core.invariance.layer_outputs` does).
    """
    return _held_out_and_model(data, validation_fraction, seed, use_test) + f'''
images = data.images[evaluate_on[:{count}]]
shifts = range(1, {max_shift + 1})


def shift_right(image, step):  # the uncovered columns repeat the left edge
    return image[:, np.clip(np.arange(image.shape[1]) - step, 0, image.shape[1] - 1)]


def outputs(batch, pooling):
    """Each pooling layer's output and the prediction; or, with the pooling layers left out, each ReLU's."""
    out, x = {{}}, batch
    for layer in model.layers:
        kind = type(layer).__name__
        if not pooling and kind in ("Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D"):
            break                                  # the classifier was trained on pooled maps
        if not pooling and kind in ("MaxPooling2D", "AveragePooling2D"):
            continue
        x = layer(x, training=False)               # training=False: no random flip, no dropout
        if layer.name.startswith("pool" if pooling else "relu") or (pooling and layer is model.layers[-1]):
            out[layer.name] = np.asarray(x, dtype=np.float64).reshape(len(batch), -1)
    return out


for pooling in (True, False):
    changes = {{}}
    for image in images:
        batch = np.stack([image] + [shift_right(image, step) for step in shifts])
        for name, maps in outputs(batch, pooling).items():  # |maps(shifted) - maps(original)| / |maps(original)|
            change = np.linalg.norm(maps[1:] - maps[0], axis=1) / np.linalg.norm(maps[0])
            changes.setdefault(name, []).append(change)
    for name, values in changes.items():
        print("with" if pooling else "without", "pooling", name, np.mean(values, axis=0).round(4).tolist())
'''
