"""Lesson 4 in a real browser: a box dragged on the picture becomes the mask, a lasso too, and a link opens there.

The learner drags with the mouse on the plotly picture of *Masking*; the rectangle's sliders (the keyboard's
precise alternative) take the box's rows and columns, and the numbers follow.
"""

from __future__ import annotations

import pytest

from conftest import VIEWPORT, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

SIZE = 400  # the lecture's phantom is 400 × 400 pixels


def open_masking(browser, base_url: str, extra: str = ""):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{base_url}/preparing?section=Masking&prep-image=lecture+phantom{extra}")
    wait_idle(page)
    return context, page


def drag_layer(page):
    """The plot area of the picture a mask is drawn on (the first chart of the section)."""
    layer = page.locator('[data-testid="stPlotlyChart"]').first.locator(".nsewdrag").first
    layer.wait_for()
    return layer.bounding_box()


def thumbs(page, label: str) -> list[int]:
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=label)
    return [int(float(v)) for v in slider.locator('[role="slider"]').evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('aria-valuenow'))")]


def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def drag(page, box, path: list[tuple[float, float]]) -> None:
    """Press, move through `path` (fractions of the plot area) and release, as a hand does."""
    points = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in path]
    page.mouse.move(*points[0])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()
    page.wait_for_timeout(500)
    wait_idle(page)


def test_a_box_dragged_on_the_picture_sets_the_rectangle_and_the_numbers_follow(browser, base_url):
    context, page = open_masking(browser, base_url)
    try:
        before = metric(page, "Pixels removed")
        box = drag_layer(page)
        drag(page, box, [(0.25, 0.25), (0.6, 0.6)])
        assert page.get_by_role("radio", name="rectangle").is_checked()
        expected = (round(0.25 * SIZE), round(0.6 * SIZE))  # pixel centres from 100 to 239
        rows, cols = thumbs(page, "Rows kept"), thumbs(page, "Columns kept")
        assert all(abs(a - b) <= 3 for a, b in zip(rows, expected)), rows
        assert all(abs(a - b) <= 3 for a, b in zip(cols, expected)), cols
        kept = (rows[1] - rows[0]) * (cols[1] - cols[0])
        assert metric(page, "Pixels removed") == f"{SIZE * SIZE - kept:,}" != before
    finally:
        context.close()


def test_a_lasso_drawn_on_the_picture_is_the_mask(browser, base_url):
    context, page = open_masking(browser, base_url)
    try:
        box = drag_layer(page)
        page.locator('[data-testid="stPlotlyChart"]').first.hover()
        page.locator('[data-testid="stPlotlyChart"]').first.locator('a[data-val="lasso"]').click()
        drag(page, box, [(0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8), (0.21, 0.21)])
        assert page.get_by_role("radio", name="lasso (drawn)").is_checked()
        removed = int(metric(page, "Pixels removed").replace(",", ""))
        kept = SIZE * SIZE - removed
        assert abs(kept - (0.6 * SIZE) ** 2) < 0.05 * (0.6 * SIZE) ** 2  # about the square drawn
    finally:
        context.close()
