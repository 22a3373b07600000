"""SimpleITK's registration settings, written once: read by `core.registration.register` and by the code it shows.

Every registration of the course (lesson 5, its atlas, the case study) sets
its optimiser, its metric and its pyramid through the functions here, and
every "Show the code" snippet writes the same calls out with the functions
ending in ``_code``, from the same values. Change a setting here and both
follow.

SimpleITK is imported by the caller: these functions take its
``ImageRegistrationMethod`` (or anything with the same methods).

>>> print(optimizer_code("linear", 100))
method.SetOptimizerAsRegularStepGradientDescent(learningRate=2.0, minStep=0.001, numberOfIterations=100,
                                                relaxationFactor=0.6, gradientMagnitudeTolerance=1e-08)
method.SetOptimizerScalesFromPhysicalShift()
"""

from __future__ import annotations

LINEAR_OPTIMIZER = {"learningRate": 2.0, "minStep": 1e-3, "relaxationFactor": 0.6, "gradientMagnitudeTolerance": 1e-8}
"""Regular-step gradient descent of the linear stages (translation, rigid, similarity, affine)."""

BSPLINE_OPTIMIZER = {"learningRate": 5.0, "convergenceMinimumValue": 1e-4, "convergenceWindowSize": 5}
"""Gradient descent with line search of the B-spline stage."""

OPTIMIZERS = {"linear": ("SetOptimizerAsRegularStepGradientDescent", LINEAR_OPTIMIZER),
              "bspline": ("SetOptimizerAsGradientDescentLineSearch", BSPLINE_OPTIMIZER)}
"""Each stage's optimiser: the ImageRegistrationMethod call and its settings (besides the iterations)."""


def set_optimizer(method, stage: str, iterations: int) -> None:
    """The optimiser of a ``"linear"`` or ``"bspline"`` stage (`OPTIMIZERS`), scales from a physical shift.

    Parameters
    ----------
    method : SimpleITK.ImageRegistrationMethod
    stage : str
        ``"linear"`` or ``"bspline"``.
    iterations : int
        Maximum iterations per resolution level.
    """
    call, settings = OPTIMIZERS[stage]
    getattr(method, call)(numberOfIterations=int(iterations), **settings)
    method.SetOptimizerScalesFromPhysicalShift()


def optimizer_code(stage: str, iterations: int, name: str = "method", indent: str = "") -> str:
    """The lines `set_optimizer` runs, as code (continuation lines start with `indent`)."""
    call, settings = OPTIMIZERS[stage]
    items = list(settings.items())
    arguments = [f"{key}={value!r}" for key, value in items[:2]] + [f"numberOfIterations={int(iterations)}"] \
        + [f"{key}={value!r}" for key, value in items[2:]]
    opening = f"{name}.{call}("
    return (f"{opening}{', '.join(arguments[:3])},\n{indent}{' ' * len(opening)}{', '.join(arguments[3:])})\n"
            f"{indent}{name}.SetOptimizerScalesFromPhysicalShift()")


def set_metric(method, metric: str, sampling: float, bins: int, seed: int) -> None:
    """The metric: ``"ssd"`` (mean squares), ``"mattes_mi"`` (Mattes mutual information) or ``"correlation"``.

    Parameters
    ----------
    method : SimpleITK.ImageRegistrationMethod
    metric : str
    sampling : float
        Share of the fixed pixels drawn at random (seeded) for the metric; 1 = all of them.
    bins : int
        Histogram bins of mutual information.
    seed : int
        Seed of the random sampling.
    """
    if metric == "ssd":
        method.SetMetricAsMeanSquares()
    elif metric == "mattes_mi":
        method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=bins)
    else:
        method.SetMetricAsCorrelation()
    if sampling < 1:
        method.SetMetricSamplingStrategy(method.RANDOM)
        method.SetMetricSamplingPercentage(float(sampling), int(seed))
    else:
        method.SetMetricSamplingStrategy(method.NONE)


def metric_code(metric: str, sampling: float, bins: int, seed: int, name: str = "method", indent: str = "") -> str:
    """The lines `set_metric` runs, as code (the default strategy, all pixels, is left unwritten)."""
    line = {"ssd": f"{name}.SetMetricAsMeanSquares()",
            "mattes_mi": f"{name}.SetMetricAsMattesMutualInformation(numberOfHistogramBins={bins})",
            "correlation": f"{name}.SetMetricAsCorrelation()"}[metric]
    if sampling < 1:
        line += (f"\n{indent}{name}.SetMetricSamplingStrategy({name}.RANDOM)"
                 f"\n{indent}{name}.SetMetricSamplingPercentage({float(sampling)!r}, {int(seed)})"
                 "  # seeded: the same result every run")
    return line


def smoothing_sigmas(shrink: list[int]) -> list[float]:
    """Gaussian smoothing (pixels) of each pyramid level: half its shrink factor, none at full size.

    Examples
    --------
    >>> smoothing_sigmas([4, 2, 1])
    [2.0, 1.0, 0]
    """
    return [f / 2 if f > 1 else 0 for f in shrink]


def set_pyramid(method, shrink: list[int]) -> None:
    """The multi-resolution pyramid: shrink factors (coarse to fine) and their `smoothing_sigmas`, in pixels."""
    method.SetShrinkFactorsPerLevel(list(shrink))
    method.SetSmoothingSigmasPerLevel(smoothing_sigmas(shrink))
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOff()


def pyramid_code(shrink: list[int], name: str = "method", indent: str = "") -> str:
    """The lines `set_pyramid` runs, as code."""
    return (f"{name}.SetShrinkFactorsPerLevel({list(shrink)})  # coarse to fine\n"
            f"{indent}{name}.SetSmoothingSigmasPerLevel({smoothing_sigmas(shrink)})  # in pixels\n"
            f"{indent}{name}.SmoothingSigmasAreSpecifiedInPhysicalUnitsOff()")
