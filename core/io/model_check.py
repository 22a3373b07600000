"""Check an uploaded ``.keras`` file against the course's model budget before Keras sees it.

A ``.keras`` file is a zip archive of ``config.json`` (the architecture),
``metadata.json`` and ``model.weights.h5``. Keras' safe mode refuses code, but
not size: a 4 MB file whose ``config.json`` inflates to gigabytes, or a 20 KB
config declaring a 20000 × 20000 Dense layer, would make Keras allocate
gigabytes before anything could refuse it. `check_model_file` reads only the
zip's directory and a bounded ``config.json``, infers every layer's output
shape and weight count from the config, and refuses what is over the budget:

========================  ==========================================
what                      budget
========================  ==========================================
the uploaded file         `MAX_MODEL_FILE_BYTES` (64 MiB)
files in the archive      `MEMBERS` only: config, metadata, weights
any member, once inflated `MAX_MEMBER_BYTES` (256 MiB); ratio `MAX_RATIO`
``config.json``           `MAX_CONFIG_BYTES` (1 MiB), nesting `MAX_CONFIG_DEPTH`
weights declared          `MAX_PARAMETERS` (20 million: 80 MB as float32)
one layer's output        `MAX_ACTIVATION_VALUES` values per image
========================  ==========================================

Only the layers an image classifier is built from are accepted (see
`ZERO_WEIGHT_LAYERS` and the parameterised ones below), so that every weight
is counted; anything else is refused with its name.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass

from core.io.errors import human_bytes
from core.questions.selfcheck import nesting_depth

MAX_MODEL_FILE_BYTES = 64 * 1024**2
MAX_MEMBERS = 4
MEMBERS = frozenset({"config.json", "metadata.json", "model.weights.h5", "model.weights.npz"})
"""The files a .keras model holds. Assets are refused: Keras would extract them to a temporary folder."""
MAX_MEMBER_BYTES = 256 * 1024**2
MAX_RATIO = 200
MAX_CONFIG_BYTES = 1024**2
MAX_CONFIG_DEPTH = 64
MAX_PARAMETERS = 20_000_000
MAX_ACTIVATION_VALUES = 32 * 1024**2
MAX_INPUT_SIDE = 1024

ZERO_WEIGHT_LAYERS = frozenset({
    "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "Dropout", "SpatialDropout1D", "SpatialDropout2D",
    "GaussianNoise", "GaussianDropout", "AlphaDropout", "Rescaling", "Identity", "RandomFlip", "RandomRotation",
    "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness", "Add", "Subtract", "Multiply",
    "Average", "Maximum", "Minimum", "ActivityRegularization",
})
"""Layers without weights whose output has the shape of their (first) input."""

_POOLING = ("MaxPooling2D", "AveragePooling2D", "MaxPool2D", "AvgPool2D")
_GLOBAL = ("GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAvgPool2D", "GlobalMaxPool2D")
_CONV = ("Conv2D", "Convolution2D", "SeparableConv2D", "DepthwiseConv2D")


class ModelBudgetError(ValueError):
    """The file is not a .keras model the course can check, or it is over the budget; the message says which."""


@dataclass(frozen=True)
class ModelFacts:
    """What the check found: the declared weights, the layers and the input shape."""

    parameters: int
    layers: int
    input_shape: tuple[int, ...]
    largest_output: int


def _pair(value, name: str) -> tuple[int, int]:
    if isinstance(value, int):
        value = (value, value)
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 4096 for v in value)):
        raise ModelBudgetError(f"the config declares an invalid {name} ({str(value)[:40]})")
    return int(value[0]), int(value[1])


def _positive(value, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ModelBudgetError(f"the config declares an invalid {name} ({str(value)[:40]})")
    return value


def _spatial(size: int, window: int, stride: int, padding: str) -> int:
    if padding == "same":
        return max(1, math.ceil(size / stride))
    return max(0, (size - window) // stride + 1)


def _layer(cls: str, config: dict, shape: tuple[int, ...], inputs: list[tuple[int, ...]]) -> tuple[tuple[int, ...], int]:
    """Output shape (without the batch axis) and weight count of one layer, from its config and input shape."""
    if cls in ZERO_WEIGHT_LAYERS:
        return shape, 0
    if cls == "Dense":
        units = _positive(config.get("units"), "number of units")
        bias = units if config.get("use_bias", True) else 0
        return (*shape[:-1], units), shape[-1] * units + bias
    if cls in ("BatchNormalization", "LayerNormalization"):
        return shape, 4 * shape[-1]
    if cls == "Flatten":
        return (math.prod(shape),), 0
    if cls in _GLOBAL:
        return (shape[-1],), 0
    if len(shape) != 3 and (cls in _CONV or cls in _POOLING or cls in ("ZeroPadding2D", "UpSampling2D", "Resizing")):
        raise ModelBudgetError(f"a {cls} layer receives {len(shape)}D values, not images")
    if cls in _CONV:
        kh, kw = _pair(config.get("kernel_size"), "kernel size")
        sh, sw = _pair(config.get("strides", 1), "stride")
        padding = config.get("padding", "valid")
        rows, cols = _spatial(shape[0], kh, sh, padding), _spatial(shape[1], kw, sw, padding)
        channels = shape[2]
        if cls == "DepthwiseConv2D":
            multiplier = _positive(config.get("depth_multiplier", 1), "depth multiplier")
            out = channels * multiplier
            weights = kh * kw * channels * multiplier
        else:
            out = _positive(config.get("filters"), "number of filters")
            weights = (kh * kw * channels + channels * out) if cls == "SeparableConv2D" else kh * kw * channels * out
        return (rows, cols, out), weights + (out if config.get("use_bias", True) else 0)
    if cls in _POOLING:
        ph, pw = _pair(config.get("pool_size", 2), "pool size")
        strides = config.get("strides") or (ph, pw)
        sh, sw = _pair(strides, "stride")
        padding = config.get("padding", "valid")
        return (_spatial(shape[0], ph, sh, padding), _spatial(shape[1], pw, sw, padding), shape[2]), 0
    if cls == "ZeroPadding2D":
        pad = config.get("padding", 1)
        if isinstance(pad, int):
            pad = ((pad, pad), (pad, pad))
        (top, bottom), (left, right) = (_pair(p if not isinstance(p, int) else (p, p), "padding") for p in pad)
        return (shape[0] + top + bottom, shape[1] + left + right, shape[2]), 0
    if cls == "UpSampling2D":
        fh, fw = _pair(config.get("size", 2), "upsampling size")
        return (shape[0] * fh, shape[1] * fw, shape[2]), 0
    if cls == "Resizing":
        return (*_pair((config.get("height"), config.get("width")), "size"), shape[2]), 0
    if cls == "Concatenate":
        if not inputs or any(len(s) != len(inputs[0]) for s in inputs):
            raise ModelBudgetError("a Concatenate layer joins values of different ranks")
        return (*inputs[0][:-1], sum(s[-1] for s in inputs)), 0
    raise ModelBudgetError(f"it holds a {str(cls)[:40]} layer, which this page cannot check; it accepts models "
                           "built from convolution, pooling, dense, normalisation, dropout and activation layers")


def _input_shape(config: dict) -> tuple[int, ...]:
    shape = config.get("batch_shape") or config.get("batch_input_shape")
    if not isinstance(shape, (list, tuple)) or len(shape) < 2:
        raise ModelBudgetError("its input layer declares no input shape")
    dims = tuple(shape[1:])
    if not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= MAX_INPUT_SIDE for d in dims):
        raise ModelBudgetError(f"its input shape {list(dims)} is not fixed or is over {MAX_INPUT_SIDE} per axis")
    return dims


class _Count:
    def __init__(self) -> None:
        self.parameters = self.layers = self.largest = 0

    def add(self, shape: tuple[int, ...], weights: int) -> None:
        """Count one layer's weights and output; refuse as soon as a budget is passed."""
        self.layers += 1
        self.parameters += weights
        self.largest = max(self.largest, math.prod(shape))
        if self.parameters > MAX_PARAMETERS:
            raise ModelBudgetError(f"its config declares over {self.parameters:,} weights, more than the "
                                   f"{MAX_PARAMETERS:,} a model may have here")
        if self.largest > MAX_ACTIVATION_VALUES:
            raise ModelBudgetError(f"one of its layers outputs {self.largest:,} values per image, more than the "
                                   f"{MAX_ACTIVATION_VALUES:,} allowed here")
        if self.layers > 1000:
            raise ModelBudgetError("it has more than 1,000 layers")


