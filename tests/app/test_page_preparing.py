"""AppTest of the Preparing lesson: every sample and section, uploads good and bad, every control, the mask drawn
on the picture, the presets, links, lecturer mode and the self-check."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import imageio.v3 as iio
import nibabel as nib
import numpy as np
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

from core import pipeline as pl
from core import preprocess as pp
from core import samples
from core.selection import lasso_mask
from core.text.course_text import load_lesson
from core.data.noise import add_noise
from harness import (brighter_where_low, choose_sample, downloads, page_test, problems, show_self_check, shown_code,
                     shown_pictures, upload, widget)
from ui.code import COLLECTED_KEY

PAGE = "lessons/preparing.py"
PHANTOM, CT, HEAD = samples.SAMPLES[10].name, samples.SAMPLES[0].name, samples.SAMPLES[6].name
TEXT = load_lesson("preparing")
SECTIONS = list(TEXT.sections)
#: a metric each section shows, whatever the image
SECTION_METRICS = {"Noise": "Noise std", "Masking": "Pixels removed", "Thresholds": "Threshold",
                   "Filters": "RMSE vs clean", "Edges": None, "Lecture pipeline": "Dice, Otsu alone",
                   "Pipeline builder": None}


@pytest.fixture
def at():
    app = page_test(PAGE, timeout=300)
    app.run()
    assert not problems(app)
    return app


def show(app, section: str):
    """Open one section of the lesson (the control at its top) and rerun."""
    app.session_state["section"] = section
    return app.run()


def lecture_phantom(app, section: str | None = None):
    """Work on the lecture's phantom (the lesson's own image control, not the sidebar)."""
    widget(app, "radio", "prep-image").set_value("lecture phantom")
    return show(app, section) if section else app.run()


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


def test_the_lesson_opens_on_its_first_section_and_shows_only_the_chosen_one(at):
    assert at.session_state["section"] == SECTIONS[0]
    assert "Noise std" in metrics(at) and "Threshold" not in metrics(at)
    assert not at.get("plotly_chart")  # the first section is pictures only: no plotly to draw
    show(at, "Thresholds")
    assert "Threshold" in metrics(at) and "Noise std" not in metrics(at) and "Pixels removed" not in metrics(at)
    assert len(at.get("plotly_chart")) == 1  # the histogram, where hover teaches the values


def test_every_sample_shows_every_section_without_error(at):
    for name in samples.names():
        choose_sample(at, name)
        truths = pp.sample_truths(samples.info(name).file, samples.load(name).data)
        for section in SECTIONS:
            show(at, section)
            assert not problems(at), (name, section, problems(at))
            assert not at.error, (name, section, [e.value for e in at.error])
            if SECTION_METRICS[section]:
                assert SECTION_METRICS[section] in metrics(at), (name, section)
            if section == "Thresholds" and truths and not samples.load(name).is_4d:
                assert "Dice" in metrics(at), name
                assert widget(at, "selectbox", "prep-truth").value in truths, name


def test_phantom_shows_the_lecture_s_gain_from_filtering_first(at):
    lecture_phantom(at, "Lecture pipeline")
    clean = samples.load(PHANTOM).data.astype(float)
    noisy = add_noise(clean, "gaussian", 51.0, seed=0)  # the lesson's default: Gaussian, 20 % of 0-255
    result = pp.otsu_with_and_without_smoothing(noisy, clean == 255, 1.0)
    found = metrics(at)
    assert widget(at, "selectbox", "prep-truth").value == "skull (value 255)"
    assert found["Dice, Otsu alone"] == f"{result.dice_noisy:.4f}"
    assert found["Dice, smoothed (sigma 1)"] == f"{result.dice_filtered:.4f}"  # the sigma it is at, said
    assert result.dice_filtered - result.dice_noisy > 0.6
    charts = [c for c in at.get("plotly_chart") if c.key == "prep-lecture-histograms"]
    assert len(charts) == 1
    layout = json.loads(charts[0].proto.spec)["layout"]  # clean, noisy, smoothed: on one value axis, comparable
    assert [layout[f"xaxis{n}"].get("matches") for n in ("", "2", "3")] == [None, "x", "x"]
    assert any("**raises** Dice" in m.value for m in at.markdown)
    show(at, "Noise")
    assert metrics(at)["Noise std"] == f"{(noisy - clean).std():.4g}"  # about 51; the phantom has no unit


def test_the_noise_is_measured_in_the_image_s_units(at):
    choose_sample(at, CT)
    show(at, "Noise")
    found = metrics(at)
    assert found and all(found[name].endswith(" HU") for name in ("Noise mean", "Noise std", "Noisy range")), found


def test_threshold_methods_and_the_manual_level_give_core_s_numbers(at):
    lecture_phantom(at, "Thresholds")
    noisy = add_noise(samples.load(PHANTOM).data.astype(float), "gaussian", 51.0, seed=0)
    skull = samples.load(PHANTOM).data == 255
    assert widget(at, "selectbox", "prep-truth").value == "skull (value 255)"
    for method in pp.THRESHOLD_METHODS:
        widget(at, "radio", "prep-method").set_value(method).run()
        t = pp.threshold_value(noisy, method, 127, (0.0, 255.0))
        found = metrics(at)
        assert found["Threshold"] == f"{t:.4g}", method
        assert found["Dice"] == f"{pp.dice(noisy > t, skull):.4f}", method
    widget(at, "radio", "prep-method").set_value("manual")
    widget(at, "slider", "prep-level").set_value(200).run()
    assert metrics(at)["Threshold"] == "200"
    widget(at, "selectbox", "prep-truth").set_value("head (value > 0)").run()
    assert metrics(at)["Dice"] == f"{pp.dice(noisy > 200, samples.load(PHANTOM).data > 0):.4f}"
    assert not problems(at)


def test_manual_level_on_ct_is_a_fraction_of_the_hounsfield_range(at):
    choose_sample(at, CT)
    show(at, "Thresholds")
    caption = next(c.value for c in at.caption if "not 8-bit" in c.value)
    expected = -896 + 127 / 255 * (1167 + 896)
    assert f"{expected:.6g} HU" in caption and "49.8 %" in caption


def test_mask_controls(at):
    lecture_phantom(at, "Masking")
    by_label(at, "radio", "Mask from").set_value("circle").run()
    by_label(at, "slider", "Radius (pixels)").set_value(100).run()
    circle = pp.circle_mask((400, 400), (200.0, 200.0), 100.0)
    assert metrics(at)["Pixels removed"] == f"{int((~circle).sum()):,}"
    for how in by_label(at, "radio", "Mask from").options:
        by_label(at, "radio", "Mask from").set_value(how).run()
        assert not problems(at), how
        assert metrics(at)["Share removed"].endswith("%")
    by_label(at, "radio", "Mask from").set_value("rectangle").run()
    by_label(at, "slider", "Rows kept").set_value((100, 300)).run()
    by_label(at, "slider", "Columns kept").set_value((0, 400)).run()
    assert metrics(at)["Pixels removed"] == f"{400 * 400 - 200 * 400:,}"


def test_mni_template_masks_with_its_tissue_maps(at):
    choose_sample(at, samples.SAMPLES[2].name)
    show(at, "Masking")
    assert "brain (MNI tissue maps)" in by_label(at, "radio", "Mask from").options
    by_label(at, "radio", "Mask from").set_value("brain (MNI tissue maps)").run()
    t1 = samples.load(samples.SAMPLES[2].name).data
    brain = pp.sample_truths(samples.MNI_T1, t1)["brain (grey + white matter > 50 %)"][t1.shape[0] // 2]
    assert metrics(at)["Pixels removed"] == f"{int((~brain).sum()):,}"


# --- the mask drawn on the picture (issue 22) --------------------------------------------------------

def drawing(app):
    [chart] = [c for c in app.get("plotly_chart") if c.proto.selection_mode]
    return chart


def select(app, **shapes):
    """Send a box or lasso selection from the drawing picture, as the browser does, and rerun."""
    state = {"selection": {"points": [], "point_indices": [], "box": [], "lasso": [], **shapes}}
    widgets = app._tree.get_widget_states()
    widgets.widgets.append(WidgetState(id=drawing(app).proto.id, string_value=json.dumps(state)))
    return app._run(widgets)


def test_the_drawing_picture_offers_box_and_lasso_in_the_image_s_pixel_coordinates(at):
    lecture_phantom(at, "Masking")
    spec = json.loads(drawing(at).proto.spec)
    assert spec["layout"]["xaxis"]["range"] == [-0.5, 399.5] and spec["layout"]["yaxis"]["range"] == [399.5, -0.5]
    assert [t["type"] for t in spec["data"]] == ["image", "scatter"]  # the picture, and points plotly can select


def test_a_box_drawn_on_the_picture_sets_the_rectangle_and_its_mask(at):
    lecture_phantom(at, "Masking")
    select(at, box=[{"xref": "x", "yref": "y", "x": [50.4, 149.6], "y": [299.7, 100.2]}])
    assert not problems(at)
    assert widget(at, "radio", "prep-mask").value == "rectangle"
    assert widget(at, "slider", "prep-mask-rows").value == (101, 300)  # the rows whose centre is inside
    assert widget(at, "slider", "prep-mask-cols").value == (51, 150)
    assert metrics(at)["Pixels removed"] == f"{400 * 400 - 199 * 99:,}"
    widget(at, "slider", "prep-mask-rows").set_value((100, 300)).run()  # the keyboard's precise alternative
    assert metrics(at)["Pixels removed"] == f"{400 * 400 - 200 * 99:,}"
    select(at, box=[{"xref": "x", "yref": "y", "x": [60.2, 60.4], "y": [10.0, 90.0]}])  # holds no pixel centre
    assert not problems(at)
    assert widget(at, "slider", "prep-mask-rows").value == (100, 300)  # the rectangle stays
    assert widget(at, "slider", "prep-mask-cols").value == (51, 150)


def test_a_lasso_drawn_on_the_picture_is_the_mask_and_its_region_histogram_is_beside_the_whole_one(at):
    lecture_phantom(at, "Masking")
    rows, cols = [20.0, 20.0, 220.0, 220.0], [30.0, 130.0, 130.0, 30.0]
    select(at, lasso=[{"xref": "x", "yref": "y", "x": cols, "y": rows}])
    assert not problems(at)
    assert widget(at, "radio", "prep-mask").value == "lasso (drawn)"
    mask = lasso_mask((400, 400), np.column_stack([rows, cols]))
    assert metrics(at)["Pixels removed"] == f"{int((~mask).sum()):,}"
    noisy = add_noise(samples.load(PHANTOM).data.astype(float), "gaussian", 51.0, seed=0)
    whole, inside, _ = pp.region_histograms(noisy, mask, 96)
    [figure] = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if "the whole image and" in c.proto.spec]
    shown = [values(trace["y"]) for trace in figure["data"] if trace["type"] == "bar"]
    assert len(shown) == 2  # side by side: the whole image, then the region
    assert shown[0].tolist() == whole.tolist() and shown[1].tolist() == inside.tolist()
    assert inside.sum() == mask.sum() and whole.sum() == 400 * 400
    assert any("vertices = np.array" in c for c in shown_code(at))  # the code draws the same lasso
    at.run()  # the mask stays when the lesson reruns for another reason
    assert metrics(at)["Pixels removed"] == f"{int((~mask).sum()):,}"


def values(data) -> np.ndarray:
    """A plotly trace's numbers from its JSON (plain list, or base64 with a dtype)."""
    if isinstance(data, dict):
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
    return np.asarray(data)


