"""Registration recovers known motions: the numbers of the issue, on the Shepp-Logan phantom and an MNI slice.

Every problem is made by `core.data.warps` (numpy and scipy), so the truth does not
come from SimpleITK. Images are 128 x 128 so the whole file runs in seconds.
"""

import numpy as np
import pytest

from core import samples
from core.atlas import block_mean, physical_origin, resample_like, shrunk_origin, transfer_labels
from core.registration import (aligned_landscapes, bspline_meshes, check_pair, jacobian_determinant, landscape, ncc,
                               pyramid, register, sweep_offsets)
from core.data.warps import Motion, grid_points, make_problem, rotation_error_deg, tre, working_slice


@pytest.fixture(scope="module")
def mni():
    return samples.load(samples.SAMPLES[2].name)


@pytest.fixture(scope="module")
def images(mni):
    phantom = samples.load("Phantom: Shepp-Logan head (scikit-image)").data
    return {"phantom": working_slice(phantom, (1.0, 1.0), 128),
            "MNI slice": working_slice(mni.data[90], mni.pixel_spacing, 128)}


def _errors(problem, result):
    """Translation error (px), rotation error (degrees), mean TRE (px) and NCC after registration."""
    pixel = min(problem.spacing)
    shift = np.linalg.norm(np.subtract(result.parameters["translation_mm"], problem.motion.shift_mm)) / pixel
    angle = rotation_error_deg(np.array(result.parameters["matrix"]), problem.matrix)
    points = grid_points(problem.fixed.shape, problem.spacing)
    error = tre(result.map_points(points), problem.true_points(points))["mean"] / pixel
    return shift, angle, error, ncc(result.registered, problem.fixed)


CASES = [("translation", Motion((6.0, -9.0), (0.0,))),
         ("rigid", Motion((6.0, -9.0), (8.0,))),
         ("rigid", Motion((-4.0, 5.0), (-12.0,))),
         ("affine", Motion((5.0, 4.0), (6.0,), scale=1.06))]


@pytest.mark.parametrize("name", ["phantom", "MNI slice"])
@pytest.mark.parametrize("transform, motion", CASES)
def test_known_motions_are_recovered_to_half_a_pixel_and_half_a_degree(images, name, transform, motion):
    image, spacing = images[name]
    problem = make_problem(image, spacing, motion, noise=0.01, seed=0)
    shift, angle, error, similarity = _errors(problem, register(problem.fixed, problem.moving, transform,
                                                                "mattes_mi", spacing=spacing))
    assert shift < 0.5 and angle < 0.5 and error < 1.0
    assert similarity >= 0.97
    if transform == "affine":
        result = register(problem.fixed, problem.moving, "affine", "mattes_mi", spacing=spacing)
        assert result.parameters["scale"] == pytest.approx(1.06, abs=0.01)


def test_3d_rigid_with_anisotropic_spacing_is_recovered(mni):
    # MNI at 4 mm, then every other slice: 8 mm between slices, 4 mm in plane
    volume = block_mean(mni.data, 4)[::2]
    spacing = (8.0, 4.0, 4.0)
    problem = make_problem(volume, spacing, Motion((4.0, -6.0, 5.0), (3.0, -2.0, 6.0)), noise=0.01)
    result = register(problem.fixed, problem.moving, "rigid", "mattes_mi", spacing=spacing, sampling=0.5)
    shift, angle, error, similarity = _errors(problem, result)
    assert shift < 0.5 and angle < 0.5 and error < 1.0 and similarity >= 0.97
    assert result.registered.shape == volume.shape
    assert np.allclose(result.parameters["angles_deg"], (3.0, -2.0, 6.0), atol=0.5)


def test_mutual_information_succeeds_across_a_contrast_change_where_ssd_fails(images):
    """Margin: MI's mean TRE below 1 pixel, SSD's above 10 pixels (it drifts to the edge of the image)."""
    image, spacing = images["MNI slice"]
    problem = make_problem(image, spacing, Motion((6.0, -9.0), (8.0,)), noise=0.01, contrast=1.0)
    mi = _errors(problem, register(problem.fixed, problem.moving, "rigid", "mattes_mi", spacing=spacing))[2]
    ssd = _errors(problem, register(problem.fixed, problem.moving, "rigid", "ssd", spacing=spacing))[2]
    assert mi < 1.0
    assert ssd > 10.0


def test_the_loss_landscape_shows_why(images):
    image, spacing = images["MNI slice"]
    motion = Motion((6.0, -9.0), (8.0,))
    sweep = np.arange(-20.0, 21.0, 2.0)
    candidates = [{"translation_mm": (6.0, -9.0 + d), "angle_deg": 8.0} for d in sweep]
    same = make_problem(image, spacing, motion)
    other = make_problem(image, spacing, motion, contrast=1.0)
    assert sweep[np.argmin(landscape(same.fixed, same.moving, "ssd", candidates, spacing=spacing))] == 0
    assert sweep[np.argmin(landscape(other.fixed, other.moving, "mattes_mi", candidates, spacing=spacing))] == 0
    assert abs(sweep[np.argmin(landscape(other.fixed, other.moving, "ssd", candidates, spacing=spacing))]) >= 10
    truth, identity = {"translation_mm": (6.0, -9.0), "angle_deg": 8.0}, {}
    at_truth, at_identity = landscape(same.fixed, same.moving, "ssd", [truth, identity], spacing=spacing)
    assert at_truth < 0.2 * at_identity