def _walk(model: dict, shape: tuple[int, ...] | None, count: _Count) -> tuple[int, ...]:
    """Walk a Sequential or Functional config; return its output shape."""
    if not isinstance(model, dict) or not isinstance(model.get("config"), dict):
        raise ModelBudgetError("its config is not a Keras model config")
    cls, config = model.get("class_name"), model["config"]
    layers = config.get("layers")
    if not isinstance(layers, list):
        raise ModelBudgetError("its config lists no layers")
    if cls == "Sequential":
        if "build_input_shape" in config and shape is None and config["build_input_shape"]:
            shape = _input_shape({"batch_shape": config["build_input_shape"]})
        for layer in layers:
            shape = _one(layer, shape, [], count)
        if shape is None:
            raise ModelBudgetError("it declares no input shape")
        return shape
    if cls in ("Functional", "Model"):
        shapes: dict[str, tuple[int, ...]] = {}
        last = None
        for layer in layers:
            if not isinstance(layer, dict):
                raise ModelBudgetError("its config holds a layer that is not an object")
            inbound = [shapes[n] for n in _inbound_names(layer) if n in shapes]
            first = inbound[0] if inbound else shape
            name = str(layer.get("name") or (layer.get("config") or {}).get("name"))
            shapes[name] = last = _one(layer, first, inbound, count)
        if last is None:
            raise ModelBudgetError("it has no layer")
        return last
    raise ModelBudgetError(f"its top level is a {str(cls)[:40]}, not a Sequential or Functional model")


