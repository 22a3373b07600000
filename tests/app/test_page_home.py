"""AppTest of the home page through app.py: the course map, samples, progress and lecturer mode."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core import samples
from core.questions.selfcheck import progress_to_json
from ui.course import EXTRAS, OBJECTIVES

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def home() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def table_with(at: AppTest, column: str):
    """The course map's table with `column` (an HTML table: no canvas grid to load in the learner's browser)."""
    assert not at.dataframe
    frames = [t.value.reset_index() for t in at.table]
    return next(frame for frame in frames if column in frame.columns)


def test_home_page_shows_the_course_map_and_samples():
    at = home()
    assert at.title[0].value == "Medical Image Analysis in Python"
    text = " ".join(m.value for m in at.markdown)
    for objective in OBJECTIVES:
        assert f"{objective.number}. {objective.title}" in text
    links = [link.proto.page for link in at.get("page_link")]
    expected = [p.removeprefix("lessons/").removesuffix(".py") for p in [o.page for o in OBJECTIVES]
                + [e.page for e in EXTRAS]]
    assert sorted(links) == sorted(expected)
    assert list(table_with(at, "sample")["sample"]) == samples.names()
    assert "Garbage in, garbage out" in " ".join(i.value for i in at.info)


def test_progress_is_shown_and_restored_from_a_downloaded_file():
    at = home()
    assert set(table_with(at, "self-check")["self-check"]) == {"not started"}
    saved = progress_to_json({"loading": {"answered": 3, "correct": 2, "total": 4}})
    uploader = next(w for w in at.get("file_uploader") if w.key == "progress-file")
    uploader.set_value([("course-progress.json", saved.encode(), "application/json")])
    at.run()
    assert "2 of 4 right" in set(table_with(at, "self-check")["self-check"])


def test_a_broken_progress_file_gives_a_message_not_a_crash():
    at = home()
    uploader = next(w for w in at.get("file_uploader") if w.key == "progress-file")
    uploader.set_value([("oops.json", b"\x00\x01 not json", "application/json")])
    at.run()
    assert not at.exception
    assert any("progress file" in e.value for e in at.error)


def test_a_deeply_nested_or_infinite_progress_file_gives_one_message_on_every_rerun():
    for name, content in (("deep.json", b"[" * 50_000 + b"]" * 50_000),
                          ("inf.json", b'{"progress": {"loading": {"answered": Infinity, "correct": 1, "total": 2}}}'),
                          ("digits.json", b'{"progress": {"loading": {"answered": ' + b"9" * 5000 + b"}}}")):
        at = home()
        uploader = next(w for w in at.get("file_uploader") if w.key == "progress-file")
        uploader.set_value([(name, content, "application/json")])
        for _ in range(2):  # the file stays in the uploader: every rerun reads it again
            at.run()
            assert not at.exception, name
            assert [e.value for e in at.error if "progress file" in e.value], name
            assert not any("digits" in e.value or "Recursion" in e.value for e in at.error)


def test_lecturer_mode_is_remembered_in_the_url():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lecturer"] = "1"
    at.run()
    assert not at.exception
    toggle = next(t for t in at.get("toggle") if t.key == "lecturer")
    assert toggle.value is True
    toggle.set_value(False)
    at.run()
    assert "lecturer" not in at.query_params
