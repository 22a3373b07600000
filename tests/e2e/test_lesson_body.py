"""A lesson's body reruns alone: a slider step does not send the page's frame (sidebar, title) again, the URL
still follows the control, and an answer given inside the body is still kept in the learner's browser."""

from __future__ import annotations

import json

import pytest

from conftest import VIEWPORT, forward_messages, record_server_messages, wait_idle

pytestmark = pytest.mark.e2e

SIDEBAR, TITLE = (1,), (0, 0)  # delta paths: the sidebar's container, the main area's first element

STEPS = [  # (page, its first slider, the URL parameter it is bound to)
    ("preparing", "Noise level (% of the image's range)", "prep-noise-level"),
    ("unsupervised", "Shift down (mm)", "dy"),
    ("case_study", "Subjects", "cs_n"),
]


def deltas(frames: list[dict]) -> list[tuple[tuple[int, ...], str]]:
    """(delta path, element or block type) of every delta among the server's websocket frames."""
    found = []
    for msg in forward_messages(frames):
        if msg.WhichOneof("type") == "delta":
            kind = msg.delta.WhichOneof("type")
            what = msg.delta.new_element.WhichOneof("type") if kind == "new_element" else kind
            found.append((tuple(msg.metadata.delta_path), what))
    return found


@pytest.mark.parametrize("name,label,parameter", STEPS, ids=[s[0] for s in STEPS])
def test_a_slider_step_redraws_the_body_and_not_the_frame(browser, base_url, name, label, parameter):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    frames = record_server_messages(context, page)
    page.goto(f"{base_url}/{name}")
    wait_idle(page)
    title = page.locator("h1").first.inner_text()
    slider = page.get_by_role("slider", name=label).first
    before = slider.input_value()
    slider.focus()
    page.wait_for_timeout(300)
    frames.clear()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(500)
    wait_idle(page)
    assert page.get_by_role("slider", name=label).first.input_value() != before
    sent = deltas(frames)
    assert sent, "the step redrew nothing"
    assert any(kind in ("imgs", "image") for _, kind in sent), sent  # the body's pictures were redrawn
    assert not [path for path, _ in sent if path[:1] == SIDEBAR or path[:2] == TITLE], sent
    assert page.locator("h1").first.inner_text() == title  # the frame is still there
    assert page.locator('[data-testid="stException"]').count() == 0
    assert f"{parameter}=" in page.url  # the URL still follows a control inside the body
    context.close()


def test_an_answer_inside_a_lesson_body_is_kept_in_the_browser(browser, base_url):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{base_url}/preparing")
    wait_idle(page)
    page.get_by_role("switch", name="Show the 5 questions").press("Space")  # the questions are folded until shown
    wait_idle(page)
    answer = page.get_by_placeholder("type a number").first  # the first question: the Otsu threshold
    answer.fill("1")
    answer.press("Enter")
    page.get_by_text("Not quite.").first.wait_for()
    wait_idle(page)
    page.wait_for_function(  # the browser's copy is written by a component after the run: wait for it
        "() => ((JSON.parse(localStorage.getItem('mia-course-progress') || '{}').progress || {}).preparing || {})"
        ".answered === 1",
        timeout=30_000)
    stored = json.loads(page.evaluate("() => window.localStorage.getItem('mia-course-progress')"))
    assert stored["progress"]["preparing"]["answered"] == 1
    context.close()
