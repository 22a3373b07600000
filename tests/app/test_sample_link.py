"""The sidebar's built-in sample is part of a link (``?sample=``), so a preset's link reopens the same image.

Only a built-in sample's name goes into a link, and not the default one (Streamlit leaves a control at its default
out of the URL too); an upload never does: while the learner works on their own file, the link names no sample.
A link's sample that is not a built-in one's name (unknown, hostile, given twice) is left out and named by the
lesson's standard note on unusable link values.
"""

from __future__ import annotations


import numpy as np
import pytest

from core import samples
from core.text.presenter_links import lecture_figures
from harness import choose_sample, page_test, problems, upload, widget
from upload_files import png
from ui import picker

PAGE = "lessons/pixels.py"
MR = "MR: head slice (pydicom MR_small)"
MNI = "MRI 3D: brain template (MNI152 2009)"
NOT_USED = "not used"


def opened(**query) -> "AppTest":  # noqa: F821
    at = page_test(PAGE)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def sample_in_link(at) -> list[str]:
    value = at.query_params.get(picker.SAMPLE_PARAMETER, [])
    return [value] if isinstance(value, str) else list(value)


def notes(at) -> list[str]:
    return [w.value for w in at.warning if NOT_USED in w.value]


def test_a_link_with_a_built_in_sample_opens_on_it_and_keeps_it():
    assert MR != samples.DEFAULT and MR in samples.names()
    at = opened(section="Zoom", sample=MR)
    assert not problems(at)
    assert widget(at, "selectbox", picker.SAMPLE_KEY).value == MR
    assert widget(at, "radio", picker.SOURCE_KEY).value == picker.SAMPLE
    assert any(MR in m.value for m in at.markdown if m.value.startswith("**Your image:"))  # the lesson works on it
    assert sample_in_link(at) == [MR]
    assert notes(at) == []


def test_choosing_a_sample_writes_it_into_the_link_and_the_default_leaves_it_out():
    at = opened()
    assert sample_in_link(at) == []  # the default sample: nothing to say
    choose_sample(at, MR)
    assert sample_in_link(at) == [MR]
    choose_sample(at, samples.DEFAULT)
    assert sample_in_link(at) == []
    again = opened(sample=samples.DEFAULT)  # said explicitly, the default is no unusable value
    assert widget(again, "selectbox", picker.SAMPLE_KEY).value == samples.DEFAULT and notes(again) == []


def test_an_upload_leaves_no_sample_in_the_link():
    at = opened(sample=MR)
    assert sample_in_link(at) == [MR]
    upload(at, ("my scan.png", png(np.arange(64, dtype=np.uint8).reshape(8, 8))))
    assert not problems(at)
    assert widget(at, "radio", picker.SOURCE_KEY).value == picker.UPLOAD
    assert sample_in_link(at) == []
    assert not any("my scan" in str(value) for value in at.query_params.values())  # nor anything of the upload
    widget(at, "radio", picker.SOURCE_KEY).set_value(picker.SAMPLE).run()  # back on the sample: in the link again
    assert sample_in_link(at) == [MR]


@pytest.mark.parametrize("value", ["<script>alert(1)</script>", "CT: chest", [MR, MR]],
                         ids=["hostile", "unknown", "twice"])
def test_a_link_s_sample_that_is_not_a_built_in_one_is_ignored_with_the_standard_note(value):
    at = opened(section="Zoom", sample=value)
    assert not problems(at)
    assert widget(at, "selectbox", picker.SAMPLE_KEY).value == samples.DEFAULT
    [note] = notes(at)
    assert "sample=" in note and "<script>" not in note  # named, as data: never markup
    assert sample_in_link(at) == []  # dropped from the link, as Streamlit drops a control's unusable value
    at.run()
    assert notes(at) == [note]  # said again while the learner stays on the lesson, never twice


def sample_preset_page():
    from core.text.course_text import load_lesson
    from ui import picker
    from ui.lesson import lecture_presets

    picker.image_picker()
    lecture_presets(load_lesson("unsupervised"))


def test_a_preset_that_chooses_a_sample_puts_it_into_the_link():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(sample_preset_page, default_timeout=120).run()
    assert sample_in_link(at) == []
    [button] = [b for b in at.button if b.label == "(a)–(e) figure"]
    button.click().run()
    assert widget(at, "selectbox", picker.SAMPLE_KEY).value == MNI
    assert sample_in_link(at) == [MNI]


def test_the_presenter_s_link_of_such_a_preset_names_the_sample_and_nothing_of_the_picker():
    from urllib.parse import parse_qs, urlsplit

    private = (picker.SOURCE_KEY, picker.SAMPLE_KEY, picker.UPLOAD_KEY)
    figures = lecture_figures(private=private)["lessons/unsupervised.py"].figures
    for figure in figures:
        query = parse_qs(urlsplit(figure.url).query)
        assert query[picker.SAMPLE_PARAMETER] == [MNI], figure.label
        assert not set(query) & set(private)
        assert figure.left_out == ()


def test_in_lecturer_mode_a_preset_says_its_sample_once_in_a_toast_and_brings_its_figure_into_view():
    from streamlit.testing.v1 import AppTest

    from ui.room import FIGURES

    at = AppTest.from_function(sample_preset_page, default_timeout=120)
    at.session_state["lecturer"] = True
    at.run()
    assert not at.sidebar.get("html")
    [button] = [b for b in at.button if b.label == "(a)–(e) figure"]
    button.click().run()
    [toast] = at.toast
    assert f"chose **{MNI}** in the sidebar" in toast.value
    assert not any("in the sidebar" in i.value for i in at.info)  # no box between the presets and the figure
    [script] = at.sidebar.get("html")  # the sidebar is folded away in lecturer mode: it takes no room
    assert "scrollIntoView" in script.proto.body and FIGURES in script.proto.body
    assert "src=" not in script.proto.body and "http" not in script.proto.body  # it loads nothing
    at.run()
    assert not at.toast and not at.sidebar.get("html")  # said once; the next run leaves the page where it is
