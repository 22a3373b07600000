"""The lecture's figure first on the screen (issue 18): in lecturer mode at 1280 × 720, every lesson opens, and
every lecture preset lands, with its section's first figure on the first screen.

"The first figure" is the first visible plotly chart or image of the main area, in the page's order, or the numbers
a section is about when they come first at room size (a table, such as lesson 6's matrices, or a metric, such as
lesson 3's counts). It is on the first screen when its top is above the fold and at least half of it (or `SEEN_PX`
of a tall one) is in the window, as the browser lays it out, once the lesson (or the preset) has finished running
and the page has settled (a preset whose figure is further down scrolls it into view: ui.room).
"""

from __future__ import annotations

import re
import tomllib

import pytest
from playwright.sync_api import expect

from conftest import REPO_ROOT, wait_idle

SCREEN = {"width": 1280, "height": 720}
SEEN_PX = 300
"""How much of a tall figure must be in the window: enough to see what it is without scrolling."""
COURSE_TEXT = REPO_ROOT / "assets" / "course"
LESSONS = ["pixels", "loading", "exploring", "preparing", "unsupervised", "supervised", "case_study"]

# The first visible figure of the main area, where it is on the screen.
FIRST_FIGURE = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const figures = [...main.querySelectorAll('[data-testid="stPlotlyChart"], [data-testid="stImage"], '
                                            + '[data-testid="stTable"], [data-testid="stMetric"]')]
    .filter(el => el.checkVisibility() && el.getBoundingClientRect().height > 20);
  if (!figures.length) return null;
  const box = figures[0].getBoundingClientRect();
  const label = figures[0].getAttribute('aria-label') || figures[0].querySelector('img')?.alt
              || (figures[0].innerText || '').replace(/\\s+/g, ' ');
  return {kind: figures[0].getAttribute('data-testid'), top: box.top, height: box.height,
          label: label.slice(0, 80)};
}"""


def presets(lesson: str) -> list[str]:
    """The labels of a lesson's lecture presets, in order."""
    text = tomllib.loads((COURSE_TEXT / f"{lesson}.toml").read_text(encoding="utf-8"))
    return [preset["label"] for preset in text.get("presets", [])]


def preset_button(page, lesson: str, label: str):
    """The preset's button, found by its widget key (``<lesson>-preset-<label>``, as Streamlit names its class)."""
    key = re.sub(r"[^a-zA-Z0-9_-]", "-", f"{lesson}-preset-{label}".strip())
    return page.locator(f".st-key-{key} button")


def first_figure(page) -> dict:
    """Where the first figure is, once a figure is on the page (a preset's work may still be drawing it)."""
    page.wait_for_function(FIRST_FIGURE, timeout=120_000)
    page.wait_for_timeout(1200)  # plotly's second layout (automargins), and a preset's scroll after the run
    wait_idle(page)  # a preset's run that started late (a busy machine) has drawn its section, not the one before
    found = page.evaluate(FIRST_FIGURE)
    assert found is not None, page.locator('[data-testid="stMain"]').inner_text()[:1500]
    return found


def on_first_screen(found: dict) -> bool:
    seen = SCREEN["height"] - found["top"]
    return found["top"] >= 0 and seen >= min(found["height"] / 2, SEEN_PX)


CASES = [(lesson, None) for lesson in LESSONS] + [(lesson, label) for lesson in LESSONS for label in presets(lesson)]


@pytest.fixture(scope="module")
def room(browser):
    context = browser.new_context(viewport=SCREEN)
    yield context.new_page()
    context.close()


@pytest.mark.e2e
def test_the_cases_cover_every_lesson_and_the_presets_of_lessons_1_5_and_6():
    labels = {lesson: [label for name, label in CASES if name == lesson and label] for lesson in LESSONS}
    assert len(labels["pixels"]) == 5 and len(labels["unsupervised"]) == 2 and len(labels["supervised"]) == 4


@pytest.mark.e2e
@pytest.mark.parametrize("lesson, preset", [
    pytest.param(lesson, preset, id=f"{lesson}-{preset or 'opened'}") for lesson, preset in CASES])
def test_in_lecturer_mode_the_first_figure_starts_on_the_first_screen(room, base_url, lesson, preset):
    page = room
    page.goto(f"{base_url}/{lesson}?lecturer=1")
    wait_idle(page)
    page.wait_for_selector('[data-testid="stMain"] h1')
    wait_idle(page)
    if preset:
        button = preset_button(page, lesson, preset)
        expect(button).to_have_count(1)  # the preset's button, once (not a copy a rerun is replacing)
        button.click()
        wait_idle(page)
    found = first_figure(page)
    assert on_first_screen(found), f"the first figure ({found}) starts below the first screen of 720 px"
