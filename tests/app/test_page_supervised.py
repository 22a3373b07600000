"""AppTest of the Supervised learning page: every sample, uploads, worked examples, a short training, Grad-CAM."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from core import samples
from core.io.dicom_writer import write_dicom_slice
from harness import (brighter_where_low, choose_sample, each_building_block, image_captions, page_test, problems,
                     show_self_check, shown_pictures, upload, widget)
from upload_files import png, zip_of

PAGE = "lessons/supervised.py"
SMALL = {"sup-n-dermoscopy": 60, "sup-n-lesions": 80, "sup-size": 32, "sup-blocks": 2,
         "sup-epochs-dermoscopy": 2, "sup-epochs-lesions": 3}


@pytest.fixture
def at():
    app = page_test(PAGE, timeout=300, state=SMALL)
    app.run()
    assert not problems(app), problems(app)
    return app


def open_section(at, name: str):
    """Choose a section of the lesson, as the learner does at its top."""
    chooser = widget(at, "button_group", "section")
    assert name in chooser.options, chooser.options
    chooser.set_value(name)
    at.run()
    assert not problems(at), problems(at)
    return at


def network(at):
    """The network the lesson explains (one `ui.supervised_network.Network`)."""
    return at.session_state["sup_trained"]


def texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
                     + [w.value for w in at.warning] + [e.value for e in at.error])


def train(at, source: str = "dermoscopy"):
    if source != "dermoscopy":
        at.session_state["sup-source"] = source
    open_section(at, "Training")
    at.button(key="sup-train").click()
    at.run()
    assert not problems(at), problems(at)
    return at


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def matrices(at) -> list[list]:
    """Every matrix of every building block: the editable ones (grids) and the results (HTML tables)."""
    return [d.value.to_numpy().tolist() for _ in each_building_block(at) for d in [*at.dataframe, *at.table]]


def test_worked_examples_reproduce_the_lecture(at):
    assert [[0, 0, 0], [250, 0, 101], [27, 61, 0]] in [t.value.to_numpy().tolist() for t in at.table]  # a result
    values = matrices(at)
    assert [[0, 0, 0], [250, 0, 101], [27, 61, 0]] in values  # the lecture's ReLU example
    assert [[100, 184], [12, 45]] in values
    assert [[36.5, 80.0], [12.0, 15.0]] in values
    assert "36.5" in texts(at) and "prints 36" in texts(at)


def editors(at) -> list:
    from streamlit.proto.Dataframe_pb2 import Dataframe
    return [d for d in at.dataframe if d.proto.editing_mode != Dataframe.EditingMode.READ_ONLY]


def test_the_building_blocks_draw_one_editable_matrix_at_a_time_once_asked(at):
    assert widget(at, "button_group", "sup-block").value == "ReLU"
    assert not at.dataframe  # the first screen: the numbers as plain tables, no data editor for the browser to load
    assert [[-249, -91, -37], [250, -134, 101], [27, 61, -153]] == at.table[0].value.to_numpy().tolist()
    widget(at, "toggle", "sup-edit").set_value(True).run()
    for name in each_building_block(at):
        assert not problems(at)
        assert len(editors(at)) == 1, name  # one canvas grid for the learner's browser to draw, not three
    assert widget(at, "button_group", "sup-block").proto.query_param_key == "sup-block"  # a link reopens it


def test_an_edit_survives_a_switch_to_another_block_and_back(at):
    """Streamlit drops a data editor's edits in a run that does not draw it: the lesson keeps the matrix itself."""
    widget(at, "toggle", "sup-edit").set_value(True).run()
    widget(at, "button_group", "sup-block").set_value("Max pooling").run()
    widget(at, "button_group", "sup-max-size").set_value(3).run()
    widget(at, "button_group", "sup-max-size").set_value(2).run()
    [editor] = editors(at)
    at.session_state[editor.key] = {"edited_rows": {0: {"col 4": 5}}, "added_rows": [], "deleted_rows": []}
    at.run()  # the lecture's exercise: the 184 becomes 5, only the top-right output moves
    assert [[100, 70], [12, 45]] in [t.value.to_numpy().tolist() for t in at.table]
    widget(at, "button_group", "sup-max-size").set_value(3).run()
    for name in ("ReLU", "Average pooling", "Max pooling"):
        widget(at, "button_group", "sup-block").set_value(name).run()
        assert not problems(at) and not at.warning, name
    [editor] = editors(at)
    assert editor.value.to_numpy().tolist()[0] == [29, 15, 28, 5]  # the edited matrix is back in its editor
    assert widget(at, "button_group", "sup-max-size").value == 3  # and its window
    assert [[100]] in [t.value.to_numpy().tolist() for t in at.table]
    widget(at, "button_group", "sup-max-size").set_value(2).run()
    assert [[100, 70], [12, 45]] in [t.value.to_numpy().tolist() for t in at.table]
    widget(at, "toggle", "sup-edit").set_value(False).run()  # the editor folded away: the numbers as left
    assert not at.dataframe and at.table[0].value.to_numpy().tolist()[0] == [29, 15, 28, 5]
    assert [[100, 70], [12, 45]] in [t.value.to_numpy().tolist() for t in at.table]
    widget(at, "toggle", "sup-edit").set_value(True).run()
    at.button(key="supervised-preset-Matrices").click().run()  # the preset brings the lecture's numbers back
    [editor] = editors(at)
    assert editor.value.to_numpy().tolist()[0] == [29, 15, 28, 184]
    assert [[100, 184], [12, 45]] in [t.value.to_numpy().tolist() for t in at.table]


