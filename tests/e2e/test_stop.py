"""Long work stops when the learner presses Stop: at once, with a message, nothing half-done kept."""

from __future__ import annotations

import pytest

from conftest import VIEWPORT, wait_idle


def press_end(page, label: str) -> None:
    """Move the slider labelled `label` to its maximum with the keyboard, as a learner can."""
    page.get_by_role("slider", name=label).first.focus()
    page.keyboard.press("End")
    wait_idle(page)


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label`: type it, as a learner can, and confirm."""
    page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first.locator("input").first.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).wait_for()
    page.keyboard.press("Enter")
    wait_idle(page)


@pytest.mark.e2e
def test_stop_ends_a_long_registration_and_keeps_nothing(browser, base_url):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(base_url + "/unsupervised")
    wait_idle(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"] input').first.click()
    page.keyboard.type("brain template")
    page.get_by_role("option", name="MRI 3D: brain template (MNI152 2009)").wait_for()
    page.keyboard.press("Enter")
    wait_idle(page)
    choose(page, "Transform", "deformable")
    for label in ("Resolution levels", "Iterations per level (maximum)", "Pixels sampled for the metric (%)",
                  "B-spline grid (control intervals at full size)"):
        press_end(page, label)  # every pixel, 4 levels, up to 300 iterations, a 16-interval grid: seconds of work
    page.get_by_role("button", name="Register", exact=True).click()
    page.get_by_text("· iteration").first.wait_for(timeout=30_000)  # under way
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Registration stopped before the end").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("The registration failed").count() == 0
    assert page.get_by_role("button", name="Stop").count() == 0
    assert page.get_by_text("Register the problem above to see the figure.").count() == 1  # no result kept
    page.close()
