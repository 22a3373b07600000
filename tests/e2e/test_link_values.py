"""A shared link whose value cannot be used opens the lesson with the default and says so, on its first screen."""

from __future__ import annotations

import pytest

from conftest import VIEWPORT, wait_idle

LINKS = [("/unsupervised?section=Problem&angle=99", "angle=99", "Rotation (degrees, clockwise)", "8.00"),
         ("/pixels?section=Bit+depth&bits=abc", "bits=abc", "Bits per value, n", "8")]


@pytest.mark.e2e
@pytest.mark.parametrize("path, named, control, default", LINKS, ids=["out of range", "malformed"])
def test_a_link_value_that_cannot_be_used_is_named_near_the_top_and_the_control_holds_its_default(
        browser, base_url, path, named, control, default):
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto(base_url + path)
        wait_idle(page)
        warning = page.locator('[data-testid="stAlertContentWarning"]', has_text=named)
        assert warning.count() == 1, page.locator('[data-testid="stMain"]').inner_text()[:1500]
        assert warning.bounding_box()["y"] < 2 * VIEWPORT["height"]  # above the section's figure, not at the foot
        slider = page.locator('[data-testid="stSlider"]', has_text=control)
        assert slider.count() == 1, control
        shown = slider.locator('[data-testid="stSliderThumbValue"]').first.inner_text()
        assert float(shown) == float(default)
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()
