"""Registration problems with a known answer: the moving image and the truth agree, exactly where they can."""

import numpy as np
import pytest

from core.data.warps import (Motion, grid_points, make_problem, max_warp_mm, other_contrast, rotation_error_deg,
                        rotation_matrix, tre, warp_field, working_image, working_slice)


def _blob(shape=(40, 48)):
    """A smooth test image: a Gaussian bump off centre plus a gentle ramp."""
    rows, cols = np.indices(shape, dtype=float)
    return np.exp(-((rows - 15) ** 2 + (cols - 20) ** 2) / 60.0) + 0.01 * cols


def test_a_whole_pixel_shift_moves_the_image_and_the_points_by_that_shift():
    fixed = _blob()
    problem = make_problem(fixed, (2.0, 0.5), Motion(shift_mm=(4.0, 1.5)))  # 2 rows down, 3 columns right
    assert np.allclose(problem.moving[2:, 3:], fixed[:-2, :-3])
    points = np.array([[10.0, 4.0], [0.0, 0.0]])
    assert np.allclose(problem.true_points(points), points + [4.0, 1.5])


def test_a_positive_angle_turns_the_image_clockwise_on_screen():
    fixed = np.zeros((9, 9))
    fixed[1, 2] = 1.0
    problem = make_problem(fixed, (1.0, 1.0), Motion((0.0, 0.0), (90.0,)))
    assert np.allclose(problem.moving, np.rot90(fixed, -1), atol=1e-9)
    # the centre stays, the point at row 1, col 2 goes to row 2, col 7
    assert np.allclose(problem.true_points(np.array([[4.0, 4.0], [1.0, 2.0]])), [[4.0, 4.0], [2.0, 7.0]])


def test_scale_magnifies_about_the_centre():
    problem = make_problem(np.zeros((11, 11)), (1.0, 1.0), Motion((0.0, 0.0), (0.0,), scale=2.0))
    assert np.allclose(problem.true_points(np.array([[5.0, 5.0], [5.0, 7.0]])), [[5.0, 5.0], [5.0, 9.0]])


def test_the_3d_rotation_is_simpleitks_euler3d_in_array_order():
    sitk = pytest.importorskip("SimpleITK")
    euler = sitk.Euler3DTransform()
    euler.SetRotation(0.1, -0.2, 0.3)
    itk = np.array(euler.GetMatrix()).reshape(3, 3)
    assert np.allclose(rotation_matrix(tuple(np.degrees([0.1, -0.2, 0.3])), 3), itk[::-1, ::-1])


def test_the_smooth_warp_truth_inverts_the_pull_back_map():
    fixed = _blob((64, 64))
    amplitude = 0.9 * max_warp_mm(fixed.shape, (1.0, 1.0))
    problem = make_problem(fixed, (1.0, 1.0), Motion((1.0, -2.0), (5.0,), 1.0, warp_mm=amplitude))
    points = grid_points(fixed.shape, (1.0, 1.0), per_axis=7)
    mapped = problem.true_points(points)
    # the moving image was made as fixed(A^-1(y) + d(y)); at y = T(x) that must give back x
    inverse = np.linalg.inv(problem.matrix)
    back = (mapped - problem.centre - [1.0, -2.0]) @ inverse.T + problem.centre + warp_field(
        mapped, amplitude, problem.extent)
    assert np.abs(back - points).max() < 1e-6
    # and the moving image at T(x) shows what the fixed image shows at x (up to interpolation)
    from scipy import ndimage
    sampled = ndimage.map_coordinates(problem.moving, mapped.T, order=1)
    assert np.abs(sampled - ndimage.map_coordinates(fixed, points.T, order=1)).max() < 0.02


def test_a_warp_that_would_fold_is_refused():
    with pytest.raises(ValueError, match="fold"):
        make_problem(np.zeros((32, 32)), (1.0, 1.0), Motion(warp_mm=max_warp_mm((32, 32), (1.0, 1.0)) * 1.5))
    with pytest.raises(ValueError, match="shift"):
        make_problem(np.zeros((32, 32)), (1.0, 1.0), Motion(shift_mm=(1.0, 2.0, 3.0)))


def test_the_other_contrast_keeps_the_background_and_inverts_bright_tissue():
    t1 = np.array([0.0, 50, 110, 160, 200])  # background, CSF, grey matter, white matter, bright
    t2 = other_contrast(t1, 1.0)
    assert t2[0] == 0.0  # background stays dark
    assert t2[1] > t2[2] > t2[3] > t2[4]  # fluid brightest, white matter darker than grey
    assert t2.max() <= 200 + 1e-9 and np.allclose(other_contrast(t1, 0.0), t1)
    ramp = other_contrast(np.linspace(0, 1, 101), 1.0)
    assert np.any(np.diff(ramp) > 0) and np.any(np.diff(ramp) < 0)  # not monotonic: no rescaling undoes it