@pytest.mark.parametrize("fov, step", [(20.0, 0.25), (197.0, 2.5), (233.0, 2.5), (400.0, 5.0), (1411.0, 20.0)])
def test_shift_sweeps_cover_about_15_percent_of_the_field_of_view_in_round_steps(fov, step):
    offsets = sweep_offsets("shift", fov)
    assert len(offsets) == 21 and offsets[10] == 0.0
    assert np.allclose(np.diff(offsets), step)
    assert 0.075 * fov < offsets[-1] <= 0.15 * fov


def test_angle_sweeps_span_30_degrees_each_way():
    assert sweep_offsets("angle", 50.0) == [float(a) for a in range(-30, 31, 3)]


@pytest.mark.parametrize("sweep", ["shift", "angle"])
def test_aligned_landscapes_put_mi_at_alignment_and_ssd_off_it_across_contrasts(images, sweep):
    image, spacing = images["MNI slice"]
    offsets = sweep_offsets(sweep, image.shape[1] * spacing[1])
    curves = aligned_landscapes(image, spacing, sweep, offsets)
    lowest = {key: offsets[int(np.argmin(values))] for key, values in curves.items()}
    assert lowest[("same contrast", "ssd")] == lowest[("same contrast", "mattes_mi")] == 0.0
    assert lowest[("other contrast", "mattes_mi")] == 0.0
    assert lowest[("other contrast", "ssd")] != 0.0
    assert curves[("same contrast", "ssd")][10] == pytest.approx(0.0, abs=1e-9)  # an image against itself


def test_a_tiny_field_of_view_keeps_every_candidate_overlapping():
    image, spacing = np.random.default_rng(0).random((64, 64)), (0.3125, 0.3125)  # pydicom's MR_small: 20 mm
    curves = aligned_landscapes(image, spacing, "shift", sweep_offsets("shift", 20.0))
    assert all(np.isfinite(values).all() for values in curves.values())


def test_a_binary_image_has_no_landscape_across_contrasts():
    binary = np.zeros((64, 64))
    binary[16:48, 20:40] = 1.0
    with pytest.raises(ValueError, match="moving image is constant"):
        aligned_landscapes(binary, (1.0, 1.0), "shift", sweep_offsets("shift", 64.0))


class Stopped(BaseException):
    """What a Stop button (or Streamlit's rerun) raises inside the progress callback."""


@pytest.mark.parametrize("transform, metric, options", [
    ("rigid", "mattes_mi", {}), ("affine", "mattes_mi", {}),
    ("deformable", "mattes_mi", {"deformable": "bspline"}), ("deformable", "ssd", {"deformable": "demons"})])
def test_what_the_progress_callback_raises_stops_the_registration_and_comes_out_unchanged(images, transform, metric,
                                                                                          options):
    image, spacing = images["MNI slice"]
    problem = make_problem(image, spacing, Motion((2.0, -3.0), (3.0,), warp_mm=2.0))
    calls = []

    def progress(update):
        calls.append(len(update.metric_history))
        if len(calls) == 3:
            raise Stopped  # SimpleITK alone would turn it into "RuntimeError: error executing the Python Callable"

    with pytest.raises(Stopped):
        register(problem.fixed, problem.moving, transform, metric, spacing=spacing, iterations=200, progress=progress,
                 **options)
    assert calls == [1, 2, 3]  # stopped at once: no later iteration reported, no later stage started


@pytest.mark.parametrize("method", ["bspline", "demons"])
def test_deformable_registration_reduces_a_smooth_warp(images, method):
    image, spacing = images["MNI slice"]
    problem = make_problem(image, spacing, Motion((2.0, -3.0), (3.0,), warp_mm=6.0), noise=0.01)
    points = grid_points(image.shape, spacing, per_axis=20)
    index = np.round(points / spacing).astype(int)
    points = points[image[index[:, 0], index[:, 1]] > np.percentile(image, 60)]  # inside the brain
    truth = problem.true_points(points)
    metric = "ssd" if method == "demons" else "mattes_mi"
    affine = register(problem.fixed, problem.moving, "affine", metric, spacing=spacing)
    deformable = register(problem.fixed, problem.moving, "deformable", metric, spacing=spacing, deformable=method)
    before = tre(affine.map_points(points), truth)["mean"]
    after = tre(deformable.map_points(points), truth)["mean"]
    assert before > 2.0 * spacing[0]  # an affine cannot follow the bend
    assert after < 0.25 * before
    assert ncc(deformable.registered, problem.fixed) > ncc(affine.registered, problem.fixed)
    field = deformable.displacement()
    assert field.shape == image.shape + (2,)
    assert (jacobian_determinant(field, spacing) <= 0).mean() < 0.01