# --- noise, filters, edges, the lecture's pipeline, the builder ---------------------------------------

def test_noise_filter_and_edge_controls(at):
    lecture_phantom(at, "Filters")
    for kind in ("none", "salt and pepper", "poisson", "rician", "gaussian"):
        widget(at, "selectbox", "prep-noise").set_value(kind).run()
        assert not problems(at), kind
    widget(at, "selectbox", "prep-noise").set_value("salt and pepper").run()
    widget(at, "slider", "prep-noise-level").set_value(10).run()
    widget(at, "slider", "prep-filter-sigma").set_value(2.0)
    widget(at, "select_slider", "prep-median").set_value(5).run()
    errors = [m.value for m in at.metric if m.label == "RMSE vs clean"]
    noisy_error, gaussian_error, median_error = (float(e) for e in errors)
    assert median_error < gaussian_error < noisy_error  # the median is the filter for salt and pepper
    show(at, "Edges")
    for method in pp.EDGE_METHODS:
        widget(at, "radio", "prep-edges").set_value(method).run()
        assert not problems(at), method
        latex = [element.value for element in at.get("latex")]
        kernel = pp.EDGE_KERNELS[method][0]
        assert any(" & ".join(str(v) for v in kernel.integers[0]) in text for text in latex), method
    assert "Edge pixels" in metrics(at)
    widget(at, "slider", "prep-edge-sigma").set_value(2.0).run()
    show(at, "Lecture pipeline")
    widget(at, "slider", "prep-lecture-sigma").set_value(3.0).run()
    assert not problems(at)


