"""The lecture's numbers on the page: its matrices come from the presets and the code, and stay in order."""

from __future__ import annotations

from streamlit.proto.Dataframe_pb2 import Dataframe

from harness import each_building_block, page_test, problems, widget

#: the two data-editor modes in which the browser offers no column sorting (Streamlit's q_ in DataFrame.js)
UNSORTABLE = {Dataframe.EditingMode.DYNAMIC, Dataframe.EditingMode.ADD_ONLY}


def click(at, label: str):
    [button] = [b for b in at.button if b.label == label]
    return button.click().run()


def test_the_pooling_and_relu_preset_shows_the_lectures_matrices_and_results():
    at = page_test("lessons/supervised.py", timeout=300)
    at.run()
    click(at, "Matrices")
    assert not problems(at)
    [edit] = [t for t in at.toggle if t.key == "sup-edit"]
    edit.set_value(True).run()  # the input matrices as editors
    inputs, results = [], []
    for _ in each_building_block(at):  # one block at a time: its editable matrix and what the page computed from it
        assert not problems(at)
        inputs += [d.value.values.tolist() for d in at.dataframe[:1]]
        results += [t.value.values.tolist() for t in at.table[:1]]  # an HTML table
    assert inputs == [
        [[-249, -91, -37], [250, -134, 101], [27, 61, -153]],  # the lecture's ReLU input
        [[29, 15, 28, 184], [0, 100, 70, 38], [12, 12, 7, 2], [12, 12, 45, 6]],  # max pooling input
        [[31, 15, 28, 184], [0, 100, 70, 38], [12, 12, 7, 2], [12, 12, 45, 6]],  # average pooling input
    ]
    assert results == [
        [[0, 0, 0], [250, 0, 101], [27, 61, 0]],  # ReLU's output, computed by core.layers.relu
        [[100, 184], [12, 45]],
        [[36.5, 80.0], [12.0, 15.0]],
    ]


def test_editable_matrices_cannot_be_sorted():
    at = page_test("lessons/supervised.py", timeout=300)
    at.run()
    [edit] = [t for t in at.toggle if t.key == "sup-edit"]
    edit.set_value(True).run()
    editors = [d for _ in each_building_block(at) for d in at.dataframe
               if d.proto.editing_mode != Dataframe.EditingMode.READ_ONLY]
    assert len(editors) == 3  # ReLU, max pooling, average pooling: one at a time
    assert all(d.proto.editing_mode in UNSORTABLE for d in editors)
    at = page_test("lessons/pixels.py", timeout=300)
    at.run()
    widget(at, "toggle", "px-x-edit").set_value(True).run()  # the X is a plain table until the learner edits it
    editors = [d for d in at.dataframe if d.proto.editing_mode != Dataframe.EditingMode.READ_ONLY]
    assert editors and all(d.proto.editing_mode in UNSORTABLE for d in editors)  # the X


