"""Learned registration: the warp layer against SimpleITK, the pairs' truth, and a tiny training that beats doing nothing."""

import numpy as np
import pytest

from core import learned_registration as lr
from core.data import warps


def smooth_field(shape, amplitude, seed=0):
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]].astype(float)
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, 4)
    return np.stack([amplitude * np.sin(2 * np.pi * cols / shape[1] + phase[0]) * np.cos(np.pi * rows / shape[0] + phase[1]),
                     amplitude * np.cos(2 * np.pi * rows / shape[0] + phase[2]) * np.sin(np.pi * cols / shape[1] + phase[3])],
                    axis=-1)


def sitk_warp(image, flow):
    """SimpleITK's resampler with a displacement field transform (linear interpolation)."""
    import SimpleITK as sitk

    field = sitk.GetImageFromArray(flow[..., ::-1].astype(np.float64), isVector=True)  # (x, y) = (col, row)
    transform = sitk.DisplacementFieldTransform(field)
    moving = sitk.GetImageFromArray(image.astype(np.float64))
    return sitk.GetArrayFromImage(sitk.Resample(moving, moving, transform, sitk.sitkLinear, -1.0, sitk.sitkFloat64))


def inside(flow):
    rows, cols = np.mgrid[0:flow.shape[0], 0:flow.shape[1]].astype(float)
    r, c = rows + flow[..., 0], cols + flow[..., 1]
    return (r >= 0) & (r <= flow.shape[0] - 1) & (c >= 0) & (c <= flow.shape[1] - 1)


def test_warp_layer_matches_simpleitk_resampler_on_a_known_field():
    shape = (40, 48)
    flow = smooth_field(shape, 3.0)
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]].astype(float)
    for image in (cols, rows, np.sin(rows / 5) * np.cos(cols / 7) + 0.01 * rows * cols):
        ours, theirs = lr.warp_numpy(image, flow), sitk_warp(image, flow)
        mask = inside(flow)
        assert mask.mean() > 0.8
        np.testing.assert_allclose(ours[mask], theirs[mask], atol=1e-3)
    # on ramps the value read is the position sampled: within 0.1 px of x + u(x) inside the image
    mask = inside(flow)
    assert np.abs(lr.warp_numpy(cols, flow) - (cols + flow[..., 1]))[mask].max() < 0.1
    assert np.abs(lr.warp_numpy(rows, flow) - (rows + flow[..., 0]))[mask].max() < 0.1


def test_warp_of_a_zero_field_is_the_image_and_of_a_shift_is_the_shift():
    image = np.random.default_rng(0).random((16, 16))
    np.testing.assert_allclose(lr.warp_numpy(image, np.zeros((16, 16, 2))), image, atol=1e-6)
    shifted = lr.warp_numpy(image, np.stack([np.full((16, 16), 2.0), np.zeros((16, 16))], -1))
    np.testing.assert_allclose(shifted[:-2], image[2:], atol=1e-6)


def keys_numpy(image, flow):
    """Keys' cubic convolution (a = -0.5) written out: 16 neighbours, edges repeated, at x + flow(x) clipped."""
    def kernel(t):
        t = np.abs(t)
        return np.where(t <= 1, 1.5 * t ** 3 - 2.5 * t ** 2 + 1,
                        np.where(t < 2, -0.5 * t ** 3 + 2.5 * t ** 2 - 4 * t + 2, 0.0))

    rows, cols = image.shape
    r = np.clip(np.arange(rows)[:, None] + flow[..., 0], 0, rows - 1)
    c = np.clip(np.arange(cols)[None] + flow[..., 1], 0, cols - 1)
    r0, c0 = np.floor(r).astype(int), np.floor(c).astype(int)
    return sum(kernel(r - r0 - i) * kernel(c - c0 - j) * image[np.clip(r0 + i, 0, rows - 1), np.clip(c0 + j, 0, cols - 1)]
               for i in range(-1, 3) for j in range(-1, 3))


