"""Lesson 2 in a real browser: a click on the picture probes the pixel under the pointer (issue 22).

The page opens from a link on its value chain (CT sample, soft-tissue window); the test clicks a point of the
picture, then checks that the row and column boxes, the ring and the value chain all moved to the pixel under
the pointer, which plotly's own axes say where it is.
"""

from __future__ import annotations

import re

from conftest import VIEWPORT, wait_idle

from core import samples

# The probe's chart by its widget key: while a rerun replaces the page, a stale copy of the chart can stand
# beside the new one for a moment, and a selector by label would then find two.
CHART = '.st-key-probe_figure [data-testid="stPlotlyChart"][aria-label^="Image windowed"] .js-plotly-plot'


def number_box(page, label: str) -> int:
    box = page.locator('[data-testid="stNumberInput"]').filter(has_text=label).locator("input").first
    return int(float(box.input_value()))


def pixel_under(page, x: float, y: float) -> tuple[int, int]:
    """The (row, column) plotly's axes put under the page point (x, y) of the chart."""
    return tuple(page.evaluate(
        """([x, y, selector]) => {
            const gd = document.querySelector(selector);
            const box = gd.getBoundingClientRect(), full = gd._fullLayout;
            const col = full.xaxis.p2d(x - box.left - full.xaxis._offset);
            const row = full.yaxis.p2d(y - box.top - full.yaxis._offset);
            return [Math.round(row), Math.round(col)];
        }""", [x, y, CHART]))


def test_a_click_on_the_picture_probes_the_pixel_under_the_pointer(browser, base_url):
    ct = samples.load(samples.DEFAULT)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        page.goto(base_url + "/loading?section=From+file+to+screen")
        wait_idle(page)
        # a page's runs may stand a stale chart beside the new one for a moment: wait until one stands, and the
        # page is idle again
        page.wait_for_function("s => document.querySelectorAll(s).length === 1", arg=CHART, timeout=60_000)
        wait_idle(page)
        assert (number_box(page, "Row"), number_box(page, "Column")) == (64, 64)
        plot = page.locator(CHART + " .nsewdrag").first.bounding_box()
        x, y = plot["x"] + plot["width"] * 0.3, plot["y"] + plot["height"] * 0.7
        expected = pixel_under(page, x, y)
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        page.wait_for_timeout(500)
        wait_idle(page)
        row, col = number_box(page, "Row"), number_box(page, "Column")
        assert abs(row - expected[0]) <= 1 and abs(col - expected[1]) <= 1, ((row, col), expected)
        physical = page.locator('[data-testid="stMetric"]').filter(has_text="Physical value").locator(
            '[data-testid="stMetricValue"]').inner_text()
        assert float(physical) == float(ct.data[row, col])
        ring = page.evaluate("""(selector) => {
            const probe = document.querySelector(selector).data.find(t => t.name === 'probe');
            return [Array.from(probe.y)[0], Array.from(probe.x)[0]];
        }""", CHART)
        assert tuple(ring) == (row, col)
        assert re.search(rf"probe_row={row}\b", page.url) and re.search(rf"probe_col={col}\b", page.url)
    finally:
        context.close()
