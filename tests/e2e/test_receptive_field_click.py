"""Lesson 6 in a real browser: a click on a cell of a feature map outlines the input pixels that cell sees (issue 22).

The test trains a small network from a link (2 blocks, 32 × 32 images, 2 epochs), opens *CNN claims tested*,
clicks a cell of the first convolution's map, and checks that the row and column boxes moved to the cell under
the pointer (plotly's own axes say which) and that the outline on the input followed: the 3 × 3 patch around it.
Then it picks a deeper layer with the keyboard and sees the outline grow.
"""

from __future__ import annotations

import pytest

from conftest import VIEWPORT, wait_idle

pytestmark = pytest.mark.e2e

SMALL = "sup-size=32&sup-blocks=2&sup-n-dermoscopy=60&sup-epochs-dermoscopy=2&sup-filters=4"
# charts by their widget keys: while a rerun replaces the page, a stale copy can stand beside the new one
MAP = '.st-key-sup-field-map-{layer} [data-testid="stPlotlyChart"] .js-plotly-plot'
INPUT = '.st-key-sup-field-input [data-testid="stPlotlyChart"] .js-plotly-plot'


def number_box(page, label: str) -> int:
    box = page.locator('[data-testid="stNumberInput"]').filter(has_text=label).locator("input").first
    return int(float(box.input_value()))


def cell_under(page, selector: str, x: float, y: float) -> tuple[int, int]:
    """The (row, column) plotly's axes put under the page point (x, y) of a chart."""
    return tuple(page.evaluate(
        """([x, y, selector]) => {
            const gd = document.querySelector(selector);
            const box = gd.getBoundingClientRect(), full = gd._fullLayout;
            return [Math.round(full.yaxis.p2d(y - box.top - full.yaxis._offset)),
                    Math.round(full.xaxis.p2d(x - box.left - full.xaxis._offset))];
        }""", [x, y, selector]))


def outline(page) -> tuple[float, float, float, float]:
    """The receptive field drawn on the input chart: first row, last row, first column, last column."""
    return tuple(page.evaluate(
        """(selector) => {
            const s = document.querySelector(selector).layout.shapes[0];
            return [s.y0 + 0.5, s.y1 - 0.5, s.x0 + 0.5, s.x1 - 0.5];
        }""", INPUT))


def test_a_click_on_a_feature_map_cell_moves_its_receptive_field_outline(browser, base_url):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/supervised?section=Training&{SMALL}")
        wait_idle(page)
        page.get_by_role("button", name="Train the network").click()
        page.get_by_text("After 2 epochs").wait_for(timeout=240_000)
        wait_idle(page)
        page.locator('[data-testid="stButtonGroup"] button', has_text="CNN claims tested").click()
        wait_idle(page)
        chart = MAP.format(layer="conv1")
        page.locator(chart).wait_for(timeout=60_000)
        page.locator(chart).scroll_into_view_if_needed()  # the section opens on its curves: the map is lower
        assert (number_box(page, "Row"), number_box(page, "Column")) == (16, 16)
        assert outline(page) == (15, 17, 15, 17)
        plot = page.locator(chart + " .nsewdrag").first.bounding_box()
        # 8.1 and 21.9 cells in: well inside a cell, not on the border between two
        x, y = plot["x"] + plot["width"] * 0.27, plot["y"] + plot["height"] * 0.7
        row, col = cell_under(page, chart, x, y)
        page.mouse.move(x, y)
        page.wait_for_timeout(300)  # plotly finds the point under the cursor on hover
        page.mouse.click(x, y)
        page.wait_for_timeout(500)
        wait_idle(page)
        assert (number_box(page, "Row"), number_box(page, "Column")) == (row, col)
        assert (row, col) != (16, 16)
        assert outline(page) == (max(row - 1, 0), min(row + 1, 31), max(col - 1, 0), min(col + 1, 31))
        assert page.get_by_text(f"Cell (row {row}, column {col}) of conv1 sees").count() == 1
        # the keyboard way: a deeper layer, typed into its box; the cell keeps its place on the image, and its field
        # grows to 10 × 10 (counted by hand in tests/core/test_invariance.py), cut by the image's border
        layer = page.locator('[data-testid="stSelectbox"]').filter(has_text="Feature map of layer")
        layer.locator("input").first.click()
        page.keyboard.type("pool2")
        page.keyboard.press("Enter")
        wait_idle(page)
        page.locator(MAP.format(layer="pool2")).wait_for(timeout=60_000)
        row, col = int((row + 0.5) / 4), int((col + 0.5) / 4)  # the same place of the image, on pool2's 8 × 8 map
        assert (number_box(page, "Row"), number_box(page, "Column")) == (row, col)
        first_row, first_col = 4 * row - 3, 4 * col - 3  # pool2 -> 2 rows of conv2 -> 4 of pool1 -> 8 + 2 of conv1
        assert outline(page) == (max(first_row, 0), min(first_row + 9, 31), max(first_col, 0), min(first_col + 9, 31))
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()
