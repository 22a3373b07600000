"""AppTest of the Unsupervised learning page: every sample, uploads good, bad and degenerate, and its buttons.

The working size is set to 128 pixels and iterations kept low, so each
registration takes a fraction of a second.
"""

from __future__ import annotations

import io
import json

import imageio.v3 as iio
import numpy as np
import pytest

from core import samples
from core.text.course_text import load_lesson
from core.data.warps import working_image
from harness import (brighter_where_low, choose_sample, image_captions, page_test, problems, show_self_check,
                     shown_pictures, upload, widget)

PAGE = "lessons/unsupervised.py"
PHANTOM, MNI = "Phantom: Shepp-Logan head (scikit-image)", samples.SAMPLES[2].name
SECTIONS = {"Problem": "A problem with a known answer", "Register": "Register",
            "Lecture figure": "The lecture's figure, live", "Loss": "Why the loss matters",
            "Landmarks": "Landmarks: a few points instead of every pixel",
            "Atlas": "3D: the subject to the MNI template, and an atlas",
            "Clustering": "Clustering: tissue classes without labels",
            "Learned registration": "7 · Learned registration: a network that registers in one pass"}


@pytest.fixture
def at():
    app = page_test(PAGE, timeout=300)
    app.run()
    assert not problems(app)
    widget(app, "radio", "side").set_value(128)
    app.run()
    return app


def go(app, section: str):
    """Open one section of the lesson (it shows one at a time) and check it is the one shown."""
    widget(app, "segmented_control", "section").set_value(section)
    app.run()
    assert not problems(app), problems(app)
    assert [h.value for h in app.header] == [SECTIONS[section], "Check yourself"], section
    return app


def metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def press(app, key: str):
    widget(app, "button", key).click()
    app.run()
    assert not problems(app), problems(app)
    return app


def slider(app, label: str):
    """The slider whose label is `label`."""
    return next(w for w in app.slider if w.label == label)


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    iio.imwrite(buffer, image, extension=".png")
    return buffer.getvalue()


def captions(app) -> str:
    return "\n".join(c.value for c in app.caption)


def test_every_sample_shows_every_section_without_error(at):
    for name in samples.names():
        choose_sample(at, name)
        for section in SECTIONS:
            go(at, section)
            assert not at.error and not at.warning, (name, section, [e.value for e in at.error],
                                                     [w.value for w in at.warning])
            assert "Working image: " + name in captions(at), (name, section)  # every section's problem
        go(at, "Problem")
        text = captions(at)
        assert "NCC" in text, name
        volume = samples.load(name)
        if volume.is_3d:
            assert widget(at, "slider", "slice").value == volume.n_slices // 2
        if volume.rgb:
            assert "colour turned into grey (scikit-image's rgb2gray)" in text, name
        go(at, "Loss")
        assert "Lowest loss" in captions(at), name
        go(at, "Register")
        widget(at, "slider", "iterations").set_value(20)
        press(at, "unsup-run")  # a quick registration on every sample
        assert "Mean TRE (mm)" in metrics(at) and not at.error, name


def test_register_recovers_the_default_motion_and_reports_it(at):
    choose_sample(at, MNI)
    go(at, "Register")
    widget(at, "slider", "iterations").set_value(50)
    press(at, "unsup-run")
    found = metrics(at)
    pixel = 233 * 1.0 / 128  # the MNI slice shrunk to 128 rows
    assert float(found["Mean TRE (mm)"]) < pixel and float(found["Max TRE (mm)"]) < 2 * pixel
    assert float(found["NCC after"]) > 0.95
    table = at.dataframe[0].value
    assert list(table.columns) == ["parameter", "true", "recovered", "error"]
    rotation = table.set_index("parameter").loc["rotation (degrees, clockwise)"]
    assert rotation["true"] == 8.0 and rotation["error"] < 0.5
    assert "Why it stopped: RegularStepGradientDescentOptimizerv4" in captions(at)
    [history] = at.get("plotly_chart")  # the metric per iteration; the landscapes are in "Loss"
    assert '"iteration"' in history.proto.spec
    go(at, "Loss")
    assert any("offset from alignment" in c.proto.spec for c in at.get("plotly_chart"))
    go(at, "Lecture figure")  # the same result, without registering again
    assert len(image_captions(at)) == 7  # (a)-(e), checkerboard, blend
    widget(at, "radio", "compare").set_value("difference")
    widget(at, "slider", "tiles").set_value(4)
    at.run()
    assert not problems(at)
    assert "(e) after" in image_captions(at)
    # moving a slider invalidates the result until Register is pressed again
    slider(at, "Rotation (degrees, clockwise)").set_value(4.0)
    at.run()
    assert any("problem changed" in i.value for i in at.info)
    assert "(e) after" not in image_captions(at)


