"""AppTest of the Loading page: every sample in every section, good and bad uploads, the value chain probed by a
click or by the number boxes, links, the header and PHI opt-in."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from pydicom.data import get_testdata_file

from core import samples
from core.text.safe_text import md
from harness import choose_sample, page_test, problems, show_self_check, upload, widget

PAGE = "lessons/loading.py"
NIBABEL_DATA = Path(nib.__file__).parent / "tests" / "data"
SECTIONS = ["Your file", "Look at it", "From file to screen", "The header"]
CT = "CT: chest slice (pydicom CT_small)"


@pytest.fixture
def at():
    app = page_test(PAGE)
    app.run()
    assert not problems(app)
    return app


def image_header(app) -> str:
    return next(h.value for h in app.header if h.value.startswith("Your image"))


def open_section(app, name: str):
    """Choose a section of the lesson (the control at its top) and rerun."""
    widget(app, "button_group", "section").set_value(name)
    return app.run()


def metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def charts(app) -> list[dict]:
    return [json.loads(c.proto.spec) for c in app.get("plotly_chart")]


def ring(app) -> tuple[list, list]:
    """The probe's ring on the picture: its x (column) and y (row)."""
    probes = [t for f in charts(app) for t in f["data"] if t.get("name") == "probe"]
    assert len(probes) == 1, "the probed pixel is not ringed on its picture"
    return probes[0]["x"], probes[0]["y"]


def click(app, x: float, y: float, *more: tuple[float, float]):
    """A click on the probe's picture (and `more` points selected with it, ``(x, y)``), as the browser reports a
    plotly point selection, then the rerun it starts."""
    chart = next(c for c in app.get("plotly_chart") if c.key == "probe_figure")
    states = app._tree.get_widget_states()
    state = states.widgets.add()
    state.id = chart.proto.id
    points = [{"x": px, "y": py, "curve_number": 1, "point_number": n} for n, (px, py) in enumerate([(x, y), *more])]
    state.string_value = json.dumps({"selection": {"points": points, "point_indices": list(range(len(points))),
                                                 "box": [], "lasso": []}})
    return app._run(states)


def test_every_sample_renders_every_section(at):
    for name in samples.names():
        choose_sample(at, name)
        open_section(at, "Your file")
        assert not problems(at), (name, problems(at))
        assert image_header(at) == f"Your image: {name}"
        assert any(m.label == "Format" for m in at.metric)
        assert not at.error
        for section in SECTIONS[1:]:
            open_section(at, section)
            assert not problems(at) and not at.error, (name, section, problems(at))
        open_section(at, "From file to screen")
        assert ring(at)  # every image has its probe


def test_only_the_chosen_section_is_drawn(at):
    assert [h.value for h in at.header][:2] == ["Three families of files", f"Your image: {samples.DEFAULT}"]
    assert not at.get("plotly_chart") and "Stored value" not in metrics(at)
    open_section(at, "From file to screen")
    assert "Stored value" in metrics(at) and not any(h.value.startswith("Your image") for h in at.header)
    assert [c.key for c in at.get("plotly_chart")] == ["probe_figure", "lut-chain-curves"]  # + the display path


def test_ct_value_chain_shows_hounsfield_units(at):
    choose_sample(at, CT)
    open_section(at, "From file to screen")
    shown = metrics(at)
    stored, physical = float(shown["Stored value"]), float(shown["Physical value"])
    assert physical == stored - 1024
    assert shown["× slope + intercept"] == "× 1 + -1024"


def test_a_modality_lut_file_s_chain_says_table_lookup_not_a_slope(at):
    choose_sample(at, "LUT test: Modality LUT (IHE MESA mlut_18)")
    open_section(at, "From file to screen")
    shown = metrics(at)
    assert shown["Modality LUT"] == "table lookup" and "× slope + intercept" not in shown
    assert float(shown["Physical value"]) != float(shown["Stored value"])


def test_probe_controls_move_the_value(at):
    choose_sample(at, "MR: head slice (pydicom MR_small)")
    open_section(at, "From file to screen")
    before = metrics(at)["Physical value"]
    widget(at, "number_input", "probe_row").set_value(5).run()
    after = metrics(at)["Physical value"]
    assert not problems(at) and before != after