def test_synthetic_shapes_have_a_known_answer(at):
    widget(at, "radio", "prep-image").set_value("synthetic shapes").run()
    show(at, "Thresholds")
    assert not problems(at)
    assert widget(at, "selectbox", "prep-truth").value == "the shapes" and "Dice" in metrics(at)
    show(at, "Lecture pipeline")
    found = metrics(at)
    assert float(found["Dice, smoothed (sigma 1)"]) > float(found["Dice, Otsu alone"])
    show(at, "Pipeline builder")
    assert "Run the pipeline" not in [b.label for b in at.button]  # 2D: no whole-volume run


def test_pipeline_builder_steps_and_whole_volume(at):
    choose_sample(at, HEAD)
    show(at, "Pipeline builder")
    widget(at, "selectbox", "prep-step4").set_value("edges").run()
    widget(at, "selectbox", "prep-step4-edges").set_value("canny").run()
    widget(at, "selectbox", "prep-step5").set_value("mask").run()
    assert not problems(at)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("foreground") for c in captions)  # the threshold step's numbers
    code = [c for c in shown_code(at) if "step 4: edges: canny" in c]
    assert code, "the pipeline's code lists every step"
    run_button = next(b for b in at.button if b.label.startswith("Run the pipeline on all"))
    run_button.click().run()
    assert not problems(at)
    head = samples.load(HEAD).data
    steps = [pl.Step("noise", "gaussian", 20.0), pl.Step("gaussian", value=1.0), pl.Step("threshold", "otsu"),
             pl.Step("edges", "canny", 1.0), pl.Step("mask", "circle", 45.0)]
    assert metrics(at)["Result"] == pl.summary(pl.run_volume(head, steps, pp.threshold_scale(head)))
    assert any(b.label == "Download the result (NIfTI, .nii.gz)" for b in at.get("download_button"))
    assert any("nib.save" in c for c in shown_code(at))


