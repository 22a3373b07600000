"""Every uploader of every lesson × real and odd files: each case ends in a picture or a clear message.

The files are real ones shipped with the installed libraries (nibabel's 4D
``example4d.nii.gz``, pydicom's tiny odd-sized colour DICOM and its 30-frame
ultrasound loop) and small images built in memory: 1 × 1, 2 × 3, a single-slice
3D volume, RGB, constant, NaN/inf, 16-bit. After each upload the page's run
buttons that work on the upload (the Preparing whole-volume pipeline) are
pressed too.
"""

from __future__ import annotations

from pathlib import Path

import nibabel.testing
import numpy as np
import pytest
from pydicom.data import get_testdata_file

from harness import page_test, problems, upload, widget
from upload_files import nifti, png, tiff, zip_of

LESSONS = ["lessons/pixels.py", "lessons/loading.py", "lessons/exploring.py", "lessons/preparing.py",
           "lessons/unsupervised.py", "lessons/supervised.py", "lessons/case_study.py"]
#: buttons pressed after each upload, when the page shows them (key -> lesson)
RUN_BUTTONS = {"lessons/preparing.py": ["pipeline-volume-run"]}
#: the section that works on the sidebar's image (and holds the run buttons), for lessons read in sections
IMAGE_SECTIONS = {"lessons/loading.py": "Look at it", "lessons/exploring.py": "Histogram",
                  "lessons/preparing.py": "Pipeline builder", "lessons/supervised.py": "Convolution"}
#: where a section offers several images, the choice that shows the sidebar's (widget key, option's start)
IMAGE_CHOICES = {"lessons/exploring.py": ("eda_hist_image", "The current image")}


def _installed_dicom(name: str) -> bytes:
    path = get_testdata_file(name, download=False)
    assert path is not None, name
    return Path(path).read_bytes()


def real_and_odd_files() -> dict[str, bytes]:
    """The set of files every uploader gets: real files first, then odd ones built in memory."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(-1, 1, 40 * 40, dtype=np.float32).reshape(40, 40)
    nan_inf = ramp.copy()
    nan_inf[5:9, 5:9] = np.nan
    nan_inf[0, 0], nan_inf[1, 1] = np.inf, -np.inf
    return {
        "example4d.nii.gz": (Path(nibabel.testing.data_path) / "example4d.nii.gz").read_bytes(),
        "SC_rgb_small_odd.dcm": _installed_dicom("SC_rgb_small_odd.dcm"),
        "examples_ybr_color.dcm": _installed_dicom("examples_ybr_color.dcm"),
        "one_pixel.png": png(np.array([[200]], np.uint8)),
        "two_by_three.png": png(np.arange(6, dtype=np.uint8).reshape(2, 3) * 40),
        "two_by_three_rgb.png": png(rng.integers(0, 255, (2, 3, 3)).astype(np.uint8)),
        "single_slice.nii.gz": nifti(rng.integers(0, 100, (24, 20, 1)).astype(np.int16)),
        "rgb.png": png(rng.integers(0, 255, (30, 40, 3)).astype(np.uint8)),
        "constant.png": png(np.full((32, 32), 7, np.uint8)),
        "nan_inf.tif": tiff(nan_inf),
        "sixteen_bit.png": png((np.arange(48 * 48, dtype=np.uint16).reshape(48, 48) * 28)),
    }


FILES = real_and_odd_files()


def press_run_buttons(at, lesson: str) -> None:
    for key in RUN_BUTTONS.get(lesson, []):
        buttons = [b for b in at.button if b.key == key]
        if buttons:
            buttons[0].click().run()


@pytest.mark.parametrize("lesson", LESSONS)
def test_real_and_odd_files_through_the_sidebar_uploader(lesson):
    at = page_test(lesson, timeout=300)
    if lesson in IMAGE_SECTIONS:
        at.session_state["section"] = IMAGE_SECTIONS[lesson]
    at.run()
    failures = {}
    for name, data in FILES.items():
        upload(at, (name, data))
        if lesson in IMAGE_CHOICES and not problems(at):
            key, start = IMAGE_CHOICES[lesson]
            box = widget(at, "selectbox", key)
            box.set_value(next(o for o in box.options if o.startswith(start))).run()
        if not problems(at):
            press_run_buttons(at, lesson)
        if problems(at):
            failures[name] = problems(at)[0][:300]
        elif not (at.get("image") or at.error or at.get("plotly_chart")):
            failures[name] = "neither a picture nor a message"
    assert failures == {}


def test_the_preparing_whole_volume_pipeline_runs_on_a_4d_upload():
    at = page_test("lessons/preparing.py", timeout=300)
    at.session_state["section"] = IMAGE_SECTIONS["lessons/preparing.py"]
    at.run()
    upload(at, ("example4d.nii.gz", FILES["example4d.nii.gz"]))
    button = widget(at, "button", "pipeline-volume-run")
    button.click().run()
    assert not problems(at), problems(at)
    assert any(m.label == "Result" for m in at.metric)


def test_the_supervised_convolution_tab_takes_a_tiny_colour_dicom():
    at = page_test("lessons/supervised.py", timeout=300)
    at.session_state["section"] = "Convolution"  # lesson 6 shows one section at a time
    at.run()
    upload(at, ("SC_rgb_small_odd.dcm", FILES["SC_rgb_small_odd.dcm"]))
    assert not problems(at), problems(at)
    assert any(m.value.startswith("**Sum** =") for m in at.markdown)


def test_the_dataset_uploader_takes_the_real_and_odd_files():
    at = page_test("lessons/exploring.py", timeout=300)
    at.run()
    radio = widget(at, "radio", "eda_source")
    radio.set_value(radio.options[1]).run()
    widget(at, "file_uploader", "eda_upload").set_value(
        [(name, data, "application/octet-stream") for name, data in FILES.items()])
    at.run()
    assert not problems(at), problems(at)


def test_the_class_folder_zip_takes_the_real_and_odd_files():
    archive = zip_of({f"{'benign' if n % 2 else 'malignant'}/{name}": data for n, (name, data) in enumerate(FILES.items())})
    at = page_test("lessons/supervised.py", timeout=300)
    at.session_state["section"] = "Data"  # lesson 6 shows one section at a time
    at.run()
    widget(at, "radio", "sup-source").set_value("zip").run()
    widget(at, "file_uploader", "sup-zip").set_value([("odd.zip", archive, "application/zip")])
    at.run()
    assert not problems(at), problems(at)
    assert at.error or at.warning or at.get("image")
