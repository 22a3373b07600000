"""The supervised page's "Show the code" snippets run as they are and print core's numbers."""

import ast
import re

import numpy as np
import pytest
from snippet_runs import run_here as run

from core import cnn, layers
from core.snippets import cnn as cnn_snippets
from core.data import labelled
from core.data import lesions


def numbers_after(label: str, text: str) -> list[float]:
    line = next(line for line in text.splitlines() if line.startswith(label))
    return [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", line[len(label):])]


def test_relu_and_pooling_snippets_print_core_results():
    assert ast.literal_eval(run(cnn_snippets.relu_snippet(layers.RELU_EXAMPLE))) == layers.relu(layers.RELU_EXAMPLE).tolist()
    max_out = run(cnn_snippets.pooling_snippet(layers.MAX_POOL_EXAMPLE, "max"))
    assert ast.literal_eval(max_out) == layers.max_pool(layers.MAX_POOL_EXAMPLE).tolist() == [[100, 184], [12, 45]]
    mean_out = run(cnn_snippets.pooling_snippet(layers.AVERAGE_POOL_EXAMPLE, "average"))
    assert ast.literal_eval(mean_out) == layers.average_pool(layers.AVERAGE_POOL_EXAMPLE).tolist()
    odd = np.arange(35.0).reshape(5, 7)
    assert ast.literal_eval(run(cnn_snippets.pooling_snippet(odd, "average", 3))) == layers.average_pool(odd, 3).tolist()


def test_convolution_snippet_prints_the_products_and_the_sum():
    image = np.arange(25.0).reshape(5, 5) ** 1.5
    kernel = layers.KERNELS["Sobel, horizontal edges"]
    patch, products, total = layers.convolution_terms(image, kernel, 1, 2)
    out = run(cnn_snippets.convolution_snippet(patch, kernel))
    assert np.allclose(ast.literal_eval(out.splitlines()[0]), products, rtol=1e-5)
    assert numbers_after("sum", out)[0] == pytest.approx(total, rel=1e-5)


def test_model_snippet_builds_the_same_model():
    spec = cnn.ModelSpec(input_size=24, channels=1, conv_blocks=2, filters=6, kernel_size=5, pooling="average",
                         dense_units=10, dropout=0.3, head="flatten")
    out = run(cnn_snippets.model_snippet(spec))
    assert numbers_after("parameters", out)[0] == cnn.build_model(spec).count_params()


@pytest.fixture(scope="module")
def trained_by_snippet(tmp_path_factory):
    """The training snippet run in a scratch folder (it saves the model there), and core's training of the same."""
    folder = tmp_path_factory.mktemp("snippet")
    spec = cnn.ModelSpec(input_size=24, channels=1, conv_blocks=2, filters=4, head="global max", dropout=0.0)
    data_code = cnn_snippets.data_code("lesions", 60, 0.5, 24, 2)
    code = cnn_snippets.training_snippet(spec, data_code, epochs=2, batch_size=16, learning_rate=5e-3,
                                         validation_fraction=0.25, seed=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        out = run(code)
    data = lesions.generate(60, 0.5, 24, seed=2)
    train, validation, evaluation = labelled.training_split(data, 0.25, seed=1)
    model = cnn.build_model(spec, seed=1)
    history = cnn.train(model, data.images[train], data.labels[train], data.images[validation],
                        data.labels[validation], epochs=2, batch_size=16, learning_rate=5e-3, seed=1)
    saved = cnn.model_from_bytes((folder / cnn_snippets.MODEL_FILE).read_bytes())
    return folder, out, data, (train, validation, evaluation), history, saved, data_code


def test_training_snippet_uses_the_same_split_and_trains_like_core(trained_by_snippet):
    _, out, _, (train, validation, _), history, _, _ = trained_by_snippet
    assert numbers_after("training images", out) == [len(train), len(validation)]
    printed = [numbers_after(f"epoch {e}:", out)[-1] for e in (1, 2)]
    assert printed[-1] == pytest.approx(history.val_accuracy[-1], abs=0.15)


def test_evaluation_snippet_prints_core_metrics(trained_by_snippet):
    folder, _, data, (_, _, evaluation), _, saved, data_code = trained_by_snippet
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        out = run(cnn_snippets.evaluation_snippet(data_code, 0.25, 1, use_test=False, positive=1))
    result = cnn.evaluate(data.labels[evaluation], cnn.predict_proba(saved, data.images[evaluation]), positive=1)
    assert numbers_after("accuracy", out)[0] == pytest.approx(result.accuracy)
    sensitivity, specificity = numbers_after("sensitivity", out)
    assert sensitivity == pytest.approx(result.sensitivity) and specificity == pytest.approx(result.specificity)
    assert numbers_after("AUC", out)[0] == pytest.approx(result.auc, abs=1e-6)
    assert numbers_after("confusion matrix (rows: true class, columns: predicted)", out) == result.confusion.ravel().tolist()


def test_grad_cam_and_feature_map_snippets_print_core_numbers(trained_by_snippet):
    folder, _, data, (_, _, evaluation), _, saved, data_code = trained_by_snippet
    index = int(evaluation[data.labels[evaluation] == 1][0])
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        cam_out = run(cnn_snippets.grad_cam_snippet(data_code, index, "relu2", None))
        cam1_out = run(cnn_snippets.grad_cam_snippet(data_code, index, "conv1", 0))
        maps_out = run(cnn_snippets.feature_maps_snippet(data_code, 0.25, 1, index, "conv2", "relu2", "pool2", 3))
    for out, layer, target in ((cam_out, "relu2", None), (cam1_out, "conv1", 0)):
        heatmap = cnn.grad_cam(saved, data.images[index], target, layer)
        row, col, mean = numbers_after("heatmap peak at (row, col)", out)
        if heatmap.any():
            assert (row, col) == np.unravel_index(np.argmax(heatmap), heatmap.shape)
        assert mean == pytest.approx(float(heatmap.mean()), abs=1e-3)
    maps = cnn.feature_maps(saved, data.images[index], "conv2")
    for name, stage in (("conv2", "convolution"), ("relu2", "ReLU"), ("pool2", "pooling")):
        *_, mean, top = numbers_after(name, maps_out)
        assert mean == pytest.approx(float(maps[stage][..., 3].mean()), abs=1e-3)
        assert top == pytest.approx(float(maps[stage][..., 3].max()), abs=1e-3)
