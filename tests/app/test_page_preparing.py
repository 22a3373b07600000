"""AppTest of the Preparing page: every sample, uploads good and bad, and every control."""

from __future__ import annotations

import io
from pathlib import Path

import imageio.v3 as iio
import nibabel as nib
import numpy as np
import pytest

from core import pipeline as pl
from core import preprocess as pp
from core import samples
from core.noise import add_noise
from harness import choose_sample, page_test, problems, upload, widget

PAGE = "lessons/preparing.py"
PHANTOM, CT, HEAD = samples.SAMPLES[10].name, samples.SAMPLES[0].name, samples.SAMPLES[6].name
SECTIONS = ["The image to prepare", "Masking: remove unnecessary pixels", "Thresholding: objects against background",
            "Filtering: reduce the noise", "Edges: where the values change", "The lecture's pipeline, with numbers",
            "Build your own pipeline", "Check yourself"]


@pytest.fixture
def at():
    app = page_test(PAGE, timeout=300)
    app.run()
    assert not problems(app)
    return app


def metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def by_label(app, kind: str, label: str):
    return next(w for w in app.get(kind) if w.label == label)


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    iio.imwrite(buffer, image, extension=".png")
    return buffer.getvalue()


def nifti_bytes(data: np.ndarray) -> bytes:
    return nib.Nifti1Image(data, np.eye(4)).to_bytes()


def test_every_sample_shows_every_section_without_error(at):
    for name in samples.names():
        choose_sample(at, name)
        assert not problems(at), (name, problems(at))
        assert not at.error, (name, [e.value for e in at.error])
        headers = [h.value for h in at.header]
        assert headers == SECTIONS, (name, headers)
        found = metrics(at)
        assert "Pixels removed" in found and "Threshold" in found and "Dice, Gaussian first" in found, name
        truths = pp.sample_truths(samples.info(name).file, samples.load(name).data)
        if truths and not samples.load(name).is_4d:
            assert any(label.startswith("Dice vs") for label in found), name


def test_phantom_shows_the_lecture_s_gain_from_filtering_first(at):
    choose_sample(at, PHANTOM)
    clean = samples.load(PHANTOM).data.astype(float)
    noisy = add_noise(clean, "gaussian", 51.0, seed=0)  # the page's default: Gaussian, 20 % of 0-255
    result = pp.otsu_with_and_without_smoothing(noisy, clean == 255, 1.0)
    found = metrics(at)
    assert found["Noise: standard deviation"] == f"{(noisy - clean).std():.4g}"  # about 51
    assert found["Dice, Otsu alone"] == f"{result.dice_noisy:.4f}"
    assert found["Dice, Gaussian first"] == f"{result.dice_filtered:.4f}"
    assert result.dice_filtered - result.dice_noisy > 0.6
    assert any("**raises** Dice" in m.value for m in at.markdown)


def test_threshold_methods_and_the_manual_level_give_core_s_numbers(at):
    choose_sample(at, PHANTOM)
    noisy = add_noise(samples.load(PHANTOM).data.astype(float), "gaussian", 51.0, seed=0)
    skull = samples.load(PHANTOM).data == 255
    for method in pp.THRESHOLD_METHODS:
        widget(at, "radio", "threshold-method").set_value(method).run()
        t = pp.threshold_value(noisy, method, 127, (0.0, 255.0))
        found = metrics(at)
        assert found["Threshold"] == f"{t:.4g}", method
        assert found["Dice vs skull (value 255)"] == f"{pp.dice(noisy > t, skull):.4f}", method
    widget(at, "radio", "threshold-method").set_value("manual")
    widget(at, "slider", "threshold-level").set_value(200).run()
    assert metrics(at)["Threshold"] == "200"
    by_label(at, "selectbox", "Ground truth").set_value("head (value > 0)").run()
    assert "Dice vs head (value > 0)" in metrics(at)
    assert not problems(at)


def test_manual_level_on_ct_is_a_fraction_of_the_hounsfield_range(at):
    choose_sample(at, CT)
    caption = next(c.value for c in at.caption if "not 8-bit" in c.value)
    expected = -896 + 127 / 255 * (1167 + 896)
    assert f"{expected:.6g} HU" in caption and "49.8 %" in caption


