"""AppTest of the presenter's view through app.py: every lesson in the lecture's order, its presets as links."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from core.text import presenter_links
from ui.course import EXTRAS, OBJECTIVES

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TITLES = [f"{o.number} · {o.title}" for o in OBJECTIVES] + \
         [f"Case study · {e.title.split(':')[0]}" for e in EXTRAS]


def presenter() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("lessons/presenter.py").run()
    assert not at.exception
    return at


def links(at: AppTest) -> list[tuple[str, str]]:
    """(label, url) of every Markdown link on the page."""
    import re

    return [(m.group(1), m.group(2)) for md in at.markdown for m in re.finditer(r"\[([^\]]+)\]\(([^)]+)\)", md.value)]


@pytest.fixture
def course_text(tmp_path, monkeypatch):
    """The page reads this folder's course texts instead of assets/course/ (whose lesson files arrive later)."""
    real = presenter_links.lecture_figures
    monkeypatch.setattr(presenter_links, "lecture_figures", lambda _folder=None, private=(): real(tmp_path, private))
    return tmp_path


def test_every_lesson_of_the_course_is_listed_in_order_with_its_links_or_a_note():
    at = presenter()
    assert at.title[0].value == "Presenter's view"
    assert [h.value for h in at.main.header] == TITLES
    lessons = presenter_links.lecture_figures(ROOT / "assets" / "course")
    without = [p for p in [o.page for o in OBJECTIVES] + [e.page for e in EXTRAS]
               if p not in lessons or not lessons[p].figures]
    notes = [i for i in at.info if "No lecture presets for this lesson yet" in i.value]
    assert len(notes) == len(without)
    assert len(links(at)) == sum(len(lesson.figures) for lesson in lessons.values())


def test_presets_become_links_to_their_section_in_lecturer_mode_grouped_by_lesson(course_text):
    (course_text / "preparing.toml").write_text(
        'number = 4\ntitle = "Preparing data"\nobjective = "Prepare."\nsections = ["Noise", "Thresholds"]\n'
        '[[presets]]\nlabel = "Global v = 127 vs Otsu"\nsection = "Thresholds"\nshortcut = "2"\n'
        '[presets.settings]\n"prep-threshold" = 127\n"prep-otsu" = true\nsample_name = "CT: chest slice"\n'
        '[[presets]]\nlabel = "Noisy CT"\nsection = "Noise"\n'
        '[presets.settings]\n"prep-range" = [10, 200]\n', encoding="utf-8")
    at = presenter()
    assert [h.value for h in at.main.header] == TITLES  # still every lesson, in order
    found = links(at)
    assert [label for label, _ in found] == ["Global v = 127 vs Otsu", "Noisy CT"]
    first = parse_qs(urlsplit(found[0][1]).query)
    assert urlsplit(found[0][1]).path == "preparing"
    assert first == {"section": ["Thresholds"], "prep-threshold": ["127"], "prep-otsu": ["true"], "lecturer": ["1"]}
    assert parse_qs(urlsplit(found[1][1]).query)["prep-range"] == ["10", "200"]
    text = " ".join(m.value for m in at.markdown)
    assert "shortcut **2**" in text and "section *Thresholds*" in text
    # the page passes the picker's keys: the sidebar's image never goes into a link
    assert "sample_name" not in found[0][1]
    # the links sit under their lesson: one note fewer than lessons
    assert len([i for i in at.info if "No lecture presets" in i.value]) == len(TITLES) - 1


def test_a_broken_course_file_gives_a_message_not_a_traceback(course_text):
    (course_text / "loading.toml").write_text("number = [", encoding="utf-8")
    at = presenter()
    assert any("loading.toml" in e.value for e in at.error)
    assert [h.value for h in at.main.header] == TITLES
