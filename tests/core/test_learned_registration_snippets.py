"""The learned registration's "Show the code" snippet runs as it is, from an empty folder, and prints core's numbers.

The snippet runs in a fresh Python process from an empty temporary folder
(``PYTHONPATH`` set to the repository, for ``core``'s data generator only);
the network is tiny and trains for two short epochs, to keep this quick.
"""

from __future__ import annotations

import numpy as np
import pytest
from snippet_runs import numbers_after, run_script as run

from core import learned_registration as lr
from core.snippets.learned_registration import training_snippet

TINY = lr.Config(size=32, pairs=48, epochs=2, batch_size=16, features=(8, 8), downsize=2, stages=2, seed=3)


@pytest.mark.parametrize("config", [TINY, lr.Config(size=32, pairs=32, epochs=1, batch_size=16, features=(8, 8),
                                                    similarity="ncc", smoothness=0.1, scales=(1, 2), seed=1),
                                    lr.Config(size=32, pairs=32, epochs=1, batch_size=16, features=(8, 8), downsize=1,
                                              stages=1, affine=False, seed=2)],
                         ids=["mse", "ncc-two-scales", "one-full-resolution-u-net"])
def test_training_snippet_trains_like_core_and_prints_its_held_out_tre(config, tmp_path):
    count = 3
    out = run(training_snippet(config, count), tmp_path)
    assert list(tmp_path.iterdir()) == []  # it writes nothing
    trained = lr.train(config)
    assert numbers_after(out, "parameters")[0] == trained.model.count_params()
    for epoch in range(1, config.epochs + 1):
        loss, held = numbers_after(out, f"epoch {epoch}:")
        assert loss == pytest.approx(trained.history.loss[epoch - 1], rel=1e-3, abs=1e-6)
        assert held == pytest.approx(trained.history.val_similarity[epoch - 1], rel=1e-3, abs=1e-6)
    problems = lr.held_out_pairs(trained, count, seed=1).problems
    learned = [lr.register_learned(trained.model, p).tre_mm for p in problems]
    for k, problem in enumerate(problems):
        before, network = numbers_after(out, f"pair {k + 1}:")
        assert before == pytest.approx(lr.identity(problem).tre_mm, abs=1e-3)
        # two trainings in two processes agree to 1e-3 (the losses above); the affine stage carries that to the TRE
        assert network == pytest.approx(learned[k], rel=1e-3, abs=2e-3)
    assert numbers_after(out, "median TRE")[0] == pytest.approx(float(np.median(learned)), rel=1e-3, abs=2e-3)
