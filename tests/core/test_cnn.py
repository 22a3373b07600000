"""The CNN helpers: model building, a short training that learns, evaluation numbers, feature maps, Grad-CAM."""

import itertools

import numpy as np
import pytest

from core import cnn, layers
from core.data import lesions


@pytest.fixture(scope="module")
def trained(keras, brain_set):
    data, train, held = brain_set
    model = cnn.build_model(cnn.ModelSpec(input_size=32, channels=1, conv_blocks=2, filters=8, head="global max",
                                          dropout=0.0))
    history = cnn.train(model, data.images[train], data.labels[train], data.images[held], data.labels[held],
                        epochs=3, batch_size=32, learning_rate=5e-3, seed=0)
    return model, history


def test_build_model_layers_shapes_and_parameter_counts(keras):
    spec = cnn.ModelSpec(input_size=32, channels=1, conv_blocks=2, filters=4, dense_units=8, dropout=0.0, augment=False)
    rows = {r["layer"]: r for r in cnn.summary_table(cnn.build_model(spec))}
    assert list(rows) == ["scale", "conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "dense", "output"]
    assert rows["conv1"]["parameters"] == 3 * 3 * 1 * 4 + 4
    assert rows["conv2"]["parameters"] == 3 * 3 * 4 * 8 + 8
    assert rows["pool2"]["output shape"] == "8 × 8 × 8"
    assert rows["dense"]["parameters"] == 8 * 8 * 8 * 8 + 8
    assert rows["output"]["parameters"] == 8 * 2 + 2
    with pytest.raises(ValueError):
        cnn.build_model(cnn.ModelSpec(input_size=16, conv_blocks=5))


def spread_of_specs() -> list:
    """Every pooling × head × number of blocks, the other choices drawn so that each value turns up."""
    rng = np.random.default_rng(0)
    specs = []
    for pooling, head, blocks in itertools.product(cnn.POOLING, cnn.HEADS, (1, 2, 3, 4)):
        specs.append(cnn.ModelSpec(
            input_size=int(rng.choice([16, 21, 32, 37, 45, 64, 96, 99])), channels=int(rng.choice([1, 3])),
            n_classes=int(rng.choice([2, 3, 5])), conv_blocks=blocks, filters=int(rng.choice([4, 8, 16])),
            kernel_size=int(rng.choice([3, 5, 7])), pooling=pooling, dense_units=int(rng.choice([0, 16, 32])),
            dropout=float(rng.choice([0.0, 0.5])), head=head, augment=bool(rng.choice([True, False]))))
    return specs


def test_the_spread_of_specs_covers_every_choice():
    specs = spread_of_specs()
    assert {s.kernel_size for s in specs} == {3, 5, 7} and {s.channels for s in specs} == {1, 3}
    assert {s.dense_units for s in specs} == {0, 16, 32} and {s.dropout for s in specs} == {0.0, 0.5}
    assert {s.augment for s in specs} == {True, False} and {s.n_classes for s in specs} == {2, 3, 5}
    assert len({s.input_size for s in specs}) >= 6
    assert any(s.input_size // 2 ** b % 2 for s in specs for b in range(s.conv_blocks))  # pooling floors odd sides


def test_layer_table_is_keras_own_summary_of_the_built_model(keras):
    for spec in spread_of_specs():
        assert cnn.layer_table(spec) == cnn.summary_table(cnn.build_model(spec)), spec


def test_layer_table_by_hand():
    spec = cnn.ModelSpec(input_size=37, channels=3, n_classes=3, conv_blocks=2, filters=4, kernel_size=5,
                         pooling="average", dense_units=10, dropout=0.5, head="flatten", augment=True)
    assert cnn.layer_table(spec) == [
        {"layer": "flip", "type": "RandomFlip", "output shape": "37 × 37 × 3", "parameters": 0},
        {"layer": "scale", "type": "Rescaling", "output shape": "37 × 37 × 3", "parameters": 0},
        {"layer": "conv1", "type": "Conv2D", "output shape": "37 × 37 × 4", "parameters": 5 * 5 * 3 * 4 + 4},
        {"layer": "relu1", "type": "ReLU", "output shape": "37 × 37 × 4", "parameters": 0},
        {"layer": "pool1", "type": "AveragePooling2D", "output shape": "18 × 18 × 4", "parameters": 0},
        {"layer": "conv2", "type": "Conv2D", "output shape": "18 × 18 × 8", "parameters": 5 * 5 * 4 * 8 + 8},
        {"layer": "relu2", "type": "ReLU", "output shape": "18 × 18 × 8", "parameters": 0},
        {"layer": "pool2", "type": "AveragePooling2D", "output shape": "9 × 9 × 8", "parameters": 0},
        {"layer": "flatten", "type": "Flatten", "output shape": "648", "parameters": 0},
        {"layer": "dense", "type": "Dense", "output shape": "10", "parameters": 648 * 10 + 10},
        {"layer": "dropout", "type": "Dropout", "output shape": "10", "parameters": 0},
        {"layer": "output", "type": "Dense", "output shape": "3", "parameters": 10 * 3 + 3},
    ]
    global_max = cnn.layer_table(cnn.ModelSpec(input_size=20, channels=1, conv_blocks=1, filters=6, head="global max",
                                               dense_units=0, dropout=0.0, augment=False))
    assert [(r["layer"], r["output shape"], r["parameters"]) for r in global_max] == [
        ("scale", "20 × 20 × 1", 0), ("conv1", "20 × 20 × 6", 60), ("relu1", "20 × 20 × 6", 0),
        ("pool1", "10 × 10 × 6", 0), ("global_max", "6", 0), ("output", "2", 14)]
    with pytest.raises(ValueError, match="^a 16-pixel input cannot be halved 5 times: use fewer blocks or a larger "
                                         "input$"):
        cnn.layer_table(cnn.ModelSpec(input_size=16, conv_blocks=5))


@pytest.mark.parametrize("spec", [cnn.ModelSpec(input_size=16, conv_blocks=5),
                                  cnn.ModelSpec(input_size=7, conv_blocks=3),
                                  cnn.ModelSpec(pooling="median"), cnn.ModelSpec(head="attention")])
def test_layer_table_refuses_what_build_model_refuses_with_the_same_message(keras, spec):
    with pytest.raises(ValueError) as built:
        cnn.build_model(spec)
    with pytest.raises(ValueError) as tabled:
        cnn.layer_table(spec)
    assert str(tabled.value) == str(built.value)


def test_a_short_training_on_a_small_generated_set_beats_chance(trained):
    model, history = trained
    assert history.epochs == 3 and len(history.val_accuracy) == 3
    assert history.loss[-1] < history.loss[0]
    assert history.val_accuracy[-1] >= 0.7  # chance is 0.5


def test_a_history_records_each_epoch_in_the_list_of_its_name():
    history = cnn.History()
    history.record(1.5, loss=0.75, accuracy=0.5, val_loss=np.float32(0.875), val_accuracy=0.25)
    history.record(3.0, loss=0.5, accuracy=0.75, val_loss=0.625, val_accuracy=0.5)
    assert history.epochs == 2 and history.seconds == 3.0
    assert history.loss == [0.75, 0.5] and history.val_loss == [0.875, 0.625]
    assert history.accuracy == [0.5, 0.75] and history.val_accuracy == [0.25, 0.5]
    assert all(type(v) is float for v in history.val_loss)


def test_training_reports_every_epoch(keras):
    data = lesions.generate(24, size=16, seed=1)
    seen = []
    cnn.train(cnn.build_model(cnn.ModelSpec(input_size=16, channels=1, conv_blocks=1)), data.images[:16],
              data.labels[:16], data.images[16:], data.labels[16:], epochs=2, batch_size=8,
              on_epoch=lambda epoch, history: seen.append((epoch, history.epochs)))
    assert seen == [(1, 1), (2, 2)]


class Halt(BaseException):
    """Stands for Streamlit's stop request: a BaseException raised from a progress report."""


def tiny_run(**reports):
    """Train a one-block network 5 epochs on 16 images in batches of 8 (2 batches an epoch, 1 validation batch)."""
    data = lesions.generate(24, size=16, seed=1)
    model = cnn.build_model(cnn.ModelSpec(input_size=16, channels=1, conv_blocks=1))
    try:
        cnn.train(model, data.images[:16], data.labels[:16], data.images[16:], data.labels[16:], epochs=5,
                  batch_size=8, **reports)
    finally:
        tiny_run.updates = int(model.optimizer.iterations.numpy())


def test_an_exception_from_the_epoch_report_stops_training_and_comes_out_unchanged(keras):
    seen = []
    halt = Halt("stop pressed")

    def on_epoch(epoch, history):
        seen.append(epoch)
        if epoch == 2:
            raise halt

    with pytest.raises(Halt) as raised:
        tiny_run(on_epoch=on_epoch)
    assert raised.value is halt
    assert seen == [1, 2] and tiny_run.updates == 2 * 2  # two epochs of two batches, nothing after


def test_batch_reports_come_during_the_epoch_and_can_stop_it(keras):
    seen = []
    tiny_run(on_batch=lambda epoch, done, batches: seen.append((epoch, done, batches)), batch_every=0.0)
    assert seen == [(e, d, 2) for e in range(1, 6) for d in (1, 2, 2)]  # two training batches, then validation
    epochs = []

    def on_batch(epoch, done, batches):
        if (epoch, done) == (2, 1):
            raise Halt

    with pytest.raises(Halt):
        tiny_run(on_epoch=lambda epoch, history: epochs.append(epoch), on_batch=on_batch, batch_every=0.0)
    assert epochs == [1] and tiny_run.updates == 2 + 1  # stopped after the first batch of epoch 2
    quiet = []
    tiny_run(on_batch=lambda *report: quiet.append(report), batch_every=1e9)
    assert quiet == [] and tiny_run.updates == 5 * 2


def test_grad_cam_is_input_sized_in_unit_range_and_points_at_the_lesion(trained, brain_set):
    model, _ = trained
    data, _, held = brain_set
    with_lesion = held[data.labels[held] == 1]
    heatmap = cnn.grad_cam(model, data.images[with_lesion[0]])
    assert heatmap.shape == (32, 32) and heatmap.min() >= 0 and heatmap.max() == pytest.approx(1.0)
    maps, classes = cnn.grad_cams(model, data.images[with_lesion], class_index=1)
    assert np.all(classes == 1)
    assert cnn.pointing_game(maps, data.masks[with_lesion]).mean() >= 0.7


def test_grad_cam_changes_with_the_target_class(trained, brain_set):
    model, _ = trained
    data, _, held = brain_set
    image = data.images[held[data.labels[held] == 1][0]]
    assert not np.allclose(cnn.grad_cam(model, image, class_index=0), cnn.grad_cam(model, image, class_index=1))
    predicted = int(cnn.predict_proba(model, image[None]).argmax())
    assert np.allclose(cnn.grad_cam(model, image), cnn.grad_cam(model, image, class_index=predicted))


def functional_copy(keras, model, layers=None, last=None):
    """The same network (same weights) written with the functional API, with fresh layer objects."""
    inputs = keras.Input(model.inputs[0].shape[1:])
    x = inputs
    for layer in layers if layers is not None else model.layers:
        fresh = type(layer).from_config(layer.get_config())
        x = fresh(x)
        fresh.set_weights(layer.get_weights())
    return keras.Model(inputs, last(x) if last else x)


def test_functional_copy_gives_the_same_heatmap(keras, trained, brain_set):
    model, _ = trained
    data, _, held = brain_set
    functional = functional_copy(keras, model)
    assert not isinstance(functional, keras.Sequential)
    image = data.images[held[0]]
    for layer_name in (None, "conv1"):
        assert np.allclose(cnn.grad_cam(functional, image, 1, layer_name), cnn.grad_cam(model, image, 1, layer_name),
                           atol=1e-5)


def test_grad_cam_with_one_sigmoid_output(keras, trained, brain_set):
    model, _ = trained
    data, _, held = brain_set
    output = model.get_layer("output")
    kernel, bias = output.get_weights()
    sigmoid = keras.layers.Dense(1, activation="sigmoid", name="binary_output")
    binary = functional_copy(keras, model, model.layers[:-1], sigmoid)
    sigmoid.set_weights([kernel[:, 1:] - kernel[:, :1], bias[1:] - bias[:1]])  # sigmoid(z1 - z0) = softmax's p1
    images = data.images[held]
    assert np.allclose(cnn.predict_proba(binary, images), cnn.predict_proba(model, images), atol=1e-5)
    with_lesion = held[data.labels[held] == 1]
    maps, _ = cnn.grad_cams(binary, data.images[with_lesion], class_index=1)
    assert maps.shape == (len(with_lesion), 32, 32) and 0 <= maps.min() and maps.max() <= 1
    assert cnn.pointing_game(maps, data.masks[with_lesion]).mean() >= 0.6
    assert not np.allclose(cnn.grad_cam(binary, images[0], 0), cnn.grad_cam(binary, images[0], 1))


def test_a_model_with_no_evidence_gives_a_blank_map(keras):
    model = cnn.build_model(cnn.ModelSpec(input_size=16, channels=1, conv_blocks=1))
    output = model.get_layer("output")
    output.set_weights([np.zeros_like(w) for w in output.get_weights()])
    heatmap = cnn.grad_cam(model, np.random.default_rng(0).random((16, 16, 1)))
    assert heatmap.shape == (16, 16) and not heatmap.any()


def test_feature_maps_are_conv_then_relu_then_the_numpy_pooling(trained, brain_set):
    model, _ = trained
    data, _, _ = brain_set
    image = data.images[0]
    maps = cnn.feature_maps(model, image, "conv1")
    assert maps["convolution"].shape == (32, 32, 8) and maps["pooling"].shape == (16, 16, 8)
    assert np.allclose(maps["ReLU"], layers.relu(maps["convolution"]))
    assert np.allclose(maps["pooling"], layers.max_pool(maps["ReLU"]))
    kernel, bias = model.get_layer("conv1").get_weights()
    scaled = image[..., 0] * 2 - 1  # the model's Rescaling layer
    valid = layers.convolve(scaled, kernel[:, :, 0, 3]) + bias[3]  # "same" padding: the inside matches "valid"
    assert np.allclose(maps["convolution"][1:-1, 1:-1, 3], valid, atol=1e-4)
    grid = cnn.feature_grid(maps["ReLU"], columns=4)
    assert grid.shape == (2 * 32 + 1, 4 * 32 + 3) and grid.dtype == np.uint8


def test_feature_maps_of_a_conv_with_a_fused_relu(keras):
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, activation="relu", name="c"),
                              keras.layers.AveragePooling2D(2, name="p"), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    maps = cnn.feature_maps(model, np.random.default_rng(1).random((8, 8, 1)), "c")
    assert (maps["convolution"] < 0).any()
    assert np.allclose(maps["ReLU"], np.maximum(maps["convolution"], 0), atol=1e-6)
    assert np.allclose(maps["pooling"], layers.average_pool(maps["ReLU"]), atol=1e-6)
    assert cnn.default_cam_layer(model) == "c"


def test_evaluation_numbers_against_known_values():
    labels = np.array([0, 0, 1, 1])
    proba = np.array([[0.9, 0.1], [0.4, 0.6], [0.6, 0.4], [0.1, 0.9]])
    result = cnn.evaluate(labels, proba, positive=1)
    assert result.accuracy == 0.5
    assert result.confusion.tolist() == [[1, 1], [1, 1]]
    assert result.sensitivity == 0.5 and result.specificity == 0.5
    assert result.auc == pytest.approx(0.75)
    perfect = cnn.evaluate(labels, proba[[0, 0, 3, 3]])
    assert perfect.accuracy == 1 and perfect.auc == 1 and perfect.sensitivity == 1 and perfect.specificity == 1
    one_class = cnn.evaluate(np.array([1, 1]), proba[2:])
    assert np.isnan(one_class.auc) and np.isnan(one_class.specificity)


def test_roc_matches_scikit_learn():
    from sklearn.metrics import roc_auc_score, roc_curve

    rng = np.random.default_rng(0)
    truth = rng.random(200) < 0.4
    scores = np.round(rng.random(200) + truth * 0.5, 2)  # rounded: ties
    fpr, tpr, thresholds = cnn.roc_curve(truth, scores)
    ref_fpr, ref_tpr, _ = roc_curve(truth, scores, drop_intermediate=False)
    assert np.allclose(fpr, ref_fpr) and np.allclose(tpr, ref_tpr)
    proba = np.column_stack([1 - scores / 2, scores / 2])
    assert cnn.evaluate(truth.astype(int), proba).auc == pytest.approx(roc_auc_score(truth, scores))


def test_pointing_game_tolerance_and_blank_maps():
    heat = np.zeros((3, 5, 5))
    heat[0, 2, 2] = 1
    heat[1, 0, 0] = 1
    masks = np.zeros((3, 5, 5), bool)
    masks[:, 2, 2] = True
    assert cnn.pointing_game(heat, masks).tolist() == [True, False, False]
    masks[1, 0, 1] = True  # one pixel from the maximum
    assert cnn.pointing_game(heat, masks, tolerance=1).tolist() == [True, True, False]


def test_overlay_blends_image_and_heatmap():
    image = np.full((4, 4, 1), 0.5)
    heat = np.zeros((4, 4))
    heat[0, 0] = 1
    assert np.all(cnn.heatmap_overlay(image, heat, 0.0) == 128)
    full = cnn.heatmap_overlay(image, heat, 1.0)
    # viridis (colour-vision safe): yellow high, dark purple low
    assert full[0, 0].tolist() == [253, 231, 37] and full[1, 1].tolist() == [68, 1, 84]


def test_model_bytes_round_trip_and_bad_files(keras, trained, brain_set):
    model, _ = trained
    data, _, held = brain_set
    data_bytes = cnn.model_to_bytes(model)
    again = cnn.model_from_bytes(data_bytes, "mine.keras")
    images = data.images[held[:5]]
    assert np.allclose(cnn.predict_proba(again, images), cnn.predict_proba(model, images), atol=1e-6)
    with pytest.raises(cnn.ModelLoadError, match="not a .keras model"):
        cnn.model_from_bytes(b"hello", "notes.keras")
    with pytest.raises(cnn.ModelLoadError, match="could not be loaded"):
        cnn.model_from_bytes(data_bytes[:300], "cut.keras")
