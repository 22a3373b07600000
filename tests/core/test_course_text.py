"""The course's words as data: every lesson's file is valid, and a malformed one is named precisely."""

from __future__ import annotations

import tomllib

import pytest

from core.text.course_text import COURSE_DIR, CourseFileError, load_course, load_lesson, parse_lesson
from core.questions.selfcheck import is_correct

MINIMAL = {"title": "Demo", "objective": "Learn one thing."}


def lesson_files():
    return sorted(COURSE_DIR.glob("*.toml"))


LESSONS = {"pixels", "loading", "exploring", "preparing", "unsupervised", "supervised", "case_study"}


def test_the_course_folder_holds_every_lesson_s_file():
    assert {path.stem for path in lesson_files()} == LESSONS


@pytest.mark.parametrize("path", lesson_files(), ids=lambda p: p.name)
def test_every_lesson_file_is_valid_with_its_objective_and_one_right_answer_per_question(path):
    text = load_lesson(path.stem)
    assert text.title and text.objective
    for question in text.questions:
        if question.choices:
            right = [n for n in range(len(question.choices)) if is_correct(question, n)]
            assert len(right) == 1, question.prompt
    for preset in text.presets:
        assert preset.section in text.sections


def test_the_objectives_are_numbered_one_to_six_once_each():
    assert [text.number for text in load_course() if text.number is not None] == [1, 2, 3, 4, 5, 6]


def test_a_question_reads_its_choices_answer_and_explanation():
    text = parse_lesson("demo", {**MINIMAL, "questions": [
        {"prompt": "How many grey levels has 8 bits?", "choices": ["8", "256", "255"], "answer": 1,
         "explanation": "2 to the 8th."},
        {"prompt": "Bytes in a 10 × 10 uint16 image?", "answer": 200, "tolerance": 0, "explanation": "2 each."}]})
    first, second = text.questions
    assert first.choices == ("8", "256", "255") and is_correct(first, 1) and not is_correct(first, 2)
    assert second.numeric and is_correct(second, 200.0) and not is_correct(second, 199)


def test_presets_keep_their_section_settings_and_shortcut():
    text = parse_lesson("demo", {**MINIMAL, "sections": ["A", "B"], "presets": [
        {"label": "Wide", "section": "B", "shortcut": "2", "settings": {"sigma": 2.0, "rows": [3, 9], "on": True}}]})
    (preset,) = text.presets
    assert (preset.label, preset.section, preset.shortcut) == ("Wide", "B", "2")
    assert preset.settings == {"sigma": 2.0, "rows": (3, 9), "on": True}


@pytest.mark.parametrize("change, field", [
    ({"title": ""}, "'title'"),
    ({"objective": None}, "'objective'"),
    ({"number": 0}, "'number'"),
    ({"try_this": "one step"}, "'try_this'"),
    ({"questions": [{"prompt": "?", "choices": ["a", "b"], "answer": 2, "explanation": "x"}]}, "question 1: 'answer'"),
    ({"questions": [{"prompt": "?", "choices": ["a", "a"], "answer": 0, "explanation": "x"}]}, "'choices'"),
    ({"questions": [{"prompt": "?", "choices": ["a", "b"], "answer": 0}]}, "'explanation'"),
    ({"questions": [{"prompt": "?", "answer": "four", "explanation": "x"}]}, "'answer'"),
    ({"sections": ["A"], "presets": [{"label": "p", "section": "Z"}]}, "preset 1: 'section'"),
    ({"sections": ["A"], "presets": [{"label": "p", "section": "A", "settings": {"k": {"x": 1}}}]}, "setting 'k'"),
    ({"explanations": {"otsu": ""}}, "'otsu'"),
])
def test_a_malformed_file_names_the_file_and_the_field(change, field):
    with pytest.raises(CourseFileError) as caught:
        parse_lesson("demo", {**MINIMAL, **change})
    assert "assets/course/demo.toml" in str(caught.value) and field in str(caught.value)


def test_a_missing_or_broken_file_is_named(tmp_path):
    with pytest.raises(CourseFileError, match="nothing.toml: the lesson.s file is missing"):
        load_lesson("nothing", tmp_path)
    (tmp_path / "broken.toml").write_text('title = "unclosed\n', encoding="utf-8")
    with pytest.raises(CourseFileError, match="broken.toml: not valid TOML"):
        load_lesson("broken", tmp_path)


def test_a_lecturer_adds_a_question_in_a_text_editor(tmp_path):
    (tmp_path / "demo.toml").write_text(
        'number = 2\ntitle = "Demo"\nobjective = "Learn."\n\n[[questions]]\nprompt = "Is DICOM a format?"\n'
        'choices = ["yes", "no"]\nanswer = 0\nexplanation = "It is."\n', encoding="utf-8")
    (text,) = load_course(tmp_path)
    assert text.number == 2 and text.questions[0].prompt == "Is DICOM a format?"
    assert tomllib.loads((tmp_path / "demo.toml").read_text())["questions"][0]["answer"] == 0


def test_an_explanation_missing_from_the_file_is_named():
    text = parse_lesson("demo", {**MINIMAL, "explanations": {"otsu": "Otsu splits the histogram."}})
    assert text.explanation("otsu") == "Otsu splits the histogram."
    with pytest.raises(KeyError, match="demo.toml has no explanation 'sobel'"):
        text.explanation("sobel")


def test_the_navigation_s_titles_and_summaries_are_the_files_and_a_broken_file_keeps_its_place(monkeypatch):
    from ui import course

    for objective in course.OBJECTIVES:
        text = load_lesson(objective.page.removeprefix("lessons/").removesuffix(".py"))
        assert (objective.number, objective.title, objective.summary) == (text.number, text.title, text.objective)
    assert course.EXTRAS[0].title == load_lesson("case_study").title

    def broken(name):
        raise CourseFileError(f"assets/course/{name}.toml: 'title' must be a non-empty text")

    monkeypatch.setattr(course, "load_lesson", broken)
    assert course._words("case_study") == ("Case study", "Its text cannot be read: open it to see why.")
