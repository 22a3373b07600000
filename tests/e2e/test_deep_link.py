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
