"""Image registration with SimpleITK: find the transform that aligns a moving image (source) to a fixed one (target).

Registration is an optimisation. A *transform* with a few parameters
(translation: 2 or 3; rigid: + rotation; affine: + scale and shear;
deformable: a grid of B-spline control points or a dense field) maps every
point of the fixed image into the moving image; a *metric* (the loss) says
how well the two images then agree; an *optimiser* changes the parameters,
iteration by iteration, to improve the metric. A multi-resolution pyramid
solves the problem first on shrunk, smoothed copies (where the loss is
smoother) and refines on the full images.

Arrays are ``(row, col)`` in 2D and ``(slice, row, col)`` in 3D; spacings,
origins and positions are in mm in the same order. SimpleITK counts axes the
other way round (x = col first), which this module hides. SimpleITK is
imported inside the functions, so importing this module is cheap.

>>> import numpy as np
>>> fixed = np.zeros((64, 64)); fixed[20:40, 24:44] = 1.0
>>> moving = np.roll(fixed, 3, axis=1)
>>> result = register(fixed, moving, "translation", "ssd")
>>> [round(v, 1) + 0.0 for v in result.parameters["translation_mm"]]
[0.0, 3.0]
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from core import sitk_settings

TRANSFORMS = ("translation", "rigid", "affine", "deformable")
"""Transforms `register` knows, from the fewest parameters to the most."""

METRICS = {"ssd": "mean squares (SSD)", "mattes_mi": "Mattes mutual information", "correlation": "correlation"}
"""Metric keys of `register` and their names."""

DEFORMABLE_METHODS = {"bspline": "B-spline (free-form deformation)", "demons": "demons (dense field)"}
"""How `register` models a deformable transform."""

MIN_SIDE = 8
"""Smallest image side (pixels) `register` accepts, and below which the pyramid stops shrinking."""


@dataclass
class Progress:
    """What a progress callback receives after every iteration.

    Attributes
    ----------
    metric_history : list of float
        The metric at every iteration so far.
    levels : list of (int, str)
        The iteration at which each stage or resolution level started, and its label.
    fraction : float
        Rough share of the work done, 0 to 1.
    """

    metric_history: list[float]
    levels: list[tuple[int, str]]
    fraction: float


@dataclass
class RegistrationResult:
    """The outcome of `register`.

    Attributes
    ----------
    registered : numpy.ndarray
        The moving image resampled onto the fixed image's grid with the found
        transform: same shape as the fixed image.
    parameters : dict
        ``translation_mm`` and ``matrix`` (array-axis order, about
        ``centre_mm``) of the linear part; ``angle_deg`` (2D) or
        ``angles_deg`` (3D, about x, y, z) for rigid; ``control_points`` and
        displacement statistics for deformable.
    metric_history : list of float
        The metric after every iteration, all stages and levels in order (one
        value per iteration). SimpleITK minimises, so mutual information and
        correlation are negative: lower is better for every metric.
    levels : list of (int, str)
        Where each stage and resolution level starts in `metric_history`.
    stop_reason : str
        The optimiser's own account of why it stopped (last stage).
    seconds : float
        Wall-clock time of the optimisation and resampling.
    transform : SimpleITK.Transform
        Maps a physical point of the fixed image to the moving image.
    spacing : tuple of float
        The fixed image's spacing (array-axis order).
    origin : tuple of float
        The fixed image's origin (array-axis order).
    """

    registered: np.ndarray
    parameters: dict
    metric_history: list[float]
    levels: list[tuple[int, str]] = field(default_factory=list)
    stop_reason: str = ""
    seconds: float = 0.0
    transform: object = field(default=None, repr=False)
    spacing: tuple[float, ...] = ()
    origin: tuple[float, ...] = ()

    def map_points(self, points: np.ndarray) -> np.ndarray:
        """Where points of the fixed image land in the moving image.

        Parameters
        ----------
        points : (n, ndim) numpy.ndarray
            Physical positions in mm, array-axis order.

        Returns
        -------
        (n, ndim) numpy.ndarray
        """
        points = np.asarray(points, dtype=float)
        return np.array([self.transform.TransformPoint(tuple(float(v) for v in p[::-1]))[::-1] for p in points])

    def displacement(self, deformable_only: bool = False) -> np.ndarray:
        """The displacement ``T(x) - x`` in mm at every pixel of the fixed grid.

        Parameters
        ----------
        deformable_only : bool
            For a deformable result, the displacement of the B-spline or
            demons part alone (applied before the affine part), without the
            affine motion.

        Returns
        -------
        numpy.ndarray
            Shape ``(*fixed.shape, ndim)``, components in array-axis order.
        """
        import SimpleITK as sitk

        transform = self.transform
        if deformable_only and transform.GetName() == "CompositeTransform":
            transform = sitk.CompositeTransform(transform).GetNthTransform(1)
        reference = to_sitk(np.zeros(self.registered.shape, np.float32), self.spacing, self.origin)
        converter = sitk.TransformToDisplacementFieldFilter()
        converter.SetReferenceImage(reference)
        converter.SetOutputPixelType(sitk.sitkVectorFloat64)
        field_xyz = sitk.GetArrayFromImage(converter.Execute(transform))
        return field_xyz[..., ::-1]


def to_sitk(array: np.ndarray, spacing: tuple[float, ...], origin: tuple[float, ...] | None = None):
    """A float32 SimpleITK image from an array, with spacing and origin given in array-axis order.

    Parameters
    ----------
    array : numpy.ndarray
        ``(rows, cols)`` or ``(slices, rows, cols)``.
    spacing : tuple of float
        mm per pixel, array-axis order (SimpleITK gets them reversed: x first).
    origin : tuple of float, optional
        Position of pixel 0 in mm, array-axis order (default 0).

    Returns
    -------
    SimpleITK.Image
    """
    import SimpleITK as sitk

    image = sitk.GetImageFromArray(np.ascontiguousarray(array, dtype=np.float32))
    image.SetSpacing(tuple(float(s) for s in spacing[::-1]))
    if origin is not None:
        image.SetOrigin(tuple(float(o) for o in origin[::-1]))
    return image


def pyramid(shape: tuple[int, ...], levels: int) -> list[int]:
    """Shrink factors of a multi-resolution pyramid (coarsest first), never below `MIN_SIDE` pixels.

    Examples
    --------
    >>> pyramid((256, 256), 3)
    [4, 2, 1]
    >>> pyramid((20, 40), 3)
    [2, 2, 1]
    """
    largest = max(1, min(shape) // MIN_SIDE)
    return [min(2 ** (levels - 1 - i), largest) for i in range(levels)]


def check_pair(fixed: np.ndarray, moving: np.ndarray) -> None:
    """Raise a clear ValueError when two arrays cannot be registered.

    Parameters
    ----------
    fixed, moving : numpy.ndarray

    Raises
    ------
    ValueError
        Wrong number of dimensions, too small, not finite, or constant.
    """
    for name, image in (("fixed", fixed), ("moving", moving)):
        if image.ndim not in (2, 3):
            raise ValueError(f"the {name} image must be 2D or 3D grey (it has {image.ndim} axes)")
        if min(image.shape) < MIN_SIDE:
            raise ValueError(f"the {name} image is too small to register ({image.shape}); "
                             f"it needs at least {MIN_SIDE} pixels along each axis")
        if not np.isfinite(image).all():
            raise ValueError(f"the {name} image holds NaN or infinite values")
        if float(image.max()) == float(image.min()):
            raise ValueError(f"the {name} image is constant: there is nothing to align")
    if fixed.ndim != moving.ndim:
        raise ValueError("the fixed and moving images must both be 2D or both 3D")


def register(fixed: np.ndarray, moving: np.ndarray, transform: str = "rigid", metric: str = "mattes_mi", *,
             spacing: tuple[float, ...] | None = None, moving_spacing: tuple[float, ...] | None = None,
             fixed_origin: tuple[float, ...] | None = None, moving_origin: tuple[float, ...] | None = None,
             levels: int = 3, iterations: int = 100, sampling: float = 0.25, bins: int = 16,
             initial: str = "geometry", deformable: str = "bspline", mesh_size: int = 8,
             demons_sigma: float = 1.5, seed: int = 1, initial_transform=None,
             progress: Callable[[Progress], None] | None = None) -> RegistrationResult:
    """Register `moving` (source) onto `fixed` (target) with SimpleITK's ImageRegistrationMethod.

    Parameters
    ----------
    fixed, moving : numpy.ndarray
        Grey 2D or 3D arrays (they may differ in shape and spacing).
    transform : str
        One of `TRANSFORMS`. ``"affine"`` first finds the best similarity
        (shift, rotation, one scale), then frees all affine parameters: the
        rotation is hard to find among shears. ``"deformable"`` runs the
        affine stages, then the B-spline or demons stage on top of them.
    metric : str
        One of `METRICS`: ``"ssd"`` (mean squared difference: same contrast),
        ``"mattes_mi"`` (mutual information: any contrast),
        ``"correlation"`` (normalised cross-correlation: linear contrast
        changes).
    spacing : tuple of float, optional
        mm per pixel of `fixed`, array-axis order (default 1 mm).
    moving_spacing : tuple of float, optional
        mm per pixel of `moving` (default: the same as `spacing`).
    fixed_origin, moving_origin : tuple of float, optional
        Physical position in mm of pixel 0 (default 0). With real headers,
        the two images start where the scanner put them.
    levels : int
        Resolution levels of the pyramid (shrink factors ..., 4, 2, 1).
    iterations : int
        Maximum iterations per level.
    sampling : float
        Share of the fixed pixels, drawn at random (seeded), on which the
        metric is evaluated (1 = all).
    bins : int
        Histogram bins of mutual information.
    initial : str
        ``"geometry"`` (image centres aligned), ``"moments"`` (centres of
        mass aligned) or ``"identity"`` (trust the origins as given).
    deformable : str
        One of `DEFORMABLE_METHODS`; demons needs ``metric="ssd"``.
    mesh_size : int
        B-spline control-point intervals along each axis at the finest level
        (halved at each coarser level).
    demons_sigma : float
        Gaussian smoothing of the demons field, in pixels.
    seed : int
        Seed of the random metric sampling: the same seed, the same result.
    initial_transform : SimpleITK.Transform, optional
        A linear transform from fixed to moving physical points to start
        from (e.g. `core.landmarks.LandmarkResult.transform`), used instead
        of `initial` and reduced to the first stage's kind (a translation
        keeps its shift at the centre, a rigid or similarity its nearest
        rotation and mean scale).
    progress : callable, optional
        Called with a `Progress` after every iteration. Whatever it raises
        (a Stop button, an interrupted run) stops the registration at once
        and is raised again, unchanged, from here.

    Returns
    -------
    RegistrationResult

    Raises
    ------
    ValueError
        For unknown options or images that cannot be registered (see `check_pair`).
    """
    import SimpleITK as sitk

    fixed = np.asarray(fixed, dtype=np.float64)
    moving = np.asarray(moving, dtype=np.float64)
    check_pair(fixed, moving)
    if transform not in TRANSFORMS:
        raise ValueError(f"unknown transform {transform!r}; choose one of {TRANSFORMS}")
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {tuple(METRICS)}")
    if deformable not in DEFORMABLE_METHODS:
        raise ValueError(f"unknown deformable method {deformable!r}; choose one of {tuple(DEFORMABLE_METHODS)}")
    if transform == "deformable" and deformable == "demons" and metric != "ssd":
        raise ValueError("demons compares intensities directly: use it with metric='ssd' (same contrast)")
    ndim = fixed.ndim
    spacing = tuple(float(s) for s in (spacing or (1.0,) * ndim))
    moving_spacing = tuple(float(s) for s in (moving_spacing or spacing))
    fixed_origin = tuple(float(o) for o in (fixed_origin or (0.0,) * ndim))
    moving_origin = tuple(float(o) for o in (moving_origin or (0.0,) * ndim))
    if len(spacing) != ndim or len(moving_spacing) != ndim:
        raise ValueError(f"a {ndim}D image needs {ndim} spacing values")
    fixed_image = to_sitk(fixed, spacing, fixed_origin)
    moving_image = to_sitk(moving, moving_spacing, moving_origin)

    linear_kind = "affine" if transform == "deformable" else transform
    stages = ["similarity", "affine"] if linear_kind == "affine" else [linear_kind]
    tracker = _Tracker(progress, n_stages=len(stages) + (transform == "deformable"), levels=levels)
    start = time.perf_counter()
    linear = (_initial_transform(fixed_image, moving_image, stages[0], initial) if initial_transform is None
              else _seed(initial_transform, stages[0]))
    for number, kind in enumerate(stages):  # an affine starts from the best similarity: rotation is found first
        linear, stop = _linear_stage(fixed_image, moving_image, kind, _convert(linear, kind), metric, levels,
                                     iterations, sampling, bins, seed, tracker, number)
    final = linear
    extra: dict = {}
    if transform == "deformable" and deformable == "bspline":
        final, stop, extra = _bspline_stage(fixed_image, moving_image, linear, metric, levels, iterations,
                                            sampling, bins, mesh_size, seed, tracker, len(stages))
    elif transform == "deformable":
        final, stop, extra = _demons_stage(fixed_image, moving_image, linear, levels, iterations, demons_sigma,
                                           tracker, len(stages))
    background = float(moving.min())
    registered = sitk.GetArrayFromImage(
        sitk.Resample(moving_image, fixed_image, final, sitk.sitkLinear, background, sitk.sitkFloat32))
    seconds = time.perf_counter() - start
    parameters = _linear_parameters(linear, linear_kind, ndim)
    parameters.update(extra)
    return RegistrationResult(registered.astype(np.float64), parameters, tracker.history, tracker.levels, stop,
                              seconds, final, spacing, fixed_origin)


class _Tracker:
    """Collects the metric of every iteration and the start of every level; calls the progress callback."""

    def __init__(self, callback, n_stages: int, levels: int):
        self.callback, self.n_stages, self.n_levels = callback, n_stages, levels
        self.history: list[float] = []
        self.levels: list[tuple[int, str]] = []
        self.stage, self.level, self.iterations = 0, 0, 1
        self.interruption: BaseException | None = None

    def new_level(self, label: str, stage: int, level: int, iterations: int) -> None:
        """Mark the start of a stage's resolution level at the current iteration."""
        self.levels.append((len(self.history), label))
        self.stage, self.level, self.iterations = stage, level, max(iterations, 1)

    def add(self, value: float, iteration: int, stop: Callable[[], object]) -> None:
        """Record one iteration's metric (`iteration` counts from 1 within the level).

        Whatever the callback raises stops the running SimpleITK method with
        `stop` and is raised again by `raise_interruption` once it has
        returned: raised inside a SimpleITK command it would become a bare
        RuntimeError, and a user's Stop (or Streamlit's rerun) would be lost.
        """
        self.history.append(float(value))
        if self.callback is not None and self.interruption is None:
            done = self.stage + (self.level + min(iteration / self.iterations, 1.0)) / self.n_levels
            try:
                self.callback(Progress(self.history, self.levels, min(done / self.n_stages, 1.0)))
            except BaseException as exc:  # noqa: BLE001 - kept and raised again outside SimpleITK
                self.interruption = exc
                stop()

    def raise_interruption(self) -> None:
        """Raise again what the callback raised, if it did."""
        if self.interruption is not None:
            raise self.interruption