def test_deformable_registration_shows_the_deformation(at):
    choose_sample(at, MNI)
    go(at, "Register")
    slider(at, "Smooth bend (mm)").set_value(4.0)
    widget(at, "selectbox", "transform").set_value("deformable")
    at.run()
    widget(at, "slider", "iterations").set_value(30)
    widget(at, "slider", "levels").set_value(2)
    press(at, "unsup-run")
    assert float(metrics(at)["Mean TRE (mm)"]) < 233 / 128
    go(at, "Lecture figure")
    assert "The deformation" in [s.value for s in at.subheader]
    assert "fold" in captions(at)
    assert "the target's grid, carried into the source" in image_captions(at)
    assert any("Jacobian determinant" in c.proto.spec for c in at.get("plotly_chart"))
    go(at, "Register")
    widget(at, "radio", "model").set_value("demons")
    at.run()
    assert widget(at, "selectbox", "metric").disabled
    press(at, "unsup-run")
    go(at, "Lecture figure")
    assert "the demons field" in captions(at)


def test_the_two_losses_across_the_contrast_change(at):
    choose_sample(at, MNI)
    go(at, "Loss")
    assert not at.dataframe  # nothing runs until asked (or a preset lands here)
    press(at, "unsup-duel")
    table = at.dataframe[0].value.set_index("loss")
    assert table.loc["Mattes mutual information", "mean TRE (mm)"] < 233 / 128
    assert table.loc["mean squares (SSD)", "mean TRE (mm)"] > 10 * table.loc["Mattes mutual information",
                                                                              "mean TRE (mm)"]
    assert "MI recovers the motion where SSD does not" in captions(at)
    pictures = [c for c in image_captions(at) if c.startswith("(e) after registration with")]
    assert [c.split(":")[0] for c in pictures] == ["(e) after registration with SSD", "(e) after registration with MI"]
    widget(at, "radio", "sweep").set_value("angle")
    at.run()
    lowest = next(c.value for c in at.caption if c.value.startswith("Lowest loss"))
    assert "MI +0°" in lowest and "Sampled every 3°" in lowest


def landscape_spec(app) -> dict:
    chart = next(c for c in app.get("plotly_chart") if "offset from alignment" in c.proto.spec)
    return json.loads(chart.proto.spec)


def test_the_landscapes_do_not_depend_on_the_motion_sliders(at):
    """They compare the image with moved copies of itself: a lecturer dragging a motion slider recomputes none."""
    choose_sample(at, MNI)
    go(at, "Loss")
    before = landscape_spec(at)
    assert before["layout"]["xaxis"]["title"]["text"] == "offset from alignment (mm)"
    assert before["data"][0]["x"][:2] == [-25.0, -22.5]  # ±15 % of the 197 mm wide slice, in round steps
    slider(at, "Shift right (mm)").set_value(12.0)
    slider(at, "Rotation (degrees, clockwise)").set_value(-20.0)
    at.run()
    assert landscape_spec(at)["data"] == before["data"]


def test_the_atlas_registers_and_transfers_labels(at):
    go(at, "Atlas")
    widget(at, "radio", "atlas-mm").set_value(4)
    widget(at, "slider", "atlas-iterations").set_value(30)
    at.run()
    press(at, "unsup-atlas-run")
    found = metrics(at)
    assert float(found["Shift found (mm)"]) < 5 and float(found["Largest angle (°)"]) < 5
    assert "Label transfer: the template's tissue maps on the subject" in [s.value for s in at.subheader]
    assert "grey matter" in captions(at) and "mL" in captions(at)


