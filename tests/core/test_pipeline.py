"""The pipeline builder: steps in order, intermediates, whole volumes, downloads and the generated code."""

from __future__ import annotations

import contextlib
import gzip
import io

import imageio.v3 as iio
import nibabel as nib
import numpy as np
import pytest

from core import pipeline as pl
from core import preprocess as pp
from core import samples
from core.data.noise import add_noise
from core.snippets.preprocess import Source

PHANTOM, HEAD = samples.SAMPLES[10].name, samples.SAMPLES[6].name
EVERY_KIND = [pl.Step("noise", "gaussian", 20, 3), pl.Step("gaussian", value=1.5), pl.Step("median", value=3),
              pl.Step("mask", "circle", 45), pl.Step("threshold", "otsu"), pl.Step("edges", "canny", 1.0)]
PIPELINES = {
    "every kind": EVERY_KIND,
    "lecture": [pl.Step("noise", "rician", 15, 1), pl.Step("gaussian", value=2), pl.Step("threshold", "manual", 127)],
    "edges": [pl.Step("noise", "salt and pepper", 5), pl.Step("median", value=5), pl.Step("edges", "sobel")],
    "brain": [pl.Step("noise", "poisson", 10, 2), pl.Step("mask", "brain (computed)"), pl.Step("threshold", "li"),
              pl.Step("edges", "roberts")],
    "empty": [],
}


def run_code(code: str) -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<pipeline>", "exec"), {"__name__": "__main__"})
    return out.getvalue().splitlines()


def test_each_step_works_on_the_previous_output_and_keeps_the_shape():
    image = np.arange(100.0).reshape(10, 10)
    steps = [pl.Step("gaussian", value=1.0), pl.Step("threshold", "manual", 127)]
    images = pl.run(image, steps, (0.0, 99.0))
    assert len(images) == 3 and all(i.shape == image.shape for i in images)
    assert np.array_equal(images[1], pp.gaussian(image, 1.0))
    assert np.array_equal(images[2], images[1] > 99 * 127 / 255)
    assert images[2].dtype == bool


def test_noise_step_uses_seed_plus_slice_index_and_percent_of_the_range():
    image = np.zeros((8, 8))
    noisy = pl.apply_step(image, pl.Step("noise", "gaussian", 10, seed=5), (0.0, 200.0), slice_index=3)
    assert np.array_equal(noisy, add_noise(image, "gaussian", 20.0, 8))


def test_circle_mask_step_keeps_a_centred_disc_and_fills_with_the_minimum():
    image = np.full((21, 21), 7.0)
    image[0, 0] = 1.0
    out = pl.apply_step(image, pl.Step("mask", "circle", 50), (1.0, 7.0))
    assert out[10, 10] == 7.0 and out[10, 0] == 7.0 and out[2, 2] == 1.0


@pytest.mark.parametrize("option", pl.STEP_OPTIONS["mask"])
def test_masked_pixels_take_the_clean_image_s_minimum_not_the_noisy_one(option):
    """As in the masking section: the removed pixels are air (the clean minimum), not a noise value below it."""
    clean = samples.load(HEAD).data[12].astype(np.float64)
    steps = [pl.Step("noise", "gaussian", 20, 3), pl.Step("mask", option, 45)]
    noisy, masked = pl.run(clean, steps, pp.threshold_scale(clean))[1:]
    assert noisy.min() < clean.min()  # the noise goes below air: that is no physical value
    removed = masked != noisy
    assert removed.any() and np.all(masked[removed] == clean.min())
    volume = np.stack([clean, clean + 100.0])
    whole = pl.run_volume(volume, steps, pp.threshold_scale(volume))
    for k in range(2):  # each slice as its 2D preview shows it: its own clean minimum
        assert np.array_equal(whole[k], pl.run(volume[k], steps, pp.threshold_scale(volume), slice_index=k)[-1])
    code = pl.pipeline_code(steps, Source(sample=HEAD, index=(12,)), pp.threshold_scale(clean))
    assert run_code(code)[-1] == f"step 2: {steps[1].label()}: {pl.summary(masked)}"
    head = samples.load(HEAD).data
    whole = pl.run_volume(head, steps, pp.threshold_scale(head))
    code = pl.pipeline_code(steps, Source(sample=HEAD, index=(12,)), pp.threshold_scale(head), volume=True)
    assert run_code(code)[-1] == f"step 2: {steps[1].label()}: {pl.summary(whole)}"


def test_whole_volume_runs_slice_by_slice_with_one_threshold_and_reports_progress():
    rng = np.random.default_rng(0)
    volume = rng.normal(0, 1, (4, 16, 16)) + np.arange(4)[:, None, None] * 10  # slices at 0, 10, 20, 30
    steps = [pl.Step("noise", "gaussian", 1, seed=2), pl.Step("gaussian", value=1.0), pl.Step("threshold", "otsu")]
    calls = []
    result = pl.run_volume(volume, steps, (0.0, 30.0), lambda done, total: calls.append((done, total)))
    assert calls[-1] == (12, 12) and len(calls) == 12
    assert result.dtype == bool and result.shape == volume.shape
    assert not result[0].any() and not result[1].any() and result[3].all()  # one threshold, not one per slice
    first_two = pl.run_volume(volume, steps[:2], (0.0, 30.0))
    for k in range(4):  # the same as the 2D preview of slice k
        assert np.allclose(first_two[k], pl.run(volume[k], steps[:2], (0.0, 30.0), slice_index=k)[-1])