# --- uploads ----------------------------------------------------------------------------------------

def test_good_uploads_png_and_nifti(at):
    image, _ = pp.synthetic_shapes(64)
    upload(at, ("shapes.png", png_bytes(image)))
    assert not problems(at) and not at.error
    assert any(b.label.startswith("Download this grey slice") for b in at.get("download_button"))
    assert any('np.load("preparing_slice.npy")' in c for c in shown_code(at))
    volume = np.random.default_rng(0).normal(100, 20, (12, 20, 16)).astype(np.float32)
    upload(at, ("volume.nii", nifti_bytes(volume)))
    assert not problems(at) and not at.error
    assert any("Slice (of" in s.label for s in at.slider)


def test_bad_upload_shows_an_error_and_the_page_keeps_working(at):
    upload(at, ("broken.dcm", b"DICM" + b"\x00" * 50))
    assert not problems(at)
    assert at.error, "the picker says the upload could not be read"
    show(at, "Thresholds")
    assert "Threshold" in metrics(at)  # the sample is shown meanwhile


def test_degenerate_uploads_constant_tiny_and_nan(at):
    show(at, "Thresholds")
    upload(at, ("flat.png", png_bytes(np.full((16, 16), 7, np.uint8))))
    widget(at, "selectbox", "prep-noise").set_value("none").run()
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
    for section in SECTIONS:  # every section takes the tiny and the constant images
        show(at, section)
        assert not problems(at), section


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
    show(at, "Thresholds")
    widget(at, "radio", "prep-method").set_value("li").run()
    assert metrics(at)["Threshold"]
    show(at, "Filters")
    widget(at, "slider", "prep-filter-sigma").set_value(2.5).run()
    show(at, "Edges")
    widget(at, "radio", "prep-edges").set_value("canny").run()
    show(at, "Masking")
    by_label(at, "radio", "Mask from").set_value("threshold (Otsu)").run()
    assert not problems(at) and not at.error, name


