"""A bookmarked lesson URL opened first on a freshly started server shows the real lesson."""

from __future__ import annotations

import pytest

from conftest import VIEWPORT, streamlit_server, wait_idle


@pytest.mark.e2e
def test_a_lesson_url_opened_first_on_a_fresh_server_has_the_course_navigation_and_picker(browser, tmp_path):
    with streamlit_server(tmp_path / "server.log") as url:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url + "/loading?lecturer=1")
        wait_idle(page)
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "Course map" in sidebar and "2 · Loading data" in sidebar
        assert "Upload" in sidebar and "Lecturer mode" in sidebar
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "2 · Loading data" in page.locator("h1").first.inner_text()
        page.close()


@pytest.mark.e2e
def test_every_lesson_in_lecturer_mode(browser, base_url, visits):
    """Lecturer mode (kept in the URL) on every page: the switch is on and no page raises."""
    page = browser.new_page(viewport=VIEWPORT)
    failures = []
    for visit in visits:
        url = visit.url + ("&" if "?" in visit.url else "?") + "lecturer=1"
        page.goto(url)
        wait_idle(page)
        switch = page.locator('[data-testid="stSidebar"] [role="switch"], [data-testid="stSidebar"] input[type="checkbox"]')
        on = switch.count() and (switch.first.get_attribute("aria-checked") == "true" or switch.first.is_checked())
        if page.locator('[data-testid="stException"]').count() or not on:
            failures.append(f"{url}: exception or lecturer switch off")
    page.close()
    assert failures == []