def test_a_cine_loop_without_pixel_spacing_is_shown_with_unknown_spacing_and_frames():
    from pathlib import Path

    from pydicom.data import get_testdata_file

    from harness import upload
    at = page_test("lessons/loading.py", timeout=300)
    at.run()
    upload(at, ("loop.dcm", Path(get_testdata_file("examples_ybr_color.dcm", download=False)).read_bytes()))
    assert not problems(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Voxel size (mm)"] == "unknown"
    from harness import show_self_check, widget
    widget(at, "button_group", "section").set_value("Look at it").run()
    assert [s for s in at.slider if s.label == "Frame (time)"]
    show_self_check(at, "loading")  # its questions speak of frames, not of mm³
    texts = " ".join(m.value for m in at.markdown)
    assert "How many pixels does one frame" in texts and "mm³" not in texts


def test_snr_regions_start_in_the_dark_and_on_the_object_and_the_ct_caption_is_for_ct_only():
    from harness import choose_sample, widget
    at = page_test("lessons/pixels.py", timeout=300)
    at.session_state["section"] = "Signal and noise"
    at.run()
    choose_sample(at, "MRI 3D: subject head (nibabel anatomical.nii)")
    table = next(t.value for t in at.table if "signal mean" in list(t.value.index))
    assert float(table.loc["background mean", "original"]) < float(table.loc["signal mean", "original"])
    assert not any("Hounsfield" in c.value for c in at.caption)
    # a background box moved onto the brightest pixel of the head is flagged
    import numpy as np

    from core import samples
    head = samples.load("MRI 3D: subject head (nibabel anatomical.nii)")
    r, c = np.unravel_index(int(np.argmax(head.slice2d())), head.slice2d().shape)
    widget(at, "slider", next(s.key for s in at.slider if s.label == "Background rows")).set_value((int(r), int(r)))
    widget(at, "slider", next(s.key for s in at.slider if s.label == "Background columns")).set_value((int(c), int(c)))
    at.run()
    assert any("brighter than the signal" in w.value for w in at.warning)
    choose_sample(at, "CT: chest slice (pydicom CT_small)")
    assert any("Hounsfield" in c.value for c in at.caption)


def test_preparing_keeps_uploads_clean_fills_masks_with_a_physical_value_and_says_what_otsu_separates():
    import io

    import numpy as np
    from PIL import Image

    from core import samples
    from harness import choose_sample, upload, widget
    at = page_test("lessons/preparing.py", timeout=300)
    at.run()
    click(at, "v = 127 vs Otsu")
    assert at.session_state["section"] == "Thresholds"
    assert any("What Otsu separates here" in i.value and "head" in i.value for i in at.info)
    widget(at, "radio", "prep-image").set_value("sidebar image")
    choose_sample(at, "CT: chest slice (pydicom CT_small)")
    at.session_state["section"] = "Masking"
    at.run()
    ct_min = float(samples.load("CT: chest slice (pydicom CT_small)").data.min())
    filled = {m.label: m.value for m in at.metric}["Filled with"]
    assert float(filled.split()[0].replace("−", "-")) == ct_min and filled.endswith("HU")
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64)).astype(np.uint8)).save(buffer, "PNG")
    upload(at, ("mine.png", buffer.getvalue()))
    at.session_state["section"] = "Noise"
    at.run()
    assert not problems(at)
    [noise] = [s for s in at.selectbox if s.label == "Noise"]
    assert noise.value == "none"
    assert {m.label: m.value for m in at.metric}["Noise std"] == "0"


def test_the_sobel_kernels_of_lessons_4_and_6_are_one_filter_and_both_pages_say_so():
    import numpy as np

    from core import layers, preprocess
    for skimage_kernel, cnn_kernel in zip(preprocess.EDGE_KERNELS["sobel"],
                                          (layers.KERNELS["Sobel, horizontal edges"], layers.KERNELS["Sobel, vertical edges"])):
        assert np.array_equal(np.flip(skimage_kernel.integers), cnn_kernel)  # convolution flips; CNNs do not
    at = page_test("lessons/preparing.py", timeout=300)
    at.session_state["section"] = "Edges"
    at.run()
    [method] = [r for r in at.radio if r.key == "prep-edges" and "sobel" in r.options]
    method.set_value("sobel").run()
    assert any(c.value == layers.SOBEL_NOTE for c in at.caption)
    at = page_test("lessons/supervised.py", timeout=300)
    at.session_state["section"] = "Convolution"
    at.run()
    assert any(c.value == layers.SOBEL_NOTE for c in at.caption)  # the convolution opens on a Sobel kernel


def preset_page():
    import streamlit as st

    from ui import picker
    from ui.lesson import presets

    picker.image_picker()
    presets("Lecture presets", {"Phantom": {picker.SOURCE_KEY: picker.SAMPLE,
                                            picker.SAMPLE_KEY: "Phantom: Shepp-Logan head (scikit-image)"}},
            key="demo-preset")
    st.markdown("page")