def test_the_self_check_reads_the_average_matrix_the_learner_left_while_another_block_is_shown(at):
    widget(at, "toggle", "sup-edit").set_value(True).run()
    widget(at, "button_group", "sup-block").set_value("Average pooling").run()
    [editor] = editors(at)
    at.session_state[editor.key] = {"edited_rows": {0: {"col 1": 35}}, "added_rows": [], "deleted_rows": []}
    at.run()
    widget(at, "button_group", "sup-block").set_value("ReLU").run()
    show_self_check(at, "supervised")
    widget(at, "number_input", "check-supervised-0").set_value(37.5).run()  # (35 + 15 + 0 + 100) / 4
    assert any(s.value.startswith("Right.") and "37.5" in s.value for s in at.success)


def test_every_sample_renders_the_convolution_and_the_page(at):
    open_section(at, "Convolution")
    for name in samples.names():
        choose_sample(at, name)
        assert not problems(at), (name, problems(at))
        assert not at.error, (name, [e.value for e in at.error])
        assert "**Sum** =" in texts(at), name
        assert len(at.get("image")) >= 4, name  # the image, its feature map, after ReLU, after pooling
        assert widget(at, "button_group", "section").value == "Convolution"


def test_kernel_choice_changes_the_sum(at):
    open_section(at, "Convolution")
    choose_sample(at, "MR: head slice (pydicom MR_small)")
    sums = set()
    for kernel in ("Sobel, vertical edges", "Gaussian blur", "Sharpen"):
        widget(at, "selectbox", "sup-kernel").set_value(kernel)
        at.run()
        sums.add(next(m.value for m in at.markdown if m.value.startswith("**Sum**")))
    assert len(sums) == 3


