"""The "Show the code" panel of the learned registration (lesson 5, section 7): Keras, TensorFlow, numpy, scipy.

`training_snippet` returns complete code, with the page's settings filled in
(through ``repr``), that runs as it is in a Python session with the course's
requirements: it builds the affine stage and the small U-Nets with their warp
layer, trains them on the generated pairs and prints the held-out loss per
epoch and the TRE of the held-out pairs the page registers. The pairs come from the course's own
generator of known motions (`core.learned_registration.make_pairs`, the only
`core` import), the way a public data set would come from its download;
the network, the warp layer, the loss, the training loop and the TRE are
written out plainly, as `core.learned_registration` computes them.
"""

from __future__ import annotations

from core.learned_registration import Config

VALIDATION_PAIRS = 64
"""Held-out pairs whose loss is printed per epoch (`core.learned_registration.train`'s default)."""


def training_snippet(config: Config, test_pairs: int, validation_pairs: int = VALIDATION_PAIRS) -> str:
    """Code that trains the registration network with `config` and prints the held-out TRE of `test_pairs` pairs.

    Parameters
    ----------
    config : core.learned_registration.Config
        The page's settings.
    test_pairs : int
        New held-out pairs registered after training (the page's "pairs per case").
    validation_pairs : int
        Held-out pairs whose loss is followed during training.

    Returns
    -------
    str
        Python code. It prints ``epoch k: loss ... held-out similarity ...``
        lines, one ``pair k: no registration ... network ...`` line per test
        pair (TRE in mm) and ``median TRE`` with the network's median.
    """
    similarity = config.similarity
    if similarity == "mse":
        single = ("def single(f, w):  # mean squared error\n"
                  "    return tf.reduce_mean((f - w) ** 2)\n")
    else:
        single = '''def single(f, w, window=9):  # minus the local normalised cross-correlation (squared), 9 x 9 windows
    stack = tf.concat([f, w, f * f, w * w, f * w], -1)          # local means of all five: one box filter,
    down, along = tf.ones((window, 1, 5, 1)) / window, tf.ones((1, window, 5, 1)) / window   # down, then along
    means = tf.nn.depthwise_conv2d(tf.nn.depthwise_conv2d(stack, down, [1, 1, 1, 1], "SAME"), along, [1, 1, 1, 1],
                                   "SAME")
    mf, mw, ff, ww, fw = tf.unstack(means, axis=-1)
    cross = fw - mf * mw
    return -tf.reduce_mean(cross * cross / ((ff - mf * mf) * (ww - mw * mw) + 1e-5))
'''
    return f'''import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras
import numpy as np
import tensorflow as tf
from scipy import ndimage

# the data: MNI152 T1 axial slices moved by random known motions (the course's generator; every 4th slice held out)
from core.learned_registration import Config, make_pairs, split_slices, template_slices
from core.data.warps import anatomy_points

settings = {config!r}
size, features, seed = settings.size, settings.features, settings.seed
coarse = size // settings.downsize              # the fields' grid
slices, _, spacing = template_slices(size)     # (k, size, size) in [0, 1]; spacing in mm per pixel
train_pos, held_pos = split_slices(len(slices))
train = make_pairs(slices[train_pos], spacing, settings.pairs, settings, seed)
val = make_pairs(slices[held_pos], spacing, {int(validation_pairs)!r}, settings, seed + 10_000)
test = make_pairs(slices[held_pos], spacing, {int(test_pairs)!r}, settings, 100_001)  # the pairs the page registers


def positions(moving, flow):
    """Where a warp samples: x + flow(x) (rows, cols) clipped to the image; and n, rows, cols."""
    shape = tf.shape(moving)
    n, rows, cols = shape[0], shape[1], shape[2]
    grid_r, grid_c = tf.meshgrid(tf.range(rows, dtype=tf.float32), tf.range(cols, dtype=tf.float32), indexing="ij")
    r = tf.clip_by_value(grid_r[None] + flow[..., 0], 0.0, tf.cast(rows - 1, tf.float32))
    c = tf.clip_by_value(grid_c[None] + flow[..., 1], 0.0, tf.cast(cols - 1, tf.float32))
    return r, c, n, rows, cols


def warp(moving, flow):
    """Bilinear resampling out(x) = moving(x + flow(x)); flow in pixels (rows, cols); outside: nearest edge."""
    r, c, n, rows, cols = positions(moving, flow)
    r0, c0 = tf.floor(r), tf.floor(c)
    wr, wc = (r - r0)[..., None], (c - c0)[..., None]
    r0i, c0i = tf.cast(r0, tf.int32), tf.cast(c0, tf.int32)
    r1i, c1i = tf.minimum(r0i + 1, rows - 1), tf.minimum(c0i + 1, cols - 1)
    flat = tf.reshape(moving, (n * rows * cols, -1))
    base = (tf.range(n) * rows * cols)[:, None, None]
    at = lambda ri, ci: tf.gather(flat, base + ri * cols + ci)
    top = at(r0i, c0i) * (1 - wc) + at(r0i, c1i) * wc
    bottom = at(r1i, c0i) * (1 - wc) + at(r1i, c1i) * wc
    return top * (1 - wr) + bottom * wr


def keys(f):
    """Keys' cubic convolution weights (a = -0.5) of the neighbours at -1, 0, 1, 2 for a fraction f in [0, 1)."""
    return [-0.5 * f ** 3 + f ** 2 - 0.5 * f, 1.5 * f ** 3 - 2.5 * f ** 2 + 1, -1.5 * f ** 3 + 2 * f ** 2 + 0.5 * f,
            0.5 * f ** 3 - 0.5 * f ** 2]


def warp_cubic(moving, flow):
    """As warp, bicubic (Keys): the last warp, which the loss sees (the pairs were moved with cubic splines)."""
    r, c, n, rows, cols = positions(moving, flow)
    channels = moving.shape[-1]
    r0, c0 = tf.floor(r), tf.floor(c)
    # 16 copies of the image shifted by -1..2 pixels (edges repeated), read in one gather at (r0, c0)
    padded = tf.concat([moving[:, :1], moving, moving[:, -1:], moving[:, -1:]], 1)
    padded = tf.concat([padded[:, :, :1], padded, padded[:, :, -1:], padded[:, :, -1:]], 2)
    copies = tf.concat([padded[:, i:i + rows, j:j + cols] for i in range(4) for j in range(4)], -1)
    flat = tf.reshape(copies, (n * rows * cols, 16 * channels))
    near = tf.split(tf.gather(flat, (tf.range(n) * rows * cols)[:, None, None] + tf.cast(r0, tf.int32) * cols
                              + tf.cast(c0, tf.int32)), 16, axis=-1)   # near[4 i + j]: the neighbour at (i - 1, j - 1)
    wr, wc = keys((r - r0)[..., None]), keys((c - c0)[..., None])
    return tf.add_n([wr[i] * tf.add_n([wc[j] * near[4 * i + j] for j in range(4)]) for i in range(4)])


# the network: an affine stage, then small U-Nets [moving, fixed] -> displacement field, and the warp layer
# (VoxelMorph in 2D)
keras.utils.set_random_seed(seed)
layers = keras.layers
moving = keras.Input((size, size, 1), name="moving")
fixed = keras.Input((size, size, 1), name="fixed")
small = lambda: keras.initializers.RandomNormal(0.0, 1e-5)   # tiny weights: training starts from the identity


def unet(source, tag):
    """A U-Net on (source, fixed): a field on a grid settings.downsize times coarser than the image."""
    x = layers.Concatenate(name=f"{{tag}}pair")([source, fixed])
    x = layers.LeakyReLU(0.2)(layers.Conv2D(features[0], 3, padding="same", name=f"{{tag}}enc0")(x))
    skips = [x]
    for level, filters in enumerate(features):     # encoder: stride-2 convolutions
        x = layers.LeakyReLU(0.2)(layers.Conv2D(filters, 3, strides=2, padding="same", name=f"{{tag}}down{{level + 1}}")(x))
        skips.append(x)
    skips.pop()
    for level, filters in reversed(list(enumerate(features))):   # decoder: upsample, join the encoder's map (skip)
        if 2 ** level < settings.downsize:          # ... down to the field's grid
            break
        x = layers.UpSampling2D(name=f"{{tag}}up{{level + 1}}")(x)
        x = layers.Concatenate(name=f"{{tag}}skip{{level + 1}}")([x, skips[level]])
        x = layers.LeakyReLU(0.2)(layers.Conv2D(filters, 3, padding="same", name=f"{{tag}}dec{{level + 1}}")(x))
    return layers.Conv2D(2, 3, padding="same", name=f"{{tag}}field", kernel_initializer=small())(x)


def full(flow, name):
    """A field on the coarse grid, upsampled bilinearly to the image's (a smooth field)."""
    if settings.downsize == 1:
        return flow
    return layers.UpSampling2D(settings.downsize, interpolation="bilinear", name=name)(flow)


def affine_field(params):
    """The field (pixels) of affine maps on the coarse grid: 6 parameters each, in coordinates centred and scaled to
    [-1, 1]; a coarse pixel i sits at image position downsize * i + (downsize - 1) / 2."""
    half, step = (size - 1) / 2, settings.downsize
    coords = (tf.range(size // step, dtype=tf.float32) * step + (step - 1) / 2) / half - 1
    y, x = tf.meshgrid(coords, coords, indexing="ij")
    grid = tf.stack([y, x, tf.ones_like(y)], -1)
    return tf.einsum("nij,rcj->nrci", tf.reshape(params, (-1, 2, 3)), grid) * half


def affine_stage():
    """Encoder on (moving, fixed), flattened, a dense layer: the 6 parameters of an affine map (identity at first)."""
    x = layers.Concatenate(name="affine_pair")([moving, fixed])
    for level, filters in enumerate(features):
        x = layers.LeakyReLU(0.2)(layers.Conv2D(filters, 3, strides=2, padding="same", name=f"affine_down{{level + 1}}")(x))
    params = layers.Dense(6, name="affine_params", kernel_initializer=small())(layers.Flatten(name="affine_flat")(x))
    return layers.Lambda(affine_field, output_shape=(coarse, coarse, 2), name="affine_field")(params)


def refine(flow, stage, tag):
    """A cascade's next stage: a U-Net registers what is left; u(x) = r(x) + u_prev(x + r(x)), on the coarse grid."""
    warped = layers.Lambda(lambda t: warp(t[0], t[1]), output_shape=(size, size, 1), name=f"warp_{{stage - 1}}")(
        [moving, full(flow, f"field_full_{{stage - 1}}")])
    residual = unet(warped, tag)
    step = settings.downsize  # r is in image pixels, a coarse pixel is `step` of them
    return layers.Lambda(lambda t: t[1] + warp(t[0], t[1] / step), output_shape=(coarse, coarse, 2),
                         name=f"compose_{{stage}}")([flow, residual])


flow = refine(affine_stage(), 1, "") if settings.affine else unet(moving, "")
for stage in range(2, settings.stages + 1):
    flow = refine(flow, stage, f"s{{stage}}_")
flow = full(flow, "field_full")
warped = layers.Lambda(lambda t: warp_cubic(t[0], t[1]), output_shape=(size, size, 1), name="warp")([moving, flow])
model = keras.Model([moving, fixed], [warped, flow], name="voxelmorph_2d")
print("parameters", model.count_params())

# the loss: dissimilarity ({similarity}) at the scales {config.scales!r} + lambda * smoothness of the field
{single}

def similarity(f, w):
    terms = [single(f, w) if k == 1 else single(tf.nn.avg_pool2d(f, k, k, "VALID"), tf.nn.avg_pool2d(w, k, k, "VALID"))
             for k in settings.scales]
    return tf.add_n(terms) / len(terms)


def smoothness(flow):  # mean squared finite differences along rows and columns
    dr = flow[:, 1:, :, :] - flow[:, :-1, :, :]
    dc = flow[:, :, 1:, :] - flow[:, :, :-1, :]
    return (tf.reduce_mean(dr * dr) + tf.reduce_mean(dc * dc)) / 2


lam = float(settings.smoothness)
optimizer = keras.optimizers.Adam(settings.learning_rate)


@tf.function(reduce_retracing=True)
def step(m, f):
    with tf.GradientTape() as tape:
        w, u = model([m, f], training=True)
        sim = similarity(f, w)
        loss = sim + lam * smoothness(u)
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return loss


@tf.function(reduce_retracing=True)
def evaluate(m, f):
    w, u = model([m, f], training=False)
    return similarity(f, w)


x_moving, x_fixed = train.moving[..., None], train.fixed[..., None]
v_moving, v_fixed = tf.constant(val.moving[..., None]), tf.constant(val.fixed[..., None])
batch = settings.batch_size
rng = np.random.default_rng(seed)
for epoch in range(1, settings.epochs + 1):    # no labels, no true fields: only the pairs
    order = rng.permutation(len(x_moving))
    total = 0.0
    for b in range(-(-len(x_moving) // batch)):
        chosen = order[b * batch:(b + 1) * batch]
        total += float(step(tf.constant(x_moving[chosen]), tf.constant(x_fixed[chosen]))) * len(chosen)
    print(f"epoch {{epoch}}: loss {{total / len(x_moving):.6g}} held-out similarity "
          f"{{float(evaluate(v_moving, v_fixed)):.6g}}")

# new held-out pairs in one forward pass; TRE: mean distance (mm) between where the field and the truth send brain points
_, fields = model.predict_on_batch([test.moving[..., None], test.fixed[..., None]])
errors = []
for k, problem in enumerate(test.problems):
    field_mm = np.asarray(fields[k], float) * np.array(spacing)          # pixels -> mm
    points = anatomy_points(problem.fixed, spacing)                      # (n, 2) in mm
    index = (points / np.array(spacing)).T
    moved = points + np.stack([ndimage.map_coordinates(field_mm[..., i], index, order=1, mode="nearest")
                               for i in range(2)], axis=-1)
    truth = problem.true_points(points)                                  # the known motion
    before = np.linalg.norm(points - truth, axis=1).mean()
    errors.append(np.linalg.norm(moved - truth, axis=1).mean())
    print(f"pair {{k + 1}}: no registration {{before:.4f}} mm, network {{errors[-1]:.4f}} mm")
print(f"median TRE {{np.median(errors):.4f}} mm")
'''