def test_a_preset_that_changes_the_sidebar_image_says_so():
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_function(preset_page, default_timeout=120).run()
    assert not any("every other lesson now works on it" in i.value for i in at.info)
    click(at, "Phantom")
    assert any("chose **Phantom: Shepp-Logan head (scikit-image)** in the sidebar" in i.value
               and "every other lesson now works on it" in i.value for i in at.info)


def test_lesson_4_s_presets_work_on_the_lecture_s_phantom_and_leave_the_sidebar_image_alone():
    """A preset is a link's worth of the lesson's own controls: the sidebar (never in a link) keeps its image."""
    from core import samples
    from harness import widget
    at = page_test("lessons/preparing.py", timeout=300)
    at.run()
    before = widget(at, "selectbox", "sample_name").value
    for label in ("v = 127 vs Otsu", "Gaussian → Otsu", "Median filter"):
        click(at, label)
        assert not problems(at), label
        assert widget(at, "selectbox", "sample_name").value == before, label
        assert widget(at, "radio", "prep-image").value == "lecture phantom", label
        assert not any("every other lesson now works on it" in i.value for i in at.info), label
    assert widget(at, "selectbox", "sample_name").value != samples.SAMPLES[10].name  # the phantom is the lesson's


def test_a_lesson_opened_but_not_answered_is_not_answered_yet_on_the_course_map():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest
    app = str(Path(__file__).resolve().parents[2] / "app.py")
    at = AppTest.from_file(app, default_timeout=300)
    at.run()
    at.switch_page("lessons/loading.py").run()
    at.switch_page("lessons/home.py").run()
    table = next(t.value.reset_index() for t in at.table if "self-check" in t.value.columns)  # an HTML table
    row = table.loc[table["lesson"].str.startswith("2. "), "self-check"]
    assert list(row) == ["not answered yet"]


def test_unsupervised_ssd_vs_mi_preset_shows_both_runs_and_explains_ncc_across_contrasts():
    at = page_test("lessons/unsupervised.py", timeout=600)
    at.run()
    click(at, "SSD vs MI")
    assert not problems(at)
    beside = [c for image in at.get("image") for c in image.captions if c.startswith("(e) after registration with")]
    assert len(beside) == 2 and "with SSD: mean TRE" in beside[0] and "with MI: mean TRE" in beside[1]
    assert {m.label for m in at.metric} >= {"Mean TRE (mm), SSD", "Mean TRE (mm), MI"}
    assert any(c.value.startswith("NCC is not the measure across contrasts") for c in at.caption)


def test_a_deformable_registration_shows_no_affine_part_error_beside_its_tre():
    from harness import widget
    at = page_test("lessons/unsupervised.py", timeout=600)
    at.run()
    click(at, "(a)–(e) figure")
    widget(at, "selectbox", "transform").set_value("deformable").run()
    widget(at, "button", "unsup-run").click().run()
    assert not problems(at)
    assert "The deformation" in [s.value for s in at.subheader]
    widget(at, "segmented_control", "section").set_value("Register").run()
    assert "Mean TRE (mm)" in {m.label for m in at.metric}
    table = next(d.value for d in at.dataframe if "parameter" in d.value.columns)
    assert "error" not in table.columns and "affine part found" in table.columns
    assert not any(c.value.startswith("NCC is not the measure") for c in at.caption)  # same contrast here