def test_clustering_controls_and_dice(at):
    go(at, "Clustering")
    found = metrics(at)
    assert float(found["Dice, grey matter"]) > 0.8 and float(found["Dice, white matter"]) > 0.8
    widget(at, "slider", "k").set_value(4)
    widget(at, "radio", "clusterer").set_value("gmm")
    at.run()
    assert not problems(at)
    table = at.dataframe[-1].value
    assert len(table) == 4 and list(table["cluster"]) == [1, 2, 3, 4]
    widget(at, "radio", "cluster-on").set_value("the working image")
    at.run()
    assert not problems(at) and "no Dice" in captions(at)



def test_an_image_smaller_than_the_working_size_is_said_to_be_used_as_it_is(at):
    upload(at, ("small.png", png_bytes(samples.load(PHANTOM).data[::2, ::2])))
    shape = samples.load(PHANTOM).data[::2, ::2].shape  # 200 × 200
    widget(at, "radio", "side").set_value(256).run()
    assert max(shape) < 256 and not problems(at)
    said = f"{shape[0]} × {shape[1]} pixels"
    assert said in captions(at) and "smaller than the working size 256: used as it is" in captions(at)
    widget(at, "radio", "side").set_value(128).run()
    assert not problems(at) and "smaller than the working size" not in captions(at)
    assert "shrunk to 128 × 128" in captions(at)

def test_a_good_upload_a_bad_one_and_a_constant_image(at):
    phantom = samples.load(PHANTOM).data
    upload(at, ("phantom.png", png_bytes(phantom)))
    assert not problems(at)
    assert "Working image: phantom.png" in captions(at)
    assert any(d.label.startswith("Download the working image") for d in at.get("download_button"))
    upload(at, ("broken.dcm", b"not a DICOM file at all"))
    assert not problems(at)
    assert at.error  # the loader's message, and the page still runs on the sample
    assert [h.value for h in at.header] == [SECTIONS["Problem"], "Check yourself"]
    upload(at, ("tiny.png", png_bytes(np.arange(16, dtype=np.uint8).reshape(4, 4))))
    assert not problems(at)
    assert any("cannot be registered" in w.value and "too small" in w.value for w in at.warning)
    upload(at, ("flat.png", png_bytes(np.full((64, 64), 7, np.uint8))))
    assert not problems(at)
    assert any("cannot be registered" in w.value and "constant" in w.value for w in at.warning)
    assert "Working image: " + PHANTOM in captions(at)
    go(at, "Register")
    press(at, "unsup-run")
    assert "Mean TRE (mm)" in metrics(at)


def test_a_link_reopens_the_section_and_its_controls():
    app = page_test(PAGE, timeout=300)
    for name, value in {"section": "Register", "side": "128", "angle": "12.5", "transform": "affine",
                        "metric": "mean squares (SSD)", "iterations": "40"}.items():  # a choice by its label
        app.query_params[name] = value
    app.run()
    assert not problems(app) and not app.warning
    assert [h.value for h in app.header] == [SECTIONS["Register"], "Check yourself"]
    assert widget(app, "radio", "side").value == 128 and slider(app, "Rotation (degrees, clockwise)").value == 12.5
    assert widget(app, "selectbox", "transform").value == "affine"
    assert widget(app, "selectbox", "metric").value == "ssd" and widget(app, "slider", "iterations").value == 40


@pytest.mark.parametrize("name, value", [("angle", "99"), ("angle", "abc"), ("transform", "warp"), ("k", "1")])
def test_a_link_value_that_cannot_be_used_opens_the_default_and_says_which(name, value):
    app = page_test(PAGE, timeout=300)
    app.query_params["section"] = "Clustering" if name == "k" else "Register"
    app.query_params[name] = value
    app.run()
    assert not problems(app)
    warned = [w.value for w in app.warning if "not used" in w.value]
    assert len(warned) == 1 and f"{name}={value}" in warned[0]
    defaults = {"angle": 8.0, "transform": "rigid", "k": 3}
    kind = {"angle": "slider", "transform": "selectbox", "k": "slider"}[name]
    assert widget(app, kind, name).value == defaults[name]


# --- the course around the page: lecturer mode, presets, self-check --------------------------------------
LECTURE_FIGURE, CONTRASTS = "(a)–(e) figure", "SSD vs MI"
MNI_PIXEL = 233 * 1.0 / 128  # the MNI slice shrunk to 128 rows
PRESET = "unsupervised-preset-{}"


