"""The "Heatmaps put to the test" snippet runs as it is, from a folder holding only the downloaded model, and prints core's numbers.

The snippet runs in a fresh Python process (``PYTHONPATH`` set to the
repository, for the course's data generator only) from a temporary folder
that holds nothing but the model the page offers for download.
"""

from __future__ import annotations

import numpy as np
import pytest
from snippet_runs import numbers_after, run_script as run

from core import cnn, explain
from core.snippets import cnn as cnn_snippets
from core.data import labelled
from core.data import lesions
from core.snippets.explain import sanity_and_deletion_snippet



@pytest.mark.parametrize("layer", ["relu2", "conv1"])
def test_sanity_and_deletion_snippet_prints_core_numbers(layer, tmp_path):
    data_code = cnn_snippets.data_code("lesions", 60, 0.5, 24, 2)
    data = lesions.generate(60, 0.5, 24, seed=2)
    train, validation, evaluation = labelled.training_split(data, 0.25, seed=1)
    spec = cnn.ModelSpec(input_size=24, channels=1, conv_blocks=2, filters=4, head="global max", dropout=0.0)
    model = cnn.build_model(spec, seed=1)
    cnn.train(model, data.images[train], data.labels[train], data.images[validation], data.labels[validation],
              epochs=3, batch_size=16, learning_rate=5e-3, seed=1)
    (tmp_path / cnn_snippets.MODEL_FILE).write_bytes(cnn.model_to_bytes(model))
    index = int(evaluation[data.labels[evaluation] == 1][0])
    image, target, steps = data.images[index], 1, 10
    out = run(sanity_and_deletion_snippet(data_code, index, layer, target, steps), tmp_path)

    cascade = explain.cascading_randomisation(
        model, image, lambda m, x: explain.explain_map(m, x, "Grad-CAM", target, layer), seed=0)
    assert [line.split()[1] for line in out.splitlines() if line.startswith("randomised")] == \
        [step.layer for step in cascade[1:]]
    for step in cascade[1:]:
        rho, s = numbers_after(out, f"randomised {step.layer} spearman")
        assert rho == pytest.approx(step.spearman, abs=0.02) and s == pytest.approx(step.ssim, abs=0.02)
    for method, label in (("Grad-CAM", "deletion area Grad-CAM"), ("random (ignores the model)", "deletion area random")):
        heat = explain.explain_map(model, image, method, target, layer)
        area = explain.deletion_curve(model, image, heat, target, steps=steps)[2]
        assert numbers_after(out, label)[0] == pytest.approx(area, abs=2e-3)
    assert sorted(p.name for p in tmp_path.iterdir()) == [cnn_snippets.MODEL_FILE]
    assert np.isfinite(numbers_after(out, "deletion area random")[0])
