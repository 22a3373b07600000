"""Long work stops when the learner presses Stop (a registration, a training, the case study, reading a
dataset): the work ends, a message says so, nothing half-done is kept, and no traceback shows."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from conftest import VIEWPORT, wait_idle


def unfold(page, title: str) -> None:
    """Open the expander titled `title` with the keyboard (lesson 6's later sections fold the data controls)."""
    summary = page.locator('[data-testid="stExpander"] summary', has_text=title).first
    summary.focus()
    page.keyboard.press("Enter")
    wait_idle(page)


def press_key_on_slider(page, label: str, key: str) -> None:
    """Move the slider labelled `label` to an end with the keyboard ("Home" or "End"), as a learner can."""
    slider = page.get_by_role("slider", name=label).first
    slider.focus()
    page.keyboard.press(key)
    wait_idle(page)


def log_since(server_log, start: int) -> str:
    return server_log.read_text(errors="replace")[start:]


def stop_once_under_way(page, under_way, stopped: str) -> None:
    """Press Stop once `under_way` (a text or pattern) shows, wait for the `stopped` message, then check that the
    page shows no exception and no Stop button."""
    page.get_by_text(under_way).first.wait_for(timeout=120_000)
    page.get_by_role("button", name="Stop").click()
    page.get_by_text(stopped).wait_for(timeout=30_000)
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_role("button", name="Stop").count() == 0


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label`: type it, as a learner can, and confirm."""
    page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first.locator("input").first.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).wait_for()
    page.keyboard.press("Enter")
    wait_idle(page)


@pytest.mark.e2e
def test_stop_ends_a_long_training_within_its_first_epoch_and_keeps_nothing(browser, base_url, server_log):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(base_url + "/supervised?section=Training")  # lesson 6 shows one section at a time
    wait_idle(page)
    unfold(page, "The data")
    for label in ("Image size = network input (pixels)", "Filters in the first block", "Kernel size"):
        press_key_on_slider(page, label, "End")  # 96 pixels, 32 filters, 7 × 7 kernels: epochs of many seconds
    log_start = len(server_log.read_text(errors="replace"))
    page.get_by_role("button", name="Train the network").click()
    # the progress inside the first epoch (batch reports), so Stop lands in the middle of model.fit
    stop_once_under_way(page, re.compile(r"Epoch 1/\d+ · batch \d+ of \d+"), "Training stopped before the end")
    assert page.get_by_text(re.compile(r"Epoch \d+/\d+ · loss")).count() == 0  # no epoch report left on screen
    assert page.get_by_text("to fill this section").count() == 1  # no network kept
    assert page.get_by_role("button", name="Download the trained model (.keras)").count() == 0
    assert "Traceback" not in log_since(server_log, log_start)
    page.close()


@pytest.mark.e2e
def test_stop_ends_the_case_study_run_and_keeps_nothing(browser, base_url, server_log):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(base_url + "/case_study?section=Results")
    wait_idle(page)
    press_key_on_slider(page, "Subjects", "End")  # 200 subjects to register: a run of a minute or more
    log_start = len(server_log.read_text(errors="replace"))
    page.get_by_role("button", name="Run the case study").click()
    stop_once_under_way(page, re.compile(r"Step 1: registered \d+ of 200 subjects"),
                        "The case study stopped before the end")
    assert page.get_by_text("it registers every subject, then trains the CNN twice").count() == 1  # no result kept
    assert page.get_by_role("heading", name="Step 1: registration to the template").count() == 0
    assert "Traceback" not in log_since(server_log, log_start)
    page.close()


@pytest.mark.e2e
def test_stop_ends_a_long_registration_and_keeps_nothing(browser, base_url):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(base_url + "/unsupervised?section=Register")  # the lesson shows one section at a time
    wait_idle(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"] input').first.click()
    page.keyboard.type("brain template")
    page.get_by_role("option", name="MRI 3D: brain template (MNI152 2009)").wait_for()
    page.keyboard.press("Enter")
    wait_idle(page)
    choose(page, "Transform", "deformable")
    for label in ("Resolution levels", "Iterations per level (maximum)", "Pixels sampled for the metric (%)",
                  "B-spline grid (control intervals at full size)"):
        press_key_on_slider(page, label, "End")  # every pixel, 4 levels, up to 300 iterations, a 16-interval grid: seconds of work
    page.get_by_role("button", name="Register", exact=True).click()
    stop_once_under_way(page, "· iteration", "Registration stopped before the end")
    assert page.get_by_text("The registration failed").count() == 0
    assert page.get_by_text("Choose a transform and a metric, then press").count() == 1  # no result kept
    page.close()


@pytest.mark.e2e
def test_stop_ends_the_pipeline_on_the_whole_volume_and_keeps_nothing(browser, base_url):
    """The pipeline builder's whole-volume run: two 11 × 11 median filters on the MNI template's 189 slices."""
    page = browser.new_page(viewport=VIEWPORT)
    slow = {"prep-step4": "median", "prep-step4-median-value": 11, "prep-step5": "median",
            "prep-step5-median-value": 11}
    page.goto(base_url + "/preparing?" + urlencode({"section": "Pipeline builder",
                                                    "sample": "MRI 3D: brain template (MNI152 2009)", **slow}))
    wait_idle(page)
    page.get_by_role("button", name=re.compile(r"Run the pipeline on all \d+ slices")).click()
    stop_once_under_way(page, re.compile(r"Step \d of 5, slice \d+ of \d+"), "The pipeline stopped before the end")
    assert page.get_by_role("button", name="Download the result (NIfTI, .nii.gz)").count() == 0  # nothing kept
    page.close()


@pytest.mark.e2e
def test_stop_ends_reading_an_uploaded_dataset_and_offers_to_read_it_again(browser, base_url, tmp_path):
    import zipfile

    from core.data.cohort import build_cohort

    files = build_cohort().files
    archive = tmp_path / "many_slices.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:  # 4,000 files: seconds of reading
        for i in range(4000):
            name, data = files[i % len(files)]
            zf.writestr(f"s{i:04d}_{name}", data)
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(base_url + "/exploring")
    wait_idle(page)
    page.get_by_text("My own files", exact=True).click()
    wait_idle(page)
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="Your files")
    uploader.locator('input[type="file"]').set_input_files(str(archive))
    stop_once_under_way(page, re.compile(r"Read \d+ of 4000"), "Reading the files stopped before the end")
    assert page.get_by_text("About the built-in cohort").count() == 1  # the cohort is shown, no partial table
    page.get_by_role("button", name="Read my files again").click()  # the same upload, read to the end this time
    page.get_by_text("4000 file(s) once archives are unpacked").wait_for(timeout=120_000)
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Reading the files stopped before the end").count() == 0
    page.close()