# --- the course around the lesson: lecturer mode, presets, links, code, self-check ---------------------

def click(app, label: str):
    return next(b for b in app.button if b.label == label).click().run()


def noisy_phantom(kind: str = "gaussian", strength: float = 51.0) -> tuple[np.ndarray, np.ndarray]:
    clean = samples.load(PHANTOM).data.astype(float)
    return clean, add_noise(clean, kind, strength, seed=0)


def test_lecturer_mode_folds_explanations_and_hides_seeds(at):
    widget(at, "toggle", "lecturer").set_value(True).run()
    assert not problems(at)
    assert any(e.label == "Explanation" for e in at.expander)
    assert any(e.label == "The image and its noise" for e in at.expander)  # the controls fold: the figure first
    assert not any(n.key == "prep-seed" for n in at.number_input)
    show(at, "Pipeline builder")
    assert not any(getattr(n, "key", "").startswith("prep-step") and n.key.endswith("-seed") for n in at.number_input)
    assert not any(e.label == "Try this" for e in at.expander)
    widget(at, "toggle", "lecturer").set_value(False).run()
    assert not problems(at) and not any(e.label == "Explanation" for e in at.expander)
    assert widget(at, "number_input", "prep-seed").value == 0


def test_presets_have_short_labels_and_shortcuts_and_each_opens_its_section():
    assert [p.label for p in TEXT.presets] == ["v = 127 vs Otsu", "Gaussian → Otsu", "Median filter"]
    assert all(len(p.label) <= 16 for p in TEXT.presets)  # whole on a 1280 × 720 projector (issue 18)
    assert [p.shortcut for p in TEXT.presets] == ["1", "2", "3"]
    assert [p.section for p in TEXT.presets] == ["Thresholds", "Lecture pipeline", "Filters"]


def test_preset_global_127_against_otsu_on_the_noisy_phantom(at):
    choose_sample(at, CT)
    widget(at, "selectbox", "prep-noise").set_value("poisson").run()
    show(at, "Thresholds")
    widget(at, "radio", "prep-method").set_value("li").run()
    click(at, "v = 127 vs Otsu")
    assert not problems(at)
    assert at.session_state["section"] == "Thresholds"
    assert widget(at, "selectbox", "sample_name").value == CT  # the sidebar keeps the learner's image
    assert widget(at, "radio", "prep-image").value == "lecture phantom"
    _, noisy = noisy_phantom()
    otsu = pp.threshold_value(noisy, "otsu")
    skull = samples.load(PHANTOM).data == 255
    found = metrics(at)
    assert found["Threshold"] == "127"
    assert found["Otsu's threshold"] == f"{otsu:.4g}"
    assert widget(at, "selectbox", "prep-truth").value == "skull (value 255)"
    assert found["Dice"] == f"{pp.dice(noisy > 127, skull):.4f}"
    captions = [c for i in at.get("image") for c in i.captions]
    assert captions[:4] == ["image", "manual: image > 127",  # the lecture's figure, complete and first
                            f"otsu, for comparison: image > {otsu:.4g}, Dice {pp.dice(noisy > otsu, skull):.4f}",
                            "ground truth: skull (value 255)"]