def test_lecturer_mode_folds_explanations_and_hides_the_details(at):
    widget(at, "toggle", "lecturer").set_value(True).run()
    assert not problems(at)
    folded = {section: sum(e.label == "Explanation" for e in go(at, section).expander)
              for section in ("Problem", "Register", "Loss", "Clustering")}
    assert folded == {"Problem": 1, "Register": 1, "Loss": 1, "Clustering": 1}  # one panel, never two of one name
    panel = next(e for e in go(at, "Problem").expander if e.label == "Explanation")
    said = "\n".join(m.value for m in panel.markdown)
    words = load_lesson("unsupervised")
    assert all(words.explanation(name)[:60] in said for name in ("unsupervised", "problem"))  # both, in it
    assert not any(e.label == "Try this" for e in at.expander)
    go(at, "Register")
    keys = {w.key for w in at.slider}
    assert not keys & {"levels", "iterations", "sampling"}
    assert "3 resolution levels, up to 100 iterations each, 25% of the pixels sampled." in captions(at)
    assert "atlas-iterations" not in {w.key for w in go(at, "Atlas").slider}
    # the lecture's figure in one click: the preset chooses the MNI slice, the motion, and registers at once
    press(at, PRESET.format(LECTURE_FIGURE))
    assert [h.value for h in at.header] == [SECTIONS["Lecture figure"], "Check yourself"]
    assert "Working image: " + MNI in captions(at)
    assert slider(at, "Rotation (degrees, clockwise)").value == 10.0
    assert image_captions(at)[:5] == ["(a) source", "(b) target", "(c) registered source",
                                      "(d) before registration", "(e) after"]  # the figure first, complete
    go(at, "Register")  # the numbers of the same registration
    found = metrics(at)
    assert float(found["Mean TRE (mm)"]) < MNI_PIXEL / 4 and float(found["NCC after"]) > 0.95
    [table] = [t for t in at.table if "parameter" in t.value.columns]  # plain text, sized for the room
    assert "td { font-size: 24px }" in table.proto.arrow_data.styler.styles
    rotation = table.value.set_index("parameter").loc["rotation (degrees, clockwise)"]
    assert rotation["true"] == 10.0 and rotation["error"] < 0.2
    assert not at.error


def test_the_contrast_preset_shows_mi_winning_where_ssd_fails_side_by_side(at):
    choose_sample(at, PHANTOM)  # the preset moves to the MNI slice from any image
    press(at, PRESET.format(CONTRASTS))
    assert [h.value for h in at.header] == [SECTIONS["Loss"], "Check yourself"]
    assert "Working image: " + MNI in captions(at)
    assert slider(at, "Other contrast (T1-like → T2-like)").value == 1.0
    found = metrics(at)  # both runs, after one press
    assert float(found["Mean TRE (mm), MI"]) < MNI_PIXEL / 2 and float(found["Mean TRE (mm), SSD"]) > 10 * MNI_PIXEL
    duel = at.dataframe[0].value.set_index("loss")
    mi, ssd = (duel.loc[name, "mean TRE (mm)"] for name in ("Mattes mutual information", "mean squares (SSD)"))
    assert mi < MNI_PIXEL / 2 and ssd > 10 * MNI_PIXEL
    assert "MI recovers the motion where SSD does not" in captions(at)
    pictures = [c for c in image_captions(at) if c.startswith("(e) after registration with")]
    assert len(pictures) == 2 and f"{ssd:.2f} mm" in pictures[0] and f"{mi:.2f} mm" in pictures[1]


