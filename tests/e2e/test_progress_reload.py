"""Self-check progress survives a browser reload, kept in the learner's own browser and nowhere else."""

from __future__ import annotations

import json

import pytest

from conftest import VIEWPORT, wait_idle

pytestmark = pytest.mark.e2e

SAVED = {"course": "Medical Image Analysis in Python", "version": 1,
         "progress": {"loading": {"answered": 3, "correct": 2, "total": 4}}}


def progress_cell(page, lesson_start: str) -> str:
    """The self-check cell of the course map's progress table for the lesson whose title starts so."""
    table = page.locator('[data-testid="stDataFrame"]').first
    table.wait_for(timeout=30_000)
    text = page.evaluate("""() => {
        const grid = document.querySelector('[data-testid="stDataFrame"] table');
        return grid ? grid.innerText : '';
    }""")
    for line in text.splitlines():
        if line.startswith(lesson_start):
            return line
    return text


def test_progress_is_kept_across_a_reload_in_this_browser_only(browser, base_url):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(base_url + "/")
    wait_idle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').last.set_input_files(
        files=[{"name": "course-progress.json", "mimeType": "application/json",
                "buffer": json.dumps(SAVED).encode()}])
    page.wait_for_timeout(1500)
    wait_idle(page)
    assert "2 of 4 right" in progress_cell(page, "2. Loading data")
    stored = page.evaluate("() => window.localStorage.getItem('mia-course-progress')")
    assert stored and json.loads(stored)["progress"]["loading"]["correct"] == 2
    page.reload()
    wait_idle(page)
    page.wait_for_timeout(1500)  # the browser's copy comes back with one more run
    wait_idle(page)
    assert "2 of 4 right" in progress_cell(page, "2. Loading data")
    context.close()
    # another browser (its own storage) starts from nothing: the server kept nothing
    other = browser.new_context(viewport=VIEWPORT)
    page = other.new_page()
    page.goto(base_url + "/")
    wait_idle(page)
    page.wait_for_timeout(1500)
    wait_idle(page)
    assert "not started" in progress_cell(page, "2. Loading data")
    other.close()
