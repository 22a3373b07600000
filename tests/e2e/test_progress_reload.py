"""Self-check progress survives a browser reload, kept in the learner's own browser and nowhere else."""

from __future__ import annotations

import json

import pytest

from conftest import VIEWPORT, progress_cell, restore_progress_file, wait_idle

pytestmark = pytest.mark.e2e

def test_progress_is_kept_across_a_reload_in_this_browser_only(browser, base_url):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(base_url + "/")
    wait_idle(page)
    restore_progress_file(page)
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
