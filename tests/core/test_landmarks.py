"""Landmark registration: exact recovery from exact points, graceful degradation, clear messages, and the seed."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from core import landmarks
from core.landmarks import LandmarkError, add_point, complete_pairs, evaluate, landmark_transform, true_landmarks
from core.registration import register
from core.data.warps import Motion, anatomy_points, grid_points, make_problem, rotation_matrix, tre

SHAPE, SPACING = (64, 64), (1.5, 1.0)
CENTRE = (np.array(SHAPE) - 1) / 2 * np.array(SPACING)
FIXED = np.array([[10.0, 8.0], [12.0, 55.0], [80.0, 20.0], [70.0, 50.0], [40.0, 33.0]])  # mm


def moved(points: np.ndarray, matrix: np.ndarray, shift) -> np.ndarray:
    """Points moved as core.data.warps.Problem moves them: about the image centre, then shifted."""
    return (points - CENTRE) @ matrix.T + CENTRE + np.asarray(shift)


def test_doctests():
    assert doctest.testmod(landmarks).failed == 0


@pytest.mark.parametrize("kind, matrix", [
    ("rigid", rotation_matrix((17.0,), 2)),
    ("similarity", 1.15 * rotation_matrix((-8.0,), 2)),
    ("affine", np.array([[1.1, 0.2], [-0.1, 0.9]])),
])
def test_exact_points_recover_the_transform_to_1e6(kind, matrix):
    moving = moved(FIXED, matrix, (4.0, -6.5))
    result = landmark_transform(FIXED, moving, kind)
    assert result.residuals.shape == (len(FIXED),) and result.residuals.max() < 1e-6 and result.fre < 1e-6
    targets = grid_points(SHAPE, SPACING, per_axis=7)
    assert np.abs(result.map_points(targets) - moved(targets, matrix, (4.0, -6.5))).max() < 1e-6
    centre_shift = result.map_points(CENTRE[None])[0] - CENTRE
    assert centre_shift == pytest.approx([4.0, -6.5], abs=1e-6)
    assert np.allclose(result.parameters["matrix"], matrix, atol=1e-6)
    if kind == "rigid":
        assert result.parameters["angle_deg"] == pytest.approx(17.0, abs=1e-6)


def test_a_rigid_fit_to_an_affine_motion_leaves_residuals():
    moving = moved(FIXED, np.array([[1.3, 0.0], [0.0, 0.8]]), (0.0, 0.0))
    assert landmark_transform(FIXED, moving, "rigid").fre > 1.0
    assert landmark_transform(FIXED, moving, "affine").fre < 1e-6


def test_tre_grows_with_the_noise_on_the_points():
    rng = np.random.default_rng(0)
    matrix = rotation_matrix((10.0,), 2)
    truth = moved(FIXED, matrix, (3.0, 2.0))
    targets = grid_points(SHAPE, SPACING, per_axis=8)
    means = []
    for sigma in (0.0, 0.5, 2.0, 6.0):
        errors = []
        for _ in range(20):
            result = landmark_transform(FIXED, truth + rng.normal(0, sigma, truth.shape), "rigid")
            errors.append(tre(result.map_points(targets), moved(targets, matrix, (3.0, 2.0)))["mean"])
        means.append(float(np.mean(errors)))
    assert means[0] < 1e-6
    assert means == sorted(means) and means[-1] > 5 * means[1] > 0
    assert means[-1] < 20  # degrades, does not explode


@pytest.mark.parametrize("fixed, moving, words", [
    ([[1, 2], [3, 4]], [[1, 2], [3, 4]], "at least 3"),
    ([], [], "0 pair(s)"),
    ([[1, 2], [3, 4], [5, 6]], [[1, 2], [3, 4]], "partner"),
    ([[0, 0], [1, 1], [2, 2]], [[0, 0], [1, 0], [0, 1]], "fixed landmarks lie on one line"),
    ([[0, 0], [1, 0], [0, 1]], [[5, 5], [5, 5], [5, 5]], "moving landmarks lie on one line"),
    ([[0, 0], [1, 0], [0, np.nan]], [[0, 0], [1, 0], [0, 1]], "incomplete"),
    ([["a", 0], [1, 0], [0, 1]], [[0, 0], [1, 0], [0, 1]], "numbers"),
])
def test_too_few_degenerate_or_broken_landmarks_give_a_clear_message(fixed, moving, words):
    with pytest.raises(LandmarkError, match=words.replace("(", r"\(").replace(")", r"\)")):
        landmark_transform(fixed, moving, "rigid")


def test_unknown_kind_is_refused():
    with pytest.raises(LandmarkError, match="unknown transform"):
        landmark_transform(FIXED, FIXED, "deformable")


def test_pairs_from_clicks_alternate_and_complete():
    pairs = add_point([], "moving", (5, 6))
    pairs = add_point(pairs, "fixed", (1, 2))
    pairs = add_point(pairs, "fixed", (3, 4))
    assert pairs == [{"moving": (5.0, 6.0), "fixed": (1.0, 2.0)}, {"fixed": (3.0, 4.0), "moving": None}]
    fixed, moving = complete_pairs(pairs)
    assert fixed.tolist() == [[1.0, 2.0]] and moving.tolist() == [[5.0, 6.0]]
    assert complete_pairs([])[0].shape == (0, 2)
    with pytest.raises(ValueError):
        add_point(pairs, "left", (0, 0))


def _phantom_problem(angle: float, shift=(4.0, -5.0)):
    from skimage.data import shepp_logan_phantom
    from skimage.transform import resize

    image = resize(shepp_logan_phantom(), (96, 96), anti_aliasing=True)
    return make_problem(image, (1.0, 1.0), Motion(shift_mm=shift, angles_deg=(angle,)))


def test_landmarks_on_a_known_motion_problem_give_zero_tre_and_true_partners():
    problem = _phantom_problem(12.0)
    fixed_px = np.array([[20.0, 30.0], [70.0, 25.0], [50.0, 75.0]])
    moving_px = true_landmarks(problem, fixed_px)
    result = landmark_transform(fixed_px * 1.0, moving_px, "rigid")  # spacing 1 mm
    error = evaluate(result, problem, anatomy_points(problem.fixed, problem.spacing))
    assert error["mean"] < 1e-6 and error["max"] < 1e-6 and error["fre"] < 1e-6
    assert result.parameters["angle_deg"] == pytest.approx(12.0, abs=1e-6)
    rounded = landmark_transform(fixed_px, np.rint(moving_px), "rigid")  # clicks land on whole pixels
    assert 0 < evaluate(rounded, problem, anatomy_points(problem.fixed, problem.spacing))["mean"] < 1.0


def test_a_landmark_seed_starts_the_intensity_registration_where_the_points_say():
    problem = _phantom_problem(35.0, (6.0, -8.0))
    fixed_px = np.array([[20.0, 30.0], [70.0, 25.0], [50.0, 75.0], [30.0, 70.0]])
    seed = landmark_transform(fixed_px, np.rint(true_landmarks(problem, fixed_px)), "rigid")
    points = anatomy_points(problem.fixed, problem.spacing)
    truth = problem.true_points(points)
    options = {"levels": 1, "iterations": 1, "sampling": 1.0}  # one step: the result stays next to its start
    seeded = register(problem.fixed, problem.moving, "rigid", "ssd", initial_transform=seed.transform, **options)
    plain = register(problem.fixed, problem.moving, "rigid", "ssd", **options)
    start = evaluate(seed, problem, points)["mean"]
    assert start < 1.0
    assert tre(seeded.map_points(points), truth)["mean"] < start + 2.5  # one step of at most 2 mm from the seed
    assert tre(plain.map_points(points), truth)["mean"] > 10
    assert seeded.parameters["angle_deg"] == pytest.approx(35.0, abs=2.0)


@pytest.mark.parametrize("stage", ["translation", "rigid", "affine"])  # affine starts as a similarity
def test_the_seed_is_reduced_to_the_registrations_transform(stage):
    problem = _phantom_problem(0.0, (6.0, -8.0))
    fixed_px = np.array([[20.0, 30.0], [70.0, 25.0], [50.0, 75.0]])
    seed = landmark_transform(fixed_px, true_landmarks(problem, fixed_px), "affine")
    result = register(problem.fixed, problem.moving, stage, "ssd", initial_transform=seed.transform,
                      levels=1, iterations=1, sampling=1.0)
    points = anatomy_points(problem.fixed, problem.spacing)
    assert tre(result.map_points(points), problem.true_points(points))["mean"] < 1.0


@pytest.mark.parametrize("kind, stage", [("rigid", "rigid"), ("similarity", "affine"), ("affine", "translation")])
def test_3d_landmarks_recover_the_motion_and_seed_a_3d_registration(kind, stage):
    rng = np.random.default_rng(1)
    volume = np.zeros((24, 24, 24))
    volume[6:18, 8:16, 5:20] = 1.0
    volume[9:12, 10:13, 7:10] = 2.0
    problem = make_problem(volume, (1.0, 1.0, 1.0), Motion(shift_mm=(1.5, -2.0, 1.0), angles_deg=(4.0, -3.0, 6.0)))
    fixed = rng.uniform(4, 20, (6, 3))
    result = landmark_transform(fixed, problem.true_points(fixed), kind)
    targets = grid_points(volume.shape, (1.0, 1.0, 1.0), per_axis=4)
    assert result.fre < 1e-6
    assert np.abs(result.map_points(targets) - problem.true_points(targets)).max() < 1e-6
    seeded = register(problem.fixed, problem.moving, stage, "ssd", initial_transform=result.transform,
                      levels=1, iterations=1, sampling=1.0)
    start = 1.5 if stage == "translation" else 1e-6  # a translation keeps the shift at the centre, not the turn
    assert tre(seeded.map_points(targets), problem.true_points(targets))["mean"] < start + 2.5  # one step: 2 mm
