"""Self-check progress survives a browser reload, kept in the learner's own browser and nowhere else."""

from __future__ import annotations

import json

import pytest

from conftest import (VIEWPORT, forward_messages, progress_cell, record_server_messages, restore_progress_file,
                      wait_idle)

pytestmark = pytest.mark.e2e
STORE = "() => window.localStorage.getItem('mia-course-progress')"


def runs_started(frames: list[dict]) -> int:
    """How many script runs the server started among its websocket frames (each begins with a new_session)."""
    return sum(msg.WhichOneof("type") == "new_session" for msg in forward_messages(frames))


def open_counting_runs(context, url: str) -> tuple[object, list[dict]]:
    """A new tab of `context` on `url`, idle, with the server's websocket frames recorded from the start."""
    page = context.new_page()
    frames = record_server_messages(context, page)
    page.goto(url)
    wait_idle(page)
    page.wait_for_timeout(1500)  # time for the browser's copy to come back, were it sent
    wait_idle(page)
    return page, frames


def test_progress_is_kept_across_a_reload_in_this_browser_only(browser, base_url):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(base_url + "/")
    wait_idle(page)
    restore_progress_file(page)
    assert "2 of 4 right" in progress_cell(page, "2. Loading data")
    stored = page.evaluate(STORE)
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


def test_a_browser_with_no_answers_stored_opens_a_lesson_with_one_run(browser, base_url):
    context = browser.new_context(viewport=VIEWPORT)
    page, frames = open_counting_runs(context, base_url + "/preparing")
    assert runs_started(frames) == 1, "the page ran again: the browser sent a copy it did not have"
    assert page.evaluate(STORE) is None  # nothing answered, nothing written
    # a new tab of the same browser (a session of its own) on another lesson: still one run
    page, frames = open_counting_runs(context, base_url + "/pixels")
    assert runs_started(frames) == 1
    # once a copy with answers is stored, a new session restores it: one more run, and the course map shows it
    page.goto(base_url + "/")
    wait_idle(page)
    restore_progress_file(page)
    assert json.loads(page.evaluate(STORE))["progress"]["loading"]["answered"] == 3
    page, frames = open_counting_runs(context, base_url + "/")
    assert runs_started(frames) == 2
    assert "2 of 4 right" in progress_cell(page, "2. Loading data")
    context.close()
