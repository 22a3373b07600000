"""The "CNN claims tested" code panel runs as it is next to a downloaded model and prints core.invariance's curves."""

from __future__ import annotations

import contextlib
import io
import re

import numpy as np
import pytest

from core import cnn
from core.data import labelled, lesions
from core.invariance import invariance_curves, layer_outputs
from core.snippets import cnn as cnn_snippets


def curve(label: str, text: str) -> list[float]:
    line = next(line for line in text.splitlines() if line.startswith(label + " "))
    return [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", line[len(label):])]


def test_the_snippet_prints_the_curves_the_page_draws(tmp_path, monkeypatch):
    spec = cnn.ModelSpec(input_size=24, channels=1, conv_blocks=2, filters=4, head="global max", dropout=0.2)
    model = cnn.build_model(spec, seed=4)
    (tmp_path / cnn_snippets.MODEL_FILE).write_bytes(cnn.model_to_bytes(model))
    code = cnn_snippets.invariance_snippet(cnn_snippets.data_code("lesions", 40, 0.5, 24, 2), 0.25, 0, False, 3,
                                           max_shift=6)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<snippet>", "exec"), {"__name__": "__main__"})
    printed = out.getvalue()
    data = lesions.generate(40, 0.5, 24, seed=2)
    held = labelled.training_split(data, 0.25, seed=0)[1]
    images = data.images[held[:3]]
    pooled = invariance_curves(lambda b: layer_outputs(model, b, ["pool1", "pool2", "output"]), images, range(1, 7))
    plain = invariance_curves(lambda b: layer_outputs(model, b, ["relu1", "relu2"], pooling=False), images,
                              range(1, 7))
    for label, values in [*((f"with pooling {n}", c) for n, c in pooled.items()),
                          *((f"without pooling {n}", c) for n, c in plain.items())]:
        assert curve(label, printed) == pytest.approx(np.round(values, 4), abs=2e-4), label