def test_a_click_on_the_picture_probes_that_pixel_and_the_boxes_follow(at):
    volume = samples.load(CT)
    open_section(at, "From file to screen")
    assert ring(at) == ([64], [64])
    click(at, 10.0, 20.0)
    assert not problems(at)
    assert widget(at, "number_input", "probe_row").value == 20 and widget(at, "number_input", "probe_col").value == 10
    shown = metrics(at)
    assert float(shown["Physical value"]) == float(volume.data[20, 10])
    assert float(shown["Stored value"]) == float(volume.stored[20, 10])
    width, level = widget(at, "number_input", "chain_width").value, widget(at, "number_input", "chain_level").value
    grey = int(np.clip((volume.data[20, 10] - (level - width / 2)) / width * 255, 0, 255))
    assert abs(int(shown["Displayed grey"]) - grey) <= 1
    assert ring(at) == ([10], [20])
    widget(at, "number_input", "probe_col").set_value(11).run()  # the keyboard's way, from the clicked pixel
    assert ring(at) == ([11], [20]) and float(metrics(at)["Physical value"]) == float(volume.data[20, 11])


def test_a_click_outside_the_picture_changes_nothing(at):
    open_section(at, "From file to screen")
    click(at, 500.0, -3.0)
    assert not problems(at) and ring(at) == ([64], [64])
    click(at, 3.0, 4.0, (7.4, 9.6), (500.0, -3.0))  # several points selected at once: the last inside the picture
    assert not problems(at) and ring(at) == ([7], [10])
    assert widget(at, "number_input", "probe_row").value == 10 and widget(at, "number_input", "probe_col").value == 7


def test_a_link_reopens_the_probed_pixel_and_its_window():
    volume = samples.load(CT)
    app = page_test(PAGE)
    for key, value in {"section": "From file to screen", "probe_row": "30", "probe_col": "40",
                       "chain_width": "1500", "chain_level": "-600"}.items():
        app.query_params[key] = value
    app.run()
    assert not problems(app) and not app.warning
    assert ring(app) == ([40], [30])
    shown = metrics(app)
    assert float(shown["Physical value"]) == float(volume.data[30, 40])
    assert "Window: values from -1350 (black) to 150 (white)" in " ".join(c.value for c in app.caption)
    for key in ("probe_row", "probe_col", "chain_width", "chain_level"):  # the browser writes them into the URL
        assert widget(app, "number_input", key).proto.query_param_key == key
    widget(app, "number_input", "probe_row").set_value(31).run()
    assert ring(app) == ([40], [31]) and not app.warning


def test_a_link_with_a_malformed_value_opens_the_default_and_says_which_was_ignored():
    app = page_test(PAGE)
    app.query_params["section"] = "From file to screen"
    app.query_params["probe_row"] = "abc"
    app.query_params["probe_col"] = "40"
    app.run()
    assert not problems(app)
    assert widget(app, "number_input", "probe_row").value == 64 and ring(app) == ([40], [64])
    assert any("probe_row=abc" in w.value for w in app.warning)


def test_another_image_starts_the_probe_at_its_centre(at):
    open_section(at, "From file to screen")
    widget(at, "number_input", "probe_row").set_value(120).run()
    choose_sample(at, "MRI 3D: subject head (nibabel anatomical.nii)")
    assert not problems(at)
    volume = samples.load("MRI 3D: subject head (nibabel anatomical.nii)")
    assert widget(at, "number_input", "probe_row").value == volume.spatial_shape[1] // 2
    assert widget(at, "number_input", "probe_slice").value == volume.spatial_shape[0] // 2


def header_value(at, field: str) -> str:
    """The one value of `field` in the header table: the row must exist, exactly once."""
    if not any(h.value == "The header" for h in at.header):
        open_section(at, "The header")
    table = at.dataframe[-1].value
    rows = table.loc[table["field"] == field, "value"]
    assert len(rows) == 1, (field, list(table["field"])[:20])
    return str(rows.iloc[0])


def test_phi_is_hidden_until_the_learner_opts_in(at):
    choose_sample(at, "CT: chest slice (pydicom CT_small)")
    assert header_value(at, "PatientName") == "‹redacted›"
    widget(at, "toggle", "reveal-phi").set_value(True).run()
    revealed = header_value(at, "PatientName")
    assert revealed != "‹redacted›" and revealed.strip()


def test_header_search_filters_the_table(at):
    choose_sample(at, "CT: chest slice (pydicom CT_small)")
    open_section(at, "The header")
    at.text_input[0].set_value("Rescale").run()
    table = at.dataframe[-1].value
    assert {"RescaleSlope", "RescaleIntercept"} <= set(table["field"])
    assert all("rescale" in f"{field} {value}".lower() for field, value in zip(table["field"], table["value"]))


