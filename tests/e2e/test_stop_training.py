"""Stop during a training (Supervised learning) and during the case study: the work ends, a message says so,
nothing half-done is kept, and neither the page nor the server log shows a traceback."""

from __future__ import annotations

import re

import pytest

from conftest import VIEWPORT, wait_idle


def press_key_on_slider(page, label: str, key: str) -> None:
    """Move the slider labelled `label` to an end with the keyboard ("Home" or "End"), as a learner can."""
    page.get_by_role("slider", name=label).first.focus()
    page.keyboard.press(key)
    wait_idle(page)


def log_since(server_log, start: int) -> str:
    return server_log.read_text(errors="replace")[start:]


@pytest.mark.e2e
def test_stop_ends_a_long_training_within_its_first_epoch_and_keeps_nothing(browser, base_url, server_log):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(base_url + "/supervised")
    wait_idle(page)
    for label in ("Image size = network input (pixels)", "Filters in the first block", "Kernel size"):
        press_key_on_slider(page, label, "End")  # 96 pixels, 32 filters, 7 × 7 kernels: epochs of many seconds
    log_start = len(server_log.read_text(errors="replace"))
    page.get_by_role("button", name="Train the network").click()
    stop = page.get_by_role("button", name="Stop")
    stop.wait_for(timeout=60_000)
    # the progress inside the first epoch (batch reports), so Stop lands in the middle of model.fit
    page.get_by_text(re.compile(r"Epoch 1/\d+ · batch \d+ of \d+")).first.wait_for(timeout=120_000)
    stop.click()
    page.get_by_text("Training stopped before the end").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_role("button", name="Stop").count() == 0
    assert page.get_by_text(re.compile(r"Epoch \d+/\d+ · loss")).count() == 0  # no epoch report left on screen
    assert page.get_by_text("to fill the sections below").count() == 1  # no network kept
    assert page.get_by_role("heading", name="5 · Inside the network").count() == 0
    assert "Traceback" not in log_since(server_log, log_start)
    page.close()


@pytest.mark.e2e
def test_stop_ends_the_case_study_run_and_keeps_nothing(browser, base_url, server_log):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(base_url + "/case_study")
    wait_idle(page)
    press_key_on_slider(page, "Subjects", "End")  # 200 subjects to register: a run of a minute or more
    log_start = len(server_log.read_text(errors="replace"))
    page.get_by_role("button", name="Run the case study").click()
    stop = page.get_by_role("button", name="Stop")
    stop.wait_for(timeout=60_000)
    page.get_by_text(re.compile(r"Step 1: registered \d+ of 200 subjects")).first.wait_for(timeout=120_000)
    stop.click()
    page.get_by_text("The case study stopped before the end").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_role("button", name="Stop").count() == 0
    assert page.get_by_text("it registers every subject, then trains the CNN twice").count() == 1  # no result kept
    assert page.get_by_role("heading", name="Step 1: registration to the template").count() == 0
    assert "Traceback" not in log_since(server_log, log_start)
    page.close()