def test_preset_noisy_gaussian_otsu_pipeline_raises_dice(at):
    show(at, "Lecture pipeline")
    widget(at, "slider", "prep-lecture-sigma").set_value(4.0).run()
    show(at, "Pipeline builder")
    widget(at, "selectbox", "prep-step2").set_value("median").run()
    click(at, "Gaussian → Otsu")
    assert not problems(at)
    assert at.session_state["section"] == "Lecture pipeline"
    clean, noisy = noisy_phantom()
    result = pp.otsu_with_and_without_smoothing(noisy, clean == 255, 1.0)
    found = metrics(at)
    assert found["Dice, Otsu alone"] == f"{result.dice_noisy:.4f}"
    assert found["Dice, smoothed (sigma 1)"] == f"{result.dice_filtered:.4f}"
    assert result.dice_filtered > result.dice_noisy + 0.5
    assert [c for i in at.get("image") for c in i.captions][:3] == [
        "ground truth: skull (value 255)", f"noisy → Otsu (t = {result.threshold_noisy:.4g})",
        f"noisy → Gaussian → Otsu (t = {result.threshold_filtered:.4g})"]
    show(at, "Pipeline builder")
    assert [widget(at, "selectbox", f"prep-step{n}").value for n in range(1, 6)] == \
        ["noise", "gaussian", "threshold", "—", "—"]
    images = pl.run(clean, [pl.Step("noise", "gaussian", 20.0), pl.Step("gaussian", value=1.0),
                            pl.Step("threshold", "otsu")], (0.0, 255.0))
    assert pl.summary(images[-1]) in [c.value for c in at.caption]


def test_preset_salt_and_pepper_median_beats_gaussian(at):
    click(at, "Median filter")
    assert not problems(at)
    assert at.session_state["section"] == "Filters"
    errors = [float(m.value) for m in at.metric if m.label == "RMSE vs clean"]
    clean, noisy = noisy_phantom("salt and pepper", 0.1)
    assert len(errors) == 3
    assert errors[0] == pytest.approx(np.sqrt(np.mean((noisy - clean) ** 2)), rel=1e-3)
    assert errors[2] < errors[1] < errors[0]
    assert [c for i in at.get("image") for c in i.captions] == ["noisy", "Gaussian, sigma 1", "median 3 × 3"]


def test_a_link_reopens_the_lesson_s_state_and_the_controls_write_the_url():
    app = page_test(PAGE, timeout=300)
    for key, value in {"section": "Lecture pipeline", "prep-image": "lecture phantom", "prep-noise": "rician",
                       "prep-noise-level": "30", "prep-seed": "4", "prep-lecture-sigma": "2.5"}.items():
        app.query_params[key] = value
    app.run()
    assert not problems(app)
    assert widget(app, "selectbox", "prep-noise").value == "rician"
    assert widget(app, "slider", "prep-noise-level").value == 30
    assert widget(app, "number_input", "prep-seed").value == 4
    assert widget(app, "slider", "prep-lecture-sigma").value == 2.5
    clean = samples.load(PHANTOM).data.astype(float)
    noisy = pp.NoiseSettings("rician", 30.0, 4).apply(clean, (0.0, 255.0))
    result = pp.otsu_with_and_without_smoothing(noisy, clean == 255, 2.5)
    assert metrics(app)["Dice, smoothed (sigma 2.5)"] == f"{result.dice_filtered:.4f}"
    assert not any("not used" in w.value for w in app.warning)