def analyze_pair() -> tuple[bytes, bytes]:
    image = nib.load(NIBABEL_DATA / "anatomical.nii")
    pair = nib.AnalyzeImage(np.asanyarray(image.dataobj), image.affine)
    header, pixels = io.BytesIO(), io.BytesIO()
    pair.to_file_map({"header": nib.FileHolder(fileobj=header), "image": nib.FileHolder(fileobj=pixels)})
    return header.getvalue(), pixels.getvalue()


def series_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in samples.mni_dicom_series(step=30):
            archive.writestr(name, data)
    return buffer.getvalue()


GOOD_UPLOADS = {
    "a DICOM file named .png": [("scan.png", Path(get_testdata_file("CT_small.dcm")).read_bytes())],
    "a NIfTI file": [("anatomical.nii", (NIBABEL_DATA / "anatomical.nii").read_bytes())],
    "a 4D NIfTI": [("example4d.nii.gz", (NIBABEL_DATA / "example4d.nii.gz").read_bytes())],
    "a PNG": [("camera.png", Path(samples.SAMPLES[10].path).with_name("camera.png").read_bytes())],
    "a JPEG": [("retina.jpg", Path(samples.SAMPLES[8].path).read_bytes())],
    "a multi-page TIFF": [("multipage.tif", Path(samples.SAMPLES[10].path).with_name("multipage.tif").read_bytes())],
    "a zip of a series": [("series.zip", series_zip())],
    "a JPEG 2000 DICOM": [("j2k.dcm", Path(get_testdata_file("JPEG2000.dcm")).read_bytes())],
    "a palette colour DICOM": [("palette.dcm", Path(get_testdata_file("examples_palette.dcm")).read_bytes())],
    "a multi-frame RGB DICOM": [("rle.dcm", Path(get_testdata_file("SC_rgb_rle_2frame.dcm")).read_bytes())],
    "an animated GIF": [("anim.gif", Path(samples.SAMPLES[10].path).with_name("no_time_for_that_tiny.gif").read_bytes())],
    "an ANALYZE pair": list(zip(("brain.hdr", "brain.img"), analyze_pair())),
    "several series files": samples.mni_dicom_series(step=40),
}


@pytest.mark.parametrize("files", GOOD_UPLOADS.values(), ids=GOOD_UPLOADS.keys())
def test_good_uploads_are_shown(at, files):
    upload(at, *files)
    assert not problems(at) and not at.error
    assert image_header(at) != f"Your image: {samples.DEFAULT}"
    open_section(at, "Look at it")
    assert not problems(at) and (at.get("plotly_chart") or at.get("image"))
    open_section(at, "From file to screen")
    assert not problems(at) and ring(at)


BAD_UPLOADS = {
    "random bytes": [("scan.dcm", b"\x00\x01garbage" * 100)],
    "an RT plan": [("rtplan.dcm", Path(get_testdata_file("rtplan.dcm")).read_bytes())],
    "a truncated DICOM": [("MR_truncated.dcm", Path(get_testdata_file("MR_truncated.dcm")).read_bytes())],
    "a lone .hdr": [("analyze.hdr", (NIBABEL_DATA / "analyze.hdr").read_bytes())],
    "a series with a gap": [f for n, f in enumerate(samples.mni_dicom_series(step=30)) if n != 2],
}


@pytest.mark.parametrize("files", BAD_UPLOADS.values(), ids=BAD_UPLOADS.keys())
def test_bad_uploads_give_an_error_and_the_page_keeps_working(at, files):
    upload(at, *files)
    assert not problems(at)
    assert any("could not be loaded" in e.value for e in at.error)
    assert image_header(at) == f"Your image: {samples.DEFAULT}"  # the sample stays on screen
    good = ("CT_small.dcm", Path(get_testdata_file("CT_small.dcm")).read_bytes())
    upload(at, good)
    open_section(at, "Your file")
    assert not at.error and image_header(at) == "Your image: CT_small.dcm"


def test_self_check_gives_feedback_and_computes_from_the_image(at):
    choose_sample(at, "CT: chest slice (pydicom CT_small)")
    show_self_check(at, "loading")
    widget(at, "radio", "check-loading-0").set_value("In a .hdr file and an .img file")
    widget(at, "radio", "check-loading-1").set_value("How the file was compressed")
    at.run()
    assert any(s.value.startswith("Right.") for s in at.success)
    assert any(e.value.startswith("Not quite.") for e in at.error)
    open_section(at, "From file to screen")
    physical = float(metrics(at)["Physical value"])
    widget(at, "number_input", "check-loading-3").set_value(physical).run()
    assert sum(s.value.startswith("Right.") for s in at.success) == 2
    assert at.session_state["progress"]["loading"] == {"answered": 3, "correct": 2, "total": 5}


