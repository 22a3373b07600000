"""Landmark registration: the transform from pairs of corresponding points, its residuals and its error.

A learner (or an expert) marks the same anatomical point on the fixed and on
the moving image, three times or more; the transform that best maps the
fixed points onto the moving ones in the least-squares sense is then found
in closed form, without any optimiser, by SimpleITK's
``LandmarkBasedTransformInitializer``. How well it fits the points it was
given is the *fiducial registration error* (the residual at each landmark);
how well it aligns everything else is the *target registration error*
(TRE), measured here against a known motion (`core.data.warps.Problem`). A few
good points are often close; the result can then seed the intensity-based
registration (`core.registration.register(..., initial_transform=...)`).

Points are physical, in mm, in array-axis order (``(row, col)`` in 2D),
like `core.data.warps` and `core.registration`; pixel ``(r, c)`` is at
``(r * spacing[0], c * spacing[1])``.

>>> fixed = np.array([[0.0, 0.0], [0.0, 10.0], [10.0, 0.0]])
>>> result = landmark_transform(fixed, fixed + [2.0, -1.0], "rigid")
>>> np.round(result.map_points(np.array([[5.0, 5.0]])), 6).tolist()
[[7.0, 4.0]]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

KINDS = {"rigid": "rigid (shift + rotation)", "similarity": "similarity (+ one scale)",
         "affine": "affine (+ scales and shear)"}
"""Transforms a landmark registration can find, and their names."""

MIN_PAIRS = 3
"""Fewest landmark pairs accepted (two fix a 2D rigid motion, but leave no residual to check them by)."""

COLLINEAR_TOLERANCE = 1e-3
"""Points whose spread across their main line is below this share of their spread along it count as collinear."""


class LandmarkError(ValueError):
    """Landmarks that cannot define a transform; the message says what to change."""


@dataclass
class LandmarkResult:
    """The outcome of `landmark_transform`.

    Attributes
    ----------
    kind : str
        One of `KINDS`.
    transform : SimpleITK.Transform
        Maps a physical point of the fixed image to the moving image, as
        `core.registration.RegistrationResult.transform` does.
    parameters : dict
        ``translation_mm``, ``matrix`` and ``centre_mm`` in array-axis order
        (as `core.registration.RegistrationResult.parameters`, so
        `core.data.warps.compare` reads them).
    residuals : numpy.ndarray
        Distance in mm between each moving landmark and where the transform
        sends its fixed landmark.
    fixed, moving : numpy.ndarray
        The landmarks used, ``(n, ndim)`` in mm.
    """

    kind: str
    transform: object = field(repr=False)
    parameters: dict
    residuals: np.ndarray
    fixed: np.ndarray
    moving: np.ndarray

    @property
    def fre(self) -> float:
        """Fiducial registration error: the root mean square of the residuals, in mm."""
        return float(np.sqrt(np.mean(self.residuals ** 2)))

    def map_points(self, points: np.ndarray) -> np.ndarray:
        """Where points of the fixed image land in the moving image (``(n, ndim)`` mm in and out)."""
        points = np.asarray(points, dtype=float)
        return np.array([self.transform.TransformPoint(tuple(float(v) for v in p[::-1]))[::-1]
                         for p in points]).reshape(points.shape)


def check_landmarks(fixed: np.ndarray, moving: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validate pairs of landmarks, with a message a learner can act on.

    Parameters
    ----------
    fixed, moving : array-like
        ``(n, ndim)`` positions, the i-th fixed point matching the i-th moving point.

    Returns
    -------
    fixed, moving : numpy.ndarray of float
        ``(n, ndim)``.

    Raises
    ------
    LandmarkError
        Unequal counts, fewer than `MIN_PAIRS` pairs, values that are not
        finite numbers, or points all on one line (a line cannot say how
        the plane turns across it).
    """
    try:
        fixed = np.atleast_2d(np.asarray(fixed, dtype=float))
        moving = np.atleast_2d(np.asarray(moving, dtype=float))
    except (TypeError, ValueError):
        raise LandmarkError("The landmarks must be numbers (row and column of each point).") from None
    if fixed.size == 0 or moving.size == 0:
        fixed, moving = fixed.reshape(0, 2), moving.reshape(0, 2)
    if fixed.ndim != 2 or fixed.shape[1] not in (2, 3) or fixed.shape[1:] != moving.shape[1:]:
        raise LandmarkError("Each landmark needs one coordinate per image axis, the same on both images.")
    if len(fixed) != len(moving):
        raise LandmarkError(f"{len(fixed)} point(s) on the fixed image but {len(moving)} on the moving one: "
                            "every fixed point needs its partner on the moving image.")
    if len(fixed) < MIN_PAIRS:
        raise LandmarkError(f"{len(fixed)} pair(s) of landmarks: at least {MIN_PAIRS} are needed. Click the same "
                            "point on the fixed image and on the moving one, three times or more.")
    if not (np.isfinite(fixed).all() and np.isfinite(moving).all()):
        raise LandmarkError("Some landmarks are incomplete: give every pair both its fixed and its moving point.")
    for name, points in (("fixed", fixed), ("moving", moving)):
        spread = np.linalg.svd(points - points.mean(axis=0), compute_uv=False)
        if spread[0] == 0 or spread[-1] < COLLINEAR_TOLERANCE * spread[0]:
            raise LandmarkError(f"The {name} landmarks lie on one line (or on one point): they cannot tell how the "
                                "image turns or stretches across it. Spread them out, for example at three "
                                "corners of the anatomy.")
    return fixed, moving


