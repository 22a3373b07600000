"""The Unsupervised learning page's "Show the code" snippets run as they are and print core's numbers.

Each snippet runs in a fresh Python process (a plain session: numpy, scipy,
SimpleITK, scikit-image, scikit-learn, and ``core.samples`` for the data
only); what it prints is compared with what core computes for the page.
Images are 96 to 128 pixels and iterations few, to keep this quick.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from snippet_runs import numbers_after, run_script

from core import display, overlays, samples
from core.atlas import block_mean, physical_origin, shrunk_origin, transfer_labels
from core.clustering import cluster_intensities, score
from core.registration import aligned_landscapes, ncc, register
from core.snippets.registration import (UPLOAD_FILE, Source, atlas_snippet, clustering_image_snippet,
                                        clustering_snippet, figure_snippet, landscape_snippet, problem_snippet,
                                        registration_snippet, sample_code)
from core.data.warps import Motion, anatomy_points, compare, make_problem, tre, working_image

ROOT = Path(__file__).resolve().parents[2]


def run(code: str, cwd: Path = ROOT) -> str:
    """Run a snippet as a script in a new interpreter and return what it printed."""
    return run_script(code, cwd, timeout=300)


def source_for(name: str, max_side: int = 128):
    volume = samples.load(name)
    image, spacing, resized = working_image(volume, None, max_side)
    source = Source(name, volume.n_slices // 2 if volume.is_3d else None, volume.rgb, volume.is_4d, image.shape,
                    resized, spacing)
    return image, spacing, source


PHANTOM = "Phantom: Shepp-Logan head (scikit-image)"
MNI = "MRI 3D: brain template (MNI152 2009)"


@pytest.mark.parametrize("name", samples.names())
def test_a_sample_is_read_with_its_own_library_into_the_values_the_course_shows(name):
    """pydicom, nibabel and nilearn, skimage.data: the real libraries give the very values of core.samples."""
    volume = samples.load(name)
    code = sample_code(name, volume.is_4d)
    reader = {"pydicom": "get_testdata_file(", "data_store": "get_testdata_file(", "nilearn": "from nilearn.datasets import", "skimage": "from skimage "
              "import data", "nibabel": "from nibabel.testing import data_path", "": "from core.samples import load"}
    assert reader[samples.info(name).package] in code
    namespace = {"np": np}
    exec(code, namespace)  # noqa: S102 - the course's own generated code
    assert np.array_equal(namespace["volume"], volume.data)


@pytest.mark.parametrize("name", [PHANTOM, "Photo: retina fundus (scikit-image)",
                                  "fMRI 4D: time series (nibabel example4d.nii.gz)"])
def test_problem_snippet_builds_the_same_moving_image(name):
    image, spacing, source = source_for(name)
    motion = Motion((5.0, -7.0), (6.0,), 1.05, warp_mm=3.0)
    problem = make_problem(image, spacing, motion, noise=0.02, contrast=0.5, seed=4)
    out = run(problem_snippet(source, motion, 0.02, 0.5, 4))
    assert numbers_after(out, "image")[:2] == list(image.shape)
    assert numbers_after(out, "NCC before registration")[0] == pytest.approx(ncc(problem.fixed, problem.moving),
                                                                              abs=1e-4)


def _core_numbers(image, spacing, motion, noise, contrast, seed, transform, metric, **options):
    problem = make_problem(image, spacing, motion, noise=noise, contrast=contrast, seed=seed)
    result = register(problem.fixed, problem.moving, transform, metric, spacing=spacing, **options)
    rows = {row["parameter"]: row["recovered"] for row in compare(problem, result.parameters)}
    points = anatomy_points(problem.fixed, spacing)
    error = tre(result.map_points(points), problem.true_points(points))
    return result, rows, error, ncc(result.registered, problem.fixed)


CASES = [
    (PHANTOM, "translation", "mattes_mi", Motion((4.0, -6.0), (0.0,)), 0.01, 0.0, {}),
    (MNI, "rigid", "mattes_mi", Motion((6.0, -9.0), (8.0,)), 0.01, 0.0, {}),
    (MNI, "rigid", "ssd", Motion((6.0, -9.0), (8.0,)), 0.0, 1.0, {}),
    (PHANTOM, "affine", "correlation", Motion((5.0, 4.0), (6.0,), 1.06), 0.01, 0.0, {}),
    (MNI, "deformable", "mattes_mi", Motion((2.0, -3.0), (3.0,), warp_mm=5.0), 0.01, 0.0, {"deformable": "bspline"}),
    (MNI, "deformable", "ssd", Motion((2.0, -3.0), (3.0,), warp_mm=5.0), 0.01, 0.0, {"deformable": "demons"}),
]


@pytest.mark.parametrize("name, transform, metric, motion, noise, contrast, options", CASES)
def test_registration_snippet_prints_the_pages_numbers(name, transform, metric, motion, noise, contrast, options):
    image, spacing, source = source_for(name, 96)
    settings = dict(levels=2, iterations=40, sampling=0.5)
    result, rows, error, similarity = _core_numbers(image, spacing, motion, noise, contrast, 3, transform, metric,
                                                    **settings, **options)
    code = registration_snippet(source, motion, noise, contrast, 3, transform, metric, **settings, **options)
    out = run(code)
    assert numbers_after(out, "iterations")[0] == len(result.metric_history)
    assert numbers_after(out, "iterations")[1] == pytest.approx(result.metric_history[-1], rel=1e-3, abs=1e-5)
    recovered = numbers_after(out, "recovered shift (mm)")
    shifts = [value for key, value in rows.items() if key.startswith("shift")]
    assert recovered[:2] == pytest.approx(shifts, abs=2e-3)
    assert recovered[2] == pytest.approx(rows["rotation (degrees, clockwise)"], abs=2e-3)
    assert recovered[3] == pytest.approx(rows["scale"], abs=2e-4)
    count, mean, worst = numbers_after(out, "TRE over")
    assert count == len(anatomy_points(image, spacing))
    assert mean == pytest.approx(error["mean"], abs=2e-3) and worst == pytest.approx(error["max"], abs=2e-3)
    assert numbers_after(out, "NCC after registration")[0] == pytest.approx(similarity, abs=2e-4)


def test_the_snippet_runs_on_an_uploaded_image_saved_by_the_page(tmp_path):
    image = np.zeros((64, 80))
    image[20:44, 25:60] = 100.0
    image[28:36, 30:40] = 180.0
    np.save(tmp_path / UPLOAD_FILE, image)
    source = Source(None, None, False, False, image.shape, False, (0.8, 0.8))
    motion = Motion((2.0, 3.0), (4.0,))
    result, rows, error, _ = _core_numbers(image, (0.8, 0.8), motion, 0.0, 0.0, 0, "rigid", "ssd")
    out = run(registration_snippet(source, motion, 0.0, 0.0, 0, "rigid", "ssd", 3, 100, 0.25), cwd=tmp_path)
    assert numbers_after(out, "recovered shift (mm)")[2] == pytest.approx(rows["rotation (degrees, clockwise)"],
                                                                          abs=2e-3)
    assert numbers_after(out, "TRE over")[1] == pytest.approx(error["mean"], abs=2e-3)


@pytest.mark.parametrize("sweep", ["shift", "angle"])
def test_landscape_snippet_finds_the_same_minima(sweep):
    image, spacing, source = source_for(MNI, 96)
    offsets = [float(v) for v in np.arange(-20, 21, 4)]
    out = run(landscape_snippet(source, sweep, offsets))
    curves = aligned_landscapes(image, spacing, sweep, offsets)
    for (label, metric), values in curves.items():
        short = {"ssd": "SSD", "mattes_mi": "MI"}[metric]
        assert numbers_after(out, f"{label} {short} lowest at")[0] == offsets[int(np.argmin(values))]
    assert numbers_after(out, "other contrast SSD lowest at")[0] != 0  # the snippet shows SSD's failure too


@pytest.mark.parametrize("transform", ["rigid", "affine"])
def test_atlas_snippet_matches_the_label_transfer(transform):
    mni, subject = samples.load(MNI), samples.load("MRI 3D: subject head (nibabel anatomical.nii)")
    gm, wm = (samples.load(samples.SAMPLES[i].name).data for i in (3, 4))
    factor = 4
    template = block_mean(mni.data, factor)
    origin = shrunk_origin(physical_origin(mni.affine), mni.spacing, factor)
    subject_origin = physical_origin(subject.affine)
    result = register(template, subject.data, transform, "mattes_mi", spacing=(float(factor),) * 3,
                      moving_spacing=subject.spacing, fixed_origin=origin, moving_origin=subject_origin,
                      initial="identity", levels=2, iterations=30, sampling=0.5)
    maps = transfer_labels(result, {"grey matter": block_mean(gm, factor) / 255.0,
                                    "white matter": block_mean(wm, factor) / 255.0},
                           (float(factor),) * 3, origin, subject.data.shape, subject.spacing, subject_origin)
    out = run(atlas_snippet(transform, factor, 2, 30, 0.5))
    assert numbers_after(out, "iterations") == pytest.approx(
        [len(result.metric_history), result.metric_history[-1]], rel=1e-3)
    assert numbers_after(out, "shift (mm, x y z)") == pytest.approx(result.parameters["translation_mm"][::-1],
                                                                    abs=0.01)
    if transform == "rigid":
        assert numbers_after(out, "angles about x, y, z (degrees)") == pytest.approx(
            result.parameters["angles_deg"], abs=0.01)
    voxel_ml = float(np.prod(subject.spacing)) / 1000
    for name, values in maps.items():
        assert numbers_after(out, f"{name} in the subject:")[0] == pytest.approx((values > 0.5).sum() * voxel_ml,
                                                                                 abs=0.05)


@pytest.mark.parametrize("k, method", [(3, "kmeans"), (4, "gmm")])
def test_clustering_snippet_prints_the_dice_of_the_page(k, method):
    t1, gm, wm = (samples.load(samples.SAMPLES[i].name).data[::2, ::2, ::2] for i in (2, 3, 4))
    result = score(cluster_intensities(t1, k, method=method).labels,
                   {"grey matter": gm / 255.0, "white matter": wm / 255.0})
    out = run(clustering_snippet(k, method))
    for name, value in result["dice"].items():
        assert numbers_after(out, f"{name} Dice")[0] == pytest.approx(value, abs=1e-4)


def test_figure_snippet_prints_the_differences_under_the_figure():
    image, spacing, source = source_for(PHANTOM, 96)
    motion = Motion((4.0, -6.0), (5.0,))
    settings = dict(levels=2, iterations=40, sampling=0.5)
    problem = make_problem(image, spacing, motion, noise=0.01, seed=2)
    result = register(problem.fixed, problem.moving, "rigid", "mattes_mi", spacing=spacing, **settings)
    grey8 = lambda a, reference: display.apply_window(a, *display.auto_window(reference))  # noqa: E731
    fixed8, moving8 = grey8(problem.fixed, problem.fixed), grey8(problem.moving, problem.moving)
    registered8 = grey8(result.registered, problem.moving)
    out = run(figure_snippet(source, motion, 0.01, 0.0, 2, "rigid", "mattes_mi", tiles=6, alpha=0.3, **settings))
    before, after = numbers_after(out, "mean absolute difference (grey levels): before")
    assert before == pytest.approx(np.abs(fixed8.astype(int) - moving8).mean(), abs=0.02)
    assert after == pytest.approx(np.abs(fixed8.astype(int) - registered8).mean(), abs=0.02)
    assert after < before
    assert overlays.checkerboard(fixed8, registered8, 6).shape == fixed8.shape



def test_clustering_image_snippet_prints_the_clusters_of_the_working_image():
    image, spacing, source = source_for("MR: head slice (pydicom MR_small)")
    clusters = cluster_intensities(image, 3, method="gmm")
    out = run(clustering_image_snippet(source, 3, "gmm"))
    for n in range(3):
        mean, pixels = numbers_after(out, f"cluster {n + 1} mean")
        assert mean == pytest.approx(clusters.means[n], abs=1e-3) and pixels == clusters.counts[n]
