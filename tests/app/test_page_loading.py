"""AppTest of the Loading page: every sample, good and bad uploads, the header and PHI opt-in."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from pydicom.data import get_testdata_file

from core import samples
from core.safe_text import md
from harness import choose_sample, page_test, problems, upload, widget

PAGE = "lessons/loading.py"
NIBABEL_DATA = Path(nib.__file__).parent / "tests" / "data"


@pytest.fixture
def at():
    app = page_test(PAGE)
    app.run()
    assert not problems(app)
    return app


def image_header(app) -> str:
    return next(h.value for h in app.header if h.value.startswith("Your image"))


def test_every_sample_renders_with_its_facts(at):
    for name in samples.names():
        choose_sample(at, name)
        assert not problems(at), (name, problems(at))
        assert image_header(at) == f"Your image: {name}"
        assert any(m.label == "Format" for m in at.metric)
        assert not at.error


def test_ct_value_chain_shows_hounsfield_units(at):
    choose_sample(at, "CT: chest slice (pydicom CT_small)")
    metrics = {m.label: m.value for m in at.metric}
    stored, physical = float(metrics["Stored value"]), float(metrics["Physical value"])
    assert physical == stored - 1024
    assert metrics["× slope + intercept"] == "× 1 + -1024"


def test_probe_controls_move_the_value(at):
    choose_sample(at, "MR: head slice (pydicom MR_small)")
    before = {m.label: m.value for m in at.metric}["Physical value"]
    widget(at, "number_input", "probe-row-MR: head slice (pydicom MR_small)-(64, 64)").set_value(5).run()
    after = {m.label: m.value for m in at.metric}["Physical value"]
    assert not problems(at) and before != after


def header_value(at, field: str) -> str:
    """The one value of `field` in the header table: the row must exist, exactly once."""
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
    assert at.get("plotly_chart")


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
    assert not at.error and image_header(at) == "Your image: CT_small.dcm"


def test_self_check_gives_feedback_and_computes_from_the_image(at):
    choose_sample(at, "CT: chest slice (pydicom CT_small)")
    widget(at, "radio", "check-loading-0").set_value("In a .hdr file and an .img file")
    widget(at, "radio", "check-loading-1").set_value("How the file was compressed")
    at.run()
    assert any(s.value.startswith("Right.") for s in at.success)
    assert any(e.value.startswith("Not quite.") for e in at.error)
    physical = float({m.label: m.value for m in at.metric}["Physical value"])
    widget(at, "number_input", "check-loading-3").set_value(physical).run()
    assert sum(s.value.startswith("Right.") for s in at.success) == 2
    assert at.session_state["progress"]["loading"] == {"answered": 3, "correct": 2, "total": 5}


def test_lecturer_mode_folds_explanations_away(at):
    widget(at, "toggle", "lecturer").set_value(True).run()
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
    widget(at, "toggle", "reveal-phi").set_value(True).run()
    assert header_value(at, "PatientName") == "<script>alert('name')</script>"