def test_the_cubic_warp_is_keys_cubic_convolution_and_reproduces_quadratics():
    shape = (40, 48)
    flow = smooth_field(shape, 3.0)
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]].astype(float)
    image = np.sin(rows / 5) * np.cos(cols / 7) + 0.01 * rows * cols
    np.testing.assert_allclose(lr.warp_numpy(image, flow, cubic=True), keys_numpy(image, flow), atol=1e-4)
    np.testing.assert_allclose(lr.warp_numpy(image, np.zeros(shape + (2,)), cubic=True), image, atol=1e-5)
    # a quadratic is read exactly where all 16 neighbours are inside (bilinear is off by up to a quarter pixel²)
    bowl = ((rows - 17.3) ** 2 + 0.5 * (cols - 20.1) ** 2) / 10
    r, c = rows + flow[..., 0], cols + flow[..., 1]
    deep = (r >= 1) & (r <= shape[0] - 3) & (c >= 1) & (c <= shape[1] - 3)
    assert deep.mean() > 0.7
    truth = ((r - 17.3) ** 2 + 0.5 * (c - 20.1) ** 2) / 10
    assert np.abs(lr.warp_numpy(bowl, flow, cubic=True) - truth)[deep].max() < 2e-3
    assert np.abs(lr.warp_numpy(bowl, flow) - truth)[deep].max() > 0.01


def test_pairs_are_moved_by_their_known_motion():
    slices, indices, spacing = lr.template_slices(32)
    assert slices.shape[1:] == (32, 32) and len(indices) == len(slices) and slices.max() <= 1
    train, held = lr.split_slices(len(slices))
    assert not set(train) & set(held) and len(train) + len(held) == len(slices)
    pairs = lr.make_pairs(slices[held], spacing, 3, lr.Config(size=32), seed=0)
    for problem, moving, fixed in zip(pairs.problems, pairs.moving, pairs.fixed):
        np.testing.assert_allclose(problem.fixed, fixed, atol=1e-6)
        # the truth as a field (fixed point -> moving point) warps the moving image back onto the fixed one
        grid = np.indices((32, 32)).reshape(2, -1).T * np.asarray(spacing)
        truth = ((problem.true_points(grid) - grid) / np.asarray(spacing)).reshape(32, 32, 2)
        back = lr.warp_numpy(moving, truth)
        assert np.abs(back - fixed)[6:-6, 6:-6].mean() < 0.35 * np.abs(moving - fixed)[6:-6, 6:-6].mean()
        # scoring the true field gives no error, doing nothing gives the motion's size
        assert lr.score(problem, truth * np.asarray(spacing), back, 0.0).tre_mm < 0.05
        assert lr.identity(problem).tre_mm > 0.5


@pytest.fixture(scope="module")
def tiny():
    # the default loss (local NCC, lambda = 1) at the default step size: at 1e-2 this tiny network's NCC training
    # diverges (it did not with MSE, lambda = 0.01)
    config = lr.Config(size=32, pairs=320, epochs=4, batch_size=16, features=(8, 16), scales=(1,))
    epochs = []
    trained = lr.train(config, on_epoch=lambda e, h: epochs.append(e), validation_pairs=16)
    return trained, epochs


def test_a_tiny_training_beats_doing_nothing_on_held_out_pairs(tiny):
    trained, epochs = tiny
    assert epochs == [1, 2, 3, 4] and trained.history.epochs == 4
    assert trained.history.val_similarity[-1] < trained.history.val_similarity[0]
    problems = lr.held_out_pairs(trained, 8).problems
    learned = [lr.register_learned(trained.model, p).tre_mm for p in problems]
    nothing = [lr.identity(p).tre_mm for p in problems]
    assert np.median(learned) < 0.85 * np.median(nothing)  # 0.39 (0.46 with MSE, lambda = 0.01, step 1e-2)
    result = lr.register_learned(trained.model, problems[0])
    assert result.registered.shape == (32, 32) and result.displacement_mm.shape == (32, 32, 2)
    assert 0 <= result.folding <= 1 and result.seconds > 0


