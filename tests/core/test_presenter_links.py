"""The lecture's presets as links (core.text.presenter_links), from hand-made course texts."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from core.text.course_text import CourseFileError, parse_lesson
from core.text.presenter_links import lecture_figures, lesson_figures, preset_link, url_values

PRIVATE = ("image_source", "sample_name", "upload_files")  # ui.picker's keys, as the page passes them

PREPARING = parse_lesson("preparing", {
    "number": 4,
    "title": "Preparing data",
    "objective": "Masking, thresholds, filters.",
    "sections": ["Noise", "Thresholds", "Filters & edges"],
    "presets": [
        {"label": "Global v = 127 vs Otsu", "section": "Thresholds", "shortcut": "2",
         "settings": {"prep-threshold": 127, "prep-otsu": True, "prep-sigma": 2.0}},
        {"label": "Gaussian σ 2 then Otsu", "section": "Filters & edges",
         "settings": {"prep-range": [10, 200.5], "prep-method": "Otsu & mean", "sample_name": "CT: chest",
                      "my-upload": "x.dcm", "lecturer": "0"}},
    ],
})


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def test_a_preset_becomes_the_lessons_page_with_its_section_settings_and_lecturer_mode():
    lesson = lesson_figures(PREPARING, PRIVATE)
    assert (lesson.number, lesson.title, lesson.page) == (4, "Preparing data", "lessons/preparing.py")
    assert [f.label for f in lesson.figures] == ["Global v = 127 vs Otsu", "Gaussian σ 2 then Otsu"]
    first = lesson.figures[0]
    assert urlsplit(first.url).path == "preparing"  # the page's URL path, as st.Page names it from the file
    assert query(first.url) == {"section": ["Thresholds"], "prep-threshold": ["127"], "prep-otsu": ["true"],
                                "prep-sigma": ["2"], "lecturer": ["1"]}
    assert (first.section, first.shortcut, first.left_out) == ("Thresholds", "2", ())
    assert lesson.figures[1].shortcut == ""


def test_values_are_url_encoded_and_lists_repeat_their_parameter():
    second = lesson_figures(PREPARING, PRIVATE).figures[1]
    assert "section=Filters%20%26%20edges" in second.url and "Otsu%20%26%20mean" in second.url
    assert " " not in second.url
    params = query(second.url)
    assert params["section"] == ["Filters & edges"]
    assert params["prep-range"] == ["10", "200.5"]  # a range slider's two ends, in order
    assert params["prep-method"] == ["Otsu & mean"]


def test_a_link_never_carries_an_upload_or_the_pickers_state_and_sets_lecturer_itself():
    second = lesson_figures(PREPARING, PRIVATE).figures[1]
    params = query(second.url)
    assert "sample_name" not in params and "my-upload" not in params
    assert params["lecturer"] == ["1"]  # the preset's own "lecturer" is not taken
    assert set(second.left_out) == {"sample_name", "my-upload", "lecturer"}
    for key in ("upload_files", "Upload-volume", "image_source"):
        link = preset_link("lessons/pixels.py", "", {key: "x", "px-bits": 8}, PRIVATE)
        assert key not in query(link.url) and link.left_out == (key,)
        assert query(link.url) == {"px-bits": ["8"], "lecturer": ["1"]}


def test_url_values_follow_streamlits_reading_of_bound_widgets():
    assert url_values(True) == ["true"] and url_values(False) == ["false"]
    assert url_values(3) == ["3"] and url_values(2.0) == ["2"] and url_values(0.25) == ["0.25"]
    assert url_values("Otsu") == ["Otsu"] and url_values((1, 2.5)) == ["1", "2.5"]
    for bad in (float("nan"), float("inf"), {"a": 1}, [[1, 2]], None):
        with pytest.raises(ValueError):
            url_values(bad)


def test_a_preset_that_names_another_section_or_has_no_label_is_refused_with_its_name():
    minimal = {"title": "T", "objective": "O."}
    with pytest.raises(CourseFileError, match="preset 1: 'section' 'Edges'"):
        parse_lesson("preparing", {**minimal, "sections": ["Thresholds"],
                                   "presets": [{"label": "Global", "section": "Edges"}]})
    with pytest.raises(CourseFileError, match="preset 1: 'label'"):
        parse_lesson("preparing", {**minimal, "sections": ["Thresholds"], "presets": [{"section": "Thresholds"}]})
    odd = parse_lesson("x", {**minimal, "sections": ["A"],
                             "presets": [{"label": "Odd", "section": "A", "settings": {"k": float("nan")}}]})
    with pytest.raises(ValueError, match="x.toml preset 'Odd'.*nan"):
        lesson_figures(odd)


def test_lecture_figures_reads_every_lesson_file_in_lecture_order(tmp_path):
    (tmp_path / "preparing.toml").write_text(
        'number = 4\ntitle = "Preparing data"\nobjective = "Prepare."\nsections = ["Thresholds"]\n'
        '[[presets]]\nlabel = "Otsu"\nsection = "Thresholds"\nshortcut = "1"\n'
        '[presets.settings]\n"prep-otsu" = true\n"prep-range" = [10, 200]\nsample_name = "CT"\n', encoding="utf-8")
    (tmp_path / "pixels.toml").write_text('number = 1\ntitle = "How a computer sees an image"\nobjective = "See."\n',
                                          encoding="utf-8")
    (tmp_path / "case_study.toml").write_text('title = "Case study"\nobjective = "Combine."\nsections = ["Run"]\n'
                                              '[[presets]]\nlabel = "Run"\nsection = "Run"\n', encoding="utf-8")
    lessons = lecture_figures(tmp_path, private=PRIVATE)
    assert list(lessons) == ["lessons/pixels.py", "lessons/preparing.py", "lessons/case_study.py"]
    assert lessons["lessons/pixels.py"].figures == ()  # a lesson without presets yet
    [otsu] = lessons["lessons/preparing.py"].figures
    assert otsu.url == "preparing?section=Thresholds&prep-otsu=true&prep-range=10&prep-range=200&lecturer=1"
    assert otsu.left_out == ("sample_name",)
    assert lessons["lessons/case_study.py"].figures[0].url == "case_study?section=Run&lecturer=1"


def test_lecture_figures_names_a_broken_file_and_a_missing_folder_has_no_lessons(tmp_path):
    assert lecture_figures(tmp_path / "not-there") == {}
    (tmp_path / "loading.toml").write_text("number = [", encoding="utf-8")
    with pytest.raises(ValueError, match="loading.toml"):
        lecture_figures(tmp_path)
