"""Registration problems with a known answer: move, warp, blur the contrast of an image, then score a result.

The *fixed* image (the target) is any grey 2D or 3D array. The *moving*
image (the source) is the same anatomy after a known motion: a shift in mm,
a rotation about the image centre, a scale, a smooth non-linear wave, noise,
and an intensity remapping that imitates another MRI contrast. Because the
motion is known everywhere, a registration can be scored exactly: the error
of its parameters and the target registration error (TRE) over a grid of
points.

Coordinates are physical, in mm, in the order of the array axes
(``(row, col)`` in 2D, ``(slice, row, col)`` in 3D), with pixel ``0`` at
``0 mm``: ``p = index * spacing``. This module needs numpy and scipy only,
so the truth is computed independently of SimpleITK.

>>> import numpy as np
>>> problem = make_problem(np.zeros((8, 8)), (1.0, 1.0), Motion(shift_mm=(2.0, 0.0)))
>>> problem.true_points(np.array([[3.5, 3.5]])).tolist()
[[5.5, 3.5]]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from core.basics import to_grey
from core.data.noise import add_noise

MAX_WARP_SLOPE = 0.5
"""Largest slope ``2 pi a / L`` of the smooth bend: beyond it the truth could fold."""


@dataclass(frozen=True)
class Motion:
    """The known motion of the moving image relative to the fixed one.

    A point ``p`` of the fixed image's anatomy is found in the moving image at
    ``c + scale * R (p - d(p) - c) + shift``, where ``c`` is the image centre,
    ``R`` the rotation and ``d`` a smooth bend (see `warp_field`).

    Attributes
    ----------
    shift_mm : tuple of float
        Translation along the array axes, in mm (``(row, col)`` in 2D: down
        and right on screen).
    angles_deg : tuple of float
        Rotation angles in degrees. 2D: one angle, positive turns the image
        clockwise on screen (rows grow downwards). 3D: three angles about the
        col (x), row (y) and slice (z) axes, composed as SimpleITK's
        ``Euler3DTransform`` does (``Rz @ Rx @ Ry``).
    scale : float
        Isotropic scale about the centre (1 = none).
    warp_mm : float
        Amplitude of the smooth non-linear bend in mm (0 = none).
    """

    shift_mm: tuple[float, ...] = (0.0, 0.0)
    angles_deg: tuple[float, ...] = (0.0,)
    scale: float = 1.0
    warp_mm: float = 0.0


@dataclass
class Problem:
    """A fixed image, a moving image made from it, and the truth that links them.

    Attributes
    ----------
    fixed, moving : numpy.ndarray
        The target and the source, same shape, float64.
    spacing : tuple of float
        mm per pixel along each axis (both images).
    motion : Motion
        The known motion.
    matrix : numpy.ndarray
        ``scale * R`` in array-axis order, shape ``(ndim, ndim)``.
    centre : numpy.ndarray
        The image centre in mm, about which the matrix acts.
    """

    fixed: np.ndarray
    moving: np.ndarray
    spacing: tuple[float, ...]
    motion: Motion
    matrix: np.ndarray
    centre: np.ndarray
    extent: np.ndarray = field(repr=False, default=None)

    def true_points(self, points: np.ndarray, iterations: int = 30) -> np.ndarray:
        """Where points of the fixed image truly are in the moving image.

        Parameters
        ----------
        points : (n, ndim) numpy.ndarray
            Physical positions in the fixed image, mm, array-axis order.
        iterations : int
            Fixed-point iterations that invert the smooth bend (it converges
            because the bend's slope is at most `MAX_WARP_SLOPE`).

        Returns
        -------
        (n, ndim) numpy.ndarray
            The matching positions in the moving image: what a perfect
            registration's transform returns.
        """
        points = np.asarray(points, dtype=float)
        mapped = self._affine(points)
        if self.motion.warp_mm == 0:
            return mapped
        for _ in range(iterations):  # solve y = A(x - d(y)) for y
            mapped = self._affine(points - warp_field(mapped, self.motion.warp_mm, self.extent))
        return mapped

    def _affine(self, points: np.ndarray) -> np.ndarray:
        shift = np.asarray(self.motion.shift_mm, dtype=float)
        return (points - self.centre) @ self.matrix.T + self.centre + shift


def rotation_matrix(angles_deg: tuple[float, ...], ndim: int) -> np.ndarray:
    """The rotation in array-axis order (``(row, col)`` or ``(slice, row, col)``).

    Parameters
    ----------
    angles_deg : tuple of float
        One angle in 2D; three (about x = col, y = row, z = slice) in 3D.
    ndim : int
        2 or 3.

    Returns
    -------
    (ndim, ndim) numpy.ndarray

    Examples
    --------
    >>> np.round(rotation_matrix((90.0,), 2)).tolist()
    [[0.0, 1.0], [-1.0, 0.0]]
    """
    a = np.deg2rad(np.asarray(angles_deg, dtype=float))
    if ndim == 2:
        c, s = np.cos(a[0]), np.sin(a[0])
        xy = np.array([[c, -s], [s, c]])  # acts on (x, y) = (col, row), as SimpleITK's Euler2DTransform
        return xy[::-1, ::-1]
    ax, ay, az = (list(a) + [0.0, 0.0, 0.0])[:3]
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    xyz = rz @ rx @ ry
    return xyz[::-1, ::-1]


def warp_field(points: np.ndarray, amplitude_mm: float, extent_mm: np.ndarray) -> np.ndarray:
    """A smooth bend: displacements that follow one period of a cosine across the image.

    Component ``i`` is ``a * cos(2 pi (p_j - c_j) / L_j)`` with ``j`` the next
    axis and ``c`` the centre: the middle band of the image moves by ``a``,
    its edges by ``-a``, so rows bend with the column position and columns
    with the row position. The field has no affine part (its mean and its
    best linear fit over the image are zero), so only a deformable
    transform can undo it.

    Parameters
    ----------
    points : (n, ndim) numpy.ndarray
        Positions in mm (pixel 0 at 0 mm).
    amplitude_mm : float
        ``a``, the largest displacement along one axis.
    extent_mm : numpy.ndarray
        ``L``, the image size in mm along each axis (the centre is ``L / 2``
        minus half a pixel, which this ignores).

    Returns
    -------
    (n, ndim) numpy.ndarray
        Displacements in mm.
    """
    points = np.asarray(points, dtype=float)
    ndim = points.shape[-1]
    nxt = [(i + 1) % ndim for i in range(ndim)]
    extent = np.asarray(extent_mm, dtype=float)[nxt]
    return amplitude_mm * np.cos(2 * np.pi * (points[..., nxt] - extent / 2) / extent)


def max_warp_mm(shape: tuple[int, ...], spacing: tuple[float, ...]) -> float:
    """The largest bend amplitude that cannot fold the image (slope `MAX_WARP_SLOPE`)."""
    extent = np.asarray(shape, dtype=float) * np.asarray(spacing, dtype=float)
    return float(MAX_WARP_SLOPE * extent.min() / (2 * np.pi))


def other_contrast(image: np.ndarray, amount: float = 1.0) -> np.ndarray:
    """Remap intensities as if another MRI contrast had been acquired (T1-like to T2-like).

    Values are scaled to ``t`` in [0, 1] (minimum to 99.5th percentile) and
    mapped through ``g(t) = (1 - t)^2 (1 - exp(-(t / 0.1)^2))`` (normalised to a
    peak of 1): the background and its noise floor stay dark, dark fluid (CSF in T1) becomes
    bright, bright tissue (white matter in T1) becomes dark. The map is not
    monotonic, so no single intensity scaling undoes it.

    Parameters
    ----------
    image : numpy.ndarray
        Grey values.
    amount : float
        0 keeps the image, 1 applies the full remapping, in between blends.

    Returns
    -------
    numpy.ndarray of float64
        Same shape and range as the input.
    """
    values = np.asarray(image, dtype=np.float64)
    if values.size == 0 or amount == 0:
        return values.copy()
    lo, hi = float(values.min()), float(np.percentile(values, 99.5))
    if hi <= lo:
        return values.copy()
    t = np.clip((values - lo) / (hi - lo), 0.0, 1.0)
    grid = np.linspace(0, 1, 1001)
    peak = float(((1 - grid) ** 2 * (1 - np.exp(-((grid / 0.1) ** 2)))).max())
    g = (1 - t) ** 2 * (1 - np.exp(-((t / 0.1) ** 2))) / peak
    return lo + (hi - lo) * ((1 - amount) * t + amount * g)


def make_problem(fixed: np.ndarray, spacing: tuple[float, ...], motion: Motion, noise: float = 0.0,
                 contrast: float = 0.0, seed: int = 0) -> Problem:
    """Build the moving image: the fixed one moved by `motion`, remapped and made noisy.

    Parameters
    ----------
    fixed : numpy.ndarray
        A grey 2D or 3D image.
    spacing : tuple of float
        mm per pixel, one per axis.
    motion : Motion
        The known motion (its shift must have one value per axis).
    noise : float
        Gaussian noise, as a fraction of the intensity range (1st to 99th
        percentile), added by `core.data.noise.add_noise`.
    contrast : float
        0 to 1: how much of `other_contrast` to apply.
    seed : int
        Seed of the noise.

    Returns
    -------
    Problem

    Raises
    ------
    ValueError
        For a shift or spacing with the wrong number of values, or a wave
        larger than `max_warp_mm`.
    """
    fixed = np.asarray(fixed, dtype=np.float64)
    ndim = fixed.ndim
    if len(spacing) != ndim or len(motion.shift_mm) != ndim:
        raise ValueError(f"a {ndim}D image needs {ndim} spacings and {ndim} shift values")
    if motion.warp_mm > max_warp_mm(fixed.shape, spacing) + 1e-9:
        raise ValueError(f"the bend's amplitude must stay below {max_warp_mm(fixed.shape, spacing):.3g} mm "
                         "or the image would fold over itself")
    spacing_arr = np.asarray(spacing, dtype=float)
    matrix = motion.scale * rotation_matrix(motion.angles_deg, ndim)
    centre = (np.asarray(fixed.shape) - 1) / 2 * spacing_arr
    extent = np.asarray(fixed.shape) * spacing_arr
    problem = Problem(fixed, fixed, tuple(float(s) for s in spacing), motion, matrix, centre, extent)
    # moving(y) = fixed(B(y)) with B(y) = A^-1(y) + d(y): pull every moving pixel from the fixed image
    grid = np.indices(fixed.shape, dtype=float).reshape(ndim, -1).T * spacing_arr
    inverse = np.linalg.inv(matrix)
    source = (grid - centre - np.asarray(motion.shift_mm, dtype=float)) @ inverse.T + centre
    if motion.warp_mm:
        source = source + warp_field(grid, motion.warp_mm, extent)
    moved = ndimage.map_coordinates(fixed, (source / spacing_arr).T, order=3, mode="constant",
                                    cval=float(fixed.min())).reshape(fixed.shape)
    moved = other_contrast(moved, contrast)
    if noise > 0:
        low, high = np.percentile(fixed, [1, 99]) if fixed.size else (0.0, 1.0)
        moved = add_noise(moved, "gaussian", float(noise * max(high - low, 1e-12)), seed)
    problem.moving = moved
    return problem


def grid_points(shape: tuple[int, ...], spacing: tuple[float, ...], per_axis: int = 10,
                margin: float = 0.15) -> np.ndarray:
    """A regular grid of target points inside the image, away from its edges.

    Parameters
    ----------
    shape, spacing : tuple
        The image's shape and mm per pixel.
    per_axis : int
        Points along each axis (``per_axis ** ndim`` in all).
    margin : float
        Fraction of the image left out on each side.

    Returns
    -------
    (n, ndim) numpy.ndarray
        Positions in mm, array-axis order.
    """
    axes = [np.linspace(margin * (n - 1), (1 - margin) * (n - 1), per_axis) * s for n, s in zip(shape, spacing)]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(shape))


def tre(recovered: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Target registration error: distances between where a registration and the truth send each point.

    Parameters
    ----------
    recovered, truth : (n, ndim) numpy.ndarray
        Mapped positions in mm.

    Returns
    -------
    dict
        ``mean`` and ``max`` distance in mm.

    Examples
    --------
    >>> tre(np.array([[0.0, 3.0], [0.0, 0.0]]), np.array([[4.0, 0.0], [0.0, 0.0]]))
    {'mean': 2.5, 'max': 5.0}
    """
    distances = np.linalg.norm(np.asarray(recovered, float) - np.asarray(truth, float), axis=-1)
    return {"mean": float(distances.mean()), "max": float(distances.max())}


def rotation_error_deg(matrix: np.ndarray, truth: np.ndarray) -> float:
    """The angle in degrees of the rotation between two linear maps (their scale and shear removed).

    Parameters
    ----------
    matrix, truth : (ndim, ndim) numpy.ndarray
        Linear parts of the recovered and the true transforms.

    Returns
    -------
    float

    Examples
    --------
    >>> round(rotation_error_deg(rotation_matrix((3.0,), 2), rotation_matrix((1.0,), 2)), 6)
    2.0
    """
    def rotation(m: np.ndarray) -> np.ndarray:
        """The closest rotation (polar decomposition)."""
        u, _, vt = np.linalg.svd(np.asarray(m, dtype=float))
        return u @ vt

    relative = rotation(matrix) @ rotation(truth).T
    n = relative.shape[0]
    cosine = (np.trace(relative) - (n - 2)) / 2  # 2D: cos a; 3D: (trace - 1) / 2
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


def working_slice(image: np.ndarray, spacing: tuple[float, float], max_side: int = 256
                  ) -> tuple[np.ndarray, tuple[float, float]]:
    """A 2D grey image shrunk so that its longer side is at most `max_side`, with its new spacing.

    Uses ``skimage.transform.resize`` with anti-aliasing; the field of view
    in mm is kept, so the spacing grows by the same factor.

    Parameters
    ----------
    image : (rows, cols) numpy.ndarray
    spacing : (float, float)
    max_side : int

    Returns
    -------
    image : numpy.ndarray of float64
    spacing : (float, float)
    """
    from skimage.transform import resize

    values = np.asarray(image, dtype=np.float64)
    finite = np.isfinite(values)
    if not finite.all():  # NaN and ±inf become the lowest finite value (background), not ±1.8e308
        values = np.where(finite, values, values[finite].min() if finite.any() else 0.0)
    factor = max(values.shape) / max_side
    if factor <= 1:
        return values, (float(spacing[0]), float(spacing[1]))
    shape = tuple(max(1, int(round(n / factor))) for n in values.shape)
    small = resize(values, shape, order=1, anti_aliasing=True, preserve_range=True)
    return small, tuple(float(s * n / m) for s, n, m in zip(spacing, values.shape, shape))


def anatomy_points(image: np.ndarray, spacing: tuple[float, ...], per_axis: int = 20) -> np.ndarray:
    """The points of `grid_points` that fall inside the anatomy, brighter than the background.

    Background carries no information a registration could use, so the TRE
    of a deformable result is measured where there is something to align: at
    points whose value is above ``min + 0.1 * (p99 - min)`` (10 % of the way
    from the darkest value to the 99th percentile). Falls back to the whole
    grid when fewer than 10 points are inside.

    Returns
    -------
    (n, ndim) numpy.ndarray
        Positions in mm, array-axis order.
    """
    points = grid_points(image.shape, spacing, per_axis)
    index = tuple(np.round(points / np.asarray(spacing, dtype=float)).astype(int).T)
    values = np.asarray(image, dtype=float)
    background = float(values.min())
    inside = values[index] > background + 0.1 * (float(np.percentile(values, 99)) - background)
    return points[inside] if inside.sum() >= 10 else points


def compare(problem: Problem, parameters: dict) -> list[dict]:
    """The recovered parameters of a linear registration next to the true ones, with their errors.

    The recovered shift is read at the image centre (``T(c) - c``), where the
    true motion's shift is defined, whatever centre the transform used.

    Parameters
    ----------
    problem : Problem
    parameters : dict
        ``matrix``, ``centre_mm`` and ``translation_mm`` in array-axis order,
        as `core.registration.RegistrationResult.parameters` holds them.

    Returns
    -------
    list of dict
        Rows with ``parameter``, ``true``, ``recovered`` and ``error``
        (absolute; the rotation error is the angle between the two rotations).
    """
    matrix = np.asarray(parameters["matrix"], dtype=float)
    centre = np.asarray(parameters["centre_mm"], dtype=float)
    shift = matrix @ (problem.centre - centre) + centre + np.asarray(parameters["translation_mm"]) - problem.centre
    ndim = matrix.shape[0]
    axes = ("rows (down)", "columns (right)") if ndim == 2 else ("slices (up)", "rows (back)", "columns (left)")
    rows = [{"parameter": f"shift along {axis} (mm)", "true": float(t), "recovered": float(r),
             "error": abs(float(r) - float(t))} for axis, t, r in zip(axes, problem.motion.shift_mm, shift)]
    if ndim == 2:
        u, _, vt = np.linalg.svd(matrix)
        rotation = u @ vt
        angle = float(np.degrees(np.arctan2(rotation[0, 1], rotation[0, 0])))
        rows.append({"parameter": "rotation (degrees, clockwise)", "true": float(problem.motion.angles_deg[0]),
                     "recovered": angle, "error": rotation_error_deg(matrix, problem.matrix)})
    else:
        rows.append({"parameter": "rotation (degrees, any axis)", "true": rotation_error_deg(problem.matrix, np.eye(3)),
                     "recovered": rotation_error_deg(matrix, np.eye(3)),
                     "error": rotation_error_deg(matrix, problem.matrix)})
    scale = float(abs(np.linalg.det(matrix)) ** (1 / ndim))
    rows.append({"parameter": "scale", "true": float(problem.motion.scale), "recovered": scale,
                 "error": abs(scale - problem.motion.scale)})
    return rows


def working_image(volume, slice_index: int | None = None, max_side: int = 256
                  ) -> tuple[np.ndarray, tuple[float, float], bool]:
    """The 2D grey image a page registers: one slice of the first time point, colour through rgb2gray, shrunk.

    Parameters
    ----------
    volume : core.volume.Volume
        Any image the course loads.
    slice_index : int, optional
        The slice of a 3D or 4D volume (the middle one when None).
    max_side : int
        The longer side after shrinking (see `working_slice`).

    Returns
    -------
    image : numpy.ndarray of float64
    spacing : (float, float)
    resized : bool
        True when the image was shrunk.
    """
    plane = volume.slice2d(slice_index) if volume.is_3d else volume.frame(0)
    grey = to_grey(plane) if volume.rgb else np.asarray(plane, dtype=np.float64)
    image, spacing = working_slice(grey, volume.pixel_spacing, max_side)
    return image, spacing, image.shape != grey.shape


def warped_grid(image8: np.ndarray, displacement: np.ndarray, spacing: tuple[float, float], step: int,
                colour: tuple[int, int, int] = (255, 211, 61)) -> np.ndarray:
    """The target's grid lines, carried into the source by a transform, drawn on an 8-bit image.

    Every `step`-th row and column of the fixed grid is moved by the
    displacement ``T(x) - x`` and drawn as a polyline of one-pixel segments
    (those leaving the image are cut).

    Parameters
    ----------
    image8 : (rows, cols) numpy.ndarray of uint8
        The picture under the grid (the source).
    displacement : (rows, cols, 2) numpy.ndarray
        mm, array-axis order (`RegistrationResult.displacement`).
    spacing : (float, float)
        mm per pixel.
    step : int
        Pixels between two grid lines.
    colour : (int, int, int)

    Returns
    -------
    (rows, cols, 3) numpy.ndarray of uint8

    Examples
    --------
    >>> grid = warped_grid(np.zeros((5, 5), np.uint8), np.zeros((5, 5, 2)), (1.0, 1.0), 4)
    >>> grid[..., 0].astype(bool).astype(int).tolist()[:2]
    [[1, 1, 1, 1, 1], [1, 0, 0, 0, 1]]
    """
    from skimage.draw import line

    shape = image8.shape[:2]
    picture = np.repeat(np.asarray(image8, np.uint8)[..., None], 3, axis=-1)
    rows, cols = np.arange(0, shape[0], step), np.arange(0, shape[1], step)
    moved = displacement / np.asarray(spacing, dtype=float)
    polylines = [(r + moved[r, cols, 0], cols + moved[r, cols, 1]) for r in rows]
    polylines += [(rows + moved[rows, c, 0], c + moved[rows, c, 1]) for c in cols]
    for ys, xs in polylines:
        ys, xs = np.round(ys).astype(int), np.round(xs).astype(int)
        for y0, x0, y1, x1 in zip(ys[:-1], xs[:-1], ys[1:], xs[1:]):
            rr, cc = line(y0, x0, y1, x1)
            inside = (rr >= 0) & (rr < shape[0]) & (cc >= 0) & (cc < shape[1])
            picture[rr[inside], cc[inside]] = colour
    return picture