#: controls that shape no figure of the lesson: the sidebar's picker and switches, and the self-check's answers
NOT_IN_LINKS = ("image_source", "sample_name", "lecturer", "check-")


def test_every_control_that_shapes_a_figure_is_kept_in_the_url(at):
    """Each control is bound to the URL parameter named by its key, so that the browser writes it there."""
    choose_sample(at, samples.SAMPLES[7].name)  # a 4D volume: time and slice sliders too
    seen = set()
    for section in [*SECTIONS, "phantom", *SECTIONS]:  # then the phantom, with its ground truths
        if section == "phantom":
            lecture_phantom(at)
            continue
        show(at, section)
        for kind in ("slider", "select_slider", "selectbox", "radio", "number_input", "button_group"):
            for control in at.get(kind):
                if not control.key or control.key.startswith(NOT_IN_LINKS):
                    continue
                assert control.proto.query_param_key == control.key, (section, control.key)
                seen.add(control.key)
    assert {"section", "prep-image", "prep-slice", "prep-time", "prep-noise", "prep-noise-level", "prep-seed",
            "prep-mask", "prep-method", "prep-level", "prep-truth", "prep-filter-sigma", "prep-median", "prep-edges",
            "prep-edge-sigma", "prep-lecture-sigma", "prep-step1", "prep-step1-noise"} <= seen


@pytest.mark.parametrize("key, value", [("prep-lecture-sigma", "abc"), ("prep-lecture-sigma", "99"),
                                        ("prep-noise", "purple")])
def test_a_link_with_a_malformed_value_opens_the_default_and_says_which(key, value):
    app = page_test(PAGE, timeout=300)
    app.query_params["section"] = "Lecture pipeline"
    app.query_params[key] = value
    app.run()
    assert not problems(app)
    assert widget(app, "slider", "prep-lecture-sigma").value == 1.0
    assert widget(app, "selectbox", "prep-noise").value == "gaussian"
    assert any(f"{key}={value}" in w.value and "not used" in w.value for w in app.warning)


def test_every_section_shows_its_code_and_reads_the_lecture_s_phantom_with_a_real_library(at):
    """tests/app/test_code_runs_anywhere.py runs every section's code from an empty folder."""
    lecture_phantom(at)
    for section in SECTIONS:
        snippets = show(at, section).session_state[COLLECTED_KEY]
        assert snippets, section
        for _, code in snippets:
            assert "from core" not in code and "import core" not in code, section
            assert "iio.imread(path)" in code and 'os.path.dirname(skimage.__file__), "data", "phantom.png"' in code


def test_the_lesson_file_is_a_short_script_of_layout_calls():
    source = (Path(__file__).resolve().parents[2] / PAGE).read_text()
    assert len(source.splitlines()) < 400
    for private in ("upload_signature", "def memo", "def png", "def shown", "def histogram_figure", "io.BytesIO"):
        assert private not in source, private


def test_self_check_feedback_progress_and_the_image_s_otsu(at):
    choose_sample(at, CT)
    show(at, "Thresholds")
    otsu = metrics(at)["Otsu's threshold"]  # as the lesson shows it, with its unit
    show_self_check(at, "preparing")
    widget(at, "number_input", "check-preparing-0").set_value(float(otsu.split()[0]))
    widget(at, "number_input", "check-preparing-2").set_value(0.5)
    widget(at, "radio", "check-preparing-3").set_value("A median filter").run()
    assert not problems(at)
    assert sum(s.value.startswith("Right.") for s in at.success) == 2
    assert sum(e.value.startswith("Not quite.") for e in at.error) == 1
    assert at.session_state["progress"]["preparing"] == {"answered": 3, "correct": 2, "total": 5}
    volume = samples.load(CT)
    lo, hi = pp.threshold_scale(volume.data)
    widget(at, "number_input", "check-preparing-1").set_value(lo + 127 / 255 * (hi - lo)).run()
    assert at.session_state["progress"]["preparing"] == {"answered": 4, "correct": 3, "total": 5}