def _set_pyramid(method, image, levels: int) -> list[int]:
    shrink = pyramid(image.GetSize(), levels)
    sitk_settings.set_pyramid(method, shrink)
    return shrink


def _watch(method, tracker: _Tracker, stage_label: str, stage: int, shrink: list[int], iterations: int) -> None:
    import SimpleITK as sitk

    def level_started() -> None:
        """Called by SimpleITK when the pyramid moves to the next level."""
        level = method.GetCurrentLevel()
        tracker.new_level(f"{stage_label} · level {level + 1} (1/{shrink[level]} size)", stage, level, iterations)

    method.AddCommand(sitk.sitkMultiResolutionIterationEvent, level_started)
    method.AddCommand(sitk.sitkIterationEvent,
                      lambda: tracker.add(method.GetMetricValue(), method.GetOptimizerIteration() + 1,
                                          method.StopRegistration))


def _initial_transform(fixed_image, moving_image, kind: str, initial: str):
    import SimpleITK as sitk

    ndim = fixed_image.GetDimension()
    base = _identity(kind, ndim)
    if kind == "translation":
        if initial == "identity":
            return base
        centred = _initial_transform(fixed_image, moving_image, "affine", initial)
        return sitk.TranslationTransform(ndim, sitk.AffineTransform(centred).GetTranslation())
    if initial == "identity":
        size = np.array(fixed_image.GetSize())
        base.SetCenter(fixed_image.TransformContinuousIndexToPhysicalPoint(tuple((size - 1) / 2.0)))
        return base
    how = sitk.CenteredTransformInitializerFilter.MOMENTS if initial == "moments" else \
        sitk.CenteredTransformInitializerFilter.GEOMETRY
    return sitk.CenteredTransformInitializer(fixed_image, moving_image, base, how)