def test_self_check_gives_feedback_and_computes_the_shift_in_pixels(at):
    press(at, PRESET.format(LECTURE_FIGURE))
    show_self_check(at, "unsupervised")
    widget(at, "radio", "check-unsupervised-1").set_value("Mutual information (MI)")
    widget(at, "radio", "check-unsupervised-2").set_value("rigid")
    at.run()
    assert any(s.value.startswith("Right. Mutual information") for s in at.success)
    assert any(e.value.startswith("Not quite. Translation, rigid and affine") for e in at.error)
    volume = samples.load(MNI)
    _, spacing, _ = working_image(volume, volume.n_slices // 2, 128)
    pixels = float(np.hypot(6.0 / spacing[0], 10.0 / spacing[1]))  # the preset's 6 mm down, 10 mm left
    widget(at, "number_input", "check-unsupervised-0").set_value(round(pixels + 0.5, 1)).run()
    assert sum(e.value.startswith("Not quite.") for e in at.error) == 2
    widget(at, "number_input", "check-unsupervised-0").set_value(round(pixels, 1)).run()
    assert sum(s.value.startswith("Right.") for s in at.success) == 2
    assert f"{pixels:.2f} pixels" in next(s.value for s in at.success if "pixel size" in s.value)
    assert at.session_state["progress"]["unsupervised"] == {"answered": 3, "correct": 2, "total": 5}


def test_the_landmarks_section_registers_from_pairs_placed_on_the_lesson_s_problem(at):
    go(at, "Landmarks")
    assert not any("being built" in i.value for i in at.info)
    placed = [b for b in at.button if b.label.startswith("Place") and "exact pairs" in b.label]
    assert placed, "the landmark section's controls are missing"
    placed[0].click()
    at.run()
    assert not problems(at), problems(at)
    shown = metrics(at)
    assert "Mean TRE (mm)" in shown and float(shown["Mean TRE (mm)"]) < 1.0  # exact pairs: below a pixel


RG3 = next(s.name for s in samples.SAMPLES if s.file == "RG3_UNCR.dcm")  # MONOCHROME1 in its file


def test_a_monochrome1_radiograph_is_shaded_low_values_white_and_its_maps_are_not(at):
    from core.overlays import difference
    from ui.images import INVERTED_NOTE

    choose_sample(at, RG3)
    values = working_image(samples.load(RG3), None, 128)[0]  # the target: the working image, not moved
    pictures = shown_pictures(at)
    assert brighter_where_low(pictures["(b) target: the fixed image"], values) > 200
    assert brighter_where_low(pictures[f"(a) source: the moving image we made{INVERTED_NOTE}"], values) > 100  # moved
    assert brighter_where_low(pictures["target in magenta, source in green"], values) > 200  # magenta: the target
    go(at, "Register")
    widget(at, "slider", "iterations").set_value(20)
    go(at, "Lecture figure")
    press(at, "unsup-run")
    pictures = shown_pictures(at)
    assert sum(INVERTED_NOTE in caption for caption in pictures) == 1  # said once
    for caption in ("(b) target", "(c) registered source", "(e) after",
                    "checkerboard of the target and the registered source"):
        assert brighter_where_low(pictures[caption], values) > 200, caption
    widget(at, "radio", "compare").set_value("difference")
    pictures = shown_pictures(at)
    source, target = pictures[f"(a) source{INVERTED_NOTE}"], pictures["(b) target"]
    before = pictures["(d) before registration"]  # a map of differences of the values, not shaded
    assert np.array_equal(before, difference(255 - target, 255 - source))
    assert not np.array_equal(before, difference(target, source))
    go(at, "Loss")
    press(at, "unsup-duel")
    pictures = shown_pictures(at)
    overlays = [caption for caption in pictures if caption.startswith("(e) after registration with")]
    assert len(overlays) == 2 and INVERTED_NOTE in overlays[0]
    assert all(brighter_where_low(pictures[caption], values) > 100 for caption in overlays)  # another contrast: moved
    go(at, "Landmarks")
    heatmaps = [json.loads(c.proto.spec)["data"][0] for c in at.get("plotly_chart")]
    assert len(heatmaps) == 2 and all(h["type"] == "heatmap" for h in heatmaps)
    for heatmap in heatmaps:  # the lowest value (zmin) white, the highest black
        (low, high) = (np.array(heatmap["colorscale"][n][1].strip("rgb()").split(","), float) for n in (0, -1))
        assert low.min() > 250 and high.max() < 5
    assert f"Both images{INVERTED_NOTE}." in captions(at)
    next(b for b in at.button if b.label.startswith("Place") and "exact pairs" in b.label).click()
    pictures = shown_pictures(at)
    [warped] = [p for caption, p in pictures.items() if caption.startswith("Fixed (magenta)")]
    assert brighter_where_low(warped, values) > 200
    go(at, "Clustering")
    widget(at, "radio", "cluster-on").set_value("the working image")
    pictures = shown_pictures(at)
    assert brighter_where_low(pictures[f"working image{INVERTED_NOTE}"], values) > 200