def _inbound_names(layer: dict) -> list[str]:
    """Names of the layers feeding `layer` in a Functional config (Keras 3: ``args`` holding ``__keras_tensor__``)."""
    names: list[str] = []

    def visit(node) -> None:
        """Collect the layer names of the tensors found in `node`."""
        if isinstance(node, dict):
            history = node.get("keras_history") if node.get("class_name") == "__keras_tensor__" else None
            if history is None and isinstance(node.get("config"), dict):
                history = node["config"].get("keras_history")
            if isinstance(history, list) and history and isinstance(history[0], str):
                names.append(history[0])
                return
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            if len(node) >= 3 and isinstance(node[0], str) and isinstance(node[1], int):
                names.append(node[0])  # Keras 2 style [name, node_index, tensor_index, kwargs]
                return
            for value in node:
                visit(value)

    visit(layer.get("inbound_nodes", []))
    return names


def _one(layer, shape, inbound, count: _Count) -> tuple[int, ...]:
    if not isinstance(layer, dict) or not isinstance(layer.get("config", {}), dict):
        raise ModelBudgetError("its config holds a layer that is not an object")
    cls, config = layer.get("class_name"), layer.get("config", {})
    if cls == "InputLayer":
        out = _input_shape(config)
        count.add(out, 0)
        return out
    if cls in ("Sequential", "Functional", "Model"):
        return _walk(layer, shape, count)
    if shape is None:
        if config.get("batch_shape") or config.get("batch_input_shape"):
            shape = _input_shape(config)
        else:
            raise ModelBudgetError("its first layer declares no input shape")
    out, weights = _layer(str(cls), config, shape, inbound)
    count.add(out, weights)
    return out