def _seed(transform, kind: str):
    """A linear transform reduced to `kind`: same centre, same shift there, the nearest rotation and mean scale."""
    import SimpleITK as sitk

    transform = transform.Downcast() if hasattr(transform, "Downcast") else transform
    ndim = transform.GetDimension()
    affine = sitk.AffineTransform(ndim)  # any linear transform as matrix, centre and translation
    affine.SetCenter(transform.GetCenter() if hasattr(transform, "GetCenter") else (0.0,) * ndim)
    centre = np.array(affine.GetCenter())
    matrix = np.array(transform.GetMatrix()).reshape(ndim, ndim) if hasattr(transform, "GetMatrix") else np.eye(ndim)
    affine.SetMatrix(matrix.ravel().tolist())
    affine.SetTranslation(tuple(float(v) for v in np.array(transform.TransformPoint(tuple(centre))) - centre))
    if kind == "affine":
        return affine
    if kind == "translation":
        return sitk.TranslationTransform(ndim, affine.GetTranslation())
    u, singular, vt = np.linalg.svd(matrix)
    rotation = u @ vt
    if np.linalg.det(rotation) < 0:  # a reflection has no rotation: keep the proper part
        u[:, -1] *= -1
        rotation = u @ vt
    seeded = _identity(kind, ndim)
    seeded.SetCenter(tuple(float(c) for c in centre))
    if ndim == 2:
        seeded.SetAngle(float(np.arctan2(rotation[1, 0], rotation[0, 0])))
    else:
        seeded.SetMatrix(rotation.ravel().tolist())
    if kind == "similarity":
        seeded.SetScale(float(np.exp(np.mean(np.log(singular)))))
    seeded.SetTranslation(affine.GetTranslation())
    return seeded