def test_mask_controls(at):
    choose_sample(at, PHANTOM)
    radio = by_label(at, "radio", "Mask from")
    by_label(at, "slider", "Radius (pixels)").set_value(100).run()
    circle = pp.circle_mask((400, 400), (200.0, 200.0), 100.0)
    assert metrics(at)["Pixels removed"] == f"{int((~circle).sum()):,}"
    for how in radio.options:
        by_label(at, "radio", "Mask from").set_value(how).run()
        assert not problems(at), how
        assert metrics(at)["Share removed"].endswith("%")
    by_label(at, "radio", "Mask from").set_value("rectangle").run()
    by_label(at, "slider", "Rows kept").set_value((100, 300)).run()
    by_label(at, "slider", "Columns kept").set_value((0, 400)).run()
    assert metrics(at)["Pixels removed"] == f"{400 * 400 - 200 * 400:,}"


def test_mni_template_masks_with_its_tissue_maps(at):
    choose_sample(at, samples.SAMPLES[2].name)
    assert "brain (MNI tissue maps)" in by_label(at, "radio", "Mask from").options
    by_label(at, "radio", "Mask from").set_value("brain (MNI tissue maps)").run()
    t1 = samples.load(samples.SAMPLES[2].name).data
    brain = pp.sample_truths(samples.MNI_T1, t1)["brain (grey + white matter > 50 %)"][t1.shape[0] // 2]
    assert metrics(at)["Pixels removed"] == f"{int((~brain).sum()):,}"


def test_noise_filter_and_edge_controls(at):
    choose_sample(at, PHANTOM)
    for kind in ("none", "salt and pepper", "poisson", "rician", "gaussian"):
        widget(at, "selectbox", "preparing-noise-kind").set_value(kind).run()
        assert not problems(at), kind
    widget(at, "selectbox", "preparing-noise-kind").set_value("salt and pepper").run()
    widget(at, "slider", "preparing-noise-level").set_value(10).run()
    widget(at, "slider", "filter-sigma").set_value(2.0)
    widget(at, "select_slider", "filter-size").set_value(5).run()
    errors = [m.value for m in at.metric if m.label == "Error vs the clean image (RMSE)"]
    noisy_error, gaussian_error, median_error = (float(e) for e in errors)
    assert median_error < gaussian_error < noisy_error  # the median is the filter for salt and pepper
    for method in pp.EDGE_METHODS:
        widget(at, "radio", "edges-method").set_value(method).run()
        assert not problems(at), method
        latex = [element.value for element in at.get("latex")]
        kernel = pp.EDGE_KERNELS[method][0]
        assert any(" & ".join(str(v) for v in kernel.integers[0]) in text for text in latex), method
    assert "Edge pixels" in metrics(at)
    widget(at, "slider", "edges-sigma").set_value(2.0).run()
    widget(at, "slider", "lecture-sigma").set_value(3.0).run()
    assert not problems(at)


def test_synthetic_shapes_have_a_known_answer(at):
    widget(at, "radio", "preparing-source").set_value("synthetic shapes with a known answer").run()
    assert not problems(at)
    found = metrics(at)
    assert "Dice vs the shapes" in found
    assert float(found["Dice, Gaussian first"]) > float(found["Dice, Otsu alone"])
    assert "Run the pipeline" not in [b.label for b in at.button]  # 2D: no whole-volume run


def test_pipeline_builder_steps_and_whole_volume(at):
    choose_sample(at, HEAD)
    widget(at, "selectbox", "step-3-kind").set_value("edges").run()
    widget(at, "selectbox", "step-3-option-edges").set_value("canny").run()
    widget(at, "selectbox", "step-4-kind").set_value("mask").run()
    assert not problems(at)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("foreground") for c in captions)  # the threshold step's numbers
    code = [c.value for c in at.code if "step 4: edges: canny" in c.value]
    assert code, "the pipeline's code lists every step"
    run_button = next(b for b in at.button if b.label.startswith("Run the pipeline on all"))
    run_button.click().run()
    assert not problems(at)
    head = samples.load(HEAD).data
    steps = [pl.Step("noise", "gaussian", 20.0), pl.Step("gaussian", value=1.0), pl.Step("threshold", "otsu"),
             pl.Step("edges", "canny", 1.0), pl.Step("mask", "circle", 45.0)]
    assert metrics(at)["Result"] == pl.summary(pl.run_volume(head, steps, pp.value_range(head)))
    assert any(b.label == "Download the result (NIfTI, .nii.gz)" for b in at.get("download_button"))
    assert any("nib.save" in c.value for c in at.code)