def test_good_and_bad_uploads(at):
    open_section(at, "Convolution")
    ramp = np.tile(np.arange(64, dtype=np.uint8) * 4, (48, 1))
    upload(at, ("ramp.png", png(ramp)))
    assert not problems(at) and not at.error
    assert "ramp.png" in texts(at)
    upload(at, ("tiny.png", png(np.array([[7]], np.uint8))))
    assert not problems(at)
    assert any("smaller than the 3 × 3 kernel" in w.value for w in at.warning)
    upload(at, ("flat.png", png(np.full((20, 20), 9, np.uint8))))
    assert not problems(at) and "**Sum** =" in texts(at)
    upload(at, ("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10))
    assert not problems(at)
    assert at.error  # the picker's message; the page carries on with the sample
    assert "**Sum** =" in texts(at)
    open_section(at, "Training")
    assert any("parameters" in d.value.columns for d in at.dataframe)  # the rest of the lesson carries on too


RG3 = next(s.name for s in samples.SAMPLES if s.file == "RG3_UNCR.dcm")  # MONOCHROME1 in its file


def test_the_convolution_shows_a_monochrome1_image_as_its_file_asks_and_its_maps_as_they_are(at):
    from core import layers
    from ui.images import INVERTED_NOTE, grey8

    open_section(at, "Convolution")
    choose_sample(at, RG3)
    values = samples.load(RG3).data
    pictures = shown_pictures(at)
    image = pictures[f"Image · {values.shape[0]} × {values.shape[1]}{INVERTED_NOTE}"]
    assert brighter_where_low(image, values) > 200  # the lowest values white, as the file asks
    feature = layers.convolve(values.astype(np.float64), layers.KERNELS["Sobel, vertical edges"])
    side = values.shape[0] - 2
    assert np.array_equal(pictures[f"Feature map (convolution) · {side} × {side}"], grey8(feature))  # high white
    assert np.array_equal(pictures[f"After ReLU · {side} × {side}"], grey8(layers.relu(feature)))
    assert sum(INVERTED_NOTE in caption for caption in pictures) == 1  # said once
    assert any("not on its shading" in c.value for c in at.caption)


def test_short_training_then_evaluation_inside_and_grad_cam(at):
    open_section(at, "Training")
    assert any("Train the network" in i.value for i in at.info)
    train(at)
    assert "sup_trained" in at.session_state
    assert network(at).history.epochs == 2 and network(at).data_key is not None
    assert at.get("plotly_chart")  # the training curves
    open_section(at, "Evaluation")
    found = metrics(at)
    for label in ("Accuracy", "Sensitivity", "Specificity", "AUC"):
        assert label in found
    open_section(at, "Inside")
    assert any("maps of" in c.value for c in at.caption) and len(at.get("image")) > 0
    widget(at, "selectbox", "sup-inside-layer").set_value("conv2")
    at.run()
    assert not problems(at)
    assert any("maps of" in c.value for c in at.caption)
    open_section(at, "Grad-CAM")
    widget(at, "selectbox", "sup-cam-class").set_value(0)
    at.run()
    assert not problems(at)
    assert any("Grad-CAM for “benign”" in c for c in image_captions(at))
    choose_sample(at, "fMRI 4D: time series (nibabel example4d.nii.gz)")
    assert not problems(at) and "What the network receives" in image_captions(at)
    choose_sample(at, RG3)  # MONOCHROME1: the network receives it as it is shown, as a .zip's images are
    assert any("inverted (1 − x) as its file asks" in c.value for c in at.caption)
    assert brighter_where_low(shown_pictures(at)["What the network receives"], samples.load(RG3).data) > 100


def test_the_grad_cam_preset_holds_the_lecture_s_network():
    from core.text.course_text import load_lesson

    [preset] = [p for p in load_lesson("supervised").presets if p.label == "Grad-CAM"]
    assert preset.section == "Grad-CAM" and preset.shortcut
    settings = preset.settings
    assert settings["sup-source"] == "lesions" and settings["sup-head-lesions"] == "global max"
    assert (settings["sup-n-lesions"], settings["sup-epochs-lesions"], settings["sup-size"]) == (600, 15, 64)


def small_grad_cam_preset(monkeypatch):
    """The Grad-CAM preset with the lecture's 600 images and 15 epochs made small, so a test can press it."""
    from dataclasses import replace

    from core.text import course_text

    real = course_text.load_lesson

    def load(name, *args, **kwargs):
        text = real(name, *args, **kwargs)
        shrunk = {**SMALL, "sup-source": "lesions"}
        return replace(text, presets=tuple(
            replace(p, settings={**p.settings, **{k: v for k, v in shrunk.items() if k in p.settings or
                                                  k == "sup-blocks"}}) if p.label == "Grad-CAM" else p
            for p in text.presets))

    monkeypatch.setattr(course_text, "load_lesson", load)


def test_the_grad_cam_preset_trains_and_draws_its_figure_in_one_press_and_is_instant_the_second_time(at, monkeypatch):
    small_grad_cam_preset(monkeypatch)
    at.run()
    at.button(key="supervised-preset-Grad-CAM").click()
    at.run()  # one press: the network it needs is trained (progress and Stop on the way), then the figure
    assert not problems(at), problems(at)
    assert widget(at, "button_group", "section").value == "Grad-CAM"
    assert widget(at, "radio", "sup-source").value == "lesions"
    assert widget(at, "selectbox", "sup-head-lesions").value == "global max"
    first = network(at)
    assert first.history.epochs == SMALL["sup-epochs-lesions"]
    score = metrics(at)["Pointing game"]
    assert score.endswith("%") and 0 <= int(score[:-1]) <= 100
    captions = image_captions(at)
    assert any("white outline: the true lesion" in c for c in captions)  # opened on the first held-out lesion
    assert any("Grad-CAM for “lesion”" in c for c in captions)
    open_section(at, "Building blocks")
    at.button(key="supervised-preset-Grad-CAM").click()
    at.run()  # the second time: the session's network, no training
    assert not problems(at)
    assert network(at) is first
    assert any("Grad-CAM for “lesion”" in c for c in image_captions(at))


def test_model_download_and_reupload(at):
    train(at)
    saved = network(at).model_bytes
    assert saved[:2] == b"PK"
    widget(at, "file_uploader", "sup-model-file").set_value(("mine.keras", saved, "application/octet-stream"))
    at.run()
    assert not problems(at) and not at.error
    assert any("Using the model loaded from mine.keras" in c.value for c in at.caption)
    assert network(at).name == "mine.keras" and network(at).history is None
    widget(at, "file_uploader", "sup-model-file").set_value(("bad.keras", b"not a model", "application/octet-stream"))
    at.run()
    assert not problems(at)
    assert any("not a .keras model file" in e.value for e in at.error)


def test_zip_of_class_folders_good_and_bad(at):
    open_section(at, "Data")
    widget(at, "radio", "sup-source").set_value("zip")
    at.run()
    assert any("Upload a .zip" in i.value for i in at.info)
    rng = np.random.default_rng(0)
    good = {f"train/{c}/{i}.png": png((rng.random((24, 24)) * 80 + (0 if c == "dark" else 150)).astype(np.uint8))
            for c in ("dark", "light") for i in range(8)}
    widget(at, "file_uploader", "sup-zip").set_value(("mine.zip", zip_of(good), "application/zip"))
    at.run()
    assert not problems(at) and not at.error
    assert metrics(at)["Dark"] == "8" and metrics(at)["Light"] == "8"
    train(at, "zip")
    open_section(at, "Evaluation")
    assert "Accuracy" in metrics(at)
    open_section(at, "Data")
    bad = {f"train/only/{i}.png": good[f"train/dark/{i}.png"] for i in range(8)}
    widget(at, "file_uploader", "sup-zip").set_value(("bad.zip", zip_of(bad), "application/zip"))
    at.run()
    assert not problems(at)
    assert any("single class" in e.value for e in at.error)


def test_a_zip_of_monochrome1_dicoms_is_shown_and_learned_as_the_files_ask(at):
    """MONOCHROME1 images are inverted when read: the gallery shows the lowest value white, and says how many were."""
    pixels = np.zeros((16, 16), np.uint16)
    pixels[:, 8:] = 1000  # left half the lowest value
    files = {f"train/{photometric}/{i}.dcm": write_dicom_slice(pixels, position_lps=(0, 0, 0), series_uid="1.2",
                                                               study_uid="1.2", photometric=photometric)
             for photometric in ("MONOCHROME1", "MONOCHROME2") for i in range(5)}
    open_section(at, "Data")
    widget(at, "radio", "sup-source").set_value("zip")
    at.run()
    widget(at, "file_uploader", "sup-zip").set_value(("xr.zip", zip_of(files), "application/zip"))
    at.run()
    assert not problems(at) and not at.error
    assert any("5 MONOCHROME1 DICOMs among the images, inverted" in c.value for c in at.caption)
    shown = shown_pictures(at)
    white_low = next(p for c, p in shown.items() if "MONOCHROME1" in c)
    black_low = next(p for c, p in shown.items() if "MONOCHROME2" in c)
    assert white_low[:, :4].min() == 255 and white_low[:, -4:].max() == 0  # the lowest value white, as the file asks
    assert black_low[:, :4].max() == 0 and black_low[:, -4:].min() == 255


def advanced_expander(at):
    return [e for e in at.expander if e.label == "Advanced settings"]


def test_lecturer_mode_folds_explanations_and_the_advanced_controls(at):
    assert not any(e.label == "Explanation" for e in at.expander)
    open_section(at, "Training")
    assert not advanced_expander(at)
    panels = [e.label for e in at.expander if e.label.startswith("Show the code")]
    assert len(panels) == 2 and len(set(panels)) == 2, panels  # two code panels, each named by what it does
    assert widget(at, "select_slider", "sup-kernel-size") and widget(at, "select_slider", "sup-lr")
    widget(at, "toggle", "lecturer").set_value(True).run()
    assert not problems(at)
    assert not any(e.label == "Try this" for e in at.expander)
    [advanced] = advanced_expander(at)  # fewer controls for a room, folded: presets and links still set them
    assert not advanced.proto.expanded
    for kind, key in (("select_slider", "sup-kernel-size"), ("radio", "sup-pooling"), ("select_slider", "sup-lr"),
                      ("slider", "sup-validation"), ("toggle", "sup-augment")):
        assert [w for w in advanced.get(kind) if w.key == key], key
    assert widget(at, "slider", "sup-blocks") and widget(at, "slider", "sup-epochs-dermoscopy")
    assert not [w for w in advanced.get("slider") if w.key == "sup-blocks"]
    open_section(at, "Building blocks")
    assert sum(e.label == "Explanation" for e in at.expander) >= 2
    open_section(at, "Data")
    assert sum(e.label == "Explanation" for e in at.expander) >= 1
    [abcd] = [t for t in at.table if "asymmetry" in t.value.columns]
    shown = pa.ipc.open_stream(abcd.proto.arrow_data.styler.display_values).read_pandas()
    assert list(shown["asymmetry"]) == [f"{v:.4g}" for v in abcd.value["asymmetry"]]  # "0.25", not "0.2500"
    assert any("No skin-cancer dataset" in m.value
               for e in at.expander if e.label == "Explanation" for m in e.get("markdown"))


def test_presets_restore_the_lecture_matrices_and_an_unbalanced_set(at):
    at.session_state["sup-max-size"] = 3
    at.session_state["sup-average-size"] = 3
    at.run()
    values = matrices(at)
    assert [[100]] in values and [[100, 184], [12, 45]] not in values
    at.button(key="supervised-preset-Matrices").click()
    at.run()
    assert not problems(at)
    assert at.session_state["sup-matrices-version"] == 1  # fresh editors: any edit is gone
    values = matrices(at)
    assert [[0, 0, 0], [250, 0, 101], [27, 61, 0]] in values  # the lecture's ReLU example
    assert [[100, 184], [12, 45]] in values
    assert [[36.5, 80.0], [12.0, 15.0]] in values
    assert "**36.5**" in texts(at)
    at.button(key="supervised-preset-Unbalanced").click()
    at.run()
    assert not problems(at)
    assert widget(at, "button_group", "section").value == "Data"
    assert metrics(at)["Benign"] == "95" and metrics(at)["Malignant"] == "5"
    assert any("Unbalanced classes" in w.value for w in at.warning)


def test_self_check_gives_feedback_computed_from_the_page(at):
    open_section(at, "Training")
    conv1 = next(d.value for d in at.dataframe if "parameters" in d.value.columns)
    conv1 = int(conv1.set_index("layer").loc["conv1", "parameters"])
    assert conv1 == 3 * 3 * 3 * 8 + 8
    show_self_check(at, "supervised")
    widget(at, "number_input", "check-supervised-0").set_value(36.5)
    widget(at, "number_input", "check-supervised-1").set_value(conv1)
    widget(at, "radio", "check-supervised-2").set_value("95% accuracy, 100% sensitivity")
    at.run()
    assert not problems(at)
    assert sum(s.value.startswith("Right.") for s in at.success) == 2
    assert any(e.value.startswith("Not quite.") and "sensitivity 0%" in e.value for e in at.error)
    assert any("(31 + 15 + 0 + 100) / 4 = **36.5**" in s.value for s in at.success)
    assert any("row *conv1*" in s.value for s in at.success)  # the table is on the page
    assert at.session_state["progress"]["supervised"] == {"answered": 3, "correct": 2, "total": 6}
    widget(at, "number_input", "check-supervised-0").set_value(36)  # the slide's rounded value
    widget(at, "radio", "check-supervised-2").set_value("95% accuracy, 0% sensitivity").run()
    assert at.session_state["progress"]["supervised"] == {"answered": 3, "correct": 2, "total": 6}
    assert any(e.value.startswith("Not quite.") and "36.5" in e.value for e in at.error)


def interrupt_training_after_epoch(monkeypatch, last: int) -> None:
    """Make the next training end as Streamlit ends a run when Stop is pressed: a control exception (a
    BaseException) raised from the page's progress report, here after epoch `last`, inside model.fit."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    from core import cnn

    real_train = cnn.train

    def train_until_stopped(*args, on_epoch, **kwargs):
        def report_then_stop(epoch, history):
            on_epoch(epoch, history)
            if epoch == last:
                monkeypatch.setattr(cnn, "train", real_train)
                raise StopException()

        return real_train(*args, on_epoch=report_then_stop, **kwargs)

    monkeypatch.setattr(cnn, "train", train_until_stopped)


def stop_messages(at) -> list[str]:
    return [i.value for i in at.info if "stopped before the end" in i.value]


def test_stop_shows_only_while_training_and_an_interrupted_training_keeps_nothing(at, monkeypatch):
    open_section(at, "Training")
    with pytest.raises(KeyError):
        widget(at, "button", "sup-stop")
    interrupt_training_after_epoch(monkeypatch, last=1)
    at.button(key="sup-train").click()
    at.run()
    assert not problems(at)
    assert widget(at, "button", "sup-stop")  # drawn while training, still on screen when the run was cut short
    assert "sup_trained" not in at.session_state
    at.run()  # the rerun the press of Stop starts
    assert not problems(at)
    assert stop_messages(at) == ["Training stopped before the end (Stop, or another control, was pressed): nothing "
                                 "was kept. Press **Train the network** to start again."]
    assert "sup_trained" not in at.session_state
    assert any("Press **Train the network**" in i.value and "to fill this section" in i.value for i in at.info)
    with pytest.raises(KeyError):
        widget(at, "button", "sup-stop")
    at.run()
    assert stop_messages(at) == []  # said once


def test_a_finished_training_removes_stop_and_an_interrupted_one_leaves_the_previous_network(at, monkeypatch):
    train(at)
    with pytest.raises(KeyError):
        widget(at, "button", "sup-stop")  # the training finished: no Stop left on the page
    assert stop_messages(at) == []
    first = network(at).model
    interrupt_training_after_epoch(monkeypatch, last=1)
    train(at)
    at.run()
    assert not problems(at)
    assert len(stop_messages(at)) == 1 and "still show the network trained before" in stop_messages(at)[0]
    assert network(at).model is first
    open_section(at, "Evaluation")
    assert "Accuracy" in metrics(at)


def test_scores_from_fewer_than_ten_held_out_examples_of_a_class_come_with_a_caution(at):
    train(at)  # 60 images, 20 % held out: 12, so each class has fewer than 10
    open_section(at, "Evaluation")
    assert "Accuracy" in metrics(at)
    assert any("among the 12 held out" in w.value and "fewer than 10 examples" in w.value for w in at.warning)


def test_the_overfitting_preset_makes_the_try_this_step_true():
    """Try-this step 3: with the preset, validation accuracy stops rising while training accuracy goes on."""
    app = page_test(PAGE, timeout=900)
    app.run()
    app.button(key="supervised-preset-Overfitting").click()
    app.run()  # one press: the preset opens Training and trains with the lecture's settings
    assert not problems(app), problems(app)
    assert widget(app, "button_group", "section").value == "Training"
    assert app.get("plotly_chart")  # the curves, first under the controls
    history = network(app).history
    train_acc, val_acc = np.array(history.accuracy), np.array(history.val_accuracy)
    assert len(train_acc) == 40
    best = int(np.argmax(val_acc))
    assert best < 30  # validation stops rising well before the end...
    assert train_acc[-1] >= 0.97 and train_acc[-1] >= train_acc[best]  # ...while training goes on
    assert val_acc[-1] < train_acc[-1] - 0.08  # the gap of overfitting


def test_a_link_reopens_a_section_with_its_controls_and_names_a_value_it_ignored():
    at = page_test(PAGE, timeout=300)
    at.query_params["section"] = "Convolution"
    at.query_params["sup-kernel"] = "Gaussian blur"
    at.query_params["sup-row"] = "5"
    at.query_params["sup-col"] = "7"
    at.run()
    assert not problems(at), problems(at)
    assert widget(at, "button_group", "section").value == "Convolution"
    assert widget(at, "selectbox", "sup-kernel").value == "Gaussian blur"
    assert widget(at, "slider", "sup-row").value == 5 and widget(at, "slider", "sup-col").value == 7
    assert any("the feature map's pixel (5, 7)" in m.value for m in at.markdown)
    assert not any("link" in w.value for w in at.warning)
    assert widget(at, "slider", "sup-row").proto.query_param_key == "sup-row"  # the browser's URL follows it

    at = page_test(PAGE, timeout=300)
    at.query_params["section"] = "Training"
    at.query_params["sup-blocks"] = "9"  # out of range (1 to 4)
    at.query_params["sup-filters"] = "16"
    at.run()
    assert not problems(at), problems(at)
    assert widget(at, "slider", "sup-blocks").value == 3  # the default
    assert widget(at, "select_slider", "sup-filters").value == 16
    assert any("sup-blocks=9" in w.value and "not used" in w.value for w in at.warning)


BOUND_KINDS = ("slider", "select_slider", "selectbox", "radio", "toggle", "number_input", "button_group")


def test_every_control_that_shapes_a_figure_is_kept_in_the_url(at):
    at.session_state["sup-source"] = "lesions"
    train(at, "lesions")
    seen = set()
    for section in widget(at, "button_group", "section").options:
        open_section(at, section)
        for _ in each_building_block(at) if section == "Building blocks" else [None]:  # one block at a time
            for control in (c for kind in BOUND_KINDS for c in at.get(kind)):
                key = str(getattr(control, "key", "") or "")
                if key.startswith("sup-") and not key.startswith("sup-explain"):  # ui.explanations: not this lesson's
                    assert control.proto.query_param_key == key, (section, key)
                    seen.add(key)
    assert widget(at, "button_group", "section").proto.query_param_key == "section"
    assert {"sup-block", "sup-edit", "sup-max-size", "sup-average-size", "sup-kernel", "sup-row", "sup-col", "sup-source", "sup-n-lesions", "sup-size",
            "sup-blocks", "sup-epochs-lesions", "sup-lr", "sup-inside-layer", "sup-positive", "sup-cam-image",
            "sup-cam-class", "sup-cam-opacity"} <= seen