def _identity(kind: str, ndim: int):
    """The identity transform of a kind (translation, rigid, similarity or affine) and dimension."""
    import SimpleITK as sitk

    return {"translation": sitk.TranslationTransform(ndim),
            "rigid": sitk.Euler2DTransform() if ndim == 2 else sitk.Euler3DTransform(),
            "similarity": sitk.Similarity2DTransform() if ndim == 2 else sitk.Similarity3DTransform(),
            "affine": sitk.AffineTransform(ndim)}[kind]


def _linear_stage(fixed_image, moving_image, kind, initial_transform, metric, levels, iterations, sampling, bins,
                  seed, tracker, stage):
    import SimpleITK as sitk

    method = sitk.ImageRegistrationMethod()
    sitk_settings.set_metric(method, metric, sampling, bins, seed)
    method.SetInterpolator(sitk.sitkLinear)
    sitk_settings.set_optimizer(method, "linear", iterations)
    shrink = _set_pyramid(method, fixed_image, levels)
    method.SetInitialTransform(initial_transform, inPlace=False)
    _watch(method, tracker, kind, stage, shrink, iterations)
    result = method.Execute(fixed_image, moving_image)
    tracker.raise_interruption()
    if isinstance(result, sitk.CompositeTransform) and result.GetNumberOfTransforms() == 1:
        result = result.GetNthTransform(0)
    return _convert(result, kind), method.GetOptimizerStopConditionDescription()


