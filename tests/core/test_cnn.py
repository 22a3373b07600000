"""The CNN helpers: model building, a short training that learns, evaluation numbers, feature maps, Grad-CAM."""

import numpy as np
import pytest

from core import cnn, labelled, layers, lesions


@pytest.fixture(scope="module")
def keras():
    return cnn.keras_module()


@pytest.fixture(scope="module")
def brain_set():
    data = lesions.generate(240, size=32, seed=0)
    train, held = labelled.stratified_split(data.labels, 0.25, seed=0)
    return data, train, held


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


def test_a_short_training_on_a_small_generated_set_beats_chance(trained):
    model, history = trained
    assert history.epochs == 3 and len(history.val_accuracy) == 3
    assert history.loss[-1] < history.loss[0]
    assert history.val_accuracy[-1] >= 0.7  # chance is 0.5


def test_training_reports_every_epoch(keras):
    data = lesions.generate(24, size=16, seed=1)
    seen = []
    cnn.train(cnn.build_model(cnn.ModelSpec(input_size=16, channels=1, conv_blocks=1)), data.images[:16],
              data.labels[:16], data.images[16:], data.labels[16:], epochs=2, batch_size=8,
              on_epoch=lambda epoch, history: seen.append((epoch, history.epochs)))
    assert seen == [(1, 1), (2, 2)]


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
    assert full[0, 0].tolist() == [128, 0, 0] and full[1, 1].tolist() == [0, 0, 128]  # jet: dark red high, dark blue low


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