# --- a MONOCHROME1 radiograph: its pictures as the file asks, its maps as they are -----------------------

RG3 = next(s.name for s in samples.SAMPLES if s.file == "RG3_UNCR.dcm")  # MONOCHROME1 in its file


def test_a_monochrome1_radiograph_is_shaded_low_values_white_and_its_maps_are_not(at):
    from ui.images import INVERTED_NOTE

    choose_sample(at, RG3)
    widget(at, "selectbox", "prep-noise").set_value("none").run()
    values = samples.load(RG3).data
    pictures = shown_pictures(at)
    assert brighter_where_low(pictures[f"clean: 880 × 880 pixels{INVERTED_NOTE}"], values) > 200
    assert brighter_where_low(pictures["noisy: the image every section works on"], values) > 200
    show(at, "Masking")
    source = json.loads(drawing(at).proto.spec)["data"][0]["source"]  # the picture to draw on, a PNG
    assert brighter_where_low(iio.imread(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))), values) > 200
    assert any(INVERTED_NOTE in c.value for c in at.caption)
    pictures = shown_pictures(at)
    assert brighter_where_low(pictures["masked image"], values) > 100  # outside the mask: the minimum, white
    assert brighter_where_low(pictures["mask (white: kept)"], values) < -100  # a mask: white is kept, as ever
    show(at, "Thresholds")
    pictures = shown_pictures(at)
    assert brighter_where_low(pictures[f"image{INVERTED_NOTE}"], values) > 200
    assert brighter_where_low(pictures["otsu, for comparison: image > 449.6"], values) == -255  # above: white
    show(at, "Filters")
    pictures = shown_pictures(at)
    assert brighter_where_low(pictures[f"noisy{INVERTED_NOTE}"], values) > 200
    assert brighter_where_low(pictures["median 3 × 3"], values) > 200
    show(at, "Edges")
    pictures = shown_pictures(at)
    assert brighter_where_low(pictures[f"the noisy image, Gaussian sigma 1{INVERTED_NOTE}"], values) > 200
    edges = pictures["sobel edges (strength)"]
    assert np.median(edges) < 32 < edges.max()  # a map of edge strength: flat bone and air are dark, edges bright
    show(at, "Pipeline builder")
    pictures = shown_pictures(at)
    assert brighter_where_low(pictures[f"input (clean){INVERTED_NOTE}"], values) > 200
    assert brighter_where_low(pictures["2. Gaussian (sigma 1)"], values) > 200
    assert brighter_where_low(pictures["3. threshold: otsu"], values) == -255
    assert sum(INVERTED_NOTE in caption for caption in pictures) == 1  # said once


def test_a_monochrome1_result_downloads_as_shown_and_its_code_saves_the_same_file(at, tmp_path, monkeypatch):
    """A picture of the radiograph's values is saved low values white, as shown; a mask as it is; the code agrees."""
    choose_sample(at, RG3)
    widget(at, "selectbox", "prep-noise").set_value("none").run()
    show(at, "Pipeline builder")
    values = samples.load(RG3).data
    mask = iio.imread(downloads(at)["pipeline-png"])  # the default pipeline ends with a threshold
    assert brighter_where_low(mask, values) == -255 and set(np.unique(mask)) == {0, 255}
    widget(at, "selectbox", "prep-step3").set_value("—").run()  # ends with the Gaussian: the radiograph's values
    grey = iio.imread(downloads(at)["pipeline-png"])
    assert brighter_where_low(grey, values) > 100  # the lowest value white, as on the page (step 1's noise widens the range)
    code = next(c for c in shown_code(at) if 'iio.imwrite("result.png"' in c)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "<builder>", "exec"), {"__name__": "__main__"})
    assert np.array_equal(iio.imread(tmp_path / "result.png"), grey)