def check_model_file(data: bytes, name: str = "the model") -> ModelFacts:
    """Check a ``.keras`` file against the budget, reading only its zip directory and its bounded config.

    Parameters
    ----------
    data : bytes
        The uploaded file.
    name : str
        Its name, for messages.

    Returns
    -------
    ModelFacts
        The weights, layers and input shape the config declares.

    Raises
    ------
    ModelBudgetError
        Not a zip with a ``config.json``, a member over its size or ratio
        budget, a config too large, too deep or not JSON, an unknown layer,
        or more weights or larger layer outputs than the budget allows.
    """
    def refuse(why: str):
        """The error for `why`, with the file's name and what to upload instead."""
        return ModelBudgetError(f"{name} could not be loaded as a Keras model: {why}. Upload a model saved by "
                                "this page or by model.save('name.keras').")

    if len(data) > MAX_MODEL_FILE_BYTES:
        raise refuse(f"it is {human_bytes(len(data))}, over the {human_bytes(MAX_MODEL_FILE_BYTES)} a model file "
                     "may have here")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise refuse("it is not a .keras file (a .keras file is a zip archive)") from None
    with archive:
        if len(members) > MAX_MEMBERS:
            raise refuse(f"it holds {len(members)} files, more than the {MAX_MEMBERS} of a .keras model")
        for member in members:
            if member.filename not in MEMBERS:
                raise refuse(f"it holds {member.filename[:60]}, not one of the files of a .keras model "
                             f"({', '.join(sorted(MEMBERS))})")
            if member.file_size > MAX_MEMBER_BYTES:
                raise refuse(f"{member.filename[:60]} inflates to {human_bytes(member.file_size)}, over the "
                             f"{human_bytes(MAX_MEMBER_BYTES)} budget")
            if member.file_size > 1024**2 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                raise refuse(f"{member.filename[:60]} inflates {member.file_size // max(member.compress_size, 1):,} "
                             "times: a decompression bomb")
        config_info = next((m for m in members if m.filename == "config.json"), None)
        if config_info is None:
            raise refuse("it holds no config.json")
        if config_info.file_size > MAX_CONFIG_BYTES:
            raise refuse(f"its config.json inflates to {human_bytes(config_info.file_size)}, over the "
                         f"{human_bytes(MAX_CONFIG_BYTES)} budget")
        try:
            with archive.open(config_info) as stream:
                text = stream.read(MAX_CONFIG_BYTES + 1)
        except Exception:  # noqa: BLE001 - zlib errors, bad CRC, encrypted member...
            raise refuse("its config.json cannot be read") from None
    if len(text) > MAX_CONFIG_BYTES:
        raise refuse(f"its config.json inflates to more than {human_bytes(MAX_CONFIG_BYTES)}")
    try:
        decoded = text.decode("utf-8")
        if nesting_depth(decoded) > MAX_CONFIG_DEPTH:
            raise ModelBudgetError("its config.json is nested too deeply")
        config = json.loads(decoded)
    except ModelBudgetError as exc:
        raise refuse(str(exc)) from None
    except (ValueError, RecursionError, OverflowError):
        raise refuse("its config.json is not valid JSON") from None
    count = _Count()
    try:
        _walk(config, None, count)
        input_shape = _input_shape_of(config)
    except ModelBudgetError as exc:
        raise refuse(str(exc)) from None
    except (TypeError, KeyError, AttributeError, IndexError, OverflowError, ValueError, RecursionError):
        raise refuse("its config.json does not describe a model this page can check") from None
    return ModelFacts(count.parameters, count.layers, input_shape, count.largest)


def _input_shape_of(config: dict) -> tuple[int, ...]:
    layers = config["config"]["layers"]
    for layer in layers:
        if layer.get("class_name") == "InputLayer":
            return _input_shape(layer["config"])
    build = config["config"].get("build_input_shape")
    if build:
        return _input_shape({"batch_shape": build})
    return _input_shape(layers[0]["config"])