def landmark_transform(fixed: np.ndarray, moving: np.ndarray, kind: str = "rigid") -> LandmarkResult:
    """The transform that maps the fixed landmarks onto the moving ones (least squares, closed form).

    Parameters
    ----------
    fixed, moving : array-like
        ``(n, ndim)`` positions in mm, array-axis order, ``n >= 3``.
    kind : str
        One of `KINDS`.

    Returns
    -------
    LandmarkResult

    Raises
    ------
    LandmarkError
        See `check_landmarks`; also for an unknown `kind`.
    """
    import SimpleITK as sitk

    from core.registration import _linear_parameters

    if kind not in KINDS:
        raise LandmarkError(f"unknown transform {kind!r}; choose one of {tuple(KINDS)}")
    fixed, moving = check_landmarks(fixed, moving)
    ndim = fixed.shape[1]
    base = {"rigid": sitk.Euler2DTransform() if ndim == 2 else sitk.VersorRigid3DTransform(),
            "similarity": sitk.Similarity2DTransform() if ndim == 2 else sitk.Similarity3DTransform(),
            "affine": sitk.AffineTransform(ndim)}[kind]
    if kind == "similarity" and ndim == 2:  # ITK's initializer fits no 2D scale: rotation from it, scale after
        transform = _similarity_2d(_fit(sitk.Euler2DTransform(), fixed, moving), fixed, moving)
    else:
        transform = _fit(base, fixed, moving)
    result = LandmarkResult(kind, transform, {}, np.zeros(len(fixed)), fixed, moving)
    result.residuals = np.linalg.norm(result.map_points(fixed) - moving, axis=1)
    named = kind if ndim == 2 or kind == "affine" else "similarity"  # a 3D rigid is a versor: no Euler angles
    result.parameters = _linear_parameters(transform, named, ndim)
    return result


def _fit(base, fixed: np.ndarray, moving: np.ndarray):
    """SimpleITK's least-squares landmark fit of a transform of `base`'s type."""
    import SimpleITK as sitk

    return sitk.LandmarkBasedTransformInitializer(base, _flat_xyz(fixed), _flat_xyz(moving)).Downcast()


def _similarity_2d(rigid, fixed: np.ndarray, moving: np.ndarray):
    """The least-squares 2D similarity sharing a rigid fit's rotation (Umeyama 1991: the rotation does not
    depend on the scale), with the scale ``sum (m - m̄) · R (f - f̄) / sum |f - f̄|²`` about the fixed centroid."""
    import SimpleITK as sitk

    rotation = np.array(rigid.GetMatrix()).reshape(2, 2)[::-1, ::-1]  # SimpleITK's (x, y) to (row, col)
    f_mean, m_mean = fixed.mean(axis=0), moving.mean(axis=0)
    f_centred, m_centred = fixed - f_mean, moving - m_mean
    scale = float(np.sum(m_centred * (f_centred @ rotation.T)) / np.sum(f_centred ** 2))
    similarity = sitk.Similarity2DTransform()
    similarity.SetCenter(tuple(float(v) for v in f_mean[::-1]))
    similarity.SetAngle(rigid.GetAngle())
    similarity.SetScale(scale)
    similarity.SetTranslation(tuple(float(v) for v in (m_mean - f_mean)[::-1]))
    return similarity


def _flat_xyz(points: np.ndarray) -> list[float]:
    """Points in array-axis order as SimpleITK's flat list ``x0, y0(, z0), x1, ...``."""
    return [float(v) for p in points for v in p[::-1]]


def pixel_to_mm(points: np.ndarray, spacing: tuple[float, ...]) -> np.ndarray:
    """Pixel indices ``(row, col)`` to physical positions in mm (pixel 0 at 0 mm).

    Examples
    --------
    >>> pixel_to_mm(np.array([[2, 3]]), (0.5, 2.0)).tolist()
    [[1.0, 6.0]]
    """
    return np.asarray(points, dtype=float) * np.asarray(spacing, dtype=float)


