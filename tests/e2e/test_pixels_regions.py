"""Lesson 1 in a real browser: a box dragged on the picture becomes the signal or background region, and the
range sliders (the keyboard's way to the same boxes) and the link follow."""

from __future__ import annotations

import re

import pytest

from conftest import VIEWPORT, wait_idle

CT_SIDE = 128  # the default sample, pydicom's CT_small: 128 × 128 pixels


def slider_values(page, label: str) -> tuple[int, int]:
    """The two thumbs of a range slider (Streamlit 1.67: range inputs named "<label> — start" and "— end")."""
    return tuple(int(page.locator(f'input[type="range"][aria-label="{label} — {end}"]').input_value())
                 for end in ("start", "end"))


def drag_box(page, first: tuple[float, float], last: tuple[float, float]) -> None:
    """Drag the mouse over the picture from one pixel (row, column) to another, as a learner does."""
    area = page.locator(".st-key-px-regions .nsewdrag").first
    area.wait_for()
    box = area.bounding_box()
    for _ in range(20):  # a rerun can replace the chart just after it appeared: wait for the new one's box
        if box is not None:
            break
        page.wait_for_timeout(250)
        box = area.bounding_box()
    assert box is not None, "the picture never settled on the page"

    def at(row: float, col: float) -> tuple[float, float]:  # the axes span -0.5 to side - 0.5
        return box["x"] + (col + 0.5) / CT_SIDE * box["width"], box["y"] + (row + 0.5) / CT_SIDE * box["height"]

    page.mouse.move(*at(*first))
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(*at(first[0] + (last[0] - first[0]) * step / 10, first[1] + (last[1] - first[1]) * step / 10))
    page.mouse.up()
    wait_idle(page)


@pytest.mark.e2e
def test_a_box_dragged_on_the_picture_moves_the_region_s_sliders_and_the_link(browser, base_url):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(base_url + "/pixels?section=Signal+and+noise")
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    drag_box(page, (20.0, 30.0), (50.0, 70.0))
    rows, cols = slider_values(page, "Signal rows"), slider_values(page, "Signal columns")
    assert abs(rows[0] - 20) <= 1 and abs(rows[1] - 50) <= 1, rows
    assert abs(cols[0] - 30) <= 1 and abs(cols[1] - 70) <= 1, cols
    assert re.search(r"sig-rows=\d+&sig-rows=\d+", page.url), page.url  # the drawn box is in the link
    page.locator(".st-key-px-drag button").filter(has_text="background box").click()  # now place the background
    wait_idle(page)
    drag_box(page, (100.0, 2.0), (120.0, 20.0))
    rows = slider_values(page, "Background rows")
    assert abs(rows[0] - 100) <= 1 and abs(rows[1] - 120) <= 1, rows
    assert abs(slider_values(page, "Signal rows")[0] - 20) <= 1  # the signal box stays where it was drawn
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()