def test_metric_history_has_one_value_per_iteration_and_marks_the_levels():
    fixed = np.zeros((64, 64))
    fixed[16:48, 20:40] = 1.0
    moving = np.roll(fixed, 12, axis=1)
    seen = []
    result = register(fixed, moving, "rigid", "ssd", levels=3, iterations=4, progress=lambda p: seen.append(
        (len(p.metric_history), p.fraction)))
    assert len(result.metric_history) == 12  # 3 levels x 4 iterations, none can converge that fast
    assert [start for start, _ in result.levels] == [0, 4, 8]
    assert [n for n, _ in seen] == list(range(1, 13))
    assert seen[-1][1] == pytest.approx(1.0)
    assert "Maximum number of iterations" in result.stop_reason
    assert all(np.isfinite(result.metric_history))


def test_jacobian_of_a_rigid_motion_is_one_and_of_a_stretch_its_factor():
    rows, cols = np.indices((20, 20), dtype=float)
    angle = np.radians(10)
    rotated = np.stack([np.cos(angle) * rows - np.sin(angle) * cols - rows,
                        np.sin(angle) * rows + np.cos(angle) * cols - cols], axis=-1)
    assert np.allclose(jacobian_determinant(rotated, (1.0, 1.0)), 1.0)
    stretch = np.stack([0.5 * rows, 0 * cols], axis=-1)
    assert np.allclose(jacobian_determinant(stretch, (2.0, 1.0)), 1.25)  # 0.5 mm more per 2 mm row


def test_bad_input_raises_clear_value_errors():
    good = np.random.default_rng(0).random((32, 32))
    for bad, words in ((np.ones((32, 32)), "constant"), (np.full((32, 32), np.nan), "NaN"),
                       (np.ones((1, 1)), "too small"), (np.ones((2, 16, 16, 16)), "2D or 3D")):
        with pytest.raises(ValueError, match=words):
            check_pair(good, bad)
    with pytest.raises(ValueError, match="transform"):
        register(good, good, "spline")
    with pytest.raises(ValueError, match="metric"):
        register(good, good, "rigid", "mi")
    with pytest.raises(ValueError, match="demons"):
        register(good, good, "deformable", "mattes_mi", deformable="demons")


def test_pyramid_and_bspline_meshes():
    assert pyramid((256, 256), 3) == [4, 2, 1]
    assert pyramid((25, 41, 33), 3) == [3, 2, 1]  # never below 8 voxels
    assert bspline_meshes(8, 3) == (2, [1, 2, 4])


def test_atlas_helpers_match_simpleitk():
    sitk = pytest.importorskip("SimpleITK")
    data = np.random.default_rng(1).random((9, 7, 5)).astype(np.float32)
    image = sitk.GetImageFromArray(data)
    image.SetSpacing((2.0, 1.0, 3.0))
    image.SetOrigin((5.0, -4.0, 1.0))
    shrunk = sitk.BinShrink(image, [2, 2, 2])
    assert np.allclose(block_mean(data, 2), sitk.GetArrayFromImage(shrunk))
    assert np.allclose(shrunk_origin((1.0, -4.0, 5.0), (3.0, 1.0, 2.0), 2), shrunk.GetOrigin()[::-1])
    assert physical_origin(np.array([[0, 0, -1, 98], [0, -1, 0, 98], [1, 0, 0, -72], [0, 0, 0, 1.0]])) == \
        (-72.0, -98.0, -98.0)


def test_subject_to_mni_and_label_transfer(mni):
    """The subject's header already puts it near MNI space: registration corrects a few mm and degrees."""
    subject = samples.load("MRI 3D: subject head (nibabel anatomical.nii)")
    template = block_mean(mni.data, 4)
    origin = shrunk_origin(physical_origin(mni.affine), mni.spacing, 4)
    moving = subject.data.astype(float)
    kwargs = dict(spacing=(4.0,) * 3, moving_spacing=subject.spacing, fixed_origin=origin,
                  moving_origin=physical_origin(subject.affine))
    result = register(template, moving, "rigid", "mattes_mi", initial="identity", sampling=0.5, **kwargs)
    assert np.linalg.norm(result.parameters["translation_mm"]) < 5
    assert np.abs(result.parameters["angles_deg"]).max() < 5
    before = resample_like(moving, subject.spacing, physical_origin(subject.affine), template.shape, (4.0,) * 3,
                           origin)
    assert before.shape == template.shape
    assert result.metric_history[-1] < result.metric_history[0]
    maps = transfer_labels(result, {"grey": np.full(template.shape, 0.25), "white": template / template.max()},
                           (4.0,) * 3, origin, subject.data.shape, subject.spacing, physical_origin(subject.affine))
    assert maps["grey"].shape == subject.data.shape
    assert np.allclose(maps["grey"][5:-5, 5:-5, 5:-5], 0.25)  # a constant map stays constant inside the template
    # the transferred template intensities correlate with the subject's own (same anatomy, T1 both)
    assert ncc(maps["white"], moving) > 0.5