def _convert(transform, kind: str):
    """The same mapping as a transform of type `kind` (a similarity becomes an affine with the same matrix)."""
    import SimpleITK as sitk

    ndim = transform.GetDimension()
    if kind == "translation":
        return sitk.TranslationTransform(transform)
    if kind == "rigid":
        return sitk.Euler2DTransform(transform) if ndim == 2 else sitk.Euler3DTransform(transform)
    if kind == "similarity":
        return sitk.Similarity2DTransform(transform) if ndim == 2 else sitk.Similarity3DTransform(transform)
    if transform.GetName() == "AffineTransform":
        return sitk.AffineTransform(transform)
    similarity = _convert(transform, "similarity")
    affine = sitk.AffineTransform(ndim)
    affine.SetMatrix(similarity.GetMatrix())
    affine.SetCenter(similarity.GetCenter())
    affine.SetTranslation(similarity.GetTranslation())
    return affine


def _bspline_stage(fixed_image, moving_image, linear, metric, levels, iterations, sampling, bins, mesh_size, seed,
                   tracker, stage):
    import SimpleITK as sitk

    ndim = fixed_image.GetDimension()
    method = sitk.ImageRegistrationMethod()
    sitk_settings.set_metric(method, metric, sampling, bins, seed)
    method.SetInterpolator(sitk.sitkLinear)
    sitk_settings.set_optimizer(method, "bspline", iterations)
    shrink = _set_pyramid(method, fixed_image, levels)
    coarsest, factors = bspline_meshes(int(mesh_size), levels)
    bspline = sitk.BSplineTransformInitializer(fixed_image, [coarsest] * ndim, order=3)
    method.SetMovingInitialTransform(linear)
    method.SetInitialTransformAsBSpline(bspline, inPlace=True, scaleFactors=factors)
    _watch(method, tracker, "B-spline", stage, shrink, iterations)
    method.Execute(fixed_image, moving_image)
    tracker.raise_interruption()
    final = sitk.CompositeTransform([linear, bspline])  # applied last to first: B-spline, then the affine
    mesh = [int(n) for n in bspline.GetTransformDomainMeshSize()]
    extra = {"control_points": int(np.prod([n + 3 for n in mesh])), "mesh_size": mesh[::-1]}
    return final, method.GetOptimizerStopConditionDescription(), extra