def true_landmarks(problem, fixed_pixels: np.ndarray) -> np.ndarray:
    """Where fixed landmarks truly are in the moving image of a known-motion problem, in pixels.

    Parameters
    ----------
    problem : core.data.warps.Problem
    fixed_pixels : (n, 2) numpy.ndarray
        ``(row, col)`` pixels on the fixed image.

    Returns
    -------
    (n, 2) numpy.ndarray
        ``(row, col)`` pixels (not rounded) on the moving image: perfect partners.
    """
    spacing = np.asarray(problem.spacing, dtype=float)
    return problem.true_points(pixel_to_mm(fixed_pixels, problem.spacing)) / spacing


def add_point(pairs: list[dict], side: str, point: tuple[float, float]) -> list[dict]:
    """Add a clicked point to a list of landmark pairs, completing the first pair that lacks that side.

    Parameters
    ----------
    pairs : list of dict
        Each ``{"fixed": (row, col) or None, "moving": (row, col) or None}``.
    side : str
        ``"fixed"`` or ``"moving"``.
    point : (float, float)
        ``(row, col)`` in pixels.

    Returns
    -------
    list of dict
        A new list (the input is left unchanged).

    Examples
    --------
    >>> pairs = add_point([], "fixed", (1, 2))
    >>> pairs = add_point(pairs, "fixed", (3, 4))
    >>> add_point(pairs, "moving", (5, 6))
    [{'fixed': (1.0, 2.0), 'moving': (5.0, 6.0)}, {'fixed': (3.0, 4.0), 'moving': None}]
    """
    if side not in ("fixed", "moving"):
        raise ValueError(f"side must be 'fixed' or 'moving', not {side!r}")
    point = (float(point[0]), float(point[1]))
    pairs = [dict(pair) for pair in pairs]
    for pair in pairs:
        if pair.get(side) is None:
            pair[side] = point
            return pairs
    other = "moving" if side == "fixed" else "fixed"
    return pairs + [{side: point, other: None}]


def complete_pairs(pairs: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """The pairs that have both points, as fixed and moving ``(n, 2)`` pixel arrays.

    Examples
    --------
    >>> complete_pairs([{"fixed": (1, 2), "moving": (3, 4)}, {"fixed": (5, 6), "moving": None}])[1].tolist()
    [[3.0, 4.0]]
    """
    done = [pair for pair in pairs if pair.get("fixed") is not None and pair.get("moving") is not None]
    fixed = np.array([pair["fixed"] for pair in done], dtype=float).reshape(-1, 2)
    moving = np.array([pair["moving"] for pair in done], dtype=float).reshape(-1, 2)
    return fixed, moving


def evaluate(result: LandmarkResult, problem, targets: np.ndarray) -> dict[str, float]:
    """TRE of a landmark result against a known motion, at target points, with its landmarks' FRE.

    Parameters
    ----------
    result : LandmarkResult
    problem : core.data.warps.Problem
    targets : (n, ndim) numpy.ndarray
        Points of the fixed image in mm (e.g. `core.data.warps.anatomy_points`).

    Returns
    -------
    dict
        ``mean`` and ``max`` TRE in mm (as `core.data.warps.tre`) and ``fre`` in mm.
    """
    from core.data.warps import tre

    error = tre(result.map_points(targets), problem.true_points(targets))
    return dict(error, fre=result.fre)


def warp_moving(moving: np.ndarray, result: LandmarkResult, spacing: tuple[float, ...]) -> np.ndarray:
    """The moving image resampled onto the fixed grid through a landmark transform (linear interpolation).

    Parameters
    ----------
    moving : numpy.ndarray
        The moving image (same grid as the fixed one).
    result : LandmarkResult
    spacing : tuple of float
        mm per pixel of both images.

    Returns
    -------
    numpy.ndarray of float64
        Same shape as `moving`; outside it, its lowest value.
    """
    import SimpleITK as sitk

    from core.registration import to_sitk

    image = to_sitk(np.asarray(moving, dtype=np.float64), spacing)
    warped = sitk.Resample(image, image, result.transform, sitk.sitkLinear, float(np.min(moving)), sitk.sitkFloat32)
    return sitk.GetArrayFromImage(warped).astype(np.float64)


def spread_points(shape: tuple[int, int], count: int = 4, margin: float = 0.25) -> np.ndarray:
    """`count` pixel positions spread over an image, for a demonstration set of landmarks.

    The first four are the corners of the box `margin` in from each side,
    in the order top left, top right, bottom right, bottom left; a fifth is
    the centre.

    Examples
    --------
    >>> spread_points((101, 201), 3).tolist()
    [[25.0, 50.0], [25.0, 150.0], [75.0, 150.0]]
    """
    top, bottom = margin * (shape[0] - 1), (1 - margin) * (shape[0] - 1)
    left, right = margin * (shape[1] - 1), (1 - margin) * (shape[1] - 1)
    corners = [[top, left], [top, right], [bottom, right], [bottom, left], [(top + bottom) / 2, (left + right) / 2]]
    return np.rint(np.array(corners[:max(1, min(count, 5))], dtype=float))