def test_a_trained_network_travels_as_its_weights_and_predicts_exactly_the_same(tiny):
    import pickle

    trained, _ = tiny
    problems = lr.held_out_pairs(trained, 3).problems
    moving, fixed = np.array([p.moving for p in problems]), np.array([p.fixed for p in problems])
    warped, flow = lr.predict(trained.model, moving, fixed)
    copy = pickle.loads(pickle.dumps(trained))  # what a Dask worker sends back
    assert copy._model is None and trained._model is not None  # the Keras model stays where it was built
    assert len(copy.weights) == len(trained.model.get_weights()) and copy.history.loss == trained.history.loss
    rebuilt = copy.model
    assert rebuilt is not trained.model and rebuilt.count_params() == trained.model.count_params()
    again_warped, again_flow = lr.predict(rebuilt, moving, fixed)
    assert np.abs(flow).max() > 0.1  # a field, not the identity
    np.testing.assert_array_equal(again_flow, flow)
    np.testing.assert_array_equal(again_warped, warped)
    assert copy.model is rebuilt  # built once per process


def test_register_pairs_registers_both_ways_and_reports_each_pair(tiny, monkeypatch):
    trained, _ = tiny
    problems = lr.held_out_pairs(trained, 2, seed=3).problems
    real_bspline, bsplines = lr.register_bspline, []

    def bspline(problem, metric):
        bsplines.append((problem, metric, real_bspline(problem, metric)))
        return bsplines[-1][2]

    monkeypatch.setattr(lr, "register_bspline", bspline)
    reports = []
    results = lr.register_pairs(trained, problems, ["ssd", "mattes_mi"], progress=lambda *a: reports.append(a))
    assert reports == [(1, 2), (2, 2)] and len(results) == 2
    assert [(p, m) for p, m, _ in bsplines] == [(problems[0], "ssd"), (problems[1], "mattes_mi")]
    for problem, (learned, bspline_result), (_, _, called) in zip(problems, results, bsplines):
        assert learned.tre_mm == pytest.approx(lr.register_learned(trained.model, problem).tre_mm, abs=1e-9)
        assert bspline_result is called and bspline_result.tre_mm < 0.5 * lr.identity(problem).tre_mm
        assert learned.seconds > 0
    with pytest.raises(ValueError, match="one B-spline metric per pair"):
        lr.register_pairs(trained, problems, ["ssd"])


def test_the_training_task_returns_the_weights_without_the_model():
    import pickle

    from core.heavy import train_registration

    config = lr.Config(size=16, pairs=32, epochs=2, features=(4,), downsize=2, stages=1)
    epochs = []
    trained = train_registration(config, on_epoch=lambda epoch, history: epochs.append(epoch))
    assert epochs == [1, 2] and trained.history.epochs == 2 and trained._model is None
    assert all(isinstance(w, np.ndarray) for w in trained.weights)
    direct = lr.train(config)  # the same seeded training in this process
    assert trained.history.loss == direct.history.loss
    for ours, theirs in zip(trained.weights, direct.weights):
        np.testing.assert_array_equal(ours, theirs)
    assert len(pickle.dumps(trained)) < 2 * sum(w.nbytes for w in trained.weights) + 100_000  # no model inside


def test_training_can_be_stopped_from_its_progress_callback():
    class Stop(BaseException):
        pass

    def stop(epoch, done, batches):
        raise Stop

    with pytest.raises(Stop):
        lr.train(lr.Config(size=16, pairs=64, epochs=2, features=(4,), downsize=2), on_batch=stop, batch_every=0.0,
                 validation_pairs=4)


def test_own_pair_resizes_any_image_and_moves_it():
    image = np.random.default_rng(0).random((300, 200)) * 4000
    problem = lr.own_pair(image, 32, (2.0, 2.0), warps.Motion((4.0, 0.0), (3.0,), 1.0, 100.0))
    assert problem.fixed.shape == (32, 32) and 0 <= problem.fixed.min() and problem.fixed.max() <= 1
    assert problem.moving.shape == (32, 32) and problem.motion.warp_mm == pytest.approx(warps.max_warp_mm((32, 32), (2.0, 2.0)))
    with pytest.raises(ValueError, match="multiple"):
        lr.build_model(30, (8, 16))