def bspline_meshes(mesh_size: int, levels: int) -> tuple[int, list[int]]:
    """The B-spline grid per level: the coarsest mesh and the factors that refine it to `mesh_size` at the end.

    Examples
    --------
    >>> bspline_meshes(8, 3)
    (2, [1, 2, 4])
    >>> bspline_meshes(3, 3)
    (1, [1, 2, 3])
    """
    coarsest = max(1, mesh_size // 2 ** (levels - 1))
    factors = [min(2 ** i, max(1, mesh_size // coarsest)) for i in range(levels)]
    return coarsest, factors


def _demons_stage(fixed_image, moving_image, linear, levels, iterations, sigma, tracker, stage):
    import SimpleITK as sitk

    ndim = fixed_image.GetDimension()
    background = float(sitk.GetArrayViewFromImage(moving_image).min())
    moved = sitk.Resample(moving_image, fixed_image, linear, sitk.sitkLinear, background)
    shrink = pyramid(fixed_image.GetSize(), levels)
    field = None
    stop = ""
    for level, factor in enumerate(shrink):
        fixed_level = sitk.Shrink(sitk.SmoothingRecursiveGaussian(fixed_image, factor / 2 * min(fixed_image.GetSpacing()))
                                  if factor > 1 else fixed_image, [factor] * ndim)
        moved_level = sitk.Resample(moved, fixed_level, sitk.Transform(), sitk.sitkLinear, background)
        start = sitk.Image(fixed_level.GetSize(), sitk.sitkVectorFloat64, ndim)
        start.CopyInformation(fixed_level)
        if field is not None:
            start = sitk.Resample(field, fixed_level, sitk.Transform(), sitk.sitkLinear, 0.0, sitk.sitkVectorFloat64)
        demons = sitk.FastSymmetricForcesDemonsRegistrationFilter()
        demons.SetNumberOfIterations(int(iterations))
        demons.SetStandardDeviations(float(sigma))
        tracker.new_level(f"demons · level {level + 1} (1/{factor} size)", stage, level, iterations)
        demons.AddCommand(sitk.sitkIterationEvent,
                          lambda d=demons: tracker.add(d.GetMetric(), d.GetElapsedIterations(), d.StopRegistration))
        field = demons.Execute(fixed_level, moved_level, start)
        tracker.raise_interruption()
        stop = f"demons: {demons.GetElapsedIterations()} iterations at the last level (demons runs a fixed number)"
    dense = sitk.DisplacementFieldTransform(sitk.Cast(field, sitk.sitkVectorFloat64))
    final = sitk.CompositeTransform([linear, dense])
    return final, stop, {"field_sigma_px": float(sigma)}


def _linear_parameters(transform, kind: str, ndim: int) -> dict:
    """The linear stage's parameters in array-axis order: translation, matrix about a centre, angles."""
    import SimpleITK as sitk

    if kind == "translation":
        matrix = np.eye(ndim)
        centre = np.zeros(ndim)
        offset = np.array(transform.GetOffset())
    else:
        matrix = np.array(transform.GetMatrix()).reshape(ndim, ndim)
        centre = np.array(transform.GetCenter())
        offset = np.array(transform.GetTranslation())
    parameters = {"translation_mm": tuple(float(v) for v in offset[::-1]),
                  "matrix": matrix[::-1, ::-1].tolist(),
                  "centre_mm": tuple(float(v) for v in centre[::-1])}
    if kind == "rigid" and ndim == 2:
        parameters["angle_deg"] = float(np.degrees(sitk.Euler2DTransform(transform).GetAngle()))
    elif kind == "rigid":
        euler = sitk.Euler3DTransform(transform)
        parameters["angles_deg"] = tuple(float(np.degrees(a)) for a in (euler.GetAngleX(), euler.GetAngleY(),
                                                                           euler.GetAngleZ()))
    if kind == "affine":
        parameters["scale"] = float(abs(np.linalg.det(matrix)) ** (1 / ndim))
    return parameters


def jacobian_determinant(displacement: np.ndarray, spacing: tuple[float, ...]) -> np.ndarray:
    """Local volume change of the map ``x -> x + u(x)``: det(I + grad u) at every pixel.

    1 means no change, above 1 expansion, below 1 compression; 0 or below
    means the transform folds space over itself (impossible anatomy).

    Parameters
    ----------
    displacement : numpy.ndarray
        ``(*shape, ndim)`` displacements in mm, array-axis order (as
        `RegistrationResult.displacement` returns).
    spacing : tuple of float
        mm per pixel.

    Returns
    -------
    numpy.ndarray
        Shape ``shape``.

    Examples
    --------
    >>> x = np.arange(5.0)
    >>> u = np.stack(np.meshgrid(0.5 * x, 0 * x, indexing="ij"), axis=-1)  # rows stretched by 1.5
    >>> float(jacobian_determinant(u, (1.0, 1.0))[2, 2])
    1.5
    """
    u = np.asarray(displacement, dtype=float)
    ndim = u.shape[-1]
    grads = np.empty(u.shape[:-1] + (ndim, ndim))
    for i in range(ndim):
        for j, g in enumerate(np.gradient(u[..., i], *spacing)):
            grads[..., i, j] = g
    grads += np.eye(ndim)
    return np.linalg.det(grads)


def ncc(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised cross-correlation of two images: 1 for identical up to brightness and contrast.

    Examples
    --------
    >>> ncc(np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0]))
    1.0
    """
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 0 else 0.0


def landscape(fixed: np.ndarray, moving: np.ndarray, metric: str, candidates: list[dict], *,
              spacing: tuple[float, ...] | None = None, bins: int = 16) -> list[float]:
    """The metric over a list of candidate rigid transforms: the loss landscape the optimiser walks on.

    Parameters
    ----------
    fixed, moving : numpy.ndarray
        Grey 2D images of the same spacing.
    metric : str
        One of `METRICS`.
    candidates : list of dict
        Each ``{"translation_mm": (row, col), "angle_deg": a}`` (missing keys
        are zero), about the fixed image's centre.
    spacing : tuple of float, optional
    bins : int

    Returns
    -------
    list of float
        One value per candidate, lower is better.
    """
    import SimpleITK as sitk

    fixed = np.asarray(fixed, dtype=np.float64)
    moving = np.asarray(moving, dtype=np.float64)
    check_pair(fixed, moving)
    spacing = tuple(float(s) for s in (spacing or (1.0,) * fixed.ndim))
    fixed_image, moving_image = to_sitk(fixed, spacing), to_sitk(moving, spacing)
    method = sitk.ImageRegistrationMethod()
    sitk_settings.set_metric(method, metric, 1.0, bins, 0)
    method.SetInterpolator(sitk.sitkLinear)
    # values only: no gradient images to precompute at every evaluation (same values, about twice as fast)
    method.SetMetricUseFixedImageGradientFilter(False)
    method.SetMetricUseMovingImageGradientFilter(False)
    centre = (np.array(fixed.shape) - 1) / 2 * np.array(spacing)
    values = []
    for candidate in candidates:
        if fixed.ndim == 2:
            t = sitk.Euler2DTransform()
            t.SetAngle(float(np.radians(candidate.get("angle_deg", 0.0))))
        else:
            t = sitk.Euler3DTransform()
            t.SetRotation(*(float(np.radians(a)) for a in candidate.get("angles_deg", (0.0, 0.0, 0.0))))
        t.SetCenter(tuple(float(c) for c in centre[::-1]))
        t.SetTranslation(tuple(float(v) for v in np.asarray(candidate.get("translation_mm", (0.0,) * fixed.ndim))[::-1]))
        method.SetInitialTransform(t)
        values.append(float(method.MetricEvaluate(fixed_image, moving_image)))
    return values


def sweep_offsets(sweep: str, field_of_view_mm: float, points: int = 21) -> list[float]:
    """Evenly spaced misalignments for a loss landscape, centred on perfect alignment.

    A shift sweep spans about ±15 % of the field of view (so most of the
    image always overlaps) in a round step of 1, 2, 2.5 or 5 times a power
    of ten; an angle sweep spans ±30 degrees.

    Parameters
    ----------
    sweep : str
        ``"shift"`` (mm) or ``"angle"`` (degrees).
    field_of_view_mm : float
        The image's extent along the shifted axis.
    points : int
        An odd number of offsets, 0 in the middle.

    Returns
    -------
    list of float
    """
    half = points // 2
    if sweep == "angle":
        step = 30.0 / half
    else:
        target = 0.15 * float(field_of_view_mm) / half
        power = 10.0 ** np.floor(np.log10(target))
        step = max(m * power for m in (1.0, 2.0, 2.5, 5.0) if m * power <= target)
    return [float(k * step) for k in range(-half, half + 1)]


def aligned_landscapes(image: np.ndarray, spacing: tuple[float, float], sweep: str, offsets: list[float],
                       bins: int = 16) -> dict[tuple[str, str], list[float]]:
    """SSD and mutual information of an image against a copy of itself moved by each offset.

    The copy keeps the contrast (``"same contrast"``) or goes through
    `core.data.warps.other_contrast` (``"other contrast"``); offset 0 is perfect
    alignment, so a good loss is lowest there.

    Parameters
    ----------
    image : numpy.ndarray
        A grey 2D image.
    spacing : (float, float)
    sweep : str
        ``"shift"`` (along the columns, mm) or ``"angle"`` (degrees, about the centre).
    offsets : list of float
        From `sweep_offsets`.
    bins : int
        Mutual information's histogram bins.

    Returns
    -------
    dict
        ``{(pair, metric): values}`` for pair in (``"same contrast"``,
        ``"other contrast"``) and metric in (``"ssd"``, ``"mattes_mi"``); lower is better.

    Raises
    ------
    ValueError
        When `check_pair` refuses the image or its other-contrast copy (a
        binary image's copy is constant).
    """
    from core.data.warps import other_contrast

    image = np.asarray(image, dtype=np.float64)
    other = other_contrast(image)
    check_pair(image, other)  # before any work: a binary image, for one, turns constant
    key = "translation_mm" if sweep == "shift" else "angle_deg"
    candidates = [{key: (0.0, d) if sweep == "shift" else d} for d in offsets]
    curves = {}
    for name, moving in (("same contrast", image), ("other contrast", other)):
        for metric in ("ssd", "mattes_mi"):
            curves[(name, metric)] = landscape(image, moving, metric, candidates, spacing=spacing, bins=bins)
    return curves
