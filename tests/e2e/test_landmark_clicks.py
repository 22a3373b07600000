"""Clicking landmarks on the real landmark section in Chromium: each click on a picture becomes a point."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import conftest
from conftest import VIEWPORT, streamlit_server, wait_idle

pytestmark = pytest.mark.e2e

PAGE = Path(__file__).resolve().parent / "landmarks_page.py"


def click_at(page, chart_index: int, row_fraction: float, col_fraction: float) -> None:
    """Click inside the plot area of a plotly chart, at a fraction of its height and width."""
    chart = page.locator('[data-testid="stPlotlyChart"]').nth(chart_index)
    area = chart.locator(".nsewdrag").first.bounding_box()
    page.mouse.move(area["x"] + col_fraction * area["width"], area["y"] + row_fraction * area["height"])
    page.wait_for_timeout(300)  # plotly finds the point under the cursor on hover
    page.mouse.click(area["x"] + col_fraction * area["width"], area["y"] + row_fraction * area["height"])
    page.wait_for_timeout(500)
    wait_idle(page)


def instruction(page) -> str:
    return page.get_by_text(re.compile(r"^Landmark \d+:")).first.inner_text()


def test_two_clicks_make_one_landmark_pair(browser, tmp_path, monkeypatch):
    monkeypatch.setattr(conftest, "APP", PAGE)
    with streamlit_server(tmp_path / "server.log") as url:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        outside = []
        page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(url)
                and not request.url.startswith("data:") else None)
        page.goto(url)
        wait_idle(page)
        assert instruction(page) == "Landmark 1: click a point on the fixed image."
        assert page.locator('[data-testid="stPlotlyChart"]').count() == 2
        click_at(page, 0, 0.3, 0.4)
        assert instruction(page) == "Landmark 1: now click the same point on the moving image."
        click_at(page, 1, 0.35, 0.35)
        assert instruction(page) == "Landmark 2: click a point on the fixed image."
        # the two landmarks are drawn, numbered, on their figures
        for n in (0, 1):
            labels = page.locator('[data-testid="stPlotlyChart"]').nth(n).locator(".textpoint text").all_text_contents()
            assert labels == ["1"]
        assert not page.locator('[data-testid="stException"]').count()
        assert outside == []
        context.close()
