"""An uploaded .keras model is checked against the budget before Keras sees it, and loaded from memory.

The weights a config declares are counted from the config alone and must
equal Keras' own count for real models; files over the budget (a config
that inflates to gigabytes, a huge Dense layer, unknown layers, extra
members) are refused with a plain message before Keras allocates anything;
and loading or saving a model leaves nothing on disk.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile

import pytest

from core import cnn
from core.io import model_check
from core.io.model_check import ModelBudgetError, check_model_file


def _functional(keras):
    inputs = keras.Input((48, 48, 3), name="image")
    a = keras.layers.Conv2D(6, 5, strides=2, padding="valid", name="a")(inputs)
    b = keras.layers.BatchNormalization(name="bn")(a)
    c = keras.layers.SeparableConv2D(10, 3, padding="same", name="sep")(b)
    d = keras.layers.DepthwiseConv2D(3, depth_multiplier=2, name="dw")(c)
    both = keras.layers.Concatenate(name="cat")([keras.layers.MaxPooling2D(3, name="p1")(d),
                                                 keras.layers.AveragePooling2D(3, name="p2")(d)])
    flat = keras.layers.GlobalAveragePooling2D(name="gap")(keras.layers.ReLU(name="r")(both))
    out = keras.layers.Dense(3, activation="softmax", name="output")(keras.layers.Dropout(0.2, name="drop")(flat))
    return keras.Model(inputs, out)


@pytest.fixture(scope="module")
def saved(keras):
    spec = cnn.ModelSpec(input_size=32, channels=1, conv_blocks=2, filters=4, dense_units=8, dropout=0.1)
    models = {"course": cnn.build_model(spec), "global": cnn.build_model(cnn.ModelSpec(head="global average")),
              "functional": _functional(keras)}
    return {name: (model, cnn.model_to_bytes(model)) for name, model in models.items()}


def _rezip(data: bytes, edit=None, extra: dict | None = None, config_text: bytes | None = None) -> bytes:
    """The .keras file with its config edited (a function of the parsed JSON) or replaced, and members added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "config.json":
                if config_text is not None:
                    content = config_text
                elif edit is not None:
                    config = json.loads(content)
                    edit(config)
                    content = json.dumps(config).encode()
            target.writestr(info.filename, content)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def _layers(config: dict) -> list[dict]:
    return config["config"]["layers"]


def test_the_declared_weights_equal_keras_own_count(saved):
    for name, (model, data) in saved.items():
        facts = check_model_file(data, f"{name}.keras")
        assert facts.parameters == model.count_params(), name
        assert facts.input_shape == tuple(model.inputs[0].shape[1:]), name


def test_a_huge_dense_layer_is_refused_from_the_config_alone(saved):
    _, data = saved["course"]

    def huge(config):
        for layer in _layers(config):
            if layer["class_name"] == "Dense" and layer["config"]["name"] == "dense":
                layer["config"]["units"] = 50_000  # 8 × 8 × 8 × 50000 weights here, and 50000 × 2 after

    hostile = _rezip(data, huge)
    assert len(hostile) < 50_000
    with pytest.raises(ModelBudgetError, match="weights, more than the 20,000,000"):
        check_model_file(hostile, "huge.keras")

    def wide(config):  # 32 × 32 × 6 inputs × 6000 units: 36.9 million weights
        _layers(config)[0]["config"]["batch_shape"] = [None, 32, 32, 6]
        config["config"]["layers"] = [_layers(config)[0], {"class_name": "Flatten", "config": {"name": "f"}},
                                      {"class_name": "Dense", "config": {"name": "d", "units": 6000}},
                                      {"class_name": "Dense", "config": {"name": "output", "units": 2}}]
    with pytest.raises(cnn.ModelLoadError, match="weights, more than the 20,000,000"):
        cnn.model_from_bytes(_rezip(data, wide), "wide.keras")


def test_a_config_that_inflates_past_its_budget_is_refused_before_reading_it(saved):
    _, data = saved["course"]
    padded = json.dumps(json.loads(_zip_member(data, "config.json"))).encode() + b" " * (2 * 1024**2)
    with pytest.raises(ModelBudgetError, match="config.json inflates"):
        check_model_file(_rezip(data, config_text=padded), "padded.keras")
    ratio = _rezip(data, extra={"metadata.json": b"\0" * (3 * 1024**2)})
    with pytest.raises(ModelBudgetError, match="decompression bomb|holds metadata.json"):
        check_model_file(ratio, "ratio.keras")


def _zip_member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


@pytest.mark.parametrize("case", ["lstm", "assets", "deep", "not json", "no input", "huge input", "huge maps"])
def test_what_cannot_be_checked_is_refused_plainly(saved, case):
    _, data = saved["course"]
    if case == "lstm":
        hostile = _rezip(data, lambda c: _layers(c).insert(2, {"class_name": "LSTM", "config": {"units": 99999}}))
    elif case == "assets":
        hostile = _rezip(data, extra={"assets/x.txt": b"x"})
    elif case == "deep":
        hostile = _rezip(data, config_text=b"[" * 100_000 + b"]" * 100_000)
    elif case == "not json":
        hostile = _rezip(data, config_text=b"{'class_name': Infinity")
    elif case == "no input":
        hostile = _rezip(data, lambda c: (_layers(c).pop(0), c["config"].pop("build_input_shape", None)))
    elif case == "huge input":
        hostile = _rezip(data, lambda c: _layers(c)[0]["config"].update(batch_shape=[None, 100000, 100000, 3]))
    else:
        def maps(config):
            _layers(config)[0]["config"]["batch_shape"] = [None, 1024, 1024, 1]
            for layer in _layers(config):
                if layer["class_name"] == "Conv2D":
                    layer["config"]["filters"] = 512
        hostile = _rezip(data, maps)
    with pytest.raises(ModelBudgetError) as raised:
        check_model_file(hostile, "odd.keras")
    message = str(raised.value)
    assert message.startswith("odd.keras could not be loaded as a Keras model: ") and len(message) < 400
    assert "Traceback" not in message and "0x" not in message


def test_a_model_is_loaded_and_saved_without_leaving_anything_on_disk(saved, monkeypatch, tmp_path):
    model, data = saved["course"]
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    again = cnn.model_from_bytes(data, "mine.keras")
    assert again.count_params() == model.count_params()
    assert cnn.model_to_bytes(again)[:4] == b"PK\x03\x04"
    assert list(tmp_path.iterdir()) == []  # Keras' private asset folder is gone at once


def test_loading_writes_no_temporary_file(saved, monkeypatch):
    _, data = saved["functional"]

    def refuse(*args, **kwargs):
        raise AssertionError("a temporary file or folder was made while loading a model")

    for name in ("mkdtemp", "mkstemp", "NamedTemporaryFile", "TemporaryDirectory", "TemporaryFile"):
        monkeypatch.setattr(tempfile, name, refuse)
    assert cnn.model_from_bytes(data, "functional.keras").count_params() > 0


def test_the_budget_is_stated():
    assert model_check.MAX_PARAMETERS == 20_000_000 and model_check.MAX_CONFIG_BYTES == 1024**2
    assert model_check.MAX_MODEL_FILE_BYTES == 64 * 1024**2