def test_good_uploads_png_and_nifti(at):
    image, _ = pp.synthetic_shapes(64)
    upload(at, ("shapes.png", png_bytes(image)))
    assert not problems(at) and not at.error
    assert any(b.label.startswith("Download this grey slice") for b in at.get("download_button"))
    assert any('np.load("preparing_slice.npy")' in c.value for c in at.code)
    volume = np.random.default_rng(0).normal(100, 20, (12, 20, 16)).astype(np.float32)
    upload(at, ("volume.nii", nifti_bytes(volume)))
    assert not problems(at) and not at.error
    assert any("Slice (of" in s.label for s in at.slider)


def test_bad_upload_shows_an_error_and_the_page_keeps_working(at):
    upload(at, ("broken.dcm", b"DICM" + b"\x00" * 50))
    assert not problems(at)
    assert at.error, "the picker says the upload could not be read"
    assert "Threshold" in metrics(at)  # the sample is shown meanwhile


def test_degenerate_uploads_constant_tiny_and_nan(at):
    upload(at, ("flat.png", png_bytes(np.full((16, 16), 7, np.uint8))))
    widget(at, "selectbox", "preparing-noise-kind").set_value("none").run()
    assert not problems(at)
    assert any("constant" in w.value for w in at.warning)
    upload(at, ("dot.png", png_bytes(np.full((1, 1), 200, np.uint8))))
    assert not problems(at)
    with_nan = np.arange(512, dtype=np.float32).reshape(8, 8, 8)
    with_nan[:2, 0, :] = np.nan  # two voxels of every slice, whichever axis becomes the slice axis
    with_nan[0, :2, :] = np.nan
    upload(at, ("nan.nii", nifti_bytes(with_nan)))
    assert not problems(at)
    assert any("not numbers" in w.value for w in at.warning)
    upload(at, ("one_slice.nii", nifti_bytes(np.arange(64, dtype=np.float32).reshape(8, 8, 1))))
    assert not problems(at)


def test_colour_upload_works_on_its_luminance(at):
    rgb = np.zeros((40, 50, 3), np.uint8)
    rgb[10:30, 10:40, 0] = 250
    rgb[:, 25:, 1] = 120
    upload(at, ("colour.png", png_bytes(rgb)))
    assert not problems(at) and not at.error
    assert any("luminance" in i.value for i in at.info)


@pytest.mark.parametrize("name", [samples.SAMPLES[2].name, samples.SAMPLES[7].name, samples.SAMPLES[8].name],
                         ids=["3D", "4D", "colour"])