def test_lecturer_mode_folds_explanations_away(at):
    widget(at, "toggle", "lecturer").set_value(True).run()
    open_section(at, "From file to screen")
    assert not problems(at)
    assert any(e.label == "Explanation" for e in at.expander)


def test_script_in_a_file_name_or_header_is_shown_as_text(at):
    import pydicom

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.PatientName = "<script>alert('name')</script>"
    buffer = io.BytesIO()
    ds.save_as(buffer)
    name = "<img src=x onerror=alert(1)>.dcm"
    upload(at, (name, buffer.getvalue()))
    assert not problems(at)
    assert image_header(at) == f"Your image: {md(name)}"  # plain text in a header, never raw HTML or Markdown
    open_section(at, "The header")
    widget(at, "toggle", "reveal-phi").set_value(True).run()
    assert header_value(at, "PatientName") == "<script>alert('name')</script>"


def test_a_link_reopens_the_three_planes_at_its_slices_and_window():
    name = "MRI 3D: subject head (nibabel anatomical.nii)"
    link = {"section": "Look at it", "view_axial": "5", "view_coronal": "7", "view_sagittal": "9",
            "view_radiological": "false"}
    again = page_test(PAGE)
    again.session_state["sample_name"] = name  # the sidebar's image is the learner's, never in the link
    for key, value in link.items():
        again.query_params[key] = value
    again.run()
    assert not problems(again) and not again.warning
    assert [widget(again, "slider", k).value for k in ("view_axial", "view_coronal", "view_sagittal")] == [5, 7, 9]
    assert widget(again, "toggle", "view_radiological").value is False
    cursor = next(c.value for c in again.caption if c.value.startswith("Cursor:"))
    assert cursor.startswith("Cursor: voxel (slice 5, row 7, col 9)")
    assert len(again.get("image")) == 3  # axial, coronal and sagittal, as pictures
    for key in ("view_axial", "view_coronal", "view_sagittal", "view_width", "view_level"):
        assert widget(again, "slider", key).proto.query_param_key == key
    assert widget(again, "selectbox", "view_window").proto.query_param_key == "view_window"


def test_a_window_preset_sets_both_sliders_of_the_viewer(at):
    choose_sample(at, CT)
    open_section(at, "Look at it")
    widget(at, "selectbox", "view_window").set_value("CT bone (2500/480)").run()
    assert not problems(at)
    assert (widget(at, "slider", "view_width").value, widget(at, "slider", "view_level").value) == (2500.0, 480.0)
    heatmap = next(t for f in charts(at) for t in f["data"] if t.get("type") == "heatmap")
    assert (heatmap["zmin"], heatmap["zmax"]) == (480 - 1250, 480 + 1250)
    widget(at, "slider", "view_level").set_value(500.0).run()  # the sliders fine-tune the preset
    heatmap = next(t for f in charts(at) for t in f["data"] if t.get("type") == "heatmap")
    assert (heatmap["zmin"], heatmap["zmax"]) == (500 - 1250, 500 + 1250)


def test_a_monochrome1_radiograph_is_shaded_low_values_white_and_its_values_stay(at):
    def ends(app) -> tuple[float, float]:
        """The grey of the lowest (zmin) and of the highest value (zmax) of the page's one heatmap."""
        heatmap, = (t for f in charts(app) for t in f["data"] if t.get("type") == "heatmap")
        return tuple(float(np.mean([float(v) for v in heatmap["colorscale"][n][1].strip("rgb()").split(",")]))
                     for n in (0, -1))

    rg3 = next(s for s in samples.SAMPLES if s.file == "RG3_UNCR.dcm")  # MONOCHROME1 in its file
    choose_sample(at, rg3.name)
    open_section(at, "Look at it")
    low, high = ends(at)
    assert low > 250 and high < 5  # the lowest value white, as the file asks
    assert any("grey scale is reversed" in c.value for c in at.caption)
    open_section(at, "From file to screen")
    low, high = ends(at)
    assert low > 250 and high < 5  # the probe's picture too, beside its "Displayed grey"
    words = " ".join(c.value for c in at.caption)
    assert "(white) to " in words and "(black). Grey = 255 − clip(" in words
    grey = int(metrics(at)["Displayed grey"])
    assert f"= {grey} (MONOCHROME1: inverted, as the picture shows it)." in words