def test_own_pair_inverts_a_monochrome1_image_as_it_is_shown():
    image = np.tile(np.arange(64, dtype=np.float64), (64, 1))
    still = warps.Motion((0.0, 0.0), (0.0,), 1.0, 0.0)
    plain = lr.own_pair(image, 32, (2.0, 2.0), still)
    shown = lr.own_pair(image, 32, (2.0, 2.0), still, invert=True)
    assert shown.fixed == pytest.approx(1 - plain.fixed)
    assert shown.fixed[:, 0].min() == 1.0 and shown.fixed[:, -1].max() < 0.05  # the lowest values white


def _layer_outputs(model, names, moving, fixed):
    """The outputs of the named layers for one batch (a sub-model of the same graph)."""
    import keras

    probe = keras.Model(model.inputs, [model.get_layer(name).output for name in names])
    return [np.asarray(v) for v in probe.predict_on_batch([moving[..., None], fixed[..., None]])]


def _loud(model, scale=2.0, seed=0):
    """Give the field layers large random weights, so the fields are far from the identity."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.name.endswith("field") and layer.get_weights():  # the affine stage's field layer has none
            kernel, bias = layer.get_weights()
            layer.set_weights([rng.normal(0, scale, kernel.shape).astype(np.float32),
                               rng.normal(0, scale, bias.shape).astype(np.float32)])


def upsampled(coarse, size):
    """A coarse field ``(rows, cols, 2)`` upsampled bilinearly to ``size x size``, with half-pixel centres (coarse
    pixel i at fine position ``k i + (k - 1) / 2``, what scikit-image's resize does too)."""
    from skimage.transform import resize

    return np.stack([resize(coarse[..., i], (size, size), order=1, mode="edge") for i in range(2)], -1)


def composed_on_the_grid(first, residual, downsize):
    """``u(x) = r(x) + u1(x + r(x))`` on a coarse grid whose pixels are `downsize` image pixels (`r` in image pixels)."""
    return residual + np.stack([lr.warp_numpy(first[..., i], residual / downsize) for i in range(2)], -1)


def test_a_coarse_field_is_upsampled_bilinearly_to_the_image_grid():
    model = lr.build_model(32, (8, 8, 8), seed=0, downsize=4, stages=1, affine=False)
    _loud(model)
    rng = np.random.default_rng(1)
    moving, fixed = rng.random((2, 32, 32)), rng.random((2, 32, 32))
    coarse, full = _layer_outputs(model, ["field", "field_full"], moving, fixed)
    assert coarse.shape == (2, 8, 8, 2) and full.shape == (2, 32, 32, 2) and np.abs(coarse).max() > 0.5
    np.testing.assert_allclose(full[0], upsampled(coarse[0], 32), atol=1e-4)
    _, flow = lr.predict(model, moving, fixed)
    np.testing.assert_allclose(flow, full, atol=1e-5)


def test_a_cascade_composes_the_second_field_with_the_first_on_the_coarse_grid():
    model = lr.build_model(32, (8, 8), seed=0, downsize=2, stages=2, affine=False)
    _loud(model)
    rng = np.random.default_rng(2)
    moving, fixed = rng.random((1, 32, 32)), rng.random((1, 32, 32))
    first, step_input, residual, total = _layer_outputs(model, ["field", "warp_1", "s2_field", "compose_2"],
                                                        moving, fixed)
    assert first.shape == residual.shape == total.shape == (1, 16, 16, 2)
    assert np.abs(first).max() > 0.5 and np.abs(residual).max() > 0.5
    # the second U-Net sees the moving image warped by the first field, upsampled to the image's grid
    np.testing.assert_allclose(step_input[0, ..., 0], lr.warp_numpy(moving[0], upsampled(first[0], 32)), atol=1e-4)
    # u(x) = r(x) + u1(x + r(x)): a fixed point goes by r, then by the first field from there
    np.testing.assert_allclose(total[0], composed_on_the_grid(first[0], residual[0], 2), atol=1e-4)
    warped, flow = lr.predict(model, moving, fixed)
    np.testing.assert_allclose(flow[0], upsampled(total[0], 32), atol=1e-4)
    # one resampling of the image, bicubic: the network's output is what its loss sees
    np.testing.assert_allclose(warped[0], lr.warp_numpy(moving[0], flow[0], cubic=True), atol=1e-5)
    assert len(lr.build_model(32, (8, 8), seed=0, downsize=2, stages=3, affine=False).trainable_weights) == 3 * len(
        lr.build_model(32, (8, 8), seed=0, downsize=2, stages=1, affine=False).trainable_weights)  # a U-Net per stage


def affine_numpy(params, size, downsize=1):
    """The affine map's displacement (pixels) written out: rows and columns centred and scaled to [-1, 1], at the
    image's pixels or at the centres of its `downsize` x `downsize` blocks."""
    half = (size - 1) / 2
    centres = np.arange(size // downsize) * downsize + (downsize - 1) / 2
    y, x = (np.stack(np.meshgrid(centres, centres, indexing="ij")) - half) / half
    a, b, c, d, e, f = params
    return np.stack([half * (a * y + b * x + c), half * (d * y + e * x + f)], -1)


def test_affine_field_is_the_affine_map_and_zero_is_the_identity():
    params = np.array([[0.05, -0.1, 0.2, 0.1, 0.03, -0.25], [0, 0, 0, 0, 0, 0]], np.float32)
    field = np.asarray(lr.affine_field(params, 17))
    assert field.shape == (2, 17, 17, 2)
    np.testing.assert_allclose(field[0], affine_numpy(params[0], 17), atol=1e-5)
    assert not field[1].any()
    # a point x goes to x + u(x): the centre moves by the shifts only (c, f in half-images = 8 pixels)
    np.testing.assert_allclose(field[0, 8, 8], [0.2 * 8, -0.25 * 8], atol=1e-5)
    # on a grid 4 times coarser: the same map at the blocks' centres, where upsampling puts the coarse pixels
    coarse = np.asarray(lr.affine_field(params, 32, 4))
    assert coarse.shape == (2, 8, 8, 2)
    np.testing.assert_allclose(coarse[0], affine_numpy(params[0], 32, 4), atol=1e-5)
    inside = (slice(2, -2), slice(2, -2))  # bilinear upsampling of an affine field is the field, short of the edges
    np.testing.assert_allclose(upsampled(coarse[0], 32)[inside], affine_numpy(params[0], 32)[inside], atol=1e-4)


def test_the_affine_stage_comes_first_and_the_u_net_refines_what_it_leaves():
    model = lr.build_model(32, (8, 8), seed=0, downsize=2, stages=1, affine=True)
    assert model.count_params() > lr.build_model(32, (8, 8), seed=0, downsize=2, stages=1, affine=False).count_params()
    _loud(model)
    params = np.array([0.05, -0.1, 0.2, 0.1, 0.03, -0.25], np.float32)
    kernel, _ = model.get_layer("affine_params").get_weights()
    model.get_layer("affine_params").set_weights([np.zeros_like(kernel), params])  # the same map for any pair
    rng = np.random.default_rng(3)
    moving, fixed = rng.random((1, 32, 32)), rng.random((1, 32, 32))
    first, step_input, residual, total = _layer_outputs(model, ["affine_field", "warp_0", "field", "compose_1"],
                                                        moving, fixed)
    np.testing.assert_allclose(first[0], affine_numpy(params, 32, 2), atol=1e-4)
    np.testing.assert_allclose(step_input[0, ..., 0], lr.warp_numpy(moving[0], upsampled(first[0], 32)), atol=1e-4)
    assert np.abs(residual).max() > 0.5
    np.testing.assert_allclose(total[0], composed_on_the_grid(first[0], residual[0], 2), atol=1e-4)
    warped, flow = lr.predict(model, moving, fixed)
    np.testing.assert_allclose(flow[0], upsampled(total[0], 32), atol=1e-4)
    np.testing.assert_allclose(warped[0], lr.warp_numpy(moving[0], flow[0], cubic=True), atol=1e-5)
    # a new network starts from the identity: its field is tiny whatever the pair
    _, start = lr.predict(lr.build_model(32, (8, 8), seed=1, downsize=2, stages=2), moving, fixed)
    assert np.abs(start).max() < 1e-2


def test_build_model_refuses_a_field_grid_it_cannot_make():
    for downsize in (3, 8):
        with pytest.raises(ValueError, match="downsize"):
            lr.build_model(32, (8, 8), downsize=downsize)
    with pytest.raises(ValueError, match="stage"):
        lr.build_model(32, (8, 8), stages=0)


def local_ncc_numpy(f, w, window=9):
    """Local NCC written out with scipy's box filter (zeros outside the image), squared and averaged, negated."""
    from scipy.ndimage import uniform_filter

    def local(t):
        return uniform_filter(t, window, mode="constant", cval=0.0)

    mf, mw = local(f), local(w)
    cross, vf, vw = local(f * w) - mf * mw, local(f * f) - mf * mf, local(w * w) - mw * mw
    return -np.mean(cross * cross / (vf * vw + 1e-5))


def test_local_ncc_is_the_box_filtered_correlation_and_ignores_brightness_and_contrast():
    rng = np.random.default_rng(4)
    f = rng.random((2, 24, 20))
    w = 0.6 * f + 0.4 * rng.random((2, 24, 20))
    loss = float(lr.ncc_loss(f[..., None].astype(np.float32), w[..., None].astype(np.float32)))
    expected = np.mean([local_ncc_numpy(f[k], w[k]) for k in range(2)])
    assert -1 < expected < -0.3
    assert loss == pytest.approx(expected, rel=1e-4)
    same = float(lr.ncc_loss(f[..., None].astype(np.float32), f[..., None].astype(np.float32)))
    brighter = float(lr.ncc_loss(f[..., None].astype(np.float32), (3 * f + 0.5)[..., None].astype(np.float32)))
    # brighter and with more contrast: the same score but for the small constant that keeps flat windows finite
    assert same == pytest.approx(brighter, abs=0.015) and same < expected - 0.1  # the same image scores best
    assert float(lr.ncc_loss(f[..., None].astype(np.float32), f[..., None].astype(np.float32), 5)) == pytest.approx(
        np.mean([local_ncc_numpy(f[k], f[k], 5) for k in range(2)]), rel=1e-4)


def test_smoothness_is_the_mean_squared_difference_of_neighbours_and_its_gradient_is_exact():
    import tensorflow as tf

    rng = np.random.default_rng(5)
    flow = rng.normal(size=(2, 9, 7, 2))
    dr, dc = np.diff(flow, axis=1), np.diff(flow, axis=2)
    expected = (np.mean(dr ** 2) + np.mean(dc ** 2)) / 2
    # its gradient by hand: d/dflow of mean(d**2) is 2 d / d.size, spread to both ends of each difference
    grad = np.zeros_like(flow)
    grad[:, 1:] += dr / dr.size
    grad[:, :-1] -= dr / dr.size
    grad[:, :, 1:] += dc / dc.size
    grad[:, :, :-1] -= dc / dc.size
    tensor = tf.constant(flow, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        loss = lr.smoothness_loss(tensor)
    assert float(loss) == pytest.approx(expected, rel=1e-5)
    assert np.abs(tape.gradient(loss, tensor).numpy() - grad).max() < 1e-6
    assert float(lr.smoothness_loss(tf.zeros((1, 4, 4, 2)) + 3.0)) == 0.0  # a shift is perfectly smooth
