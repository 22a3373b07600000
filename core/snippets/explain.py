"""The "Show the code" panel of lesson 6's "Heatmaps put to the test": Keras, TensorFlow, numpy, scipy, scikit-image.

`sanity_and_deletion_snippet` returns complete code, with the page's
choices filled in (through ``repr``), that runs as it is in a Python session
with the course's requirements, next to the model downloaded from the page
(`core.snippets.cnn.MODEL_FILE`). It prints what the section shows for the
chosen image: the Grad-CAM map's rank correlation with the original as the
network is randomised layer by layer from the top (the sanity check of
Adebayo et al. 2018), and the deletion curves' areas of Grad-CAM and of a
random map (Petsiuk et al. 2018). The data come from the same code as the
page's other panels (`core.snippets.cnn.data_code`); the rest is written out
plainly, as `core.explain` and `core.cnn` compute it.
"""

from __future__ import annotations

from core.snippets.cnn import MODEL_FILE


def sanity_and_deletion_snippet(data: str, image_index: int, layer: str, class_index: int, steps: int = 50,
                                seed: int = 0) -> str:
    """Code for the cascading randomisation of Grad-CAM and the deletion curves of Grad-CAM and a random map.

    Parameters
    ----------
    data : str
        Code that defines ``data`` (`core.snippets.cnn.data_code`).
    image_index : int
        The explained image's index in ``data.images``.
    layer : str
        The layer whose feature maps Grad-CAM weighs.
    class_index : int
        The class explained.
    steps : int
        Deletion steps after the intact image.
    seed : int
        Seed of the random weights, the random map and the tie-breaking.

    Returns
    -------
    str
        Python code. It prints ``original`` and one ``randomised <layer>`` line
        per layer with weights (top first), each with the Spearman rank
        correlation and SSIM to the original map, then ``deletion area
        Grad-CAM`` and ``deletion area random`` (smaller: more faithful).
    """
    return f'''import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras
import numpy as np
import tensorflow as tf
from scipy.stats import spearmanr
from skimage.metrics import structural_similarity
from skimage.transform import resize

{data}
model = keras.saving.load_model({MODEL_FILE!r})  # the model downloaded from the page
image = data.images[{int(image_index)!r}]
target = {int(class_index)!r}  # the class explained (kept fixed while the network is randomised)
seed = {int(seed)!r}


def grad_cam(model, image, layer_name={layer!r}):
    """Grad-CAM of `target` at `layer_name`, resized to the image, in [0, 1]."""
    x = tf.convert_to_tensor(image[None])
    output = model.get_layer("output")
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = x
        for layer in model.layers[:-1]:
            value = layer(value, training=False)
            if layer.name == layer_name:
                maps = value
        score = (tf.matmul(value, output.kernel) + output.bias)[0, target]  # class score before softmax
    gradients = tape.gradient(score, maps)
    weights = tf.reduce_mean(gradients, axis=(1, 2))
    cam = tf.nn.relu(tf.reduce_sum(maps * weights[:, None, None, :], axis=-1))[0].numpy()
    if cam.max() <= 1e-10:
        return np.zeros(image.shape[:2])
    heatmap = resize(cam / cam.max(), image.shape[:2], order=1, mode="edge")
    return heatmap / heatmap.max() if heatmap.max() > 0 else heatmap


def similarity(a, b):
    """Spearman rank correlation (0 when a map is constant) and SSIM of two maps."""
    rho = 0.0 if np.ptp(a) == 0 or np.ptp(b) == 0 else float(spearmanr(a.ravel(), b.ravel()).statistic)
    side = min(a.shape)
    window = 7 if side >= 7 else max(3, side - 1 + side % 2)
    return rho, float(structural_similarity(a, b, data_range=1.0, win_size=window))


# sanity check (Adebayo et al. 2018): randomise the weights layer by layer from the top, on a copy
twin = keras.models.clone_model(model)
twin.set_weights(model.get_weights())
rng = np.random.default_rng(seed)
original = grad_cam(twin, image)
print("original", 1.0, 1.0)
for layer in [layer for layer in reversed(twin.layers) if layer.get_weights()]:
    new = []
    for w in layer.get_weights():
        if w.ndim >= 2:   # kernels: a normal law of the same spread
            new.append(rng.normal(0.0, float(w.std()) or 0.05, w.shape).astype(w.dtype))
        else:             # biases: the same values shuffled
            new.append(rng.permutation(w.ravel()).reshape(w.shape).astype(w.dtype))
    layer.set_weights(new)
    rho, s = similarity(original, grad_cam(twin, image))
    print("randomised", layer.name, "spearman", round(rho, 4), "ssim", round(s, 4))


# faithfulness (Petsiuk et al. 2018): delete the most highlighted pixels first, watch the class probability
def deletion_area(heatmap, steps={int(steps)!r}):
    rows, cols = image.shape[:2]
    jitter = np.random.default_rng(seed).random(rows * cols) * 1e-9   # ties broken at random
    order = np.argsort(-(heatmap.ravel() + jitter), kind="stable")
    fractions = np.linspace(0, 1, steps + 1)
    batch = np.repeat(image[None].astype(np.float32), steps + 1, axis=0)
    for k, f in enumerate(fractions):
        batch[k].reshape(rows * cols, -1)[order[:int(round(f * rows * cols))]] = float(image.mean())
    p = model.predict(batch, verbose=0)
    p = np.concatenate([1 - p, p], axis=1) if p.shape[1] == 1 else p
    p = p[:, target].astype(np.float64)
    return float(np.sum((p[1:] + p[:-1]) / 2 * np.diff(fractions)))


print("deletion area Grad-CAM", round(deletion_area(grad_cam(model, image)), 4))
print("deletion area random", round(deletion_area(np.random.default_rng(seed).random(image.shape[:2])), 4))
'''
