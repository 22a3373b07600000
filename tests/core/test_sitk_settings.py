"""SimpleITK's settings are written once: `register` sets them, and the code the lessons show sets the same."""

from __future__ import annotations

import numpy as np
import pytest

from core import sitk_settings
from core.snippets.case_study import registration_snippet as case_study_snippet
from core.registration import pyramid, register
from core.snippets.registration import Source, atlas_snippet, registration_snippet
from core.data.warps import Motion


class Recorder:
    """Stands for a SimpleITK ImageRegistrationMethod: records every call made on it, in order."""

    RANDOM, NONE = "RANDOM", "NONE"

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.calls.append((name, args, kwargs))


def calls_of(code: str) -> list:
    method = Recorder()
    exec(code, {"method": method})
    return method.calls


def calls_of_setter(setter, *args) -> list:
    method = Recorder()
    setter(method, *args)
    return [call for call in method.calls if call[0] != "SetMetricSamplingStrategy" or call[1] != ("NONE",)]


@pytest.mark.parametrize("iterations", [5, 100])
def test_the_optimisers_code_makes_the_calls_register_makes(iterations):
    for stage in ("linear", "bspline"):
        assert calls_of(sitk_settings.optimizer_code(stage, iterations)) == calls_of_setter(
            sitk_settings.set_optimizer, stage, iterations)
    [(name, _, kwargs), _] = calls_of(sitk_settings.optimizer_code("linear", iterations))
    assert name == "SetOptimizerAsRegularStepGradientDescent"
    assert kwargs == {"numberOfIterations": iterations, "learningRate": 2.0, "minStep": 1e-3, "relaxationFactor": 0.6,
                      "gradientMagnitudeTolerance": 1e-8}


@pytest.mark.parametrize("metric, sampling", [("ssd", 1.0), ("mattes_mi", 0.25), ("correlation", 0.5)])
def test_the_metrics_code_makes_the_calls_register_makes(metric, sampling):
    code = sitk_settings.metric_code(metric, sampling, 24, 3)
    assert calls_of(code) == calls_of_setter(sitk_settings.set_metric, metric, sampling, 24, 3)
    if sampling < 1:
        assert ("SetMetricSamplingPercentage", (sampling, 3), {}) in calls_of(code)


def test_the_pyramids_code_and_its_smoothing():
    shrink = pyramid((256, 256), 3)
    assert calls_of(sitk_settings.pyramid_code(shrink)) == calls_of_setter(sitk_settings.set_pyramid, shrink)
    assert calls_of(sitk_settings.pyramid_code(shrink))[1] == ("SetSmoothingSigmasPerLevel", ([2.0, 1.0, 0],), {})


def test_every_snippet_writes_the_settings_from_the_one_place(monkeypatch):
    """Change a setting here and the code shown changes with it (and register too)."""
    source = Source(None, None, False, False, (64, 64), False, (1.0, 1.0))
    motion = Motion((2.0, 1.0), (3.0,))
    monkeypatch.setitem(sitk_settings.LINEAR_OPTIMIZER, "learningRate", 0.75)
    monkeypatch.setitem(sitk_settings.BSPLINE_OPTIMIZER, "learningRate", 3.25)
    for code in (registration_snippet(source, motion, 0.0, 0.0, 0, "deformable", "ssd", 2, 10, 0.5),
                 atlas_snippet("rigid", 4, 2, 10, 0.5), case_study_snippet(8, 2.0, 3.0, 64, 0, 1)):
        assert "learningRate=0.75" in code and "learningRate=2.0" not in code
    assert "learningRate=3.25" in registration_snippet(source, motion, 0.0, 0.0, 0, "deformable", "ssd", 2, 10, 0.5)
    image = np.zeros((48, 48))
    image[12:36, 16:30] = 1.0
    slow = register(image, np.roll(image, 2, axis=1), "translation", "ssd", levels=1, iterations=50, sampling=1.0)
    monkeypatch.setitem(sitk_settings.LINEAR_OPTIMIZER, "learningRate", 2.0)
    fast = register(image, np.roll(image, 2, axis=1), "translation", "ssd", levels=1, iterations=50, sampling=1.0)
    assert slow.metric_history != fast.metric_history  # register read the changed learning rate