@pytest.mark.parametrize("name", list(PIPELINES))
def test_generated_code_prints_the_page_s_numbers_for_every_step(name):
    steps = PIPELINES[name]
    clean = samples.load(PHANTOM).data
    images = pl.run(clean, steps, (0.0, 255.0))
    lines = run_code(pl.pipeline_code(steps, Source(sample=PHANTOM), (0.0, 255.0)))
    assert lines[0] == "input: " + pl.summary(images[0])
    assert len(lines) == len(steps) + 1
    for n, (step, line, image) in enumerate(zip(steps, lines[1:], images[1:]), 1):
        assert line == f"step {n}: {step.label()}: {pl.summary(image)}"


def test_generated_code_on_the_synthetic_shapes_saves_the_png(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    steps = PIPELINES["lecture"]
    image, _ = pp.synthetic_shapes(64)
    result = pl.run(image, steps, (0.0, 255.0))[-1]
    lines = run_code(pl.pipeline_code(steps, Source(synthetic_size=64), (0.0, 255.0), output="result.png"))
    assert lines[-1] == "saved result.png"
    assert np.array_equal(iio.imread(tmp_path / "result.png"), iio.imread(pl.result_bytes(result)))


def test_generated_code_on_a_monochrome1_radiograph_saves_the_inverted_png_the_page_offers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rg3 = next(s.name for s in samples.SAMPLES if s.file == "RG3_UNCR.dcm")  # MONOCHROME1 in its file
    image, _ = pp.grey_slice(samples.load(rg3).data, rgb=False, step=4)
    steps = [pl.Step("gaussian", value=1.0)]
    result = pl.run(image, steps, pp.threshold_scale(image))[-1]
    code = pl.pipeline_code(steps, Source(sample=rg3, step=4), pp.threshold_scale(image), output="result.png",
                            invert=True)
    assert run_code(code)[-1] == "saved result.png"
    saved = iio.imread(tmp_path / "result.png")
    assert np.array_equal(saved, iio.imread(pl.result_bytes(result, invert=True)))
    assert np.array_equal(saved, 255 - iio.imread(pl.result_bytes(result)))


def test_generated_volume_code_matches_run_volume_and_saves_the_nifti(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    volume = samples.load(HEAD)
    scale = pp.threshold_scale(volume.data)
    steps = [pl.Step("noise", "gaussian", 5, 1), pl.Step("median", value=3), pl.Step("threshold", "otsu")]
    result = pl.run_volume(volume.data, steps, scale)
    code = pl.pipeline_code(steps, Source(sample=HEAD, index=(12,)), scale, volume=True, output="result.nii.gz")
    lines = run_code(code)
    assert lines[-2] == f"step 3: threshold: otsu: {pl.summary(result)}"
    saved = nib.load(tmp_path / "result.nii.gz")
    assert np.array_equal(np.asarray(saved.dataobj), result.astype(np.uint8))
    assert np.allclose(saved.affine, volume.affine)  # the orientation the page shows, read with nibabel


def test_result_bytes_png_for_2d_and_nifti_for_3d():
    mask = np.zeros((4, 5), bool)
    mask[1, 2] = True
    png = iio.imread(pl.result_bytes(mask))
    assert png.dtype == np.uint8 and png.shape == (4, 5) and png[1, 2] == 255 and png.sum() == 255
    ramp = iio.imread(pl.result_bytes(np.array([[-10.0, 0.0, 10.0]])))
    assert ramp.tolist() == [[0, 128, 255]]
    inverted = iio.imread(pl.result_bytes(np.array([[-10.0, 0.0, 10.0]]), invert=True))
    assert inverted.tolist() == [[255, 127, 0]]  # a MONOCHROME1 picture: the lowest value white, as shown
    affine = np.diag([2.0, 1.0, 1.0, 1.0])
    data = np.arange(24.0).reshape(2, 3, 4)
    image = nib.Nifti1Image.from_bytes(gzip.decompress(pl.result_bytes(data, affine)))
    assert np.array_equal(image.get_fdata(), data) and np.allclose(image.affine, affine)
    assert np.asarray(nib.Nifti1Image.from_bytes(gzip.decompress(pl.result_bytes(data > 5))).dataobj).dtype == np.uint8


def test_labels_and_summaries():
    assert pl.Step("median", value=5).label() == "median (5 × 5)"
    assert pl.Step("threshold", "manual", 127).label() == "threshold: manual (127/255)"
    assert pl.Step("mask", "circle", 40).label() == "mask: circle (40 %)"
    assert pl.summary(np.array([1.0, 2.0, 3.0, 6.0])) == "mean 3, std 1.87083"
    with pytest.raises(ValueError):
        pl.apply_step(np.zeros((2, 2)), pl.Step("rotate"), (0.0, 1.0))
