"""Speed of registration: core.registration.register against the same SimpleITK calls written plainly.

Three cases, each timed `--runs` times (median and worst, seconds):

1. 2D rigid, Mattes mutual information, 256 × 256: the Shepp-Logan phantom
   moved by a known shift and rotation (target: under 1 s).
2. 2D deformable B-spline (similarity, affine, then an 8 × 8 B-spline grid),
   256 × 256: an MNI slice, padded square, with a known motion and a 6 mm
   smooth bend (target: under 3 s).
3. 3D rigid, Mattes MI, the subject MRI (nibabel anatomical.nii) to the MNI
   template shrunk to 2 mm, as the page does it (target: under 15 s).

"plain" is the same optimiser, metric, sampling, pyramid and transforms
called directly, without the progress callback and the wrapper's result
(registered image, parameters): the difference is the wrapper's overhead.
The TRE column checks that the fast answer is also right (cases 1 and 2).

Usage: .venv/bin/python benchmarks/bench_registration.py [--runs 5]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/, for `common`
from common import Row, median, run_alone, timed  # noqa: E402


def plain_stage(sitk, metric, shrink, iterations=100, sampling=0.25, optimizer="rsgd"):
    """One ImageRegistrationMethod run, written out: the calls core.registration makes."""
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=16) if metric == "mi" else \
        method.SetMetricAsMeanSquares()
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentage(sampling, 1)
    method.SetInterpolator(sitk.sitkLinear)
    if optimizer == "rsgd":
        method.SetOptimizerAsRegularStepGradientDescent(2.0, 1e-3, iterations, 0.6, 1e-8)
    else:
        method.SetOptimizerAsGradientDescentLineSearch(5.0, iterations, 1e-4, 5)
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetShrinkFactorsPerLevel(shrink)
    method.SetSmoothingSigmasPerLevel([f / 2 if f > 1 else 0 for f in shrink])
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOff()
    return method


def paired(core, plain, runs: int) -> tuple[list[float], list[float]]:
    """Seconds of `runs` calls of each, alternating, so both see the same load on a shared machine."""
    core_times, plain_times = [], []
    for _ in range(runs):
        core_times += timed(core, 1)[0]
        plain_times += timed(plain, 1)[0]
    return core_times, plain_times


def rows(runs: int = 5) -> list[Row]:
    import SimpleITK as sitk

    from core import samples
    from core.atlas import block_mean, physical_origin, shrunk_origin
    from core.registration import bspline_meshes, pyramid, register, to_sitk
    from core.data.warps import Motion, anatomy_points, grid_points, make_problem, tre, working_slice

    cases = []
    geometry = sitk.CenteredTransformInitializerFilter.GEOMETRY

    # 1. 2D rigid MI, 256 x 256 phantom
    phantom, spacing = working_slice(samples.load("Phantom: Shepp-Logan head (scikit-image)").data, (1.0, 1.0), 256)
    problem = make_problem(phantom, spacing, Motion((6.0, -9.0), (8.0,)), noise=0.02)
    core = lambda: register(problem.fixed, problem.moving, "rigid", "mattes_mi", spacing=spacing)  # noqa: E731
    _, result = timed(core, 1)  # warm-up; the answer is checked below
    points = grid_points(phantom.shape, spacing)
    error = tre(result.map_points(points), problem.true_points(points))["mean"] / spacing[0]
    fixed_image, moving_image = to_sitk(problem.fixed, spacing), to_sitk(problem.moving, spacing)

    def plain_rigid():
        method = plain_stage(sitk, "mi", pyramid(phantom.shape, 3))
        method.SetInitialTransform(sitk.Euler2DTransform(sitk.CenteredTransformInitializer(
            fixed_image, moving_image, sitk.Euler2DTransform(), geometry)), inPlace=False)
        return method.Execute(fixed_image, moving_image)

    core_times, plain_times = paired(core, plain_rigid, runs)
    cases.append(("2D rigid, Mattes MI", f"phantom {phantom.shape[0]} × {phantom.shape[1]}", core_times, plain_times,
                 1.0, f"{error:.3f} px"))

    # 2. 2D B-spline, 256 x 256 MNI slice (padded square)
    mni = samples.load(samples.SAMPLES[2].name)
    slice_, spacing = working_slice(mni.data[90], mni.pixel_spacing, 256)
    pad = [256 - n for n in slice_.shape]
    square = np.pad(slice_, [(p // 2, p - p // 2) for p in pad])
    problem = make_problem(square, spacing, Motion((2.0, -3.0), (3.0,), warp_mm=6.0), noise=0.01)
    core = lambda: register(problem.fixed, problem.moving, "deformable", "mattes_mi",  # noqa: E731
                            spacing=spacing)
    _, result = timed(core, 1)  # warm-up; the answer is checked below
    points = anatomy_points(problem.fixed, spacing)
    error = tre(result.map_points(points), problem.true_points(points))["mean"] / spacing[0]
    fixed_image, moving_image = to_sitk(problem.fixed, spacing), to_sitk(problem.moving, spacing)
    shrink = pyramid(square.shape, 3)

    def plain_bspline():
        similarity = sitk.Similarity2DTransform(sitk.CenteredTransformInitializer(
            fixed_image, moving_image, sitk.Similarity2DTransform(), geometry))
        method = plain_stage(sitk, "mi", shrink)
        method.SetInitialTransform(similarity, inPlace=True)
        method.Execute(fixed_image, moving_image)
        affine = sitk.AffineTransform(2)
        affine.SetMatrix(similarity.GetMatrix())
        affine.SetCenter(similarity.GetCenter())
        affine.SetTranslation(similarity.GetTranslation())
        method = plain_stage(sitk, "mi", shrink)
        method.SetInitialTransform(affine, inPlace=True)
        method.Execute(fixed_image, moving_image)
        coarsest, factors = bspline_meshes(8, 3)
        bspline = sitk.BSplineTransformInitializer(fixed_image, [coarsest, coarsest], order=3)
        method = plain_stage(sitk, "mi", shrink, optimizer="line search")
        method.SetMovingInitialTransform(affine)
        method.SetInitialTransformAsBSpline(bspline, inPlace=True, scaleFactors=factors)
        method.Execute(fixed_image, moving_image)
        return sitk.CompositeTransform([affine, bspline])

    core_times, plain_times = paired(core, plain_bspline, runs)
    cases.append(("2D B-spline (similarity, affine, 8 × 8 grid), Mattes MI",
                 f"MNI slice {square.shape[0]} × {square.shape[1]}, 6 mm bend", core_times, plain_times, 3.0,
                 f"{error:.3f} px"))

    # 3. 3D subject to MNI, rigid, 2 mm
    subject = samples.load("MRI 3D: subject head (nibabel anatomical.nii)")
    template = block_mean(mni.data, 2)
    origin = shrunk_origin(physical_origin(mni.affine), mni.spacing, 2)
    moving = subject.data.astype(np.float64)
    kwargs = dict(spacing=(2.0,) * 3, moving_spacing=subject.spacing, fixed_origin=origin,
                  moving_origin=physical_origin(subject.affine), initial="identity", sampling=0.1)
    core = lambda: register(template, moving, "rigid", "mattes_mi", **kwargs)  # noqa: E731
    _, result = timed(core, 1)  # warm-up; the answer is checked below
    fixed_image = to_sitk(template, (2.0,) * 3, origin)
    moving_image = to_sitk(moving, subject.spacing, physical_origin(subject.affine))

    def plain_3d():
        euler = sitk.Euler3DTransform()
        size = np.array(fixed_image.GetSize())
        euler.SetCenter(fixed_image.TransformContinuousIndexToPhysicalPoint(tuple((size - 1) / 2.0)))
        method = plain_stage(sitk, "mi", pyramid(template.shape, 3), sampling=0.1)
        method.SetInitialTransform(euler, inPlace=True)
        method.Execute(fixed_image, moving_image)
        return euler

    core_times, plain_times = paired(core, plain_3d, runs)
    angles = ", ".join(f"{a:.1f}" for a in result.parameters["angles_deg"])
    cases.append(("3D rigid subject to MNI, Mattes MI (10 % sampled)",
                 f"template {' × '.join(map(str, template.shape))} at 2 mm", core_times, plain_times, 15.0,
                 f"angles ({angles})°"))

    out = []
    for name, image, core_t, plain_t, target, check in cases:
        ours, plain = median(core_t), median(plain_t)
        out.append(Row(f"registration: {name}, {image}", ours, unit="s", reference=plain,
                       reference_name="the same SimpleITK calls, plain", goal=f"≤ 1.1× reference and < {target:g} s",
                       ok=ours <= 1.1 * plain and ours < target, note=f"worst {max(core_t):.2f} s; {check}"))
    return out


if __name__ == "__main__":
    run_alone(rows, __doc__, runs=5)