def _plotly_figures(at) -> list[dict]:
    import json
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_loading_shows_the_series_table_the_probe_on_the_image_hu_colour_bars_and_whole_headline_metrics():
    from harness import choose_sample, widget
    at = page_test("lessons/loading.py", timeout=300)
    at.run()
    choose_sample(at, "CT: chest slice (pydicom CT_small)")
    widget(at, "button_group", "section").set_value("Look at it").run()
    viewer = _plotly_figures(at)
    widget(at, "button_group", "section").set_value("From file to screen").run()
    figures = _plotly_figures(at)
    colour_bars = [t["colorbar"]["title"]["text"] for f in viewer + figures for t in f["data"] if "colorbar" in t]
    assert len(colour_bars) == 2 and set(colour_bars) == {"HU"}  # the viewer's and the probe's
    probe = [t for f in figures for t in f["data"] if t.get("name") == "probe"]
    assert len(probe) == 1 and probe[0]["x"] == [64] and probe[0]["y"] == [64]
    widget(at, "number_input", "probe_row").set_value(5).run()
    probe = [t for f in _plotly_figures(at) for t in f["data"] if t.get("name") == "probe"]
    assert probe[0]["y"] == [5]
    widget(at, "button_group", "section").set_value("Your file").run()
    headline = [c for c in at.columns if any(m.label == "Voxel size (mm)" for m in c.get("metric"))]
    assert headline and all(c.weight >= 1 / 3 - 1e-9 for c in headline)  # three a row at most
    choose_sample(at, "MRI 3D: brain as a DICOM series (derived from MNI152)")
    assert not problems(at)
    table = next(d.value for d in at.dataframe if "place in the stack" in d.value.columns)
    assert len(table) == 95 and list(table["file"]) == sorted(table["file"])
    by_place = table.sort_values("place in the stack")
    assert by_place["position (mm)"].is_monotonic_increasing


def test_a_series_uploaded_under_shuffled_names_is_stacked_by_position_and_the_table_says_so():
    import pydicom

    from core.samples import mni_dicom_series
    from harness import upload
    files = mni_dicom_series(step=8)
    names = [f"slice_{(7 * n) % len(files):03d}.dcm" for n in range(len(files))]  # names out of anatomical order
    at = page_test("lessons/loading.py", timeout=300)
    at.run()
    upload(at, *[(name, data) for name, (_, data) in zip(names, files)])
    assert not problems(at)
    table = next(d.value for d in at.dataframe if "place in the stack" in d.value.columns)
    assert len(table) == len(files)
    positions = {name: float(pydicom.dcmread(__import__("io").BytesIO(data)).ImagePositionPatient[2])
                 for name, (_, data) in zip(names, files)}
    expected = sorted(positions, key=positions.get)
    assert list(table.sort_values("place in the stack")["file"]) == expected
    assert any("sit at another place in the stack than in the name order" in c.value for c in at.caption)


def test_exploring_shows_the_dataset_as_flagged_tiles_and_the_chosen_image_beside_its_histogram():
    from core.data import cohort as built_in
    from harness import widget
    at = page_test("lessons/exploring.py", timeout=300)
    at.run()
    assert not problems(at)
    widget(at, "button_group", "section").set_value("Look at the images").run()
    captions = [c for image in at.get("image") for c in image.captions]
    tiles = [c for c in captions if "⚠" in c]
    assert len(tiles) >= 5  # the cohort's deliberate problems are on their tiles
    assert any("unreadable" in c for c in tiles)
    widget(at, "button_group", "section").set_value("Histogram").run()
    captions = [c for image in at.get("image") for c in image.captions]
    assert len([c for c in captions if "(middle slice)" in c]) == 1  # the chosen image, beside its histogram
    widget(at, "toggle", "eda_log").set_value(True).run()
    import json
    figure = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if c.key == "eda-histogram"
                  or "proportion of pixels" in c.proto.spec)
    assert figure["layout"]["yaxis"]["type"] == "log" and figure["layout"]["yaxis"]["exponentformat"] == "power"
    assert len(built_in.PROBLEMS) >= 5


def test_the_voxel_block_of_a_stack_without_spacing_gives_no_millimetres():
    import io

    import numpy as np
    import tifffile

    from harness import upload
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, np.random.default_rng(0).integers(0, 255, (6, 40, 40)).astype(np.uint8))
    at = page_test("lessons/pixels.py", timeout=300)
    at.session_state["section"] = "Zoom"
    at.run()
    upload(at, ("stack.tif", buffer.getvalue()))
    assert not problems(at)
    assert "Voxels: the same in 3D" in [s.value for s in at.subheader]
    texts = " ".join(m.value for m in at.markdown)
    assert "records no voxel size" in texts and "mm³" not in texts
