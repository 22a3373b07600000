"""Lesson 1 on a 1280 × 720 projector in lecturer mode: every value printed in a grid is at least 24 px, and the
first screen of every section shows a figure."""

from __future__ import annotations

import pytest

from conftest import wait_idle

SECTIONS = ("Pixels", "Zoom", "Bit+depth", "Colour", "Signal+and+noise")
# The values printed in a grid: a figure's cells (plotly's SVG text), or a matrix shown as a table (the X's numbers).
CELL_SIZES = """() => [...document.querySelectorAll('.stPlotlyChart text, [data-testid="stTable"] td')]
    .filter(t => /^-?[0-9][0-9.]*$/.test(t.textContent.trim())
                 && (t.tagName === 'TD' || t.closest('.heatmaplayer, .textpoint')))
    .map(t => parseFloat(getComputedStyle(t).fontSize))"""


@pytest.mark.e2e
@pytest.mark.parametrize("section", SECTIONS)
def test_grid_values_are_readable_from_the_back_of_a_room_and_a_figure_is_on_the_first_screen(browser, base_url,
                                                                                                 section):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{base_url}/pixels?section={section}&lecturer=1")
    wait_idle(page)
    page.evaluate("""() => {  // lecturer mode folds the sidebar away (issue 18); fold it if it is still open
        const b = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
        if (b) b.click(); }""")
    page.wait_for_timeout(800)
    assert page.locator('[data-testid="stException"]').count() == 0
    sizes = page.evaluate(CELL_SIZES)
    if section != "Signal+and+noise":  # every other section prints values in grids (the X's table, the zoom, ...)
        assert sizes, "no value printed in a grid"
    assert all(size >= 24 for size in sizes), sorted(set(sizes))
    figures = page.locator('[data-testid="stMain"] .stPlotlyChart, [data-testid="stMain"] [data-testid="stImage"]')
    tops = [figures.nth(i).bounding_box()["y"] for i in range(figures.count())]
    assert tops and min(tops) < 720, f"no figure starts on the first screen (tops {tops})"
    page.close()