def test_main_controls_on_3d_4d_and_colour_samples(at, name):
    choose_sample(at, name)
    volume = samples.load(name)
    if volume.is_3d:
        next(s for s in at.slider if s.label.startswith("Slice (of")).set_value(volume.n_slices // 3).run()
    if volume.is_4d:
        by_label(at, "slider", "Time point").set_value(1).run()
    widget(at, "radio", "threshold-method").set_value("li").run()
    widget(at, "slider", "filter-sigma").set_value(2.5).run()
    widget(at, "radio", "edges-method").set_value("canny").run()
    by_label(at, "radio", "Mask from").set_value("threshold (Otsu)").run()
    assert not problems(at) and not at.error, name
    assert metrics(at)["Threshold"]


# --- the course around the page: lecturer mode, presets, self-check ---------------------------------

def click(app, label: str):
    return next(b for b in app.button if b.label == label).click().run()


def noisy_phantom(kind: str = "gaussian", strength: float = 51.0) -> tuple[np.ndarray, np.ndarray]:
    clean = samples.load(PHANTOM).data.astype(float)
    return clean, add_noise(clean, kind, strength, seed=0)


def test_lecturer_mode_folds_explanations_and_hides_seeds(at):
    widget(at, "toggle", "lecturer").set_value(True).run()
    assert not problems(at)
    assert sum(e.label == "Explanation" for e in at.expander) >= 5
    assert not any(n.key == "preparing-noise-seed" for n in at.number_input)
    assert not any(getattr(n, "key", "").startswith("step-") and n.key.endswith("-seed") for n in at.number_input)
    assert not any(e.label == "Try this" for e in at.expander)
    widget(at, "toggle", "lecturer").set_value(False).run()
    assert not problems(at) and not any(e.label == "Explanation" for e in at.expander)
    assert widget(at, "number_input", "preparing-noise-seed").value == 0


def test_preset_global_127_against_otsu_on_the_noisy_phantom(at):
    choose_sample(at, CT)
    widget(at, "selectbox", "preparing-noise-kind").set_value("poisson")
    widget(at, "radio", "threshold-method").set_value("li").run()
    click(at, "Global v = 127 vs Otsu")
    assert not problems(at)
    assert widget(at, "selectbox", "sample_name").value == PHANTOM
    _, noisy = noisy_phantom()
    otsu = pp.threshold_value(noisy, "otsu")
    skull = samples.load(PHANTOM).data == 255
    found = metrics(at)
    assert found["Threshold"] == "127"
    assert found["Otsu's threshold"] == f"{otsu:.4g}"
    assert found["Dice vs skull (value 255)"] == f"{pp.dice(noisy > 127, skull):.4f}"
    assert any(f"otsu, for comparison: image > {otsu:.4g}, Dice {pp.dice(noisy > otsu, skull):.4f}" in i.captions
               for i in at.get("image"))


def test_preset_noisy_gaussian_otsu_pipeline_raises_dice(at):
    widget(at, "slider", "lecture-sigma").set_value(4.0)
    widget(at, "selectbox", "step-1-kind").set_value("median").run()
    click(at, "Noisy → Gaussian → Otsu")
    assert not problems(at)
    clean, noisy = noisy_phantom()
    result = pp.otsu_with_and_without_smoothing(noisy, clean == 255, 1.0)
    found = metrics(at)
    assert found["Dice, Otsu alone"] == f"{result.dice_noisy:.4f}"
    assert found["Dice, Gaussian first"] == f"{result.dice_filtered:.4f}"
    assert result.dice_filtered > result.dice_noisy + 0.5
    assert [widget(at, "selectbox", f"step-{n}-kind").value for n in range(5)] == \
        ["noise", "gaussian", "threshold", "—", "—"]
    images = pl.run(clean, [pl.Step("noise", "gaussian", 20.0), pl.Step("gaussian", value=1.0),
                            pl.Step("threshold", "otsu")], (0.0, 255.0))
    assert pl.summary(images[-1]) in [c.value for c in at.caption]


def test_preset_salt_and_pepper_median_beats_gaussian(at):
    click(at, "Salt and pepper → median")
    assert not problems(at)
    errors = [float(m.value) for m in at.metric if m.label == "Error vs the clean image (RMSE)"]
    clean, noisy = noisy_phantom("salt and pepper", 0.1)
    assert errors[0] == pytest.approx(np.sqrt(np.mean((noisy - clean) ** 2)), rel=1e-3)
    assert errors[2] < errors[1] < errors[0]


def test_self_check_feedback_progress_and_the_image_s_otsu(at):
    choose_sample(at, CT)
    otsu = metrics(at)["Otsu's threshold"]  # as the page shows it, with its unit
    widget(at, "number_input", "check-preparing-0").set_value(float(otsu.split()[0]))
    widget(at, "number_input", "check-preparing-2").set_value(0.5)
    widget(at, "radio", "check-preparing-3").set_value("A median filter").run()
    assert not problems(at)
    assert sum(s.value.startswith("Right.") for s in at.success) == 2
    assert sum(e.value.startswith("Not quite.") for e in at.error) == 1
    assert at.session_state["progress"]["preparing"] == {"answered": 3, "correct": 2, "total": 5}
    volume = samples.load(CT)
    lo, hi = pp.value_range(volume.data)
    widget(at, "number_input", "check-preparing-1").set_value(lo + 127 / 255 * (hi - lo)).run()
    assert at.session_state["progress"]["preparing"] == {"answered": 4, "correct": 3, "total": 5}