def test_noise_is_seeded_and_scaled_to_the_range():
    fixed = np.tile(np.linspace(0, 100, 64), (64, 1))
    a = make_problem(fixed, (1.0, 1.0), Motion(), noise=0.05, seed=3)
    b = make_problem(fixed, (1.0, 1.0), Motion(), noise=0.05, seed=3)
    assert np.array_equal(a.moving, b.moving)
    assert np.std(a.moving - fixed) == pytest.approx(0.05 * 98, rel=0.05)  # 1st-99th percentile span is 98


def test_tre_rotation_error_and_grid():
    assert tre(np.array([[0.0, 3.0], [0.0, 0.0]]), np.array([[4.0, 0.0], [0.0, 0.0]])) == {"mean": 2.5, "max": 5.0}
    assert rotation_error_deg(1.1 * rotation_matrix((7.0,), 2), rotation_matrix((4.0,), 2)) == pytest.approx(3.0)
    assert rotation_error_deg(rotation_matrix((1.0, 2.0, 3.0), 3), rotation_matrix((1.0, 2.0, 3.0), 3)) < 1e-6
    points = grid_points((101, 51), (1.0, 2.0), per_axis=5, margin=0.1)
    assert points.shape == (25, 2)
    assert points[:, 0].min() == pytest.approx(10.0) and points[:, 1].max() == pytest.approx(90.0)


def test_working_slice_keeps_the_field_of_view_and_grey_uses_luminance():
    image, spacing = working_slice(np.ones((400, 200)), (0.5, 0.5), max_side=100)
    assert image.shape == (100, 50) and spacing == (2.0, 2.0)
    same, same_spacing = working_slice(np.ones((30, 20)), (1.0, 3.0))
    assert same.shape == (30, 20) and same_spacing == (1.0, 3.0)



def test_a_colour_image_becomes_the_course_s_one_grey_image():
    """scikit-image's rgb2gray (core.basics.to_grey), in the photo's own 0-255 units, as every lesson does."""
    from skimage.color import rgb2gray

    from core import samples
    from core.basics import to_grey

    retina = samples.load("Photo: retina fundus (scikit-image)")
    image, _, resized = working_image(retina, None, max_side=2000)
    assert not resized and image.shape == retina.data.shape[:2]
    assert np.array_equal(image, to_grey(retina.data))
    assert image == pytest.approx(rgb2gray(retina.data) * 255, abs=1e-9)
    red = samples.load("Photo: retina fundus (scikit-image)")
    red.data = np.zeros((16, 16, 3), np.uint8)
    red.data[..., 0] = 255
    assert working_image(red, None, 16)[0][0, 0] == pytest.approx(0.2125 * 255)


def test_compare_reads_the_shift_at_the_centre_whatever_the_transform_centre():
    from core.data.warps import compare

    problem = make_problem(np.zeros((21, 21)), (1.0, 1.0), Motion((2.0, -3.0), (10.0,), 1.1))
    matrix = problem.matrix
    # the same mapping written about another centre: T(x) = M (x - o) + o + t', with t' chosen so T(c) = c + shift
    other = np.array([0.0, 0.0])
    translation = problem.centre + np.array([2.0, -3.0]) - matrix @ (problem.centre - other) - other
    rows = {row["parameter"]: row for row in compare(problem, {"matrix": matrix.tolist(), "centre_mm": other,
                                                               "translation_mm": translation})}
    assert rows["shift along rows (down) (mm)"]["recovered"] == pytest.approx(2.0)
    assert rows["shift along columns (right) (mm)"]["recovered"] == pytest.approx(-3.0)
    assert rows["rotation (degrees, clockwise)"]["recovered"] == pytest.approx(10.0)
    assert rows["scale"]["recovered"] == pytest.approx(1.1) and rows["scale"]["error"] == pytest.approx(0.0)


def test_anatomy_points_leave_the_background_out():
    from core.data.warps import anatomy_points

    image = np.zeros((100, 100))
    image[:, 50:] = 10.0  # the right half is anatomy
    points = anatomy_points(image, (1.0, 1.0), per_axis=10)
    assert len(points) == 50 and points[:, 1].min() >= 50
    assert len(anatomy_points(np.zeros((20, 20)), (1.0, 1.0), per_axis=4)) == 16  # nothing inside: the whole grid


def test_working_image_of_every_kind_of_volume():
    from core import samples
    from core.data.warps import working_image

    for name, shape in (("Photo: retina fundus (scikit-image)", (256, 256)),
                        ("fMRI 4D: time series (nibabel example4d.nii.gz)", (96, 128)),
                        ("CT: chest slice (pydicom CT_small)", (128, 128))):
        image, spacing, resized = working_image(samples.load(name), None, 256)
        assert image.shape == shape and image.ndim == 2 and np.isfinite(image).all(), name
        assert resized == (name.startswith("Photo"))
