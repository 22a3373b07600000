"""Lesson 4 in a real browser: a box dragged on the picture becomes the mask (a link opens the section).

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
        side = round(0.6 * SIZE) - round(0.25 * SIZE)  # rows and columns 100 to 239: the pixel centres in the box
        removed = int(metric(page, "Pixels removed").replace(",", ""))
        assert abs(SIZE * SIZE - removed - side * side) <= 6 * side + 9, removed  # within a pixel on each edge
        assert metric(page, "Pixels removed") != before
    finally:
        context.close()

